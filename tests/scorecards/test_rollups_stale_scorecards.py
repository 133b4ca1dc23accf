"""Stored scorecard rollups follow changes to the past: a month's list published after its month
was rolled up, a correction of a past month's list, and an inspection recorded late mark the
statistics they feed stale, so the next run refills from that month on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scorecards import inspections, scoring
from scorecards.rollups import DAILY_WORK_STATS, PUBLISHED_STATS
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect
from tongde import rollups
from tongde.models import Rollup

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2027, 1, 5, 9, tzinfo=SH)  # 2026 complete: Sep-Dec, Q3-Q4, the year
KINDS = ["week", "month", "quarter", "year"]
# Periods from September 2026 (its weeks from 2026-W36) to the last complete one.
FROM_SEPTEMBER = {"week": 18, "month": 4, "quarter": 2, "year": 1}


@pytest.fixture(autouse=True)
def _start(settings):
    settings.ROLLUP_START = dt.date(2026, 1, 1)


def _run(names) -> dict[str, dict[str, int]]:
    """Periods filled per kind and statistic."""
    out: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        for name in names:
            stat = rollups.STATS[name]
            if kind in stat.kinds:
                out.setdefault(kind, {})[name] = rollups.run_stat(stat, kind, now=NOW)
    return out


def _value(stat, kind, start, subject_id):
    return list(
        Rollup.objects.filter(
            stat=stat, period_kind=kind, period_start=start, subject_id=subject_id
        ).values_list("value", flat=True)
    )


def _drafts(compound_a, compound_b):
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15")
    scoring.draft_month(MONTH, today=TODAY)


def test_a_list_published_after_its_month_was_rolled_up_is_refilled(
    community, compound_a, compound_b, staff
):
    _drafts(compound_a, compound_b)
    _run(PUBLISHED_STATS)
    assert not Rollup.objects.filter(stat__in=PUBLISHED_STATS).exists()

    scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    filled = _run(PUBLISHED_STATS)

    assert {kind: set(by_stat.values()) for kind, by_stat in filled.items()} == {
        kind: {FROM_SEPTEMBER[kind]} for kind in filled
    }
    assert _value("scorecards.compound_score", "month", MONTH, compound_b.pk) == [Decimal(70)]


def test_a_correction_of_a_past_month_is_refilled_and_replaces_the_old_figures(
    community, compound_a, compound_b, staff
):
    _drafts(compound_a, compound_b)
    edition = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    _run(PUBLISHED_STATS)
    assert _value("scorecards.compound_score", "month", MONTH, compound_b.pk) == [Decimal(70)]
    assert all(n == 0 for by_stat in _run(PUBLISHED_STATS).values() for n in by_stat.values())

    entry = edition.entries.get(compound=compound_b)
    scoring.publish_correction(
        publication=edition,
        changes={entry.pk: scoring.EntryChange(score=Decimal(75))},
        note="复核",
        user=staff,
        notify=False,
    )
    filled = _run(PUBLISHED_STATS)

    assert {kind: set(by_stat.values()) for kind, by_stat in filled.items()} == {
        kind: {FROM_SEPTEMBER[kind]} for kind in filled
    }
    # One row per key, with the corrected figure.
    assert _value("scorecards.compound_score", "month", MONTH, compound_b.pk) == [Decimal(75)]
    q3 = dt.date(2026, 7, 1)
    assert _value("scorecards.compound_average", "quarter", q3, compound_b.pk) == [Decimal(75)]
    year = dt.date(2026, 1, 1)
    assert _value("scorecards.compound_average", "year", year, compound_b.pk) == [Decimal(75)]


def test_an_inspection_recorded_late_is_refilled(community, compound_a, staff):
    _run(DAILY_WORK_STATS)
    day = dt.date(2026, 9, 15)
    assert _value("scorecards.compound_inspections", "month", MONTH, compound_a.pk) == []

    inspections.inspection_record(
        compound=compound_a, day=day, inspector=staff, today=dt.date(2026, 11, 29)
    )
    filled = _run(DAILY_WORK_STATS)

    assert filled["month"]["scorecards.compound_inspections"] == FROM_SEPTEMBER["month"]
    assert filled["week"]["scorecards.compound_inspections"] == 16  # from 2026-W38 (14 September)
    assert _value("scorecards.compound_inspections", "month", MONTH, compound_a.pk) == [1]
    assert _value(
        "scorecards.compound_inspections", "year", dt.date(2026, 1, 1), compound_a.pk
    ) == [1]


def test_a_complaint_verified_late_is_refilled(compound_a, staff):
    _run(DAILY_WORK_STATS)
    complaint = inspections.complaint_log(
        compound=compound_a,
        received_on=dt.date(2026, 9, 15),
        channel="hotline",
        summary="电梯三天未修",
        user=staff,
        today=dt.date(2026, 11, 29),
    )

    inspections.complaint_verify(complaint=complaint, user=staff, today=dt.date(2026, 11, 29))
    filled = _run(DAILY_WORK_STATS)

    assert filled["month"]["scorecards.compound_findings"] == FROM_SEPTEMBER["month"]
    assert _value("scorecards.compound_findings", "month", MONTH, compound_a.pk) == [1]
