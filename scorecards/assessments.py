"""年考核: the annual assessment of each managed compound's company against its agreement.

Once a year has ended and its twelve red/black lists are published, staff assess each of the
year's target-responsibility agreements. The app lays out the year's record beside the
agreement:

- the year's scores: the average of the ranked months (``scorecards.compound_average`` for the
  year), the rank in the community (``scorecards.compound_rank``), months on each list, vetoes;
- the agreement's targets against what the company reported: the fee collection rate (the last
  reported month's rate, the year's average beside it), the days to resolve a complaint (the
  average hours of the year's reports, weighted by the complaints resolved), and the owners'
  satisfaction, which staff enter from the year's survey when they assess;
- each service commitment (清单式承诺): in how many monthly reports it was met, partly met, not met
  or not reported;
- the year's inspections, findings, rectifications closed and overdue, report timeliness, the
  complaints the company received and resolved, and its safety incidents.

From these the app suggests a grade (``rules.suggest_grade``); staff give the grade with a
conclusion, and a reason when they depart from the suggestion. Publishing stores the record as a
snapshot; a corrected edition says what changed and why. Only reports submitted or accepted
count (a draft or a returned report is not the company's word yet).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, DecimalField, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from compounds.models import Community
from tongde.periods import Period, PeriodKind
from tongde.text import month_name

from . import notices, rules
from .bulletins import (
    cents,
    community_ranks,
    compound_work,
    fully_listed,
    missing_months,
    stat_by_subject,
)
from .models import (
    Agreement,
    Assessment,
    Commitment,
    CommitmentStatus,
    MonthlyReport,
)
from .public import bands_for
from .rollups import published_entries
from .scoring import NOT_LATEST, NOTE_REQUIRED
from .signals import announce_on_commit

YEAR_NOT_ENDED = _("The year %(year)s has not ended yet.")
YEAR_LISTS_MISSING = _("Publish the red/black lists of %(months)s first.")
ALREADY_ASSESSED = _("This agreement is already assessed: publish a corrected edition instead.")
CONCLUSION_REQUIRED = _("Write the conclusion of the assessment.")
GRADE_UNKNOWN = _("Choose a grade: excellent, good, pass or fail.")
GRADE_REASON_REQUIRED = _(
    "With the figures as entered the suggested grade is %(grade)s: say why yours differs."
)

RATE = Decimal("0.0001")
COUNTED_REPORTS = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED)
COMMITMENT_STATUSES = tuple(CommitmentStatus.Status.values)


def year_period(year: int) -> Period:
    return Period(PeriodKind.YEAR, dt.date(year, 1, 1))


def _rate(value: Any) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(RATE, rounding=ROUND_HALF_UP))


# --- The year's record ---------------------------------------------------------------------------


def _scores(
    community: Community, compound_ids: list[int], period: Period
) -> dict[int, dict[str, Any]]:
    averages = stat_by_subject("scorecards.compound_average", period, compound_ids)
    # Ranked against every compound of the community, not only those asked about.
    ranks = community_ranks(community, period)
    out: dict[int, dict[str, Any]] = {
        pk: {
            "average": cents(averages.get(pk)),
            "rank": ranks.get(pk),
            "bands": dict.fromkeys((b.value for b in rules.Band), 0),
            "vetoes": 0,
        }
        for pk in compound_ids
    }
    for compound_id, band, n, vetoes in (
        published_entries(period.start, period.end)
        .filter(compound_id__in=compound_ids)
        .order_by()
        .values_list("compound_id", "band")
        .annotate(n=Count("pk"), vetoes=Count("pk", filter=Q(veto=True)))
    ):
        out[compound_id]["bands"][band] += n
        out[compound_id]["vetoes"] += vetoes
    return out


def _reported(compound_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """What the companies reported over the year, per compound (two queries)."""
    reports = MonthlyReport.objects.filter(
        compound_id__in=compound_ids, month__year=year, status__in=COUNTED_REPORTS
    )
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in (
        reports.order_by()
        .values("compound_id")
        .annotate(
            fee_average=Avg("fee_collection_rate"),
            received=Sum("complaints_received"),
            resolved=Sum("complaints_resolved"),
            weighted_hours=Sum(
                F("complaint_hours") * F("complaints_resolved"),
                filter=Q(complaint_hours__isnull=False),
                output_field=DecimalField(),
            ),
            timed=Sum("complaints_resolved", filter=Q(complaint_hours__isnull=False)),
            incidents=Sum("safety_incidents"),
        )
    ):
        timed = row["timed"] or 0
        out[row["compound_id"]] = {
            "fee_average": _rate(row["fee_average"]),
            "complaints": {"received": row["received"] or 0, "resolved": row["resolved"] or 0},
            "complaint_hours": (
                str((Decimal(row["weighted_hours"]) / timed).quantize(Decimal("0.1")))
                if timed
                else None
            ),
            "safety_incidents": row["incidents"] or 0,
        }
    # The year-end rate: the latest month that reported one.
    for compound_id, rate in (
        reports.filter(fee_collection_rate__isnull=False)
        .order_by("compound_id", "month")
        .values_list("compound_id", "fee_collection_rate")
    ):
        out[compound_id]["fee_latest"] = _rate(rate)
    return out


def _commitments(agreement_ids: list[int], year: int) -> dict[int, list[dict[str, Any]]]:
    """Each agreement's commitments with how the year's reports said they were kept."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for commitment_id, status, n in (
        CommitmentStatus.objects.filter(
            commitment__agreement_id__in=agreement_ids,
            report__month__year=year,
            report__status__in=COUNTED_REPORTS,
        )
        .order_by()
        .values_list("commitment_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[commitment_id][status] = n
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, agreement_id, text in (
        Commitment.objects.filter(agreement_id__in=agreement_ids, is_withdrawn=False)
        .order_by("agreement_id", "position", "pk")
        .values_list("pk", "agreement_id", "text")
    ):
        out[agreement_id].append(
            {"text": text, **{s: counts[pk].get(s, 0) for s in COMMITMENT_STATUSES}}
        )
    return out


def _targets(agreement: Agreement, reported: dict[str, Any], satisfaction: Any) -> dict[str, Any]:
    fee_target = agreement.target_fee_collection_rate
    fee_latest = reported.get("fee_latest")
    hours = reported.get("complaint_hours")
    sat_target = agreement.target_satisfaction
    return {
        "fee_rate": {
            "target": _rate(fee_target),
            "achieved": fee_latest,
            "average": reported.get("fee_average"),
            "met": rules.rate_met(fee_target, None if fee_latest is None else Decimal(fee_latest)),
        },
        "complaint_days": {
            "target": agreement.target_complaint_days,
            "achieved_hours": hours,
            "met": rules.days_met(
                agreement.target_complaint_days, None if hours is None else Decimal(hours)
            ),
        },
        "satisfaction": {
            "target": _rate(sat_target),
            "achieved": _rate(satisfaction),
            "met": rules.rate_met(
                sat_target, None if satisfaction is None else Decimal(satisfaction)
            ),
        },
    }


def year_records(
    *,
    community: Community,
    year: int,
    agreements: QuerySet[Agreement] | list[Agreement] | None = None,
    satisfaction: dict[int, Decimal | None] | None = None,
) -> list[dict[str, Any]]:
    """The year's record of each agreement of the community (or of ``agreements``: a query,
    or a list already loaded with compound and company), by compound name, with its suggested
    grade; ``satisfaction`` (agreement id -> measured rate) counts the owners' satisfaction
    staff entered. A constant number of queries."""
    satisfaction = satisfaction or {}
    if agreements is None:
        agreements = Agreement.objects.filter(compound__community=community, year=year)
    if not isinstance(agreements, list):
        agreements = list(
            agreements.select_related("compound", "company").order_by("compound__name")
        )
    if not agreements:
        return []
    period = year_period(year)
    compound_ids = [a.compound_id for a in agreements]
    scores = _scores(community, compound_ids, period)
    work = compound_work(compound_ids, period)
    reported = _reported(compound_ids, year)
    commitments = _commitments([a.pk for a in agreements], year)
    bands = bands_for(community, year)
    records = []
    for agreement in agreements:
        record = {
            "agreement_id": agreement.pk,
            "year": year,
            "compound_id": agreement.compound_id,
            "compound": agreement.compound.name,
            "company_id": agreement.company_id,
            "company": agreement.company.name,
            **scores[agreement.compound_id],
            **work[agreement.compound_id],
            "complaints": reported[agreement.compound_id].get(
                "complaints", {"received": 0, "resolved": 0}
            ),
            "safety_incidents": reported[agreement.compound_id].get("safety_incidents", 0),
            "commitments": commitments.get(agreement.pk, []),
        }
        _judge(
            record,
            agreement,
            reported[agreement.compound_id],
            satisfaction.get(agreement.pk),
            bands,
        )
        records.append(record)
    return records


def _judge(
    record: dict[str, Any],
    agreement: Agreement,
    reported: dict[str, Any],
    satisfaction: Any,
    bands: rules.Bands,
) -> None:
    """Put the targets, how many were missed and the suggested grade into ``record``."""
    record["targets"] = _targets(agreement, reported, satisfaction)
    record["targets_missed"] = sum(t["met"] is False for t in record["targets"].values())
    grade = rules.suggest_grade(
        average=None if record["average"] is None else Decimal(record["average"]),
        vetoes=record["vetoes"],
        black_months=record["bands"]["black"],
        targets_missed=record["targets_missed"],
        bands=bands,
    )
    record["suggested_grade"] = grade.value if grade else ""


def agreement_record(agreement: Agreement, satisfaction: Any = None) -> dict[str, Any]:
    """One agreement's record, with the staff's measured satisfaction counted in. An
    agreement loaded with its compound (and community) and company is not fetched again."""
    meta = Agreement._meta
    loaded = meta.get_field("compound").is_cached(agreement) and meta.get_field(
        "company"
    ).is_cached(agreement)
    return year_records(
        community=agreement.compound.community,
        year=agreement.year,
        agreements=[agreement] if loaded else Agreement.objects.filter(pk=agreement.pk),
        satisfaction={agreement.pk: satisfaction},
    )[0]


# --- Publishing ----------------------------------------------------------------------------------


def _publish(
    agreement: Agreement,
    *,
    grade: str,
    conclusion: str,
    grade_reason: str,
    satisfaction: Decimal | None,
    user: Any,
    correction_of: Assessment | None = None,
    note: str = "",
    notify: bool = True,
) -> Assessment:
    """Check the staff's input against the record as it is now and store the next edition;
    with ``notify``, the company's users are mailed the grade after the commit."""
    conclusion, grade_reason, note = conclusion.strip(), grade_reason.strip(), note.strip()
    record = agreement_record(agreement, satisfaction)
    suggested = record["suggested_grade"]
    errors: dict[str, ValidationError] = {}
    if not conclusion:
        errors["conclusion"] = ValidationError(CONCLUSION_REQUIRED, code="required")
    if grade not in {g.value for g in rules.Grade}:
        errors["grade"] = ValidationError(GRADE_UNKNOWN, code="grade")
    elif suggested and grade != suggested and not grade_reason:
        errors["grade_reason"] = ValidationError(
            GRADE_REASON_REQUIRED,
            code="reason",
            params={"grade": rules.Grade(suggested).label},
        )
    if correction_of is not None and not note:
        errors["note"] = ValidationError(NOTE_REQUIRED, code="required")
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        community_id=agreement.compound.community_id,
        agreement=agreement,
        # Only the latest edition is corrected (``assessment_correct`` checks).
        sequence=correction_of.sequence + 1 if correction_of else 1,
        grade=grade,
        suggested_grade=suggested,
        grade_reason=grade_reason if grade != suggested else "",
        satisfaction=satisfaction,
        conclusion=conclusion,
        figures=record,
        published_by=user,
        correction_of=correction_of,
        correction_note=note,
    )
    announce_on_commit(Assessment, assessment.community_id)
    if notify:
        notices.on_commit(notices.assessment_published, assessment.pk)
    return assessment


@transaction.atomic
def assessment_publish(
    *,
    agreement: Agreement,
    grade: str,
    conclusion: str,
    user: Any,
    satisfaction: Decimal | None = None,
    grade_reason: str = "",
    today: dt.date | None = None,
    notify: bool = True,
) -> Assessment:
    """Publish the assessment of ``agreement`` (edition 1) once its year has ended and the
    community's twelve lists are published."""
    today = today or timezone.localdate()
    # Lock the agreement: two staff pressing "publish" make one assessment.
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    if Assessment.objects.filter(agreement=agreement).exists():
        raise ValidationError(ALREADY_ASSESSED, code="published")
    if today < dt.date(agreement.year + 1, 1, 1):
        raise ValidationError(YEAR_NOT_ENDED, code="early", params={"year": agreement.year})
    missing = missing_months(agreement.compound.community_id, year_period(agreement.year))
    if missing:
        raise ValidationError(
            YEAR_LISTS_MISSING,
            code="lists",
            params={
                "months": pgettext("list separator", ", ").join(month_name(m) for m in missing)
            },
        )
    return _publish(
        agreement,
        grade=grade,
        conclusion=conclusion,
        grade_reason=grade_reason,
        satisfaction=satisfaction,
        user=user,
        notify=notify,
    )


@transaction.atomic
def assessment_correct(
    *,
    assessment: Assessment,
    grade: str,
    conclusion: str,
    note: str,
    user: Any,
    satisfaction: Decimal | None = None,
    grade_reason: str = "",
    notify: bool = True,
) -> Assessment:
    """A corrected edition of ``assessment`` (the latest one): the record recomputed as it is
    now, the grade and conclusion as given, and ``note`` saying what changed and why."""
    Agreement.objects.select_for_update().filter(pk=assessment.agreement_id).first()
    if Assessment.objects.filter(correction_of=assessment).exists():
        raise ValidationError(NOT_LATEST, code="corrected")
    return _publish(
        assessment.agreement,
        grade=grade,
        conclusion=conclusion,
        grade_reason=grade_reason,
        satisfaction=satisfaction,
        user=user,
        correction_of=assessment,
        note=note,
        notify=notify,
    )


# --- Reads ---------------------------------------------------------------------------------------


def current_assessments(community: Community | int) -> QuerySet[Assessment]:
    """The community's assessments that no correction replaced."""
    community_id = getattr(community, "pk", community)
    return Assessment.objects.filter(community_id=community_id, corrected_by__isnull=True)


def assessed_years(community: Community | int) -> list[int]:
    """Years with a published assessment, newest first."""
    return sorted(
        set(current_assessments(community).values_list("agreement__year", flat=True)),
        reverse=True,
    )


def assessments_to_publish(communities: list[Community], today: dt.date) -> int:
    """Agreements of last year still to assess, in those of ``communities`` whose twelve lists
    of that year are published. Two queries."""
    year = today.year - 1
    complete = fully_listed(communities, year_period(year))
    if not complete:
        return 0
    return (
        Agreement.objects.filter(compound__community_id__in=complete, year=year)
        .exclude(assessments__isnull=False)
        .count()
    )
