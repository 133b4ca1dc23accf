"""The monthly drafting task, in-process (``.apply()``): default month, explicit month, twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scorecards.models import Scorecard, ScoreDeduction, ScoreLine
from scorecards.tasks_scoring import draft_scorecards_task
from tests.scorecards.test_scoring import MONTH, finding, inspect

pytestmark = pytest.mark.django_db


def test_the_task_is_registered_under_the_beat_name(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert draft_scorecards_task.name in names
    assert draft_scorecards_task.name == "scorecards.tasks_scoring.draft_scorecards_task"


@time_machine.travel(dt.datetime(2026, 10, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_the_task_drafts_the_previous_month_in_shanghai_and_twice_creates_nothing_twice(
    compound_a, compound_b
):
    # 00:30 on 1 October in Shanghai is still 30 September in UTC: the month drafted is September
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "3")
    first = draft_scorecards_task.apply().get()
    counts = (Scorecard.objects.count(), ScoreLine.objects.count(), ScoreDeduction.objects.count())
    second = draft_scorecards_task.apply().get()
    assert first == {"month": "2026-09", "created": 2, "refreshed": 0, "published": 0}
    assert second == {"month": "2026-09", "created": 0, "refreshed": 2, "published": 0}
    assert counts == (2, 16, 1)
    assert (
        Scorecard.objects.count(),
        ScoreLine.objects.count(),
        ScoreDeduction.objects.count(),
    ) == counts
    assert set(Scorecard.objects.values_list("month", flat=True)) == {MONTH}


@time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
def test_the_task_takes_an_explicit_month(compound_a):
    assert draft_scorecards_task.apply(args=["2026-08"]).get()["created"] == 1
    assert Scorecard.objects.get().month == dt.date(2026, 8, 1)
