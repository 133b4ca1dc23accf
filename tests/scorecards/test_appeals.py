"""Appeals of a black listing: filed by the listed company within the period, decided by staff
with a reason; an upheld appeal leads to a linked correction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from scorecards import scoring
from scorecards.models import Appeal
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect
from tests.scorecards.test_scoring_views import submit_buttons

pytestmark = pytest.mark.django_db


@pytest.fixture
def black_entry(community, compound_a, compound_b, staff):
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    finding(compound_a, "fire_safety", "1", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    return publication.entries.get(compound=compound_a)


def test_the_company_appeals_within_the_period_and_staff_uphold_then_correct(
    black_entry, company_user_a, staff
):
    closes = scoring.appeal_closes_on(black_entry)
    assert closes == timezone.localdate(black_entry.publication.published_at) + dt.timedelta(7)
    at = timezone.make_aware(dt.datetime.combine(closes, dt.time(20)))
    appeal = scoring.appeal_file(
        entry=black_entry, grounds="The accident was a traffic one.", user=company_user_a, now=at
    )
    assert appeal.status == "pending"
    appeal = scoring.appeal_decide(
        appeal=appeal,
        status="upheld",
        decision="Not a safety accident of the company.",
        user=staff,
    )
    correction = scoring.publish_correction(
        publication=black_entry.publication,
        changes={black_entry.pk: scoring.EntryChange(band="red", veto=False)},
        note="Appeal upheld: the veto did not apply.",
        user=staff,
        appeal=appeal,
    )
    appeal.refresh_from_db()
    assert appeal.correction == correction
    entry = correction.entries.get(compound=black_entry.compound)
    assert (entry.band, entry.veto, entry.reasons["vetoes"]) == ("red", False, [])


def test_appeal_refusals(black_entry, company_user_a, company_user_b, staff):
    late = timezone.make_aware(
        dt.datetime.combine(scoring.appeal_closes_on(black_entry) + dt.timedelta(1), dt.time(8))
    )
    cases = [
        ({"entry": black_entry, "grounds": "x", "user": company_user_b}, "foreign"),
        ({"entry": black_entry, "grounds": "x", "user": company_user_a, "now": late}, "closed"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ValidationError) as exc:
            scoring.appeal_file(**kwargs)
        assert exc.value.code == code
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_file(entry=black_entry, grounds=" ", user=company_user_a)
    assert exc.value.message_dict["grounds"] == [str(scoring.APPEAL_GROUNDS)]
    other = black_entry.publication.entries.exclude(pk=black_entry.pk).get()
    assert other.band == "red"
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_file(entry=other, grounds="x", user=factory_company_user(other))
    assert exc.value.code == "not_black"
    scoring.appeal_file(entry=black_entry, grounds="first", user=company_user_a)
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_file(entry=black_entry, grounds="again", user=company_user_a)
    assert exc.value.code == "exists"
    assert Appeal.objects.count() == 1


def factory_company_user(entry):
    from tests import factories

    return factories.membership_user("company", company=entry.company)


def test_decide_needs_an_outcome_and_a_reason_and_only_once(black_entry, company_user_a, staff):
    appeal = scoring.appeal_file(entry=black_entry, grounds="x", user=company_user_a)
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_decide(appeal=appeal, status="upheld", decision="", user=staff)
    assert "decision" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_decide(appeal=appeal, status="pending", decision="x", user=staff)
    assert "status" in exc.value.message_dict
    scoring.appeal_decide(appeal=appeal, status="rejected", decision="The veto stands.", user=staff)
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_decide(appeal=appeal, status="upheld", decision="x", user=staff)
    assert exc.value.code == "decided"
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision) == ("rejected", "The veto stands.")
    # a rejected appeal does not lead to a correction
    with pytest.raises(ValidationError) as exc:
        scoring.publish_correction(
            publication=black_entry.publication,
            changes={black_entry.pk: scoring.EntryChange(band="none")},
            note="x",
            user=staff,
            appeal=appeal,
        )
    assert exc.value.code == "appeal"


def test_a_superseded_edition_cannot_be_appealed(black_entry, company_user_a, staff):
    scoring.publish_correction(
        publication=black_entry.publication,
        changes={black_entry.pk: scoring.EntryChange(score=black_entry.score - 1)},
        note="typo",
        user=staff,
    )
    with pytest.raises(ValidationError) as exc:
        scoring.appeal_file(entry=black_entry, grounds="x", user=company_user_a)
    assert exc.value.code == "superseded"
    assert list(scoring.company_appealable_entries(user=company_user_a)) != [black_entry]


def test_the_companys_to_do_and_card_offer_the_appeal_while_it_is_open(
    client, black_entry, company_user_a, company_user_b
):
    from django.urls import reverse

    from tongde.attention import company_tasks

    def appeal_row(user, today):
        with translation.override("en"):
            rows = {str(t.label): t for t in company_tasks(user, today)}
        return rows["Black listings you may still appeal"]

    published = timezone.localdate(black_entry.publication.published_at)
    closes = scoring.appeal_closes_on(black_entry)
    assert appeal_row(company_user_a, published).count == 1
    assert appeal_row(company_user_a, closes + dt.timedelta(1)).count == 0
    assert appeal_row(company_user_b, published).count == 0

    card = reverse("scorecards:scoring_card", args=[black_entry.scorecard_id])
    appeal = reverse("scorecards:scoring_appeal_file", args=[black_entry.pk])
    client.force_login(company_user_a)
    assert appeal in client.get(card).content.decode()
    scoring.appeal_file(entry=black_entry, grounds="first", user=company_user_a)
    assert appeal not in client.get(card).content.decode()  # appealed already


def test_the_appeal_form_submits_the_appeal_and_the_decision_form_saves_a_decision(
    client, black_entry, company_user_a, staff
):
    client.force_login(company_user_a)
    with translation.override("en"):
        file_url = reverse("scorecards:scoring_appeal_file", args=[black_entry.pk])
    buttons = submit_buttons(client.get(file_url).content.decode())
    assert "Submit the appeal" in buttons
    assert "Save" not in buttons
    appeal = scoring.appeal_file(entry=black_entry, grounds="Not ours.", user=company_user_a)
    client.force_login(staff)
    with translation.override("en"):
        decide_url = reverse("scorecards:scoring_appeal_decide", args=[appeal.pk])
    buttons = submit_buttons(client.get(decide_url).content.decode())
    assert "Save the decision" in buttons
    assert "Save" not in buttons
