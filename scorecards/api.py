"""Open data of the red/black lists, mounted at ``/api/v1/communities/<slug>/redblack/``.

``<YYYY-MM>.json``, ``<YYYY-MM>.csv``, ``latest.json`` and ``latest.csv``: the current
publication of the month (a corrected list is replaced by its correction), one row per compound
with the columns ``compound, company, score, band, veto, inspections, published_at,
correction_of``; an unranked compound has no score (JSON ``null``, an empty CSV cell), as on the
public pages. Only published lists exist here; an unknown community or an unpublished month
is a 404 with a JSON body. Every answer allows any origin (CORS ``*``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.views.decorators.http import require_GET

from compounds.models import Community
from tongde.periods import SHANGHAI

from .models import Edition, Publication, PublicationEntry
from .public import entries_of, latest_publication, month_publication

COLUMNS = (
    "compound",
    "company",
    "score",
    "band",
    "veto",
    "inspections",
    "published_at",
    "correction_of",
)


def edition_label(publication: Publication | None) -> str:
    """``2024-05#1``: the month and edition of a publication (the column ``correction_of``)."""
    if publication is None:
        return ""
    return f"{publication.month:%Y-%m}#{publication.sequence}"


def published_at(publication: Edition) -> str:
    """ISO 8601 in Beijing time to the second, e.g. ``2024-06-12T09:30:00+08:00`` (an edition
    published through the site has microseconds, which open data does not need)."""
    return publication.published_at.astimezone(SHANGHAI).isoformat(timespec="seconds")


def rows(publication: Publication, entries: list[PublicationEntry]) -> list[dict]:
    when = published_at(publication)
    corrects = edition_label(publication.correction_of)
    return [
        {
            "compound": entry.compound_name,
            "company": entry.company_name,
            "score": None if entry.public_score is None else str(entry.public_score),
            "band": entry.band,
            "veto": entry.veto,
            "inspections": entry.inspections,
            "published_at": when,
            "correction_of": corrects,
        }
        for entry in entries
    ]


def cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def csv_response(name: str, columns: Iterable[str], rows: Iterable[dict]) -> HttpResponse:
    """``rows`` as a CSV download: UTF-8 with a BOM, which makes Excel read the Chinese names
    as UTF-8; JSON booleans as ``true``/``false``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()}
        )
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return cors(response)


def _not_found(message: str) -> HttpResponse:
    return cors(JsonResponse({"error": message}, status=404))


def _publication(slug: str, month: str | None) -> Publication | HttpResponse:
    community = Community.objects.filter(slug=slug).only("pk").first()
    if community is None:
        return _not_found(f"no community {slug}")
    if month is None:
        publication = latest_publication(community)
        if publication is None:
            return _not_found("no list published yet")
        return publication
    try:
        day = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        return _not_found(f"no month {month}")
    publication = month_publication(community, day)
    if publication is None:
        return _not_found(f"no list published for {month}")
    return publication


@require_GET
def month_json(request: HttpRequest, slug: str, month: str | None = None) -> HttpResponse:
    found = _publication(slug, month)
    if isinstance(found, HttpResponse):
        return found
    publication = found
    document = {
        "community": slug,
        "month": f"{publication.month:%Y-%m}",
        "edition": publication.sequence,
        "published_at": published_at(publication),
        "correction_of": edition_label(publication.correction_of),
        "correction_note": publication.correction_note,
        "counts": {
            "red": publication.red_count,
            "black": publication.black_count,
            "none": publication.none_count,
            "unranked": publication.unranked_count,
        },
        "columns": list(COLUMNS),
        "rows": rows(publication, entries_of(publication)),
    }
    return cors(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))


@require_GET
def month_csv(request: HttpRequest, slug: str, month: str | None = None) -> HttpResponse:
    found = _publication(slug, month)
    if isinstance(found, HttpResponse):
        return found
    publication = found
    name = f"redblack-{slug}-{publication.month:%Y-%m}.csv"
    return csv_response(name, COLUMNS, rows(publication, entries_of(publication)))


MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    re_path(r"^latest\.json$", month_json, name="latest_json"),
    re_path(r"^latest\.csv$", month_csv, name="latest_csv"),
    re_path(rf"^{MONTH}\.json$", month_json, name="month_json"),
    re_path(rf"^{MONTH}\.csv$", month_csv, name="month_csv"),
]
