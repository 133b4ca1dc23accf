"""The public red/black list page's requests/s against the hello-world view, under ``wrk``.

    python -m bench.measure_redblack --slug city-0001 [--port 8766] [--duration 10]
        [--json-out FILE] [--setup-only]

Setup (idempotent): if the community has no published list, publish one for last month from
its compounds (scorecards and a publication written directly, scores spread over the bands), so
the page has a real list to show. Then, like ``bench.measure_api``: gunicorn with the production
settings (DEBUG off, 2 sync workers, PostgreSQL, Redis cache) and ``BENCH_HELLO=1``; both URLs
must answer 200; one warm-up; ``wrk -t2 -c16`` on ``/_bench/hello`` and on
``/scorecards/public/<slug>/`` (anonymous, so served from the rendered page cached per community
and language). The goal is a ratio page/hello of at least 0.8.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.measure_api import (
    HELLO,
    HOST,
    ROOT,
    BenchError,
    _get,
    _port_free,
    _raise_on_signal,
    _stop,
    _wait_ready,
    server_env,
    wrk,
)


def ensure_publication(slug: str) -> dict[str, Any]:
    """Publish last month's list for ``slug`` unless the community already has one."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from compounds.models import Community, Compound, ServiceContract
    from scorecards import rules
    from scorecards.models import Publication, PublicationEntry, Scorecard
    from scorecards.public import latest_publication
    from scorecards.setup import rubric_for, settings_for

    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise BenchError(f"no community {slug}: run generate_city first")
    found = latest_publication(community)
    if found is not None:
        return {"month": f"{found.month:%Y-%m}", "entries": found.entries.count(), "created": False}
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rubric = rubric_for(community, month.year)
    bands = settings_for(community, month.year).bands
    contracts = {
        c.compound_id: c.company
        for c in ServiceContract.objects.current(month)
        .select_related("company")
        .filter(compound__community=community)
    }
    compounds = [
        c
        for c in Compound.objects.filter(community=community, is_archived=False).order_by("name")
        if c.pk in contracts
    ]
    if not compounds:
        raise BenchError(f"{slug} has no compound served by a company")
    publisher, _ = get_user_model().objects.get_or_create(username="bench-publisher")
    with transaction.atomic():
        cards = []
        for i, compound in enumerate(compounds):
            score = Decimal(55 + (i * 37) % 45) + Decimal(i % 100) / 100
            inspections = 1 if i % 11 == 0 else 2 + i % 3
            veto = i % 17 == 0
            result = rules.classify(
                score=score,
                inspections=inspections,
                has_veto=veto,
                has_overdue_rectification=False,
                bands=bands,
            )
            cards.append(
                Scorecard(
                    compound=compound,
                    company=contracts[compound.pk],
                    month=month,
                    rubric=rubric,
                    status=Scorecard.Status.PUBLISHED,
                    total=score,
                    inspections=inspections,
                    has_veto=veto,
                    band=result.band.value,
                    reasons=[r.value for r in result.reasons],
                )
            )
        Scorecard.objects.bulk_create(cards)
        ranked = rules.rank((c.pk, c.total) for c in cards if c.band != rules.Band.UNRANKED.value)
        rank_of = {r.key: r.rank for r in ranked}
        counts = {band.value: 0 for band in rules.Band}
        for card in cards:
            counts[card.band] += 1
        publication = Publication.objects.create(
            community=community,
            month=month,
            published_by=publisher,
            red_count=counts["red"],
            black_count=counts["black"],
            none_count=counts["none"],
            unranked_count=counts["unranked"],
        )
        PublicationEntry.objects.bulk_create(
            PublicationEntry(
                publication=publication,
                scorecard=card,
                compound=card.compound,
                company=card.company,
                compound_name=card.compound.name,
                company_name=card.company.name,
                score=card.total,
                band=card.band,
                rank=rank_of.get(card.pk),
                veto=card.has_veto,
                inspections=card.inspections,
                reasons={"reasons": card.reasons},
            )
            for card in cards
        )
    return {"month": f"{month:%Y-%m}", "entries": len(cards), "created": True}


def measure(
    *,
    slug: str,
    port: int,
    duration: int,
    workers: int,
    database_url: str,
    redis_url: str,
    static_root: str,
    pidfile: str | None,
) -> dict[str, Any]:
    if not _port_free(port):
        raise BenchError(f"{HOST}:{port} is in use: choose another --port")
    base = f"http://{HOST}:{port}"
    urls = {"hello": base + HELLO, "page": f"{base}/scorecards/public/{slug}/"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "tongde.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(database_url, redis_url, static_root),
        start_new_session=True,
    )
    if pidfile:
        Path(pidfile).write_text(str(server.pid))
    try:
        _wait_ready(urls["hello"], server)
        status, body = _get(urls["page"])
        if status != 200:
            raise BenchError(f"{urls['page']} answered {status}: {body[:200]!r}")
        for url in urls.values():
            wrk(url, duration=2)
        result: dict[str, Any] = {
            "slug": slug,
            "workers": workers,
            "duration": duration,
            "page_bytes": len(body),
        }
        for name, url in urls.items():
            result[name] = wrk(url, duration=duration)
            result[name]["url"] = url
            if result[name]["non_2xx"]:
                raise BenchError(f"{url}: {result[name]['non_2xx']} responses were not 2xx/3xx")
        return result
    finally:
        _stop(server)
        if pidfile:
            Path(pidfile).unlink(missing_ok=True)


def report_lines(result: dict[str, Any]) -> list[str]:
    page, hello = result["page"]["requests_per_second"], result["hello"]["requests_per_second"]
    return [
        f"{result['hello']['url']}: {hello:,.0f} req/s (p50 {result['hello']['latency_p50']})",
        f"{result['page']['url']}: {page:,.0f} req/s (p50 {result['page']['latency_p50']},"
        f" {result['page_bytes']:,} bytes)",
        f"ratio page/hello {page / hello:.3g} (goal >= 0.8)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="city-0001")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tongde_bench"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    )
    parser.add_argument("--static-root", default="/tmp/tongde-bench-static")  # noqa: S108
    parser.add_argument("--pidfile")
    parser.add_argument("--json-out")
    parser.add_argument("--setup-only", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_signal)
    os.environ["DATABASE_URL"] = args.database_url
    try:
        setup = ensure_publication(args.slug)
        print(f"  list of {args.slug}: {setup}")
        if args.setup_only:
            return 0
        result = measure(
            slug=args.slug,
            port=args.port,
            duration=args.duration,
            workers=args.workers,
            database_url=args.database_url,
            redis_url=args.redis_url,
            static_root=args.static_root,
            pidfile=args.pidfile,
        )
        result["setup"] = setup
    except BenchError as exc:
        print(f"measure_redblack: {exc}", file=sys.stderr)
        result, status = {"error": str(exc)}, 1
    else:
        for line in report_lines(result):
            print(f"  {line}")
        status = 0
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=2)
    return status


if __name__ == "__main__":
    sys.exit(main())
