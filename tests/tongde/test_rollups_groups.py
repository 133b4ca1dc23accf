"""Groups of event statistics (``event_stats``): filling a group, for a range or one period, gives
exactly the rows its members give filled one by one; a re-run updates in place and removes rows
no longer produced without touching any other statistic; every member keeps its own fill state;
``run_all`` fills a group once. On PostgreSQL a group fill is one statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory, DisorderFactory
from tongde import rollups
from tongde.models import FillState, Rollup
from tongde.periods import Period, PeriodKind, last_complete, period_containing, periods_between

NOW = dt.datetime(2026, 1, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
KINDS = ["week", "month", "quarter", "year"]
PLAIN = ["g.operations", "g.tonnes", "g.max_truckloads"]
BY_DISORDER = ["gd.operations", "gd.tonnes"]


def _held_between(start: dt.date, end: dt.date):
    return Campaign.objects.filter(is_withdrawn=False, held_on__gte=start, held_on__lt=end)


def _disorders_between(start: dt.date, end: dt.date):
    return Campaign.disorders.through.objects.filter(
        campaign__is_withdrawn=False, campaign__held_on__gte=start, campaign__held_on__lt=end
    )


def _plain_group(kinds=rollups.ALL_KINDS) -> rollups.StatGroup:
    return rollups.event_stats(
        "g",
        "community",
        rows=_held_between,
        date_field="held_on",
        subject="community_id",
        values={
            "g.operations": Count("pk"),
            "g.tonnes": Sum("tonnes"),
            "g.max_truckloads": Max("truckloads"),
        },
        kinds=kinds,
    )


def _disorder_group() -> rollups.StatGroup:
    return rollups.event_stats(
        "gd",
        "community",
        rows=_disorders_between,
        date_field="campaign__held_on",
        subject="campaign__community_id",
        dimension="disorder__code",
        values={"gd.operations": Count("campaign_id"), "gd.tonnes": Sum("campaign__tonnes")},
    )


@pytest.fixture(autouse=True)
def _start(settings):
    settings.ROLLUP_START = dt.date(2024, 1, 1)


@pytest.fixture
def registry(monkeypatch):
    """Only the groups under test are registered while a test runs."""
    monkeypatch.setattr(rollups, "STATS", {})
    monkeypatch.setattr(rollups, "GROUPS", {})
    rollups.register(_plain_group())
    rollups.register(_disorder_group())
    return rollups


@pytest.fixture
def operations(community, other_community):
    piling = DisorderFactory(community=community, code="piling")
    cars = DisorderFactory(community=community, code="cars")
    elsewhere = DisorderFactory(community=other_community, code="piling")
    rows = [
        # (community, day, tonnes, truckloads, disorders)
        (community, dt.date(2024, 1, 1), "1.50", 1, [piling]),  # ISO week 1 of 2024, Monday
        (community, dt.date(2024, 12, 30), "2.25", 3, [piling, cars]),  # 2025-W01, Dec 2024
        (community, dt.date(2025, 1, 5), "0.00", 2, [cars]),  # Sunday: still 2025-W01
        (community, dt.date(2025, 3, 31), "4.00", 0, [piling]),  # last day of Q1
        (community, dt.date(2025, 4, 1), "0.75", 1, [piling, cars]),  # first day of Q2
        (other_community, dt.date(2025, 4, 1), "9.00", 5, [elsewhere]),
        (other_community, dt.date(2025, 12, 31), "3.00", 2, [elsewhere]),  # W01 of 2026
    ]
    made = [
        CampaignFactory(
            community=where,
            held_on=day,
            tonnes=Decimal(tonnes),
            truckloads=truckloads,
            disorders=disorders,
        )
        for where, day, tonnes, truckloads, disorders in rows
    ]
    # Withdrawn: counts nowhere.
    CampaignFactory(
        community=community, held_on=dt.date(2025, 3, 31), is_withdrawn=True, disorders=[piling]
    )
    return made


def _rows(names=None) -> list[tuple]:
    qs = Rollup.objects.all() if names is None else Rollup.objects.filter(stat__in=names)
    return list(
        qs.order_by(
            "stat", "period_kind", "period_start", "subject_kind", "subject_id", "dimension"
        ).values_list(
            "stat",
            "period_kind",
            "period_start",
            "subject_kind",
            "subject_id",
            "dimension",
            "value",
        )
    )


def _periods(kind: str) -> list[Period]:
    return periods_between(period_containing(kind, dt.date(2024, 1, 1)), last_complete(kind, NOW))


def _one_by_one(group: rollups.StatGroup, kind: str) -> list[tuple]:
    """The rows each member gives on its own, one period at a time."""
    Rollup.objects.all().delete()
    for stat in group.members:
        for period in _periods(kind):
            rollups.fill_period(stat, period)
    return _rows()


@pytest.mark.django_db
@pytest.mark.parametrize("group_name", ["g", "gd"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_group_fill_equals_its_members_filled_one_by_one(registry, operations, kind, group_name):
    group = registry.GROUPS[group_name]
    periods = _periods(kind)

    # when the group fills the whole range at once
    rollups.fill_group(group, periods[0], periods[-1])
    by_group = _rows()
    # and each member fills its own range
    Rollup.objects.all().delete()
    for stat in group.members:
        rollups.fill_range(stat, periods[0], periods[-1])
    by_member_range = _rows()

    # then both equal the members filled period by period
    assert by_group
    assert {row[0] for row in by_group} == set(group.names)
    assert by_group == by_member_range == _one_by_one(group, kind)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_group_filled_period_by_period_equals_the_range(registry, operations, kind):
    group = registry.GROUPS["g"]
    for period in _periods(kind):
        rollups.fill_group(group, period)
    assert _rows() == _one_by_one(group, kind)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label", "held_on", "expected"),
    [
        # Figures per community and month of 2025 for: operations, tonnes, max truckloads.
        ("Q1 ends on 31 March", dt.date(2025, 3, 31), {"2025-03": (1, "4.00", 0)}),
        ("Q2 starts on 1 April", dt.date(2025, 4, 1), {"2025-04": (1, "0.75", 1)}),
        ("a zero tonnage is a row", dt.date(2025, 1, 5), {"2025-01": (1, "0.00", 2)}),
    ],
)
def test_group_values_at_the_boundaries(registry, community, operations, label, held_on, expected):
    months = [p for p in _periods("month") if p.start.year == 2025]
    rollups.fill_group(registry.GROUPS["g"], months[0], months[-1])
    for month, (ops, tonnes, trucks) in expected.items():
        start = dt.date.fromisoformat(f"{month}-01")
        got = dict(
            Rollup.objects.filter(
                period_kind="month", period_start=start, subject_id=community.pk
            ).values_list("stat", "value")
        )
        assert got == {
            "g.operations": Decimal(ops),
            "g.tonnes": Decimal(tonnes),
            "g.max_truckloads": Decimal(trucks),
        }, label


@pytest.mark.django_db
def test_a_refill_updates_changed_values_in_place_and_leaves_the_others_alone(
    registry, community, operations
):
    group = registry.GROUPS["g"]
    months = _periods("month")
    rollups.fill_group(group, months[0], months[-1])
    before = {
        (r.stat, r.period_start, r.subject_id): (r.pk, r.value, r.computed_at)
        for r in Rollup.objects.all()
    }
    # given the tonnes of one operation corrected
    Campaign.objects.filter(pk=operations[3].pk).update(tonnes=Decimal("5.50"))

    # when
    rollups.fill_group(group, months[0], months[-1])

    # then only that value changed, on the same row; the rest was not rewritten
    after = {
        (r.stat, r.period_start, r.subject_id): (r.pk, r.value, r.computed_at)
        for r in Rollup.objects.all()
    }
    assert after.keys() == before.keys()
    changed = {key for key in after if after[key] != before[key]}
    march = ("g.tonnes", dt.date(2025, 3, 1), community.pk)
    assert changed == {march}
    assert after[march][:2] == (before[march][0], Decimal("5.50"))
    assert after[march][2] >= before[march][2]


@pytest.mark.django_db
@pytest.mark.parametrize("fill", ["range", "period"])
def test_a_row_no_longer_produced_is_removed_and_nothing_else(
    registry, community, other_community, operations, fill
):
    group = registry.GROUPS["g"]
    months = _periods("month")
    march = Period(PeriodKind.MONTH, dt.date(2025, 3, 1))
    rollups.fill_group(group, months[0], months[-1])
    # Rows the group must leave alone: another statistic in March, the group's own statistics
    # in another period kind, and a member's row before the range refilled below.
    Rollup.objects.create(
        stat="other.stat",
        period_kind="month",
        period_start=march.start,
        subject_kind="community",
        subject_id=community.pk,
        value=7,
        computed_at=timezone.now(),
    )
    rollups.fill_group(group, Period(PeriodKind.WEEK, dt.date(2025, 3, 31)))
    untouched = _rows(["other.stat"]) + [
        r for r in _rows(group.names) if r[1] == "week" or r[2] < dt.date(2025, 2, 1)
    ]
    # given the only operation of March withdrawn
    Campaign.objects.filter(pk=operations[3].pk).update(is_withdrawn=True)

    # when March is refilled, alone or with the months around it
    if fill == "range":
        rollups.fill_group(group, Period(PeriodKind.MONTH, dt.date(2025, 2, 1)), months[-1])
    else:
        rollups.fill_group(group, march)

    # then the community's March rows are gone for every member, the rest is as it was
    assert not Rollup.objects.filter(
        stat__in=group.names, period_kind="month", period_start=march.start
    ).exists()
    assert (
        _rows(["other.stat"])
        + [r for r in _rows(group.names) if r[1] == "week" or r[2] < dt.date(2025, 2, 1)]
        == untouched
    )
    april = Rollup.objects.filter(
        stat="g.operations", period_kind="month", period_start=dt.date(2025, 4, 1)
    )
    assert sorted(april.values_list("subject_id", "value")) == sorted(
        [(community.pk, Decimal(1)), (other_community.pk, Decimal(1))]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_run_all_fills_each_group_once_and_advances_every_member(
    registry, operations, kind, monkeypatch
):
    calls = []
    fill_group = rollups.fill_group

    def spy(group, first, last=None, **kwargs):
        calls.append((group.name, first, last))
        return fill_group(group, first, last, **kwargs)

    monkeypatch.setattr(rollups, "fill_group", spy)

    # when
    filled = rollups.run_all(kind, now=NOW)

    # then one fill per group over the whole range, every member DONE on the last period
    periods = _periods(kind)
    assert sorted(calls) == [("g", periods[0], periods[-1]), ("gd", periods[0], periods[-1])]
    assert filled == dict.fromkeys(PLAIN + BY_DISORDER, len(periods))
    states = FillState.objects.filter(period_kind=kind)
    assert sorted(states.values_list("stat", "period_start", "state")) == sorted(
        (name, periods[-1].start, FillState.State.DONE) for name in PLAIN + BY_DISORDER
    )
    # and the rows are those of the members filled one by one
    by_run = _rows()
    Rollup.objects.all().delete()
    for name in PLAIN + BY_DISORDER:
        for period in periods:
            rollups.fill_period(registry.STATS[name], period)
    assert by_run == _rows()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_running_twice_creates_nothing_twice(registry, operations, kind):
    rollups.run_all(kind, now=NOW)
    first = {
        r.pk: (r.stat, r.period_start, r.subject_id, r.dimension, r.value)
        for r in Rollup.objects.all()
    }
    states = list(FillState.objects.order_by("stat").values_list("stat", "period_start", "state"))

    again = rollups.run_all(kind, now=NOW)

    assert again == dict.fromkeys(PLAIN + BY_DISORDER, 0)
    assert {
        r.pk: (r.stat, r.period_start, r.subject_id, r.dimension, r.value)
        for r in Rollup.objects.all()
    } == first
    assert (
        list(FillState.objects.order_by("stat").values_list("stat", "period_start", "state"))
        == states
    )
    # Filling the same range again by hand changes nothing either.
    periods = _periods(kind)
    rollups.fill_group(registry.GROUPS["g"], periods[0], periods[-1])
    assert Rollup.objects.count() == len(first)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label", "states", "first_filled"),
    [
        # Months: ROLLUP_START is January 2024; the last complete month on NOW is December 2025.
        ("nothing filled yet", {}, "2024-01"),
        (
            "every member done up to October",
            dict.fromkeys(PLAIN, ("2025-10", "done")),
            "2025-11",
        ),
        (
            "one member left STARTED in October is redone from there",
            {**dict.fromkeys(PLAIN, ("2025-11", "done")), "g.tonnes": ("2025-10", "started")},
            "2025-10",
        ),
        (
            "a member added later catches up from the start with the others",
            {"g.operations": ("2025-11", "done"), "g.tonnes": ("2025-11", "done")},
            "2024-01",
        ),
        ("every member up to date", dict.fromkeys(PLAIN, ("2025-12", "done")), None),
    ],
)
def test_run_group_starts_from_the_member_furthest_behind(
    registry, operations, label, states, first_filled, monkeypatch
):
    group = registry.GROUPS["g"]
    for name, (month, state) in states.items():
        FillState.objects.create(
            stat=name,
            period_kind="month",
            period_start=dt.date.fromisoformat(f"{month}-01"),
            state=state,
        )
    calls = []
    fill_group = rollups.fill_group
    monkeypatch.setattr(
        rollups,
        "fill_group",
        lambda g, a, b=None, **k: calls.append((a, b)) or fill_group(g, a, b, **k),
    )

    filled = rollups.run_group(group, "month", now=NOW)

    december = Period(PeriodKind.MONTH, dt.date(2025, 12, 1))
    if first_filled is None:
        assert calls == [], label
        assert filled == dict.fromkeys(PLAIN, 0), label
        return
    first = Period(PeriodKind.MONTH, dt.date.fromisoformat(f"{first_filled}-01"))
    assert calls == [(first, december)], label
    assert filled == dict.fromkeys(PLAIN, len(periods_between(first, december))), label
    assert sorted(
        FillState.objects.filter(period_kind="month").values_list("stat", "period_start", "state")
    ) == sorted((name, december.start, FillState.State.DONE) for name in PLAIN), label


@pytest.mark.django_db
def test_a_failed_group_fill_leaves_no_row_and_no_state_and_the_next_run_fills_it_all(
    registry, operations, monkeypatch
):
    # The rows and the DONE states are written by one statement: a failure inside it (here the
    # fill-state upsert, the last part) leaves neither, and the next run starts where it would have.
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    marks_sql, mark = rollups._marks_sql, rollups._mark
    monkeypatch.setattr(rollups, "_marks_sql", broken)
    monkeypatch.setattr(rollups, "_mark", lambda *a, **k: broken(None, None, None))
    with pytest.raises(RuntimeError):
        rollups.run_group(registry.GROUPS["g"], "month", now=NOW)
    assert not FillState.objects.exists()
    assert not Rollup.objects.exists()

    monkeypatch.setattr(rollups, "_marks_sql", marks_sql)
    monkeypatch.setattr(rollups, "_mark", mark)
    filled = rollups.run_group(registry.GROUPS["g"], "month", now=NOW)
    assert len(set(filled.values())) == 1
    assert next(iter(filled.values())) > 0
    assert Rollup.objects.exists()
    assert set(FillState.objects.values_list("state", flat=True)) == {FillState.State.DONE}


@pytest.mark.django_db
def test_backfill_fills_a_group_once_and_reports_rows_per_member(
    registry, community, other_community, operations, monkeypatch
):
    calls = []
    fill_group = rollups.fill_group
    monkeypatch.setattr(
        rollups,
        "fill_group",
        lambda g, a, b=None, **k: calls.append(g.name) or fill_group(g, a, b, **k),
    )
    april = Period(PeriodKind.MONTH, dt.date(2025, 4, 1))

    result = rollups.backfill(april)

    assert sorted(calls) == ["g", "gd"]
    # April 2025: one operation in each community; disorders piling + cars here, piling there.
    assert result == {**dict.fromkeys(PLAIN, 2), **dict.fromkeys(BY_DISORDER, 3)}
    assert not FillState.objects.exists()


@pytest.mark.django_db
def test_a_group_fill_is_one_statement_on_postgresql(registry, operations):
    months = _periods("month")
    with CaptureQueriesContext(connection) as queries:
        rollups.fill_group(registry.GROUPS["gd"], months[0], months[-1])
    writes = [q["sql"] for q in queries.captured_queries if "tongde_rollup" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1
        assert writes[0].lstrip().startswith("WITH")
    else:
        # SQLite has no data-modifying CTEs: the upsert and the removal, in one transaction.
        assert len(writes) == 2


def test_registering_a_group_registers_its_members(monkeypatch):
    monkeypatch.setattr(rollups, "STATS", {})
    monkeypatch.setattr(rollups, "GROUPS", {})
    group = rollups.register(_plain_group(kinds=(PeriodKind.MONTH,)))

    assert [s.name for s in rollups.stats_for("month")] == PLAIN
    assert rollups.stats_for("week") == []
    assert {rollups.STATS[name].group for name in PLAIN} == {"g"}
    assert rollups.register(group) is group  # the same group again is fine
    with pytest.raises(ValueError, match="registered twice"):
        rollups.register(_plain_group())
    with pytest.raises(ValueError, match="no values"):
        rollups.event_stats(
            "empty", "community", rows=_held_between, date_field="held_on", subject="x", values={}
        )
