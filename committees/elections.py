"""The election lifecycle (换届选举): services and selectors.

**Stages.** A committee election runs through every stage of ``Election.Stage`` in order::

    preparation → nomination → vetting → publicity (of the candidate list) → voting → tally
    → result publicity → first meeting → filing → closed

A motion (an owners' assembly decision on one Art. 278 matter) has no candidates and elects
nobody, so it skips nomination, vetting, first meeting and filing::

    preparation → publicity (of the motion text) → voting → tally → result publicity → closed

**Gates.** ``election_advance`` moves to the next stage of the flow only when
:func:`advance_check` finds no reason to refuse:

- the current stage has lasted its minimum (:data:`MINIMUM_DAYS`: both publicity periods last
  ``COMMITTEE_RULES["publicity_days"]`` full days, measured to the second: 15 days pass, 14 days
  23 hours do not);
- nomination → vetting needs a candidate; vetting → publicity needs every candidate decided and
  at least one qualified (fewer qualified than seats is allowed but warned about: the ballot then
  cannot fill every seat); a candidate who has withdrawn (``committees.candidates``) counts for
  none of these, and is on neither the posted list nor the ballot;
- publicity → voting needs every objection answered in writing, a voting window that has not
  already closed and still a qualified candidate standing (warned again if fewer than seats); entering voting freezes the voter roll (``committees.voting.roll_freeze``);
- voting → tally needs the window closed; entering tally counts the ballots once
  (``committees.voting.election_tally``);
- result publicity → next needs every objection answered.

**Deadlines.** The result is final when its publicity ends (with every objection answered); the
first meeting must then be held within ``first_meeting_days`` and the committee filed within
``filing_days`` of that day. We count from the end of the result publicity rather than the tally
because a result still open to objection has not elected anybody yet; :func:`election_overdue`
lists what is late.

Every write locks the election row, refuses with a message constant (tests reuse them), and
appends an ``ElectionLogEntry`` (append-only by the model).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from compounds.models import Compound, Dwelling, Owner
from compounds.selectors import (
    ChineseName,
    can_edit_community,
    committee_compound_ids,
    dwelling_rooms,
    staff_community_ids,
)

from .models import (
    Candidate,
    Committee,
    Election,
    ElectionLogEntry,
    ElectionStep,
    Objection,
    Vetting,
    VettingItem,
)
from .rules import Matter

Stage = Election.Stage
AnyUser = AbstractBaseUser | AnonymousUser

ELECTION_FLOW: tuple[str, ...] = tuple(Stage.values)
MOTION_FLOW: tuple[str, ...] = (
    Stage.PREPARATION,
    Stage.PUBLICITY,
    Stage.VOTING,
    Stage.TALLY,
    Stage.RESULT_PUBLICITY,
    Stage.CLOSED,
)

# Least time each stage lasts before the next may start, in days. A string names a key of
# settings.COMMITTEE_RULES, read when checked, so local rules (and tests) can change it.
MINIMUM_DAYS: dict[str, int | str] = {
    Stage.PREPARATION: 0,
    Stage.NOMINATION: 0,
    Stage.VETTING: 0,
    Stage.PUBLICITY: "publicity_days",
    Stage.VOTING: 0,  # its end is the voting window instead
    Stage.TALLY: 0,
    Stage.RESULT_PUBLICITY: "publicity_days",
    Stage.FIRST_MEETING: 0,
    Stage.FILING: 0,
    Stage.CLOSED: 0,
}

# Stages in which candidates may be added, and vetting decided or revised: before publicity.
NOMINATION_STAGES = frozenset({Stage.NOMINATION})
VETTING_STAGES = frozenset({Stage.NOMINATION, Stage.VETTING})
# Objections are received while something is posted for owners to read.
OBJECTION_STAGES = frozenset({Stage.PUBLICITY, Stage.RESULT_PUBLICITY})
# The voting window may be set or moved until voting opens.
WINDOW_STAGES = frozenset({Stage.PREPARATION, Stage.NOMINATION, Stage.VETTING, Stage.PUBLICITY})

# Refusals. Tests compare against these, so keep them as the single source of each message.
ALREADY_CLOSED = _("The election is closed.")
STAGE_CHANGED = _("Somebody has moved this election on meanwhile: check its stage again.")
TOO_EARLY = _("This stage must last at least %(days)s days: it can end on %(earliest)s.")
NO_CANDIDATE = _("Nominate at least one candidate first.")
VETTING_PENDING = _("Every candidate must be vetted first: %(names)s.")
NO_QUALIFIED_CANDIDATE = _("No candidate is qualified: the ballot would be empty.")
FEWER_QUALIFIED_THAN_SEATS = _(
    "Only %(qualified)s qualified candidates for %(seats)s seats: not every seat can be filled."
)
# The warnings a stage change may log, by the code the log keeps.
WARNINGS = {"fewer_qualified_than_seats": FEWER_QUALIFIED_THAN_SEATS}
OBJECTION_UNANSWERED = ngettext_lazy(
    "%(count)s objection still needs a written answer.",
    "%(count)s objections still need a written answer.",
    "count",
)
NO_VOTING_WINDOW = _("Set when voting opens and closes first.")
VOTING_WINDOW_OVER = _("The voting window has already closed: set a new one.")
VOTING_STILL_OPEN = _("Voting is open until %(closes)s.")
ELECTION_OPEN_EXISTS = _("This committee already has an election under way: %(title)s.")
ELECTION_NEEDS_MATTER_3 = _("A committee election decides matter 3 of Art. 278.")
SEATS_OUT_OF_RANGE = _("A committee has an odd number of members between %(min)s and %(max)s.")
MOTION_HAS_NO_SEATS = _("A motion elects nobody: leave the seats empty.")
NOT_A_MOTION_STAGE = _("A motion has no candidates.")
CANDIDATES_CLOSED = _("Candidates are nominated during the nomination stage only.")
CANDIDATE_NAME_TAKEN = _("A candidate with this name is already nominated.")
CANDIDATE_OWNER_TAKEN = _("This owner is already nominated in this election.")
CANDIDATE_OWNER_REQUIRED = _(
    "Choose the candidate's owner record: a committee candidate must be an owner of the compound."
)
CANDIDATE_NOT_COMPOUND_OWNER = _(
    "This owner holds no dwelling in %(compound)s in the registry today: a committee candidate "
    "must be an owner of the compound."
)
NOT_OWNER_CANNOT_QUALIFY = _(
    "%(name)s is not an owner of %(compound)s in the registry: only an owner of the compound can "
    "be qualified."
)
CANDIDATES_NOT_OWNERS = _(
    "Not an owner of the compound in the registry: %(names)s. Link each to their owner record, "
    "or decide they are not qualified."
)
NOMINATED_IN_FUTURE = _("The nomination date cannot be in the future.")
VETTING_CLOSED = _("Vetting decisions can no longer change once publicity has started.")
CANDIDATE_WITHDRAWN = _("This candidate has withdrawn: the record stays as it was.")
QUALIFIED_NEEDS_ALL_MET = _("A candidate is qualified only when every condition is met.")
NOT_QUALIFIED_NEEDS_REASON = _("Give the reason why the candidate is not qualified.")
OBJECTIONS_CLOSED = _("Objections are received during a publicity period only.")
ALREADY_ANSWERED = _("This objection has already been answered.")
ANSWER_REQUIRED = _("Write the answer.")
ANSWER_BEFORE_RAISED = _("The answer cannot predate the objection.")
WINDOW_CLOSED = _("The voting window can no longer change once voting has started.")
WINDOW_ORDER = _("Voting must close after it opens.")

# Codes of the log; the detail page shows the label.
LOG_ACTIONS: dict[str, Any] = {
    "election.created": _("created"),
    "election.advanced": _("moved to the next stage"),
    "election.voting_window": _("voting window set"),
    "candidate.added": _("candidate nominated"),
    # Written by committees.candidates.
    "candidate.corrected": _("candidate corrected"),
    "candidate.withdrawn": _("candidate withdrew"),
    "vetting.decided": _("vetting decided"),
    "vetting.revised": _("vetting revised"),
    "objection.recorded": _("objection recorded"),
    "objection.answered": _("objection answered"),
    # Written by committees.voting.
    "roll_frozen": _("voter roll frozen"),
    "roll_corrected": _("voter roll entry corrected"),
    "codes_issued": _("voting codes issued"),
    "codes_reissued": _("voting codes reissued"),
    "ballot_cast": _("ballot recorded"),
    "ballots_imported": _("paper ballots imported"),
    "tallied": _("tallied"),
    # Written by committees.proxies.
    "proxy.recorded": _("proxy authorisation recorded"),
}


# Flow and checks --------------------------------------------------------------------------------


# A motion has no candidates: its publicity posts the motion's text.
MOTION_STAGE_LABELS: dict[str, Any] = {Stage.PUBLICITY: _("publicity of the motion")}


def stage_label(kind: str, stage: str) -> str:
    """The name of ``stage`` for an election of ``kind`` (a motion names its own steps)."""
    if kind == Election.Kind.MOTION and stage in MOTION_STAGE_LABELS:
        return str(MOTION_STAGE_LABELS[stage])
    return str(dict(Stage.choices).get(stage, stage))


def flow(election: Election) -> tuple[str, ...]:
    return MOTION_FLOW if election.kind == Election.Kind.MOTION else ELECTION_FLOW


def next_stage(election: Election) -> str | None:
    stages = flow(election)
    index = stages.index(election.stage)
    return stages[index + 1] if index + 1 < len(stages) else None


def minimum_days(stage: str) -> int:
    value = MINIMUM_DAYS[stage]
    return settings.COMMITTEE_RULES[value] if isinstance(value, str) else value


def earliest_end(election: Election) -> dt.datetime:
    return election.stage_started_at + dt.timedelta(days=minimum_days(election.stage))


def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@dataclass
class AdvanceCheck:
    """What ``election_advance`` would do now: the target stage, why not, and what to heed."""

    target: str | None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The warnings as the log keeps them: a code and its figures, read in each reader's language.
    warning_codes: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, code: str, **params: Any) -> None:
        self.warnings.append(str(WARNINGS[code]) % params)
        self.warning_codes.append({"code": code, **params})

    @property
    def allowed(self) -> bool:
        return self.target is not None and not self.reasons


# Candidates still standing: not withdrawn (a withdrawn one stays on record for staff only).
STANDING = Q(withdrawn_on__isnull=True)

# The vetting item the registry answers rather than a reviewer: a committee candidate is an
# owner (业主) of the compound holding the election. Shown first in every checklist.
OWNER_OF_COMPOUND_LABEL = _("an owner of the compound (checked against the registry)")


def _owns_in_compound() -> Exists:
    """For a ``Candidate`` queryset: its linked owner holds a dwelling of the election's compound.

    The registry keeps only the current owner of each dwelling (``Dwelling.owner``; a sale
    relinks the dwelling, the history keeps the previous owner), so holding a dwelling now is a
    current ownership, one that has not ended.
    """
    return Exists(
        Dwelling.objects.filter(
            owner_id=OuterRef("owner_id"),
            unit__building__compound_id=OuterRef("election__committee__compound_id"),
        )
    )


def owner_dwellings(*, owner: Owner | None, compound: Compound | int) -> QuerySet[Dwelling]:
    """The dwellings of ``compound`` that ``owner`` holds today (none without an owner)."""
    if owner is None:
        return Dwelling.objects.none()
    compound_id = compound if isinstance(compound, int) else compound.pk
    return (
        Dwelling.objects.filter(owner=owner, unit__building__compound_id=compound_id)
        .select_related("unit__building")
        .order_by(*dwelling_rooms())
    )


def is_compound_owner(candidate: Candidate) -> bool:
    """Whether ``candidate`` is linked to an owner holding a dwelling of the election's compound
    today: the vetting item no reviewer ticks. An unlinked candidate is not. (Lists read the
    same from ``candidates_with_vetting``'s annotation, in the same query.)"""
    return owner_dwellings(
        owner=candidate.owner, compound=candidate.election.committee.compound_id
    ).exists()


def _check_owner(*, election: Election, owner: Owner | None) -> list[Any]:
    """The refusals of linking a candidate of ``election`` to ``owner``: none when it may be."""
    if election.kind != Election.Kind.ELECTION:
        return []
    compound = election.committee.compound
    if owner is None:
        return [CANDIDATE_OWNER_REQUIRED]
    if not owner_dwellings(owner=owner, compound=compound).exists():
        return [str(CANDIDATE_NOT_COMPOUND_OWNER) % {"compound": compound.name}]
    return []


def candidates_not_owners(election: Election) -> list[str]:
    """Names of the standing candidates, not refused by vetting, who are not owners of the
    compound in the registry: the list cannot be posted while any is left."""
    return list(
        election.candidates.filter(STANDING)
        .exclude(vetting__decision=Vetting.Decision.NOT_QUALIFIED)
        .exclude(_owns_in_compound())
        .order_by("pk")
        .values_list("name", flat=True)
    )


def _qualified_count(election: Election) -> int:
    return Candidate.objects.filter(
        STANDING, election=election, vetting__decision=Vetting.Decision.QUALIFIED
    ).count()


def _unanswered(election: Election) -> int:
    return election.objections.filter(answered_on__isnull=True).count()


def _check_ballot_not_empty(election: Election, check: AdvanceCheck) -> None:
    qualified = _qualified_count(election)
    if qualified == 0:
        check.reasons.append(str(NO_QUALIFIED_CANDIDATE))
    elif election.seats and qualified < election.seats:
        check.warn("fewer_qualified_than_seats", qualified=qualified, seats=election.seats)


def advance_check(election: Election, now: dt.datetime | None = None) -> AdvanceCheck:
    """Every reason ``election`` cannot move to its next stage at ``now`` (none: it can)."""
    now = now or timezone.now()
    target = next_stage(election)
    check = AdvanceCheck(target=target)
    if target is None:
        check.reasons.append(str(ALREADY_CLOSED))
        return check
    days = minimum_days(election.stage)
    if now < earliest_end(election):
        check.reasons.append(
            str(TOO_EARLY) % {"days": days, "earliest": _local(earliest_end(election))}
        )
    current = election.stage
    if target == Stage.VETTING and not election.candidates.filter(STANDING).exists():
        check.reasons.append(str(NO_CANDIDATE))
    if target == Stage.PUBLICITY and election.kind == Election.Kind.ELECTION:
        pending = list(
            election.candidates.filter(STANDING)
            .filter(Q(vetting__isnull=True) | Q(vetting__decision=Vetting.Decision.PENDING))
            .values_list("name", flat=True)
        )
        if pending:
            check.reasons.append(str(VETTING_PENDING) % {"names": "、".join(pending)})
        # Ownership is read from the registry now, not when vetted: a sale since counts.
        if not_owners := candidates_not_owners(election):
            check.reasons.append(str(CANDIDATES_NOT_OWNERS) % {"names": "、".join(not_owners)})
    if target in (Stage.PUBLICITY, Stage.VOTING) and election.kind == Election.Kind.ELECTION:
        # Checked again before voting: a candidate may withdraw during publicity.
        _check_ballot_not_empty(election, check)
    if current in OBJECTION_STAGES and (count := _unanswered(election)):
        check.reasons.append(OBJECTION_UNANSWERED % {"count": count})
    if target == Stage.VOTING:
        if election.voting_opens_at is None or election.voting_closes_at is None:
            check.reasons.append(str(NO_VOTING_WINDOW))
        elif election.voting_closes_at <= now:
            check.reasons.append(str(VOTING_WINDOW_OVER))
    if target == Stage.TALLY and election.voting_closes_at and now < election.voting_closes_at:
        check.reasons.append(str(VOTING_STILL_OPEN) % {"closes": _local(election.voting_closes_at)})
    return check


# Services ---------------------------------------------------------------------------------------


def _log(election: Election, user: Any, action: str, **detail: Any) -> ElectionLogEntry:
    return ElectionLogEntry.objects.create(
        election=election,
        actor=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        detail=detail,
    )


def _lock(election: Election) -> Election:
    """Re-read ``election`` under a row lock: two clerks clicking at once move it once."""
    return Election.objects.select_for_update().get(pk=election.pk)


@transaction.atomic
def election_create(
    *,
    committee: Committee,
    user: Any,
    kind: str,
    title: str,
    matter: int = Matter.ELECT_COMMITTEE,
    seats: int | None = None,
    text: str = "",
    now: dt.datetime | None = None,
) -> Election:
    """Start an election or motion in its preparation stage; ``text`` is the motion put to the
    vote or the election notice, as owners will read it."""
    now = now or timezone.now()
    rules = settings.COMMITTEE_RULES
    errors: dict[str, list[Any]] = {}
    if kind == Election.Kind.ELECTION:
        if matter != Matter.ELECT_COMMITTEE:
            errors["matter"] = [ELECTION_NEEDS_MATTER_3]
        if (
            seats is None
            or not rules["min_members"] <= seats <= rules["max_members"]
            or seats % 2 == 0
        ):
            errors["seats"] = [
                str(SEATS_OUT_OF_RANGE) % {"min": rules["min_members"], "max": rules["max_members"]}
            ]
        # Lock the committee so two clerks cannot start two elections side by side.
        Committee.objects.select_for_update().get(pk=committee.pk)
        running = (
            Election.objects.filter(committee=committee, kind=Election.Kind.ELECTION)
            .exclude(stage=Stage.CLOSED)
            .first()
        )
        if running is not None:
            errors.setdefault("__all__", []).append(
                str(ELECTION_OPEN_EXISTS) % {"title": running.title}
            )
    elif seats is not None:
        errors["seats"] = [MOTION_HAS_NO_SEATS]
    if errors:
        raise ValidationError(errors)
    election = Election(
        committee=committee,
        kind=kind,
        matter=matter,
        title=title,
        text=text.strip(),
        seats=seats,
        stage=Stage.PREPARATION,
        stage_started_at=now,
    )
    election.full_clean()
    election.save()
    ElectionStep.objects.create(election=election, stage=Stage.PREPARATION, started_at=now)
    _log(
        election,
        user,
        "election.created",
        kind=kind,
        matter=int(matter),
        seats=seats,
        title=title,
        at=now.isoformat(),
    )
    return election


@transaction.atomic
def election_advance(
    *,
    election: Election,
    user: Any,
    now: dt.datetime | None = None,
    from_stage: str | None = None,
) -> Election:
    """Move ``election`` to its next stage, or refuse with every reason (``ValidationError``).

    ``from_stage`` (default: the stage of the ``election`` passed in) is the stage the user saw:
    if somebody moved the election meanwhile, the call is refused rather than skipping a stage
    on a double click.
    """
    now = now or timezone.now()
    from_stage = from_stage or election.stage
    election = _lock(election)
    if election.stage != from_stage:
        raise ValidationError(STAGE_CHANGED)
    check = advance_check(election, now)
    if not check.allowed:
        raise ValidationError(check.reasons)
    source, target = election.stage, check.target
    ElectionStep.objects.filter(election=election, stage=source, ended_at__isnull=True).update(
        ended_at=now
    )
    ElectionStep.objects.update_or_create(
        election=election, stage=target, defaults={"started_at": now, "ended_at": None}
    )
    election.stage = target
    election.stage_started_at = now
    election.save(update_fields=["stage", "stage_started_at"])
    detail: dict[str, Any] = {"from": source, "to": target, "at": now.isoformat()}
    if check.warnings:
        detail["warnings"] = check.warning_codes
    # Imported here so that this module stands on its own; the voting services lock and log
    # themselves, and a refusal from them undoes the whole transition.
    from .voting import VotingError, election_tally, roll_freeze

    try:
        if target == Stage.VOTING:
            detail["roll_entries"] = roll_freeze(election=election, user=user, now=now)
        elif target == Stage.TALLY:
            detail["quorum_met"] = election_tally(election=election, user=user, now=now)[
                "quorum_met"
            ]
    except VotingError as exc:
        raise ValidationError(exc.message) from exc
    _log(election, user, "election.advanced", **detail)
    election.refresh_from_db()
    return election


@transaction.atomic
def election_set_voting_window(
    *, election: Election, user: Any, opens_at: dt.datetime, closes_at: dt.datetime
) -> Election:
    election = _lock(election)
    if election.stage not in WINDOW_STAGES:
        raise ValidationError(WINDOW_CLOSED)
    if closes_at <= opens_at:
        raise ValidationError({"voting_closes_at": [WINDOW_ORDER]})
    election.voting_opens_at, election.voting_closes_at = opens_at, closes_at
    election.full_clean()
    election.save(update_fields=["voting_opens_at", "voting_closes_at"])
    _log(
        election,
        user,
        "election.voting_window",
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
    )
    return election


@transaction.atomic
def candidate_add(
    *,
    election: Election,
    user: Any,
    name: str,
    nominated_on: dt.date,
    owner: Any = None,
    is_party_member: bool = False,
    is_veteran: bool = False,
    is_cadre: bool = False,
    statement: str = "",
) -> Candidate:
    """Nominate a candidate; a vetting checklist with every condition undecided comes with it."""
    election = _lock(election)
    if election.kind == Election.Kind.MOTION:
        raise ValidationError(NOT_A_MOTION_STAGE)
    if election.stage not in NOMINATION_STAGES:
        raise ValidationError(CANDIDATES_CLOSED)
    errors: dict[str, list] = {}
    if election.candidates.filter(name=name).exists():
        errors["name"] = [CANDIDATE_NAME_TAKEN]
    if owner_errors := _check_owner(election=election, owner=owner):
        errors["owner"] = owner_errors
    elif election.candidates.filter(owner=owner).exists():
        errors["owner"] = [CANDIDATE_OWNER_TAKEN]
    if nominated_on > timezone.localdate():
        errors["nominated_on"] = [NOMINATED_IN_FUTURE]
    if errors:
        raise ValidationError(errors)
    candidate = Candidate(
        election=election,
        name=name,
        owner=owner,
        nominated_on=nominated_on,
        is_party_member=is_party_member,
        is_veteran=is_veteran,
        is_cadre=is_cadre,
        statement=statement,
    )
    candidate.full_clean()
    candidate.save()
    vetting = Vetting.objects.create(candidate=candidate)
    VettingItem.objects.bulk_create(
        VettingItem(vetting=vetting, condition=c) for c in Vetting.Condition.values
    )
    _log(election, user, "candidate.added", candidate=candidate.pk, name=name)
    return candidate


@dataclass(frozen=True)
class ItemInput:
    is_met: bool | None
    evidence: str = ""
    note: str = ""


@transaction.atomic
def vetting_decide(
    *,
    candidate: Candidate,
    user: Any,
    items: Mapping[str, ItemInput],
    decision: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Vetting:
    """Record the checklist and the decision (pending saves the checklist only).

    Qualified needs every condition met; not qualified needs a reason. Decisions may be made and
    revised until publicity starts; a revision is logged as such, with the previous decision.
    """
    now = now or timezone.now()
    election = _lock(candidate.election)
    if election.stage not in VETTING_STAGES:
        raise ValidationError(VETTING_CLOSED)
    # Read under the election's lock, which a withdrawal takes too.
    if election.candidates.filter(pk=candidate.pk, withdrawn_on__isnull=False).exists():
        raise ValidationError(CANDIDATE_WITHDRAWN)
    vetting = Vetting.objects.select_for_update().get(candidate=candidate)
    rows = {item.condition: item for item in vetting.items.all()}
    for condition in Vetting.Condition.values:
        row = rows.get(condition) or VettingItem(vetting=vetting, condition=condition)
        given = items.get(condition)
        if given is not None:
            row.is_met, row.evidence, row.note = given.is_met, given.evidence, given.note
        # ``is_met`` is three-valued: None means not yet checked, which full_clean would refuse.
        row.full_clean(exclude=["is_met"])
        row.save()
        rows[condition] = row
    reason = reason.strip()
    is_owner = is_compound_owner(candidate)
    if decision == Vetting.Decision.QUALIFIED and not is_owner:
        compound = election.committee.compound
        raise ValidationError(
            {
                "decision": [
                    str(NOT_OWNER_CANNOT_QUALIFY) % {"name": candidate.name, "compound": compound}
                ]
            }
        )
    if decision == Vetting.Decision.QUALIFIED and any(r.is_met is not True for r in rows.values()):
        raise ValidationError({"decision": [QUALIFIED_NEEDS_ALL_MET]})
    if decision == Vetting.Decision.NOT_QUALIFIED and not reason:
        raise ValidationError({"reason": [NOT_QUALIFIED_NEEDS_REASON]})
    previous = vetting.decision
    vetting.decision = decision
    vetting.reason = reason
    if decision == Vetting.Decision.PENDING:
        vetting.reviewer, vetting.decided_at = None, None
    else:
        vetting.reviewer, vetting.decided_at = user, now
    vetting.full_clean()
    vetting.save()
    _log(
        election,
        user,
        "vetting.revised" if previous != Vetting.Decision.PENDING else "vetting.decided",
        candidate=candidate.pk,
        name=candidate.name,
        decision=decision,
        previous=previous,
        reason=reason,
        unmet=[c for c, r in rows.items() if r.is_met is False],
        # The registry's item, as it read when the decision was taken.
        is_compound_owner=is_owner,
    )
    return vetting


@transaction.atomic
def objection_record(
    *, election: Election, user: Any, raised_by: str, raised_on: dt.date, content: str
) -> Objection:
    election = _lock(election)
    if election.stage not in OBJECTION_STAGES:
        raise ValidationError(OBJECTIONS_CLOSED)
    objection = Objection(
        election=election, raised_by=raised_by, raised_on=raised_on, content=content
    )
    objection.full_clean()
    objection.save()
    _log(
        election,
        user,
        "objection.recorded",
        objection=objection.pk,
        stage=election.stage,
        raised_by=raised_by,
        raised_on=raised_on.isoformat(),
        content=content,
    )
    return objection


@transaction.atomic
def objection_answer(
    *, objection: Objection, user: Any, answer: str, answered_on: dt.date
) -> Objection:
    """Answer an objection in writing, once: the answer is evidence like the log."""
    election = _lock(objection.election)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.answered_on is not None:
        raise ValidationError(ALREADY_ANSWERED)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": [ANSWER_REQUIRED]})
    if answered_on < objection.raised_on:
        raise ValidationError({"answered_on": [ANSWER_BEFORE_RAISED]})
    objection.answer, objection.answered_on, objection.answered_by = answer, answered_on, user
    objection.full_clean()
    objection.save()
    _log(
        election,
        user,
        "objection.answered",
        objection=objection.pk,
        answered_on=answered_on.isoformat(),
        answer=answer,
    )
    return objection


# Selectors --------------------------------------------------------------------------------------


def election_list(*, user: AnyUser) -> QuerySet[Election]:
    """Elections ``user`` may read: staff and grid workers of the community, and the members of
    the committee; company users and the public see none (results go through the public pages)."""
    qs = Election.objects.select_related("committee__compound__community").prefetch_related(
        Prefetch("steps", queryset=ElectionStep.objects.order_by("started_at"))
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(committee__compound__community_id__in=staff_community_ids(user))
        | Q(committee__compound_id__in=committee_compound_ids(user))
    )


def has_election_scope(user: AnyUser) -> bool:
    """Whether ``user`` may read any election at all (no query: memberships are cached)."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or staff_community_ids(user) or committee_compound_ids(user))
    )


def can_edit_election(user: AnyUser, election: Election) -> bool:
    return can_edit_community(user, election.committee.compound.community_id)


def editable_committees(*, user: AnyUser) -> QuerySet[Committee]:
    """The committees ``user`` may open an election for, listed as compound choices are: by
    community, then by the compound's name as people read it (pinyin, numbers by value)."""
    qs = Committee.objects.select_related("compound__community").order_by(
        ChineseName("compound__community__name"), ChineseName("compound__name"), "pk"
    )
    if user.is_authenticated and user.is_superuser:
        return qs
    return qs.filter(
        compound__community_id__in=staff_community_ids(user, include_grid_workers=False)
    )


def ballot_candidates(election: Election) -> QuerySet[Candidate]:
    """The candidates on the ballot: the qualified ones still standing, in nomination order."""
    return election.candidates.filter(
        STANDING, vetting__decision=Vetting.Decision.QUALIFIED
    ).order_by("pk")


def candidates_with_vetting(election: Election) -> QuerySet[Candidate]:
    return (
        election.candidates.select_related("vetting__reviewer", "withdrawn_by")
        .prefetch_related("vetting__items")
        .annotate(
            unmet=Count("vetting__items", filter=Q(vetting__items__is_met=False)),
            undecided=Count("vetting__items", filter=Q(vetting__items__is_met__isnull=True)),
            is_compound_owner=_owns_in_compound(),
        )
        .order_by("pk")
    )


def public_publicity_elections():
    """Every election whose candidate list (or motion) is posted for the public now, the most
    recently posted first."""
    return (
        Election.objects.select_related("committee__compound__community")
        .filter(stage=Stage.PUBLICITY)
        .order_by("-stage_started_at", "-pk")
    )


def public_publicity_list(*, pk: int) -> Election | None:
    """The election whose list is posted for the public now, or ``None``."""
    return (
        Election.objects.select_related("committee__compound__community")
        .filter(pk=pk, stage=Stage.PUBLICITY)
        .first()
    )


@dataclass(frozen=True)
class Overdue:
    code: str
    label: Any
    due_on: dt.date
    days_late: int


def result_final_on(election: Election) -> dt.date | None:
    """The day the result became final: the end of its publicity (from prefetched steps)."""
    for step in election.steps.all():
        if step.stage == Stage.RESULT_PUBLICITY and step.ended_at is not None:
            return timezone.localdate(step.ended_at)
    return None


def election_overdue(election: Election, today: dt.date) -> list[Overdue]:
    """What is late for ``election`` on ``today``: the first meeting and the filing.

    Reads only ``election.steps.all()``, so a list that prefetches steps costs no query per row.
    A deadline is overdue when its step has not ended by ``today`` and ``today`` is past it;
    exactly on the due day is still in time.
    """
    if election.kind != Election.Kind.ELECTION:
        return []
    final = result_final_on(election)
    if final is None:
        return []
    ended = {s.stage for s in election.steps.all() if s.ended_at is not None}
    rules = settings.COMMITTEE_RULES
    items = []
    for code, stage, days, label in (
        ("first_meeting", Stage.FIRST_MEETING, rules["first_meeting_days"], _("first meeting")),
        ("filing", Stage.FILING, rules["filing_days"], _("filing")),
    ):
        due = final + dt.timedelta(days=days)
        if stage not in ended and today > due:
            items.append(Overdue(code=code, label=label, due_on=due, days_late=(today - due).days))
    return items
