"""Meetings and trainings: writes.

A meeting (promotion/deployment/assessment meeting, special training, joint meeting of community,
companies and committees, owners' study visit) is recorded after it was held, with who attended by
organisation, its agenda, the decisions taken (who is responsible, by when, and when done) and the
minutes file.

**Files are judged by their content**, never by their name or the content type the browser sent:
a PDF starts with ``%PDF``; a Word document is a zip holding ``word/document.xml``; a photo of the
signed minutes is any photo ``tongde.uploads`` accepts (JPEG, PNG, WebP read by Pillow). At most
``settings.PHOTO_MAX_BYTES``. The file is stored under a random name and served only through the
meeting page to those who may read the meeting. The regulations library uses the same check.

Every refusal is a ``ValidationError`` raised before anything is written; the services are atomic
and remove a file they wrote if the rows then fail, so "nothing saved" holds for files too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community
from tongde import rollups, uploads
from tongde.history import history_actor

from .models import Meeting, MeetingAttendance, MeetingDecision
from .rollups import MEETING_STATS

# Refusals, as constants so that tests and views say exactly the same thing.
MEETING_IN_FUTURE = _("The meeting date is in the future: record a meeting once it has been held.")
MEETING_TITLE_REQUIRED = _("Give the meeting a title.")
PERSONS_NEGATIVE = _("The number of persons cannot be negative.")
ATTENDANCE_DUPLICATE = _("%(organisation)s %(name)s is listed twice.")
DECISION_DUE_BEFORE_MEETING = _("A decision cannot be due before the meeting that took it.")
DECISION_DONE_BEFORE_MEETING = _("A decision cannot be done before the meeting that took it.")
DECISION_DONE_IN_FUTURE = _("The date done is in the future.")
DECISION_RESPONSIBLE_REQUIRED = _("Say who is responsible for the decision.")
DECISION_TEXT_REQUIRED = _(
    "Write the decision, or clear this row: a person responsible or a date without a decision "
    "is not saved."
)
NO_ATTENDANCE = _("Say who attended: at least one organisation with one person or more.")


def _today() -> dt.date:
    return timezone.localdate()


def _check_meeting(data: dict[str, Any]) -> None:
    errors: dict[str, list] = {}
    if data["held_on"] > _today():
        errors["held_on"] = [MEETING_IN_FUTURE]
    if not (data.get("title") or "").strip():
        errors["title"] = [MEETING_TITLE_REQUIRED]
    if errors:
        raise ValidationError(errors)


def _attendance_rows(meeting: Meeting, rows: Iterable[dict[str, Any]]) -> list[MeetingAttendance]:
    out, seen = [], set()
    for row in rows:
        persons = row.get("persons")
        if persons is None:
            continue
        if persons < 0:
            raise ValidationError({"attendance": [PERSONS_NEGATIVE]})
        name = (row.get("name") or "").strip()
        key = (row["organisation"], name)
        if key in seen:
            label = MeetingAttendance.Organisation(row["organisation"]).label
            raise ValidationError(
                {"attendance": [ATTENDANCE_DUPLICATE % {"organisation": label, "name": name}]}
            )
        seen.add(key)
        out.append(
            MeetingAttendance(
                meeting=meeting, organisation=row["organisation"], name=name, persons=persons
            )
        )
    # A meeting nobody attended was not held: rows of 0 persons alone do not make one.
    if not any(row.persons for row in out):
        raise ValidationError({"attendance": [NO_ATTENDANCE]})
    return out


def decision_has_content(row: dict[str, Any]) -> bool:
    """Whether a decision row has anything typed in it (a text, a person, a date)."""
    values = (row.get(field) for field in ("text", "responsible", "due_on", "done_on"))
    return any(v.strip() if isinstance(v, str) else v is not None for v in values)


def _check_decision(held_on: dt.date, row: dict[str, Any]) -> None:
    errors = []
    if not (row.get("responsible") or "").strip():
        errors.append(DECISION_RESPONSIBLE_REQUIRED)
    if row.get("due_on") and row["due_on"] < held_on:
        errors.append(DECISION_DUE_BEFORE_MEETING)
    done_on = row.get("done_on")
    if done_on and done_on < held_on:
        errors.append(DECISION_DONE_BEFORE_MEETING)
    if done_on and done_on > _today():
        errors.append(DECISION_DONE_IN_FUTURE)
    if errors:
        raise ValidationError({"decisions": errors})


def _write(
    meeting: Meeting,
    *,
    attendance: Iterable[dict[str, Any]] | None,
    decisions: Iterable[dict[str, Any]] | None,
    minutes: IO[bytes] | None,
    clear_minutes: bool,
    user: Any,
) -> Meeting:
    """Check everything first, then write rows, then the file last (so a refusal writes none).
    The meeting's and its decisions' history name ``user``."""
    attendance_rows = None if attendance is None else _attendance_rows(meeting, attendance)
    # Empty rows (a form's spare ones) are skipped; a row with a date or a person responsible
    # but no text is refused rather than dropped, so nobody is told "saved" for what was not.
    decision_rows = None if decisions is None else [d for d in decisions if decision_has_content(d)]
    for row in decision_rows or []:
        if not (row.get("text") or "").strip():
            raise ValidationError({"decisions": [DECISION_TEXT_REQUIRED]})
        _check_decision(meeting.held_on, row)
    content = uploads.document_content(minutes) if minutes is not None else None
    meeting.full_clean(exclude=["minutes"])
    old_minutes = meeting.minutes.name if meeting.pk else ""
    if clear_minutes and content is None:
        meeting.minutes = ""
    if content is not None:
        meeting.minutes.save(content.name, content, save=False)
    meeting._history_user = history_actor(user)
    try:
        meeting.save()
        if attendance_rows is not None:
            meeting.attendance.all().delete()
            for row in attendance_rows:
                row.meeting = meeting
                row.full_clean()
            MeetingAttendance.objects.bulk_create(attendance_rows)
        if decision_rows is not None:
            _write_decisions(meeting, decision_rows, user=user)
    except Exception:
        if content is not None:
            meeting.minutes.storage.delete(meeting.minutes.name)
        raise
    if old_minutes and old_minutes != meeting.minutes.name:
        storage = meeting.minutes.storage
        # Drop the replaced file only once the new rows are committed.
        transaction.on_commit(lambda: storage.delete(old_minutes))
    return meeting


def _write_decisions(meeting: Meeting, rows: list[dict[str, Any]], *, user: Any) -> None:
    existing = {d.pk: d for d in meeting.decisions.all()}
    kept = set()
    for row in rows:
        decision = existing.get(row.get("pk")) or MeetingDecision(meeting=meeting)
        decision.text = row["text"].strip()
        decision.responsible = row["responsible"].strip()
        decision.due_on = row.get("due_on")
        decision.done_on = row.get("done_on")
        decision.full_clean()
        decision._history_user = history_actor(user)
        decision.save()
        kept.add(decision.pk)
    # One by one, so that the history records who struck each decision from the minutes.
    for struck in meeting.decisions.exclude(pk__in=kept):
        struck._history_user = history_actor(user)
        struck.delete()


@transaction.atomic
def meeting_create(
    *,
    community: Community,
    data: dict[str, Any],
    attendance: Iterable[dict[str, Any]] = (),
    decisions: Iterable[dict[str, Any]] = (),
    minutes: IO[bytes] | None = None,
    user: Any = None,
) -> Meeting:
    """Record a meeting that was held: ``data`` has kind, held_on, title, agenda.

    ``attendance`` rows are ``{organisation, name, persons}`` (rows without persons are skipped);
    ``decisions`` rows ``{text, responsible, due_on, done_on}`` (empty rows skipped).
    Refused, with nothing saved, for a date in the future, no attendance (no row, or nobody in
    any row), negative persons, the same organisation listed twice, a decision row without its
    text, a decision due or done before the meeting, and a minutes file that is empty, too
    large, or not a PDF, .docx or photo.
    """
    _check_meeting(data)
    meeting = Meeting(
        community=community,
        kind=data["kind"],
        held_on=data["held_on"],
        title=data["title"].strip(),
        agenda=data.get("agenda", ""),
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    meeting = _write(
        meeting,
        attendance=attendance,
        decisions=decisions,
        minutes=minutes,
        clear_minutes=False,
        user=user,
    )
    # Recorded after it was held: its period may be rolled up already.
    rollups.mark_stale(MEETING_STATS, meeting.held_on)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    data: dict[str, Any],
    attendance: Iterable[dict[str, Any]] | None = None,
    decisions: Iterable[dict[str, Any]] | None = None,
    minutes: IO[bytes] | None = None,
    clear_minutes: bool = False,
    user: Any = None,
) -> Meeting:
    """Edit a meeting. ``attendance`` (when given) replaces the rows; ``decisions`` (when given)
    updates rows carrying their ``pk``, adds those without and deletes the ones left out. The
    same refusals as ``meeting_create``."""
    _check_meeting(data)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    was_held_on = meeting.held_on
    meeting.kind = data["kind"]
    meeting.held_on = data["held_on"]
    meeting.title = data["title"].strip()
    meeting.agenda = data.get("agenda", "")
    meeting = _write(
        meeting,
        attendance=attendance,
        decisions=decisions,
        minutes=minutes,
        clear_minutes=clear_minutes,
        user=user,
    )
    # Its kind or date may have changed: the figures of both dates' periods.
    rollups.mark_stale(MEETING_STATS, min(was_held_on, meeting.held_on))
    return meeting


@transaction.atomic
def decision_mark(
    *, decision: MeetingDecision, done_on: dt.date | None, user: Any = None
) -> MeetingDecision:
    """Mark a decision done on ``done_on``, or undone with ``None``."""
    decision = (
        MeetingDecision.objects.select_for_update().select_related("meeting").get(pk=decision.pk)
    )
    row = {"responsible": decision.responsible, "due_on": decision.due_on, "done_on": done_on}
    try:
        _check_decision(decision.meeting.held_on, row)
    except ValidationError as exc:
        raise ValidationError({"done_on": exc.messages}) from exc
    decision.done_on = done_on
    decision._history_user = history_actor(user)
    decision.save(update_fields=["done_on"])
    return decision
