"""约谈: staff summon a property company for talks, and the compound is inspected more often.

The domain brief: "black-listed companies are summoned for talks (约谈) and inspected more
often". A summons records the talks (who attended, what the community put to the company, what
the company undertook, by when) and may put the compound under closer inspection: at least
``inspections_per_month`` inspections in every month until ``closer_until``.

- Staff record and withdraw summonses (withdrawn with a reason; nothing is deleted). A summons
  about a black listing names its list entry; it must be a black listing of that compound.
- Staff and grid workers of the community read them; the company summoned reads its own.
- The public list shows "summoned for talks" with the date on a black listing that has one.
- The to-do pages count black listings of the last three months without a summons, and the
  compounds under closer inspection that have had fewer inspections this month than agreed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community, Compound
from compounds.selectors import company_ids, staff_community_ids

from . import notices, rules
from .inspections import company_serving
from .models import Inspection, PublicationEntry, Summons, month_start, previous_month
from .signals import announce_on_commit

FUTURE_TALKS = _("The talks cannot be in the future.")
NOT_SERVED = _("No company served this compound on the day of the talks.")
NOT_BLACK = _("Only a black listing of this compound can be the reason for the talks.")
CLOSER_BEFORE = _("Closer inspection must last until the talks or later.")
MEASURES_BEFORE = _("The measures cannot be due before the talks.")
REASON_REQUIRED = _("Say why the summons is withdrawn.")
ALREADY_WITHDRAWN = _("This summons is withdrawn already.")


# --- Reads ---------------------------------------------------------------------------------------


def summons_list(*, user: Any) -> QuerySet[Summons]:
    """Staff and grid workers: their communities' summonses; a company: its own."""
    qs = Summons.objects.select_related("compound", "company", "community", "entry__publication")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(community_id__in=staff_community_ids(user)) | Q(company_id__in=company_ids(user))
    )


def inspecting_communities(user: Any) -> list[Community]:
    """The communities whose staff or grid worker ``user`` is (every one for a superuser)."""
    communities = Community.objects.order_by("name")
    if not user.is_superuser:
        communities = communities.filter(pk__in=staff_community_ids(user))
    return list(communities)


def summoned_on(entries: list[PublicationEntry]) -> dict[int, dt.date]:
    """The date of the first standing summons about each of ``entries`` (by compound and month:
    a correction's entry keeps the summons made about the edition it corrects). One query."""
    if not entries:
        return {}
    months = {e.publication.month for e in entries}
    found: dict[tuple[int, dt.date], dt.date] = {}
    for compound_id, month, held_on in (
        Summons.objects.filter(
            is_withdrawn=False,
            entry__compound_id__in={e.compound_id for e in entries},
            entry__publication__month__in=months,
        )
        .order_by("held_on")
        .values_list("compound_id", "entry__publication__month", "held_on")
    ):
        found.setdefault((compound_id, month), held_on)
    return {
        e.pk: found[e.compound_id, e.publication.month]
        for e in entries
        if (e.compound_id, e.publication.month) in found
    }


def mark_summoned(entries: list[PublicationEntry]) -> None:
    """Set ``entry.summoned_on`` (a date or ``None``) on each of ``entries``: one query."""
    summoned = summoned_on(entries)
    for entry in entries:
        entry.summoned_on = summoned.get(entry.pk)


def black_without_summons(communities: list[Community], today: dt.date) -> QuerySet:
    """Black listings of the last three months' current lists that no standing summons answers
    (one about the same compound and month does, so a correction keeps the talks held about the
    edition it corrects, as ``summoned_on``)."""
    since = month_start(previous_month(previous_month(previous_month(today))))
    answered = Summons.objects.filter(
        is_withdrawn=False,
        entry__compound_id=OuterRef("compound_id"),
        entry__publication__community_id=OuterRef("publication__community_id"),
        entry__publication__month=OuterRef("publication__month"),
    )
    return PublicationEntry.objects.filter(
        publication__community__in=communities,
        publication__corrected_by__isnull=True,
        publication__month__gte=since,
        band=rules.Band.BLACK,
    ).exclude(Exists(answered))


@dataclass(frozen=True)
class CloserInspection:
    compound: Compound
    until: dt.date
    wanted: int
    done: int


def closer_inspection_short(communities: list[Community], today: dt.date) -> list[CloserInspection]:
    """Compounds under closer inspection today with fewer inspections this month than agreed
    (the strictest standing summons counts). Two queries."""
    standing = (
        Summons.objects.filter(
            community__in=communities,
            is_withdrawn=False,
            held_on__lte=today,
            closer_until__gte=today,
        )
        .select_related("compound")
        .order_by("compound_id", "-inspections_per_month")
    )
    wanted: dict[int, Summons] = {}
    for summons in standing:
        wanted.setdefault(summons.compound_id, summons)
    if not wanted:
        return []
    done = dict(
        Inspection.objects.filter(
            compound_id__in=list(wanted),
            is_withdrawn=False,
            inspected_on__gte=month_start(today),
            inspected_on__lte=today,
        )
        .order_by()
        .values_list("compound_id")
        .annotate(n=Count("pk"))
    )
    return [
        CloserInspection(s.compound, s.closer_until, s.inspections_per_month, done.get(pk, 0))
        for pk, s in sorted(wanted.items(), key=lambda item: item[1].compound.name)
        if done.get(pk, 0) < s.inspections_per_month
    ]


# --- Writes --------------------------------------------------------------------------------------


@transaction.atomic
def summons_record(
    *,
    compound: Compound,
    held_on: dt.date,
    staff_present: str,
    company_present: str,
    issues: str,
    undertakings: str,
    user: Any,
    entry: PublicationEntry | None = None,
    place: str = "",
    measures_due_on: dt.date | None = None,
    closer_until: dt.date | None = None,
    inspections_per_month: int = 4,
    today: dt.date | None = None,
    notify: bool = True,
) -> Summons:
    """Record talks held with the company that served ``compound`` on ``held_on``; with
    ``notify``, the company's users are mailed the record after the commit."""
    today = today or timezone.localdate()
    errors: dict[str, ValidationError] = {}
    if held_on > today:
        errors["held_on"] = ValidationError(FUTURE_TALKS, code="future")
    company = company_serving(compound, held_on)
    if company is None:
        errors.setdefault("held_on", ValidationError(NOT_SERVED, code="not_served"))
    if entry is not None and (entry.compound_id != compound.pk or entry.band != rules.Band.BLACK):
        errors["entry"] = ValidationError(NOT_BLACK, code="not_black")
    if closer_until is not None and closer_until < held_on:
        errors["closer_until"] = ValidationError(CLOSER_BEFORE, code="closer")
    if measures_due_on is not None and measures_due_on < held_on:
        errors["measures_due_on"] = ValidationError(MEASURES_BEFORE, code="measures")
    if errors:
        raise ValidationError(errors)
    summons = Summons(
        community_id=compound.community_id,
        compound=compound,
        company=company,
        entry=entry,
        held_on=held_on,
        place=place.strip(),
        staff_present=staff_present.strip(),
        company_present=company_present.strip(),
        issues=issues.strip(),
        undertakings=undertakings.strip(),
        measures_due_on=measures_due_on,
        closer_until=closer_until,
        inspections_per_month=inspections_per_month,
        recorded_by=user,
    )
    summons.full_clean()
    summons.save()
    # The public list shows the talks on the black listing.
    announce_on_commit(Summons, summons.community_id)
    if notify:
        notices.on_commit(notices.summons_recorded, summons.pk)
    return summons


@transaction.atomic
def summons_withdraw(*, summons: Summons, reason: str, user: Any) -> Summons:
    """Withdraw a summons recorded in error, with the reason; it stays on record."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(REASON_REQUIRED, code="required")})
    summons = Summons.objects.select_for_update().get(pk=summons.pk)
    if summons.is_withdrawn:
        raise ValidationError(ALREADY_WITHDRAWN, code="withdrawn")
    summons.is_withdrawn = True
    summons.withdrawn_reason = reason
    summons._change_reason = reason  # kept in the history, with who withdrew it
    summons._history_user = user
    summons.save(update_fields=["is_withdrawn", "withdrawn_reason"])
    # The public list shows the talks on the black listing.
    announce_on_commit(Summons, summons.community_id)
    return summons
