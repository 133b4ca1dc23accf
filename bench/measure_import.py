"""Registry import throughput against PostgreSQL ``COPY`` of the same rows, measured in one run.

    python -m bench.measure_import [--rows 20000] [--seed 1] [--json-out FILE]

One synthetic community of about ``--rows`` dwellings is rendered as a registry CSV
(``bench.city.registry_csv``). Then, each inside its own transaction that is rolled back at the
end (so the bench leaves no data behind and can run again), with deferred foreign-key checks forced
before the clock stops (``SET CONSTRAINTS ALL IMMEDIATE``), because a rollback would otherwise
skip them:

1. **import**: ``compounds.imports.parse_registry_file`` + ``registry_import`` into a fresh, empty
   community: what a staff upload costs;
2. **COPY**: ``COPY ... FROM STDIN (FORMAT csv)`` of the same bytes into a staging table of the ten
   typed columns: the floor of what PostgreSQL can ingest;
3. **COPY + SQL**: that COPY followed by set-based ``INSERT ... SELECT`` into the real compound,
   building, unit, owner, dwelling and household tables: the same job done by the database alone,
   the fairest yardstick for the import.

The ratio printed is import / COPY (the staging table), with import / (COPY + SQL) beside it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django

STAGING = "bench_registry_staging"
IMPORT_NUMBER = 99999  # slug city-99999: far from what generate_city is asked for


class BenchError(Exception):
    pass


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction that is always rolled back; exceptions other than ours propagate."""
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _force_deferred_checks() -> None:
    from django.db import connection

    # Django's PostgreSQL FKs are DEFERRABLE INITIALLY DEFERRED: checked at commit, which a
    # rollback never reaches. Firing them now keeps both measurements honest.
    connection.check_constraints()


def time_import(data: bytes, plan) -> dict[str, Any]:
    try:
        from compounds.imports import parse_registry_file, registry_import
    except ImportError as exc:
        return {"error": f"compounds.imports is not available yet ({exc})"}
    from bench.city import community_create_empty
    from compounds.selectors import registry_counts

    result: dict[str, Any] = {}
    with rolled_back():
        community = community_create_empty(number=IMPORT_NUMBER)
        began = time.perf_counter()
        parsed = parse_registry_file(data=data, filename="bench-registry.csv")
        parsed_at = time.perf_counter()
        if parsed.errors:
            raise BenchError(f"the generated file has errors: {list(parsed.errors)[:5]}")
        summary = registry_import(community=community, rows=parsed.rows)
        _force_deferred_checks()
        done = time.perf_counter()
        # Untimed: the import must have written what the plan holds.
        counts = registry_counts(compounds=community.compounds.all())
        result = {
            "rows": len(parsed.rows),
            "parse_seconds": parsed_at - began,
            "import_seconds": done - parsed_at,
            "seconds": done - began,
            "summary": _jsonable(summary),
            "counts": counts,
        }
    expected = _plan_counts(plan)
    got = {k: result["counts"][k] for k in expected}
    if got != expected:
        raise BenchError(f"import wrote {got}, the plan holds {expected}")
    return result


def time_copy(data: bytes, plan) -> dict[str, Any]:
    from django.db import connection, transaction

    from bench.city import community_create_empty
    from compounds.models import Compound
    from compounds.selectors import registry_counts

    result: dict[str, Any] = {}
    with rolled_back(), connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE TABLE {STAGING} (
                compound text NOT NULL, kind text NOT NULL, building text NOT NULL,
                unit text NOT NULL, dwelling text NOT NULL, area_m2 numeric(9, 2) NOT NULL,
                owner_ref text, owner_name text, developer_held boolean NOT NULL,
                residents smallint NOT NULL)"""
        )
        began = time.perf_counter()
        cursor.copy_expert(
            f"COPY {STAGING} FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(data)
        )
        copied = time.perf_counter()
        cursor.execute(f"SELECT count(*) FROM {STAGING}")
        rows = cursor.fetchone()[0]
        result = {"rows": rows, "seconds": copied - began}
        community = community_create_empty(number=IMPORT_NUMBER)
        began_sql = time.perf_counter()
        try:
            # A savepoint, so that a failure here leaves the COPY figure standing.
            with transaction.atomic(), connection.cursor() as sql_cursor:
                _insert_select(sql_cursor, community.pk)
                _force_deferred_checks()
        except Exception as exc:  # the schema moved on: report, keep the COPY figure
            result["sql_error"] = f"{exc.__class__.__name__}: {exc}"
        else:
            result["sql_seconds"] = time.perf_counter() - began_sql
            result["copy_sql_seconds"] = result["seconds"] + result["sql_seconds"]
            # Untimed: the SQL must have written what the file holds.
            counts = registry_counts(compounds=Compound.objects.filter(community=community))
            expected = _plan_counts(plan)
            if (got := {k: counts[k] for k in expected}) != expected:
                result.pop("copy_sql_seconds")
                result["sql_error"] = f"SQL wrote {got}, the plan holds {expected}"
    if result["rows"] != sum(1 for _ in plan.dwellings()):
        raise BenchError(f"COPY loaded {result['rows']} rows, the file has more")
    return result


def _sort_key(column: str) -> str:
    """SQL for ``compounds.models.natural_sort_key`` of ``column`` (ASCII digits)."""
    return (
        f"regexp_replace(regexp_replace({column}, '([0-9]+)', '0000000000\\1', 'g'),"
        " '0*([0-9]{10})', '\\1', 'g')"
    )


def _insert_select(cursor, community_id: int) -> None:
    """The registry import as set-based SQL: staging rows into the real tables."""
    from compounds.models import Building, Compound, Dwelling, Household, Owner, Unit

    t = {
        m.__name__: m._meta.db_table for m in (Compound, Building, Unit, Owner, Dwelling, Household)
    }
    params = {"c": community_id}
    cursor.execute(
        f"""INSERT INTO {t["Compound"]} (community_id, code, name, kind, address, access_control,
                parking_spaces, fire_lanes, cameras, registered_on, is_archived)
            SELECT %(c)s, 'b' || row_number() OVER (ORDER BY compound), compound, min(kind), '',
                'none', 0, 0, 0, DATE '2020-01-01', false
            FROM {STAGING} GROUP BY compound""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {t["Building"]} (compound_id, code, sort_key)
            SELECT DISTINCT c.id, s.building, {_sort_key("s.building")} FROM {STAGING} s
            JOIN {t["Compound"]} c ON c.community_id = %(c)s AND c.name = s.compound""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {t["Unit"]} (building_id, code, sort_key)
            SELECT DISTINCT b.id, s.unit, {_sort_key("s.unit")} FROM {STAGING} s
            JOIN {t["Compound"]} c ON c.community_id = %(c)s AND c.name = s.compound
            JOIN {t["Building"]} b ON b.compound_id = c.id AND b.code = s.building""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {t["Owner"]} (community_id, owner_ref, name, kind, phone)
            SELECT %(c)s, owner_ref, min(owner_name),
                CASE WHEN bool_or(developer_held) THEN 'organisation' ELSE 'person' END, ''
            FROM {STAGING} WHERE owner_ref <> '' GROUP BY owner_ref""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {t["Dwelling"]} (unit_id, code, sort_key, area_m2, owner_id,
                is_developer_held)
            SELECT u.id, s.dwelling, {_sort_key("s.dwelling")}, s.area_m2, o.id,
                s.developer_held
            FROM {STAGING} s
            JOIN {t["Compound"]} c ON c.community_id = %(c)s AND c.name = s.compound
            JOIN {t["Building"]} b ON b.compound_id = c.id AND b.code = s.building
            JOIN {t["Unit"]} u ON u.building_id = b.id AND u.code = s.unit
            LEFT JOIN {t["Owner"]} o ON o.community_id = %(c)s AND o.owner_ref = s.owner_ref""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {t["Household"]} (dwelling_id, residents, head_name, is_owner_occupied,
                moved_in_on)
            SELECT d.id, s.residents, '', NOT s.developer_held, DATE '2020-01-01'
            FROM {STAGING} s
            JOIN {t["Compound"]} c ON c.community_id = %(c)s AND c.name = s.compound
            JOIN {t["Building"]} b ON b.compound_id = c.id AND b.code = s.building
            JOIN {t["Unit"]} u ON u.building_id = b.id AND u.code = s.unit
            JOIN {t["Dwelling"]} d ON d.unit_id = u.id AND d.code = s.dwelling
            WHERE s.residents > 0""",
        params,
    )


def _plan_counts(plan) -> dict[str, int]:
    dwellings = [d for *_, d in plan.dwellings()]
    lived = [d for d in dwellings if d.residents]
    return {
        "buildings": sum(len(c.buildings) for c in plan.compounds),
        "units": sum(len(b.units) for c in plan.compounds for b in c.buildings),
        "dwellings": len(dwellings),
        "households": len(lived),
        "residents": sum(d.residents for d in lived),
    }


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        if hasattr(value, "__dict__"):
            return {k: _jsonable(v) for k, v in vars(value).items() if not k.startswith("_")}
        return repr(value)
    return value


def measure(*, rows: int, seed: int) -> dict[str, Any]:
    from django.db import connection

    from bench.city import plan_community, registry_csv, scale_for_rows

    if connection.vendor != "postgresql":
        raise BenchError("the COPY comparison needs PostgreSQL: set DATABASE_URL")
    plan = plan_community(IMPORT_NUMBER, seed=seed, scale=scale_for_rows(rows))
    data = registry_csv(plan)
    with connection.cursor() as cursor:
        cursor.execute("SHOW wal_level")
        wal_level = cursor.fetchone()[0]
    result: dict[str, Any] = {
        "rows": data.count(b"\n") - 1,
        "bytes": len(data),
        "wal_level": wal_level,
    }
    result["copy"] = time_copy(data, plan)
    result["import"] = time_import(data, plan)
    return result


def _rate(rows: int, seconds: float | None) -> float | None:
    return rows / seconds if seconds else None


def report_lines(result: dict[str, Any]) -> list[str]:
    rows = result["rows"]
    copy = result["copy"]
    imp = result["import"]
    lines = [f"registry file: {rows:,} rows, {result['bytes'] / 1e6:.1f} MB (UTF-8 CSV)"]
    copy_rate = _rate(rows, copy["seconds"])
    lines.append(
        f"COPY into a {STAGING} table of the 10 typed columns: {copy['seconds']:.3f} s,"
        f" {copy_rate:,.0f} rows/s (wal_level={result['wal_level']})"
    )
    if "copy_sql_seconds" in copy:
        lines.append(
            f"COPY + INSERT ... SELECT into the real registry tables: {copy['copy_sql_seconds']:.3f}"
            f" s, {_rate(rows, copy['copy_sql_seconds']):,.0f} rows/s"
        )
    else:
        lines.append(f"COPY + SQL into the real tables: not measured ({copy.get('sql_error')})")
    if "error" in imp:
        lines.append(f"registry import: not measured: {imp['error']}")
    else:
        lines.append(
            f"registry import (parse {imp['parse_seconds']:.2f} s + import"
            f" {imp['import_seconds']:.2f} s): {imp['seconds']:.2f} s,"
            f" {_rate(rows, imp['seconds']):,.0f} rows/s"
        )
    lines.append(
        "each timed inside a transaction rolled back afterwards, deferred FK checks forced first"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")
    django.setup()
    try:
        result = measure(rows=args.rows, seed=args.seed)
    except BenchError as exc:
        print(f"measure_import: {exc}", file=sys.stderr)
        result = {"error": str(exc)}
        status = 1
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
