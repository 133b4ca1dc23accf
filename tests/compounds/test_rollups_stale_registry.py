"""Stored registry rollups follow a move-in or move-out dated in the past: the households and
residents statistics are marked stale from that period, and the next run stores what a fill
from scratch would."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from compounds import services
from compounds.services import HOUSEHOLD_STATS
from tests import factories
from tongde import rollups
from tongde.models import FillState, Rollup
from tongde.periods import PeriodKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)  # 2025 is complete
D = dt.date


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.ROLLUP_START = D(2025, 1, 1)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dwelling(compound_a):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    return factories.DwellingFactory(unit=unit)


def _monthly(name: str, community) -> dict[str, int]:
    rows = Rollup.objects.filter(
        stat=name, period_kind=PeriodKind.MONTH, subject_id=community.pk
    ).order_by("period_start")
    return {f"{r.period_start:%Y-%m}": int(r.value) for r in rows}


def _households_by_month(community) -> dict[str, int]:
    rollups.run_all(PeriodKind.MONTH)
    return _monthly("registry.households", community)


def _month_state(name: str) -> dt.date:
    return FillState.objects.get(stat=name, period_kind=PeriodKind.MONTH).period_start


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("change", "months_with_one"),
    [
        ("create in May", [f"2025-{m:02d}" for m in range(5, 13)]),
        # moved out on 1 November: still there at the end of October
        ("move in earlier, March", [f"2025-{m:02d}" for m in range(3, 11)]),
        ("move in later, August", ["2025-08", "2025-09", "2025-10"]),
        ("move out in June", ["2025-05"]),
    ],
)
def test_a_change_to_the_past_is_refilled(community, dwelling, change, months_with_one):
    # given: a household that moved in on 20 May 2025, rolled up to December
    household = factories.HouseholdFactory(dwelling=dwelling, moved_in_on=D(2025, 5, 20))
    if change != "create in May":
        household.moved_out_on = D(2025, 11, 1) if "move in" in change else None
        household.save()
    else:
        household.delete()
    _households_by_month(community)
    assert all(_month_state(name) == D(2025, 12, 1) for name in HOUSEHOLD_STATS)

    # when
    if change == "create in May":
        services.household_create(
            dwelling=dwelling,
            data={"moved_in_on": D(2025, 5, 20), "residents": 3},
            user=None,
        )
    elif change.startswith("move in"):
        day = D(2025, 3, 3) if "March" in change else D(2025, 8, 8)
        services.household_update(household=household, data={"moved_in_on": day}, user=None)
    else:
        services.household_move_out(household=household, moved_out_on=D(2025, 6, 10), user=None)

    # then: the next run stores the new figures, month by month, and the residents too
    counts = _households_by_month(community)
    assert [month for month, n in counts.items() if n == 1] == months_with_one
    assert all(n in (0, 1) for n in counts.values())
    residents = _monthly("registry.residents", community)
    assert [month for month, n in residents.items() if n] == months_with_one


@pytest.mark.django_db
def test_a_change_of_residents_or_a_move_in_today_marks_nothing(community, dwelling):
    household = factories.HouseholdFactory(dwelling=dwelling, moved_in_on=D(2025, 5, 20))
    rollups.run_all(PeriodKind.MONTH)
    services.household_update(household=household, data={"residents": 5}, user=None)
    services.household_create(
        dwelling=factories.DwellingFactory(unit=dwelling.unit),
        data={"moved_in_on": D(2026, 1, 5), "residents": 2},
        user=None,
    )
    assert all(_month_state(name) == D(2025, 12, 1) for name in HOUSEHOLD_STATS)
