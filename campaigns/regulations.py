"""The regulations library: writes.

A regulation (物业管理合同, 小区居民公约, 居民议事制度, ...) has numbered versions. Each version is
adopted on a date and takes effect on a date (never before its adoption), says what changed, may
carry the file, and lists the compounds that adopt it. Before a revision is adopted the community
consults residents: each opinion is logged with the date received, and answered with a date.

Version numbers are given by the service (the next after the highest, under a row lock on the
regulation, so two clerks cannot both write version 3), and a new version cannot be adopted before
the one it revises. A version with ``number >= 2`` is a *revision*: that is what the open data
counts as "regulations revised" (``selectors_meetings.regulations_revised``).

Files are checked by content exactly as meeting minutes are (``tongde.uploads.document_kind``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from compounds.models import Community, Compound
from tongde.uploads import document_content

from .models import Regulation, RegulationOpinion, RegulationVersion

REGULATION_CODE_TAKEN = _("The community already has a regulation with this code.")
VERSION_ADOPTED_IN_FUTURE = _("The adoption date is in the future: record a version once adopted.")
VERSION_EFFECTIVE_BEFORE_ADOPTED = _("A version cannot take effect before it is adopted.")
VERSION_BEFORE_PREVIOUS = _(
    "Version %(number)s was adopted on %(date)s: a revision cannot be adopted before it."
)
VERSION_AFTER_NEXT = _(
    "Version %(number)s was adopted on %(date)s: this version cannot be adopted after it."
)
VERSION_FOREIGN_COMPOUND = _("%(compound)s is not in this regulation's community.")
OPINION_IN_FUTURE = _("The date received is in the future.")
OPINION_EMPTY = _("Write the opinion.")
ANSWER_BEFORE_OPINION = _("An opinion cannot be answered before it was received.")
ANSWER_IN_FUTURE = _("The answer date is in the future.")
ANSWER_DATE_REQUIRED = _("Give the date of the answer.")
ANSWER_TEXT_REQUIRED = _("Write the answer before giving its date.")


def _today() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def regulation_create(
    *, community: Community, data: dict[str, Any], user: Any = None
) -> Regulation:
    """A new document in the library (its versions are added with ``version_create``)."""
    regulation = Regulation(community=community, code=data["code"], title=data["title"].strip())
    _save_regulation(regulation)
    return regulation


@transaction.atomic
def regulation_update(
    *, regulation: Regulation, data: dict[str, Any], user: Any = None
) -> Regulation:
    regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
    regulation.code = data["code"]
    regulation.title = data["title"].strip()
    _save_regulation(regulation)
    return regulation


def _save_regulation(regulation: Regulation) -> None:
    if (
        Regulation.objects.filter(community_id=regulation.community_id, code=regulation.code)
        .exclude(pk=regulation.pk)
        .exists()
    ):
        raise ValidationError({"code": [REGULATION_CODE_TAKEN]})
    regulation.full_clean()
    try:
        with transaction.atomic():
            regulation.save()
    except IntegrityError as exc:  # a concurrent insert of the same code
        raise ValidationError({"code": [REGULATION_CODE_TAKEN]}) from exc


def _check_version(
    regulation: Regulation,
    data: dict[str, Any],
    compounds: Iterable[Compound],
    *,
    number: int,
) -> list[Compound]:
    errors: dict[str, list] = {}
    adopted_on, effective_on = data["adopted_on"], data["effective_on"]
    if adopted_on > _today():
        errors.setdefault("adopted_on", []).append(VERSION_ADOPTED_IN_FUTURE)
    if effective_on < adopted_on:
        errors.setdefault("effective_on", []).append(VERSION_EFFECTIVE_BEFORE_ADOPTED)
    # Numbers follow time: a revision is adopted after the version it revises, before the next.
    neighbours = RegulationVersion.objects.filter(
        regulation=regulation, number__in=[number - 1, number + 1]
    )
    for other in neighbours:
        if other.number < number and adopted_on < other.adopted_on:
            message = VERSION_BEFORE_PREVIOUS
        elif other.number > number and adopted_on > other.adopted_on:
            message = VERSION_AFTER_NEXT
        else:
            continue
        errors.setdefault("adopted_on", []).append(
            message
            % {"number": other.number, "date": date_format(other.adopted_on, "SHORT_DATE_FORMAT")}
        )
    compounds = list(compounds)
    for compound in compounds:
        if compound.community_id != regulation.community_id:
            errors.setdefault("compounds", []).append(
                VERSION_FOREIGN_COMPOUND % {"compound": compound.name}
            )
    if errors:
        raise ValidationError(errors)
    return compounds


def _write_version(
    version: RegulationVersion,
    compounds: list[Compound],
    file: IO[bytes] | None,
    clear_file: bool,
) -> RegulationVersion:
    content = document_content(file) if file is not None else None
    version.full_clean(exclude=["file", "compounds"])
    old_file = version.file.name if version.pk else ""
    if clear_file and content is None:
        version.file = ""
    if content is not None:
        version.file.save(content.name, content, save=False)
    try:
        version.save()
        version.compounds.set(compounds)
    except Exception:
        if content is not None:
            version.file.storage.delete(version.file.name)
        raise
    if old_file and old_file != version.file.name:
        storage = version.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return version


@transaction.atomic
def version_create(
    *,
    regulation: Regulation,
    data: dict[str, Any],
    compounds: Iterable[Compound] = (),
    file: IO[bytes] | None = None,
    user: Any = None,
) -> RegulationVersion:
    """Add the next version of ``regulation``: ``data`` has adopted_on, effective_on, summary.

    Refused, nothing saved: adopted in the future, effective before adopted, adopted before the
    previous version, a compound of another community, a bad file.
    """
    # The lock makes "the next number" safe against a second clerk doing the same.
    regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
    highest = regulation.versions.aggregate(n=Max("number"))["n"] or 0
    number = highest + 1
    compounds = _check_version(regulation, data, compounds, number=number)
    version = RegulationVersion(
        regulation=regulation,
        number=number,
        adopted_on=data["adopted_on"],
        effective_on=data["effective_on"],
        summary=data.get("summary", ""),
    )
    return _write_version(version, compounds, file, clear_file=False)


@transaction.atomic
def version_update(
    *,
    version: RegulationVersion,
    data: dict[str, Any],
    compounds: Iterable[Compound] = (),
    file: IO[bytes] | None = None,
    clear_file: bool = False,
    user: Any = None,
) -> RegulationVersion:
    """Correct a version's dates, summary, adopting compounds or file (its number stays)."""
    Regulation.objects.select_for_update().get(pk=version.regulation_id)
    version = RegulationVersion.objects.select_related("regulation").get(pk=version.pk)
    compounds = _check_version(version.regulation, data, compounds, number=version.number)
    version.adopted_on = data["adopted_on"]
    version.effective_on = data["effective_on"]
    version.summary = data.get("summary", "")
    return _write_version(version, compounds, file, clear_file=clear_file)


def _check_answer(received_on: dt.date, answer: str, answered_on: dt.date | None) -> None:
    errors: dict[str, list] = {}
    if answer and answered_on is None:
        errors["answered_on"] = [ANSWER_DATE_REQUIRED]
    if answered_on is not None and not answer:
        errors["answer"] = [ANSWER_TEXT_REQUIRED]
    if answered_on is not None and answered_on < received_on:
        errors.setdefault("answered_on", []).append(ANSWER_BEFORE_OPINION)
    if answered_on is not None and answered_on > _today():
        errors.setdefault("answered_on", []).append(ANSWER_IN_FUTURE)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def opinion_add(
    *, version: RegulationVersion, data: dict[str, Any], user: Any = None
) -> RegulationOpinion:
    """Log an opinion received in the consultation on ``version`` (and its answer if given)."""
    received_on = data["received_on"]
    text = (data.get("opinion") or "").strip()
    answer = (data.get("answer") or "").strip()
    answered_on = data.get("answered_on")
    errors: dict[str, list] = {}
    if received_on > _today():
        errors["received_on"] = [OPINION_IN_FUTURE]
    if not text:
        errors["opinion"] = [OPINION_EMPTY]
    if errors:
        raise ValidationError(errors)
    _check_answer(received_on, answer, answered_on)
    opinion = RegulationOpinion(
        version=version,
        received_on=received_on,
        opinion=text,
        answer=answer,
        answered_on=answered_on,
    )
    opinion.full_clean()
    opinion.save()
    return opinion


@transaction.atomic
def opinion_answer(
    *, opinion: RegulationOpinion, answer: str, answered_on: dt.date | None, user: Any = None
) -> RegulationOpinion:
    """Answer an opinion (or correct the answer)."""
    opinion = RegulationOpinion.objects.select_for_update().get(pk=opinion.pk)
    answer = (answer or "").strip()
    _check_answer(opinion.received_on, answer, answered_on)
    opinion.answer = answer
    opinion.answered_on = answered_on
    opinion.full_clean()
    opinion.save(update_fields=["answer", "answered_on"])
    return opinion
