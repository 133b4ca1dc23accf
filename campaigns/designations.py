"""Designations (创建): premium compounds (精品小区) and self-management model courtyards
(自管示范小区), by year, with the community's yearly target rates and the progress against them.

A designation's kind follows from the compound: a managed compound can only be a premium compound,
a courtyard only a model courtyard. Progress for a year and kind:

- achieved: compounds of that kind, not archived, whose designation that year is ``created`` or
  ``kept`` (a candidate has not made it yet; a withdrawn one has lost it);
- eligible: compounds of that kind in the registry, not archived;
- rate: ``rules.designation_rate`` (None when nothing is eligible); met: ``rules.meets_target``,
  decided on the exact fraction with the boundary included;
- target: the ``DesignationTarget`` row of the community, year and kind, or the default below
  (80% and 30%, as in the seed) when staff have set none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community, Compound
from compounds.selectors import can_edit_community

from .models import Designation, DesignationTarget
from .rules import designation_rate, meets_target

Kind = DesignationTarget.Kind

DEFAULT_TARGETS: dict[str, Decimal] = {
    Kind.PREMIUM: Decimal("0.80"),
    Kind.MODEL_COURTYARD: Decimal("0.30"),
}
# Which compounds each kind of designation is for.
COMPOUND_KIND: dict[str, str] = {
    Kind.PREMIUM: Compound.Kind.MANAGED,
    Kind.MODEL_COURTYARD: Compound.Kind.COURTYARD,
}
ACHIEVED = (Designation.Status.CREATED, Designation.Status.KEPT)
FIRST_YEAR = 2000

KIND_MISMATCH = _(
    "A managed compound can only be a premium compound, and a courtyard only a "
    "self-management model courtyard."
)
COMPOUND_ARCHIVED = _("%(compound)s is archived: it cannot be designated.")
YEAR_OUT_OF_RANGE = _("The year must be between %(first)s and %(last)s.")
TARGET_OUT_OF_RANGE = _("A target rate lies between 0 and 100 per cent.")
NOT_STAFF = _("Only community staff set designations and targets.")


def designation_kind(compound: Compound) -> str:
    """The designation a compound can hold: premium (managed) or model courtyard (courtyard)."""
    return Kind.PREMIUM if compound.kind == Compound.Kind.MANAGED else Kind.MODEL_COURTYARD


def _check_year(year: int, today: dt.date) -> None:
    last = today.year + 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationError(
            {"year": [str(YEAR_OUT_OF_RANGE % {"first": FIRST_YEAR, "last": last})]}
        )


def _check_staff(user: Any, community_id: int) -> None:
    if not can_edit_community(user, community_id):
        raise ValidationError(NOT_STAFF)


@transaction.atomic
def designation_set(
    *,
    compound: Compound,
    year: int,
    kind: str,
    status: str,
    user: Any,
    theme: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Designation:
    """Create or update the designation of ``compound`` for ``year``.

    Refused when ``kind`` does not fit the compound, the compound is archived, the year is out of
    range or ``user`` is not staff of the compound's community.
    """
    today = today or timezone.localdate()
    _check_staff(user, compound.community_id)
    if COMPOUND_KIND.get(kind) != compound.kind:
        raise ValidationError(KIND_MISMATCH)
    if compound.is_archived:
        raise ValidationError(COMPOUND_ARCHIVED % {"compound": compound.name})
    _check_year(year, today)
    designation = (
        Designation.objects.select_for_update().filter(compound=compound, year=year).first()
    )
    if designation is None:
        designation = Designation(compound=compound, year=year)
    designation.status = status
    designation.theme = theme.strip()
    designation.note = note.strip()
    designation.full_clean()
    designation.save()
    return designation


@transaction.atomic
def designation_target_set(
    *,
    community: Community,
    year: int,
    kind: str,
    target_rate: Decimal,
    user: Any,
    today: dt.date | None = None,
) -> DesignationTarget:
    """Set the community's target rate (0..1) of ``kind`` for ``year``."""
    today = today or timezone.localdate()
    _check_staff(user, community.pk)
    _check_year(year, today)
    if not Decimal(0) <= target_rate <= Decimal(1):
        raise ValidationError({"target_rate": [str(TARGET_OUT_OF_RANGE)]})
    target, _created = DesignationTarget.objects.update_or_create(
        community=community, year=year, kind=kind, defaults={"target_rate": target_rate}
    )
    return target


@dataclass(frozen=True)
class Progress:
    kind: str
    label: str
    count: int
    eligible: int
    rate: Decimal | None
    target: Decimal
    is_default_target: bool
    met: bool

    @property
    def percent(self) -> Decimal | None:
        return None if self.rate is None else self.rate * 100

    @property
    def target_percent(self) -> Decimal:
        return self.target * 100


def designation_progress(*, community: Community, year: int) -> list[Progress]:
    """Achieved against target for each kind, in three queries (eligible, achieved, targets)."""
    compounds = Compound.objects.filter(community=community, is_archived=False)
    eligible = dict(
        compounds.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    achieved = dict(
        Designation.objects.filter(
            compound__in=compounds.values("pk"), year=year, status__in=ACHIEVED
        )
        .order_by()
        .values_list("compound__kind")
        .annotate(n=Count("pk"))
        .values_list("compound__kind", "n")
    )
    targets = dict(
        DesignationTarget.objects.filter(community=community, year=year).values_list(
            "kind", "target_rate"
        )
    )
    out = []
    for kind, label in Kind.choices:
        compound_kind = COMPOUND_KIND[kind]
        count, total = achieved.get(compound_kind, 0), eligible.get(compound_kind, 0)
        target = targets.get(kind, DEFAULT_TARGETS[kind])
        out.append(
            Progress(
                kind=kind,
                label=str(label),
                count=count,
                eligible=total,
                rate=designation_rate(count, total),
                target=target,
                is_default_target=kind not in targets,
                met=meets_target(count, total, target),
            )
        )
    return out


def designation_rows(*, community: Community, year: int, kind: str) -> list[dict[str, Any]]:
    """Every non-archived compound of ``kind`` with its designation of ``year`` (or None), in two
    queries."""
    compounds = list(
        Compound.objects.filter(
            community=community, is_archived=False, kind=COMPOUND_KIND[kind]
        ).order_by("code")
    )
    designations = {
        d.compound_id: d
        for d in Designation.objects.filter(Q(compound__in=[c.pk for c in compounds]), year=year)
    }
    return [{"compound": c, "designation": designations.get(c.pk)} for c in compounds]
