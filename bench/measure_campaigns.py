"""The clean-up rollups of a generated city against one raw SQL aggregate of the same rows.

    python -m bench.measure_campaigns [--communities 4] [--operations 50000] [--year 2025]
                                      [--setup-only] [--json-out FILE]

**Data** (written once, kept, skipped when present): ``--operations`` clean-up operations from
2020-01-01 to 2026-10-31 over the generated communities ``city-0001`` … (``generate_city`` must
have run), written by ``bench.city.campaigns_generate``: one to three compounds and disorders
each, person-times, truckloads and tonnes, one in fifty withdrawn.

**Measured**, for the twelve months of ``--year``:

- *rollups*: ``tongde.rollups.fill_group`` (what ``run_all`` runs to catch up a range of
  periods) for the group of the four community statistics of ``campaigns/rollups.py``
  (operations, person-times, truckloads, tonnes) over the twelve months: one statement on
  PostgreSQL (``GROUP BY``, unpivot, upsert and removal of stale rows);
- *SQL*: one ``SELECT community_id, date_trunc('month', held_on), count(*), sum(...)`` ``GROUP BY``
  over the year: the same sums read straight from the rows, the yardstick (goal <= 1.3x);
- beside it, for the same group: ``run_group`` (what the monthly job runs: it reads the fill
  states, DONE up to the December before, then fills and marks the states DONE in one
  statement), and the same fill again over rows already there with unchanged values;
- all six campaign statistics (per compound and per disorder too, through the M2M tables)
  against three such ``GROUP BY`` statements.

The rollups run inside a transaction rolled back afterwards, so nothing stays behind; each side
runs fifteen times, the sides taking turns, and the best of each is kept. The rollup rows must
equal the SQL sums (checked after the timing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from typing import Any

import django

FIRST_DAY = dt.date(2020, 1, 1)
LAST_DAY = dt.date(2026, 10, 31)
COMMUNITY_STATS = (
    "campaigns.operations",
    "campaigns.person_times",
    "campaigns.truckloads",
    "campaigns.tonnes",
)
OTHER_STATS = ("campaigns.compound_operations", "campaigns.disorder_operations")
# Each side takes 10-20 ms: at that scale one scheduler hiccup is a third of a run, so the best
# of many turns, not of three, is what separates the two sides' costs from the machine's noise.
REPEATS = 15

COMMUNITY_SQL = """
SELECT community_id, date_trunc('month', held_on)::date AS month,
       count(*), sum(person_times), sum(truckloads), sum(tonnes)
FROM {campaign}
WHERE NOT is_withdrawn AND held_on >= %(start)s AND held_on < %(end)s
GROUP BY community_id, month
"""
COMPOUND_SQL = """
SELECT cc.compound_id, date_trunc('month', c.held_on)::date AS month, count(*)
FROM {campaign_compounds} cc JOIN {campaign} c ON c.id = cc.campaign_id
WHERE NOT c.is_withdrawn AND c.held_on >= %(start)s AND c.held_on < %(end)s
GROUP BY cc.compound_id, month
"""
DISORDER_SQL = """
SELECT c.community_id, date_trunc('month', c.held_on)::date AS month, d.code, count(*)
FROM {campaign_disorders} cd JOIN {campaign} c ON c.id = cd.campaign_id
JOIN {disorder} d ON d.id = cd.disorder_id
WHERE NOT c.is_withdrawn AND c.held_on >= %(start)s AND c.held_on < %(end)s
GROUP BY c.community_id, month, d.code
"""


class BenchError(Exception):
    pass


def _communities(count: int):
    from bench.city import community_slug
    from compounds.models import Community

    slugs = [community_slug(n) for n in range(1, count + 1)]
    communities = list(Community.objects.filter(slug__in=slugs).order_by("slug"))
    if len(communities) != count:
        raise BenchError(
            f"{len(communities)} of the communities {slugs[0]}..{slugs[-1]} exist:"
            f" run generate_city --communities {count} first"
        )
    return communities


def setup(*, communities: int, operations: int, seed: int) -> dict[str, Any]:
    from django.db import connection

    from bench.city import CAMPAIGN_TOPIC, campaigns_generate
    from campaigns.models import Campaign

    began = time.perf_counter()
    chosen = _communities(communities)
    written = campaigns_generate(
        communities=chosen, count=operations, first_day=FIRST_DAY, last_day=LAST_DAY, seed=seed
    )
    have = Campaign.objects.filter(community__in=chosen, topic=CAMPAIGN_TOPIC).count()
    if have != operations:
        raise BenchError(
            f"the city holds {have:,} generated operations, not {operations:,}: delete them"
            " (topic 'bench') or use another database to regenerate"
        )
    if written:
        with connection.cursor() as cursor:
            for model in (Campaign, Campaign.compounds.through, Campaign.disorders.through):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    return {"created": bool(written), "setup_seconds": time.perf_counter() - began}


def _tables() -> dict[str, str]:
    from campaigns.models import Campaign, Disorder

    return {
        "campaign": Campaign._meta.db_table,
        "campaign_compounds": Campaign.compounds.through._meta.db_table,
        "campaign_disorders": Campaign.disorders.through._meta.db_table,
        "disorder": Disorder._meta.db_table,
    }


def _months(year: int):
    from tongde.periods import Period, PeriodKind

    return [Period(PeriodKind.MONTH, dt.date(year, m, 1)) for m in range(1, 13)]


class _Statements:
    """Counts the SQL statements the engine sends (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _plan(names: tuple[str, ...]):
    """The registered groups all of whose members are in ``names``, and the other statistics."""
    from tongde.rollups import GROUPS, STATS

    groups = [g for g in GROUPS.values() if set(g.names) <= set(names)]
    grouped = {name for g in groups for name in g.names}
    return groups, [STATS[name] for name in names if name not in grouped]


def _read_back(names: tuple[str, ...], months) -> dict:
    from tongde.models import Rollup

    return {
        (r.stat, r.subject_id, r.period_start, r.dimension): r.value
        for r in Rollup.objects.filter(
            stat__in=names,
            period_kind="month",
            period_start__gte=months[0].start,
            period_start__lt=months[-1].end,
        )
    }


def rollups_run(year: int, names: tuple[str, ...], *, refill: bool = False) -> tuple[float, dict]:
    """Fill ``names`` for each month of ``year`` (timed), read the rows back (untimed), roll
    back. With ``refill``, the months are filled once untimed first, and the timed fill finds
    every row already there with its value. Returns (seconds, {(stat, subject_id, month,
    dimension): value}, statements)."""
    from django.db import connection

    from bench.measure_import import rolled_back
    from tongde.rollups import fill_group, fill_period, fill_range

    groups, stats = _plan(names)
    months = _months(year)

    def fill() -> None:
        # What the engine runs when it catches up a range of periods (run_all): one
        # statement per group of statistics of the same rows (fill_group), one per other event
        # statistic, one per period otherwise.
        for group in groups:
            fill_group(group, months[0], months[-1])
        for stat in stats:
            if stat.range_query is not None:
                fill_range(stat, months[0], months[-1])
            else:
                for period in months:
                    fill_period(stat, period)

    counter = _Statements()
    with rolled_back():
        if refill:
            fill()
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            fill()
            seconds = time.perf_counter() - began
        rows = _read_back(names, months)
    return seconds, rows, counter.count


def catch_up_run(year: int) -> tuple[float, dict, int]:
    """``run_group`` for the community group with its fill states DONE up to December of the
    year before (written untimed): the twelve months plus the fill-state reads and writes."""
    from django.db import connection

    from bench.measure_import import rolled_back
    from tongde.models import FillState
    from tongde.periods import PeriodKind
    from tongde.rollups import GROUPS, run_group

    (group,) = [g for g in GROUPS.values() if set(g.names) == set(COMMUNITY_STATS)]
    months = _months(year)
    counter = _Statements()
    with rolled_back():
        FillState.objects.filter(stat__in=group.names, period_kind="month").delete()
        FillState.objects.bulk_create(
            FillState(
                stat=name,
                period_kind="month",
                period_start=months[0].previous().start,
                state=FillState.State.DONE,
            )
            for name in group.names
        )
        now = dt.datetime.combine(months[-1].end, dt.time(9), tzinfo=dt.UTC)
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            filled = run_group(group, PeriodKind.MONTH, now=now)
            seconds = time.perf_counter() - began
        if filled != dict.fromkeys(group.names, 12):
            raise BenchError(f"run_group filled {filled}, not 12 months each")
        rows = _read_back(COMMUNITY_STATS, months)
    return seconds, rows, counter.count


def sql_run(year: int, *, everything: bool) -> tuple[float, dict, int]:
    from django.db import connection

    params = {"start": dt.date(year, 1, 1), "end": dt.date(year + 1, 1, 1)}
    tables = _tables()
    rows: dict = {}
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(COMMUNITY_SQL.format(**tables), params)
        community = cursor.fetchall()
        if everything:
            cursor.execute(COMPOUND_SQL.format(**tables), params)
            compound = cursor.fetchall()
            cursor.execute(DISORDER_SQL.format(**tables), params)
            disorder = cursor.fetchall()
    seconds = time.perf_counter() - began
    for community_id, month, ops, persons, trucks, tonnes in community:
        for stat, value in zip(COMMUNITY_STATS, (ops, persons, trucks, tonnes), strict=True):
            rows[stat, community_id, month, ""] = Decimal(value)
    if everything:
        for compound_id, month, ops in compound:
            rows["campaigns.compound_operations", compound_id, month, ""] = Decimal(ops)
        for community_id, month, code, ops in disorder:
            rows["campaigns.disorder_operations", community_id, month, code] = Decimal(ops)
    return seconds, rows, 3 if everything else 1


def _best(*fns) -> list[tuple[float, dict, int]]:
    """Each of ``fns`` ``REPEATS`` times, taking turns (so that a burst of load elsewhere on
    the machine does not fall on one side only); the best time of each, with its last rows
    and statement count."""
    runs: list[list] = [[] for _ in fns]
    for _ in range(REPEATS):
        for done, fn in zip(runs, fns, strict=True):
            done.append(fn())
    return [(min(run[0] for run in done), done[-1][1], done[-1][-1]) for done in runs]


def _compare(app: dict, sql: dict, what: str) -> None:
    if app != sql:
        missing = sorted(set(sql) - set(app), key=str)[:3]
        extra = sorted(set(app) - set(sql), key=str)[:3]
        wrong = [(k, app[k], sql[k]) for k in app.keys() & sql.keys() if app[k] != sql[k]][:3]
        raise BenchError(
            f"{what}: the rollups and the SQL disagree (missing {missing}, extra {extra},"
            f" different {wrong})"
        )


def measure(*, communities: int, operations: int, year: int, seed: int) -> dict[str, Any]:
    from django.db import connection

    from campaigns.models import Campaign
    from tongde.rollups import STATS

    if connection.vendor != "postgresql":
        raise BenchError("the SQL comparison needs PostgreSQL: set DATABASE_URL")
    try:
        import campaigns.rollups  # noqa: F401 -- registers the statistics
    except ImportError as exc:
        raise BenchError(f"campaigns.rollups is not available yet ({exc})") from exc
    missing = [n for n in COMMUNITY_STATS + OTHER_STATS if n not in STATS]
    if missing:
        raise BenchError(f"statistics not registered: {', '.join(missing)}")
    data = setup(communities=communities, operations=operations, seed=seed)
    (
        (app_seconds, app_rows, app_statements),
        (sql_seconds, sql_rows, _),
        (run_seconds, run_rows, run_statements),
        (refill_seconds, refill_rows, _),
    ) = _best(
        lambda: rollups_run(year, COMMUNITY_STATS),
        lambda: sql_run(year, everything=False),
        lambda: catch_up_run(year),
        lambda: rollups_run(year, COMMUNITY_STATS, refill=True),
    )
    _compare(app_rows, sql_rows, "community statistics")
    _compare(run_rows, sql_rows, "community statistics, run_group")
    _compare(refill_rows, sql_rows, "community statistics, refilled")
    (all_seconds, all_rows, all_statements), (sql_all_seconds, sql_all_rows, _) = _best(
        lambda: rollups_run(year, COMMUNITY_STATS + OTHER_STATS),
        lambda: sql_run(year, everything=True),
    )
    _compare(all_rows, sql_all_rows, "all campaign statistics")
    in_year = Campaign.objects.filter(
        held_on__year=year, community__in=_communities(communities)
    ).count()
    return {
        "setup": data,
        "operations": operations,
        "year": year,
        "operations_in_year": in_year,
        "communities": communities,
        "repeats": REPEATS,
        "community_stats": {
            "app_seconds": app_seconds,
            "sql_seconds": sql_seconds,
            "rows": len(app_rows),
            "statements": app_statements,
            # run_group: the same fill with the fill-state reads and writes around it.
            "run_seconds": run_seconds,
            "run_statements": run_statements,
            # The same months filled again, every row already there with its value.
            "refill_seconds": refill_seconds,
        },
        "all_stats": {
            "app_seconds": all_seconds,
            "sql_seconds": sql_all_seconds,
            "rows": len(all_rows),
            "statements": all_statements,
        },
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    c, a = result["community_stats"], result["all_stats"]
    sql = c["sql_seconds"]
    return [
        f"data: {'written' if result['setup']['created'] else 'already there'}"
        f" ({result['setup']['setup_seconds']:.1f} s); {result['operations_in_year']:,} of"
        f" {result['operations']:,} operations of {result['communities']} communities in"
        f" {result['year']}",
        f"campaign rollups, 4 community stats x 12 months of {result['year']}"
        f" ({c['statements']} statement): app {c['app_seconds'] * 1000:.1f} ms,"
        f" SQL GROUP BY {sql * 1000:.1f} ms (best of {result['repeats']}),"
        f" ratio {c['app_seconds'] / sql:.3g} (goal <= 1.3); {c['rows']:,} equal values",
        f"  with the fill states (run_group, {c['run_statements']} statements):"
        f" {c['run_seconds'] * 1000:.1f} ms, ratio {c['run_seconds'] / sql:.3g};"
        f" the same months filled again, nothing changed: {c['refill_seconds'] * 1000:.1f} ms,"
        f" ratio {c['refill_seconds'] / sql:.3g}",
        f"all 6 campaign stats ({a['statements']} statements): app"
        f" {a['app_seconds'] * 1000:.1f} ms, 3 SQL GROUP BY {a['sql_seconds'] * 1000:.1f} ms,"
        f" ratio {a['app_seconds'] / a['sql_seconds']:.3g}; {a['rows']:,} equal values",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument("--operations", type=int, default=50000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--setup-only", action="store_true", help="write the data and stop")
    parser.add_argument("--json-out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")
    django.setup()
    try:
        if args.setup_only:
            data = setup(communities=args.communities, operations=args.operations, seed=args.seed)
            print(
                f"  operations: {'written' if data['created'] else 'already there'}"
                f" ({data['setup_seconds']:.1f} s)"
            )
            return 0
        result = measure(
            communities=args.communities,
            operations=args.operations,
            year=args.year,
            seed=args.seed,
        )
    except BenchError as exc:
        print(f"measure_campaigns: {exc}", file=sys.stderr)
        result, status = {"error": str(exc)}, 1
    else:
        for line in report_lines(result):
            print(f"  {line}")
        status = 0
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=2, default=str)
    return status


if __name__ == "__main__":
    sys.exit(main())
