"""Corrections and withdrawals of candidates, after their nomination (``elections.candidate_add``).

**Correcting** a candidate (a typo in the name, the statement, the profile flags, the linked
owner) is allowed while the list is still being drawn up: in the nomination and vetting stages.
Once publicity starts the list is posted for owners to read and object to, and the ballot is
printed from it, so it is refused from then on: what owners were shown is what they vote on.
The checks are those of a nomination (the name and the owner once per election, the owner one
of the compound's, no nomination date in the future). Relinking the candidate to another owner sends a decided vetting back to
pending: the checklist (fee arrears, ties to the property company) was checked for the previous
person. Each correction is logged with every changed field before and after.

**Withdrawing** (自愿退出) is the candidate's own decision, recorded by staff with its date and
written reason, and possible until voting opens: in the nomination, vetting and publicity
stages. The row is never deleted; the candidate leaves the ballot, the posted list and every
count that ``elections.advance_check`` makes, and stays on the election page marked as
withdrawn. A refusal of the candidate's qualification is vetting's decision, not a withdrawal.

Both lock the election row (as every election write does), refuse with a message constant that
tests reuse, and append to the election log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Owner

from .elections import (
    CANDIDATE_NAME_TAKEN,
    CANDIDATE_OWNER_TAKEN,
    CANDIDATE_WITHDRAWN,
    NOMINATED_IN_FUTURE,
    _check_owner,
    _lock,
    _log,
)
from .models import Candidate, Election, Vetting

Stage = Election.Stage

# Before the list is posted for publicity.
CORRECTION_STAGES = frozenset({Stage.NOMINATION, Stage.VETTING})
# Until voting opens.
WITHDRAWAL_STAGES = frozenset({Stage.NOMINATION, Stage.VETTING, Stage.PUBLICITY})

# The fields a correction may change, in the order the log lists them.
CORRECTED_FIELDS = (
    "name",
    "owner",
    "nominated_on",
    "is_party_member",
    "is_veteran",
    "is_cadre",
    "statement",
)

# Refusals. Tests compare against these, so keep them as the single source of each message.
CORRECTION_CLOSED = _(
    "Candidates can no longer be corrected once the list has been posted for publicity: owners "
    "vote on the list as it was posted."
)
NOTHING_CHANGED = _("Nothing to save: the candidate is as it was.")
WITHDRAWAL_CLOSED = _(
    "A candidate can no longer withdraw once voting has opened: the ballot is fixed."
)
ALREADY_WITHDRAWN = _("This candidate has already withdrawn.")
WITHDRAWAL_REASON_REQUIRED = _("Write the reason the candidate gave for withdrawing.")
WITHDRAWN_IN_FUTURE = _("The withdrawal date cannot be in the future.")
WITHDRAWN_BEFORE_NOMINATION = _("The withdrawal date cannot be before the nomination.")


def _logged(field: str, value: Any) -> Any:
    """A field's value as the log keeps it: JSON, and the owner by id and name."""
    if isinstance(value, Owner):
        return {"id": value.pk, "name": value.name}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def candidate_correct(
    *,
    candidate: Candidate,
    user: Any,
    name: str,
    nominated_on: dt.date,
    owner: Owner | None = None,
    is_party_member: bool = False,
    is_veteran: bool = False,
    is_cadre: bool = False,
    statement: str = "",
) -> Candidate:
    """Correct what was recorded at the nomination; refuse once the list has been posted."""
    election = _lock(candidate.election)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_withdrawn:
        raise ValidationError(CANDIDATE_WITHDRAWN)
    if election.stage not in CORRECTION_STAGES:
        raise ValidationError(CORRECTION_CLOSED)
    others = election.candidates.exclude(pk=candidate.pk)
    errors: dict[str, list[Any]] = {}
    if others.filter(name=name).exists():
        errors["name"] = [CANDIDATE_NAME_TAKEN]
    if owner_errors := _check_owner(election=election, owner=owner):
        errors["owner"] = owner_errors
    elif others.filter(owner=owner).exists():
        errors["owner"] = [CANDIDATE_OWNER_TAKEN]
    if nominated_on > timezone.localdate():
        errors["nominated_on"] = [NOMINATED_IN_FUTURE]
    if errors:
        raise ValidationError(errors)
    given = {
        "name": name,
        "owner": owner,
        "nominated_on": nominated_on,
        "is_party_member": is_party_member,
        "is_veteran": is_veteran,
        "is_cadre": is_cadre,
        "statement": statement,
    }
    changes = {}
    for field in CORRECTED_FIELDS:
        before, after = getattr(candidate, field), given[field]
        if before != after:
            changes[field] = {"before": _logged(field, before), "after": _logged(field, after)}
            setattr(candidate, field, after)
    if not changes:
        raise ValidationError(NOTHING_CHANGED)
    candidate.full_clean()
    candidate.save(update_fields=[*changes])
    detail: dict[str, Any] = {"candidate": candidate.pk, "name": candidate.name, "changes": changes}
    if "owner" in changes:
        detail.update(_reopen_vetting(candidate))
    _log(election, user, "candidate.corrected", **detail)
    return candidate


def _reopen_vetting(candidate: Candidate) -> dict[str, Any]:
    """Another owner means another person to vet: the decision and every checked condition
    start again. What was recorded goes into the log, so nothing is lost."""
    detail: dict[str, Any] = {}
    vetting = Vetting.objects.select_for_update().get(candidate=candidate)
    if vetting.decision != Vetting.Decision.PENDING:
        detail["vetting_reopened"] = vetting.decision
        vetting.decision, vetting.reason = Vetting.Decision.PENDING, ""
        vetting.reviewer, vetting.decided_at = None, None
        vetting.save(update_fields=["decision", "reason", "reviewer", "decided_at"])
    checked = vetting.items.exclude(is_met__isnull=True, evidence="", note="")
    cleared = list(checked.values("condition", "is_met", "evidence", "note"))
    if cleared:
        detail["vetting_items_cleared"] = cleared
        checked.update(is_met=None, evidence="", note="")
    return detail


@transaction.atomic
def candidate_withdraw(
    *, candidate: Candidate, user: Any, reason: str, withdrawn_on: dt.date
) -> Candidate:
    """Record the candidate's own withdrawal; refuse once voting has opened, or a second time."""
    election = _lock(candidate.election)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_withdrawn:
        raise ValidationError(ALREADY_WITHDRAWN)
    if election.stage not in WITHDRAWAL_STAGES:
        raise ValidationError(WITHDRAWAL_CLOSED)
    reason = reason.strip()
    errors: dict[str, list[Any]] = {}
    if not reason:
        errors["reason"] = [WITHDRAWAL_REASON_REQUIRED]
    if withdrawn_on > timezone.localdate():
        errors["withdrawn_on"] = [WITHDRAWN_IN_FUTURE]
    elif withdrawn_on < candidate.nominated_on:
        errors["withdrawn_on"] = [WITHDRAWN_BEFORE_NOMINATION]
    if errors:
        raise ValidationError(errors)
    candidate.withdrawn_on, candidate.withdrawal_reason = withdrawn_on, reason
    candidate.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
    candidate.full_clean()
    candidate.save(update_fields=["withdrawn_on", "withdrawal_reason", "withdrawn_by"])
    _log(
        election,
        user,
        "candidate.withdrawn",
        candidate=candidate.pk,
        name=candidate.name,
        stage=election.stage,
        withdrawn_on=withdrawn_on.isoformat(),
        reason=reason,
        # Whether the candidate would have been on the ballot: the log says what was lost.
        decision=Vetting.objects.get(candidate=candidate).decision,
    )
    return candidate
