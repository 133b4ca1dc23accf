"""The keeping rule of refused registrations: which claims and accounts lose their personal data,
when (to the second), what stays for the audit, and that a second run erases nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from compounds import residents, retention
from compounds.models import AccountEvent, Membership, Residency
from tests import factories

User = get_user_model()
NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 3, 45))
KEEP = 90

pytestmark = pytest.mark.django_db


@pytest.fixture
def dwelling(compound_a):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    return factories.DwellingFactory(unit=unit, code="501")


def claim(dwelling, status, *, decided_days_ago=KEEP, account=None, **fields) -> Residency:
    account = account or factories.UserFactory(
        is_active=status == Residency.Status.VERIFIED, first_name="建国", email="w@tongde.example"
    )
    decided_at = None
    if status != Residency.Status.PENDING:
        decided_at = NOW - dt.timedelta(days=decided_days_ago)
    return Residency.objects.create(
        account=account,
        dwelling=dwelling,
        relation="owner",
        full_name="王建国",
        phone="13909370001",
        status=status,
        applied_at=NOW - dt.timedelta(days=decided_days_ago + 1),
        decided_at=decided_at,
        decided_by=factories.UserFactory() if decided_at else None,
        note="与产权人不符" if decided_at else "",
        **fields,
    )


def erase():
    return retention.erase_refused_registrations(now=NOW, keep_days=KEEP)


@pytest.mark.parametrize(
    ("status", "age", "erased"),
    [
        (Residency.Status.REFUSED, dt.timedelta(days=KEEP), True),
        (Residency.Status.REFUSED, dt.timedelta(days=KEEP, seconds=1), True),
        (Residency.Status.REFUSED, dt.timedelta(days=KEEP, seconds=-1), False),
        (Residency.Status.REFUSED, dt.timedelta(days=1), False),
        (Residency.Status.VERIFIED, dt.timedelta(days=KEEP * 5), False),
        (Residency.Status.ENDED, dt.timedelta(days=KEEP * 5), False),
        (Residency.Status.PENDING, dt.timedelta(days=KEEP * 5), False),
    ],
)
def test_only_refusals_past_the_keeping_time_are_erased(dwelling, status, age, erased):
    row = claim(dwelling, status)
    if row.decided_at is not None:
        Residency.objects.filter(pk=row.pk).update(decided_at=NOW - age)
    else:
        Residency.objects.filter(pk=row.pk).update(applied_at=NOW - age)

    result = erase()

    row.refresh_from_db()
    assert result.registrations == (1 if erased else 0)
    assert (row.full_name, row.phone, row.erased_at) == (
        ("", "", NOW) if erased else ("王建国", "13909370001", None)
    )


def test_the_claim_and_its_decision_stay_and_the_history_loses_the_name(dwelling, staff):
    row = claim(dwelling, Residency.Status.PENDING)
    residents.refuse(by=staff, residency=row, note="与产权人不符")
    Residency.objects.filter(pk=row.pk).update(decided_at=NOW - dt.timedelta(days=KEEP))

    erase()

    row.refresh_from_db()
    assert (row.status, row.note, row.decided_by, row.dwelling) == (
        Residency.Status.REFUSED,
        "与产权人不符",
        staff,
        dwelling,
    )
    names = set(row.history.values_list("full_name", "phone"))
    assert names == {("", "")}
    assert row.history.count() == 2  # registered, refused: nothing lost but the data


def test_an_account_with_nothing_but_erased_refusals_loses_its_login(dwelling):
    row = claim(dwelling, Residency.Status.REFUSED)
    account = row.account

    result = erase()

    account.refresh_from_db()
    assert result.accounts == 1
    assert (account.username, account.first_name, account.email) == (
        f"erased-{account.pk}",
        "",
        "",
    )
    assert not account.has_usable_password()
    event = AccountEvent.objects.get(account=account)
    assert (event.kind, event.by) == (AccountEvent.Kind.ERASED, None)


def test_an_older_account_holding_the_erased_name_does_not_stop_erasure(dwelling):
    first = claim(dwelling, Residency.Status.REFUSED)
    second = claim(dwelling, Residency.Status.REFUSED)
    # Registered before such names were reserved.
    factories.UserFactory(username=f"Erased-{first.account_id}")

    result = erase()

    assert (result.registrations, result.accounts) == (2, 2)
    first.account.refresh_from_db()
    second.account.refresh_from_db()
    assert first.account.username == f"erased-{first.account_id}-2"
    assert second.account.username == f"erased-{second.account_id}"


@pytest.mark.parametrize("keeps", ["verified_home", "ended_home", "pending_claim", "role"])
def test_an_account_that_was_or_may_be_a_resident_or_holds_a_role_keeps_its_login(
    dwelling, compound_a, keeps
):
    refused = claim(dwelling, Residency.Status.REFUSED)
    account = refused.account
    other = factories.DwellingFactory(unit=dwelling.unit, code="502")
    if keeps == "verified_home":
        claim(other, Residency.Status.VERIFIED, account=account)
    elif keeps == "ended_home":
        claim(other, Residency.Status.ENDED, account=account)
    elif keeps == "pending_claim":
        claim(other, Residency.Status.PENDING, account=account)
    else:
        Membership.objects.create(
            user=account, role=Membership.Role.GRID_WORKER, community=compound_a.community
        )
    username = account.username

    result = erase()

    account.refresh_from_db()
    refused.refresh_from_db()
    assert (result.registrations, result.accounts) == (1, 0)
    assert refused.full_name == ""  # the refused claim's copy goes all the same
    assert account.username == username
    assert not AccountEvent.objects.filter(account=account).exists()


def test_running_twice_erases_nothing_twice(dwelling):
    claim(dwelling, Residency.Status.REFUSED)
    assert erase().as_dict() == {"registrations": 1, "accounts": 1}
    assert erase().as_dict() == {"registrations": 0, "accounts": 0}
    assert AccountEvent.objects.count() == 1


def test_the_setting_gives_the_keeping_time(dwelling, settings):
    settings.REFUSED_REGISTRATION_KEEP_DAYS = 30
    row = claim(dwelling, Residency.Status.REFUSED, decided_days_ago=30)
    assert retention.erasure_due_at(row) == row.decided_at + dt.timedelta(days=30)
    assert retention.erase_refused_registrations(now=NOW).registrations == 1
    row.refresh_from_db()
    assert retention.erasure_due_at(row) is None


def test_the_checker_sees_when_the_data_goes_and_that_it_went(client, dwelling, staff):
    row = claim(dwelling, Residency.Status.REFUSED, decided_days_ago=10)
    client.force_login(staff)
    url = reverse("compounds:residency_detail", args=[row.pk])
    due = (row.decided_at + dt.timedelta(days=90)).astimezone().date()
    before = client.get(url).content.decode()
    assert "王建国" in before
    assert due.isoformat() in before

    Residency.objects.filter(pk=row.pk).update(decided_at=NOW - dt.timedelta(days=KEEP))
    erase()

    page = client.get(url)
    listing = client.get(reverse("compounds:residency_list"), {"tab": "decided"})
    assert page.status_code == listing.status_code == 200
    for html in (page.content.decode(), listing.content.decode()):
        assert "王建国" not in html
        assert "13909370001" not in html
    assert page.context["matches"] == []
    assert page.context["same_phone"] == 0


def test_the_consent_names_the_keeping_time(client, settings, compound_a):
    settings.REFUSED_REGISTRATION_KEEP_DAYS = 45
    response = client.get(reverse("register"), {"compound": compound_a.pk})
    assert "45" in str(response.context["form"].fields["consent"].label)
