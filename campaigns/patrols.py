"""Writes for grid patrols and the problem ledger.

A grid worker (or community staff) logs a patrol with the problems found on it, in one
transaction: a bad value anywhere (a date in the future, a deadline before the patrol or more than
a year after it, a compound the grid does not cover, a building of another compound, a file that
is not a photo) refuses the whole patrol, problems and photos included, with every reason at once.

Each problem is either fixed on the spot (当场解决: closed the day it was found) or becomes a
rectification item:

- in a managed compound, for the property company serving it today (status ``assigned``, with a
  deadline, by default three days after it was found);
- in a courtyard, or a compound with no company under contract, there is no company to send it
  to: it stays ``open`` for the self-management committee and staff.

The flow afterwards: the company answers with text and an evidence photo (``answered``); staff
verify and close it, or reopen it (back to ``assigned``) with a reason and a new deadline. An open
problem is closed by staff once the committee has dealt with it. Every step is a ``ProblemEvent``.
Refusals are the message constants below, which tests and views reuse.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Building, Compound, Grid
from compounds.selectors import current_companies
from tongde import rollups
from tongde.text import long_date
from tongde.uploads import photo_format

from .models import Disorder, Patrol, Problem, ProblemEvent
from .rollups_patrols import PATROL_STATS
from .selectors_patrols import (
    can_answer_problem,
    can_manage_problems,
    grid_compounds,
    loggable_grids,
)

DEFAULT_DEADLINE_DAYS = 3
# How far ahead a deadline may be set, from the day the problem was found (or, when staff send a
# fix back, from today). A rectification is days or weeks of work; the slowest real ones (works
# that wait for next year's maintenance fund, or for the season) still fit in a year. Beyond that a
# deadline is a slip of the finger (2100 for 2021), and its item would never become overdue: it
# would drop out of the overdue lists and the companies' scorecards for good.
DEADLINE_HORIZON_DAYS = 365

PATROL_NOT_YOUR_GRID = _("You may log patrols only for the grids you are responsible for.")
DATE_IN_FUTURE = _("The date cannot be in the future.")
ROUTE_REQUIRED = _("Write the route or the places patrolled.")
COMPOUND_OUTSIDE_GRID = _("%(compound)s is not covered by this grid.")
BUILDING_OTHER_COMPOUND = _("Building %(building)s is not in %(compound)s.")
DISORDER_OTHER_COMMUNITY = _("This disorder is not on the community's list.")
DESCRIPTION_REQUIRED = _("Describe the problem.")
DEADLINE_BEFORE_FOUND = _("The deadline cannot be before the day the problem was found.")
DEADLINE_TOO_FAR = _(
    "The deadline can be at most a year after the day the problem was found: %(latest)s at the "
    "latest."
)

PROBLEM_NOT_ASSIGNED = _(
    "Only a problem assigned to your company and waiting for its answer can be answered; this "
    "one is %(status)s."
)
ANSWER_REQUIRED = _("Write what was done.")
ANSWER_PHOTO_REQUIRED = _("Attach a photo showing the fix.")
PROBLEM_NOT_YOURS = _("This problem is not assigned to your company.")
PROBLEM_NOT_CLOSABLE = _(
    "Only a problem answered by the company, or an open one the committee dealt with, can be "
    "closed; this one is %(status)s."
)
PROBLEM_NOT_REOPENABLE = _(
    "Only a problem the company has answered can be sent back; this one is %(status)s."
)
REASON_REQUIRED = _("Say why the fix is not accepted.")
DEADLINE_IN_PAST = _("The new deadline cannot be in the past.")
NEW_DEADLINE_TOO_FAR = _(
    "The new deadline can be at most a year from today: %(latest)s at the latest."
)
NOT_STAFF = _("Only community staff verify, close or reopen problems.")


@dataclass
class ProblemInput:
    """One problem as found on a patrol, before it is checked."""

    compound: Compound
    description: str
    fixed_on_spot: bool
    building: Building | None = None
    disorder: Disorder | None = None
    photo: IO[bytes] | None = None
    deadline_on: dt.date | None = None


def latest_deadline(day: dt.date) -> dt.date:
    """The last deadline that may be set on ``day`` (``DEADLINE_HORIZON_DAYS`` later, included)."""
    return day + dt.timedelta(days=DEADLINE_HORIZON_DAYS)


def _checked_photo(photo: IO[bytes] | None) -> ContentFile | None:
    """The photo under a random name (the uploader's name never reaches the disk), or None."""
    if photo is None:
        return None
    ext = photo_format(photo)
    photo.seek(0)
    return ContentFile(photo.read(), name=f"{secrets.token_hex(12)}.{ext}")


def _problem_errors(
    item: ProblemInput, *, grid: Grid, allowed: set[int], found_on: dt.date
) -> tuple[dict[str, list[str]], ContentFile | None]:
    errors: dict[str, list[str]] = {}
    compound = item.compound
    if compound.pk not in allowed:
        errors["compound"] = [str(COMPOUND_OUTSIDE_GRID % {"compound": compound.name})]
    if item.building is not None and item.building.compound_id != compound.pk:
        errors["building"] = [
            str(BUILDING_OTHER_COMPOUND % {"building": item.building.code, "compound": compound})
        ]
    if item.disorder is not None and (
        item.disorder.community_id != grid.community_id or not item.disorder.is_active
    ):
        errors["disorder"] = [str(DISORDER_OTHER_COMMUNITY)]
    if not item.description.strip():
        errors["description"] = [str(DESCRIPTION_REQUIRED)]
    if not item.fixed_on_spot and item.deadline_on is not None:
        latest = latest_deadline(found_on)
        if item.deadline_on < found_on:
            errors["deadline_on"] = [str(DEADLINE_BEFORE_FOUND)]
        elif item.deadline_on > latest:
            errors["deadline_on"] = [str(DEADLINE_TOO_FAR % {"latest": long_date(latest)})]
    photo = None
    try:
        photo = _checked_photo(item.photo)
    except ValidationError as exc:
        errors["photo"] = exc.messages
    return errors, photo


@transaction.atomic
def patrol_log(
    *,
    grid: Grid,
    patrolled_on: dt.date,
    route: str,
    problems: Sequence[ProblemInput],
    user: Any,
    notes: str = "",
    today: dt.date | None = None,
) -> Patrol:
    """Log a patrol and the problems found on it; all or nothing.

    Refused (``ValidationError``; nothing saved, no file written) when ``user`` may not log for
    ``grid``, for a date after today, an empty route, or any bad problem (among others a deadline
    before the patrol's day or more than ``DEADLINE_HORIZON_DAYS`` after it). Errors of problem
    ``i`` (0-based) are keyed ``problem.<i>.<field>``, so a form can show each where it belongs.
    """
    today = today or timezone.localdate()
    if not loggable_grids(user=user).filter(pk=grid.pk).exists():
        raise ValidationError(PATROL_NOT_YOUR_GRID)
    errors: dict[str, list[str]] = {}
    if patrolled_on > today:
        errors["patrolled_on"] = [str(DATE_IN_FUTURE)]
    route = route.strip()
    if not route:
        errors["route"] = [str(ROUTE_REQUIRED)]
    allowed = set(grid_compounds(grid).values_list("pk", flat=True))
    photos: list[ContentFile | None] = []
    for index, item in enumerate(problems):
        item_errors, photo = _problem_errors(
            item, grid=grid, allowed=allowed, found_on=patrolled_on
        )
        photos.append(photo)
        for field, messages in item_errors.items():
            errors[f"problem.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)

    patrol = Patrol(grid=grid, patrolled_on=patrolled_on, worker=user, route=route, notes=notes)
    patrol.full_clean()
    patrol.save()
    companies = current_companies([p.compound.pk for p in problems if not p.fixed_on_spot])
    for item, photo in zip(problems, photos, strict=True):
        problem = Problem(
            patrol=patrol,
            compound=item.compound,
            building=item.building,
            disorder=item.disorder,
            description=item.description.strip(),
            found_on=patrolled_on,
        )
        if item.fixed_on_spot:
            problem.status = Problem.Status.FIXED_ON_SPOT
            problem.closed_on = patrolled_on
        else:
            problem.deadline_on = item.deadline_on or patrolled_on + dt.timedelta(
                days=DEFAULT_DEADLINE_DAYS
            )
            company = None
            if item.compound.kind == Compound.Kind.MANAGED:
                company = companies.get(item.compound.pk)
            # A courtyard (or a compound between contracts) has no company to send it to: the
            # self-management committee and staff handle it.
            problem.company = company
            problem.status = Problem.Status.ASSIGNED if company else Problem.Status.OPEN
        if photo is not None:
            problem.photo.save(photo.name, photo, save=False)
        problem.full_clean()
        problem.save()
        ProblemEvent.objects.create(
            problem=problem,
            action=ProblemEvent.Action.FOUND,
            status=problem.status,
            by=user,
            deadline_on=problem.deadline_on,
        )
        _rectification_step(problem, "found", user)
    # Logged after the day it was made: its period may be rolled up already.
    rollups.mark_stale(PATROL_STATS, patrolled_on)
    return patrol


def _rectification_step(problem: Problem, action: str, user: Any, note: str = "") -> None:
    # A problem assigned to a company is also a rectification item in the company's inbox
    # (scorecards); each step here is mirrored there, in the same transaction.
    from scorecards.inspections import problem_synced

    problem_synced(problem, action=action, user=user, note=note)


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("compound").get(pk=problem.pk)


@transaction.atomic
def problem_answer(
    *,
    problem: Problem,
    answer: str,
    photo: IO[bytes] | None,
    user: Any,
    now: dt.datetime | None = None,
) -> Problem:
    """The company says what it did, with an evidence photo: ``assigned`` → ``answered``.

    A late answer is accepted (the deadline shows it was late); an answer to a problem not
    waiting for one is refused, so a double submit cannot overwrite the first answer.
    """
    now = now or timezone.now()
    problem = _locked(problem)
    if not can_answer_problem(user, problem):
        raise ValidationError(PROBLEM_NOT_YOURS)
    if problem.status != Problem.Status.ASSIGNED:
        raise ValidationError(PROBLEM_NOT_ASSIGNED % {"status": problem.get_status_display()})
    errors: dict[str, list[str]] = {}
    answer = answer.strip()
    if not answer:
        errors["answer"] = [str(ANSWER_REQUIRED)]
    stored = None
    if photo is None:
        errors["photo"] = [str(ANSWER_PHOTO_REQUIRED)]
    else:
        try:
            stored = _checked_photo(photo)
        except ValidationError as exc:
            errors["photo"] = exc.messages
    if errors:
        raise ValidationError(errors)
    problem.company_answer = answer
    problem.answer_photo.save(stored.name, stored, save=False)
    problem.answered_at = now
    problem.status = Problem.Status.ANSWERED
    problem.full_clean()
    problem.save()
    ProblemEvent.objects.create(
        problem=problem,
        action=ProblemEvent.Action.ANSWERED,
        status=problem.status,
        by=user,
        note=answer,
    )
    _rectification_step(problem, "answered", user, answer)
    return problem


@transaction.atomic
def problem_close(
    *, problem: Problem, user: Any, note: str = "", today: dt.date | None = None
) -> Problem:
    """Staff verify the company's fix (``answered`` → ``closed``), or close an ``open`` problem
    that the committee dealt with."""
    today = today or timezone.localdate()
    problem = _locked(problem)
    if not can_manage_problems(user, problem.compound.community_id):
        raise ValidationError(NOT_STAFF)
    if problem.status not in (Problem.Status.ANSWERED, Problem.Status.OPEN):
        raise ValidationError(PROBLEM_NOT_CLOSABLE % {"status": problem.get_status_display()})
    problem.status = Problem.Status.CLOSED
    problem.closed_on = today
    problem.full_clean()
    problem.save()
    ProblemEvent.objects.create(
        problem=problem,
        action=ProblemEvent.Action.CLOSED,
        status=problem.status,
        by=user,
        note=note.strip(),
    )
    _rectification_step(problem, "closed", user, note.strip())
    return problem


@transaction.atomic
def problem_reopen(
    *,
    problem: Problem,
    deadline_on: dt.date,
    reason: str,
    user: Any,
    today: dt.date | None = None,
) -> Problem:
    """Staff do not accept the fix: ``answered`` → ``assigned`` again, with a new deadline
    between today and ``DEADLINE_HORIZON_DAYS`` later (both included).

    The previous answer stays on the problem until the company answers again; it and the reason
    are kept in the events.
    """
    today = today or timezone.localdate()
    problem = _locked(problem)
    if not can_manage_problems(user, problem.compound.community_id):
        raise ValidationError(NOT_STAFF)
    if problem.status != Problem.Status.ANSWERED:
        raise ValidationError(PROBLEM_NOT_REOPENABLE % {"status": problem.get_status_display()})
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = [str(REASON_REQUIRED)]
    latest = latest_deadline(today)
    if deadline_on < today:
        errors["deadline_on"] = [str(DEADLINE_IN_PAST)]
    elif deadline_on > latest:
        errors["deadline_on"] = [str(NEW_DEADLINE_TOO_FAR % {"latest": long_date(latest)})]
    if errors:
        raise ValidationError(errors)
    problem.status = Problem.Status.ASSIGNED
    problem.deadline_on = deadline_on
    problem.full_clean()
    problem.save()
    ProblemEvent.objects.create(
        problem=problem,
        action=ProblemEvent.Action.REOPENED,
        status=problem.status,
        by=user,
        note=reason,
        deadline_on=deadline_on,
    )
    _rectification_step(problem, "reopened", user, reason)
    return problem
