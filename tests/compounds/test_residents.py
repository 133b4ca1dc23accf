"""Residents' registration and its check: the phone rule, the public form's bad input (nothing
saved), the login's explanation, every decision and the ones refused, who may open each page,
another community's registration answering 404, the desk registration, a resident's own homes,
and the list's query count."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from committees.opinions import opinion_submit
from compounds import residents
from compounds.models import AccountEvent, Membership, Residency
from tests import factories

User = get_user_model()
REGISTER = reverse("register")
LIST = reverse("compounds:residency_list")
CREATE = reverse("compounds:residency_create")
PASSWORD = "kangsheng-garden-2026"


@pytest.fixture
def home(compound_a):
    """A door of 甲小区 with its owner and household of record."""
    owner = factories.OwnerFactory(
        community=compound_a.community, name="王建国", phone="139 0937 0001"
    )
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    dwelling = factories.DwellingFactory(unit=unit, code="501", owner=owner)
    factories.HouseholdFactory(dwelling=dwelling, head_name="李秀英")
    return dwelling


@pytest.fixture
def far_home(other_community):
    compound = factories.CompoundFactory(community=other_community, name="丙小区", code="c")
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    return factories.DwellingFactory(unit=unit, code="101")


def form_data(where, **changes):
    data = {
        "compound": where.unit.building.compound_id,
        "full_name": "王建国",
        **door(where),
        "relation": "owner",
        "phone": "13909370001",
        "username": "wangjianguo",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def door(where) -> dict:
    """The door picker's three choices for ``where``."""
    return {"building": where.unit.building_id, "unit": where.unit_id, "dwelling": where.pk}


def pending(dwelling, **fields) -> Residency:
    account = factories.UserFactory(is_active=False)
    values = {"full_name": "王建国", "phone": "13909370001", "relation": "owner", **fields}
    return Residency.objects.create(account=account, dwelling=dwelling, **values)


def login_error(client, username: str, password: str):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200, "the login should have been refused"
    return response.context["form"].errors.as_data()["__all__"][0]


# --- The phone rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("12812345678", None),  # no mainland mobile starts 12
        ("1381234567", None),  # 10 digits
        ("138123456789", None),  # 12 digits
        ("0937-2612345", None),  # a landline
        ("", None),
    ],
)
def test_phone_numbers(typed, kept):
    if kept is None:
        with pytest.raises(ValidationError):
            residents.normalise_phone(typed)
    else:
        assert residents.normalise_phone(typed) == kept


# --- Registering -------------------------------------------------------------------------------


def test_a_resident_registers_and_signs_in_once_verified(client, home, staff):
    first = client.get(REGISTER)
    assert first.status_code == 200
    assert "甲小区" in first.content.decode()
    step = client.get(REGISTER, {"compound": home.unit.building.compound_id})
    assert step.status_code == 200
    assert "501" in step.content.decode()

    response = client.post(REGISTER, form_data(home))
    assert response.status_code == 302
    assert response.url == reverse("register_done")
    assert "wangjianguo" in client.get(response.url).content.decode()

    residency = Residency.objects.get()
    assert residency.status == "pending"
    assert residency.dwelling == home
    assert residency.account.username == "wangjianguo"
    assert not residency.account.is_active
    assert login_error(client, "wangjianguo", PASSWORD).code == "inactive"

    residents.verify(by=staff, residency=residency)
    response = client.post(reverse("login"), {"username": "wangjianguo", "password": PASSWORD})
    assert response.status_code == 302


def test_a_refused_resident_reads_the_reason_at_the_login(client, home, staff):
    client.post(REGISTER, form_data(home))
    residency = Residency.objects.get()
    residents.refuse(by=staff, residency=residency, note="登记的业主不是您，请带房产证来。")
    error = login_error(client, "wangjianguo", PASSWORD)
    assert error.code == "inactive"
    assert "请带房产证来" in error.message


def test_a_wrong_password_says_nothing_about_the_registration(client, home):
    client.post(REGISTER, form_data(home))
    assert login_error(client, "wangjianguo", "not-the-password").code == "invalid_login"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"password2": "another-password-2026"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"consent": None}, "consent"),
        ({"full_name": ""}, "full_name"),
        ({"relation": "landlord"}, "relation"),
        ({"dwelling": ""}, "dwelling"),
        ({"username": "bad name!"}, "username"),
        ({"username": "STAFF-ONE"}, "username"),  # taken, whatever the case
        ({"username": "Erased-7"}, "username"),  # reserved for erased accounts
        # Django saves names in NFKC form: full-width letters are the same name.
        ({"username": "ＳＴＡＦＦ-ｏｎｅ"}, "username"),
        ({"username": "ｅｒａｓｅｄ-3"}, "username"),
    ],
)
def test_bad_registrations_say_what_is_wrong_and_save_nothing(client, home, changes, field):
    factories.UserFactory(username="staff-one")
    users = User.objects.count()
    response = client.post(REGISTER, form_data(home, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert User.objects.count() == users
    assert not Residency.objects.exists()


def test_a_door_of_another_compound_is_refused(client, home, far_home):
    response = client.post(REGISTER, form_data(home, dwelling=far_home.pk))
    assert response.status_code == 400
    assert "dwelling" in response.context["form"].errors
    assert not Residency.objects.exists()


def test_an_archived_compound_is_not_offered(client, home):
    compound = home.unit.building.compound
    compound.is_archived = True
    compound.save()
    response = client.post(REGISTER, form_data(home))
    assert response.status_code == 200
    assert b'name="dwelling"' not in response.content  # back at the choice of compound
    assert not Residency.objects.exists()


def test_registrations_from_one_address_are_limited(client, home):
    for n in range(residents.REGISTRATIONS_PER_HOUR):
        response = client.post(REGISTER, form_data(home, username=f"r{n}"))
        assert response.status_code == 302
        client.cookies.clear()
    response = client.post(REGISTER, form_data(home, username="one-too-many"))
    assert response.status_code == 400
    assert not User.objects.filter(username="one-too-many").exists()
    assert Residency.objects.count() == residents.REGISTRATIONS_PER_HOUR


def test_a_signed_in_account_goes_to_its_homes(client, resident):
    client.force_login(resident)
    assert client.get(REGISTER).url == reverse("my_homes")


# --- Deciding ----------------------------------------------------------------------------------


def test_registry_matches(home):
    same = pending(home)
    assert [m.matches for m in residents.registry_matches(same)] == [True, True, False]
    tenant = pending(home, full_name="李秀英", phone="15800000000", relation="tenant")
    assert [m.matches for m in residents.registry_matches(tenant)] == [False, False, True]
    bare = pending(factories.DwellingFactory(unit=home.unit, code="502"))
    assert [m.matches for m in residents.registry_matches(bare)] == [None, None, None]


@pytest.mark.parametrize(
    ("start", "action", "note", "outcome"),
    [
        ("pending", "verify", "", "verified"),
        ("pending", "refuse", "不符", "refused"),
        ("pending", "refuse", "  ", "error"),  # a refusal says why
        ("pending", "end", "搬走", "error"),  # only a verified residency ends
        ("verified", "verify", "", "error"),
        ("verified", "refuse", "不符", "error"),
        ("verified", "end", "已搬走", "ended"),
        ("verified", "end", "", "error"),
        ("refused", "verify", "", "error"),
        ("ended", "verify", "", "error"),
    ],
)
def test_decisions(home, staff, start, action, note, outcome):
    residency = pending(home)
    if start != "pending":
        residency.status, residency.decided_at, residency.decided_by = start, timezone.now(), staff
        residency.save()
    kwargs = {} if action == "verify" else {"note": note}
    if outcome == "error":
        with pytest.raises(ValidationError):
            getattr(residents, action)(by=staff, residency=residency, **kwargs)
        residency.refresh_from_db()
        assert residency.status == start
    else:
        getattr(residents, action)(by=staff, residency=residency, **kwargs)
        residency.refresh_from_db()
        assert residency.status == outcome
        assert residency.decided_by == staff
        assert residency.note == note.strip()


def test_verifying_activates_unless_staff_deactivated_the_account(home, staff):
    first = pending(home)
    residents.verify(by=staff, residency=first)
    first.account.refresh_from_db()
    assert first.account.is_active

    second = pending(factories.DwellingFactory(unit=home.unit, code="502"))
    AccountEvent.objects.create(account=second.account, kind="deactivated", by=staff)
    residents.verify(by=staff, residency=second)
    second.account.refresh_from_db()
    assert not second.account.is_active


@pytest.mark.parametrize(
    ("other_home", "role", "stays_active"),
    [(False, False, False), (True, False, True), (False, True, True)],
)
def test_ending_the_last_home_deactivates_the_account(home, staff, other_home, role, stays_active):
    residency = pending(home)
    residents.verify(by=staff, residency=residency)
    account = residency.account
    if other_home:
        other = Residency.objects.create(
            account=account,
            dwelling=factories.DwellingFactory(unit=home.unit, code="502"),
            full_name="王建国",
            phone="13909370001",
            relation="owner",
        )
        residents.verify(by=staff, residency=other)
    if role:
        Membership.objects.create(
            user=account, role="committee", compound=home.unit.building.compound
        )
    residents.end(by=staff, residency=residency, note="已出售")
    account.refresh_from_db()
    assert account.is_active is stays_active
    stopped = AccountEvent.objects.filter(account=account, kind="homes_ended").exists()
    assert stopped is not stays_active


def test_nobody_decides_their_own_registration(home, grid_worker):
    residency = pending(home)
    residency.account = grid_worker
    residency.save()
    with pytest.raises(ValidationError):
        residents.verify(by=grid_worker, residency=residency)


def test_another_communitys_checker_is_refused_by_the_service(far_home, staff):
    with pytest.raises(ValidationError):
        residents.verify(by=staff, residency=pending(far_home))


# --- Who may open the check pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "desk"),
    [
        (None, 302, 302),
        ("resident", 403, 403),
        ("company_user_a", 403, 403),
        ("committee_member_a", 403, 403),
        ("grid_worker", 200, 403),  # grid workers check; staff hand out logins
        ("staff", 200, 200),
        ("superuser", 200, 200),
    ],
)
def test_who_opens_the_check_pages(client, request, home, who, status, desk):
    residency = pending(home)
    if who:
        client.force_login(request.getfixturevalue(who))
    detail = reverse("compounds:residency_detail", args=[residency.pk])
    for url in (LIST, detail):
        assert client.get(url).status_code == status, url
    assert client.get(CREATE).status_code == desk
    verify = reverse("compounds:residency_verify", args=[residency.pk])
    client.post(verify)
    residency.refresh_from_db()
    assert residency.status == ("verified" if status == 200 else "pending")


@pytest.mark.parametrize("action", ["verify", "refuse", "end"])
def test_another_communitys_registration_answers_404_and_stays(client, far_home, staff, action):
    residency = pending(far_home)
    client.force_login(staff)
    assert client.get(reverse("compounds:residency_detail", args=[residency.pk])).status_code == 404
    url = reverse(f"compounds:residency_{action}", args=[residency.pk])
    assert client.post(url, {"note": "不符"}).status_code == 404
    residency.refresh_from_db()
    assert residency.status == "pending"
    assert residency.decided_at is None


def test_the_detail_page_decides_and_refuses_without_reason(client, home, staff):
    residency = pending(home)
    client.force_login(staff)
    page = client.get(reverse("compounds:residency_detail", args=[residency.pk]))
    assert "王建国" in page.content.decode()
    assert "李秀英" in page.content.decode()
    refused = client.post(reverse("compounds:residency_refuse", args=[residency.pk]), {"note": ""})
    assert refused.status_code == 400
    assert "note" in refused.context["form"].errors
    verified = client.post(reverse("compounds:residency_verify", args=[residency.pk]))
    assert verified.status_code == 302
    residency.refresh_from_db()
    assert residency.status == "verified"


def test_the_list_shows_tabs_and_searches(client, home, far_home, staff):
    waiting = pending(home, full_name="王建国")
    done = pending(factories.DwellingFactory(unit=home.unit, code="502"), full_name="赵小军")
    residents.verify(by=staff, residency=done)
    pending(far_home, full_name="外社区居民")
    client.force_login(staff)
    page = client.get(LIST).content.decode()
    assert waiting.full_name in page
    assert "赵小军" not in page
    assert "外社区居民" not in page
    assert "赵小军" in client.get(LIST, {"tab": "verified"}).content.decode()
    assert "王建国" not in client.get(LIST, {"q": "赵"}).content.decode()


TAB_BAR = re.compile(
    r'<ul class="nav nav-tabs small mb-3 flex-nowrap overflow-auto">(.*?)</ul>', re.S
)
TAB = re.compile(
    r'<a class="nav-link text-nowrap( active" aria-current="page)?" href="\?tab=(\w+)">'
)


@pytest.mark.parametrize(
    ("asked", "marked"),
    [
        ({}, "pending"),
        ({"tab": "pending"}, "pending"),
        ({"tab": "verified"}, "verified"),
        ({"tab": "decided"}, "decided"),
        ({"tab": "nonsense"}, "pending"),
    ],
)
def test_the_list_marks_its_current_tab_as_the_other_tab_bars_do(
    client, home, staff, asked, marked
):
    pending(home)
    client.force_login(staff)
    page = client.get(LIST, asked).content.decode()
    bar = TAB_BAR.search(page)
    assert bar, "not the shared tab bar (one line that scrolls on a phone)"
    tabs = TAB.findall(bar.group(1))
    assert [key for _, key in tabs] == ["pending", "verified", "decided"]
    assert [key for current, key in tabs if current] == [marked]
    assert bar.group(1).count('aria-current="page"') == 1
    assert re.search(r'<span class="badge text-bg-warning">1</span>', bar.group(1))


def test_the_list_queries_do_not_grow_with_its_rows(client, home, staff):
    client.force_login(staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        pending(factories.DwellingFactory(unit=home.unit, code=f"6{n:02d}"))
    few = queries()
    for n in range(30):
        pending(factories.DwellingFactory(unit=home.unit, code=f"7{n:02d}"))
    assert queries() == few


# --- At the desk -------------------------------------------------------------------------------


def test_staff_register_a_resident_at_the_desk(client, home, staff):
    client.force_login(staff)
    data = form_data(home, username="elder-wang")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "/accounts/password/reset/" in response.content.decode()
    residency = Residency.objects.get()
    assert residency.status == "verified"
    assert residency.decided_by == staff
    account = residency.account
    assert account.is_active
    assert not account.has_usable_password()
    kinds = set(AccountEvent.objects.filter(account=account).values_list("kind", flat=True))
    assert kinds == {"created", "password_link"}


def test_the_desk_offers_only_the_staffs_communities(client, home, far_home, staff):
    client.force_login(staff)
    response = client.post(CREATE, form_data(far_home, username="far"))
    assert response.status_code == 200
    assert b'name="dwelling"' not in response.content  # back at the choice of compound
    assert not Residency.objects.exists()
    with pytest.raises(ValidationError):
        residents.register_at_desk(
            by=staff,
            username="far",
            full_name="外",
            phone="13800000000",
            dwelling=far_home,
            relation="owner",
        )


# --- A resident's own homes ---------------------------------------------------------------------


def test_a_resident_sees_only_their_homes_and_adds_one(client, home, resident, staff):
    Residency.objects.create(
        account=resident, dwelling=home, full_name="张", phone="13800000000", relation="tenant"
    )
    someone_else = pending(factories.DwellingFactory(unit=home.unit, code="999"))
    client.force_login(resident)
    page = client.get(reverse("my_homes")).content.decode()
    assert "501" in page
    assert "999" not in page
    assert someone_else.full_name not in page

    second = factories.DwellingFactory(unit=home.unit, code="888")
    url = reverse("my_homes")
    data = {
        "compound": home.unit.building.compound_id,
        **door(second),
        "relation": "owner",
        "phone": "13800000000",
    }
    assert client.post(url, data).status_code == 302
    assert Residency.objects.filter(account=resident, dwelling=second, status="pending").exists()
    again = client.post(url, data)
    assert again.status_code == 400
    assert "dwelling" in again.context["form"].errors
    assert Residency.objects.filter(account=resident).count() == 2


def test_the_opinion_form_starts_at_the_verified_home(client, home, compound_b, resident, staff):
    residency = Residency.objects.create(
        account=resident, dwelling=home, full_name="张", phone="13800000000", relation="tenant"
    )
    residents.verify(by=staff, residency=residency)
    client.force_login(resident)
    form = client.get(reverse("committees:opinion_create")).context["form"]
    assert form["compound"].value() == home.unit.building.compound_id
    asked = client.get(reverse("committees:opinion_create"), {"compound": compound_b.pk})
    assert asked.context["form"]["compound"].value() == compound_b.pk


def test_staff_see_the_waiting_registrations_to_do(client, home, staff, grid_worker):
    pending(home)
    pending(factories.DwellingFactory(unit=home.unit, code="502"))
    for user in (staff, grid_worker):
        assert residents.pending_count(user=user) == 2
        client.force_login(user)
        page = client.get(reverse("today")).content.decode()
        assert LIST in page


def test_the_staffs_ledger_shows_an_opinions_verified_home(
    client, home, compound_b, resident, staff, committee_member_a
):
    residency = Residency.objects.create(
        account=resident, dwelling=home, full_name="张", phone="13800000000", relation="tenant"
    )
    residents.verify(by=staff, residency=residency)
    compound = home.unit.building.compound
    opinion_submit(user=resident, compound=compound, topic="电梯", opinion="电梯常坏")
    opinion_submit(user=resident, compound=compound_b, topic="停车", opinion="车位不够")
    door = f"{home.unit.building.code} {home.unit.code} {home.code}"
    ledger = reverse("committees:consultation_list")

    client.force_login(staff)
    rows = {c.topic: c.verified_home for c in client.get(ledger).context["page"].object_list}
    assert rows == {"电梯": door, "停车": None}  # verified in 甲小区 only
    assert door in client.get(ledger).content.decode()

    client.force_login(committee_member_a)  # reads the opinions without who gave them
    assert door not in client.get(ledger).content.decode()


def test_verifying_another_home_lets_the_account_sign_in_again(client, home, staff):
    # given a resident whose first home ends while a second waits
    first = pending(home)
    residents.verify(by=staff, residency=first)
    account = first.account
    account.username, account.is_active = "moving", True
    account.set_password(PASSWORD)
    account.save()
    second = residents.claim(
        account=account,
        dwelling=factories.DwellingFactory(unit=home.unit, code="502"),
        relation="owner",
        phone="13909370001",
    )
    residents.end(by=staff, residency=first, note="已出售")
    account.refresh_from_db()
    assert not account.is_active
    # the login says the second home waits, not "wrong password"
    assert login_error(client, "moving", PASSWORD).code == "inactive"

    # when the second home is verified
    residents.verify(by=staff, residency=second)

    # then the account signs in again
    assert client.post(reverse("login"), {"username": "moving", "password": PASSWORD}).url


def test_looking_up_a_waiting_registration_never_locks_the_login(client, home, staff, settings):
    client.post(REGISTER, form_data(home))
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        error = login_error(client, "wangjianguo", PASSWORD)
        assert error.code == "inactive"
    assert "0937" in error.message or home.unit.building.compound.community.phone in error.message
    residents.verify(by=staff, residency=Residency.objects.get())
    response = client.post(reverse("login"), {"username": "wangjianguo", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_passwords_still_lock_a_waiting_account(client, home, settings):
    client.post(REGISTER, form_data(home))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "wangjianguo", "password": "wrong-one-2026"})
    locked = client.post(reverse("login"), {"username": "wangjianguo", "password": PASSWORD})
    assert locked.status_code == 429
    assert residents.login_refusal("wangjianguo", PASSWORD) not in locked.content.decode()


def test_mistyped_registrations_do_not_use_up_the_hourly_limit(client, home):
    for _ in range(residents.REGISTRATIONS_PER_HOUR + 1):
        assert client.post(REGISTER, form_data(home, phone="123")).status_code == 400
    assert client.post(REGISTER, form_data(home)).status_code == 302


def test_every_mistake_shows_at_once(client, home):
    factories.UserFactory(username="taken")
    response = client.post(REGISTER, form_data(home, username="taken", phone="123"))
    assert set(response.context["form"].errors) >= {"username", "phone"}
    response = client.post(REGISTER, form_data(home, username="has space", consent=None))
    assert set(response.context["form"].errors) >= {"username", "consent"}


def test_the_done_page_shows_once(client, home):
    done = client.post(REGISTER, form_data(home)).url
    assert client.get(done).status_code == 200
    assert client.get(done).url == REGISTER


def test_doors_come_by_building_unit_and_door_in_natural_order(compound_a):
    for code in ("10号楼", "2号楼"):
        building = factories.BuildingFactory(compound=compound_a, code=code)
        for unit_code in ("10单元", "2单元"):
            unit = factories.UnitFactory(building=building, code=unit_code)
            for door in ("1001", "201", "101"):
                factories.DwellingFactory(unit=unit, code=door)
    tree = residents.door_tree(compound_a)
    assert [b for _, b, _ in tree] == ["2号楼", "10号楼"]
    assert [u for _, u, _ in tree[0][2]] == ["2单元", "10单元"]
    assert [d for _, d in tree[0][2][0][2]] == ["101", "201", "1001"]


def test_a_decision_already_taken_says_so(client, home, staff, grid_worker):
    residency = pending(home)
    residents.refuse(by=grid_worker, residency=residency, note="门牌不符")
    client.force_login(staff)
    response = client.post(reverse("compounds:residency_verify", args=[residency.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    residency.refresh_from_db()
    assert residency.status == "refused"


@pytest.mark.parametrize(
    ("who", "status", "link"),
    [("staff", 200, True), ("grid_worker", 403, False), ("superuser", 200, True)],
)
def test_staff_hand_a_verified_resident_a_new_password_link(
    client, request, home, staff, who, status, link
):
    residency = pending(home)
    residents.verify(by=staff, residency=residency)
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("compounds:residency_link", args=[residency.pk]))
    assert response.status_code == status
    assert ("/accounts/password/reset/" in response.content.decode()) is link
    issued = AccountEvent.objects.filter(account=residency.account, kind="password_link")
    assert issued.exists() is link


def test_no_password_link_for_a_waiting_or_foreign_registration(client, home, far_home, staff):
    client.force_login(staff)
    waiting = pending(home)
    response = client.post(reverse("compounds:residency_link", args=[waiting.pk]), follow=True)
    assert "/accounts/password/reset/" not in response.content.decode()
    foreign = pending(far_home)
    assert client.post(reverse("compounds:residency_link", args=[foreign.pk])).status_code == 404
    assert not AccountEvent.objects.filter(kind="password_link").exists()


def test_the_login_shows_the_wait_as_news_not_as_an_error(client, home):
    client.post(REGISTER, form_data(home))
    page = client.post(
        reverse("login"), {"username": "wangjianguo", "password": PASSWORD}
    ).content.decode()
    assert 'class="alert alert-warning" role="status"' in page
    assert "alert-danger" not in page


def test_a_verified_home_links_to_its_companys_scores(client, home, resident, staff):
    residency = Residency.objects.create(
        account=resident, dwelling=home, full_name="张", phone="13800000000", relation="tenant"
    )
    client.force_login(resident)
    compound = home.unit.building.compound
    scores = reverse("scorecards:public_compound", args=[compound.community.slug, compound.pk])
    assert scores not in client.get(reverse("my_homes")).content.decode()  # not verified yet
    residents.verify(by=staff, residency=residency)
    assert scores in client.get(reverse("my_homes")).content.decode()


def test_my_homes_asks_the_public_to_sign_in(client):
    response = client.get(reverse("my_homes"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Sent twice, ended ------------------------------------------------------------------------


def test_a_registration_sent_twice_makes_one_account(client, home):
    url = f"{REGISTER}?compound={home.unit.building.compound_id}"
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    data = {**form_data(home), "once": token.group(1)}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert User.objects.filter(username="wangjianguo").count() == 1
    assert Residency.objects.count() == 1


def test_a_login_name_taken_between_check_and_save_is_a_form_error(home):
    # two requests checked the same free name; the other one saved first
    account = residents.new_account("samename", "王建国")
    factories.UserFactory(username="samename")
    with pytest.raises(ValidationError) as refused:
        residents.save_new_account(account)
    assert "username" in refused.value.message_dict


def test_a_home_claimed_twice_at_once_is_refused_not_a_server_error(home, monkeypatch):
    account = factories.UserFactory()
    residents.claim(account=account, dwelling=home, relation="owner", phone="13909370001")
    # the second request passed its check before the first one saved
    monkeypatch.setattr(residents, "_check_claim", lambda *args: None)
    with pytest.raises(ValidationError) as refused:
        residents.claim(account=account, dwelling=home, relation="owner", phone="13909370001")
    assert refused.value.message_dict["dwelling"] == [str(residents.ALREADY_CLAIMED)]
    assert Residency.objects.filter(account=account).count() == 1


def test_a_resident_whose_home_ended_is_told_so_and_never_locked_out(client, home, staff, settings):
    residency = pending(home)
    residents.verify(by=staff, residency=residency)
    account = residency.account
    account.username = "movedout"
    account.set_password(PASSWORD)
    account.save()
    residents.end(by=staff, residency=residency, note="已搬走。")
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        error = login_error(client, "movedout", PASSWORD)
        assert error.code == "inactive"
    assert "已搬走" in error.message
    assert login_error(client, "movedout", "wrong-one-2026").code != "inactive"
