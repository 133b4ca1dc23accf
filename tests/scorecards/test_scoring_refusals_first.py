"""Forms that would be refused say so when opened: the appeal form for a listing that cannot be
appealed, the reply form for a card that takes no reply; the company's lists offer only the
listings it may still appeal. The pages ask the services' own checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from scorecards import scoring
from scorecards.models import Appeal, Scorecard
from tests.scorecards.test_scoring import MONTH, TODAY, card_of, finding, inspect
from tongde.text import long_date

pytestmark = pytest.mark.django_db


def _en(name, *args):
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


@pytest.fixture
def listed(community, compound_a, compound_b, staff):
    """甲 black (a veto), 乙 red, published."""
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    finding(compound_a, "fire_safety", "1", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    publication = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    return {e.compound_id: e for e in publication.entries.all()}


def _after(time_machine, day: dt.date):
    time_machine.move_to(timezone.make_aware(dt.datetime.combine(day, dt.time(9))), tick=False)


GROUNDS = 'name="grounds"'


def test_the_appeal_form_opens_for_an_appealable_listing(
    client, listed, compound_a, company_user_a
):
    client.force_login(company_user_a)
    page = client.get(_en("scoring_appeal_file", listed[compound_a.pk].pk)).content.decode()
    assert GROUNDS in page
    assert "data-refusal" not in page


def test_the_appeal_form_says_why_for_a_red_listing(client, listed, compound_b, company_user_a):
    from tests import factories

    user = factories.membership_user("company", company=listed[compound_b.pk].company)
    client.force_login(user)
    response = client.get(_en("scoring_appeal_file", listed[compound_b.pk].pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Only a black listing can be appealed." in page
    assert GROUNDS not in page


def test_the_appeal_form_says_why_once_appealed(client, listed, compound_a, company_user_a):
    entry = listed[compound_a.pk]
    scoring.appeal_file(entry=entry, grounds="x", user=company_user_a)
    client.force_login(company_user_a)
    page = client.get(_en("scoring_appeal_file", entry.pk)).content.decode()
    assert "This listing is already appealed." in page
    assert GROUNDS not in page
    response = client.post(_en("scoring_appeal_file", entry.pk), {"grounds": "again"})
    assert response.status_code == 400
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(("days_after", "open_"), [(0, True), (1, False)])
def test_the_appeal_form_at_the_end_of_the_period(
    client, listed, compound_a, company_user_a, time_machine, days_after, open_
):
    entry = listed[compound_a.pk]
    closes = scoring.appeal_closes_on(entry)
    _after(time_machine, closes + dt.timedelta(days=days_after))
    client.force_login(company_user_a)
    page = client.get(_en("scoring_appeal_file", entry.pk)).content.decode()
    assert (GROUNDS in page) is open_
    with translation.override("en"):
        said = f"The appeal period ended on {long_date(closes)}."
    assert (said in page) is not open_
    # the company's lists offer the listing exactly while the form opens
    for name in ("scoring_home", "scoring_appeals"):
        listing = client.get(_en(name)).content.decode()
        assert (_en("scoring_appeal_file", entry.pk) in listing) is open_


def test_lists_offer_only_listings_not_appealed_yet(client, listed, compound_a, company_user_a):
    entry = listed[compound_a.pk]
    url = _en("scoring_appeal_file", entry.pk)
    client.force_login(company_user_a)
    assert url in client.get(_en("scoring_home")).content.decode()
    assert [e.pk for e in scoring.company_appealable_entries(user=company_user_a)] == [entry.pk]
    appeal = scoring.appeal_file(entry=entry, grounds="a road accident", user=company_user_a)
    assert scoring.company_appealable_entries(user=company_user_a) == []
    for name in ("scoring_home", "scoring_appeals"):
        assert url not in client.get(_en(name)).content.decode()
    # the appeal itself is listed on the appeals page, with its status
    scoring.appeal_decide(appeal=appeal, status="rejected", decision="it stands", user=None)
    page = client.get(_en("scoring_appeals")).content.decode()
    assert "a road accident" in page
    assert "it stands" in page


APPEAL_ROLES = [
    ("anonymous", 302),
    ("resident", 403),
    ("committee_member_a", 403),
    ("grid_worker", 403),
    ("staff", 403),
    ("company_user_b", 404),
    ("company_user_a", 200),
]


@pytest.mark.parametrize(("who", "status"), APPEAL_ROLES)
def test_the_appeal_form_for_every_role(client, listed, compound_a, request, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(_en("scoring_appeal_file", listed[compound_a.pk].pk)).status_code == status


# --- replies -------------------------------------------------------------------------------------


@pytest.fixture
def draft(compound_a):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    return card_of(compound_a)


TEXT = 'name="text"'


@pytest.mark.parametrize(("days_after", "open_"), [(0, True), (1, False)])
def test_the_reply_form_at_the_end_of_the_window(
    client, draft, company_user_a, time_machine, days_after, open_
):
    _after(time_machine, draft.reply_due_on + dt.timedelta(days=days_after))
    client.force_login(company_user_a)
    for name in ("scoring_reply", "scoring_card"):
        page = client.get(_en(name, draft.pk)).content.decode()
        assert (TEXT in page) is open_
    with translation.override("en"):
        said = f"The reply window closed on {long_date(draft.reply_due_on)}."
    assert (said in client.get(_en("scoring_reply", draft.pk)).content.decode()) is not open_


def test_the_reply_form_says_why_for_a_published_card(client, draft, company_user_a, staff):
    scoring.publish_month(community=draft.compound.community, month=MONTH, user=staff)
    client.force_login(company_user_a)
    response = client.get(_en("scoring_reply", draft.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Replies are taken on draft scorecards only." in page
    assert TEXT not in page
    response = client.post(_en("scoring_reply", draft.pk), {"text": "late"})
    assert response.status_code == 400
    assert not Scorecard.objects.get(pk=draft.pk).replies.exists()


@pytest.mark.parametrize(
    ("stored", "days"),
    [
        ({2026: 3}, 3),  # the year's settings
        ({2025: 10}, 10),  # else the latest earlier year's
        ({2025: 10, 2024: 2}, 10),
        ({2027: 4}, 7),  # a later year's do not count: the default
    ],
)
def test_the_listed_period_is_the_one_the_appeal_check_uses(
    listed, compound_a, company_user_a, community, stored, days
):
    from scorecards.models import ScoringSettings

    ScoringSettings.objects.filter(community=community).delete()
    for year, appeal_days in stored.items():
        ScoringSettings.objects.create(community=community, year=year, appeal_days=appeal_days)
    (entry,) = scoring.company_appealable_entries(user=company_user_a)
    published = timezone.localdate(entry.publication.published_at)
    assert entry.closes_on == published + dt.timedelta(days=days)
    assert entry.closes_on == scoring.appeal_closes_on(listed[compound_a.pk])
