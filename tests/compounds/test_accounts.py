"""Accounts: staff give their communities' people logins and take them back. Who may open the
pages, what a staff member may grant, the one-time password link, deactivation, the history of
roles, another community's accounts answering 404, and the list's query count."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds import accounts
from compounds.models import AccountEvent, Membership
from tests import factories

User = get_user_model()
LIST = reverse("compounds:account_list")
CREATE = reverse("compounds:account_create")


@pytest.fixture
def elsewhere(other_community):
    """A company serving a compound of another community only."""
    company = factories.PropertyCompanyFactory(name="丙物业")
    compound = factories.CompoundFactory(community=other_community, name="丙小区", code="c")
    factories.ServiceContractFactory(compound=compound, company=company)
    return {"company": company, "compound": compound}


def new_account(client, staff, **data):
    client.force_login(staff)
    values = {"username": "13800000001", "full_name": "李四", "email": "", **data}
    return client.post(CREATE, values)


def logs_in(client, username: str, password: str) -> bool:
    """Through the login page, as a person does (django-axes watches it)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    client.logout()
    return response.status_code == 302


def link_in(response) -> str:
    return re.search(
        r'value="(http://testserver/accounts/password/reset/[^"]+)"', response.content.decode()
    ).group(1)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("resident", 403),
        ("company_user_a", 403),
        ("committee_member_a", 403),
        ("grid_worker", 403),
        ("staff", 200),
        ("superuser", 200),
    ],
)
def test_only_staff_open_the_accounts_pages(
    client, request, compound_a, company_user_a, who, status
):
    if who:
        client.force_login(request.getfixturevalue(who))
    detail = reverse("compounds:account_detail", args=[company_user_a.pk])
    for url in (LIST, CREATE, detail):
        assert client.get(url).status_code == status, url


def test_staff_create_a_company_account_whose_owner_sets_the_password(
    client, staff, company_a, compound_a
):
    response = new_account(client, staff, role="company", company=company_a.pk)
    assert response.status_code == 200
    account = User.objects.get(username="13800000001")
    assert (account.first_name, account.has_usable_password()) == ("李四", False)
    assert list(account.memberships.values_list("role", "company_id")) == [
        ("company", company_a.pk)
    ]

    link = link_in(response)
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "hua-yuan-2026!", "new_password2": "hua-yuan-2026!"},
    )
    assert done.status_code == 302
    assert logs_in(client, "13800000001", "hua-yuan-2026!")
    # The link is spent once the password is set.
    assert b"new_password1" not in client.get(link, follow=True).content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "company"}, "company", accounts.SCOPE_REQUIRED["company"]),
        ({"role": "committee"}, "compound", accounts.SCOPE_REQUIRED["committee"]),
        ({"role": "staff", "username": "Taken-Name"}, "username", accounts.USERNAME_TAKEN),
        ({"role": "grid_worker", "username": "bad name!"}, "username", None),
        ({"role": "staff", "username": "erased-12"}, "username", accounts.USERNAME_RESERVED),
        ({"role": "staff", "username": "ｅｒａｓｅｄ-12"}, "username", accounts.USERNAME_RESERVED),
        ({"role": "staff", "username": "ＴＡＫＥＮ-name"}, "username", accounts.USERNAME_TAKEN),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_saved(
    client, community, staff, compound_a, data, field, message
):
    factories.UserFactory(username="taken-name")
    before = (User.objects.count(), Membership.objects.count())
    response = new_account(client, staff, community=community.pk, **data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert str(message) in errors[field]
    assert (User.objects.count(), Membership.objects.count()) == before


def test_a_full_width_login_name_is_saved_as_it_is_typed_at_the_login(
    client, staff, company_a, compound_a
):
    response = new_account(client, staff, role="company", company=company_a.pk, username="ｗａｎｇ")
    assert response.status_code == 200
    assert User.objects.filter(username="wang").exists()


def test_staff_grant_only_in_their_communities(client, staff, other_community, elsewhere):
    for data in (
        {"role": "company", "company": elsewhere["company"].pk},
        {"role": "committee", "compound": elsewhere["compound"].pk},
        {"role": "grid_worker", "community": other_community.pk},
    ):
        response = new_account(client, staff, **data)
        assert response.status_code == 400, data
    assert not User.objects.filter(username="13800000001").exists()


def test_another_communitys_account_answers_404(client, community, other_community, elsewhere):
    theirs = factories.membership_user("company", company=elsewhere["company"])
    their_grid = factories.membership_user("grid_worker", community=other_community)
    client.force_login(factories.membership_user("staff", community=community))
    membership = their_grid.memberships.get()
    for url in (
        reverse("compounds:account_detail", args=[theirs.pk]),
        reverse("compounds:account_detail", args=[their_grid.pk]),
    ):
        assert client.get(url).status_code == 404
    for url in (
        reverse("compounds:account_link", args=[theirs.pk]),
        reverse("compounds:account_active", args=[theirs.pk]),
        reverse("compounds:membership_end", args=[membership.pk]),
    ):
        assert client.post(url, {"active": "0"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_grant_and_end_a_role_with_its_history(client, staff, compound_a, grid_worker):
    client.force_login(staff)
    detail = reverse("compounds:account_detail", args=[grid_worker.pk])
    response = client.post(detail, {"role": "committee", "compound": compound_a.pk})
    assert response.status_code == 302
    assert client.post(detail, {"role": "committee", "compound": compound_a.pk}).status_code == 400
    committee = grid_worker.memberships.get(role="committee")
    client.post(reverse("compounds:membership_end", args=[committee.pk]))
    assert not grid_worker.memberships.filter(role="committee").exists()
    history = list(
        Membership.history.filter(user_id=grid_worker.pk, role="committee")
        .order_by("history_date")
        .values_list("history_type", "history_user_id")
    )
    assert history == [("+", staff.pk), ("-", staff.pk)]
    assert "甲小区" in client.get(detail).content.decode()


def test_ending_the_last_role_here_returns_to_the_list(client, staff, grid_worker):
    client.force_login(staff)
    response = client.post(
        reverse("compounds:membership_end", args=[grid_worker.memberships.get().pk])
    )
    assert response["Location"] == LIST
    assert client.get(reverse("compounds:account_detail", args=[grid_worker.pk])).status_code == 404
    # with nothing left, the login stops too, and says who stopped it
    grid_worker.refresh_from_db()
    assert not grid_worker.is_active
    event = AccountEvent.objects.get(account=grid_worker)
    assert (event.kind, event.by) == (AccountEvent.Kind.DEACTIVATED, staff)


def test_an_account_keeping_another_role_stays_active(client, staff, compound_a, grid_worker):
    client.force_login(staff)
    detail = reverse("compounds:account_detail", args=[grid_worker.pk])
    client.post(detail, {"role": "committee", "compound": compound_a.pk})
    role = grid_worker.memberships.get(role="grid_worker")
    assert client.post(reverse("compounds:membership_end", args=[role.pk]))["Location"] == detail
    grid_worker.refresh_from_db()
    assert grid_worker.is_active


def test_nobody_ends_their_own_role(client, staff):
    client.force_login(staff)
    own = staff.memberships.get()
    response = client.post(reverse("compounds:membership_end", args=[own.pk]), follow=True)
    assert response.status_code == 200
    assert staff.memberships.filter(pk=own.pk).exists()
    assert str(accounts.NOT_YOURSELF_END) in response.content.decode()


def test_deactivate_stops_the_login_and_reactivate_restores_it(
    client, staff, compound_a, company_user_a
):
    company_user_a.set_password("pw-123456789")
    company_user_a.save()
    client.force_login(staff)
    url = reverse("compounds:account_active", args=[company_user_a.pk])
    client.post(url, {"active": "0"})
    assert not logs_in(client, company_user_a.username, "pw-123456789")
    client.force_login(staff)
    client.post(url, {"active": "1"})
    assert logs_in(client, company_user_a.username, "pw-123456789")


def test_no_password_link_for_an_account_that_also_works_elsewhere(
    client, staff, community, other_community
):
    """The link signs in as its owner everywhere: staff of one community must not be able to
    take over another community's staff member through it."""
    both = factories.membership_user("staff", community=other_community)
    Membership.objects.create(user=both, role="grid_worker", community=community)
    client.force_login(staff)
    response = client.post(reverse("compounds:account_link", args=[both.pk]), follow=True)
    html = response.content.decode()
    assert str(accounts.NOT_YOURS) in html
    assert "/accounts/password/reset/" not in html.replace('href="/accounts/password/reset/"', "")
    assert 'id="password-link"' not in html


def test_an_account_working_elsewhere_or_ones_own_is_not_deactivated(
    client, staff, community, other_community
):
    both = factories.membership_user("grid_worker", community=community)
    Membership.objects.create(user=both, role="grid_worker", community=other_community)
    client.force_login(staff)
    for account, message in ((both, accounts.NOT_YOURS), (staff, accounts.NOT_YOURSELF)):
        response = client.post(
            reverse("compounds:account_active", args=[account.pk]), {"active": "0"}, follow=True
        )
        assert str(message) in response.content.decode()
        account.refresh_from_db()
        assert account.is_active


def test_superusers_are_not_listed_and_not_managed(client, staff, community):
    boss = factories.UserFactory(is_superuser=True)
    Membership.objects.create(user=boss, role="staff", community=community)
    client.force_login(staff)
    assert boss.username not in client.get(LIST).content.decode()
    assert client.get(reverse("compounds:account_detail", args=[boss.pk])).status_code == 404


def test_the_list_costs_the_same_queries_at_two_sizes(
    client, staff, community, company_a, compound_a
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(staff)
    factories.membership_user("grid_worker", community=community)
    few = queries()
    for _ in range(15):
        factories.membership_user("company", company=company_a)
        factories.membership_user("committee", compound=compound_a)
    assert queries() == few


def test_the_list_filters_by_role_and_search(client, staff, community, compound_a, company_user_a):
    factories.membership_user("grid_worker", community=community)
    client.force_login(staff)
    html = client.get(LIST, {"role": "company"}).content.decode()
    assert company_user_a.username in html
    assert "grid_worker-" not in html
    html = client.get(LIST, {"q": company_user_a.username}).content.decode()
    assert company_user_a.username in html
    assert "grid_worker-" not in html


def test_a_forgotten_password_by_email(client, company_user_a):
    company_user_a.email = "li@example.com"
    company_user_a.save()
    assert b"/accounts/password/reset/" in client.get("/accounts/login/").content
    response = client.post("/accounts/password/reset/", {"email": "li@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["li@example.com"]
    assert "/accounts/password/reset/" in message.body
    # An unknown address says the same and sends nothing.
    client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1


def test_a_company_serving_another_community_too_is_an_administrators(
    client, staff, community, compound_a, company_a, other_community
):
    """A company login works wherever the company serves: staff of one community must not
    hand out (or take over) a login that acts in another's compounds."""
    theirs = factories.CompoundFactory(community=other_community, name="戊小区", code="e")
    factories.ServiceContractFactory(compound=theirs, company=company_a)
    user = factories.membership_user("company", company=company_a)
    response = new_account(client, staff, role="company", company=company_a.pk)
    assert response.status_code == 400
    assert "company" in response.context["form"].errors
    assert client.get(reverse("compounds:account_detail", args=[user.pk])).status_code == 404


def test_nobody_grants_themselves_a_role(client, staff, compound_a):
    client.force_login(staff)
    detail = reverse("compounds:account_detail", args=[staff.pk])
    response = client.post(detail, {"role": "committee", "compound": compound_a.pk})
    assert response.status_code == 400
    assert str(accounts.NOT_YOURSELF_GRANT) in response.context["form"].non_field_errors()
    assert not staff.memberships.filter(role="committee").exists()


@pytest.mark.parametrize(
    ("holds", "grant"),
    [("grid_worker", "company"), ("staff", "company"), ("company", "grid_worker")],
)
def test_a_company_user_is_never_also_community_staff(
    client, staff, community, compound_a, company_a, holds, grant
):
    scope = {"company": company_a} if holds == "company" else {"community": community}
    account = factories.membership_user(holds, **scope)
    client.force_login(staff)
    data = {"role": grant}
    data.update({"company": company_a.pk} if grant == "company" else {"community": community.pk})
    response = client.post(reverse("compounds:account_detail", args=[account.pk]), data)
    assert response.status_code == 400
    assert str(accounts.CONFLICTING_ROLES) in response.context["form"].non_field_errors()
    assert account.memberships.count() == 1


def test_history_and_role_filter_stay_in_the_staffs_communities(
    client, staff, community, other_community, compound_a
):
    account = factories.membership_user("committee", compound=compound_a)
    boss = factories.UserFactory(username="other-boss", first_name="外社区主任")
    with_history_user(
        boss,
        lambda: Membership.objects.create(user=account, role="staff", community=other_community),
    )
    client.force_login(staff)
    detail = client.get(reverse("compounds:account_detail", args=[account.pk])).content.decode()
    assert "外社区主任" not in detail
    assert account.username not in client.get(LIST, {"role": "staff"}).content.decode()
    assert account.username in client.get(LIST, {"role": "committee"}).content.decode()


def test_django_admin_accounts_are_not_managed_here(client, staff, community):
    admin = factories.membership_user("grid_worker", community=community)
    admin.is_staff = True
    admin.save()
    client.force_login(staff)
    assert client.get(reverse("compounds:account_detail", args=[admin.pk])).status_code == 404


def with_history_user(user, create):
    """Run ``create`` as if ``user`` made the change (simple-history's request user)."""
    from simple_history.models import HistoricalRecords

    class Request:
        pass

    request = Request()
    request.user = user
    HistoricalRecords.context.request = request
    try:
        return create()
    finally:
        del HistoricalRecords.context.request


def test_creation_links_and_deactivation_are_recorded(client, staff, community, compound_a):
    from compounds.models import AccountEvent

    response = new_account(client, staff, role="committee", compound=compound_a.pk)
    account = User.objects.get(username="13800000001")
    assert response.status_code == 200
    client.post(reverse("compounds:account_link", args=[account.pk]))
    client.post(reverse("compounds:account_active", args=[account.pk]), {"active": "0"})
    client.post(reverse("compounds:account_active", args=[account.pk]), {"active": "1"})
    kinds = list(
        AccountEvent.objects.filter(account=account).order_by("pk").values_list("kind", "by")
    )
    assert kinds == [
        ("created", staff.pk),
        ("password_link", staff.pk),
        ("password_link", staff.pk),
        ("deactivated", staff.pk),
        ("reactivated", staff.pk),
    ]
    page = client.get(reverse("compounds:account_detail", args=[account.pk])).content.decode()
    assert page.count(str(AccountEvent.Kind.PASSWORD_LINK.label)) == 2


def test_password_rules_and_the_reset_mail_speak_chinese(client, staff, compound_a, settings):
    response = new_account(client, staff, role="committee", compound=compound_a.pk)
    link = link_in(response)
    client.logout()
    form = client.get(link, follow=True)
    target = form.redirect_chain[-1][0] if form.redirect_chain else link
    answer = client.post(target, {"new_password1": "a1", "new_password2": "a1"}).content.decode()
    assert "密码太短" in answer
    assert "too short" not in answer
    account = User.objects.get(username="13800000001")
    account.email = "zhao@example.com"
    account.set_password("forgotten-2026")  # Django mails only accounts with a password
    account.save()
    client.post("/accounts/password/reset/", {"email": "zhao@example.com"})
    assert settings.SITE_NAME in mail.outbox[-1].subject


def test_the_role_forms_list_compounds_in_natural_order(client, community, staff):
    # given: names the database would sort as text ("小区10" before "小区2"), and an archived one
    for code, name in [("c10", "小区10"), ("c2", "小区2"), ("c1", "小区1"), ("b", "安居苑")]:
        factories.CompoundFactory(community=community, code=code, name=name)
    factories.CompoundFactory(community=community, code="old", name="小区3", is_archived=True)
    client.force_login(staff)
    theirs = factories.membership_user("grid_worker", community=community)
    # when
    pages = [
        client.get(CREATE).content.decode(),
        client.get(reverse("compounds:account_detail", args=[theirs.pk])).content.decode(),
    ]
    # then: in the new account's form and the form adding a role alike
    for html in pages:
        select = re.search(r'<select name="compound"[^>]*>(.*?)</select>', html, re.S)
        assert select
        labels = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))
        assert labels[1:] == ["安居苑", "小区1", "小区2", "小区10"]
