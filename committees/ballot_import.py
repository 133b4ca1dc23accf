"""Paper ballots in bulk from Excel (.xlsx) or CSV (UTF-8 or GBK): check every row, save all or none.

Columns (a header row first; Chinese headers are understood too):

- ``dwelling``: the dwelling's code as the registry has it (``101``). When the same code is used in
  several buildings or units of the compound, write ``building/unit/dwelling`` (``3号楼/1单元/101``);
  the full form is always accepted.
- ``choices``: candidate names separated by ``;`` (an empty cell is a blank ballot, which takes
  part but approves nobody); for a motion exactly one of ``yes``/``no``/``abstain`` (or 同意/反对/弃权).
- ``channel``: ``door_to_door`` or ``on_site`` (入户/现场); online ballots come only with a code.
- ``proxy_for``: the name of the proxy who voted for the owner, empty when the owner voted; a proxy
  needs an authorisation recorded for that dwelling, under that name.

``ballot_file_check`` reads the file and checks every row against the election (unknown dwelling,
unknown candidate, more choices than seats, duplicate rows, dwellings that voted already, bad
channel, proxy without authorisation, unreadable encoding), returning every problem with the row
number Excel shows (header = 1) and the column, in the active language. ``ballot_import`` saves
the ballots only when there is no problem at all, in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from compounds.imports import (
    FILE_BAD_CSV,
    FILE_BAD_ENCODING,
    FILE_BROKEN_WORKBOOK,
    FILE_EMPTY,
    FILE_NO_ROWS,
    FILE_TOO_LARGE,
    MISSING_COLUMN,
    RowError,
    column_letter,
    describe_error,
    detect_format,
)

from . import voting
from .models import Ballot, Election, ElectionLogEntry, ProxyAuthorisation, RollEntry

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("dwelling", "choices", "channel", "proxy_for")
HEADER_ALIASES: dict[str, str] = {
    "户号": "dwelling",
    "房号": "dwelling",
    "房屋编号": "dwelling",
    "房屋号": "dwelling",
    "房屋": "dwelling",
    "选票": "choices",
    "选择": "choices",
    "表决": "choices",
    "渠道": "channel",
    "投票渠道": "channel",
    "投票方式": "channel",
    "方式": "channel",
    "代理人": "proxy_for",
    "委托代理人": "proxy_for",
}
CHANNEL_ALIASES: dict[str, str] = {
    "door_to_door": Ballot.Channel.DOOR_TO_DOOR,
    "door-to-door": Ballot.Channel.DOOR_TO_DOOR,
    "入户": Ballot.Channel.DOOR_TO_DOOR,
    "上门": Ballot.Channel.DOOR_TO_DOOR,
    "on_site": Ballot.Channel.ON_SITE,
    "on-site": Ballot.Channel.ON_SITE,
    "现场": Ballot.Channel.ON_SITE,
}
MOTION_ALIASES: dict[str, str] = {"同意": "yes", "赞成": "yes", "反对": "no", "弃权": "abstain"}

MISSING_VALUE = gettext_lazy("missing value")
UNKNOWN_DWELLING = gettext_lazy("no dwelling %(value)s on the voter roll of this election")
AMBIGUOUS_DWELLING = gettext_lazy(
    "dwelling code %(value)s is used in several buildings or units: write it as "
    "building/unit/dwelling"
)
DUPLICATE_ROW = gettext_lazy("duplicate: the same dwelling is already on row %(row)d")
ALREADY_VOTED = gettext_lazy("this dwelling has already voted in this election")
BAD_CHANNEL = gettext_lazy(
    "unknown channel %(value)s: use door_to_door (入户) or on_site (现场); online ballots come "
    "with a voting code"
)
NO_PROXY_AUTHORISATION = gettext_lazy(
    "no proxy authorisation is recorded for %(name)s on this dwelling"
)
UNKNOWN_HEADER = gettext_lazy("unknown column: the columns are %(columns)s")
# How a column missing from the file is named (a header the import also accepts).
COLUMN_LABELS = {
    "dwelling": pgettext_lazy("ballot import column", "dwelling"),
    "choices": pgettext_lazy("ballot import column", "choices"),
    "channel": pgettext_lazy("ballot import column", "channel"),
    "proxy_for": pgettext_lazy("ballot import column", "proxy_for"),
}


def column_labels() -> list[str]:
    """The columns as the reader names them; each is also a header the import accepts."""
    return [str(COLUMN_LABELS[column]) for column in COLUMNS]


IMPORT_INVALID = ngettext_lazy(
    "%(count)d error; nothing was saved.", "%(count)d errors; nothing was saved.", "count"
)
IMPORT_CONFLICT = gettext_lazy(
    "Another ballot for one of these dwellings arrived while the file was being saved; nothing "
    "was saved. Check the file again."
)


@dataclass(frozen=True)
class BallotRow:
    row: int
    roll_entry_id: int
    choices: list[str]
    channel: str
    proxy_id: int | None


@dataclass
class BallotCheck:
    rows: list[BallotRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0
    format: str = ""
    encoding: str = ""
    # Each column's header as the file wrote it, and its letter.
    places: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)

    def add(self, row: int | None, column: str, message: Any) -> None:
        header, letter = self.places.get(column, ("", ""))
        self.errors.append(RowError(row, column, str(message), header, letter))


class BallotImportInvalid(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        self.message = IMPORT_INVALID % {"count": len(errors)}
        super().__init__(self.message)


# --- reading ------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str] | None:
    # As compounds.imports reads registry files: UTF-8 (with or without BOM), else GB18030,
    # the superset of the GBK that Excel writes on a Chinese Windows.
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    # ";" separates names inside a cell, so only commas and tabs can separate columns.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), 1):
            yield number, list(values)
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores dwelling 101 as 101.0
    # NFKC folds full-width digits and the full-width "；" that Chinese input methods type.
    return unicodedata.normalize("NFKC", str(value)).strip()


def _records(data: bytes, filename: str) -> tuple[Iterable[tuple[int, list[Any]]], str, str]:
    """(records, format, encoding) or raises _FileError."""
    limit = settings.REGISTRY_IMPORT_MAX_BYTES
    if not data:
        raise _FileError(str(FILE_EMPTY))
    if len(data) > limit:
        raise _FileError(FILE_TOO_LARGE % {"size": f"{len(data):,}", "limit": f"{limit:,}"})
    fmt, error = detect_format(data, filename)
    if error:
        raise _FileError(error)
    if fmt == "xlsx":
        return _xlsx_rows(data), fmt, ""
    decoded = _decode(data)
    if decoded is None:
        raise _FileError(str(FILE_BAD_ENCODING))
    text, encoding = decoded
    if not text.strip():
        raise _FileError(str(FILE_EMPTY))
    return _csv_rows(text), fmt, encoding


class _FileError(Exception):
    pass


# --- checking -----------------------------------------------------------------------------------


class _Roll:
    """The election's roll, findable by dwelling code or by building/unit/dwelling."""

    def __init__(self, election: Election) -> None:
        entries = RollEntry.objects.filter(election=election).values_list(
            "pk",
            "dwelling__code",
            "dwelling__unit__code",
            "dwelling__unit__building__code",
        )
        self.by_code: dict[str, list[int]] = {}
        self.by_path: dict[str, int] = {}
        for pk, code, unit, building in entries:
            self.by_code.setdefault(_key(code), []).append(pk)
            self.by_path[_key(f"{building}/{unit}/{code}")] = pk
        self.voted = set(
            Ballot.objects.filter(election=election).values_list("roll_entry_id", flat=True)
        )
        self.proxies: dict[tuple[int, str], int] = {
            (roll_entry_id, _key(name)): pk
            for pk, roll_entry_id, name in ProxyAuthorisation.objects.filter(
                roll_entry__election=election
            ).values_list("pk", "roll_entry_id", "proxy_name")
        }

    def find(self, value: str) -> tuple[int | None, str | None]:
        key = _key(value)
        if "/" in key:
            pk = self.by_path.get(key)
            return (pk, None) if pk else (None, UNKNOWN_DWELLING % {"value": value})
        found = self.by_code.get(key, [])
        if len(found) == 1:
            return found[0], None
        if found:
            return None, AMBIGUOUS_DWELLING % {"value": value}
        return None, UNKNOWN_DWELLING % {"value": value}


def _key(text: str) -> str:
    return "/".join(part.strip() for part in text.split("/")).lower()


def ballot_file_check(
    *, election: Election, data: bytes, filename: str, now: dt.datetime | None = None
) -> BallotCheck:
    """Read a ballot file and check every row against the election; nothing is written."""
    check = BallotCheck()
    try:
        voting._check_window(election, now or timezone.now())
    except voting.VotingError as exc:
        check.errors.append(RowError(None, "", exc.message))
        return check
    try:
        records, check.format, check.encoding = _records(data, filename)
        _check_rows(check, election, records)
    except _FileError as exc:
        check.errors.append(RowError(None, "", str(exc)))
    except csv.Error as exc:
        check.errors.append(RowError(None, "", FILE_BAD_CSV % {"reason": str(exc)}))
    except Exception:
        if check.format != "xlsx":
            raise
        # openpyxl raises many kinds of exception on a damaged workbook; keep the trace.
        logger.warning("unreadable ballot workbook %s", filename, exc_info=True)
        check.errors.append(RowError(None, "", str(FILE_BROKEN_WORKBOOK)))
    return check


def _check_rows(check: BallotCheck, election: Election, records: Iterable) -> None:
    header: dict[int, str] | None = None
    roll = _Roll(election)
    names = voting.qualified_candidate_names(election=election)
    first_row: dict[int, int] = {}
    for number, values in records:
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue  # blank lines are not rows
        if header is None:
            header = _header(cells, check)
            if header is None:
                return
            continue
        check.row_count += 1
        row = {column: cells[i] if i < len(cells) else "" for i, column in header.items()}
        errors_before = len(check.errors)

        def error(column: str, message: Any, number: int = number) -> None:
            check.add(number, column, message)

        entry_id = None
        if not row["dwelling"]:
            error("dwelling", MISSING_VALUE)
        else:
            entry_id, problem = roll.find(row["dwelling"])
            if problem:
                error("dwelling", problem)
            elif entry_id in first_row:
                error("dwelling", DUPLICATE_ROW % {"row": first_row[entry_id]})
            elif entry_id in roll.voted:
                error("dwelling", ALREADY_VOTED)
            if entry_id is not None:
                first_row.setdefault(entry_id, number)

        choices = [c for c in (p.strip() for p in row["choices"].split(";")) if c]
        if election.kind == Election.Kind.MOTION:
            choices = [MOTION_ALIASES.get(c, c) for c in choices]
        try:
            choices = voting.choices_clean(election=election, choices=choices, names=names)
        except voting.VotingError as exc:
            error("choices", exc.message)

        channel = CHANNEL_ALIASES.get(row["channel"].lower())
        if not row["channel"]:
            error("channel", MISSING_VALUE)
        elif channel is None:
            error("channel", BAD_CHANNEL % {"value": row["channel"]})

        proxy_id = None
        if row.get("proxy_for"):
            proxy_id = roll.proxies.get((entry_id, _key(row["proxy_for"])))
            if entry_id is not None and proxy_id is None:
                error("proxy_for", NO_PROXY_AUTHORISATION % {"name": row["proxy_for"]})

        if len(check.errors) == errors_before:
            check.rows.append(BallotRow(number, entry_id, choices, channel, proxy_id))
    if header is None:
        check.errors.append(RowError(None, "", str(FILE_EMPTY)))
    elif check.row_count == 0:
        check.errors.append(RowError(None, "", str(FILE_NO_ROWS)))


def _header(cells: list[str], check: BallotCheck) -> dict[int, str] | None:
    header: dict[int, str] = {}
    for i, cell in enumerate(cells):
        if not cell:
            continue
        name = cell.lower().replace(" ", "_")
        name = HEADER_ALIASES.get(name, name)
        if name not in COLUMNS:
            message = UNKNOWN_HEADER % {"columns": ", ".join(column_labels())}
            check.errors.append(RowError(1, "", message, cell, column_letter(i)))
            continue
        header[i] = name
        check.places[name] = (cell, column_letter(i))
    missing = [c for c in ("dwelling", "choices", "channel") if c not in header.values()]
    for column in missing:
        check.errors.append(RowError(1, column, str(MISSING_COLUMN), str(COLUMN_LABELS[column])))
    if check.errors:
        return None
    return header


def described(errors: list[RowError]) -> list[Any]:
    """The errors as the page and the command show them: "row 7, column B (选票)"."""
    return [describe_error(e.as_dict()) for e in errors]


# --- saving -------------------------------------------------------------------------------------


@transaction.atomic
def ballot_import(
    *,
    election: Election,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> int:
    """Check the file and save every ballot in it, or none (``BallotImportInvalid``)."""
    now = now or timezone.now()
    # Locking the election queues concurrent imports of one election behind each other.
    election = Election.objects.select_for_update().get(pk=election.pk)
    check = ballot_file_check(election=election, data=data, filename=filename, now=now)
    if not check.is_valid:
        raise BallotImportInvalid(check.errors)
    ids = [r.roll_entry_id for r in check.rows]
    # Row locks, so that a clerk entering one of these dwellings by hand waits for this import.
    list(RollEntry.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    voted = set(
        Ballot.objects.filter(election=election, roll_entry_id__in=ids).values_list(
            "roll_entry_id", flat=True
        )
    )
    if voted:
        header, letter = check.places.get("dwelling", ("", ""))
        errors = [
            RowError(r.row, "dwelling", str(ALREADY_VOTED), header, letter)
            for r in check.rows
            if r.roll_entry_id in voted
        ]
        raise BallotImportInvalid(errors)
    actor = user if user is not None and user.is_authenticated else None
    ballots = [
        Ballot(
            election=election,
            roll_entry_id=r.roll_entry_id,
            choices=r.choices,
            channel=r.channel,
            proxy_id=r.proxy_id,
            receipt_code=voting.new_receipt_code(),
            cast_at=now,
            entered_by=actor,
        )
        for r in check.rows
    ]
    try:
        with transaction.atomic():
            Ballot.objects.bulk_create(ballots, batch_size=2000)
    except IntegrityError as exc:
        raise BallotImportInvalid([RowError(None, "", str(IMPORT_CONFLICT))]) from exc
    ElectionLogEntry.objects.create(
        election=election,
        actor=actor,
        action="ballots_imported",
        detail={
            "file": filename,
            "ballots": len(ballots),
            "channels": dict(Counter(b.channel for b in ballots)),
        },
    )
    return len(ballots)
