"""Scorecard rollups: scores and bands from current publications only, averages and "1224" ranks
per quarter, inspections and findings per week and per serving company, closures, overdue items
and report timeliness; a re-run changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compounds.models import ServiceContract
from scorecards import rollups as scorecard_rollups
from scorecards.bulletins import compound_work
from scorecards.models import (
    Finding,
    Inspection,
    MonthlyReport,
    Rectification,
    ScoringSettings,
)
from scorecards.setup import rubric_for
from tests import factories
from tests.scorecards.test_public_data import publish, row
from tongde import rollups
from tongde.models import Rollup
from tongde.periods import PeriodKind, parse_period

SH = ZoneInfo("Asia/Shanghai")
APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _start(settings):
    settings.ROLLUP_START = dt.date(2024, 1, 1)


def fill(stat: str, kind: str, label: str) -> dict[tuple[int, str], Decimal]:
    period = parse_period(PeriodKind(kind), label)
    rollups.fill_period(rollups.STATS[stat], period)
    return {
        (r.subject_id, r.dimension): r.value
        for r in Rollup.objects.filter(stat=stat, period_kind=kind, period_start=period.start)
    }


def test_monthly_score_with_band(lists, compound_a, compound_b):
    may = fill("scorecards.compound_score", "month", "2024-05")
    assert may[(compound_b.pk, "none")] == Decimal("72")  # the correction, not 50
    assert (compound_b.pk, "black") not in may
    assert fill("scorecards.compound_score", "month", "2024-06")[(compound_b.pk, "unranked")] == 40
    assert fill("scorecards.compound_score", "month", "2024-07") == {}


def test_quarterly_averages_and_ranks(
    lists, compound_a, compound_b, compound_c, company_a, company_b
):
    average = fill("scorecards.compound_average", "quarter", "2024-Q2")
    assert round(average[(compound_a.pk, "")], 2) == Decimal("88.33")
    assert average[(compound_b.pk, "")] == Decimal("66")  # June unranked left out
    ranks = fill("scorecards.compound_rank", "quarter", "2024-Q2")
    # Competition ranking: a and c tie at 88.33, b is third.
    assert ranks == {(compound_a.pk, ""): 1, (compound_c.pk, ""): 1, (compound_b.pk, ""): 3}
    companies = fill("scorecards.company_average", "quarter", "2024-Q2")
    assert round(companies[(company_a.pk, "")], 2) == Decimal("88.33")
    assert companies[(company_b.pk, "")] == Decimal("66")
    assert fill("scorecards.company_rank", "quarter", "2024-Q2") == {
        (company_a.pk, ""): 1,
        (company_b.pk, ""): 2,
    }
    assert fill("scorecards.company_bands", "quarter", "2024-Q2") == {
        (company_a.pk, "red"): 4,
        (company_a.pk, "none"): 2,
        (company_b.pk, "black"): 1,
        (company_b.pk, "none"): 1,
        (company_b.pk, "unranked"): 1,
    }


def test_ranks_within_each_community(lists, other_community, company_b, compound_a):
    elsewhere = factories.CompoundFactory(community=other_community, name="外小区")
    factories.ServiceContractFactory(compound=elsewhere, company=company_b)
    publish(other_community, APRIL, [row(elsewhere, "20", "black", rank=1)])
    ranks = fill("scorecards.compound_rank", "quarter", "2024-Q2")
    assert ranks[(elsewhere.pk, "")] == 1
    assert ranks[(compound_a.pk, "")] == 1


@pytest.fixture
def work(community, compound_a, compound_b, company_a, company_b, staff):
    criterion = rubric_for(community, 2024).criteria.first()

    def inspect(compound, day, withdrawn=False):
        return Inspection.objects.create(
            compound=compound, inspected_on=day, inspector=staff, is_withdrawn=withdrawn
        )

    def find(compound, day, withdrawn=False):
        return Finding.objects.create(
            compound=compound,
            found_on=day,
            criterion=criterion,
            points=Decimal(2),
            description="楼道堆物",
            is_withdrawn=withdrawn,
        )

    inspect(compound_a, dt.date(2024, 5, 6))
    inspect(compound_a, dt.date(2024, 5, 13))
    inspect(compound_a, dt.date(2024, 5, 14), withdrawn=True)
    find(compound_a, dt.date(2024, 5, 6))
    find(compound_a, dt.date(2024, 5, 7))
    find(compound_a, dt.date(2024, 5, 13))
    find(compound_a, dt.date(2024, 5, 8), withdrawn=True)
    # compound_b changes company on 1 June: its June work belongs to company_a.
    ServiceContract.objects.filter(compound=compound_b).update(ends_on=dt.date(2024, 5, 31))
    ServiceContract.objects.create(compound=compound_b, company=company_a, starts_on=JUNE)
    inspect(compound_b, dt.date(2024, 5, 31))
    inspect(compound_b, dt.date(2024, 6, 1))
    find(compound_b, dt.date(2024, 6, 3))

    def rect(deadline, closed=None):
        return Rectification.objects.create(
            compound=compound_a,
            company=company_a,
            description="清理楼道",
            created_on=dt.date(2024, 5, 1),
            deadline_on=deadline,
            status=Rectification.Status.CLOSED if closed else Rectification.Status.OPEN,
            closed_on=closed,
        )

    rect(dt.date(2024, 5, 10), closed=dt.date(2024, 5, 9))  # on time
    rect(dt.date(2024, 5, 10), closed=dt.date(2024, 5, 20))  # overdue, closed late
    rect(dt.date(2024, 5, 15))  # overdue, still open
    rect(dt.date(2024, 6, 15))  # not due in May

    def report(compound, company, month, submitted):
        return MonthlyReport.objects.create(
            compound=compound,
            company=company,
            month=month,
            first_submitted_at=submitted,
            status=MonthlyReport.Status.SUBMITTED if submitted else MonthlyReport.Status.DRAFT,
        )

    # Due on the 5th of the next month (default); times are Beijing time.
    report(compound_a, company_a, APRIL, dt.datetime(2024, 5, 5, 23, 30, tzinfo=SH))
    report(compound_a, company_a, MAY, dt.datetime(2024, 6, 6, 0, 30, tzinfo=SH))
    report(compound_a, company_a, JUNE, None)
    report(compound_b, company_b, APRIL, dt.datetime(2024, 4, 30, 12, 0, tzinfo=SH))


def test_weekly_inspections_and_findings(work, compound_a):
    assert fill("scorecards.compound_inspections", "week", "2024-W19") == {(compound_a.pk, ""): 1}
    assert fill("scorecards.compound_inspections", "week", "2024-W20") == {(compound_a.pk, ""): 1}
    assert fill("scorecards.compound_findings", "week", "2024-W19") == {(compound_a.pk, ""): 2}


def test_company_of_the_day(work, compound_a, compound_b, company_a, company_b):
    may = fill("scorecards.company_inspections", "month", "2024-05")
    assert may == {(company_a.pk, ""): 2, (company_b.pk, ""): 1}
    june = fill("scorecards.company_inspections", "month", "2024-06")
    assert june == {(company_a.pk, ""): 1}
    assert fill("scorecards.company_findings", "month", "2024-06") == {(company_a.pk, ""): 1}
    assert fill("scorecards.company_findings", "month", "2024-05") == {(company_a.pk, ""): 3}


def test_closures_and_overdue(work, compound_a, company_a):
    assert fill("scorecards.compound_closures", "month", "2024-05") == {(compound_a.pk, ""): 2}
    assert fill("scorecards.company_overdue", "month", "2024-05") == {(company_a.pk, ""): 2}
    assert fill("scorecards.compound_overdue", "week", "2024-W19") == {(compound_a.pk, ""): 1}
    # The June item is still open after its deadline: overdue in June.
    assert fill("scorecards.compound_overdue", "month", "2024-06") == {(compound_a.pk, ""): 1}


def test_report_timeliness(work, community, compound_a, compound_b, company_a, company_b):
    q2 = fill("scorecards.company_reports", "quarter", "2024-Q2")
    assert q2 == {
        (company_a.pk, "on_time"): 1,
        (company_a.pk, "late"): 1,
        # compound_a's June draft, and compound_b's June (served by company_a) with no report.
        (company_a.pk, "not_submitted"): 2,
        (company_b.pk, "on_time"): 1,
        # compound_b's May: company_b served it and filed nothing.
        (company_b.pk, "not_submitted"): 1,
    }
    # A later due day in the community's settings makes the May report on time.
    ScoringSettings.objects.create(community=community, year=2024, report_due_day=7)
    may = fill("scorecards.compound_reports", "month", "2024-05")
    assert may == {(compound_a.pk, "on_time"): 1, (compound_b.pk, "not_submitted"): 1}


def test_report_timeliness_costs_the_same_queries_for_a_year_as_for_a_month(
    work, compound_a, compound_b
):
    def queries(end: dt.date) -> int:
        with CaptureQueriesContext(connection) as ctx:
            counted = scorecard_rollups.report_timeliness(
                dt.date(2024, 1, 1), end, subjects=[compound_a.pk, compound_b.pk]
            )
        assert counted
        return len(ctx.captured_queries)

    assert queries(dt.date(2024, 2, 1)) == queries(dt.date(2025, 1, 1))


FEB = dt.date(2024, 2, 1)  # due on 5 March, missing after 8 March (defaults)


def _at(day: int, hour: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("case", "contract", "report", "today", "expected"),
    [
        ("no report at all", None, None, dt.date(2024, 3, 9), "not_submitted"),
        ("no report, grace not ended", None, None, dt.date(2024, 3, 8), None),
        ("draft never submitted", None, "draft", dt.date(2024, 4, 1), "not_submitted"),
        ("on the due day", None, _at(5, 23), dt.date(2024, 4, 1), "on_time"),
        ("early, grace still running", None, _at(1, 9), dt.date(2024, 3, 6), "on_time"),
        ("day after the due day", None, _at(6, 0), dt.date(2024, 4, 1), "late"),
        ("last day of grace", None, _at(8, 20), dt.date(2024, 4, 1), "late"),
        ("late, grace still running", None, _at(6, 9), dt.date(2024, 3, 7), "late"),
        ("after the grace period", None, _at(9, 10), dt.date(2024, 4, 1), "not_submitted"),
        ("not served that month", (dt.date(2024, 3, 1), None), None, dt.date(2024, 4, 1), None),
        (
            "served part of the month",
            (FEB, dt.date(2024, 2, 10)),
            None,
            dt.date(2024, 4, 1),
            "not_submitted",
        ),
    ],
)
def test_report_timeliness_rule(community, company_a, case, contract, report, today, expected):
    compound = factories.CompoundFactory(community=community, name="丙小区", code="c")
    starts_on, ends_on = contract or (dt.date(2020, 1, 1), None)
    factories.ServiceContractFactory(
        compound=compound, company=company_a, starts_on=starts_on, ends_on=ends_on
    )
    if report is not None:
        MonthlyReport.objects.create(
            compound=compound,
            company=company_a,
            month=FEB,
            first_submitted_at=None if report == "draft" else report,
            status=MonthlyReport.Status.DRAFT if report == "draft" else "submitted",
        )
    want = {} if expected is None else {(compound.pk, expected): 1}
    quarter = parse_period(PeriodKind.QUARTER, "2024-Q1")
    got = scorecard_rollups.report_timeliness(FEB, dt.date(2024, 3, 1), today=today)
    assert got == want, case
    by_company = scorecard_rollups.report_timeliness(
        FEB, FEB.replace(month=3), by="company", today=today
    )
    assert by_company == ({} if expected is None else {(company_a.pk, expected): 1}), case
    # The bulletin and the assessment read the same figures (compound_work), as does the
    # rollup: January (served, nothing filed) counts once its grace period has ended.
    jan = 0 if (contract and contract[0] >= FEB) else 1
    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=SH), tick=False):
        rolled = fill("scorecards.compound_reports", "quarter", "2024-Q1")
        work = compound_work([compound.pk], quarter)[compound.pk]["reports"]
    expected_quarter = {key: int(n) for (pk, key), n in rolled.items() if pk == compound.pk}
    assert {k: v for k, v in work.items() if v} == expected_quarter, case
    assert work["not_submitted"] == jan + (expected == "not_submitted"), case


def test_rerun_changes_nothing(lists, work):
    now = dt.datetime(2025, 1, 6, 9, 0, tzinfo=SH)  # 2024 and all its parts complete
    names = [n for n in rollups.STATS if n.startswith("scorecards.")]
    for kind in PeriodKind:
        for name in names:
            if kind in rollups.STATS[name].kinds:
                rollups.run_stat(rollups.STATS[name], kind, now=now)
    before = sorted(
        Rollup.objects.filter(stat__startswith="scorecards.").values_list(
            "stat", "period_kind", "period_start", "subject_id", "dimension", "value", "computed_at"
        )
    )
    assert before
    for kind in PeriodKind:
        rollups.backfill(
            parse_period(
                kind,
                {"week": "2024-W19", "month": "2024-05", "quarter": "2024-Q2", "year": "2024"}[
                    kind
                ],
            )
        )
    after = sorted(
        Rollup.objects.filter(stat__startswith="scorecards.").values_list(
            "stat", "period_kind", "period_start", "subject_id", "dimension", "value", "computed_at"
        )
    )
    assert after == before


def test_a_months_missing_report_is_counted_by_the_next_run(community, company_a):
    """The month rollup runs on the 1st, before the grace period ends: the next run fills the
    month again, once its missing reports are known."""
    compound = factories.CompoundFactory(community=community, name="丁小区", code="d")
    factories.ServiceContractFactory(
        compound=compound, company=company_a, starts_on=dt.date(2024, 2, 1), ends_on=None
    )
    stat = rollups.STATS["scorecards.compound_reports"]

    def february() -> dict[str, int]:
        return {
            r.dimension: int(r.value)
            for r in rollups.rollup_values(
                stat.name, "month", subject_kind="compound", subject_id=compound.pk
            )
            if r.period_start == FEB
        }

    with time_machine.travel(dt.datetime(2024, 3, 1, 4, tzinfo=SH), tick=False):
        rollups.run_stat(stat, "month", now=dt.datetime(2024, 3, 1, 4, tzinfo=SH))
    assert february() == {}  # still in its grace period: not counted yet
    with time_machine.travel(dt.datetime(2024, 4, 1, 4, tzinfo=SH), tick=False):
        rollups.run_stat(stat, "month", now=dt.datetime(2024, 4, 1, 4, tzinfo=SH))
    assert february() == {"not_submitted": 1}
