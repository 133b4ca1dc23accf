"""Two staff adjust the same scorecard from the same version at the same moment, in two threads
with their own connections (PostgreSQL only: SQLite serialises writers differently). Exactly one
adjustment is saved; the other gets the conflict; nothing is lost or half-written."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from scorecards import scoring
from scorecards.models import Scorecard, ScoreDeduction
from tests import factories
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_two_threads_from_the_same_version_one_wins_one_conflicts(compound_a, staff):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    card = Scorecard.objects.get(compound=compound_a)
    other = factories.membership_user("staff", community=compound_a.community)
    criterion = card.rubric.criteria.get(code="parking")
    seen = card.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def adjust(user, points):
        try:
            barrier.wait(timeout=10)
            scoring.scorecard_adjust(
                scorecard=Scorecard.objects.get(pk=card.pk),
                criterion=criterion,
                points=Decimal(points),
                reason=f"by {user.username}",
                user=user,
                seen_version=seen,
            )
            outcomes.append("saved")
        except scoring.Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=adjust, args=(staff, "3")),
        threading.Thread(target=adjust, args=(other, "5")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "saved"]
    card.refresh_from_db()
    adjustments = list(ScoreDeduction.objects.filter(source="adjustment"))
    assert len(adjustments) == 1
    assert card.version == seen + 1
    assert card.total == Decimal(98) - adjustments[0].points
