"""The closing block of ``make bench``: every ratio from one run, with the date and commit.

python -m bench.report --import-json FILE --api-json FILE [--tally-json FILE]
    [--campaigns-json FILE] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load(path: str | None) -> dict[str, Any]:
    if not path or not Path(path).exists():
        return {"error": "not run"}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        return {"error": f"unreadable figures ({exc})"}


def git_label() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
        return done.stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    # Uncommitted changes to tracked files mean the figures are not those of the commit.
    return sha + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def database_size(url: str | None) -> str | None:
    if not url:
        return None
    try:
        import psycopg2

        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM compounds_community),"
                " (SELECT count(*) FROM compounds_dwelling),"
                " (SELECT count(*) FROM compounds_household),"
                " pg_size_pretty(pg_database_size(current_database()))"
            )
            communities, dwellings, households, size = cursor.fetchone()
        conn.close()
    except Exception as exc:  # the summary must print even if this extra line cannot
        return f"database: unknown ({exc.__class__.__name__})"
    return (
        f"database: {communities:,} communities, {dwellings:,} dwellings,"
        f" {households:,} households, {size}"
    )


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.3g}" if a and b else "n/a"


def import_line(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"registry import: not measured ({figures['error']})"]
    rows = figures["rows"]
    copy = figures["copy"]
    copy_rate = rows / copy["seconds"]
    imp = figures["import"]
    if "error" in imp:
        return [
            f"registry import: not measured ({imp['error']});"
            f" PostgreSQL COPY: {copy_rate:,.0f} rows/s"
        ]
    import_rate = rows / imp["seconds"]
    lines = [
        f"registry import: {import_rate:,.0f} rows/s; PostgreSQL COPY: {copy_rate:,.0f} rows/s;"
        f" ratio {_ratio(import_rate, copy_rate)}"
    ]
    detail = f"  ({rows:,} rows; COPY into a 10-column staging table"
    if "copy_sql_seconds" in copy:
        sql_rate = rows / copy["copy_sql_seconds"]
        detail += (
            f"; COPY + INSERT ... SELECT into the real tables: {sql_rate:,.0f} rows/s,"
            f" import/that {_ratio(import_rate, sql_rate)}"
        )
    lines.append(detail + ")")
    return lines


def api_line(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"community API: not measured ({figures['error']})"]
    api = figures["api"]["requests_per_second"]
    hello = figures["hello"]["requests_per_second"]
    return [
        f"community API: {api:,.0f} req/s; hello world: {hello:,.0f} req/s;"
        f" ratio {_ratio(api, hello)}",
        f"  (/api/v1/communities/{figures['slug']}/ vs /_bench/hello, same gunicorn,"
        f" wrk -t2 -c16 -d{figures['duration']}s)",
    ]


def tally_lines(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"tally: not measured ({figures['error']})"]
    tally, imp = figures["tally"], figures["ballot_import"]
    return [
        f"tally: app {tally['app_seconds']:.3f} s, SQL GROUP BY {tally['sql_seconds']:.3f} s,"
        f" ratio app/SQL = {_ratio(tally['app_seconds'], tally['sql_seconds'])} (goal <= 1.3)",
        f"  ({tally['ballots']:,} ballots, roll of {tally['roll']:,} dwellings, 7 candidates for"
        f" 5 seats; committees.voting.tally_compute vs 2 SQL statements, best of"
        f" {tally['repeats']}, same numbers)",
        f"ballot import: {imp['rows'] / imp['seconds']:,.0f} rows/s"
        f"  ({imp['rows']:,} CSV rows, check + save, rolled back)",
    ]


def campaigns_lines(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"campaign rollups: not measured ({figures['error']})"]
    c, a = figures["community_stats"], figures["all_stats"]
    lines = [
        f"campaign rollups: app {c['app_seconds']:.3f} s, SQL GROUP BY {c['sql_seconds']:.3f} s,"
        f" ratio app/SQL = {_ratio(c['app_seconds'], c['sql_seconds'])} (goal <= 1.3)",
        f"  (4 community stats x 12 months of {figures['year']} caught up by fill_group in"
        f" {c.get('statements', '?')} statement, over {figures['operations']:,} operations;"
        f" all 6 campaign stats vs 3 GROUP BY: {_ratio(a['app_seconds'], a['sql_seconds'])};"
        " same values)",
    ]
    if "run_seconds" in c:
        lines.append(
            f"  with the fill states (run_group, {c['run_statements']} statements):"
            f" {_ratio(c['run_seconds'], c['sql_seconds'])}; the same months again, nothing"
            f" changed: {_ratio(c['refill_seconds'], c['sql_seconds'])}"
        )
    return lines


def drafting_lines(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"monthly drafting: not measured ({figures['error']})"]
    return [
        f"monthly drafting: app {figures['app_seconds']:.3f} s, SQL GROUP BY"
        f" {figures['sql_seconds']:.3f} s, ratio app/SQL ="
        f" {_ratio(figures['app_seconds'], figures['sql_seconds'])} (goal <= 1.3)",
        f"  ({figures['compounds']:,} scorecards of {figures['month']} from"
        f" {figures['findings']:,} findings; same sums and inspection counts)",
    ] + (
        [
            f"  floor: the bare card rows alone take {figures['floor_seconds']:.3f} s, ratio"
            f" (SQL + floor)/SQL = "
            f"{_ratio(figures['sql_seconds'] + figures['floor_seconds'], figures['sql_seconds'])}"
        ]
        if "floor_seconds" in figures
        else []
    )


def redblack_lines(figures: dict[str, Any]) -> list[str]:
    if "error" in figures:
        return [f"public red/black list: not measured ({figures['error']})"]
    page = figures["page"]["requests_per_second"]
    hello = figures["hello"]["requests_per_second"]
    return [
        f"public red/black list: {page:,.0f} req/s; hello world: {hello:,.0f} req/s;"
        f" ratio {_ratio(page, hello)} (goal >= 0.8)",
        f"  (/scorecards/public/{figures['slug']}/, anonymous, cached rendering,"
        f" {figures['page_bytes']:,} bytes, vs /_bench/hello, same gunicorn,"
        f" wrk -t2 -c16 -d{figures['duration']}s)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-json")
    parser.add_argument("--api-json")
    parser.add_argument("--tally-json")
    parser.add_argument("--campaigns-json")
    parser.add_argument("--drafting-json")
    parser.add_argument("--redblack-json")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"== Tongde bench (one run, {when}, {git_label()}) ==")
    lines = import_line(_load(args.import_json)) + api_line(_load(args.api_json))
    # Columns added after the first bench: printed only when their step ran.
    if args.tally_json:
        lines += tally_lines(_load(args.tally_json))
    if args.campaigns_json:
        lines += campaigns_lines(_load(args.campaigns_json))
    if args.drafting_json:
        lines += drafting_lines(_load(args.drafting_json))
    if args.redblack_json:
        lines += redblack_lines(_load(args.redblack_json))
    for line in lines:
        print(line)
    if size := database_size(args.database_url):
        print(size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
