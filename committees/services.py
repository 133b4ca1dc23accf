"""Writes for committees, their members, building and unit heads, and resident consultations.

Every write is a keyword-only ``<entity>_<verb>`` function that locks what it must, refuses an
invalid state with a translated message constant (tests reuse them), and saves after
``full_clean()``. Nothing is deleted: a member leaves (``left_on``), a head's service ends
(``ends_on``), so the record of who served when stays true.

What is refused and what is only flagged: the law's 5–11 members, odd, describes a committee as
elected, not every step of editing it; a committee being filled in one member at a time is
saved and shows as "short of members" or "even number" on the coverage page. Going over the
maximum, a term longer than the maximum, or a second chair is refused outright.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from compounds.models import Building, Compound, Dwelling, Membership, Owner, Unit
from tongde.mail import addresses_by_language
from tongde.text import long_date

from . import opinions
from .models import (
    BuildingHead,
    Committee,
    CommitteeMember,
    Consultation,
    ConsultationAnswerAmendment,
    UnitHead,
)
from .selectors import current_member_q

logger = logging.getLogger(__name__)

COMMITTEE_EXISTS = _("This compound has a committee already.")
COMMITTEE_KIND_MISMATCH = _(
    "A managed compound has an owners' committee; a courtyard has a self-management committee."
)
TERM_ORDER = _("The term must end after it starts.")
TERM_TOO_LONG = _("A term may last at most %(years)s years.")
TOO_MANY_MEMBERS = _("A committee has at most %(max)s members.")
SECOND_CHAIR = _("The committee has a chair already: %(name)s.")
MEMBER_NOT_OWNER = _("The member must own a dwelling in this compound.")
MEMBER_ALREADY_LEFT = _("This member has already left.")
LEFT_BEFORE_START = _("A member cannot leave before their term starts.")
HEAD_STARTS_TOO_EARLY = _(
    "The new head must start after the current head, %(name)s, started on %(starts_on)s."
)
HEAD_ALREADY_ENDED = _("This head's service has already ended.")
HEAD_ENDS_BEFORE_START = _("A head's service cannot end before it started.")
HEAD_OWNER_COMMUNITY = _("The owner is registered in another community.")
RECEIVED_IN_FUTURE = _("The date received is in the future.")
ANSWERED_IN_FUTURE = _("The answer date is in the future.")
ANSWER_BEFORE_RECEIVED = _("The answer cannot be dated before the opinion was received.")
ANSWER_EMPTY = _("Write the answer given.")
ANSWER_ALREADY_GIVEN = _(
    "This opinion has already been answered. To change the answer, amend it and say why: the "
    "earlier answer is kept and the resident sees that it was amended."
)
ANSWER_CONFLICT = _(
    "Someone answered or amended this opinion since you opened it; nothing was saved. Reload "
    "the page and read their answer first."
)
NOTHING_TO_AMEND = _("This opinion has no answer yet: answer it first.")
AMENDMENT_REASON_REQUIRED = _("Say why the answer is amended: the resident and the audit read it.")
AMENDMENT_UNCHANGED = _("The amended answer is the same as the current one: nothing to amend.")

REMINDER_SUBJECT = _("The term of %(committee)s ends on %(ends_on)s")
REMINDER_BODY = _(
    "The term of %(committee)s (%(compound)s) ends on %(ends_on)s. Prepare the re-election: "
    "set up the preparation group, call for nominations and vet the candidates in time for the "
    "publicity period.\n\n%(url)s"
)


def _rules() -> dict[str, int]:
    return settings.COMMITTEE_RULES


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day if it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _check_term(starts_on: dt.date | None, ends_on: dt.date | None, field: str) -> None:
    if starts_on is None or ends_on is None:
        return
    if ends_on <= starts_on:
        raise ValidationError({field: TERM_ORDER})
    years = _rules()["max_term_years"]
    if ends_on > add_years(starts_on, years):
        raise ValidationError({field: TERM_TOO_LONG % {"years": years}})


def _save(instance: Any) -> Any:
    instance.full_clean()
    instance.save()
    return instance


# Committees -------------------------------------------------------------------------------------


def committee_kind_for(compound: Compound) -> str:
    if compound.kind == Compound.Kind.MANAGED:
        return Committee.Kind.OWNERS
    return Committee.Kind.SELF_MANAGEMENT


def default_committee_name(compound: Compound) -> str:
    if compound.kind == Compound.Kind.MANAGED:
        return _gettext("%(compound)s owners' committee") % {"compound": compound.name}
    return _gettext("%(compound)s self-management committee") % {"compound": compound.name}


@transaction.atomic
def committee_create(
    *, compound: Compound, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> Committee:
    """A compound's committee; the kind follows the compound (owners' or self-management)."""
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    if Committee.objects.filter(compound=compound).exists():
        raise ValidationError(COMMITTEE_EXISTS)
    data = dict(data)
    kind = data.pop("kind", None) or committee_kind_for(compound)
    if kind != committee_kind_for(compound):
        raise ValidationError({"kind": COMMITTEE_KIND_MISMATCH})
    committee = Committee(compound=compound, kind=kind, **data)
    if not committee.name:
        committee.name = default_committee_name(compound)
    _check_term(committee.term_starts_on, committee.term_ends_on, "term_ends_on")
    return _save(committee)


@transaction.atomic
def committee_update(
    *, committee: Committee, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> Committee:
    """Name, term and filing date. A new term end re-arms the term reminder."""
    committee = Committee.objects.select_for_update().get(pk=committee.pk)
    allowed = {"name", "term_starts_on", "term_ends_on", "filed_on"}
    old_end = committee.term_ends_on
    for field, value in data.items():
        if field in allowed:
            setattr(committee, field, value)
    _check_term(committee.term_starts_on, committee.term_ends_on, "term_ends_on")
    if committee.term_ends_on != old_end:
        committee.term_reminder_sent_on = None
    return _save(committee)


# Members ----------------------------------------------------------------------------------------


def _owns_in_compound(owner: Owner, compound: Compound) -> bool:
    return Dwelling.objects.filter(owner=owner, unit__building__compound=compound).exists()


def _check_member(member: CommitteeMember, *, committee: Committee) -> None:
    _check_term(member.term_starts_on, member.term_ends_on, "term_ends_on")
    if member.owner_id is not None and not _owns_in_compound(member.owner, committee.compound):
        raise ValidationError({"owner": MEMBER_NOT_OWNER})
    on = max(member.term_starts_on, timezone.localdate())
    others = CommitteeMember.objects.filter(current_member_q(on), committee=committee).exclude(
        pk=member.pk
    )
    if member.left_on is None or member.left_on > on:
        if member.role == CommitteeMember.Role.CHAIR:
            chair = others.filter(role=CommitteeMember.Role.CHAIR).first()
            if chair is not None:
                raise ValidationError({"role": SECOND_CHAIR % {"name": chair.name}})
        limit = _rules()["max_members"]
        if member.pk is None and others.count() >= limit:
            raise ValidationError(TOO_MANY_MEMBERS % {"max": limit})


@transaction.atomic
def member_add(
    *, committee: Committee, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> CommitteeMember:
    """Seat a member. The term defaults to the committee's."""
    # Locking the committee serialises concurrent additions, so the maximum holds.
    committee = (
        Committee.objects.select_for_update().select_related("compound").get(pk=committee.pk)
    )
    data = dict(data)
    data.setdefault("term_starts_on", committee.term_starts_on)
    data.setdefault("term_ends_on", committee.term_ends_on)
    member = CommitteeMember(committee=committee, **data)
    if member.owner_id is not None and not member.name:
        member.name = member.owner.name
    _check_member(member, committee=committee)
    return _save(member)


@transaction.atomic
def member_update(
    *, member: CommitteeMember, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> CommitteeMember:
    committee = (
        Committee.objects.select_for_update().select_related("compound").get(pk=member.committee_id)
    )
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    for field, value in data.items():
        if field not in {"committee", "committee_id", "left_on"}:
            setattr(member, field, value)
    _check_member(member, committee=committee)
    return _save(member)


@transaction.atomic
def member_end(
    *, member: CommitteeMember, left_on: dt.date, user: AbstractBaseUser | None = None
) -> CommitteeMember:
    """The member leaves the committee on ``left_on`` (resignation, removal, moving away)."""
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError(MEMBER_ALREADY_LEFT)
    if left_on < member.term_starts_on:
        raise ValidationError({"left_on": LEFT_BEFORE_START})
    member.left_on = left_on
    return _save(member)


# Building and unit heads ------------------------------------------------------------------------


def _check_head_owner(owner: Owner | None, community_id: int) -> None:
    if owner is not None and owner.community_id != community_id:
        raise ValidationError({"owner": HEAD_OWNER_COMMUNITY})


def _appoint(model, *, target_field: str, target, community_id: int, data: Mapping[str, Any]):
    """End the current head the day before the new one starts, then seat the new one."""
    data = dict(data)
    starts_on = data["starts_on"]
    _check_head_owner(data.get("owner"), community_id)
    current = (
        model.objects.select_for_update()
        .filter(**{target_field: target}, ends_on__isnull=True)
        .first()
    )
    if current is not None:
        if starts_on <= current.starts_on:
            raise ValidationError(
                {
                    "starts_on": HEAD_STARTS_TOO_EARLY
                    % {"name": current.name, "starts_on": long_date(current.starts_on)}
                }
            )
        current.ends_on = starts_on - dt.timedelta(days=1)
        _save(current)
    head = model(**{target_field: target}, **data)
    if head.owner_id is not None and not head.name:
        head.name = head.owner.name
    return _save(head)


def _end(model, *, head, ends_on: dt.date):
    head = model.objects.select_for_update().get(pk=head.pk)
    if head.ends_on is not None:
        raise ValidationError(HEAD_ALREADY_ENDED)
    if ends_on < head.starts_on:
        raise ValidationError({"ends_on": HEAD_ENDS_BEFORE_START})
    head.ends_on = ends_on
    return _save(head)


@transaction.atomic
def building_head_appoint(
    *, building: Building, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> BuildingHead:
    """A new building head (楼院长); the present one, if any, ends the day before."""
    building = Building.objects.select_for_update().select_related("compound").get(pk=building.pk)
    return _appoint(
        BuildingHead,
        target_field="building",
        target=building,
        community_id=building.compound.community_id,
        data=data,
    )


@transaction.atomic
def building_head_end(
    *, head: BuildingHead, ends_on: dt.date, user: AbstractBaseUser | None = None
) -> BuildingHead:
    return _end(BuildingHead, head=head, ends_on=ends_on)


@transaction.atomic
def unit_head_appoint(
    *, unit: Unit, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> UnitHead:
    """A new unit head (单元长); the present one, if any, ends the day before."""
    unit = Unit.objects.select_for_update().select_related("building__compound").get(pk=unit.pk)
    return _appoint(
        UnitHead,
        target_field="unit",
        target=unit,
        community_id=unit.building.compound.community_id,
        data=data,
    )


@transaction.atomic
def unit_head_end(
    *, head: UnitHead, ends_on: dt.date, user: AbstractBaseUser | None = None
) -> UnitHead:
    return _end(UnitHead, head=head, ends_on=ends_on)


# Resident consultations -------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *, compound: Compound, data: Mapping[str, Any], user: AbstractBaseUser | None = None
) -> Consultation:
    consultation = Consultation(compound=compound, recorded_by=user, **data)
    today = timezone.localdate()
    errors = {}
    if consultation.received_on and consultation.received_on > today:
        errors["received_on"] = [RECEIVED_IN_FUTURE]
    if consultation.answered_on and consultation.answered_on > today:
        errors["answered_on"] = [ANSWERED_IN_FUTURE]
    elif consultation.answered_on and consultation.answered_on < consultation.received_on:
        errors["answered_on"] = [ANSWER_BEFORE_RECEIVED]
    if errors:
        raise ValidationError(errors)
    if consultation.answer:
        consultation.answer_version = 1
    return _save(consultation)


def _claim_answer(consultation: Consultation, seen_version: int | None) -> Consultation:
    """Claim the opinion's answer at the version the user read (``UPDATE ... WHERE version =
    seen``, as scorecard adjustments do): no row means somebody answered or amended it meanwhile,
    and the change is refused rather than written over theirs. Returns the row, locked."""
    seen = consultation.answer_version if seen_version is None else seen_version
    claimed = Consultation.objects.filter(pk=consultation.pk, answer_version=seen).update(
        answer_version=F("answer_version") + 1
    )
    if not claimed:
        raise ValidationError(ANSWER_CONFLICT, code="conflict")
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


@transaction.atomic
def consultation_answer(
    *,
    consultation: Consultation,
    answer: str,
    answered_on: dt.date,
    user: AbstractBaseUser | None = None,
    seen_version: int | None = None,
) -> Consultation:
    """Answer an opinion, once; a resident who gave it online is mailed the answer.

    ``seen_version`` is the ``answer_version`` the user read (default: that of ``consultation``
    as passed in). A second answer is refused: an answer is changed by
    :func:`consultation_answer_amend`, which keeps the earlier text and says so to the resident.
    """
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": ANSWER_EMPTY})
    if answered_on > timezone.localdate():
        raise ValidationError({"answered_on": ANSWERED_IN_FUTURE})
    if answered_on < consultation.received_on:
        raise ValidationError({"answered_on": ANSWER_BEFORE_RECEIVED})
    consultation = _claim_answer(consultation, seen_version)
    if consultation.answer:
        raise ValidationError(ANSWER_ALREADY_GIVEN, code="answered")
    consultation.answer = answer
    consultation.answered_on = answered_on
    _save(consultation)
    opinions.notify_answered(consultation)
    return consultation


@transaction.atomic
def consultation_answer_amend(
    *,
    consultation: Consultation,
    answer: str,
    reason: str,
    user: AbstractBaseUser | None = None,
    seen_version: int | None = None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Amend the answer of an opinion: the text it replaces, the reason and who amended it when
    are kept (``ConsultationAnswerAmendment``), the resident reads that the answer was amended
    and when, and is mailed the new one. The date the answer was first given stays."""
    now = now or timezone.now()
    answer, reason = answer.strip(), reason.strip()
    errors: dict[str, list[Any]] = {}
    if not answer:
        errors["answer"] = [ANSWER_EMPTY]
    if not reason:
        errors["reason"] = [AMENDMENT_REASON_REQUIRED]
    if errors:
        raise ValidationError(errors)
    consultation = _claim_answer(consultation, seen_version)
    if not consultation.answer:
        raise ValidationError(NOTHING_TO_AMEND, code="unanswered")
    if consultation.answer == answer:
        raise ValidationError({"answer": [AMENDMENT_UNCHANGED]})
    _save(
        ConsultationAnswerAmendment(
            consultation=consultation,
            previous_answer=consultation.answer,
            previous_answered_on=consultation.answered_on,
            answer=answer,
            reason=reason,
            amended_at=now,
            amended_by=user if getattr(user, "is_authenticated", False) else None,
        )
    )
    consultation.answer = answer
    consultation.answer_amended_at = now
    _save(consultation)
    opinions.notify_answered(consultation, amended=True)
    return consultation


# Term reminders ---------------------------------------------------------------------------------


def _staff_emails(community_id: int) -> dict[str, list[str]]:
    """The addresses of the community's active staff, by language: one query."""
    return addresses_by_language(
        get_user_model().objects.filter(
            memberships__role=Membership.Role.STAFF,
            memberships__community_id=community_id,
            is_active=True,
        )
    )


def committee_term_reminders_send(*, today: dt.date | None = None) -> int:
    """Email the community's staff about each committee whose term ends within the lead time.

    Once per term: ``term_reminder_sent_on`` is stamped in the same transaction as the send, and
    rows already being handled by a parallel run are skipped, so running twice (or on two
    workers at once) sends each reminder once. A committee whose community has no staff with an
    email address is left unstamped, so it is reminded as soon as somebody can read it. Returns
    the number of reminders sent.
    """
    today = today or timezone.localdate()
    horizon = add_months(today, _rules()["term_reminder_months"])
    due = Committee.objects.filter(
        Q(term_reminder_sent_on__isnull=True),
        term_ends_on__gte=today,
        term_ends_on__lte=horizon,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            committee = (
                Committee.objects.select_for_update(skip_locked=True)
                .select_related("compound")
                .filter(pk=pk, term_reminder_sent_on__isnull=True)
                .first()
            )
            if committee is None:
                continue
            recipients = _staff_emails(committee.compound.community_id)
            if not recipients:
                logger.warning("no staff email to remind of the term of committee %s", pk)
                continue
            # One mail per language among the staff, each to everyone who reads it.
            for language, addresses in recipients.items():
                with translation.override(language):
                    context = {
                        "committee": committee.name,
                        "compound": committee.compound.name,
                        "ends_on": formats.date_format(committee.term_ends_on, "SHORT_DATE_FORMAT"),
                        # Absolute, on the site's address: a mail has no page to be relative to.
                        "url": settings.SITE_URL + committee.get_absolute_url(),
                    }
                    subject = str(REMINDER_SUBJECT) % context
                    body = str(REMINDER_BODY) % context
                send_mail(subject, body, None, addresses)
            committee.term_reminder_sent_on = today
            committee.save(update_fields=["term_reminder_sent_on"])
            sent += 1
    return sent
