"""The monthly drafting of scorecards for a generated city against a raw SQL aggregate.

    python -m bench.measure_drafting [--communities 200] [--month 2025-09] [--setup-only]
                                     [--json-out FILE]

**Data** (written once, kept, skipped when present): the managed compounds of the generated
communities ``city-0001`` … (5 each, so 200 communities make a city of 1,000; written by
``bench.city_scorecards.drafting_city`` without dwellings when missing), and one month of
inspections and findings for them (``findings_generate``: about 10 findings and 2 inspections per
compound).

**Measured**, for the month:

- *app*: ``scorecards.scoring.draft_month`` for every community at once: one scorecard per
  compound with its 8 lines, a deduction per finding (evidence linked), veto events, counts,
  band; the deferred foreign-key checks are fired inside the timing;
- *SQL*: ``SELECT compound_id, code, sum(points) ... GROUP BY compound_id, code`` over the same
  findings and ``SELECT compound_id, count(*) ... GROUP BY compound_id`` over the inspections: the
  same sums read straight from the rows, the yardstick (goal <= 1.3×);
- *floor* (shown, not compared): one ``INSERT ... SELECT`` of the bare card rows alone (one per
  serving contract, constant scores, no lines, deductions or vetoes, foreign keys checked): what
  any drafting that stores a card per compound must write at the least, beside the yardstick;
- *refresh* (shown, not compared): ``draft_month`` again over the cards just drafted with nothing
  new, what staff's "draft now" before publishing does (it rewrites only what changed).

The drafting runs inside a transaction rolled back afterwards, so nothing stays behind; the sides
take turns, three times each, and the best of each is kept (load elsewhere falls on both). The drafted cards' deductions per compound and criterion
and their inspection counts must equal the SQL's (checked after the timing).
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

REPEATS = 3

FINDINGS_SQL = """
SELECT f.compound_id, c.code, sum(f.points)
FROM {finding} f JOIN {criterion} c ON c.id = f.criterion_id
WHERE NOT f.is_withdrawn AND f.found_on >= %(start)s AND f.found_on < %(end)s
  AND f.compound_id IN (SELECT id FROM {compound} WHERE community_id = ANY(%(communities)s))
GROUP BY f.compound_id, c.code
"""
INSPECTIONS_SQL = """
SELECT compound_id, count(*)
FROM {inspection}
WHERE NOT is_withdrawn AND inspected_on >= %(start)s AND inspected_on < %(end)s
  AND compound_id IN (SELECT id FROM {compound} WHERE community_id = ANY(%(communities)s))
GROUP BY compound_id
"""


class BenchError(Exception):
    pass


def setup(*, communities: int, month: dt.date, seed: int) -> dict[str, Any]:
    from django.db import connection

    from bench.city_scorecards import drafting_city, findings_generate
    from compounds.models import Compound
    from scorecards.models import Finding, Inspection

    began = time.perf_counter()
    chosen = drafting_city(communities=communities, seed=seed)
    written = findings_generate(communities=chosen, month=month, seed=seed)
    if written:
        with connection.cursor() as cursor:
            for model in (Finding, Inspection, Compound):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    managed = Compound.objects.filter(community__in=chosen, kind=Compound.Kind.MANAGED).count()
    return {
        "created": bool(written),
        "setup_seconds": time.perf_counter() - began,
        "communities": chosen,
        "compounds": managed,
    }


def _tables() -> dict[str, str]:
    from compounds.models import Compound
    from scorecards.models import Finding, Inspection, RubricCriterion

    return {
        "finding": Finding._meta.db_table,
        "criterion": RubricCriterion._meta.db_table,
        "inspection": Inspection._meta.db_table,
        "compound": Compound._meta.db_table,
    }


def app_run(month: dt.date, communities) -> tuple[float, dict]:
    from django.db.models import Sum

    from bench.measure_import import _force_deferred_checks, rolled_back
    from scorecards.models import Scorecard, ScoreDeduction
    from scorecards.scoring import draft_month

    rows: dict = {}
    with rolled_back():
        began = time.perf_counter()
        result = draft_month(month, communities)
        _force_deferred_checks()
        seconds = time.perf_counter() - began
        for compound_id, code, points in (
            ScoreDeduction.objects.filter(scorecard__month=month, source="finding")
            .order_by()
            .values_list("scorecard__compound_id", "criterion__code")
            .annotate(points=Sum("points"))
        ):
            rows["points", compound_id, code] = points
        for compound_id, n in Scorecard.objects.filter(month=month, inspections__gt=0).values_list(
            "compound_id", "inspections"
        ):
            rows["inspections", compound_id] = Decimal(n)
        rows["cards"] = Decimal(result.created)
    return seconds, rows


def sql_run(month: dt.date, communities) -> tuple[float, dict]:
    from django.db import connection

    from scorecards.models import next_month

    params = {
        "start": month,
        "end": next_month(month),
        "communities": [c.pk for c in communities],
    }
    tables = _tables()
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FINDINGS_SQL.format(**tables), params)
        findings = cursor.fetchall()
        cursor.execute(INSPECTIONS_SQL.format(**tables), params)
        inspections = cursor.fetchall()
    seconds = time.perf_counter() - began
    rows: dict = {("points", c, code): Decimal(p) for c, code, p in findings}
    rows.update({("inspections", c): Decimal(n) for c, n in inspections})
    return seconds, rows


# The bare cards: the latest contract per managed compound, constant computed fields.
FLOOR_SQL = """
INSERT INTO {scorecard} (compound_id, company_id, month, rubric_id, status, total, inspections,
  findings, has_veto, has_overdue_rectification, report_status, band, reasons, version,
  drafted_at, updated_at)
SELECT DISTINCT ON (k.compound_id) k.compound_id, k.company_id, %(start)s, r.id, 'draft', 100, 0,
  0, false, false, '', 'none', '[]', 1, now(), now()
FROM {contract} k
JOIN {compound} c ON c.id = k.compound_id
JOIN LATERAL (SELECT id FROM {rubric} WHERE community_id = c.community_id AND year = %(year)s
  ORDER BY version DESC LIMIT 1) r ON true
WHERE c.community_id = ANY(%(communities)s) AND c.kind = 'managed' AND k.starts_on < %(end)s
  AND (k.ends_on IS NULL OR k.ends_on >= %(start)s)
ORDER BY k.compound_id, k.starts_on DESC
"""


def floor_run(month: dt.date, communities) -> tuple[float, int]:
    from django.db import connection

    from bench.measure_import import _force_deferred_checks, rolled_back
    from compounds.models import Compound, ServiceContract
    from scorecards.models import Rubric, Scorecard, next_month

    tables = {
        "scorecard": Scorecard._meta.db_table,
        "contract": ServiceContract._meta.db_table,
        "compound": Compound._meta.db_table,
        "rubric": Rubric._meta.db_table,
    }
    params = {
        "start": month,
        "end": next_month(month),
        "year": month.year,
        "communities": [c.pk for c in communities],
    }
    with rolled_back(), connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute(FLOOR_SQL.format(**tables), params)
        _force_deferred_checks()
        return time.perf_counter() - began, cursor.rowcount


def refresh_run(month: dt.date, communities) -> tuple[float, None]:
    from bench.measure_import import _force_deferred_checks, rolled_back
    from scorecards.scoring import draft_month

    with rolled_back():
        draft_month(month, communities)
        _force_deferred_checks()
        began = time.perf_counter()
        draft_month(month, communities)
        _force_deferred_checks()
        return time.perf_counter() - began, None


def _turns(*fns) -> list[tuple[float, Any]]:
    """Each ``fn() -> (seconds, result)`` ``REPEATS`` times, taking turns: the best time of each
    with its last result."""
    runs: list[list[tuple[float, Any]]] = [[] for _ in fns]
    for _ in range(REPEATS):
        for i, fn in enumerate(fns):
            runs[i].append(fn())
    return [(min(seconds for seconds, _ in rs), rs[-1][1]) for rs in runs]


def measure(*, communities: int, month: dt.date, seed: int) -> dict[str, Any]:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise BenchError("the SQL comparison needs PostgreSQL: set DATABASE_URL")
    data = setup(communities=communities, month=month, seed=seed)
    chosen = data.pop("communities")
    (app_seconds, app_rows), (sql_seconds, sql_rows), (refresh_seconds, _), (floor, bare) = _turns(
        lambda: app_run(month, chosen),
        lambda: sql_run(month, chosen),
        lambda: refresh_run(month, chosen),
        lambda: floor_run(month, chosen),
    )
    cards = app_rows.pop("cards")
    if cards != data["compounds"]:
        raise BenchError(f"{cards} scorecards drafted for {data['compounds']} managed compounds")
    if bare != data["compounds"]:
        raise BenchError(f"the floor wrote {bare} cards for {data['compounds']} compounds")
    if app_rows != sql_rows:
        missing = sorted(set(sql_rows) - set(app_rows), key=str)[:3]
        extra = sorted(set(app_rows) - set(sql_rows), key=str)[:3]
        wrong = [(k, app_rows[k], sql_rows[k]) for k in app_rows.keys() & sql_rows.keys()]
        raise BenchError(
            f"the drafting and the SQL disagree (missing {missing}, extra {extra},"
            f" different {[w for w in wrong if w[1] != w[2]][:3]})"
        )
    from scorecards.models import Finding

    findings = Finding.objects.filter(
        compound__community__in=chosen, found_on__gte=month, found_on__lt=month.replace(day=28)
    ).count()
    return {
        "setup": data,
        "month": f"{month:%Y-%m}",
        "communities": communities,
        "compounds": data["compounds"],
        "findings": findings,
        "repeats": REPEATS,
        "app_seconds": app_seconds,
        "sql_seconds": sql_seconds,
        "refresh_seconds": refresh_seconds,
        "floor_seconds": floor,
        "floor_cards": bare,
        "values": len(app_rows),
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"data: {'written' if result['setup']['created'] else 'already there'}"
        f" ({result['setup']['setup_seconds']:.1f} s); {result['compounds']:,} managed compounds,"
        f" about {result['findings']:,} findings in {result['month']}",
        f"monthly drafting of {result['compounds']:,} scorecards: app {result['app_seconds']:.3f} s,"
        f" SQL GROUP BY {result['sql_seconds']:.3f} s (best of {result['repeats']}),"
        f" ratio {result['app_seconds'] / result['sql_seconds']:.3g} (goal <= 1.3);"
        f" {result['values']:,} equal values",
        f"refresh of the same month with nothing new: {result['refresh_seconds']:.3f} s",
        f"floor: the {result['floor_cards']:,} bare card rows alone (one INSERT ... SELECT,"
        f" foreign keys checked) {result['floor_seconds']:.3f} s, so no drafting that stores"
        f" its cards gets below"
        f" {(result['sql_seconds'] + result['floor_seconds']) / result['sql_seconds']:.3g}x",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--month", default="2025-09")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--setup-only", action="store_true", help="write the data and stop")
    parser.add_argument("--json-out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")
    django.setup()
    month = dt.date.fromisoformat(f"{args.month}-01")
    try:
        if args.setup_only:
            data = setup(communities=args.communities, month=month, seed=args.seed)
            print(
                f"  drafting data: {'written' if data['created'] else 'already there'}"
                f" ({data['setup_seconds']:.1f} s, {data['compounds']:,} managed compounds)"
            )
            return 0
        result = measure(communities=args.communities, month=month, seed=args.seed)
    except BenchError as exc:
        print(f"measure_drafting: {exc}", file=sys.stderr)
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
