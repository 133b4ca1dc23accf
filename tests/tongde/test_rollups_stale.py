"""``rollups.mark_stale``: a change to the past moves each fill state that has reached the changed
period back to the period before it (never forward, never before ``ROLLUP_START``), for the
statistics named or the members of the groups named, and queues one run per kind moved back
once the transaction commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from campaigns.models import Campaign
from tongde import rollups, tasks
from tongde.models import FillState
from tongde.periods import PeriodKind

DONE, STARTED = FillState.State.DONE, FillState.State.STARTED


def _rows(start: dt.date, end: dt.date):
    return Campaign.objects.filter(held_on__gte=start, held_on__lt=end)


@pytest.fixture(autouse=True)
def registry(monkeypatch, settings):
    settings.ROLLUP_START = dt.date(2025, 1, 1)
    monkeypatch.setattr(rollups, "STATS", {})
    monkeypatch.setattr(rollups, "GROUPS", {})
    rollups.register(
        rollups.event_stats(
            "g",
            "community",
            rows=_rows,
            date_field="held_on",
            subject="community_id",
            values={"g.a": Count("pk"), "g.b": Count("pk")},
        )
    )
    rollups.register(
        rollups.event_stat(
            "s",
            "community",
            rows=_rows,
            date_field="held_on",
            subject="community_id",
            value=Count("pk"),
        )
    )
    return rollups


def _state(stat: str, kind: str, start: dt.date, state: str = DONE) -> None:
    FillState.objects.create(stat=stat, period_kind=kind, period_start=start, state=state)


def _states() -> dict[tuple[str, str], tuple[dt.date, str]]:
    return {(s.stat, s.period_kind): (s.period_start, s.state) for s in FillState.objects.all()}


CASES = [
    # (case, kind, state at, state, changed day, state afterwards)
    ("a day in a filled month", "month", "2025-10-01", DONE, "2025-03-31", ("2025-02-01", DONE)),
    (
        "a day in the last filled month",
        "month",
        "2025-10-01",
        DONE,
        "2025-10-31",
        ("2025-09-01", DONE),
    ),
    (
        "a day in the month after: not filled yet",
        "month",
        "2025-10-01",
        DONE,
        "2025-11-01",
        ("2025-10-01", DONE),
    ),
    (
        "a day in the month left started",
        "month",
        "2025-10-01",
        STARTED,
        "2025-10-15",
        ("2025-09-01", DONE),
    ),
    (
        "a day before the month left started",
        "month",
        "2025-10-01",
        STARTED,
        "2025-04-01",
        ("2025-03-01", DONE),
    ),
    (
        "a day after the month left started",
        "month",
        "2025-10-01",
        STARTED,
        "2025-11-02",
        ("2025-10-01", STARTED),
    ),
    ("a day in the first month", "month", "2025-10-01", DONE, "2025-01-01", ("2024-12-01", DONE)),
    ("a day before ROLLUP_START", "month", "2025-10-01", DONE, "2024-12-31", ("2025-10-01", DONE)),
    ("a Sunday: its ISO week", "week", "2025-12-22", DONE, "2025-03-16", ("2025-03-03", DONE)),
    ("a Monday: its ISO week", "week", "2025-12-22", DONE, "2025-03-17", ("2025-03-10", DONE)),
    (
        "the week of ROLLUP_START, begun in 2024",
        "week",
        "2025-12-22",
        DONE,
        "2024-12-30",
        ("2024-12-23", DONE),
    ),
    (
        "the last day of a quarter",
        "quarter",
        "2025-07-01",
        DONE,
        "2025-03-31",
        ("2024-10-01", DONE),
    ),
    (
        "the first day of a quarter",
        "quarter",
        "2025-07-01",
        DONE,
        "2025-04-01",
        ("2025-01-01", DONE),
    ),
    ("a filled year", "year", "2025-01-01", DONE, "2025-12-31", ("2024-01-01", DONE)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "kind", "at", "state", "day", "after"), CASES, ids=[c[0] for c in CASES]
)
def test_mark_stale_moves_a_state_back_only_from_a_filled_period(case, kind, at, state, day, after):
    _state("s", kind, dt.date.fromisoformat(at), state)
    moved = rollups.mark_stale("s", dt.date.fromisoformat(day), refill_on_commit=False)
    start, state_after = after
    assert _states() == {("s", kind): (dt.date.fromisoformat(start), state_after)}, case
    assert moved == ({kind: ["s"]} if after != (at, state) else {}), case


@pytest.mark.django_db
def test_a_group_name_marks_its_members_and_nothing_else():
    for name in ("g.a", "g.b", "s"):
        for kind in ("month", "year"):
            _state(name, kind, dt.date(2025, 1, 1) if kind == "year" else dt.date(2025, 9, 1))

    moved = rollups.mark_stale(["g"], dt.date(2025, 6, 30), refill_on_commit=False)

    assert moved == {"month": ["g.a", "g.b"], "year": ["g.a", "g.b"]}
    assert _states() == {
        ("g.a", "month"): (dt.date(2025, 5, 1), DONE),
        ("g.b", "month"): (dt.date(2025, 5, 1), DONE),
        ("s", "month"): (dt.date(2025, 9, 1), DONE),
        ("g.a", "year"): (dt.date(2024, 1, 1), DONE),
        ("g.b", "year"): (dt.date(2024, 1, 1), DONE),
        ("s", "year"): (dt.date(2025, 1, 1), DONE),
    }


@pytest.mark.django_db
def test_a_statistic_never_run_stays_so():
    assert rollups.mark_stale(["g", "s"], dt.date(2025, 6, 30), refill_on_commit=False) == {}
    assert not FillState.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "queued"),
    [
        (dt.date(2025, 6, 30), [("month",), ("year",)]),
        (dt.date(2025, 10, 1), [("month",)]),  # the year 2025 is not filled: only the month
        (dt.date(2025, 11, 1), []),  # nothing filled that far: nothing to run
    ],
)
def test_one_run_per_kind_moved_back_is_queued_on_commit(
    monkeypatch, django_capture_on_commit_callbacks, day, queued
):
    _state("s", "month", dt.date(2025, 10, 1))
    _state("s", "year", dt.date(2024, 1, 1) if day.month >= 10 else dt.date(2025, 1, 1))
    calls = []
    monkeypatch.setattr(tasks.run_rollups_task, "delay", lambda *args: calls.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        rollups.mark_stale("s", day)
        assert calls == []  # not before the commit

    assert calls == queued


@pytest.mark.django_db
def test_a_broker_that_is_down_does_not_undo_the_change(
    monkeypatch, django_capture_on_commit_callbacks
):
    _state("s", "month", dt.date(2025, 10, 1))

    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_rollups_task, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        rollups.mark_stale("s", dt.date(2025, 3, 3))

    assert _states() == {("s", "month"): (dt.date(2025, 2, 1), DONE)}


@pytest.mark.django_db
def test_the_run_after_a_mark_refills_from_the_marked_period(community, settings):
    from tests.campaigns.factories import CampaignFactory

    now = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
    CampaignFactory(community=community, held_on=dt.date(2025, 4, 9))
    assert rollups.run_group(rollups.GROUPS["g"], PeriodKind.MONTH, now=now) == {
        "g.a": 12,
        "g.b": 12,
    }
    CampaignFactory(community=community, held_on=dt.date(2025, 4, 10))
    rollups.mark_stale("g", dt.date(2025, 4, 10), refill_on_commit=False)

    assert rollups.run_group(rollups.GROUPS["g"], PeriodKind.MONTH, now=now) == {
        "g.a": 9,  # April to December
        "g.b": 9,
    }
    assert rollups.run_group(rollups.GROUPS["g"], PeriodKind.MONTH, now=now) == {
        "g.a": 0,
        "g.b": 0,
    }


@pytest.mark.django_db
def test_marks_of_one_transaction_queue_each_kind_once_and_none_of_a_rolled_back_savepoint(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    _state("s", "month", dt.date(2025, 10, 1))
    _state("g.a", "month", dt.date(2025, 10, 1))
    _state("g.a", "quarter", dt.date(2025, 4, 1))  # Q3 not filled yet
    calls = []
    monkeypatch.setattr(tasks.run_rollups_task, "delay", lambda *args: calls.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        rollups.mark_stale("s", dt.date(2025, 9, 3))  # month
        rollups.mark_stale("g", dt.date(2025, 9, 4))  # month again
        try:
            with transaction.atomic():
                rollups.mark_stale("g", dt.date(2025, 3, 3))  # month and quarter, undone below
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        rollups.mark_stale("s", dt.date(2025, 6, 1))  # month again

    assert calls == [("month",)]
    assert _states()[("g.a", "quarter")] == (dt.date(2025, 4, 1), DONE)
