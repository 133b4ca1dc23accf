"""The closing block of ``make bench``: both ratios from one run, with the date and commit.

python -m bench.report --import-json FILE --api-json FILE [--database-url URL]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-json")
    parser.add_argument("--api-json")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"== Tongde bench (one run, {when}, {git_label()}) ==")
    for line in import_line(_load(args.import_json)) + api_line(_load(args.api_json)):
        print(line)
    if size := database_size(args.database_url):
        print(size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
