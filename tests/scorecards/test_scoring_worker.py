"""The monthly drafting task executed by a real Celery worker through Redis, twice.

Its own module: the worker thread has its own database connection, so the test is
transactional (it would see nothing inside a test's transaction)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker

from scorecards.models import Scorecard, ScoreDeduction, ScoreLine
from scorecards.tasks_scoring import draft_scorecards_task
from tests.scorecards.test_scoring import finding, inspect
from tongde.celery import app

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_drafting_runs_on_a_real_worker_and_twice_creates_nothing_twice(
    celery_worker, compound_a, compound_b
):
    # given September's inspections and a finding
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "3")

    # when the task goes through the broker to the worker, twice
    assert not app.conf.task_always_eager
    first = draft_scorecards_task.delay("2026-09").get(timeout=60)
    second = draft_scorecards_task.delay("2026-09").get(timeout=60)

    # then the worker drafted one card per compound, and the second run only refreshed them
    assert (first["created"], first["refreshed"]) == (2, 0)
    assert (second["created"], second["refreshed"]) == (0, 2)
    assert Scorecard.objects.filter(month=dt.date(2026, 9, 1)).count() == 2
    assert ScoreLine.objects.count() == 16
    assert ScoreDeduction.objects.count() == 1
    assert Scorecard.objects.get(compound=compound_a).total == 97
