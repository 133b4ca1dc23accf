"""The rollup engine, after zulip's ``analytics/lib/counts.py``.

A statistic names a queryset that, for one period, yields ``subject_id``, ``value`` (and
optionally ``dimension``) rows aggregated in SQL. Filling a period is one
``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` on the unique key, so a re-run updates rows in
place, followed by the removal of rows the new run no longer produced. A run first redoes a period
left STARTED, then fills every missing period up to the last complete one, so runs are idempotent
and catch up by themselves. Apps register statistics in their own ``rollups.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateField, F, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek, TruncYear
from django.utils import timezone

from .models import FillState, Rollup
from .periods import Period, PeriodKind, last_complete, period_containing, periods_between

logger = logging.getLogger(__name__)

ALL_KINDS = tuple(PeriodKind)


@dataclass(frozen=True)
class Stat:
    name: str
    subject_kind: str
    query: Callable[[Period], QuerySet]
    kinds: tuple[PeriodKind, ...] = ALL_KINDS
    has_dimension: bool = False
    # For statistics of dated events: the same figure for every period of a range at once, with
    # a ``period_start`` column, so that catching up many periods is one statement, not one per
    # period (see ``event_stat``).
    range_query: Callable[[PeriodKind, dt.date, dt.date], QuerySet] | None = None


_TRUNC = {
    PeriodKind.WEEK: TruncWeek,  # Monday, as ISO weeks
    PeriodKind.MONTH: TruncMonth,
    PeriodKind.QUARTER: TruncQuarter,
    PeriodKind.YEAR: TruncYear,
}


def event_stat(
    name: str,
    subject_kind: str,
    *,
    rows: Callable[[dt.date, dt.date], QuerySet],
    date_field: str,
    subject: str,
    value: Any,
    dimension: str | None = None,
    kinds: tuple[PeriodKind, ...] = ALL_KINDS,
) -> Stat:
    """A statistic that sums or counts ``rows(start, end)`` (events dated in ``date_field``,
    a local date) per ``subject`` and period, for one period or a whole range of them."""
    group: dict[str, Any] = {"subject_id": F(subject)}
    if dimension:
        group["dimension"] = F(dimension)

    def query(period: Period) -> QuerySet:
        return rows(period.start, period.end).order_by().values(**group).annotate(value=value)

    def range_query(kind: PeriodKind, start: dt.date, end: dt.date) -> QuerySet:
        period_start = _TRUNC[kind](date_field, output_field=DateField())
        return (
            rows(start, end)
            .order_by()
            .values(period_start=period_start, **group)
            .annotate(value=value)
        )

    return Stat(name, subject_kind, query, kinds, bool(dimension), range_query)


STATS: dict[str, Stat] = {}


def register(stat: Stat) -> Stat:
    if stat.name in STATS and STATS[stat.name] != stat:
        raise ValueError(f"statistic {stat.name} registered twice")
    STATS[stat.name] = stat
    return stat


def stats_for(kind: PeriodKind | str) -> list[Stat]:
    kind = PeriodKind(kind)
    return [s for s in STATS.values() if kind in s.kinds]


def _upsert(
    stat: Stat,
    kind: PeriodKind,
    sql: str,
    params: tuple,
    period_start_sql: str,
    head: list,
    first: dt.date,
    last: dt.date,
) -> None:
    computed_at = timezone.now()
    dimension = "COALESCE(q.dimension, '')" if stat.has_dimension else "''"
    table = connection.ops.quote_name(Rollup._meta.db_table)
    # "WHERE true" lets SQLite tell the SELECT from the upsert clause (its documented quirk).
    insert = f"""
        INSERT INTO {table}
            (stat, period_kind, period_start, subject_kind, subject_id, dimension, value,
             computed_at)
        SELECT %s, %s, {period_start_sql}, %s, q.subject_id, {dimension}, q.value, %s
        FROM ({sql}) q
        WHERE true
        ON CONFLICT (stat, period_kind, period_start, subject_kind, subject_id, dimension)
        DO UPDATE SET value = excluded.value, computed_at = excluded.computed_at
    """  # noqa: S608 -- identifiers come from code, values are parameters
    # Raw SQL bypasses field adaptation: adapt the values as the ORM would, so that the
    # stale-row filter below compares like with like on every backend.
    ops = connection.ops
    values = [
        stat.name,
        str(kind),
        *head,
        stat.subject_kind,
        ops.adapt_datetimefield_value(computed_at),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(insert, [*values, *params])
        Rollup.objects.filter(
            stat=stat.name, period_kind=kind, period_start__gte=first, period_start__lte=last
        ).exclude(computed_at=computed_at).delete()


def fill_period(stat: Stat, period: Period) -> int:
    """Compute one statistic for one period in SQL; returns the number of rows it holds."""
    sql, params = stat.query(period).query.sql_with_params()
    head = [connection.ops.adapt_datefield_value(period.start)]
    _upsert(stat, period.kind, sql, params, "%s", head, period.start, period.start)
    return Rollup.objects.filter(
        stat=stat.name, period_kind=period.kind, period_start=period.start
    ).count()


def fill_range(stat: Stat, first: Period, last: Period) -> None:
    """Compute every period from ``first`` to ``last`` in one statement (event statistics)."""
    if stat.range_query is None:
        raise ValueError(f"{stat.name} has no range query")
    sql, params = stat.range_query(first.kind, first.start, last.end).query.sql_with_params()
    _upsert(stat, first.kind, sql, params, "q.period_start", [], first.start, last.start)


def _first_period(stat: Stat, kind: PeriodKind) -> Period:
    return period_containing(kind, settings.ROLLUP_START)


def run_stat(stat: Stat, kind: PeriodKind | str, *, now: dt.datetime | None = None) -> int:
    """Redo a STARTED period, then fill each missing period up to the last complete one.

    Returns how many periods were filled.
    """
    kind = PeriodKind(kind)
    until = last_complete(kind, now or timezone.now())
    state = FillState.objects.filter(stat=stat.name, period_kind=kind).first()
    if state is None:
        first = _first_period(stat, kind)
    elif state.state == FillState.State.STARTED:
        first = Period(kind, state.period_start)
    else:
        first = Period(kind, state.period_start).next()
    periods = periods_between(first, until) if first <= until else []
    if len(periods) > 1 and stat.range_query is not None:
        # STARTED at the first period of the range: the range is one transaction, so after a
        # failure the next run starts again from there.
        _mark(stat, kind, periods[0], FillState.State.STARTED)
        fill_range(stat, periods[0], periods[-1])
        _mark(stat, kind, periods[-1], FillState.State.DONE)
        return len(periods)
    for period in periods:
        _mark(stat, kind, period, FillState.State.STARTED)
        fill_period(stat, period)
        _mark(stat, kind, period, FillState.State.DONE)
    return len(periods)


def _mark(stat: Stat, kind: PeriodKind, period: Period, state: str) -> None:
    FillState.objects.update_or_create(
        stat=stat.name,
        period_kind=kind,
        defaults={"period_start": period.start, "state": state},
    )


def run_all(kind: PeriodKind | str, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Bring every statistic of ``kind`` up to date; returns periods filled per statistic."""
    result = {stat.name: run_stat(stat, kind, now=now) for stat in stats_for(kind)}
    logger.info("rollups %s: %s", kind, result)
    return result


def backfill(period: Period) -> dict[str, int]:
    """Recompute one period for every statistic of its kind (fill states are left alone)."""
    return {stat.name: fill_period(stat, period) for stat in stats_for(period.kind)}


def rollup_values(
    stat: str, kind: PeriodKind | str, *, subject_kind: str, subject_id: int
) -> list[Rollup]:
    return list(
        Rollup.objects.filter(
            stat=stat, period_kind=kind, subject_kind=subject_kind, subject_id=subject_id
        ).order_by("period_start", "dimension")
    )
