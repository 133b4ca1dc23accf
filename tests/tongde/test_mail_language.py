"""An account's language: chosen on "My account", followed when the pages are switched, and the
language of every mail it gets (``tests/tongde/test_every_mail.py`` reads each mail in both).

Here: the service and its refusals, the page for every role, the switch by the language links,
the password reset (the account's language, else the page's), and mails to many people split by
language in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committees import services as committee_services
from committees.models import Committee
from compounds.accounts import LANGUAGE_NOT_OFFERED, account_language_set
from compounds.models import AccountPreference, Compound, PropertyCompany
from scorecards import notices, scoring
from scorecards.models import Scorecard
from tests import factories
from tests.committees.factories import CommitteeFactory
from tests.scorecards.test_scoring import MONTH, TODAY, inspect
from tongde.mail import group_by_language, user_language

pytestmark = pytest.mark.django_db

SITE = "https://tongde.example"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _language(user) -> str | None:
    return AccountPreference.objects.filter(user=user).values_list("language", flat=True).first()


# --- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_language_offered_is_kept_in_one_query(resident, language, django_assert_num_queries):
    # given: no preference yet, then the other one
    assert user_language(resident) == "zh-hans"  # none: the site's
    for chosen in ("en" if language == "zh-hans" else "zh-hans", language):
        # when
        with django_assert_num_queries(1):  # INSERT ... ON CONFLICT (user) DO UPDATE
            account_language_set(user=resident, language=chosen)
    # then
    assert _language(resident) == language
    assert AccountPreference.objects.count() == 1
    assert user_language(resident) == language


@pytest.mark.parametrize("bad", ["", "fr", "EN", "en ", "zh", "zh-hant", "zh-hans\x00"])
def test_a_language_not_offered_is_refused_and_nothing_is_saved(resident, bad):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        account_language_set(user=resident, language=bad)
    assert refused.value.message_dict == {"language": [str(LANGUAGE_NOT_OFFERED)]}
    assert not AccountPreference.objects.exists()


def test_a_refusal_leaves_the_earlier_choice(resident):
    account_language_set(user=resident, language="en")
    with pytest.raises(ValidationError):
        account_language_set(user=resident, language="de")
    assert _language(resident) == "en"


@pytest.mark.parametrize(
    ("rows", "grouped"),
    [
        ([], {}),
        ([("a@x.org", None)], {"zh-hans": ["a@x.org"]}),
        ([("a@x.org", "")], {"zh-hans": ["a@x.org"]}),
        ([("a@x.org", "fr")], {"zh-hans": ["a@x.org"]}),  # no longer offered: the site's
        (
            [("b@x.org", "en"), ("a@x.org", "en"), ("c@x.org", None), ("b@x.org", "en")],
            {"en": ["a@x.org", "b@x.org"], "zh-hans": ["c@x.org"]},
        ),
        ([("", "en")], {}),
    ],
)
def test_addresses_grouped_by_language(rows, grouped):
    assert group_by_language(rows) == grouped


# --- the page, for every role -----------------------------------------------------------------

ROLES = ["staff", "grid_worker", "company_user_a", "committee_member_a", "resident", "superuser"]


@pytest.mark.parametrize("role", ROLES)
def test_every_account_sets_its_own_language(request, role, resident):
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("my_account"))
    assert page.status_code == 200
    assert page.context["form"]["language"].value() == "zh-hans"
    # when
    response = client.post(reverse("my_account"), {"language": "en"})
    # then: the page answers in the language chosen; nobody else's changed
    assert response.status_code == 302
    assert response.url == "/en/accounts/me/"
    assert _language(user) == "en"
    assert AccountPreference.objects.count() == 1
    page = client.get(response.url)
    assert "Saved." in page.content.decode()
    assert page.context["form"]["language"].value() == "en"


def test_anonymous_is_sent_to_sign_in_and_nothing_is_saved():
    client = Client()
    for response in (
        client.get(reverse("my_account")),
        client.post(reverse("my_account"), {"language": "en"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not AccountPreference.objects.exists()


@pytest.mark.parametrize("bad", ["", "fr", "<script>"])
def test_the_page_refuses_a_bad_language_with_a_translated_error(resident, bad):
    client = Client()
    client.force_login(resident)
    response = client.post(reverse("my_account"), {"language": bad})
    assert response.status_code == 400
    assert response.context["form"].errors["language"]
    assert CJK.search(" ".join(response.context["form"].errors["language"]))  # Chinese page
    assert not AccountPreference.objects.exists()


def test_the_menu_leads_to_the_account_page(resident):
    client = Client()
    client.force_login(resident)
    assert reverse("my_account") in client.get(reverse("home")).content.decode()


# --- following the language links -------------------------------------------------------------


def _get(client, path: str, referer: str | None = None):
    extra = {"HTTP_REFERER": f"http://testserver{referer}"} if referer else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(queries)


def test_switching_the_pages_switches_the_mail_with_one_query(resident):
    client = Client()
    client.force_login(resident)
    _get(client, "/accounts/me/")
    plain = _get(client, "/en/accounts/me/")  # typed by hand: no switch
    assert _language(resident) is None
    # when: the "English" link of the Chinese page
    switched = _get(client, "/en/accounts/me/?x=1", referer="/accounts/me/?x=1")
    # then
    assert _language(resident) == "en"
    assert switched == plain + 1
    # and back, by the "简体中文" link of the English page
    _get(client, "/accounts/me/", referer="/en/accounts/me/")
    assert _language(resident) == "zh-hans"


@pytest.mark.parametrize(
    ("path", "referer"),
    [
        ("/en/accounts/me/", "/today/"),  # another page: not the language link
        ("/en/accounts/me/", "/en/"),  # same language
        ("/accounts/me/", "/accounts/me/"),  # a reload
    ],
)
def test_other_moves_leave_the_language(resident, path, referer):
    client = Client()
    client.force_login(resident)
    _get(client, path, referer=referer)
    assert _language(resident) is None


def test_a_referer_from_another_site_or_an_anonymous_switch_records_nothing(resident):
    client = Client()
    client.force_login(resident)
    client.get("/en/accounts/me/", HTTP_REFERER="https://evil.example/accounts/me/")
    Client().get("/en/", HTTP_REFERER="http://testserver/")
    assert not AccountPreference.objects.exists()


# --- the password reset -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "page", "expected"),
    [
        (None, "/accounts/password/reset/", "zh-hans"),
        (None, "/en/accounts/password/reset/", "en"),  # no choice: the page's
        ("zh-hans", "/en/accounts/password/reset/", "zh-hans"),  # the choice wins
        ("en", "/accounts/password/reset/", "en"),
    ],
)
def test_password_reset_in_the_accounts_language_else_the_pages(resident, chosen, page, expected):
    resident.email = "zhang@example.org"
    resident.save()
    if chosen:
        account_language_set(user=resident, language=chosen)
    Client().post(page, {"email": "zhang@example.org"})
    (message,) = mail.outbox
    link = re.search(r"https?://\S+", message.body).group()
    if expected == "en":
        text = message.subject + message.body.replace(resident.username, "")
        assert not CJK.search(text.replace(settings.SITE_NAME, ""))
        assert link.startswith(SITE + "/en/accounts/password/reset/")
    else:
        assert CJK.search(message.subject.replace(settings.SITE_NAME, ""))
        assert CJK.search(message.body)
        assert link.startswith(SITE + "/accounts/password/reset/")


# --- many recipients: one rendering per language, queries fixed -------------------------------


def _people(n: int, **scope) -> list:
    """``n`` accounts with an address, every other one reading English."""
    role = "company" if "company" in scope else "staff"
    people = []
    for i in range(n):
        user = factories.membership_user(role, **scope)
        user.email = f"{role}{i}@example.org"
        user.save()
        if i % 2:
            account_language_set(user=user, language="en")
        people.append(user)
    return people


def _names() -> list[str]:
    """What the registry calls things, in any mail's language."""
    return [
        *Compound.objects.values_list("name", flat=True),
        *PropertyCompany.objects.values_list("name", flat=True),
        *Committee.objects.values_list("name", flat=True),
    ]


def _check_languages(people, *, mails: int) -> None:
    """Each of ``people`` got one mail, in their language; ``mails`` were sent in all."""
    assert len(mail.outbox) == mails
    names = _names()
    for i, user in enumerate(people):
        (message,) = [m for m in mail.outbox if user.email in m.to]
        if i % 2:
            assert "/en/" in message.body
            subject = message.subject
            for name in sorted(names, key=len, reverse=True):
                subject = subject.replace(name, "")
            assert not CJK.search(subject), message.subject
        else:
            assert "/en/" not in message.body
            assert CJK.search(message.subject)


@pytest.mark.parametrize("n", [2, 9])
def test_drafts_to_many_company_users_in_fixed_queries(n, compound_a, company_a):
    inspect(compound_a), inspect(compound_a)
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    people = _people(n, company=company_a)
    cards = list(Scorecard.objects.values_list("pk", flat=True))
    # the cards, their deducted lines, their standing vetoes, the recipients with their languages
    with CaptureQueriesContext(connection) as queries:
        sent = notices.drafts_ready(cards)
    assert sent == n
    assert len(queries) == 4, [q["sql"] for q in queries]
    _check_languages(people, mails=n)  # one per address


@pytest.mark.parametrize("n", [2, 9])
def test_term_reminder_to_many_staff_in_fixed_queries(n, community, compound_a):
    people = _people(n, community=community)
    CommitteeFactory(compound=compound_a, term_ends_on=dt.date(2026, 12, 31))
    with CaptureQueriesContext(connection) as queries:
        assert committee_services.committee_term_reminders_send(today=dt.date(2026, 11, 27)) == 1
    # the committees due; in a savepoint, the committee locked, its staff with their languages,
    # the stamp
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) == 4, [
        q["sql"] for q in queries
    ]
    _check_languages(people, mails=2)  # one per language, to everyone who reads it
