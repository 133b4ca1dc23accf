"""Stored clean-up rollups follow changes to the past: an operation of a period already filled
that is withdrawn, restored, moved to another date or recorded late marks the statistics stale
from that period (``tongde.rollups.mark_stale``), and the next run refills exactly the periods
from there on, replacing their rows: the stored figures then equal a fill from scratch, for
weeks, months, quarters and years, with nothing duplicated."""

# ruff: noqa: F811 -- the fixture imported from test_patrols is an argument
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns import meetings, services
from campaigns.models import Campaign, Meeting
from campaigns.rollups import MEETING_STATS, OPERATION_STATS
from tests.campaigns.factories import CampaignFactory, DisorderFactory
from tests.campaigns.test_patrols import item, log
from tests.campaigns.test_patrols import world as patrol_world  # noqa: F401
from tongde import rollups
from tongde.models import FillState, Rollup
from tongde.periods import PeriodKind, last_complete, period_containing, periods_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 5 January 2026: 2025 and its last ISO week (2026-W01, from 29 December) are complete.
NOW = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
KINDS = [str(kind) for kind in PeriodKind]
MARCH = dt.date(2025, 3, 12)  # Wednesday of 2025-W11; March; Q1
MAY = dt.date(2025, 5, 20)  # 2025-W21; May; Q2
AUGUST = dt.date(2025, 8, 6)  # 2025-W32; August; Q3
CAMPAIGN_STATS = [
    *rollups.GROUPS["campaigns.community"].names,
    "campaigns.compound_operations",
    "campaigns.disorder_operations",
]


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.ROLLUP_START = dt.date(2025, 1, 1)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def piling(community):
    return DisorderFactory(community=community, code="piling", name="乱堆乱放")


@pytest.fixture
def operations(community, compound_a, piling):
    """Two operations, in March and May 2025, rolled up for every kind."""
    made = {
        day: CampaignFactory(
            community=community,
            held_on=day,
            compounds=[compound_a],
            disorders=[piling],
            persons={"staff": 4},
            truckloads=2,
            tonnes=Decimal("3.50"),
        )
        for day in (MARCH, MAY)
    }
    for kind in KINDS:
        rollups.run_all(kind)
    return made


def _data(campaign: Campaign, **overrides) -> dict:
    data = {
        "kind": campaign.kind,
        "held_on": campaign.held_on,
        "topic": campaign.topic,
        "compounds": list(campaign.compounds.all()),
        "buildings": [],
        "spots": "",
        "disorders": list(campaign.disorders.all()),
        "truckloads": campaign.truckloads,
        "tonnes": campaign.tonnes,
        "vehicles_handled": campaign.vehicles_handled,
        "notes": "",
        "is_public": True,
    }
    return {**data, **overrides}


def _withdraw(community, compound_a, staff, operations):
    services.campaign_withdraw(campaign=operations[MARCH], user=staff)
    return MARCH


def _move(community, compound_a, staff, operations):
    campaign = operations[MARCH]
    services.campaign_update(
        campaign=campaign,
        data=_data(campaign, held_on=AUGUST),
        participations={"staff": 4},
        user=staff,
    )
    return MARCH


def _move_back(community, compound_a, staff, operations):
    # From May back to March: the earlier of the two dates is where the refill starts.
    campaign = operations[MAY]
    services.campaign_update(
        campaign=campaign,
        data=_data(campaign, held_on=MARCH),
        participations={"staff": 4},
        user=staff,
    )
    return MARCH


def _change_figures(community, compound_a, staff, operations):
    campaign = operations[MAY]
    services.campaign_update(
        campaign=campaign,
        data=_data(campaign, tonnes=Decimal("9.00")),
        participations={"staff": 7},
        user=staff,
    )
    return MAY


def _record_late(community, compound_a, staff, operations):
    services.campaign_record(
        community=community,
        data=_data(operations[MARCH], held_on=AUGUST, truckloads=5),
        participations={"staff": 2, "residents": 6},
        user=staff,
    )
    return AUGUST


def _restore(community, compound_a, staff, operations):
    # May's operation was withdrawn when the periods were filled.
    Campaign.objects.filter(pk=operations[MAY].pk).update(is_withdrawn=True)
    _from_scratch()
    services.campaign_restore(campaign=operations[MAY], user=staff)
    return MAY


def _operations_by_period(kind: str) -> dict[dt.date, Decimal]:
    return dict(
        Rollup.objects.filter(stat="campaigns.operations", period_kind=kind).values_list(
            "period_start", "value"
        )
    )


def _stored() -> list[tuple]:
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


def _from_scratch() -> list[tuple]:
    Rollup.objects.all().delete()
    FillState.objects.all().delete()
    for kind in KINDS:
        rollups.run_all(kind)
    return _stored()


CHANGES = [
    # (case, change, operations per month afterwards)
    ("withdrawn", _withdraw, {dt.date(2025, 5, 1): 1}),
    ("moved to a later week", _move, {dt.date(2025, 5, 1): 1, dt.date(2025, 8, 1): 1}),
    ("moved to an earlier week", _move_back, {dt.date(2025, 3, 1): 2}),
    (
        "figures changed, same date",
        _change_figures,
        {MARCH.replace(day=1): 1, MAY.replace(day=1): 1},
    ),
    (
        "recorded late",
        _record_late,
        {dt.date(2025, 3, 1): 1, dt.date(2025, 5, 1): 1, dt.date(2025, 8, 1): 1},
    ),
    ("restored", _restore, {dt.date(2025, 3, 1): 1, dt.date(2025, 5, 1): 1}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "change", "months"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_to_the_past_is_refilled_by_the_next_run_for_every_kind(
    community, compound_a, staff, operations, case, change, months
):
    # given operations rolled up for every kind
    # when one of them changes in the past
    since = change(community, compound_a, staff, operations)
    # then the next run refills, for each kind, the periods from the changed one on, no more
    for kind in KINDS:
        filled = rollups.run_all(kind)
        expected = len(periods_between(period_containing(kind, since), last_complete(kind, NOW)))
        assert {filled[name] for name in CAMPAIGN_STATS} == {expected}, (case, kind)
    # and the stored figures are those of a fill from scratch: right, and nothing twice
    stored = _stored()
    assert stored == _from_scratch(), case
    assert _operations_by_period("month") == months, case
    year = _operations_by_period("year")
    assert year == {dt.date(2025, 1, 1): sum(months.values())}, case
    quarters = _operations_by_period("quarter")
    assert sum(quarters.values()) == sum(months.values()), case
    weeks = _operations_by_period("week")
    assert sum(weeks.values()) == sum(months.values()), case


@pytest.mark.django_db
def test_tonnes_and_person_times_follow_an_edit_of_a_past_operation(staff, operations):
    campaign = operations[MAY]
    services.campaign_update(
        campaign=campaign,
        data=_data(campaign, held_on=AUGUST, tonnes=Decimal("9.00")),
        participations={"staff": 7},
        user=staff,
    )
    for kind in KINDS:
        rollups.run_all(kind)

    def figure(stat, kind, start):
        return Rollup.objects.filter(stat=stat, period_kind=kind, period_start=start).values_list(
            "value", flat=True
        )

    assert list(figure("campaigns.tonnes", "month", dt.date(2025, 5, 1))) == []
    assert list(figure("campaigns.tonnes", "month", dt.date(2025, 8, 1))) == [Decimal("9.00")]
    assert list(figure("campaigns.person_times", "quarter", dt.date(2025, 7, 1))) == [7]
    assert list(figure("campaigns.tonnes", "year", dt.date(2025, 1, 1))) == [Decimal("12.50")]
    assert list(figure("campaigns.person_times", "week", dt.date(2025, 8, 4))) == [7]


@pytest.mark.django_db
def test_a_run_with_nothing_stale_refills_nothing(community, staff, operations):
    # given everything filled
    # when nothing changed, or only today's (incomplete) periods changed
    assert all(value == 0 for kind in KINDS for value in rollups.run_all(kind).values())
    services.campaign_record(
        community=community,
        data=_data(operations[MAY], held_on=NOW.date()),
        participations={"staff": 2},
        user=staff,
    )
    # then the next run fills no period at all
    assert all(value == 0 for kind in KINDS for value in rollups.run_all(kind).values())


@pytest.mark.django_db
def test_a_change_before_the_first_filled_period_moves_nothing(community, staff, operations):
    services.campaign_record(
        community=community,
        data=_data(operations[MAY], held_on=dt.date(2024, 6, 3)),
        participations={"staff": 2},
        user=staff,
    )
    assert all(value == 0 for kind in KINDS for value in rollups.run_all(kind).values())


@pytest.mark.django_db
@pytest.mark.parametrize("moved_from", [MARCH, AUGUST])
def test_a_meeting_recorded_late_or_moved_is_refilled(community, staff, operations, moved_from):
    meeting = meetings.meeting_create(
        community=community,
        data={"kind": Meeting.Kind.choices[0][0], "held_on": moved_from, "title": "部署会"},
        attendance=[{"organisation": "community", "name": "", "persons": 3}],
        user=staff,
    )
    for kind in KINDS:
        rollups.run_all(kind)
    meetings.meeting_update(
        meeting=meeting,
        data={"kind": meeting.kind, "held_on": MAY, "title": "部署会"},
        user=staff,
    )
    filled = {kind: rollups.run_all(kind)[MEETING_STATS[0]] for kind in KINDS}
    since = min(moved_from, MAY)
    assert filled == {
        kind: len(periods_between(period_containing(kind, since), last_complete(kind, NOW)))
        for kind in KINDS
    }
    stored = dict(
        Rollup.objects.filter(stat="campaigns.meetings", period_kind="month").values_list(
            "period_start", "value"
        )
    )
    assert stored == {dt.date(2025, 5, 1): 1}


def test_the_services_mark_what_the_registered_statistics_read():
    assert set(OPERATION_STATS) <= set(rollups.STATS) | set(rollups.GROUPS)
    assert set(MEETING_STATS) <= set(rollups.STATS)


@pytest.mark.django_db
def test_a_patrol_logged_late_is_refilled_with_its_problems_and_their_overdue_items(
    patrol_world, settings
):
    # given patrols and overdue items rolled up by week and month to the end of August 2020
    settings.ROLLUP_START = dt.date(2020, 1, 1)
    now = dt.datetime(2020, 9, 1, 9, 0, tzinfo=SHANGHAI)
    names = ["campaigns.patrols", "campaigns.problems_found", "scorecards.compound_overdue"]

    def run(kind):
        return {name: rollups.run_stat(rollups.STATS[name], kind, now=now) for name in names}

    for kind in ("week", "month"):
        run(kind)
    # when a patrol of 3 August is logged on the 17th, its problem due on the 6th
    day = dt.date(2020, 8, 3)
    log(
        patrol_world,
        item(patrol_world.compound_a, deadline_on=dt.date(2020, 8, 6)),
        patrolled_on=day,
    )
    # then the next run refills from that week and that month, and counts them
    assert run("week") == dict.fromkeys(names, 4)  # the weeks of 3, 10, 17 and 24 August
    assert run("month") == dict.fromkeys(names, 1)

    def value(name, kind, start):
        return list(
            Rollup.objects.filter(stat=name, period_kind=kind, period_start=start).values_list(
                "value", flat=True
            )
        )

    august = dt.date(2020, 8, 1)
    assert value("campaigns.patrols", "month", august) == [1]
    assert value("campaigns.problems_found", "week", day) == [1]
    assert value("scorecards.compound_overdue", "month", august) == [1]


@pytest.mark.django_db
def test_a_mark_made_while_a_run_computes_is_not_overwritten(operations, monkeypatch):
    # given: the community group's months filled through February, and a change to January
    # marked stale after the run has read the fill states but before it writes them
    group = rollups.GROUPS["campaigns.community"]
    months = FillState.objects.filter(stat__in=group.names, period_kind=PeriodKind.MONTH)
    months.update(period_start=dt.date(2025, 2, 1))
    fill_group = rollups.fill_group

    def fill_after_a_change(*args, **kwargs):
        assert rollups.mark_stale(group.names, dt.date(2025, 1, 10), refill_on_commit=False)
        return fill_group(*args, **kwargs)

    monkeypatch.setattr(rollups, "fill_group", fill_after_a_change)

    # when: the run fills March to December
    filled = rollups.run_group(group, PeriodKind.MONTH)

    # then: the months were written, but the states keep the mark: January is refilled next
    assert filled == dict.fromkeys(group.names, 10)
    assert set(months.values_list("period_start", flat=True)) == {dt.date(2024, 12, 1)}
    monkeypatch.setattr(rollups, "fill_group", fill_group)
    assert rollups.run_group(group, PeriodKind.MONTH) == dict.fromkeys(group.names, 12)
    assert set(months.values_list("period_start", flat=True)) == {dt.date(2025, 12, 1)}
