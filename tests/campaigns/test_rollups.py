"""Clean-up rollups: per period they equal the rows; summed over a year's periods of any kind
they equal the year's totals; a re-run changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory, DisorderFactory
from tongde import rollups
from tongde.models import FillState, Rollup
from tongde.periods import PeriodKind, parse_period

NOW = dt.datetime(2021, 2, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STATS = [
    "campaigns.operations",
    "campaigns.person_times",
    "campaigns.truckloads",
    "campaigns.tonnes",
    "campaigns.compound_operations",
    "campaigns.disorder_operations",
]


@pytest.fixture(autouse=True)
def _start(settings):
    settings.ROLLUP_START = dt.date(2020, 1, 1)


@pytest.fixture
def operations(community, compound_a, compound_b):
    piling = DisorderFactory(community=community, code="piling")
    cars = DisorderFactory(community=community, code="cars")
    days = [
        dt.date(2020, 1, 1),
        dt.date(2020, 1, 5),  # Sunday: still ISO week 1
        dt.date(2020, 1, 6),
        dt.date(2020, 3, 31),
        dt.date(2020, 4, 1),
        dt.date(2020, 6, 30),
        dt.date(2020, 8, 14),
        dt.date(2020, 8, 14),
        dt.date(2020, 12, 31),
    ]
    made = [
        CampaignFactory(
            community=community,
            held_on=day,
            compounds=[compound_a, compound_b] if i % 2 else [compound_a],
            disorders=[piling, cars] if i % 3 == 0 else [piling],
            persons={"staff": 2, "residents": i * 3},
            truckloads=i,
            tonnes=Decimal(i) * Decimal("1.5"),
        )
        for i, day in enumerate(days)
    ]
    # Withdrawn: counts nowhere.
    CampaignFactory(community=community, held_on=dt.date(2020, 5, 5), is_withdrawn=True)
    return made


def _run_all(kinds=tuple(PeriodKind)) -> None:
    for kind in kinds:
        for stat in STATS:
            rollups.run_stat(rollups.STATS[stat], kind, now=NOW)


def _rows() -> list[tuple]:
    return list(
        Rollup.objects.filter(stat__startswith="campaigns.")
        .order_by("stat", "period_kind", "period_start", "subject_kind", "subject_id", "dimension")
        .values_list(
            "stat",
            "period_kind",
            "period_start",
            "subject_kind",
            "subject_id",
            "dimension",
            "value",
        )
    )


def _sum(stat: str, kind: str, **filters) -> Decimal:
    return sum(
        Rollup.objects.filter(
            stat=stat, period_kind=kind, period_start__lt=dt.date(2021, 1, 1), **filters
        ).values_list("value", flat=True),
        Decimal(0),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["week", "month", "quarter", "year"])
def test_rollups_add_up_to_the_rows(community, compound_a, compound_b, operations, kind):
    # given
    _run_all([kind])
    # when / then: summed over 2020's periods, each figure equals the rows'
    ops = [c for c in operations if c.held_on.year == 2020]
    assert _sum("campaigns.operations", kind, subject_id=community.pk) == len(ops) == 9
    assert _sum("campaigns.person_times", kind) == sum(c.person_times for c in ops)
    assert _sum("campaigns.truckloads", kind) == sum(c.truckloads for c in ops)
    assert _sum("campaigns.tonnes", kind) == sum(c.tonnes for c in ops)
    with_b = [c for c in ops if c.compounds.filter(pk=compound_b.pk).exists()]
    assert _sum("campaigns.compound_operations", kind, subject_id=compound_a.pk) == 9
    assert _sum("campaigns.compound_operations", kind, subject_id=compound_b.pk) == len(with_b)
    with_cars = [c for c in ops if c.disorders.filter(code="cars").exists()]
    assert _sum("campaigns.disorder_operations", kind, dimension="piling") == 9
    assert _sum("campaigns.disorder_operations", kind, dimension="cars") == len(with_cars)


@pytest.mark.django_db
def test_each_period_holds_its_own_operations(community, operations):
    _run_all(["week", "month", "quarter"])
    months = dict(
        Rollup.objects.filter(stat="campaigns.operations", period_kind="month").values_list(
            "period_start", "value"
        )
    )
    assert months == {
        dt.date(2020, 1, 1): 3,
        dt.date(2020, 3, 1): 1,
        dt.date(2020, 4, 1): 1,
        dt.date(2020, 6, 1): 1,
        dt.date(2020, 8, 1): 2,
        dt.date(2020, 12, 1): 1,
    }
    weeks = dict(
        Rollup.objects.filter(stat="campaigns.operations", period_kind="week").values_list(
            "period_start", "value"
        )
    )
    assert weeks[dt.date(2019, 12, 30)] == 2  # 2020-W01: 1 and 5 January
    assert weeks[dt.date(2020, 1, 6)] == 1
    assert weeks[dt.date(2020, 12, 28)] == 1  # 2020-W53
    quarters = Rollup.objects.filter(stat="campaigns.tonnes", period_kind="quarter")
    by_quarter = dict(quarters.values_list("period_start", "value"))
    tonnes_q1 = sum(c.tonnes for c in operations if c.held_on < dt.date(2020, 4, 1))
    assert by_quarter[dt.date(2020, 1, 1)] == tonnes_q1


@pytest.mark.django_db
def test_a_rerun_changes_nothing_and_edits_are_picked_up_by_a_backfill(community, operations):
    # given
    _run_all()
    first = _rows()
    # when
    _run_all()
    # then
    assert _rows() == first
    # and a withdrawal, recomputed for its month, drops out of that month only
    Campaign.objects.filter(pk=operations[6].pk).update(is_withdrawn=True)
    rollups.fill_period(rollups.STATS["campaigns.operations"], parse_period("month", "2020-08"))
    august = Rollup.objects.get(
        stat="campaigns.operations", period_kind="month", period_start=dt.date(2020, 8, 1)
    )
    assert august.value == 1


@pytest.mark.django_db
def test_the_four_community_figures_fill_as_one_group_like_each_alone(community, operations):
    group = rollups.GROUPS["campaigns.community"]
    assert group.names == STATS[:4]
    assert {rollups.STATS[name].group for name in STATS[:4]} == {"campaigns.community"}
    # when run_all fills them (once for the group) ...
    for kind in PeriodKind:
        filled = rollups.run_all(kind, now=NOW)
        assert len({filled[name] for name in STATS[:4]}) == 1
    by_group = [row for row in _rows() if row[0] in STATS[:4]]
    # ... and when each fills alone
    Rollup.objects.all().delete()
    FillState.objects.all().delete()
    _run_all()
    # then the rows are the same
    assert by_group
    assert [row for row in _rows() if row[0] in STATS[:4]] == by_group
