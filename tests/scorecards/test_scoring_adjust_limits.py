"""Staff adjustments stay within a criterion's points: a deduction may not take the criterion's
total (findings and adjustments) above its maximum, a give-back not below 0; the refusal says
the numbers; the card page shows a give-back as points returned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from scorecards import scoring
from scorecards.models import ScoreDeduction
from tests.scorecards.test_scoring import MONTH, TODAY, card_of, finding, inspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(compound_a):
    """Cleanliness (maximum 15): 2 deducted by a finding; parking (maximum 10): nothing."""
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    return card_of(compound_a)


def _adjust(card, points, code="cleanliness", user=None):
    return scoring.scorecard_adjust(
        scorecard=card,
        criterion=card.rubric.criteria.get(code=code),
        points=Decimal(points),
        reason="why",
        user=user,
        seen_version=card.version,
    )


@pytest.mark.parametrize(
    ("before", "points", "deducted"),
    [
        ([], "13", "15.00"),  # 2 + 13: exactly the maximum
        ([], "-2", "0.00"),  # give back exactly what is deducted
        ([], "12.99", "14.99"),
        (["5"], "-7", "0.00"),  # a finding and an adjustment, given back together
        (["13"], "-15", "0.00"),
        (["-1"], "14", "15.00"),  # an earlier give-back makes room
    ],
)
def test_adjustments_within_the_criterion_are_taken(card, staff, before, points, deducted):
    for p in before:
        card = _adjust(card, p, user=staff)
    card = _adjust(card, points, user=staff)
    assert card.lines.get(criterion__code="cleanliness").deducted == Decimal(deducted)


@pytest.mark.parametrize(
    ("before", "points", "message"),
    [
        (
            [],
            "13.01",
            "Cannot deduct 13.01 more points: this criterion's maximum is 15.00 and 2.00 are "
            "already deducted.",
        ),
        (
            [],
            "20",
            "Cannot deduct 20.00 more points: this criterion's maximum is 15.00 and 2.00 are "
            "already deducted.",
        ),
        (
            ["13"],
            "0.01",
            "Cannot deduct 0.01 more points: this criterion's maximum is 15.00 and 15.00 are "
            "already deducted.",
        ),
        ([], "-2.01", "Cannot give back 2.01 points: only 2.00 are deducted here."),
        (["5"], "-7.01", "Cannot give back 7.01 points: only 7.00 are deducted here."),
    ],
)
def test_adjustments_beyond_the_criterion_are_refused_with_the_numbers(
    card, staff, before, points, message
):
    for p in before:
        card = _adjust(card, p, user=staff)
    card.refresh_from_db()
    seen, stored = card.version, ScoreDeduction.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _adjust(card, points, user=staff)
    with translation.override("en"):
        assert exc.value.message_dict == {"points": [message]}
    card.refresh_from_db()
    assert (card.version, ScoreDeduction.objects.count()) == (seen, stored)


def test_give_back_on_an_untouched_criterion_reads_with_its_numbers(card, staff, client):
    """The refusal on the adjust page has its numbers, not ``%(points)s`` placeholders."""
    client.force_login(staff)
    parking = card.rubric.criteria.get(code="parking")
    with translation.override("en"):
        url = reverse("scorecards:scoring_adjust", args=[card.pk])
    response = client.post(
        url, {"criterion": parking.pk, "points": "-5", "reason": "x", "version": card.version}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Cannot give back 5.00 points: only 0.00 are deducted here." in page
    assert "%(" not in page


def test_the_card_shows_a_give_back_as_returned_points(card, staff, client):
    card = _adjust(card, "3", code="parking", user=staff)
    card = _adjust(card, "-2", code="cleanliness", user=staff)
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("scorecards:scoring_card", args=[card.pk])
    page = client.get(url).content.decode()
    assert "+2.00" in page
    assert "−3.00" in page
    assert "−-" not in page
