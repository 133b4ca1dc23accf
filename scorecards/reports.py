"""Monthly reports (月报) filed by property companies: writes, the review flow and timeliness.

The flow: draft → submitted → accepted, or returned with a comment → (edited) → resubmitted →
accepted. Every transition appends a ``ReportEvent``; a refused transition raises
``ValidationError`` saying why, using the message constants below (tests reuse them).

A report is for a finished month: the current and future months are refused. A company files only
for a compound it served in that month, and one report per compound and month.

Photos are checked by content with ``tongde.uploads`` (JPEG/PNG/WebP, size limit, thumbnail);
documents must be PDFs by content (``tongde.uploads.document_kind``). Every file is checked
before anything is written, so one bad file saves nothing.

Timeliness (``report_compliance``): a report is *on time* when first submitted by the due date
(default the 5th of the next month), *late* when submitted within the grace period after it (or
not yet submitted while the grace period runs), *missing* when there was no submitted report when
the grace period ended (``ScoringSettings.report_missing_after``), and *not due* before the due
date has passed. The first submission counts: returning a report for changes does not make it late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, IntegerField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from compounds import selectors as registry
from compounds.models import Community, Compound, ServiceContract
from tongde import uploads
from tongde.text import long_date, month_name

from .models import (
    Agreement,
    Commitment,
    CommitmentStatus,
    MonthlyReport,
    ReportAttachment,
    ReportEvent,
    ScoringSettings,
    month_start,
    next_month,
)

Status = MonthlyReport.Status

# Refusals, as constants so that tests and views say exactly the same thing.
MONTH_NOT_FINISHED = _(
    "A report is for a finished month: %(month)s is not over yet (today is %(today)s)."
)
DUPLICATE_REPORT = _("There is already a report for %(compound)s in %(month)s.")
NOT_SERVED = _("Your company did not serve %(compound)s in %(month)s.")
CONTRACT_NOT_BEGUN = _(
    "Your company's service contract for %(compound)s began on %(began)s: there is no report "
    "to file for %(month)s."
)
NEGATIVE = _("Cannot be negative.")
RESOLVED_ABOVE_RECEIVED = _("More complaints resolved (%(resolved)s) than received (%(received)s).")
FEE_RATE_RANGE = _("The fee collection rate is between 0 and 100%.")
NOT_EDITABLE = _("A %(status)s report cannot be changed: only drafts and returned reports can.")
CANNOT_SUBMIT = _("A %(status)s report cannot be submitted: only drafts and returned reports can.")
CANNOT_REVIEW = _("Only a submitted report can be accepted or returned; this one is %(status)s.")
COMMENT_REQUIRED = _("Say what the company must change: a returned report needs a comment.")
UNKNOWN_COMMITMENT = _("This commitment is not in the agreement of %(compound)s for %(year)s.")
COMMITMENT_STATUS_MISSING = _("Give the status of every commitment before submitting.")
BAD_FILE = _("%(file)s: %(reason)s")
NOT_PDF = _("Documents must be PDFs (judged by their content, not their name).")
TOO_MANY_FILES = _("At most %(limit)s files at a time.")

MAX_FILES = 12
COUNT_FIELDS = (
    "staff_on_duty",
    "cleaning_rounds",
    "patrol_rounds",
    "repairs_done",
    "repairs_open",
    "complaints_received",
    "complaints_resolved",
    "safety_incidents",
)
DATA_FIELDS = (*COUNT_FIELDS, "complaint_hours", "fee_collection_rate", "narrative")


class Compliance(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    @property
    def label(self) -> str:
        return COMPLIANCE_LABELS[self]


COMPLIANCE_LABELS = {
    Compliance.ON_TIME: _("on time"),
    Compliance.LATE: _("late"),
    Compliance.MISSING: _("missing"),
    Compliance.NOT_DUE: _("not due yet"),
}


# Said of a report that came in after the grace period: the veto counts it as not filed, so the
# page must not call it simply "submitted" beside a "missing" badge.
SUBMITTED_TOO_LATE = _("submitted after the grace period (counts as not filed)")


def compliance_text(status: Compliance | str, *, is_submitted: bool) -> str:
    """The timeliness label of a report: "missing" only for a report that never came in."""
    status = Compliance(status)
    if status == Compliance.MISSING and is_submitted:
        return SUBMITTED_TOO_LATE
    return status.label


DRAFT_NOT_SUBMITTED = _("draft saved, not submitted")
SUBMITTED_ON = _("submitted on %(date)s")


def scorecard_report_text(status: str, *, report: MonthlyReport | None) -> str:
    """What a scorecard says of its month's report. ``status`` is the timeliness the card was
    scored with (``Scorecard.report_status``, taken when it was drafted); the report as it is now
    adds what that code cannot say: a draft the company saved but never submitted (it does not
    count, and "not due yet" alone reads as if nothing were needed), or a report submitted
    after a card drafted before the due date."""
    submitted_at = report.first_submitted_at if report is not None else None
    try:
        label = compliance_text(status, is_submitted=submitted_at is not None)
    except ValueError:
        label = status or "—"
    if report is None:
        return label
    if submitted_at is None:
        return f"{label} · {DRAFT_NOT_SUBMITTED}"
    if status == Compliance.NOT_DUE:
        day = date_format(timezone.localdate(submitted_at), "SHORT_DATE_FORMAT")
        return f"{label} · {SUBMITTED_ON % {'date': day}}"
    return label


# ``ReportEvent.action`` values as stored (the demo wrote past participles) and what the
# history says for each.
EVENT_LABELS = {
    "create": _("created"),
    "update": _("edited"),
    "submit": _("submitted"),
    "submitted": _("submitted"),
    "resubmit": _("resubmitted"),
    "accept": _("accepted"),
    "accepted": _("accepted"),
    "return": _("returned for changes"),
    "returned": _("returned for changes"),
}


def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


def _today() -> dt.date:
    return timezone.localdate()


def served_in_month(compound_id: int, company_ids: Iterable[int], month: dt.date) -> bool:
    """Whether one of ``company_ids`` served the compound on some day of ``month``."""
    start = month_start(month)
    end = next_month(start) - dt.timedelta(days=1)
    return (
        ServiceContract.objects.filter(
            compound_id=compound_id, company_id__in=list(company_ids), starts_on__lte=end
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exists()
    )


def commitments_for(compound_id: int, month: dt.date) -> list[Commitment]:
    """The commitments (withdrawn ones excluded) of the compound's agreement of the month's year."""
    return list(
        Commitment.objects.filter(
            agreement__compound_id=compound_id,
            agreement__year=month.year,
            is_withdrawn=False,
        ).order_by("position", "pk")
    )


# --- Checks ------------------------------------------------------------------------------------


def _check_data(data: Mapping[str, Any]) -> None:
    errors: dict[str, list] = {}
    for field in COUNT_FIELDS:
        value = data.get(field)
        if value is not None and value < 0:
            errors.setdefault(field, []).append(NEGATIVE)
    hours = data.get("complaint_hours")
    if hours is not None and hours < 0:
        errors.setdefault("complaint_hours", []).append(NEGATIVE)
    rate = data.get("fee_collection_rate")
    if rate is not None and not (Decimal(0) <= Decimal(rate) <= Decimal(1)):
        errors.setdefault("fee_collection_rate", []).append(FEE_RATE_RANGE)
    received = data.get("complaints_received") or 0
    resolved = data.get("complaints_resolved") or 0
    if resolved > received:
        errors.setdefault("complaints_resolved", []).append(
            RESOLVED_ABOVE_RECEIVED % {"resolved": resolved, "received": received}
        )
    if errors:
        raise ValidationError(errors)


def _check_month(month: dt.date, today: dt.date) -> None:
    if month_start(month) >= month_start(today):
        raise ValidationError(
            {"month": MONTH_NOT_FINISHED % {"month": month_name(month), "today": long_date(today)}}
        )


def _fileable_contract(
    compound: Compound, company_ids: list[int], month: dt.date, today: dt.date
) -> ServiceContract:
    """The contract under which one of ``company_ids`` files ``month``'s report of
    ``compound``; refuses an unfinished month and a month outside the company's contracts."""
    _check_month(month, today)
    contracts = list(
        ServiceContract.objects.filter(compound=compound, company_id__in=company_ids).order_by(
            "-starts_on"
        )
    )
    end = next_month(month) - dt.timedelta(days=1)
    for contract in contracts:
        if contract.starts_on <= end and (contract.ends_on is None or contract.ends_on >= month):
            return contract
    labels = {"compound": compound.name, "month": month_name(month)}
    if contracts and month < month_start(contracts[-1].starts_on):
        began = date_format(contracts[-1].starts_on, "SHORT_DATE_FORMAT")
        raise ValidationError({"month": CONTRACT_NOT_BEGUN % {**labels, "began": began}})
    raise ValidationError(NOT_SERVED % labels)


def month_refusal(
    *, compound: Compound, company_ids: Iterable[int], month: dt.date, today: dt.date | None = None
) -> str | None:
    """Why ``month`` cannot be filed for ``compound`` (None when it can, duplicates aside)."""
    try:
        _fileable_contract(compound, list(company_ids), month_start(month), today or _today())
    except ValidationError as exc:
        return exc.messages[0]
    return None


def month_to_file(
    *,
    compound: Compound,
    company_ids: Iterable[int],
    today: dt.date | None = None,
    months: int = 12,
) -> dt.date:
    """The month the report form offers: the earliest of the last ``months`` finished months
    that the company served and has no report yet; the last finished month when all are in."""
    today = today or _today()
    last = month_start(month_start(today) - dt.timedelta(days=1))
    wanted = [last]
    for _i in range(months - 1):
        wanted.append(month_start(wanted[-1] - dt.timedelta(days=1)))
    contracts = list(
        ServiceContract.objects.filter(compound=compound, company_id__in=list(company_ids)).only(
            "starts_on", "ends_on"
        )
    )
    filed = set(
        MonthlyReport.objects.filter(compound=compound, month__gte=wanted[-1]).values_list(
            "month", flat=True
        )
    )
    for month in reversed(wanted):
        end = next_month(month) - dt.timedelta(days=1)
        served = any(
            c.starts_on <= end and (c.ends_on is None or c.ends_on >= month) for c in contracts
        )
        if served and month not in filed:
            return month
    return last


@dataclass(frozen=True)
class _File:
    kind: str
    original: Any
    thumbnail: Any = None
    caption: str = ""


def _check_files(photos: Iterable[IO[bytes]], docs: Iterable[IO[bytes]]) -> list[_File]:
    """Every file checked by content before anything is written."""
    photos, docs = [p for p in photos if p], [d for d in docs if d]
    if len(photos) + len(docs) > MAX_FILES:
        raise ValidationError({"photos": TOO_MANY_FILES % {"limit": MAX_FILES}})
    checked, errors = [], {}
    for file in photos:
        try:
            original, thumb = uploads.photo_files(file)
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(
                BAD_FILE % {"file": getattr(file, "name", "?"), "reason": m} for m in exc.messages
            )
        else:
            checked.append(_File(ReportAttachment.Kind.PHOTO, original, thumb))
    for file in docs:
        try:
            content = uploads.document_content(file, kinds=("pdf",), bad_type=NOT_PDF)
        except ValidationError as exc:
            errors.setdefault("documents", []).extend(
                BAD_FILE % {"file": getattr(file, "name", "?"), "reason": m} for m in exc.messages
            )
        else:
            checked.append(_File(ReportAttachment.Kind.DOCUMENT, content))
    if errors:
        raise ValidationError(errors)
    return checked


def _save_files(report: MonthlyReport, files: list[_File]) -> None:
    for f in files:
        attachment = ReportAttachment(report=report, kind=f.kind)
        attachment.file.save(f.original.name, f.original, save=False)
        if f.thumbnail is not None:
            attachment.thumbnail.save(f.thumbnail.name, f.thumbnail, save=False)
        attachment.save()


def _write_statuses(report: MonthlyReport, statuses: Mapping[int, Mapping[str, str]]) -> None:
    """``statuses``: ``{commitment_id: {"status": ..., "note": ...}}``; an empty status clears."""
    allowed = {c.pk for c in commitments_for(report.compound_id, report.month)}
    for pk in statuses:
        if pk not in allowed:
            raise ValidationError(
                UNKNOWN_COMMITMENT % {"compound": report.compound.name, "year": report.month.year}
            )
    existing = {s.commitment_id: s for s in report.commitment_statuses.all()}
    for pk, row in statuses.items():
        status = row.get("status") or ""
        if status and status not in CommitmentStatus.Status.values:
            raise ValidationError(UNKNOWN_COMMITMENT)
        obj = existing.get(pk)
        if not status:
            if obj is not None:
                obj.delete()
            continue
        if obj is None:
            obj = CommitmentStatus(report=report, commitment_id=pk)
        obj.status, obj.note = status, (row.get("note") or "")[:300]
        obj.save()


def _log(report: MonthlyReport, action: str, by: Any, comment: str = "") -> None:
    ReportEvent.objects.create(
        report=report,
        action=action,
        by=by if getattr(by, "is_authenticated", False) else None,
        comment=comment,
    )


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    compound: Compound,
    month: dt.date,
    by: Any,
    company_ids: Iterable[int],
    data: Mapping[str, Any] | None = None,
    statuses: Mapping[int, Mapping[str, str]] | None = None,
    photos: Iterable[IO[bytes]] = (),
    docs: Iterable[IO[bytes]] = (),
    today: dt.date | None = None,
) -> MonthlyReport:
    """A draft report of ``compound`` for ``month`` by one of the user's ``company_ids``."""
    today = today or _today()
    month = month_start(month)
    company_ids = list(company_ids)
    contract = _fileable_contract(compound, company_ids, month, today)
    duplicate = DUPLICATE_REPORT % {"compound": compound.name, "month": month_name(month)}
    if MonthlyReport.objects.filter(compound=compound, month=month).exists():
        raise ValidationError({"month": duplicate})
    data = dict(data or {})
    _check_data(data)
    files = _check_files(photos, docs)
    report = MonthlyReport(
        compound=compound,
        company_id=contract.company_id,
        month=month,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    for field in DATA_FIELDS:
        if field in data and data[field] is not None:
            setattr(report, field, data[field])
    report.full_clean(validate_constraints=False, exclude=["created_by"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # a concurrent request filed the same month first
        raise ValidationError({"month": duplicate}) from exc
    _write_statuses(report, statuses or {})
    _save_files(report, files)
    _log(report, "create", by)
    return report


def _locked(report: MonthlyReport) -> MonthlyReport:
    return MonthlyReport.objects.select_for_update().select_related("compound").get(pk=report.pk)


@transaction.atomic
def report_update(
    *,
    report: MonthlyReport,
    by: Any,
    data: Mapping[str, Any] | None = None,
    statuses: Mapping[int, Mapping[str, str]] | None = None,
    photos: Iterable[IO[bytes]] = (),
    docs: Iterable[IO[bytes]] = (),
    remove_attachments: Iterable[int] = (),
) -> MonthlyReport:
    report = _locked(report)
    if report.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(NOT_EDITABLE % {"status": report.get_status_display()})
    data = {f: getattr(report, f) for f in DATA_FIELDS} | dict(data or {})
    _check_data(data)
    files = _check_files(photos, docs)
    for field in DATA_FIELDS:
        if data.get(field) is not None or field in ("complaint_hours", "fee_collection_rate"):
            setattr(report, field, data.get(field))
    report.full_clean(validate_constraints=False, exclude=["created_by"])
    report.save()
    _write_statuses(report, statuses or {})
    report.attachments.filter(pk__in=list(remove_attachments)).update(is_removed=True)
    _save_files(report, files)
    _log(report, "update", by)
    return report


@transaction.atomic
def report_submit(*, report: MonthlyReport, by: Any) -> MonthlyReport:
    """Draft → submitted (``submit``) or returned → submitted (``resubmit``). Every commitment of
    the agreement needs a status first."""
    report = _locked(report)
    if report.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(CANNOT_SUBMIT % {"status": report.get_status_display()})
    wanted = {c.pk for c in commitments_for(report.compound_id, report.month)}
    given = set(report.commitment_statuses.values_list("commitment_id", flat=True))
    if wanted - given:
        raise ValidationError(COMMITMENT_STATUS_MISSING)
    action = "resubmit" if report.status == Status.RETURNED else "submit"
    now = timezone.now()
    report.status = Status.SUBMITTED
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.save(update_fields=["status", "submitted_at", "first_submitted_at"])
    _log(report, action, by)
    return report


@transaction.atomic
def report_accept(*, report: MonthlyReport, by: Any, comment: str = "") -> MonthlyReport:
    report = _locked(report)
    if report.status != Status.SUBMITTED:
        raise ValidationError(CANNOT_REVIEW % {"status": report.get_status_display()})
    report.status = Status.ACCEPTED
    report.reviewed_at, report.reviewed_by = timezone.now(), by
    report.review_comment = comment.strip()
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    _log(report, "accept", by, comment.strip())
    return report


@transaction.atomic
def report_return(*, report: MonthlyReport, by: Any, comment: str) -> MonthlyReport:
    report = _locked(report)
    if report.status != Status.SUBMITTED:
        raise ValidationError(CANNOT_REVIEW % {"status": report.get_status_display()})
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": COMMENT_REQUIRED})
    report.status = Status.RETURNED
    report.reviewed_at, report.reviewed_by = timezone.now(), by
    report.review_comment = comment
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    _log(report, "return", by, comment)
    return report


# --- Timeliness --------------------------------------------------------------------------------


def _default(field: str) -> int:
    return ScoringSettings._meta.get_field(field).default


def report_due_on(month: dt.date, *, due_day: int) -> dt.date:
    """The report of ``month`` is due on ``due_day`` (``ScoringSettings.report_due_day`` of the
    month's year, 1 to 28) of the following month: September's on 5 October by default."""
    return next_month(month).replace(day=due_day)


def compliance_of(
    first_submitted_at: dt.datetime | None,
    *,
    due_on: dt.date,
    missing_after: dt.date,
    today: dt.date,
) -> Compliance:
    """The timeliness rule on plain values (see the module docstring)."""
    if first_submitted_at is not None:
        submitted_on = timezone.localdate(first_submitted_at)
        if submitted_on <= due_on:
            return Compliance.ON_TIME
        if submitted_on <= missing_after:
            return Compliance.LATE
        return Compliance.MISSING
    if today > missing_after:
        return Compliance.MISSING
    if today > due_on:
        return Compliance.LATE
    return Compliance.NOT_DUE


@dataclass(frozen=True)
class ComplianceRow:
    compound_id: int
    status: Compliance
    due_on: dt.date
    missing_after: dt.date
    report_id: int | None
    first_submitted_at: dt.datetime | None

    @property
    def label(self) -> str:
        return compliance_text(self.status, is_submitted=self.first_submitted_at is not None)


def report_compliance_rows(
    compound_ids: Iterable[int], month: dt.date, *, today: dt.date | None = None
) -> dict[int, ComplianceRow]:
    """Timeliness of ``month``'s report for each compound, in ONE query: the compound, its
    report's first submission and its community's due day and grace days of the year (the
    defaults when the community has no settings row for that year). Both are LEFT JOINs on
    unique keys (one report per compound and month, one settings row per community and year),
    so each compound gives one row without a subquery per compound."""
    today = today or _today()
    month = month_start(month)
    rows = (
        Compound.objects.filter(pk__in=list(compound_ids))
        .annotate(
            month_report=FilteredRelation(
                "monthly_reports", condition=Q(monthly_reports__month=month)
            ),
            year_settings=FilteredRelation(
                "community__scoring_settings",
                condition=Q(community__scoring_settings__year=month.year),
            ),
            due_day=Coalesce(
                "year_settings__report_due_day",
                Value(_default("report_due_day")),
                output_field=IntegerField(),
            ),
            grace_days=Coalesce(
                "year_settings__report_grace_days",
                Value(_default("report_grace_days")),
                output_field=IntegerField(),
            ),
        )
        .order_by()
        .values_list(
            "pk", "month_report__pk", "month_report__first_submitted_at", "due_day", "grace_days"
        )
    )
    return {
        pk: _compliance_row(pk, month, report_id, first_at, due_day, grace, today=today)
        for pk, report_id, first_at, due_day, grace in rows
    }


def _compliance_row(
    compound_id: int,
    month: dt.date,
    report_id: int | None,
    first_submitted_at: dt.datetime | None,
    due_day: int,
    grace_days: int,
    *,
    today: dt.date,
) -> ComplianceRow:
    due_on = report_due_on(month, due_day=due_day)
    missing_after = due_on + dt.timedelta(days=grace_days)
    return ComplianceRow(
        compound_id=compound_id,
        status=compliance_of(
            first_submitted_at, due_on=due_on, missing_after=missing_after, today=today
        ),
        due_on=due_on,
        missing_after=missing_after,
        report_id=report_id,
        first_submitted_at=first_submitted_at,
    )


def report_compliance_by_month(
    compounds_by_month: Mapping[dt.date, Iterable[int]], *, today: dt.date | None = None
) -> dict[dt.date, dict[int, ComplianceRow]]:
    """``report_compliance_rows`` for several months at once (month -> compound ids), in two
    queries however many months: the compounds with their community's settings of the months'
    years (a LEFT JOIN, so a community without a settings row still gives its compounds), and
    the months' reports of those compounds."""
    today = today or _today()
    wanted = {month_start(m): set(ids) for m, ids in compounds_by_month.items()}
    compound_ids = set().union(*wanted.values())
    if not compound_ids:
        return {month: {} for month in wanted}
    years = {month.year for month in wanted}
    settings: dict[int, dict[int, tuple[int, int]]] = {}
    for pk, year, due_day, grace in (
        Compound.objects.filter(pk__in=compound_ids)
        .annotate(
            year_settings=FilteredRelation(
                "community__scoring_settings",
                condition=Q(community__scoring_settings__year__in=years),
            )
        )
        .order_by()
        .values_list(
            "pk",
            "year_settings__year",
            "year_settings__report_due_day",
            "year_settings__report_grace_days",
        )
    ):
        by_year = settings.setdefault(pk, {})
        if year is not None:
            by_year[year] = (due_day, grace)
    reports = {
        (compound_id, month): (pk, first_at)
        for compound_id, month, pk, first_at in MonthlyReport.objects.filter(
            compound_id__in=compound_ids, month__in=list(wanted)
        )
        .order_by()
        .values_list("compound_id", "month", "pk", "first_submitted_at")
    }
    defaults = (_default("report_due_day"), _default("report_grace_days"))
    out: dict[dt.date, dict[int, ComplianceRow]] = {}
    for month, ids in wanted.items():
        out[month] = {}
        for pk in ids:
            if pk not in settings:
                continue  # no such compound: as ``report_compliance_rows``, no row
            due_day, grace = settings[pk].get(month.year, defaults)
            report_id, first_at = reports.get((pk, month), (None, None))
            out[month][pk] = _compliance_row(
                pk, month, report_id, first_at, due_day, grace, today=today
            )
    return out


def report_compliance(
    compound_ids: Iterable[int], month: dt.date, *, today: dt.date | None = None
) -> dict[int, str]:
    """``{compound_id: "on_time" | "late" | "missing" | "not_due"}`` for ``month`` (one query);
    the scoring treats ``missing`` as the veto item "no monthly report after the grace period"."""
    return {
        pk: str(row.status)
        for pk, row in report_compliance_rows(compound_ids, month, today=today).items()
    }


def report_deadline(
    compound_id: int, month: dt.date, *, today: dt.date | None = None
) -> ComplianceRow:
    """When ``month``'s report of the compound is due, until when it may still come in late,
    and how it stands today: what the report form tells the company before it files (one
    query, the same rule as the scoring's)."""
    return report_compliance_rows([compound_id], month, today=today)[compound_id]


@dataclass(frozen=True)
class OverdueRow:
    compound: Compound
    company_name: str
    month: dt.date
    status: Compliance
    due_on: dt.date
    report_id: int | None


def late_and_missing(
    community: Community | int, today: dt.date | None = None, *, months: int = 3
) -> list[OverdueRow]:
    """For the staff dashboard: reports of the last ``months`` finished months of a community's
    managed compounds that are late (not yet in, or in after the due date) or missing, newest
    month first. Only compounds under a contract in that month count."""
    community_id = getattr(community, "pk", community)
    return late_and_missing_by_community([community_id], today, months=months)[community_id]


def late_and_missing_by_community(
    communities: Iterable[Community | int], today: dt.date | None = None, *, months: int = 3
) -> dict[int, list[OverdueRow]]:
    """``late_and_missing`` for several communities at once (community id -> rows): one query
    for the compounds and contracts and two for timeliness, however many communities and
    months there are."""
    today = today or _today()
    community_ids = [getattr(c, "pk", c) for c in communities]
    month = month_start(month_start(today) - dt.timedelta(days=1))
    first = month
    for _i in range(months - 1):
        first = month_start(first - dt.timedelta(days=1))
    contracts = list(
        ServiceContract.objects.filter(
            compound__community_id__in=community_ids,
            compound__is_archived=False,
            starts_on__lt=next_month(month),
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .select_related("compound", "company")
        .order_by("compound__name", "compound_id", "-starts_on")
    )
    serving_by_month: dict[dt.date, dict[int, ServiceContract]] = {}
    current = month
    while current >= first:
        end = next_month(current) - dt.timedelta(days=1)
        serving = serving_by_month[current] = {}
        for contract in contracts:
            if contract.starts_on <= end and (
                contract.ends_on is None or contract.ends_on >= current
            ):
                serving.setdefault(contract.compound_id, contract)
        current = month_start(current - dt.timedelta(days=1))
    compliance = report_compliance_by_month(serving_by_month, today=today)
    out: dict[int, list[OverdueRow]] = {pk: [] for pk in community_ids}
    for current, serving in serving_by_month.items():
        rows = compliance[current]
        for pk, contract in serving.items():
            row = rows[pk]
            if row.status in (Compliance.LATE, Compliance.MISSING):
                out[contract.compound.community_id].append(
                    OverdueRow(
                        compound=contract.compound,
                        company_name=contract.company.name,
                        month=current,
                        status=row.status,
                        due_on=row.due_on,
                        report_id=row.report_id,
                    )
                )
    return out


# --- Reads -------------------------------------------------------------------------------------


# What an owners' committee reads of its compound's reports: what the company has filed, not its
# drafts nor a report sent back to it for changes.
COMMITTEE_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)


def report_list(*, user: Any):
    """The reports ``user`` may see: staff (not grid workers) of the compound's community, a
    company user its own company's reports, and a committee member the submitted and accepted
    reports of the committee's compound; nobody else."""
    qs = MonthlyReport.objects.select_related("compound__community", "company")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(compound__community_id__in=registry.staff_community_ids(user, include_grid_workers=False))
        | Q(company_id__in=registry.company_ids(user))
        | Q(
            compound_id__in=registry.committee_compound_ids(user),
            status__in=COMMITTEE_STATUSES,
        )
    )


def committee_report_list(*, user: Any):
    """A committee member's compound's filed reports, newest month first (the reader's page)."""
    return (
        report_list(user=user)
        .filter(
            compound_id__in=registry.committee_compound_ids(user), status__in=COMMITTEE_STATUSES
        )
        .order_by("-month", "compound__name", "pk")
    )


def can_review(user: Any, report: MonthlyReport) -> bool:
    return registry.can_edit_community(user, report.compound.community_id)


def is_filer(user: Any, report: MonthlyReport) -> bool:
    return report.company_id in registry.company_ids(user)


def agreement_of(report: MonthlyReport) -> Agreement | None:
    return (
        Agreement.objects.select_related("compound")
        .filter(compound_id=report.compound_id, year=report.month.year)
        .first()
    )
