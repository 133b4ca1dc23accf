"""Inspections, complaints and the rectification flow (整改) of the scorecards app.

Writes (each one transaction, all or nothing, refusing with a translated ``ValidationError``):

- ``inspection_record``: staff or a grid worker of the community records a visit with its
  findings, dated neither in the future nor before ``earliest_inspection_day`` (the compound's
  first service contract; the month after the latest published list). Each finding cites a
  criterion of the year's rubric (``setup.rubric_for``), optionally a standard deduction item of
  that criterion (its points are the default) and/or a veto item, and raises a ``Rectification``
  for the company serving the compound that day (``ServiceContract``), raised on the day it is
  recorded (the day the company is told), with a deadline ``settings.rectification_days`` after
  it unless one is given: a visit typed in late is neither overdue at once nor missing from that
  week's feedback. A compound no company serves that day (a courtyard) gets findings but no
  rectification.
- ``inspection_withdraw``: staff withdraw a wrong inspection with a reason; nothing is deleted:
  the inspection and its findings are marked withdrawn, their unfinished rectifications closed.
- ``complaint_log`` / ``complaint_verify``: a resident's complaint logged by staff or a grid
  worker; once verified it becomes a ``Finding`` (criterion ``customer_service`` by default) and a
  ``Rectification``.
- ``rectification_answer`` (a user of the company), ``rectification_verify`` and
  ``rectification_reopen`` (community staff): ``open``/``reopened`` → ``answered`` → ``closed``, or
  back to ``reopened`` with a reason and a new deadline.
- ``rectification_from_problem`` / ``problem_synced``: a patrol problem assigned to a company
  (``campaigns.Problem``) becomes a rectification linked by ``problem`` so the company answers it
  in the same inbox; both sides stay in step whichever page acts.

Every step of a rectification is a ``RectificationEvent``.

Reads (``*_list(user=...)``) return only what the user may see, so another company's or another
community's id answers 404 in the views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Compound, PropertyCompany, ServiceContract
from compounds.selectors import (
    AnyUser,
    committee_compound_ids,
    company_ids,
    staff_community_ids,
)
from tongde import rollups
from tongde.bounds import EARLIEST
from tongde.text import long_date, month_name
from tongde.uploads import photo_files

from . import rules
from .models import (
    COMPANY_TURN,
    Complaint,
    DeductionItem,
    Finding,
    Inspection,
    InspectionPhoto,
    Publication,
    Rectification,
    RectificationEvent,
    Rubric,
    RubricCriterion,
    VetoItem,
)
from .rollups import DAILY_WORK_STATS, OVERDUE_STATS
from .setup import rubric_for, settings_for

COMPLAINT_CRITERION = "customer_service"
MAX_PHOTOS = 10

# --- messages (tests and views reuse them) --------------------------------------------------------

NOT_INSPECTOR = _("Only community staff and grid workers of this community record inspections.")
NOT_COMPLAINT_LOGGER = _("Only community staff and grid workers of this community log complaints.")
NOT_STAFF = _("Only community staff verify, reopen or withdraw.")
NOT_YOUR_COMPANY = _("This rectification item is not your company's.")
DATE_IN_FUTURE = _("The date cannot be in the future.")
# An inspection dated too early, by why (``rules.earliest_inspection_day``); each names the
# earliest date allowed.
TOO_EARLY = {
    rules.EarliestReason.FLOOR: _("The earliest date allowed is %(earliest)s."),
    rules.EarliestReason.CONTRACT: _(
        "The first service contract of %(compound)s began on %(earliest)s: an inspection before "
        "it would score a company that did not serve the compound yet. The earliest date "
        "allowed is %(earliest)s."
    ),
    rules.EarliestReason.PUBLISHED: _(
        "The red/black list of %(month)s is published and final: an inspection dated in it or "
        "before it would count nowhere. The earliest date allowed is %(earliest)s."
    ),
}
NO_FINDINGS = _("Record at least one finding.")
CRITERION_OTHER_RUBRIC = _(
    "This criterion is not in the rubric of %(year)s used for this compound's community."
)
DEDUCTION_OTHER_CRITERION = _("This deduction item is not under the chosen criterion.")
VETO_OTHER_RUBRIC = _("This veto item is not in the rubric of %(year)s.")
POINTS_NEGATIVE = _("Points deducted cannot be negative.")
POINTS_ABOVE_MAX = _("At most %(max)s points can be deducted under this criterion.")
POINTS_REQUIRED = _("Choose a deduction item or give the points deducted.")
DESCRIPTION_REQUIRED = _("Describe what was found.")
DEADLINE_BEFORE_DAY = _("The deadline cannot be before the day it was found.")
TOO_MANY_PHOTOS = _("At most %(n)s photos per inspection.")
ALREADY_WITHDRAWN = _("This inspection is already withdrawn.")
REASON_REQUIRED = _("Give the reason.")
SUMMARY_REQUIRED = _("Summarise the complaint.")
ALREADY_VERIFIED = _("This complaint is already verified.")
COMPLAINT_BEFORE_CONTRACT = _(
    "The first service contract of %(compound)s began on %(earliest)s: a complaint received on "
    "%(received)s cannot be held against a company that did not serve the compound yet."
)
COUNTED_LATER = _(
    "Received on %(received)s, but the red/black list of %(received_month)s is already "
    "published and final: this complaint counts in %(month)s, the month it was found true."
)
NO_COMPLAINT_CRITERION = _("The rubric of %(year)s has no criterion %(code)s for complaints.")

NOT_ANSWERABLE = _("Only an open or reopened item can be answered; this one is %(status)s.")
ANSWER_REQUIRED = _("Write what was done.")
ANSWER_PHOTO_REQUIRED = _("Attach a photo showing the fix.")
NOT_VERIFIABLE = _("Only an answered item can be verified and closed; this one is %(status)s.")
NOT_REOPENABLE = _("Only an answered item can be sent back; this one is %(status)s.")
DEADLINE_IN_PAST = _("The new deadline cannot be in the past.")


class Action:
    """``RectificationEvent.action`` values."""

    RAISED = "raised"
    ANSWERED = "answered"
    VERIFIED = "verified"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"


ACTION_LABELS = {
    Action.RAISED: _("raised"),
    Action.ANSWERED: _("answered"),
    Action.VERIFIED: _("verified and closed"),
    Action.REOPENED: _("reopened"),
    Action.WITHDRAWN: _("withdrawn"),
}

UNFINISHED = (
    Rectification.Status.OPEN,
    Rectification.Status.REOPENED,
    Rectification.Status.ANSWERED,
)


# --- who may do what -------------------------------------------------------------------------------


def is_internal(user: AnyUser) -> bool:
    """Staff and grid workers of some community (or a superuser)."""
    return bool(user.is_authenticated and (user.is_superuser or staff_community_ids(user)))


def is_company_user(user: AnyUser) -> bool:
    return bool(user.is_authenticated and company_ids(user))


def is_committee_member(user: AnyUser) -> bool:
    return bool(user.is_authenticated and committee_compound_ids(user))


def is_rectification_reader(user: AnyUser) -> bool:
    return is_internal(user) or is_company_user(user) or is_committee_member(user)


def can_inspect(user: AnyUser, community_id: int) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or community_id in staff_community_ids(user))
    )


def can_manage(user: AnyUser, community_id: int) -> bool:
    """Verify, reopen, withdraw: community staff, not grid workers, not companies."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or community_id in staff_community_ids(user, include_grid_workers=False)
        )
    )


def is_staff_anywhere(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or staff_community_ids(user, include_grid_workers=False))
    )


def can_answer(user: AnyUser, rectification: Rectification) -> bool:
    return bool(user.is_authenticated and rectification.company_id in company_ids(user))


# --- reads -----------------------------------------------------------------------------------------


def _community_filter(user: AnyUser, field: str) -> Q | None:
    """None = everything (superuser)."""
    if user.is_superuser:
        return None
    return Q(**{f"{field}__in": staff_community_ids(user)})


def inspection_list(*, user: AnyUser) -> QuerySet[Inspection]:
    qs = Inspection.objects.select_related("compound__community", "inspector")
    if not user.is_authenticated:
        return qs.none()
    where = _community_filter(user, "compound__community_id")
    return qs if where is None else qs.filter(where)


def company_inspection_list(*, user: AnyUser) -> QuerySet[Inspection]:
    """The inspections a company user may read: those of a compound its company served on the
    day of the inspection (the findings it had to put right come from these)."""
    served = ServiceContract.objects.filter(
        compound_id=OuterRef("compound_id"),
        company_id__in=company_ids(user),
        starts_on__lte=OuterRef("inspected_on"),
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("inspected_on")))
    qs = Inspection.objects.select_related("compound__community", "inspector")
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(Exists(served))


def inspection_readable_list(*, user: AnyUser) -> QuerySet[Inspection]:
    """Staff and grid workers their communities' inspections, a company user its own
    compounds' (``company_inspection_list``): the detail page and its photos."""
    if is_internal(user):
        return inspection_list(user=user)
    return company_inspection_list(user=user)


def complaint_list(*, user: AnyUser) -> QuerySet[Complaint]:
    """Complaints carry the complainant's contact: the community's own people only."""
    qs = Complaint.objects.select_related("compound__community", "logged_by")
    if not user.is_authenticated:
        return qs.none()
    where = _community_filter(user, "compound__community_id")
    return qs if where is None else qs.filter(where)


def rectification_list(*, user: AnyUser) -> QuerySet[Rectification]:
    """Staff and grid workers: their communities' items; a company user: its company's items
    (whichever compound, since the item was raised while the company served it); a committee
    member: the items of the committee's compound, read only."""
    qs = Rectification.objects.select_related(
        "compound__community", "company", "finding__criterion", "problem"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(compound__community_id__in=staff_community_ids(user))
        | Q(company_id__in=company_ids(user))
        | Q(compound_id__in=committee_compound_ids(user))
    )


# The filters of the committee's list and of the company's inbox, by name in the query string.
STATE_UNFINISHED = "open"
STATE_TURN = "turn"
STATE_OVERDUE = "overdue"
STATE_ANSWERED = "answered"
STATE_CLOSED = "closed"


def state_q(state: str, on: dt.date) -> Q:
    """The rows of one filter: unfinished (the default), the company's turn, past the deadline,
    answered and waiting for staff, closed. The to-do counts use the same conditions."""
    return {
        STATE_TURN: Q(status__in=COMPANY_TURN),
        STATE_OVERDUE: overdue_q(on),
        STATE_ANSWERED: Q(status=Rectification.Status.ANSWERED),
        STATE_CLOSED: Q(status=Rectification.Status.CLOSED),
    }.get(state, ~Q(status=Rectification.Status.CLOSED))


def committee_rectification_list(
    *, user: AnyUser, state: str = STATE_UNFINISHED, on: dt.date | None = None
) -> QuerySet[Rectification]:
    """The committee's compound's items in one state, the latest raised first."""
    on = on or timezone.localdate()
    return (
        rectification_list(user=user)
        .filter(compound_id__in=committee_compound_ids(user))
        .filter(state_q(state, on))
        .order_by("-created_on", "-pk")
    )


def overdue_q(on: dt.date) -> Q:
    return Q(status__in=COMPANY_TURN, deadline_on__lt=on)


# How far ahead "due soon" looks: today and the next three days, so a grid worker can plan the
# visits that check the fixes before the deadlines pass.
DUE_SOON_DAYS = 3


def due_soon_q(on: dt.date) -> Q:
    """Items still the company's to fix whose deadline is ``on`` or one of the next
    ``DUE_SOON_DAYS`` days (past deadlines are overdue, not due)."""
    return Q(
        status__in=COMPANY_TURN,
        deadline_on__gte=on,
        deadline_on__lte=on + dt.timedelta(days=DUE_SOON_DAYS),
    )


def _company_items(user: AnyUser) -> QuerySet[Rectification]:
    return rectification_list(user=user).filter(company_id__in=company_ids(user))


def inbox(
    *,
    user: AnyUser,
    on: dt.date | None = None,
    closed: bool = False,
    state: str = STATE_UNFINISHED,
) -> QuerySet[Rectification]:
    """A company user's items still to be dealt with: overdue first, then what is its turn,
    then what awaits staff's verification. With ``closed``, the verified ones, the latest
    closed first (a year of them would otherwise bury the open ones). ``state`` narrows the
    unfinished ones to one filter of ``state_q`` (the to-do page links to these)."""
    on = on or timezone.localdate()
    qs = _company_items(user)
    if closed or state == STATE_CLOSED:
        return qs.filter(status=Rectification.Status.CLOSED).order_by("-closed_on", "-pk")
    return (
        qs.filter(state_q(state, on))
        .annotate(
            sort_group=Case(
                When(overdue_q(on), then=Value(0)),
                When(status__in=COMPANY_TURN, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("sort_group", "deadline_on", "pk")
    )


def inbox_counts(*, user: AnyUser, on: dt.date | None = None) -> dict[str, int]:
    """How many of the company's items are in each filter of the inbox, in one query: the inbox
    tabs and the company's to-do page both read these, so their counts agree."""
    on = on or timezone.localdate()
    states = (STATE_UNFINISHED, STATE_TURN, STATE_OVERDUE, STATE_ANSWERED, STATE_CLOSED)
    return _company_items(user).aggregate(
        **{state: Count("pk", filter=state_q(state, on)) for state in states}
    )


def rectification_events(rectification: Rectification) -> QuerySet[RectificationEvent]:
    return rectification.events.select_related("by").order_by("at", "pk")


def company_serving(compound: Compound, on: dt.date) -> PropertyCompany | None:
    contract = (
        ServiceContract.objects.current(on)
        .filter(compound=compound)
        .select_related("company")
        .order_by("-starts_on")
        .first()
    )
    return contract.company if contract else None


# --- inspections -----------------------------------------------------------------------------------


def _date_bounds(compound: Compound) -> dict[str, dt.date | None]:
    """What bounds the days findings of ``compound`` may have: its first service contract and
    its community's latest published month. Two queries."""
    first_contract_on = ServiceContract.objects.filter(compound=compound).aggregate(
        on=Min("starts_on")
    )["on"]
    last_published_month = Publication.objects.filter(community_id=compound.community_id).aggregate(
        month=Max("month")
    )["month"]
    return {
        "floor": EARLIEST,
        "first_contract_on": first_contract_on,
        "last_published_month": last_published_month,
    }


def earliest_inspection_day(compound: Compound) -> rules.Earliest:
    """The earliest day an inspection of ``compound`` may have (``rules.earliest_inspection_day``)."""
    return rules.earliest_inspection_day(**_date_bounds(compound))


def too_early(compound: Compound, day: dt.date) -> str | None:
    """Why ``day`` is too early for an inspection of ``compound``, or ``None``."""
    earliest = earliest_inspection_day(compound)
    if day >= earliest.on:
        return None
    month = earliest.on - dt.timedelta(days=1)
    return str(
        TOO_EARLY[earliest.reason]
        % {
            "compound": compound.name,
            "earliest": long_date(earliest.on),
            "month": month_name(month),
        }
    )


@dataclass
class FindingInput:
    """One finding as entered, before it is checked."""

    criterion: RubricCriterion
    description: str
    deduction_item: DeductionItem | None = None
    points: Decimal | None = None
    veto_item: VetoItem | None = None
    photo: IO[bytes] | None = None
    deadline_on: dt.date | None = None


def _event(
    rectification: Rectification, action: str, user: Any, comment: str = ""
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        rectification=rectification, action=action, by=user, comment=comment
    )


def _in_rubric(items: Sequence[FindingInput], rubric: Rubric) -> list[FindingInput]:
    """``items`` with their criterion, deduction item and veto item taken from ``rubric`` by
    code where they came from another rubric: in January staff record December's inspections and
    complaints, and the forms offer this year's items; the same codes of last year's rubric are
    meant. Only rubrics of the same community are mapped; an item of another community's rubric,
    or one whose code the rubric lacks, is left as it is (and refused with the year)."""
    other = {i.criterion.rubric_id for i in items} - {rubric.pk}
    if not other:
        return list(items)
    same_community = set(
        Rubric.objects.filter(pk__in=other, community_id=rubric.community_id).values_list(
            "pk", flat=True
        )
    )
    criteria = {c.code: c for c in RubricCriterion.objects.filter(rubric=rubric)}
    deductions = {
        (d.criterion.code, d.code): d
        for d in DeductionItem.objects.filter(criterion__rubric=rubric).select_related("criterion")
    }
    vetoes = {v.code: v for v in VetoItem.objects.filter(rubric=rubric)}
    mapped = []
    for item in items:
        if item.criterion.rubric_id not in same_community:
            mapped.append(item)
            continue
        deduction, veto = item.deduction_item, item.veto_item
        if deduction is not None:
            key = (deduction.criterion.code, deduction.code)
            deduction = deductions.get(key, deduction)
        if veto is not None:
            veto = vetoes.get(veto.code, veto)
        mapped.append(
            replace(
                item,
                criterion=criteria.get(item.criterion.code, item.criterion),
                deduction_item=deduction,
                veto_item=veto,
            )
        )
    return mapped


def _finding_errors(
    item: FindingInput, *, rubric_id: int, year: int, day: dt.date
) -> tuple[dict[str, list[str]], Decimal, Any]:
    errors: dict[str, list[str]] = {}
    criterion = item.criterion
    if criterion.rubric_id != rubric_id:
        errors["criterion"] = [str(CRITERION_OTHER_RUBRIC % {"year": year})]
    if item.deduction_item is not None and item.deduction_item.criterion_id != criterion.pk:
        errors["deduction_item"] = [str(DEDUCTION_OTHER_CRITERION)]
    if item.veto_item is not None and item.veto_item.rubric_id != rubric_id:
        errors["veto_item"] = [str(VETO_OTHER_RUBRIC % {"year": year})]
    points = item.points
    if points is None:
        if item.deduction_item is not None:
            points = item.deduction_item.points
        elif item.veto_item is not None:
            points = Decimal(0)
        else:
            errors["points"] = [str(POINTS_REQUIRED)]
            points = Decimal(0)
    elif points < 0:
        errors["points"] = [str(POINTS_NEGATIVE)]
    elif points > criterion.max_points:
        errors["points"] = [str(POINTS_ABOVE_MAX % {"max": criterion.max_points})]
    if not (item.description or "").strip():
        errors["description"] = [str(DESCRIPTION_REQUIRED)]
    if item.deadline_on is not None and item.deadline_on < day:
        errors["deadline_on"] = [str(DEADLINE_BEFORE_DAY)]
    files = None
    if item.photo is not None:
        try:
            files = photo_files(item.photo)
        except ValidationError as exc:
            errors["photo"] = exc.messages
    return errors, points, files


def _raise_rectification(
    *,
    finding: Finding,
    company: PropertyCompany | None,
    deadline_on: dt.date | None,
    default_days: int,
    user: Any,
    recorded_on: dt.date,
) -> Rectification | None:
    if company is None:
        return None
    # The company can act only from the day it is told: a finding typed in late is raised that
    # day (the week's feedback lists it as new) and counts its default days from it. A deadline
    # staff chose that falls before it keeps the item raised no later than its deadline.
    deadline_on = deadline_on or recorded_on + dt.timedelta(days=default_days)
    rectification = Rectification.objects.create(
        compound=finding.compound,
        company=company,
        finding=finding,
        description=finding.description,
        created_on=min(recorded_on, deadline_on),
        deadline_on=deadline_on,
    )
    _event(rectification, Action.RAISED, user)
    return rectification


@transaction.atomic
def inspection_record(
    *,
    compound: Compound,
    day: dt.date,
    inspector: Any,
    findings: Sequence[FindingInput] = (),
    photos: Sequence[IO[bytes]] = (),
    notes: str = "",
    today: dt.date | None = None,
) -> Inspection:
    """Record an inspection with its findings and photos; all or nothing.

    Errors of finding ``i`` (0-based) are keyed ``finding.<i>.<field>``; photos of the inspection
    ``photos``; the date ``inspected_on``. An inspection with no finding is allowed: it counts as an
    inspection of the month (a clean visit).
    """
    today = today or timezone.localdate()
    if not can_inspect(inspector, compound.community_id):
        raise ValidationError(NOT_INSPECTOR)
    errors: dict[str, list[str]] = {}
    if day > today:
        errors["inspected_on"] = [str(DATE_IN_FUTURE)]
    elif refusal := too_early(compound, day):
        errors["inspected_on"] = [refusal]
    rubric = rubric_for(compound.community_id, day.year)
    findings = _in_rubric(findings, rubric)
    checked: list[tuple[FindingInput, Decimal, Any]] = []
    for index, item in enumerate(findings):
        item_errors, points, files = _finding_errors(
            item, rubric_id=rubric.pk, year=day.year, day=day
        )
        checked.append((item, points, files))
        for field, messages in item_errors.items():
            errors[f"finding.{index}.{field}"] = messages
    photo_list: list[tuple[Any, Any]] = []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [str(TOO_MANY_PHOTOS % {"n": MAX_PHOTOS})]
    else:
        for photo in photos:
            try:
                photo_list.append(photo_files(photo))
            except ValidationError as exc:
                errors.setdefault("photos", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    inspection = Inspection.objects.create(
        compound=compound, inspected_on=day, inspector=inspector, notes=notes.strip()
    )
    for original, thumb in photo_list:
        row = InspectionPhoto(inspection=inspection)
        row.image.save(original.name, original, save=False)
        row.thumbnail.save(thumb.name, thumb, save=False)
        row.save()
    company = company_serving(compound, day)
    days = settings_for(compound.community_id, day.year).rectification_days
    for item, points, files in checked:
        finding = Finding(
            compound=compound,
            inspection=inspection,
            found_on=day,
            criterion=item.criterion,
            deduction_item=item.deduction_item,
            points=points,
            veto_item=item.veto_item,
            description=item.description.strip(),
        )
        if files is not None:
            finding.photo.save(files[0].name, files[0], save=False)
        finding.save()
        _raise_rectification(
            finding=finding,
            company=company,
            deadline_on=item.deadline_on,
            default_days=days,
            user=inspector,
            recorded_on=today,
        )
    # Recorded after the day, or with a deadline already past: periods rolled up may change.
    rollups.mark_stale(DAILY_WORK_STATS, day)
    return inspection


def _withdraw_rectifications(
    rectifications: QuerySet[Rectification], *, user: Any, reason: str, today: dt.date
) -> int:
    count = 0
    for rectification in rectifications.select_for_update().filter(status__in=UNFINISHED):
        rectification.status = Rectification.Status.CLOSED
        rectification.closed_on = max(today, rectification.created_on)
        rectification.save(update_fields=["status", "closed_on"])
        _event(rectification, Action.WITHDRAWN, user, reason)
        count += 1
    return count


@transaction.atomic
def inspection_withdraw(
    *, inspection: Inspection, user: Any, reason: str, today: dt.date | None = None
) -> Inspection:
    """Staff withdraw an inspection recorded in error. Never deleted: the inspection and its
    findings are marked withdrawn (scoring ignores them) and unfinished rectifications they raised
    are closed with a ``withdrawn`` event carrying the reason."""
    today = today or timezone.localdate()
    inspection = (
        Inspection.objects.select_for_update().select_related("compound").get(pk=inspection.pk)
    )
    if not can_manage(user, inspection.compound.community_id):
        raise ValidationError(NOT_STAFF)
    if inspection.is_withdrawn:
        raise ValidationError(ALREADY_WITHDRAWN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [str(REASON_REQUIRED)]})
    inspection.is_withdrawn = True
    inspection.withdrawn_reason = reason[:300]
    inspection.save(update_fields=["is_withdrawn", "withdrawn_reason"])
    inspection.findings.update(is_withdrawn=True)
    _withdraw_rectifications(
        Rectification.objects.filter(finding__inspection=inspection),
        user=user,
        reason=reason,
        today=today,
    )
    rollups.mark_stale(DAILY_WORK_STATS, inspection.inspected_on)
    return inspection


# --- complaints ------------------------------------------------------------------------------------


def _complaint_finding(
    complaint: Complaint,
    *,
    user: Any,
    criterion: RubricCriterion | None,
    deduction_item: DeductionItem | None,
    points: Decimal | None,
    deadline_on: dt.date | None,
    today: dt.date,
) -> Finding:
    placed = rules.complaint_finding_day(
        received_on=complaint.received_on, verified_on=today, **_date_bounds(complaint.compound)
    )
    if placed.on is None:
        raise ValidationError({"received_on": [_complaint_refusal(complaint, placed.refusal)]})
    day = placed.on
    rubric = rubric_for(complaint.compound.community_id, day.year)
    if criterion is None:
        criterion = rubric.criteria.filter(code=COMPLAINT_CRITERION).first()
        if criterion is None:
            raise ValidationError(
                NO_COMPLAINT_CRITERION % {"year": day.year, "code": COMPLAINT_CRITERION}
            )
        if deduction_item is None and points is None:
            # The criterion's first standard deduction (by default "complaint not answered in
            # time") unless staff chose another or gave the points.
            deduction_item = criterion.deduction_items.first()
    item = FindingInput(
        criterion=criterion,
        description=complaint.summary,
        deduction_item=deduction_item,
        points=points,
        deadline_on=deadline_on,
    )
    (item,) = _in_rubric([item], rubric)
    criterion, deduction_item = item.criterion, item.deduction_item
    errors, checked_points, _files = _finding_errors(
        item, rubric_id=rubric.pk, year=day.year, day=day
    )
    if errors:
        raise ValidationError(errors)
    finding = Finding.objects.create(
        compound=complaint.compound,
        complaint=complaint,
        found_on=day,
        criterion=criterion,
        deduction_item=deduction_item,
        points=checked_points,
        description=complaint.summary,
    )
    _raise_rectification(
        finding=finding,
        company=company_serving(complaint.compound, day),
        deadline_on=deadline_on,
        default_days=settings_for(complaint.compound.community_id, day.year).rectification_days,
        user=user,
        recorded_on=today,
    )
    # Verified after the month it counts in: that month's rollups may change.
    rollups.mark_stale(DAILY_WORK_STATS, day)
    return finding


def _complaint_refusal(complaint: Complaint, earliest: rules.Earliest) -> str:
    if earliest.reason == rules.EarliestReason.CONTRACT:
        return str(
            COMPLAINT_BEFORE_CONTRACT
            % {
                "compound": complaint.compound.name,
                "earliest": long_date(earliest.on),
                "received": long_date(complaint.received_on),
            }
        )
    return str(
        TOO_EARLY[earliest.reason]
        % {
            "compound": complaint.compound.name,
            "earliest": long_date(earliest.on),
            "month": month_name(earliest.on - dt.timedelta(days=1)),
        }
    )


def complaint_counted_later(complaint: Complaint) -> str | None:
    """Why a verified complaint counts in a later month than it was received in, or ``None``."""
    finding = complaint.findings.order_by("pk").first()
    if finding is None:
        return None
    received, found = complaint.received_on, finding.found_on
    if not rules.counts_in_later_month(received, found):
        return None
    return str(
        COUNTED_LATER
        % {
            "received": long_date(received),
            "received_month": month_name(received),
            "month": month_name(found),
        }
    )


@transaction.atomic
def complaint_log(
    *,
    compound: Compound,
    received_on: dt.date,
    channel: str,
    summary: str,
    user: Any,
    complainant_contact: str = "",
    is_collective: bool = False,
    verified: bool = False,
    criterion: RubricCriterion | None = None,
    deduction_item: DeductionItem | None = None,
    points: Decimal | None = None,
    deadline_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Complaint:
    """Log a complaint; when ``verified`` it also becomes a finding and a rectification."""
    today = today or timezone.localdate()
    if not can_inspect(user, compound.community_id):
        raise ValidationError(NOT_COMPLAINT_LOGGER)
    errors: dict[str, list[str]] = {}
    if received_on > today:
        errors["received_on"] = [str(DATE_IN_FUTURE)]
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [str(SUMMARY_REQUIRED)]
    if channel not in Complaint.Channel.values:
        errors["channel"] = [str(_("Choose a channel."))]
    if errors:
        raise ValidationError(errors)
    complaint = Complaint.objects.create(
        compound=compound,
        received_on=received_on,
        channel=channel,
        summary=summary,
        complainant_contact=complainant_contact.strip(),
        is_collective=is_collective,
        is_verified=verified,
        logged_by=user,
    )
    if verified:
        _complaint_finding(
            complaint,
            user=user,
            criterion=criterion,
            deduction_item=deduction_item,
            points=points,
            deadline_on=deadline_on,
            today=today,
        )
    return complaint


@transaction.atomic
def complaint_verify(
    *,
    complaint: Complaint,
    user: Any,
    criterion: RubricCriterion | None = None,
    deduction_item: DeductionItem | None = None,
    points: Decimal | None = None,
    deadline_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Complaint:
    """A complaint logged unverified is found true: it becomes a finding and a rectification."""
    complaint = (
        Complaint.objects.select_for_update().select_related("compound").get(pk=complaint.pk)
    )
    if not can_inspect(user, complaint.compound.community_id):
        raise ValidationError(NOT_COMPLAINT_LOGGER)
    if complaint.is_verified:
        raise ValidationError(ALREADY_VERIFIED)
    complaint.is_verified = True
    complaint.save(update_fields=["is_verified"])
    _complaint_finding(
        complaint,
        user=user,
        criterion=criterion,
        deduction_item=deduction_item,
        points=points,
        deadline_on=deadline_on,
        today=today or timezone.localdate(),
    )
    return complaint


# --- rectifications --------------------------------------------------------------------------------


def _locked(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update()
        .select_related("compound")
        .get(pk=rectification.pk)
    )


def _problem_step(rectification: Rectification, action: str, user: Any, note: str = "") -> None:
    """Keep a linked patrol problem in step with its rectification."""
    if rectification.problem_id is None:
        return
    from campaigns.models import Problem, ProblemEvent

    problem = Problem.objects.select_for_update().get(pk=rectification.problem_id)
    if action == Action.ANSWERED:
        problem.status = Problem.Status.ANSWERED
        problem.company_answer = rectification.answer
        problem.answer_photo = rectification.answer_photo.name
        problem.answered_at = rectification.answered_at
        event = ProblemEvent.Action.ANSWERED
    elif action in (Action.VERIFIED, Action.WITHDRAWN):
        problem.status = Problem.Status.CLOSED
        problem.closed_on = rectification.closed_on
        event = ProblemEvent.Action.CLOSED
    elif action == Action.REOPENED:
        problem.status = Problem.Status.ASSIGNED
        problem.deadline_on = rectification.deadline_on
        event = ProblemEvent.Action.REOPENED
    else:  # pragma: no cover - only the three transitions above reach here
        raise ValueError(action)
    problem.save()
    ProblemEvent.objects.create(
        problem=problem,
        action=event,
        status=problem.status,
        by=user,
        note=note,
        deadline_on=problem.deadline_on if action == Action.REOPENED else None,
    )


@transaction.atomic
def rectification_answer(
    *,
    rectification: Rectification,
    user: Any,
    answer: str,
    photo: IO[bytes] | None,
    now: dt.datetime | None = None,
) -> Rectification:
    """The company says what it did, with an evidence photo: ``open``/``reopened`` → ``answered``.
    A late answer is accepted (the deadline shows it was late)."""
    now = now or timezone.now()
    rectification = _locked(rectification)
    if not can_answer(user, rectification):
        raise ValidationError(NOT_YOUR_COMPANY)
    if rectification.status not in COMPANY_TURN:
        raise ValidationError(
            NOT_ANSWERABLE % {"status": rectification.get_status_display()}, code="state"
        )
    errors: dict[str, list[str]] = {}
    answer = (answer or "").strip()
    if not answer:
        errors["answer"] = [str(ANSWER_REQUIRED)]
    files = None
    if photo is None:
        errors["photo"] = [str(ANSWER_PHOTO_REQUIRED)]
    else:
        try:
            files = photo_files(photo)
        except ValidationError as exc:
            errors["photo"] = exc.messages
    if errors:
        raise ValidationError(errors)
    rectification.answer = answer
    rectification.answer_photo.save(files[0].name, files[0], save=False)
    rectification.answered_at = now
    rectification.status = Rectification.Status.ANSWERED
    rectification.save()
    _event(rectification, Action.ANSWERED, user, answer)
    _problem_step(rectification, Action.ANSWERED, user, answer)
    return rectification


@transaction.atomic
def rectification_verify(
    *, rectification: Rectification, user: Any, note: str = "", today: dt.date | None = None
) -> Rectification:
    """Staff check the fix and close the item: ``answered`` → ``closed``."""
    today = today or timezone.localdate()
    rectification = _locked(rectification)
    if not can_manage(user, rectification.compound.community_id):
        raise ValidationError(NOT_STAFF)
    if rectification.status != Rectification.Status.ANSWERED:
        raise ValidationError(
            NOT_VERIFIABLE % {"status": rectification.get_status_display()}, code="state"
        )
    rectification.status = Rectification.Status.CLOSED
    rectification.closed_on = max(today, rectification.created_on)
    rectification.verified_by = user
    rectification.save(update_fields=["status", "closed_on", "verified_by"])
    note = (note or "").strip()
    _event(rectification, Action.VERIFIED, user, note)
    _problem_step(rectification, Action.VERIFIED, user, note)
    return rectification


@transaction.atomic
def rectification_reopen(
    *,
    rectification: Rectification,
    user: Any,
    reason: str,
    deadline_on: dt.date,
    today: dt.date | None = None,
) -> Rectification:
    """Staff do not accept the fix: ``answered`` → ``reopened`` with a reason and a new deadline.
    The earlier answer stays in the events."""
    today = today or timezone.localdate()
    rectification = _locked(rectification)
    if not can_manage(user, rectification.compound.community_id):
        raise ValidationError(NOT_STAFF)
    if rectification.status != Rectification.Status.ANSWERED:
        raise ValidationError(
            NOT_REOPENABLE % {"status": rectification.get_status_display()}, code="state"
        )
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [str(REASON_REQUIRED)]
    if deadline_on is None or deadline_on < today:
        errors["deadline_on"] = [str(DEADLINE_IN_PAST)]
    if errors:
        raise ValidationError(errors)
    # An old deadline leaves the period it made the item overdue in.
    rollups.mark_stale(OVERDUE_STATS, min(rectification.deadline_on, deadline_on))
    rectification.status = Rectification.Status.REOPENED
    rectification.deadline_on = deadline_on
    rectification.save(update_fields=["status", "deadline_on"])
    _event(rectification, Action.REOPENED, user, reason)
    _problem_step(rectification, Action.REOPENED, user, reason)
    return rectification


# --- the join with patrol problems -----------------------------------------------------------------


def rectification_from_problem(problem: Any, *, user: Any = None) -> Rectification | None:
    """A patrol problem assigned to a company becomes a rectification in the company's inbox.
    Idempotent: a problem has at most one rectification."""
    if problem.company_id is None or problem.deadline_on is None:
        return None
    existing = Rectification.objects.filter(problem=problem).first()
    if existing:
        return existing
    rectification = Rectification.objects.create(
        compound_id=problem.compound_id,
        company_id=problem.company_id,
        problem=problem,
        description=problem.description,
        created_on=problem.found_on,
        deadline_on=problem.deadline_on,
    )
    # A patrol logged late may raise an item whose deadline has already passed.
    rollups.mark_stale(OVERDUE_STATS, rectification.deadline_on)
    _event(rectification, Action.RAISED, user, str(_("patrol problem")))
    return rectification


def problem_synced(problem: Any, *, action: str, user: Any = None, note: str = "") -> None:
    """Called by ``campaigns.patrols`` after a problem's transition made on the patrol pages, so the
    linked rectification follows (the reverse of ``_problem_step``)."""
    from campaigns.models import Problem

    if action == "found":
        if problem.status == Problem.Status.ASSIGNED:
            rectification_from_problem(problem, user=user)
        return
    rectification = Rectification.objects.select_for_update().filter(problem=problem).first()
    if rectification is None:
        return
    if action == "answered":
        rectification.status = Rectification.Status.ANSWERED
        rectification.answer = problem.company_answer
        rectification.answer_photo = problem.answer_photo.name
        rectification.answered_at = problem.answered_at
        event = Action.ANSWERED
    elif action == "closed":
        rectification.status = Rectification.Status.CLOSED
        rectification.closed_on = max(problem.closed_on, rectification.created_on)
        rectification.verified_by = user
        event = Action.VERIFIED
    elif action == "reopened":
        rollups.mark_stale(OVERDUE_STATS, min(rectification.deadline_on, problem.deadline_on))
        rectification.status = Rectification.Status.REOPENED
        rectification.deadline_on = problem.deadline_on
        event = Action.REOPENED
    else:
        raise ValueError(action)
    rectification.save()
    _event(rectification, event, user, note)
