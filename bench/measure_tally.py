"""The Art. 278 tally of 100,000 ballots against a raw SQL ``GROUP BY`` of the same ballots, and
the ballot import's rows/s, measured in one run.

    python -m bench.measure_tally [--dwellings 110000] [--ballots 100000] [--import-rows 20000]
                                  [--setup-only] [--profile] [--json-out FILE]

**Data** (written once, kept, skipped when present): community ``city-99990`` with two managed
compounds built by ``bench.city.plan_election_community``: one of ``--dwellings`` dwellings for
the tally and one of ``--import-rows`` × 1.2 for the import. Each has its owners' committee and a
committee election in the voting stage (7 qualified candidates, 5 seats) whose roll was frozen by
the application's own ``committees.voting.roll_freeze``. The tally election then gets
``--ballots`` ballots with ``Ballot.objects.bulk_create`` (random receipts, 0 to 5 names each;
most owners of several dwellings vote alike, some do not): the bench measures counting, not
casting.

**Tally.** (a) ``committees.voting.tally_compute``, what ``election_tally`` runs (the latter also
locks, stamps and logs, and refuses outside the tally stage): it loads the roll and the ballots
from PostgreSQL and counts them with ``committees.rules.tally_election``; (b) two SQL statements:
participation totals, and per candidate the approving area and headcount, with the rules' own
headcount (developer-held dwellings one head, one owner of several dwellings one head, a head
approving only when all its ballots approve). Each is run three times and the best is kept; the
two must give the same numbers (checked outside the timing).

**Ballot import.** A CSV of ``--import-rows`` rows (``building/unit/dwelling``, names, channel)
for the import election, through ``committees.ballot_import.ballot_import`` (check + save) inside
a transaction rolled back afterwards, deferred FK checks forced before the clock stops.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import os
import pstats
import random
import sys
import time
from decimal import Decimal
from typing import Any

import django

COMMUNITY_NUMBER = 99990
TALLY_TITLE = "bench: tally of many ballots"
IMPORT_TITLE = "bench: ballot import"
CANDIDATES = ("赵建国", "钱秀英", "孙志文", "李海燕", "周明", "吴桂英", "郑春雪")
SEATS = 5
REPEATS = 3


class BenchError(Exception):
    pass


# --- data ---------------------------------------------------------------------------------------


def _bench_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-reviewer", defaults={"is_active": False}
    )
    return user


def _election_open(committee, *, title: str, now: dt.datetime):
    """An election with qualified candidates, in the voting stage, its roll frozen."""
    from committees import voting
    from committees.models import Candidate, Election, Vetting
    from committees.rules import Matter

    election = Election.objects.create(
        committee=committee,
        kind=Election.Kind.ELECTION,
        matter=Matter.ELECT_COMMITTEE,
        title=title,
        seats=SEATS,
        stage=Election.Stage.VOTING,
        stage_started_at=now,
        voting_opens_at=now - dt.timedelta(days=1),
        voting_closes_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    user = _bench_user()
    for name in CANDIDATES:
        candidate = Candidate.objects.create(
            election=election, name=name, nominated_on=now.date() - dt.timedelta(days=40)
        )
        Vetting.objects.create(
            candidate=candidate,
            decision=Vetting.Decision.QUALIFIED,
            reviewer=user,
            decided_at=now,
        )
    voting.roll_freeze(election=election, user=None, now=now)
    return election


def _ballots_write(election, *, count: int, seed: int) -> int:
    """``count`` ballots on random dwellings of the roll, written with ``bulk_create``."""
    from committees.models import Ballot, RollEntry
    from committees.voting import CODE_ALPHABET

    rng = random.Random(f"tongde-ballots:{seed}:{count}")
    roll = list(
        RollEntry.objects.filter(election=election).values_list(
            "pk", "owner_id", "is_developer_held"
        )
    )
    if count > len(roll):
        raise BenchError(f"{count} ballots for a roll of {len(roll)} dwellings")
    chosen = rng.sample(roll, count)
    first_choice: dict[str, list[str]] = {}
    receipts: set[str] = set()
    now = election.voting_opens_at + dt.timedelta(hours=1)
    ballots = []
    for pk, owner_id, developer in chosen:
        key = "developer" if developer else f"owner:{owner_id}"
        if key in first_choice and rng.random() < 0.8:
            # Most owners of several dwellings vote alike; the others make the anomalies.
            choices = first_choice[key]
        else:
            k = rng.choices(range(SEATS + 1), weights=(3, 5, 10, 20, 30, 32))[0]
            choices = sorted(rng.sample(CANDIDATES, k), key=CANDIDATES.index)
            first_choice.setdefault(key, choices)
        while True:
            raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(12))
            receipt = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
            if receipt not in receipts:
                break
        receipts.add(receipt)
        ballots.append(
            Ballot(
                election=election,
                roll_entry_id=pk,
                choices=choices,
                channel=rng.choice(("door_to_door", "on_site", "online")),
                receipt_code=receipt,
                cast_at=now,
            )
        )
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    return len(ballots)


def setup(*, dwellings: int, ballots: int, import_rows: int, seed: int) -> dict[str, Any]:
    """The community, its two elections and the ballots; what exists is kept."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.city import community_slug, community_write, plan_election_community
    from committees.models import Ballot, Committee, Election
    from compounds.models import Community

    began = time.perf_counter()
    created = False
    slug = community_slug(COMMUNITY_NUMBER)
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        plan = plan_election_community(
            COMMUNITY_NUMBER, dwellings=[dwellings, import_rows * 6 // 5], seed=seed
        )
        community = community_write(plan=plan)
        created = True
    compounds = list(community.compounds.order_by("code"))
    elections = []
    for compound, title in zip(compounds, (TALLY_TITLE, IMPORT_TITLE), strict=True):
        election = Election.objects.filter(committee__compound=compound, title=title).first()
        if election is None:
            with transaction.atomic():
                committee, _ = Committee.objects.get_or_create(
                    compound=compound,
                    defaults={"kind": Committee.Kind.OWNERS, "name": f"{compound.name}业主委员会"},
                )
                election = _election_open(committee, title=title, now=timezone.now())
                if title == TALLY_TITLE:
                    _ballots_write(election, count=ballots, seed=seed)
            created = True
        elections.append(election)
    tally_election, import_election = elections
    have = Ballot.objects.filter(election=tally_election).count()
    if have != ballots:
        raise BenchError(
            f"the tally election (#{tally_election.pk}) holds {have:,} ballots, not {ballots:,}:"
            f" drop community {slug} (or the bench database) to regenerate"
        )
    if created:
        # Fresh bulk loads have no planner statistics yet.
        with connection.cursor() as cursor:
            for table in (
                "committees_rollentry",
                "committees_ballot",
                "compounds_dwelling",
                "compounds_owner",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {
        "tally_election": tally_election.pk,
        "import_election": import_election.pk,
        "created": created,
        "setup_seconds": time.perf_counter() - began,
    }


# --- the tally ----------------------------------------------------------------------------------

TOTALS_SQL = """
WITH r AS (
    SELECT id, area_m2,
        CASE WHEN is_developer_held THEN 'developer'
             WHEN owner_id IS NOT NULL THEN 'owner:' || owner_id
             ELSE 'dwelling:' || dwelling_id END AS hk
    FROM {roll} WHERE election_id = %(e)s
)
SELECT sum(r.area_m2), count(DISTINCT r.hk),
       sum(r.area_m2) FILTER (WHERE b.id IS NOT NULL),
       count(DISTINCT r.hk) FILTER (WHERE b.id IS NOT NULL)
FROM r LEFT JOIN {ballot} b ON b.roll_entry_id = r.id AND b.election_id = %(e)s
"""

# Per candidate: approving area, and approving heads, a head approving only when every ballot
# of that head approves (committees.rules: one owner's split ballots approve nothing).
CHOICES_SQL = """
WITH v AS (
    SELECT r.area_m2, b.choices,
        CASE WHEN r.is_developer_held THEN 'developer'
             WHEN r.owner_id IS NOT NULL THEN 'owner:' || r.owner_id
             ELSE 'dwelling:' || r.dwelling_id END AS hk
    FROM {ballot} b JOIN {roll} r ON r.id = b.roll_entry_id
    WHERE b.election_id = %(e)s
), heads AS (
    SELECT hk, count(*) AS ballots FROM v GROUP BY hk
), per_head AS (
    SELECT v.hk, c.name, sum(v.area_m2) AS area, count(*) AS ballots
    FROM v CROSS JOIN LATERAL jsonb_array_elements_text(v.choices) AS c(name)
    GROUP BY v.hk, c.name
)
SELECT p.name, sum(p.area), count(*) FILTER (WHERE p.ballots = h.ballots)
FROM per_head p JOIN heads h USING (hk)
GROUP BY p.name
"""


def tally_sql(election_id: int) -> dict[str, Any]:
    from django.db import connection

    from committees.models import Ballot, RollEntry

    tables = {"roll": RollEntry._meta.db_table, "ballot": Ballot._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL.format(**tables), {"e": election_id})
        area_total, heads_total, area, heads = cursor.fetchone()
        cursor.execute(CHOICES_SQL.format(**tables), {"e": election_id})
        choices = {name: (a, h) for name, a, h in cursor.fetchall()}
    return {
        "area_total_m2": area_total,
        "headcount_total": heads_total,
        "area_m2": area or Decimal(0),
        "headcount": heads,
        "choices": choices,
    }


def _app_numbers(result) -> dict[str, Any]:
    p = result.participation
    return {
        "area_total_m2": p.area_total_m2,
        "headcount_total": p.headcount_total,
        "area_m2": p.area_m2,
        "headcount": p.headcount,
        # A candidate nobody approved has no row in the SQL result.
        "choices": {
            r.name: (r.approve_area_m2, r.approve_headcount)
            for r in result.results
            if r.approve_headcount or r.approve_area_m2
        },
    }


def _best(fn, repeats: int = REPEATS) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return best, value


def time_tally(election_id: int, *, profile: bool = False) -> dict[str, Any]:
    from committees import voting
    from committees.models import Ballot, Election, RollEntry

    election = Election.objects.get(pk=election_id)
    app_seconds, result = _best(lambda: voting.tally_compute(election=election))
    sql_seconds, sql = _best(lambda: tally_sql(election_id))
    app = _app_numbers(result)
    if app != sql:  # untimed: the two must agree to the cent and the head
        raise BenchError(f"the tally and the SQL disagree:\n  app {app}\n  SQL {sql}")
    figures: dict[str, Any] = {
        "ballots": Ballot.objects.filter(election=election).count(),
        "roll": RollEntry.objects.filter(election=election).count(),
        "app_seconds": app_seconds,
        "sql_seconds": sql_seconds,
        "repeats": REPEATS,
        "quorum_met": result.quorum_met,
        "elected": list(result.elected),
        "anomalies": len(result.anomalies),
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        voting.tally_compute(election=election)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        figures["profile"] = out.getvalue()
    return figures


# --- the ballot import --------------------------------------------------------------------------


def ballot_csv(election_id: int, *, rows: int, seed: int) -> bytes:
    """A ballot file of ``rows`` dwellings of the roll, in the template's columns."""
    from committees.models import RollEntry

    rng = random.Random(f"tongde-ballot-file:{seed}:{rows}")
    paths = list(
        RollEntry.objects.filter(election_id=election_id)
        .order_by("pk")
        .values_list("dwelling__unit__building__code", "dwelling__unit__code", "dwelling__code")
    )
    if rows > len(paths):
        raise BenchError(f"{rows} ballot rows for a roll of {len(paths)} dwellings")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("dwelling", "choices", "channel", "proxy_for"))
    for building, unit, code in rng.sample(paths, rows):
        k = rng.randint(0, SEATS)
        writer.writerow(
            (
                f"{building}/{unit}/{code}",
                ";".join(rng.sample(CANDIDATES, k)),
                rng.choice(("door_to_door", "on_site", "入户", "现场")),
                "",
            )
        )
    return buffer.getvalue().encode("utf-8")


def time_ballot_import(election_id: int, *, rows: int, seed: int) -> dict[str, Any]:
    from bench.measure_import import _force_deferred_checks, rolled_back
    from committees.ballot_import import ballot_file_check, ballot_import
    from committees.models import Ballot, Election

    election = Election.objects.get(pk=election_id)
    data = ballot_csv(election_id, rows=rows, seed=seed)
    began = time.perf_counter()
    check = ballot_file_check(election=election, data=data, filename="bench-ballots.csv")
    check_seconds = time.perf_counter() - began
    if not check.is_valid:
        raise BenchError(f"the generated ballot file has errors: {check.errors[:5]}")
    figures: dict[str, Any] = {"rows": check.row_count, "bytes": len(data)}
    with rolled_back():
        began = time.perf_counter()
        saved = ballot_import(election=election, data=data, filename="bench-ballots.csv", user=None)
        _force_deferred_checks()
        figures["seconds"] = time.perf_counter() - began
        stored = Ballot.objects.filter(election=election).count()
    if saved != rows or stored != rows:
        raise BenchError(f"the import saved {saved} ballots ({stored} stored), the file has {rows}")
    figures["check_seconds"] = check_seconds
    return figures


# --- the run ------------------------------------------------------------------------------------


def measure(
    *, dwellings: int, ballots: int, import_rows: int, seed: int, profile: bool
) -> dict[str, Any]:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise BenchError("the SQL comparison needs PostgreSQL: set DATABASE_URL")
    data = setup(dwellings=dwellings, ballots=ballots, import_rows=import_rows, seed=seed)
    return {
        "setup": data,
        "tally": time_tally(data["tally_election"], profile=profile),
        "ballot_import": time_ballot_import(data["import_election"], rows=import_rows, seed=seed),
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    setup_, tally, imp = result["setup"], result["tally"], result["ballot_import"]
    ratio = tally["app_seconds"] / tally["sql_seconds"]
    return [
        f"data: {'written' if setup_['created'] else 'already there'}"
        f" ({setup_['setup_seconds']:.1f} s)",
        f"tally of {tally['ballots']:,} ballots on a roll of {tally['roll']:,}:"
        f" app {tally['app_seconds']:.3f} s, SQL GROUP BY {tally['sql_seconds']:.3f} s"
        f" (best of {tally['repeats']}), ratio {ratio:.3g} (goal <= 1.3); same numbers;"
        f" quorum {'met' if tally['quorum_met'] else 'not met'}, elected"
        f" {len(tally['elected'])}, {tally['anomalies']:,} split owners",
        f"ballot import: {imp['rows']:,} rows in {imp['seconds']:.2f} s,"
        f" {imp['rows'] / imp['seconds']:,.0f} rows/s (the check alone {imp['check_seconds']:.2f} s;"
        " rolled back)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dwellings", type=int, default=110000)
    parser.add_argument("--ballots", type=int, default=100000)
    parser.add_argument("--import-rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--setup-only", action="store_true", help="write the data and stop")
    parser.add_argument("--profile", action="store_true", help="cProfile the app's tally once")
    parser.add_argument("--json-out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")
    django.setup()
    try:
        if args.setup_only:
            data = setup(
                dwellings=args.dwellings,
                ballots=args.ballots,
                import_rows=args.import_rows,
                seed=args.seed,
            )
            print(
                f"  tally data: {'written' if data['created'] else 'already there'}"
                f" ({data['setup_seconds']:.1f} s)"
            )
            return 0
        result = measure(
            dwellings=args.dwellings,
            ballots=args.ballots,
            import_rows=args.import_rows,
            seed=args.seed,
            profile=args.profile,
        )
    except BenchError as exc:
        print(f"measure_tally: {exc}", file=sys.stderr)
        result, status = {"error": str(exc)}, 1
    else:
        for line in report_lines(result):
            print(f"  {line}")
        if profile := result["tally"].get("profile"):
            print(profile)
        status = 0
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=2, default=str)
    return status


if __name__ == "__main__":
    sys.exit(main())
