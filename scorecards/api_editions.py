"""Open data of the quarterly bulletins and the annual assessments, beside the red/black lists.

Mounted at ``/api/v1/communities/<slug>/``:

- ``bulletins/<YYYY-Qn>.json`` (and ``latest.json``): the current edition of the quarter's
  bulletin as published: the commentary, the totals, the compounds and companies ranked, the
  community's quarter (clean-ups, meetings by kind, opinions, elections that closed);
- ``bulletins/<YYYY-Qn>.csv`` (and ``latest.csv``): its compounds table, one row per compound;
- ``assessments/<YYYY>.json`` and ``.csv``: the year's assessments, one row per agreement.

What is served is the snapshot stored on publishing (names as of that day), never a figure
computed now, so the data says what the published page says. Only published editions exist here
(a corrected one is replaced by its correction); anything else is a 404 with a JSON body. No
personal data: companies, compounds and committees are named, people never.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.views.decorators.http import require_GET

from compounds.models import Community

from . import bulletins
from .api import cors, csv_response, published_at
from .assessments import current_assessments
from .models import Assessment, Bulletin

BULLETIN_COLUMNS = (
    "rank",
    "compound",
    "company",
    "average",
    "change",
    *bulletins.BANDS,
    *bulletins.WORK,
    *(f"reports_{t}" for t in bulletins.REPORT_TIMELINESS),
)
COMPANY_COLUMNS = ("rank", "company", "compounds", "average", *bulletins.BANDS)
ASSESSMENT_COLUMNS = (
    "compound",
    "company",
    "grade",
    "suggested_grade",
    "average",
    "rank",
    *bulletins.BANDS,
    "vetoes",
    "fee_rate_target",
    "fee_rate_achieved",
    "complaint_days_target",
    "complaint_hours_achieved",
    "satisfaction_target",
    "satisfaction_achieved",
    "targets_missed",
    "edition",
    "published_at",
    "correction_of",
    "conclusion",
)


def _json(document: dict) -> HttpResponse:
    return cors(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))


class NotFound(Exception):
    pass


def _community(slug: str) -> Community:
    community = Community.objects.filter(slug=slug).only("pk", "slug").first()
    if community is None:
        raise NotFound(f"no community {slug}")
    return community


def _answer(build) -> HttpResponse:
    """``build()``'s response, or a JSON 404 for what it did not find."""
    try:
        return build()
    except NotFound as exc:
        return cors(JsonResponse({"error": str(exc)}, status=404))


# --- Bulletins -----------------------------------------------------------------------------------


def _bulletin(slug: str, label: str | None) -> Bulletin:
    community = _community(slug)
    if label is None:
        found = bulletins.current_bulletins(community).select_related("correction_of").first()
        if found is None:
            raise NotFound("no bulletin published yet")
        return found
    try:
        quarter = bulletins.quarter_of(label)
    except ValueError:
        raise NotFound(f"no quarter {label}") from None
    found = bulletins.quarter_bulletin(community, quarter)
    if found is None:
        raise NotFound(f"no bulletin published for {label}")
    return found


def _edition_label(bulletin: Bulletin | None) -> str:
    return f"{bulletin.label}#{bulletin.sequence}" if bulletin else ""


def bulletin_rows(figures: dict[str, Any]) -> list[dict]:
    """The compounds table of a stored bulletin, one flat row per compound (``BULLETIN_COLUMNS``)."""
    return [
        {
            "rank": c["rank"],
            "compound": c["name"],
            "company": c["company"],
            "average": c["average"],
            "change": c["change"],
            **{band: c["bands"].get(band, 0) for band in bulletins.BANDS},
            **{what: c[what] for what in bulletins.WORK},
            **{f"reports_{t}": c["reports"].get(t, 0) for t in bulletins.REPORT_TIMELINESS},
        }
        for c in figures.get("compounds", [])
    ]


def _company_rows(figures: dict[str, Any]) -> list[dict]:
    return [
        {
            "rank": c["rank"],
            "company": c["name"],
            "compounds": c["compounds"],
            "average": c["average"],
            **{band: c["bands"].get(band, 0) for band in bulletins.BANDS},
        }
        for c in figures.get("companies", [])
    ]


def _codes(items: list[dict], *keys: str) -> list[dict]:
    """Stored items with each ``{code, name, name_zh}`` label reduced to its code."""
    return [
        {k: (v.get("code") if k in keys and isinstance(v, dict) else v) for k, v in item.items()}
        for item in items
    ]


def _campaigns(figures: dict[str, Any]) -> dict[str, Any]:
    """The clean-ups with tonnes to two decimals, as the page shows them: editions published
    before the figure was rounded on publishing stored SQLite's sum (``39.7000000000000``)."""
    campaigns = dict(figures.get("campaigns", {}))
    if "tonnes" in campaigns:
        campaigns["tonnes"] = bulletins.tonnes(campaigns["tonnes"])
    return campaigns


@require_GET
def bulletin_json(request: HttpRequest, slug: str, quarter: str | None = None) -> HttpResponse:
    def build() -> HttpResponse:
        bulletin = _bulletin(slug, quarter)
        figures = bulletin.figures
        return _json(
            {
                "community": slug,
                "quarter": bulletin.label,
                "edition": bulletin.sequence,
                "published_at": published_at(bulletin),
                "correction_of": _edition_label(bulletin.correction_of),
                "correction_note": bulletin.correction_note,
                "summary": bulletin.summary,
                "months": figures.get("months", []),
                "totals": figures.get("totals", {}),
                "columns": list(BULLETIN_COLUMNS),
                "compounds": bulletin_rows(figures),
                "company_columns": list(COMPANY_COLUMNS),
                "companies": _company_rows(figures),
                "campaigns": _campaigns(figures),
                "meetings": [
                    {"kind": m.get("code"), "count": m.get("count", 0)}
                    for m in figures.get("meetings", [])
                ],
                "consultations": figures.get("consultations", {}),
                "elections": _codes(figures.get("elections", []), "kind", "stage"),
            }
        )

    return _answer(build)


@require_GET
def bulletin_csv(request: HttpRequest, slug: str, quarter: str | None = None) -> HttpResponse:
    def build() -> HttpResponse:
        bulletin = _bulletin(slug, quarter)
        name = f"bulletin-{slug}-{bulletin.label}.csv"
        return csv_response(name, BULLETIN_COLUMNS, bulletin_rows(bulletin.figures))

    return _answer(build)


# --- Assessments ---------------------------------------------------------------------------------


def _year_assessments(slug: str, year: str) -> list[Assessment]:
    community = _community(slug)
    found = list(
        current_assessments(community)
        .filter(agreement__year=int(year))
        .select_related("correction_of")
        .order_by("agreement__compound__name", "pk")
    )
    if not found:
        raise NotFound(f"no assessment published for {year}")
    return found


def assessment_row(assessment: Assessment) -> dict:
    """One published assessment as a flat row (``ASSESSMENT_COLUMNS``), from its snapshot."""
    record = assessment.figures
    targets = record.get("targets", {})
    fee, days, satisfaction = (
        targets.get("fee_rate", {}),
        targets.get("complaint_days", {}),
        targets.get("satisfaction", {}),
    )
    corrects = assessment.correction_of
    return {
        "compound": record.get("compound"),
        "company": record.get("company"),
        "grade": assessment.grade,
        "suggested_grade": assessment.suggested_grade,
        "average": record.get("average"),
        "rank": record.get("rank"),
        **{band: record.get("bands", {}).get(band, 0) for band in bulletins.BANDS},
        "vetoes": record.get("vetoes", 0),
        "fee_rate_target": fee.get("target"),
        "fee_rate_achieved": fee.get("achieved"),
        "complaint_days_target": days.get("target"),
        "complaint_hours_achieved": days.get("achieved_hours"),
        "satisfaction_target": satisfaction.get("target"),
        "satisfaction_achieved": satisfaction.get("achieved"),
        "targets_missed": record.get("targets_missed", 0),
        "edition": assessment.sequence,
        "published_at": published_at(assessment),
        "correction_of": f"{record.get('year')}#{corrects.sequence}" if corrects else "",
        "conclusion": assessment.conclusion,
    }


@require_GET
def assessments_json(request: HttpRequest, slug: str, year: str) -> HttpResponse:
    def build() -> HttpResponse:
        rows = [assessment_row(a) for a in _year_assessments(slug, year)]
        return _json(
            {
                "community": slug,
                "year": int(year),
                "columns": list(ASSESSMENT_COLUMNS),
                "rows": rows,
            }
        )

    return _answer(build)


@require_GET
def assessments_csv(request: HttpRequest, slug: str, year: str) -> HttpResponse:
    def build() -> HttpResponse:
        rows = [assessment_row(a) for a in _year_assessments(slug, year)]
        return csv_response(f"assessments-{slug}-{year}.csv", ASSESSMENT_COLUMNS, rows)

    return _answer(build)


app_name = "scorecards_editions_api"

QUARTER = r"(?P<quarter>[0-9]{4}-Q[1-4])"
YEAR = r"(?P<year>[0-9]{4})"

urlpatterns = [
    re_path(r"^bulletins/latest\.json$", bulletin_json, name="bulletin_latest_json"),
    re_path(r"^bulletins/latest\.csv$", bulletin_csv, name="bulletin_latest_csv"),
    re_path(rf"^bulletins/{QUARTER}\.json$", bulletin_json, name="bulletin_json"),
    re_path(rf"^bulletins/{QUARTER}\.csv$", bulletin_csv, name="bulletin_csv"),
    re_path(rf"^assessments/{YEAR}\.json$", assessments_json, name="assessments_json"),
    re_path(rf"^assessments/{YEAR}\.csv$", assessments_csv, name="assessments_csv"),
]
