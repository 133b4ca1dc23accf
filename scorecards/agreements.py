"""Writes for the yearly setup of the evaluation: settings (bands and calendar), rubric versions,
target-responsibility agreements (目标责任书) and their service commitments (清单式承诺).

Every service is atomic and refuses bad input with ``ValidationError`` keyed by the form field it
concerns, using the message constants below (tests reuse them).

Rubrics are versioned: ``rubric_new_version`` copies the latest version of the year into a new,
editable one; ``rubric_update`` edits a version in place only while no scorecard uses it. The
scoring helper sets ``is_frozen`` when a scorecard is drafted with a version; from then on an edit
is refused with ``RUBRIC_FROZEN`` and staff make a new version instead.

Commitments are never deleted (a monthly report's status rows point at them): taking one off the
list withdraws it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from compounds import selectors as registry
from compounds.models import Community, Compound, ServiceContract
from tongde import uploads

from . import setup
from .models import (
    Agreement,
    Commitment,
    DeductionItem,
    Rubric,
    RubricCriterion,
    ScoringSettings,
    VetoItem,
)

# Refusals, as constants so that tests and views say exactly the same thing.
RUBRIC_FROZEN = _(
    "Version %(version)s of this rubric is already used by scorecards and cannot be edited: "
    "make a new version."
)
RUBRIC_NOT_LATEST = _("Only the newest version of the year's rubric can be edited.")
RUBRIC_NO_CRITERIA = _("A rubric needs at least one criterion.")
RUBRIC_DUPLICATE_CODE = _("The code %(code)s is used twice.")
RUBRIC_UNKNOWN_CRITERION = _("Deduction item %(code)s is under a criterion that is not listed.")
RUBRIC_ITEM_IN_USE = _(
    "%(name)s is already cited by findings and cannot be removed from this version."
)
POINTS_NOT_POSITIVE = _("Points must be more than zero.")
BANDS_ORDER = _("The black-list line cannot be above the red-list line.")
PUBLISH_TOO_EARLY = _(
    "The publication day must come after the report due day plus the grace days: "
    "day %(day)s or later."
)
DEDUCTION_OVER_MAX = _(
    "Deduction item %(code)s takes off %(points)s points, more than the %(max)s points of its "
    "criterion."
)
RUBRIC_TOTAL = _("The criteria's maximum points add up to %(total)s; they must add up to 100.")
SCAN_NOT_DOCUMENT = _(
    "The scan must be a PDF or a photo (JPEG, PNG, WebP), judged by its content, not its name."
)
AGREEMENT_EXISTS = _("%(compound)s already has an agreement for %(year)s.")
AGREEMENT_NO_COMPANY = _("No property company serves %(compound)s in %(year)s.")
AGREEMENT_NOT_MANAGED = _("%(compound)s is not a compound of this community.")
SIGNED_OUTSIDE_YEAR = _("The signing date is more than a year away from %(year)s.")
RATE_RANGE = _("A rate is between 0 and 100%.")
COMMITMENT_EMPTY = _("Write the commitment.")
FEE_VOTE_ELSEWHERE = _("The vote chosen is not an election of this compound.")

SETTINGS_FIELDS = (
    "red_at",
    "black_below",
    "min_inspections",
    "report_due_day",
    "report_grace_days",
    "reply_days",
    "publish_by_day",
    "appeal_days",
    "rectification_days",
)
AGREEMENT_FIELDS = (
    "signed_on",
    "target_fee_collection_rate",
    "target_complaint_days",
    "target_satisfaction",
    "fee_standard",
    "fee_vote",
    "notes",
)


# --- Settings --------------------------------------------------------------------------------


def check_settings(values: Mapping[str, Any]) -> None:
    """The rules between settings: 0 <= black line <= red line <= 100 (each line's range is
    also a validator of its field) and publication after the report's grace period."""
    errors: dict[str, Any] = {}
    red, black = values.get("red_at"), values.get("black_below")
    if red is not None and black is not None and black > red:
        errors["black_below"] = BANDS_ORDER
    due, grace = values.get("report_due_day"), values.get("report_grace_days")
    publish = values.get("publish_by_day")
    if None not in (due, grace, publish) and publish <= due + grace:
        errors["publish_by_day"] = PUBLISH_TOO_EARLY % {"day": due + grace + 1}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def settings_update(*, community: Community, year: int, data: Mapping[str, Any]) -> ScoringSettings:
    """Change the bands and calendar of a community's year (created from defaults if new)."""
    row = setup.settings_for(community, year)
    row = ScoringSettings.objects.select_for_update().get(pk=row.pk)
    for field in SETTINGS_FIELDS:
        if field in data and data[field] is not None:
            setattr(row, field, data[field])
    row.full_clean(validate_constraints=False)
    check_settings(row.__dict__)
    row.save()
    return row


# --- Rubrics ---------------------------------------------------------------------------------


def rubric_latest(community: Community | int, year: int) -> Rubric:
    return setup.rubric_for(community, year)


@transaction.atomic
def rubric_new_version(*, rubric: Rubric, by: Any = None, note: str = "") -> Rubric:
    """A new version of ``rubric``'s year that copies the year's latest version, editable."""
    latest = (
        Rubric.objects.select_for_update()
        .filter(community_id=rubric.community_id, year=rubric.year)
        .order_by("-version")
        .first()
    )
    new = Rubric.objects.create(
        community_id=latest.community_id,
        year=latest.year,
        version=latest.version + 1,
        note=note,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    for criterion in latest.criteria.prefetch_related("deduction_items"):
        copy = RubricCriterion.objects.create(
            rubric=new,
            code=criterion.code,
            name=criterion.name,
            name_zh=criterion.name_zh,
            max_points=criterion.max_points,
            position=criterion.position,
        )
        DeductionItem.objects.bulk_create(
            DeductionItem(
                criterion=copy,
                code=item.code,
                name=item.name,
                name_zh=item.name_zh,
                points=item.points,
                position=item.position,
            )
            for item in criterion.deduction_items.all()
        )
    VetoItem.objects.bulk_create(
        VetoItem(rubric=new, code=v.code, name=v.name, name_zh=v.name_zh, position=v.position)
        for v in latest.veto_items.all()
    )
    return new


def _check_codes(rows: list[Mapping[str, Any]], field: str, *, key=lambda r: r["code"]) -> None:
    seen: set = set()
    for row in rows:
        k = key(row)
        if k in seen:
            raise ValidationError({field: RUBRIC_DUPLICATE_CODE % {"code": row["code"]}})
        seen.add(k)


def _remove(rows: Iterable[Any]) -> None:
    for row in rows:
        try:
            with transaction.atomic():
                row.delete()
        except ProtectedError as exc:
            raise ValidationError(RUBRIC_ITEM_IN_USE % {"name": row.name_zh}) from exc


@transaction.atomic
def rubric_update(
    *,
    rubric: Rubric,
    criteria: list[Mapping[str, Any]],
    deductions: list[Mapping[str, Any]],
    vetoes: list[Mapping[str, Any]],
    note: str | None = None,
) -> Rubric:
    """Replace the criteria, deduction items and veto items of an unused version.

    Rows are matched by code, so a criterion kept keeps its id (findings may already cite it);
    a row that findings cite cannot be removed. ``deductions`` rows name their criterion by
    ``criterion`` (its code)."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_frozen:
        raise ValidationError(RUBRIC_FROZEN % {"version": rubric.version})
    newest = Rubric.objects.filter(community_id=rubric.community_id, year=rubric.year).aggregate(
        v=Max("version")
    )["v"]
    if rubric.version != newest:
        raise ValidationError(RUBRIC_NOT_LATEST)
    if not criteria:
        raise ValidationError(RUBRIC_NO_CRITERIA)
    _check_codes(criteria, "criteria")
    _check_codes(deductions, "deductions", key=lambda r: (r["criterion"], r["code"]))
    _check_codes(vetoes, "vetoes")
    known = {row["code"] for row in criteria}
    for row in deductions:
        if row["criterion"] not in known:
            raise ValidationError({"deductions": RUBRIC_UNKNOWN_CRITERION % {"code": row["code"]}})
    for row in [*criteria, *deductions]:
        if Decimal(row.get("max_points", row.get("points"))) <= 0:
            raise ValidationError(POINTS_NOT_POSITIVE)
    maxima = {row["code"]: Decimal(row["max_points"]) for row in criteria}
    for row in deductions:
        if Decimal(row["points"]) > maxima[row["criterion"]]:
            raise ValidationError(
                {
                    "deductions": DEDUCTION_OVER_MAX
                    % {
                        "code": row["code"],
                        "points": row["points"],
                        "max": maxima[row["criterion"]],
                    }
                }
            )
    total = sum(maxima.values(), Decimal(0))
    if total != 100:
        raise ValidationError({"criteria": RUBRIC_TOTAL % {"total": total}})

    existing = {c.code: c for c in rubric.criteria.prefetch_related("deduction_items")}
    # Remove first what is gone (deduction items of kept criteria included), then upsert.
    wanted_items = {(r["criterion"], r["code"]) for r in deductions}
    _remove(
        item
        for c in existing.values()
        for item in c.deduction_items.all()
        if (c.code, item.code) not in wanted_items
    )
    _remove(c for code, c in existing.items() if code not in known)
    by_code: dict[str, RubricCriterion] = {}
    for position, row in enumerate(criteria):
        obj = existing.get(row["code"]) or RubricCriterion(rubric=rubric, code=row["code"])
        obj.name, obj.name_zh = row["name"], row["name_zh"]
        obj.max_points, obj.position = row["max_points"], position
        obj.save()
        by_code[obj.code] = obj
    items = {
        (i.criterion_id, i.code): i for i in DeductionItem.objects.filter(criterion__rubric=rubric)
    }
    for position, row in enumerate(deductions):
        criterion = by_code[row["criterion"]]
        obj = items.get((criterion.pk, row["code"])) or DeductionItem(
            criterion=criterion, code=row["code"]
        )
        obj.name, obj.name_zh, obj.points, obj.position = (
            row["name"],
            row["name_zh"],
            row["points"],
            position,
        )
        obj.save()
    veto_codes = {r["code"] for r in vetoes}
    old_vetoes = {v.code: v for v in rubric.veto_items.all()}
    _remove(v for code, v in old_vetoes.items() if code not in veto_codes)
    for position, row in enumerate(vetoes):
        obj = old_vetoes.get(row["code"]) or VetoItem(rubric=rubric, code=row["code"])
        obj.name, obj.name_zh, obj.position = row["name"], row["name_zh"], position
        obj.save()
    if note is not None:
        rubric.note = note
        rubric.save(update_fields=["note"])
    return rubric


@transaction.atomic
def rubric_adopt(
    *,
    community: Community,
    year: int,
    criteria: list[Mapping[str, Any]],
    deductions: list[Mapping[str, Any]],
    vetoes: list[Mapping[str, Any]],
    note: str | None = None,
) -> Rubric:
    """The first save of a year's rubric, from the unsaved default the rubric page showed:
    version 1 is created from the default and edited as ``rubric_update``, all or nothing (a
    refused edit leaves the year with no rubric). If a concurrent save made version 1 first,
    this edit applies to it, so the year still has one version 1."""
    rubric = setup.rubric_for(community, year)
    return rubric_update(
        rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes, note=note
    )


# --- Agreements --------------------------------------------------------------------------------


def company_serving(compound: Compound, year: int) -> ServiceContract | None:
    """The contract of the year: in force on the last day of the year served, else the latest
    one that overlaps the year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (
        ServiceContract.objects.filter(compound=compound, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("company")
        .order_by("-starts_on")
        .first()
    )


def _scan_content(scan: IO[bytes] | None):
    if not scan:
        return None
    # A signed scan is a PDF or a photo, never a Word file: one message for anything else.
    try:
        return uploads.document_content(
            scan, kinds=("pdf", "jpg", "png", "webp"), bad_type=SCAN_NOT_DOCUMENT
        )
    except ValidationError as exc:
        raise ValidationError({"scan": exc.messages}) from exc


def _check_agreement(agreement: Agreement) -> None:
    for field in ("target_fee_collection_rate", "target_satisfaction"):
        value = getattr(agreement, field)
        if value is not None and not (0 <= value <= 1):
            raise ValidationError({field: RATE_RANGE})
    if agreement.signed_on and abs(agreement.signed_on.year - agreement.year) > 1:
        raise ValidationError({"signed_on": SIGNED_OUTSIDE_YEAR % {"year": agreement.year}})
    vote = agreement.fee_vote
    if vote is not None and getattr(vote, "committee", None) is not None:
        compound_id = getattr(vote.committee, "compound_id", None)
        if compound_id is not None and compound_id != agreement.compound_id:
            raise ValidationError({"fee_vote": FEE_VOTE_ELSEWHERE})


def _write_commitments(agreement: Agreement, rows: Iterable[Mapping[str, Any]]) -> None:
    """Rows: ``{"id": optional, "text", "standard", "is_withdrawn"}``. A row with nothing typed
    and no id is skipped (an empty extra form); one with a standard but no text is an error,
    not dropped."""
    existing = {c.pk: c for c in agreement.commitments.all()}
    position = 0
    for row in rows:
        text = (row.get("text") or "").strip()
        pk = row.get("id")
        if not text and not pk and not (row.get("standard") or "").strip():
            continue
        if not text:
            raise ValidationError({"commitments": COMMITMENT_EMPTY})
        obj = existing.get(pk) if pk else None
        if obj is None:
            obj = Commitment(agreement=agreement)
        obj.text = text
        obj.standard = (row.get("standard") or "").strip()
        obj.is_withdrawn = bool(row.get("is_withdrawn"))
        obj.position = position
        position += 1
        obj.save()


@transaction.atomic
def agreement_create(
    *,
    compound: Compound,
    year: int,
    data: Mapping[str, Any],
    commitments: Iterable[Mapping[str, Any]] = (),
    scan: IO[bytes] | None = None,
) -> Agreement:
    """The agreement of ``compound`` for ``year`` with the company that serves it that year."""
    if Agreement.objects.filter(compound=compound, year=year).exists():
        raise ValidationError(AGREEMENT_EXISTS % {"compound": compound.name, "year": year})
    contract = company_serving(compound, year)
    if contract is None:
        raise ValidationError(AGREEMENT_NO_COMPANY % {"compound": compound.name, "year": year})
    content = _scan_content(scan)
    agreement = Agreement(compound=compound, company=contract.company, year=year)
    for field in AGREEMENT_FIELDS:
        if field in data:
            setattr(agreement, field, data[field])
    _check_agreement(agreement)
    agreement.full_clean(validate_constraints=False)
    if content is not None:
        agreement.scan.save(content.name, content, save=False)
    agreement.save()
    _write_commitments(agreement, commitments)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: Agreement,
    data: Mapping[str, Any],
    commitments: Iterable[Mapping[str, Any]] | None = None,
    scan: IO[bytes] | None = None,
) -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    content = _scan_content(scan)
    for field in AGREEMENT_FIELDS:
        if field in data:
            setattr(agreement, field, data[field])
    _check_agreement(agreement)
    agreement.full_clean(validate_constraints=False)
    if content is not None:
        agreement.scan.save(content.name, content, save=False)
    agreement.save()
    if commitments is not None:
        _write_commitments(agreement, commitments)
    return agreement


# --- Reads -------------------------------------------------------------------------------------


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    """The agreements ``user`` may read: staff (not grid workers) those of their communities; a
    company user those its company signed (the company that served the compound that year,
    even if it serves it no longer); a committee member those of the committee's compound.
    Everyone else none, so a view that fetches through this answers 404 for another's id."""
    qs = Agreement.objects.select_related("compound__community", "company", "fee_vote")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(compound__community_id__in=registry.staff_community_ids(user, include_grid_workers=False))
        | Q(company_id__in=registry.company_ids(user))
        | Q(compound_id__in=registry.committee_compound_ids(user))
    )


def is_agreement_reader(user: Any) -> bool:
    """Staff, company users and committee members read agreements (each only their own)."""
    return bool(
        user.is_authenticated
        and (
            registry.is_staff_anywhere(user)
            or registry.company_ids(user)
            or registry.committee_compound_ids(user)
        )
    )


def can_edit_agreement(user: Any, agreement: Agreement) -> bool:
    return registry.can_edit_community(user, agreement.compound.community_id)


def can_read_agreement(user: Any, agreement: Agreement) -> bool:
    """``agreement_list``'s rule on one agreement already read (no query)."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or agreement.compound.community_id
            in registry.staff_community_ids(user, include_grid_workers=False)
            or agreement.company_id in registry.company_ids(user)
            or agreement.compound_id in registry.committee_compound_ids(user)
        )
    )
