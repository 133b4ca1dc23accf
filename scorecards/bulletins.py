"""季通报: the quarterly bulletin of a community.

The domain's rhythm is weekly feedback, monthly lists, a quarterly bulletin and a yearly
assessment. Once the three red/black lists of a quarter are published, staff publish the bulletin:

- every compound ranked on its quarter: the average of its ranked months (as the
  ``scorecards.compound_average`` rollup, rounded half up to 0.01), its rank in the community
  (``scorecards.compound_rank``: equal averages share a rank), the change since the quarter
  before, how many months it was red, black, neither or not ranked, and the quarter's
  inspections, findings, rectifications closed and overdue, and monthly reports on time, late or
  never submitted;
- every company serving the community: its compounds, the average of their ranked months, and
  its months on each list;
- the community's quarter: clean-up operations (person-times, truckloads, tonnes), meetings by
  kind, residents' opinions received and answered, and the elections and votes whose voting
  closed in the quarter or was still open at its end (said so, with the day and time it closes).

Each figure is computed live, in SQL, by the same query that fills its rollup (looked up by name
in ``tongde.rollups.STATS``), restricted to the community: a bulletin agrees with the rollups and
does not depend on when they last ran. Publishing stores the figures as a snapshot, with the
names and labels of the day in both languages; a corrected edition recomputes them and says what
changed and why. Nothing is edited or deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from committees.models import Election
from compounds.models import Community
from tongde.periods import Period, PeriodKind, parse_period, period_containing
from tongde.rollups import STATS
from tongde.text import month_name

from . import rules
from .models import Bulletin, Publication, next_month
from .rollups import published_entries, ranked_entries, report_timeliness
from .scoring import NOT_LATEST, NOTE_REQUIRED
from .signals import announce_on_commit

QUARTER_NOT_ENDED = _("%(quarter)s has not ended yet.")
LISTS_MISSING = _("Publish the red/black lists of %(months)s first.")
ALREADY_PUBLISHED = _(
    "The bulletin of %(quarter)s is already published: issue a corrected edition instead."
)
SUMMARY_REQUIRED = _("Write the commentary of the bulletin.")

CENT = Decimal("0.01")
BANDS = tuple(band.value for band in rules.Band)
REPORT_TIMELINESS = ("on_time", "late", "not_submitted")
WORK = ("inspections", "findings", "closures", "overdue")
CAMPAIGN_FIGURES = ("operations", "person_times", "truckloads", "tonnes")


def quarter_of(label: str) -> Period:
    """``2026-Q3`` as a period; ValueError for anything else."""
    return parse_period(PeriodKind.QUARTER, label)


def period_months(period: Period) -> list[dt.date]:
    """The first days of the months of a quarter or a year."""
    months, month = [], period.start
    while month < period.end:
        months.append(month)
        month = next_month(month)
    return months


def months_listed(community_ids: list[int], period: Period | None = None) -> dict[int, set]:
    """The months (of ``period``, else all) with a published red/black list, per community: one
    query."""
    publications = Publication.objects.filter(community_id__in=community_ids)
    if period is not None:
        publications = publications.filter(month__gte=period.start, month__lt=period.end)
    listed: dict[int, set] = defaultdict(set)
    for community_id, month in publications.order_by().values_list("community_id", "month"):
        listed[community_id].add(month)
    return listed


def missing_months(community: Community | int, period: Period) -> list[dt.date]:
    """Months of ``period`` (a quarter, a year) without a published red/black list."""
    community_id = getattr(community, "pk", community)
    listed = months_listed([community_id], period)[community_id]
    return [month for month in period_months(period) if month not in listed]


def fully_listed(communities: list[Community], period: Period) -> set[int]:
    """Those of ``communities`` with a published list for every month of ``period``."""
    wanted = len(period_months(period))
    listed = months_listed([c.pk for c in communities], period)
    return {pk for pk, months in listed.items() if len(months) == wanted}


# --- Figures -------------------------------------------------------------------------------------


def cents(value: Any) -> str | None:
    """Points as stored in a snapshot: text, rounded half up to 0.01."""
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def tonnes(value: Any) -> str:
    """Tonnes as stored in a snapshot and served: text, rounded half up to 0.01 ("39.70"), as the
    clean-up totals and open data give them. ``value`` is what the database summed: an exact
    Decimal on PostgreSQL, a float or a Decimal with float noise on SQLite (39.7000000000000), or
    nothing (no operation: 0.00); a float is read as it prints, so 2.675 stays 2.68."""
    if isinstance(value, float):
        value = repr(value)
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def month_display(month: dt.date | str) -> str:
    """A month as readers say it in the active language ("2026年10月", "October 2026"); the
    snapshot and addresses keep ``2026-10``."""
    if isinstance(month, str):
        month = dt.date.fromisoformat(f"{month}-01")
    return month_name(month)


def months_display(months: list[dt.date] | list[str]) -> str:
    """Months as prose lists them: "2026年7月、2026年8月", "July 2026, August 2026"."""
    return pgettext("list separator", ", ").join(month_display(m) for m in months)


def stat_query(name: str, period: Period) -> QuerySet:
    """The query that fills the rollup ``name``, for ``period``."""
    return STATS[name].query(period)


def stat_by_subject(name: str, period: Period, subjects: list[int]) -> dict[int, Any]:
    """The rollup ``name`` of ``period`` for ``subjects``, computed now: subject -> value."""
    return dict(
        stat_query(name, period).filter(subject_id__in=subjects).values_list("subject_id", "value")
    )


def community_ranks(community: Community | int, period: Period) -> dict[int, int]:
    """Each compound's rank in its community for ``period`` (``scorecards.compound_rank``),
    ranked against every compound of the community, whichever the caller wants."""
    community_id = getattr(community, "pk", community)
    return dict(
        stat_query("scorecards.compound_rank", period)
        .filter(publication__community_id=community_id)
        .values_list("subject_id", "value")
    )


def compound_work(compound_ids: list[int], period: Period) -> dict[int, dict[str, Any]]:
    """Each compound's inspections, findings, rectifications closed and overdue, and monthly
    reports by timeliness in ``period``, as the rollups count them (a month of a served
    compound with no report submitted by the end of its grace period is "not submitted")."""
    counts = {
        what: stat_by_subject(f"scorecards.compound_{what}", period, compound_ids) for what in WORK
    }
    reports: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(REPORT_TIMELINESS, 0))
    # The rule that fills ``scorecards.compound_reports``, called directly (its query is a
    # union, which cannot be filtered further).
    timeliness = report_timeliness(period.start, period.end, subjects=compound_ids)
    for (compound_id, what), n in timeliness.items():
        reports[compound_id][what] = n
    return {
        pk: {**{what: counts[what].get(pk, 0) for what in WORK}, "reports": reports[pk]}
        for pk in compound_ids
    }


def _labels(choices: type, code: str) -> dict[str, str]:
    """A choice's label in both languages, so the snapshot reads the same later."""
    label = dict(choices.choices).get(code, code)
    with translation.override("zh-hans"):
        name_zh = str(label)
    with translation.override("en"):
        name = str(label)
    return {"code": code, "name": name, "name_zh": name_zh}


def _compounds(
    community: Community, quarter: Period
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """One row per compound on the quarter's lists, ranked, with names as last published; and
    the companies of those months (a company that served a compound for part of the quarter
    counts its months there)."""
    entries = published_entries(quarter.start, quarter.end).filter(publication__community=community)
    rows: dict[int, dict[str, Any]] = {}
    companies: dict[int, dict[str, Any]] = {}
    for compound_id, name, company_id, company, band in entries.order_by(
        "publication__month"
    ).values_list("compound_id", "compound_name", "company_id", "company_name", "band"):
        row = rows.setdefault(compound_id, {"id": compound_id, "bands": dict.fromkeys(BANDS, 0)})
        row.update(name=name, company_id=company_id, company=company)
        row["bands"][band] += 1
        served = companies.setdefault(
            company_id, {"id": company_id, "compounds": set(), "bands": dict.fromkeys(BANDS, 0)}
        )
        served.update(name=company)
        served["compounds"].add(compound_id)
        served["bands"][band] += 1
    ids = list(rows)
    averages = stat_by_subject("scorecards.compound_average", quarter, ids)
    before = stat_by_subject("scorecards.compound_average", quarter.previous(), ids)
    ranks = community_ranks(community, quarter)
    work = compound_work(ids, quarter)
    for compound_id, row in rows.items():
        average = averages.get(compound_id)
        previous = before.get(compound_id)
        row["average"] = cents(average)
        row["previous_average"] = cents(previous)
        # From the exact averages, rounded once: 271/3 - 278/3 is -2.33, not 90.33 - 92.67.
        row["change"] = (
            cents(Decimal(average) - Decimal(previous))
            if average is not None and previous is not None
            else None
        )
        row["rank"] = ranks.get(compound_id)
        row.update(work[compound_id])
    return sorted(rows.values(), key=_quarter_order), companies


def _quarter_order(row: dict[str, Any]) -> tuple[bool, int, int, int, str, int]:
    """Compounds by rank, unranked last; within a tie on the average (a shared rank) the one
    with fewer black months first, then more red months, then by name and id: as on a month's
    list, a compound on the black list is not placed above a red one with the same figure."""
    bands = row["bands"]
    return (
        row["rank"] is None,
        row["rank"] or 0,
        bands[rules.Band.BLACK],
        -bands[rules.Band.RED],
        row["name"],
        row["id"],
    )


def _companies(
    community: Community, quarter: Period, companies: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Companies by the average of their compounds' ranked months in this community."""
    averages = dict(
        ranked_entries(quarter.start, quarter.end)
        .filter(publication__community=community)
        .order_by()
        .values_list("company_id")
        .annotate(average=Avg("score"))
    )
    ranked = rules.rank(
        (pk, Decimal(cents(averages[pk])) if pk in averages else None)
        for pk in sorted(companies, key=lambda pk: companies[pk]["name"])
    )
    out = []
    for item in ranked:
        row = companies[item.key]
        out.append(
            {
                **row,
                "compounds": len(row["compounds"]),
                "average": cents(item.value),
                "rank": item.rank,
            }
        )
    return out


def _election(
    title: str, committee: str, kind: str, stage: str, closes_at: dt.datetime, quarter: Period
) -> dict[str, Any]:
    """An election or vote whose voting window falls in ``quarter``, at least in part.

    ``closes_at`` is the end of its voting window in local time, to the minute, with its offset
    (``2024-06-30T20:00:00+08:00``). ``closed_on`` is the local day voting closed, or ``None``
    when it was still open at the quarter's end (``is_open_at_quarter_end``): such a vote is
    said to be open, not closed.
    """
    local = timezone.localtime(closes_at).replace(second=0, microsecond=0)
    is_open = closes_at >= quarter.end_at
    return {
        "title": title,
        "committee": committee,
        "kind": _labels(Election.Kind, kind),
        "stage": _labels(Election.Stage, stage),
        "closed_on": None if is_open else local.date().isoformat(),
        "closes_at": local.isoformat(),
        "is_open_at_quarter_end": is_open,
    }


def _community_figures(community: Community, quarter: Period) -> dict[str, Any]:
    def one(name: str) -> Any:
        row = (
            stat_query(name, quarter)
            .filter(subject_id=community.pk)
            .values_list("value", flat=True)
        )
        return next(iter(row), None) or 0

    # Imported here: campaigns imports scorecards when it loads (patrols raise findings).
    from campaigns.models import Meeting

    meetings = [
        {**_labels(Meeting.Kind, kind), "count": n}
        for kind, n in stat_query("campaigns.meetings", quarter)
        .filter(subject_id=community.pk)
        .order_by("dimension")
        .values_list("dimension", "value")
    ]
    elections = [
        _election(title, committee, kind, stage, closes_at, quarter)
        for title, committee, kind, stage, closes_at in Election.objects.filter(
            Q(voting_opens_at__isnull=True) | Q(voting_opens_at__lt=quarter.end_at),
            committee__compound__community=community,
            voting_closes_at__gte=quarter.start_at,
        )
        .order_by("voting_closes_at", "pk")
        .values_list("title", "committee__name", "kind", "stage", "voting_closes_at")
    ]
    campaigns = {what: one(f"campaigns.{what}") for what in CAMPAIGN_FIGURES}
    campaigns["tonnes"] = tonnes(campaigns["tonnes"])
    return {
        "campaigns": campaigns,
        "meetings": meetings,
        "consultations": {
            "received": one("committees.consultations_received"),
            "answered": one("committees.consultations_answered"),
        },
        "elections": elections,
    }


def bulletin_figures(*, community: Community, quarter: Period) -> dict[str, Any]:
    """The bulletin's figures for ``quarter``, as JSON-ready data (see the module docstring).
    A constant number of queries, whatever the number of compounds."""
    compounds, companies = _compounds(community, quarter)
    totals: dict[str, Any] = {what: sum(c[what] for c in compounds) for what in WORK}
    for band in BANDS:
        totals[band] = sum(c["bands"][band] for c in compounds)
    for timeliness in REPORT_TIMELINESS:
        totals[f"reports_{timeliness}"] = sum(c["reports"][timeliness] for c in compounds)
    return {
        "quarter": quarter.label,
        "months": [f"{m:%Y-%m}" for m in period_months(quarter)],
        "compounds": compounds,
        "companies": _companies(community, quarter, companies),
        "totals": totals,
        **_community_figures(community, quarter),
    }


# --- Publishing ----------------------------------------------------------------------------------


def _check_ready(community: Community, quarter: Period, today: dt.date) -> None:
    if today < quarter.end:
        raise ValidationError(QUARTER_NOT_ENDED, code="early", params={"quarter": quarter.display})
    missing = missing_months(community, quarter)
    if missing:
        raise ValidationError(
            LISTS_MISSING, code="lists", params={"months": months_display(missing)}
        )


@transaction.atomic
def bulletin_publish(
    *,
    community: Community,
    quarter: Period,
    summary: str,
    user: Any,
    today: dt.date | None = None,
) -> Bulletin:
    """Publish the bulletin of ``quarter`` (edition 1), once the quarter has ended and its three
    lists are published."""
    today = today or timezone.localdate()
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": ValidationError(SUMMARY_REQUIRED, code="required")})
    # Lock the community: two staff pressing "publish" make one bulletin.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    if Bulletin.objects.filter(community=community, quarter=quarter.start).exists():
        raise ValidationError(
            ALREADY_PUBLISHED, code="published", params={"quarter": quarter.display}
        )
    _check_ready(community, quarter, today)
    bulletin = Bulletin.objects.create(
        community=community,
        quarter=quarter.start,
        summary=summary,
        figures=bulletin_figures(community=community, quarter=quarter),
        published_by=user,
    )
    announce_on_commit(Bulletin, bulletin.community_id)
    return bulletin


@transaction.atomic
def bulletin_correct(*, bulletin: Bulletin, summary: str, note: str, user: Any) -> Bulletin:
    """Publish a corrected edition of ``bulletin`` (the latest edition of its quarter): the
    figures recomputed from the lists as they are now (a list corrected since counts in its
    corrected form), the commentary as given, and ``note`` saying what changed and why."""
    summary, note = summary.strip(), note.strip()
    errors = {}
    if not summary:
        errors["summary"] = ValidationError(SUMMARY_REQUIRED, code="required")
    if not note:
        errors["note"] = ValidationError(NOTE_REQUIRED, code="required")
    if errors:
        raise ValidationError(errors)
    Community.objects.select_for_update().filter(pk=bulletin.community_id).first()
    if Bulletin.objects.filter(correction_of=bulletin).exists():
        raise ValidationError(NOT_LATEST, code="corrected")
    quarter = period_containing(PeriodKind.QUARTER, bulletin.quarter)
    corrected = Bulletin.objects.create(
        community_id=bulletin.community_id,
        quarter=bulletin.quarter,
        sequence=bulletin.sequence + 1,  # only the latest edition gets here
        summary=summary,
        figures=bulletin_figures(community=bulletin.community, quarter=quarter),
        published_by=user,
        correction_of=bulletin,
        correction_note=note,
    )
    announce_on_commit(Bulletin, corrected.community_id)
    return corrected


# --- Reads ---------------------------------------------------------------------------------------


def current_bulletins(community: Community | int) -> QuerySet[Bulletin]:
    """The community's bulletins that no correction replaced, newest quarter first."""
    community_id = getattr(community, "pk", community)
    return Bulletin.objects.filter(community_id=community_id, corrected_by__isnull=True).order_by(
        "-quarter", "-sequence"
    )


def quarter_bulletin(community: Community | int, quarter: Period) -> Bulletin | None:
    """The current edition of the quarter's bulletin, or ``None`` if it is unpublished."""
    return (
        current_bulletins(community)
        .filter(quarter=quarter.start)
        .select_related("correction_of", "published_by")
        .first()
    )


def editions(community: Community | int, quarter: Period) -> list[Bulletin]:
    """Every edition of the quarter's bulletin, the first first."""
    community_id = getattr(community, "pk", community)
    return list(
        Bulletin.objects.filter(community_id=community_id, quarter=quarter.start).order_by(
            "sequence"
        )
    )


def bulletins_to_publish(communities: list[Community], today: dt.date) -> int:
    """How many of ``communities`` have the three lists of the last ended quarter published
    and no bulletin for it yet. Two queries."""
    quarter = period_containing(PeriodKind.QUARTER, today).previous()
    complete = fully_listed(communities, quarter)
    if not complete:
        return 0
    done = Bulletin.objects.filter(community_id__in=complete, quarter=quarter.start)
    return len(complete - set(done.values_list("community_id", flat=True)))


def staff_quarters(
    communities: list[Community], today: dt.date, *, count: int = 8
) -> dict[int, list[dict]]:
    """Per community: the last ``count`` ended quarters since its first published list, newest
    first, each with its current bulletin (or ``None``) and the months still unpublished. Two
    queries, whatever the number of communities."""
    ids = [c.pk for c in communities]
    months = months_listed(ids)
    bulletins = {
        (b.community_id, b.quarter): b
        for b in Bulletin.objects.filter(community_id__in=ids, corrected_by__isnull=True)
    }
    last = period_containing(PeriodKind.QUARTER, today).previous()
    out: dict[int, list[dict]] = {}
    for community_id in ids:
        published = months[community_id]
        quarters: list[Period] = []
        if published:
            oldest = period_containing(PeriodKind.QUARTER, min(published))
            quarter = last
            while quarter >= oldest and len(quarters) < count:
                quarters.append(quarter)
                quarter = quarter.previous()
        out[community_id] = [
            {
                "quarter": q,
                "bulletin": bulletins.get((community_id, q.start)),
                "missing": [m for m in period_months(q) if m not in published],
            }
            for q in quarters
        ]
    return out
