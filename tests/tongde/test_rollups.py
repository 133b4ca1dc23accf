from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from compounds.models import Compound
from tests import factories
from tongde import rollups
from tongde.models import FillState, Rollup
from tongde.periods import last_complete, parse_period, period_containing, periods_between

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _start(settings):
    settings.ROLLUP_START = dt.date(2026, 1, 1)


@pytest.fixture
def registry(community):
    """Two compounds; households moving in and out around the end of February 2026."""
    card = factories.CompoundFactory(
        community=community, access_control=Compound.AccessControl.CARD
    )
    factories.CompoundFactory(community=community, access_control=Compound.AccessControl.NONE)
    unit = factories.UnitFactory(building__compound=card)
    for moved_in, moved_out, residents in [
        (dt.date(2025, 6, 1), None, 3),
        (dt.date(2026, 2, 28), None, 4),  # in on the last day of February: counts for February
        (dt.date(2026, 3, 1), None, 5),  # in on 1 March: not in February
        (dt.date(2025, 1, 1), dt.date(2026, 2, 28), 2),  # out on the last day: still there
        (dt.date(2025, 1, 1), dt.date(2026, 3, 1), 6),  # out on 1 March: there all February
    ]:
        factories.HouseholdFactory(
            dwelling__unit=unit, residents=residents, moved_in_on=moved_in, moved_out_on=moved_out
        )
    return community


def _rows() -> list[tuple]:
    return list(
        Rollup.objects.order_by("stat", "period_kind", "period_start", "subject_id").values_list(
            "stat", "period_kind", "period_start", "subject_kind", "subject_id", "value"
        )
    )


def _value(stat: str, kind: str, label: str, community) -> Decimal:
    period = parse_period(kind, label)
    return Rollup.objects.get(
        stat=stat, period_kind=kind, period_start=period.start, subject_id=community.pk
    ).value


@pytest.mark.django_db
def test_month_rollup_counts_the_registry_on_the_last_day(registry):
    # when
    filled = rollups.run_all("month", now=NOW)

    # then: January, February and March 2026 are complete on 2 April
    assert filled["registry.households"] == 3
    assert _value("registry.households", "month", "2026-01", registry) == 3
    # February: the 6-resident household (out 1 March) is still there on 28 February,
    # the 2-resident one (out on 28 February) is not, the newcomer of the 28th is.
    assert _value("registry.households", "month", "2026-02", registry) == 3
    assert _value("registry.residents", "month", "2026-02", registry) == 3 + 4 + 6
    assert _value("registry.households", "month", "2026-03", registry) == 3
    assert _value("registry.residents", "month", "2026-03", registry) == 3 + 4 + 5
    assert _value("registry.access_controlled_compounds", "month", "2026-03", registry) == 1


@pytest.mark.django_db
def test_quarter_and_week_rollups_fill_every_complete_period(registry):
    rollups.run_all("quarter", now=NOW)
    rollups.run_all("week", now=NOW)

    assert _value("registry.residents", "quarter", "2026-Q1", registry) == 12
    # 2026-W01 starts on 29 December 2025; the last complete week on Thursday 2 April is W13
    # (23-29 March): thirteen weeks.
    weeks = Rollup.objects.filter(stat="registry.households", period_kind="week")
    assert weeks.count() == 13
    assert not Rollup.objects.filter(period_kind="quarter", period_start=dt.date(2026, 4, 1))


@pytest.mark.django_db
def test_running_twice_gives_identical_rows(registry):
    rollups.run_all("month", now=NOW)
    first = _rows()

    again = rollups.run_all("month", now=NOW)

    assert again == dict.fromkeys(again, 0)  # nothing left to fill
    assert _rows() == first


@pytest.mark.django_db
def test_a_period_left_started_is_redone_without_double_counting(registry):
    # given a run that filled January and February and died while filling March
    rollups.run_all("month", now=dt.datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Shanghai")))
    state = FillState.objects.get(stat="registry.households", period_kind="month")
    assert state.period_start == dt.date(2026, 2, 1)
    rollups.fill_period(rollups.STATS["registry.households"], parse_period("month", "2026-03"))
    FillState.objects.filter(stat="registry.households").update(
        period_start=dt.date(2026, 3, 1), state=FillState.State.STARTED
    )
    # and the registry changed meanwhile
    factories.HouseholdFactory(
        dwelling__unit__building__compound__community=registry,
        residents=1,
        moved_in_on=dt.date(2026, 3, 15),
    )

    # when the next run comes
    filled = rollups.run_all("month", now=NOW)

    # then March is redone once, in place, with the new figure
    assert filled["registry.households"] == 1
    march = Rollup.objects.filter(
        stat="registry.households", period_kind="month", period_start=dt.date(2026, 3, 1)
    )
    assert march.count() == 1
    assert march.get().value == 4
    state.refresh_from_db()
    assert (state.period_start, state.state) == (dt.date(2026, 3, 1), FillState.State.DONE)


@pytest.mark.django_db
def test_a_subject_that_disappears_loses_its_row_on_rerun(registry, other_community):
    period = parse_period("month", "2026-03")
    factories.HouseholdFactory(
        dwelling__unit__building__compound__community=other_community,
        moved_in_on=dt.date(2026, 1, 1),
    )
    rollups.backfill(period)
    assert Rollup.objects.filter(subject_id=other_community.pk, period_start=period.start)

    other_community_households = other_community.compounds.get().buildings.get()
    other_community_households.units.get().dwellings.get().households.update(
        moved_out_on=dt.date(2026, 1, 2)
    )
    rollups.backfill(period)

    assert not Rollup.objects.filter(
        stat="registry.households", subject_id=other_community.pk, period_start=period.start
    )


@pytest.mark.django_db
def test_rollup_command_backfills_one_period(registry):
    call_command("rollup", "--kind", "month", "--period", "2026-02")

    assert _value("registry.residents", "month", "2026-02", registry) == 13
    assert not FillState.objects.exists()  # a backfill leaves the schedule alone


@pytest.mark.django_db
def test_rollup_command_refuses_a_bad_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a month"):
        call_command("rollup", "--kind", "month", "--period", "2026-W10")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["week", "month", "quarter", "year"])
def test_catching_up_a_range_in_one_statement_equals_filling_each_period(community, kind, settings):
    # given clean-up operations spread over two years, one of them withdrawn
    settings.ROLLUP_START = dt.date(2024, 1, 1)
    from campaigns.models import Campaign

    for day, tonnes in [
        (dt.date(2024, 12, 30), "1.50"),  # ISO week 1 of 2025, December of 2024
        (dt.date(2025, 1, 5), "2.00"),
        (dt.date(2025, 3, 31), "0.25"),
        (dt.date(2025, 4, 1), "4.00"),
        (dt.date(2025, 12, 31), "3.00"),
    ]:
        Campaign.objects.create(
            community=community, kind="routine", held_on=day, tonnes=Decimal(tonnes)
        )
    Campaign.objects.create(
        community=community,
        kind="routine",
        held_on=dt.date(2025, 6, 1),
        is_withdrawn=True,
        tonnes=Decimal("9"),
    )
    stat = rollups.STATS["campaigns.tonnes"]
    now = dt.datetime(2026, 1, 2, tzinfo=ZoneInfo("Asia/Shanghai"))

    # when the engine catches up the whole range at once
    filled = rollups.run_stat(stat, kind, now=now)
    by_range = _rows()
    # and when each period is filled on its own
    Rollup.objects.all().delete()
    first = period_containing(kind, dt.date(2024, 1, 1))
    for period in periods_between(first, last_complete(kind, now)):
        rollups.fill_period(stat, period)

    # then both give the same rows, and the fill state ends DONE on the last period
    assert filled > 1
    assert _rows() == by_range
    # (the week of 31 December 2025 has not ended on Friday 2 January 2026)
    expected = Decimal("7.75") if kind == "week" else Decimal("10.75")
    assert sum(row[-1] for row in by_range) == expected
    state = FillState.objects.get(stat="campaigns.tonnes", period_kind=kind)
    assert state.state == FillState.State.DONE
    assert state.period_start == last_complete(kind, now).start
