"""Registry import from Excel (.xlsx) and CSV: one row per dwelling.

Two steps, kept apart so that a preview never writes:

1. ``parse_registry_file`` reads the bytes and checks every row on its own terms (values, kinds,
   duplicates inside the file). Pure: no database.
2. ``registry_import`` checks the rows against the database (a compound already registered with
   the other kind, a dwelling whose households cannot be matched) and, only when nothing is
   wrong, writes everything in one transaction. A file with one bad row saves nothing.

Row numbers are those the user sees in Excel: the header is row 1. A problem names its column
as the user's file does (the header cell as written, and its letter: "row 7, column C (面积)"),
or by the column's label when the file lacks it. Problems are kept as a msgid and its
parameters, not as text, so that each reader sees them in their own language
(``describe_error``); records kept before that hold the text and are shown as they are.

``registry_import_upload`` and ``registry_import_apply`` wrap both steps around a
``RegistryImport`` record, which keeps every uploaded file for the audit trail.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import secrets
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from pathlib import PurePath
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import (
    Building,
    CodeSorted,
    Community,
    Compound,
    Dwelling,
    Household,
    Owner,
    RegistryImport,
    Unit,
    fill_sort_keys,
)

logger = logging.getLogger(__name__)

# The columns of the file, in the order of the template.
COLUMNS: tuple[str, ...] = (
    "compound",
    "kind",
    "building",
    "unit",
    "dwelling",
    "area_m2",
    "owner_ref",
    "owner_name",
    "developer_held",
    "residents",
)
# Headers people type in Chinese spreadsheets, mapped to the column they mean.
HEADER_ALIASES: dict[str, str] = {
    "小区": "compound",
    "小区名称": "compound",
    "类型": "kind",
    "小区类型": "kind",
    "楼栋": "building",
    "楼号": "building",
    "单元": "unit",
    "户号": "dwelling",
    "房号": "dwelling",
    "面积": "area_m2",
    "建筑面积": "area_m2",
    # 面积（㎡）, as NFKC folds it; the labels below must all read back as their column.
    "面积(m2)": "area_m2",
    "建筑面积(m2)": "area_m2",
    "area_(m2)": "area_m2",
    "业主编号": "owner_ref",
    "业主姓名": "owner_name",
    "业主": "owner_name",
    "开发商持有": "developer_held",
    "居住人数": "residents",
    "人数": "residents",
}
# What a column is called where the file does not name it (a missing column, an old record).
# Each label is also a header the reader accepts, in both languages.
COLUMN_LABELS: dict[str, Promise] = {
    "compound": pgettext_lazy("registry import column", "compound"),
    "kind": pgettext_lazy("registry import column", "kind"),
    "building": pgettext_lazy("registry import column", "building"),
    "unit": pgettext_lazy("registry import column", "unit"),
    "dwelling": pgettext_lazy("registry import column", "dwelling"),
    "area_m2": pgettext_lazy("registry import column", "area (m²)"),
    "owner_ref": pgettext_lazy("registry import column", "owner ref"),
    "owner_name": pgettext_lazy("registry import column", "owner name"),
    "developer_held": pgettext_lazy("registry import column", "developer held"),
    "residents": pgettext_lazy("registry import column", "residents"),
}
KIND_ALIASES: dict[str, str] = {
    "managed": Compound.Kind.MANAGED,
    "managed compound": Compound.Kind.MANAGED,
    "物管小区": Compound.Kind.MANAGED,
    "物业小区": Compound.Kind.MANAGED,
    "courtyard": Compound.Kind.COURTYARD,
    "self-managed courtyard": Compound.Kind.COURTYARD,
    "散居楼院": Compound.Kind.COURTYARD,
    "自管小区": Compound.Kind.COURTYARD,
}
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f", "否"})
# Field lengths of the models, checked here so the database never truncates or refuses a row.
MAX_LENGTHS: dict[str, int] = {
    "compound": 100,
    "building": 30,
    "unit": 30,
    "dwelling": 30,
    "owner_ref": 40,
    "owner_name": 100,
}
REQUIRED = ("compound", "kind", "building", "unit", "dwelling", "area_m2", "residents")
# Dwelling.area_m2 is DECIMAL(9, 2).
MAX_AREA = Decimal("9999999.99")
MAX_RESIDENTS = 99
# A guard against a workbook that unpacks to far more than it weighs (a "zip bomb").
MAX_UNZIPPED_RATIO = 20
PREVIEW_ROWS = 50

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_EXTENSIONS = frozenset({".xlsx", ".csv", ".txt", ""})

# Messages, as constants so that tests and views say exactly the same thing.
MISSING_VALUE = gettext_lazy("missing value")
MISSING_OWNER_REF = gettext_lazy("missing value: needed when %(column)s is filled in")
MISSING_OWNER = gettext_lazy("missing value: a dwelling not held by the developer needs an owner")
TOO_LONG = gettext_lazy("too long: at most %(max)d characters")
AREA_NOT_NUMBER = gettext_lazy("not a number: %(value)s")
AREA_NOT_POSITIVE = gettext_lazy("the area must be greater than zero, not %(value)s")
AREA_TOO_PRECISE = gettext_lazy("at most two decimal places: %(value)s")
AREA_TOO_LARGE = gettext_lazy("too large: %(value)s")
UNKNOWN_KIND = gettext_lazy(
    "unknown kind %(value)s: use managed (物管小区) or courtyard (散居楼院)"
)
KIND_CONFLICT_IN_FILE = gettext_lazy(
    "compound %(compound)s is given as %(kind)s on row %(row)d; a compound has one kind"
)
KIND_CONFLICT_IN_DB = gettext_lazy("compound %(compound)s is already registered as %(kind)s")
BAD_BOOLEAN = gettext_lazy("%(value)s is not yes or no (use 1/0, true/false, yes/no, 是/否)")
RESIDENTS_NOT_INTEGER = gettext_lazy("not a whole number: %(value)s")
RESIDENTS_NEGATIVE = gettext_lazy("cannot be negative: %(value)s")
RESIDENTS_TOO_LARGE = gettext_lazy("too many residents for one dwelling: %(value)s")
DUPLICATE_DWELLING = gettext_lazy("duplicate dwelling: the same dwelling is already on row %(row)d")
OWNER_NAME_CONFLICT = gettext_lazy(
    "owner_ref %(ref)s has the name %(name)s on row %(row)d; one owner, one name"
)
HOUSEHOLDS_AMBIGUOUS = gettext_lazy(
    "the dwelling has %(count)d households with %(total)d residents in all; edit them in the "
    "registry instead"
)
MISSING_COLUMN = gettext_lazy("missing column")
UNKNOWN_COLUMN = gettext_lazy("unknown column: the columns are %(columns)s")
DUPLICATE_COLUMN = gettext_lazy("the column appears twice")
UNNAMED_COLUMN = gettext_lazy("this column has values but no header")
FILE_EMPTY = gettext_lazy("The file is empty.")
FILE_NO_ROWS = gettext_lazy("The file has a header but no data rows.")
FILE_TOO_LARGE = gettext_lazy("The file is too large: %(size)s bytes, the limit is %(limit)s.")
FILE_BAD_ENCODING = gettext_lazy(
    "The CSV file is neither UTF-8 nor GBK/GB18030 text. Save it again from Excel as "
    "“CSV UTF-8 (comma delimited)” or as .xlsx."
)
FILE_OLD_XLS = gettext_lazy("Old Excel .xls files cannot be read. Save it as .xlsx and try again.")
FILE_NOT_WORKBOOK = gettext_lazy(
    "The file is not an Excel workbook (.xlsx) or a CSV file. Use the template."
)
FILE_BROKEN_WORKBOOK = gettext_lazy("The Excel workbook could not be read: it may be damaged.")
FILE_BAD_CSV = gettext_lazy("The CSV file could not be read: %(reason)s")
ALREADY_APPLIED = gettext_lazy("This import was already applied; upload the file again to redo it.")
NOT_APPLICABLE = gettext_lazy("This import has errors and cannot be applied.")
IMPORT_CANCELLED = gettext_lazy(
    "This import was cancelled and cannot be confirmed; upload the file again to import it."
)
ALREADY_CANCELLED = gettext_lazy("This import was already cancelled.")
CANNOT_CANCEL = gettext_lazy(
    "Only an import awaiting confirmation can be cancelled; this one is %(status)s."
)
# Where a problem is, said the way spreadsheet users say it.
WHERE_FILE = gettext_lazy("file")
WHERE_ROW = gettext_lazy("row %(row)d")
WHERE_ROW_COLUMN = gettext_lazy("row %(row)d, %(column)s")
COLUMN_LETTER_NAME = gettext_lazy("column %(letter)s (%(name)s)")
COLUMN_LETTER = gettext_lazy("column %(letter)s")
COLUMN_NAME = gettext_lazy("column %(name)s")
ERROR_LINE = gettext_lazy("%(where)s: %(message)s")


class ColumnPlace(NamedTuple):
    """Where a column sits in the user's file: its header cell as written, and its letter."""

    header: str
    letter: str


@dataclass(frozen=True)
class RowError:
    """One problem: ``row`` as Excel numbers it (header = 1), None for the file as a whole.

    ``column`` is the column's code ("" for the file as a whole, or for a column that is none of
    ours); ``header`` and ``letter`` say where it is in the user's file, empty where the file
    has no such column. ``message`` is the text in the language active when the problem was
    found, for callers that show it at once; ``message_id`` (the English msgid) and ``params``
    are what is stored, so that a later reader gets it in their own language. Errors built from
    ready text (the ballot import builds them so) have no ``message_id``.
    """

    row: int | None
    column: str
    message: str
    header: str = ""
    letter: str = ""
    message_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        row: int | None,
        column: str,
        message: Promise,
        params: dict[str, Any] | None = None,
        *,
        place: ColumnPlace | None = None,
    ) -> RowError:
        """The error for one of the message constants, with JSON-able ``params``."""
        message_id = _msgid(message)
        params = params or {}
        header, letter = place or ("", "")
        return cls(row, column, _render(message_id, params), header, letter, message_id, params)

    def as_dict(self) -> dict[str, Any]:
        if not self.message_id:
            shown = {"row": self.row, "column": self.column, "message": self.message}
            # Shown at once (the ballot import): where the column sits in the file, if known.
            return shown | ({"header": self.header, "letter": self.letter} if self.header else {})
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "letter": self.letter,
            "message_id": self.message_id,
            "params": self.params,
        }


def _msgid(message: Promise) -> str:
    # With every translation off, a lazy string is its msgid (Django's documented behaviour).
    with translation.override(None):
        return str(message)


def _render(message_id: str, params: Mapping[str, Any]) -> str:
    """A stored message in the active language; a msgid that is gone reads as its English."""
    if not message_id:
        return ""
    text = _(message_id)
    if not params:
        return text
    shown = dict(params)
    # A compound's kind is stored as its value and named in the reader's language.
    if shown.get("kind") in Compound.Kind.values:
        shown["kind"] = Compound.Kind(shown["kind"]).label
    return text % shown


def column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index``: A … Z, AA, AB …"""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class DescribedError:
    """A stored error told in the active language: what the pages and the command show."""

    row: int | None
    column: str
    message: str

    @property
    def where(self) -> str:
        if self.row is None:
            return str(WHERE_FILE)
        if not self.column:
            return WHERE_ROW % {"row": self.row}
        return WHERE_ROW_COLUMN % {"row": self.row, "column": self.column}

    def __str__(self) -> str:
        return ERROR_LINE % {"where": self.where, "message": self.message}


def describe_error(error: Mapping[str, Any]) -> DescribedError:
    """A stored error (``RowError.as_dict``) in the active language.

    The column is named by the header the file gave it, with its letter ("column C (面积)"),
    else by its label. Records stored before errors kept their msgid hold only the text, in the
    uploader's language: that text is shown as it is.
    """
    column = error.get("column") or ""
    name = error.get("header") or (str(COLUMN_LABELS[column]) if column in COLUMN_LABELS else "")
    if "message_id" not in error:
        # The old shape's column is a code, or the header of a column that is none of ours.
        name = name or column
    letter = error.get("letter") or ""
    if letter and name:
        column_text = COLUMN_LETTER_NAME % {"letter": letter, "name": name}
    elif letter:
        column_text = COLUMN_LETTER % {"letter": letter}
    elif name:
        column_text = COLUMN_NAME % {"name": name}
    else:
        column_text = ""
    if "message_id" in error:
        try:
            message = _render(error["message_id"], error.get("params") or {})
        except (KeyError, TypeError, ValueError):
            message = error.get("message") or error["message_id"]
    else:
        message = error.get("message", "")
    return DescribedError(row=error.get("row"), column=column_text, message=message)


@dataclass(frozen=True)
class RegistryRow:
    """One valid dwelling row, with its values cleaned and typed."""

    row: int
    compound: str
    kind: str
    building: str
    unit: str
    dwelling: str
    area_m2: Decimal
    owner_ref: str
    owner_name: str
    is_developer_held: bool
    residents: int

    @property
    def dwelling_key(self) -> tuple[str, str, str, str]:
        return (self.compound, self.building, self.unit, self.dwelling)

    def as_cells(self) -> list[str]:
        """The row as the user wrote it, in column order (for the preview table)."""
        return [
            self.compound,
            self.kind,
            self.building,
            self.unit,
            self.dwelling,
            f"{self.area_m2:.2f}",
            self.owner_ref,
            self.owner_name,
            "yes" if self.is_developer_held else "no",
            str(self.residents),
        ]


@dataclass(frozen=True)
class ParsedFile:
    rows: list[RegistryRow]
    errors: list[RowError]
    # Data rows seen in the file, bad ones included (blank lines are not rows).
    row_count: int = 0
    format: str = ""
    encoding: str = ""
    # Where each column sits in the file, for errors found later against the database.
    columns: dict[str, ColumnPlace] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportSummary:
    """What an import created or changed, level by level (or would, in a dry run)."""

    rows: int = 0
    compounds_created: int = 0
    buildings_created: int = 0
    units_created: int = 0
    owners_created: int = 0
    owners_updated: int = 0
    dwellings_created: int = 0
    dwellings_updated: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_closed: int = 0

    @property
    def changes(self) -> int:
        return sum(v for k, v in asdict(self).items() if k != "rows")

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class RegistryImportError(Exception):
    """Base of the import's refusals; ``message`` is ready for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RegistryImportInvalid(RegistryImportError):
    """Rows that the database refuses; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("%(count)d errors; nothing was saved.") % {"count": len(errors)})
        self.errors = errors


class ImportRefused(RegistryImportError):
    """An import that cannot be applied in its present state."""


# --- Reading the file ------------------------------------------------------------------------


def detect_format(data: bytes, filename: str) -> tuple[str, str | None]:
    """Decide by content what the file is: ``("xlsx" | "csv", None)`` or ``("", error)``.

    The extension alone is never trusted: a workbook is a zip holding the OOXML parts, and
    anything else must be text with an extension a CSV may have.
    """
    fmt, error = _detect_format(data, filename)
    return fmt, None if error is None else str(error)


def _detect_format(data: bytes, filename: str) -> tuple[str, Promise | None]:
    ext = PurePath(filename or "").suffix.lower()
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError):
            return "", FILE_BROKEN_WORKBOOK
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx", None
        return "", FILE_NOT_WORKBOOK
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "", FILE_OLD_XLS
    if ext == ".xlsx":
        return "", FILE_BROKEN_WORKBOOK
    if ext not in ACCEPTED_EXTENSIONS:
        return "", FILE_NOT_WORKBOOK
    return "csv", None


def _decode(data: bytes) -> tuple[str, str] | None:
    """Text and the encoding that read it, or None: UTF-8 (BOM or not), else GB18030.

    GB18030 is a superset of GBK and GB2312, which is what Excel writes as "CSV" on a Chinese
    Windows. UTF-16 ("Unicode text") and binary files carry NUL bytes no CSV has, and are
    refused before GB18030 could "decode" them into nonsense.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    # Excel writes commas, but a sheet pasted into a text file has tabs, and some locales
    # semicolons: the header line tells which.
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Excel numbers records, not physical lines, so a quoted cell with a line break is one row.
    yield from enumerate(reader, start=1)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as clean text: full-width digits and letters folded (NFKC), spaces trimmed."""
    if type(value) is str:  # every CSV cell: the fast path
        return unicodedata.normalize("NFKC", value).strip() if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float: dwelling 101 arrives as 101.0.
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_name(value: Any) -> str:
    text = _cell_text(value).lower().replace(" ", "_")
    return HEADER_ALIASES.get(text, text)


def _unzipped_too_large(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        unpacked = sum(info.file_size for info in zf.infolist())
    return unpacked > max(len(data), 1) * MAX_UNZIPPED_RATIO + 10 * 1024 * 1024


def parse_registry_file(*, data: bytes, filename: str) -> ParsedFile:
    """Read and check a registry file; no database access.

    Returns every valid row and EVERY problem found, each with the row number Excel shows
    (header = row 1), the column (its code, and its header and letter in the file) and the
    reason. Problems of the file as a whole (empty, too large, not xlsx/csv, bad encoding, bad
    header) come with ``row=None`` or, for header problems, ``row=1``. A file with any error
    must not be imported.
    """
    limit = settings.REGISTRY_IMPORT_MAX_BYTES
    too_large = {"size": f"{len(data):,}", "limit": f"{limit:,}"}
    if not data:
        return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_EMPTY)])
    if len(data) > limit:
        return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_TOO_LARGE, too_large)])
    fmt, error = _detect_format(data, filename)
    if error is not None:
        return ParsedFile(rows=[], errors=[RowError.of(None, "", error)])

    encoding = ""
    if fmt == "xlsx":
        if _unzipped_too_large(data):
            errors = [RowError.of(None, "", FILE_TOO_LARGE, too_large)]
            return ParsedFile(rows=[], errors=errors, format=fmt)
        records: Iterable[tuple[int, list[Any]]] = _xlsx_rows(data)
    else:
        decoded = _decode(data)
        if decoded is None:
            return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_BAD_ENCODING)])
        text, encoding = decoded
        if not text.strip():
            return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_EMPTY)])
        records = _csv_rows(text)

    try:
        return _check_records(records, fmt=fmt, encoding=encoding)
    except csv.Error as exc:
        errors = [RowError.of(None, "", FILE_BAD_CSV, {"reason": str(exc)})]
        return ParsedFile(rows=[], errors=errors, format=fmt)
    except Exception:
        # openpyxl raises many kinds of exception on a damaged workbook; keep the trace.
        if fmt != "xlsx":
            raise
        logger.warning("unreadable workbook %s", filename, exc_info=True)
        return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_BROKEN_WORKBOOK)])


def _check_records(
    records: Iterable[tuple[int, list[Any]]], *, fmt: str, encoding: str
) -> ParsedFile:
    errors: list[RowError] = []
    rows: list[RegistryRow] = []
    header: dict[int, str] | None = None
    places: dict[str, ColumnPlace] = {}
    row_count = 0
    checker = _RowChecker({})
    for number, values in records:
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue  # blank lines are not rows
        if header is None:
            header, header_errors = _read_header(number, values)
            if header_errors:
                return ParsedFile(rows=[], errors=header_errors, format=fmt, encoding=encoding)
            places = {name: _place(i, values[i]) for i, name in header.items()}
            checker = _RowChecker(places)
            continue
        row_count += 1
        width = len(values)
        cells = {
            name: (values[i], texts[i]) if i < width else (None, "") for i, name in header.items()
        }
        unnamed = [i for i, t in enumerate(texts) if t and i not in header]
        for i in unnamed:
            place = ColumnPlace("", column_letter(i))
            errors.append(RowError.of(number, "", UNNAMED_COLUMN, place=place))
        row, row_errors = checker.check(number, cells)
        errors.extend(row_errors)
        if row is not None and not unnamed:
            rows.append(row)
    if header is None:
        return ParsedFile(rows=[], errors=[RowError.of(None, "", FILE_EMPTY)], format=fmt)
    if row_count == 0:
        errors = [RowError.of(None, "", FILE_NO_ROWS)]
        return ParsedFile(rows=[], errors=errors, format=fmt, encoding=encoding)
    # Left to right as the file has them; a value under no header comes last in its row.
    order = {name: i for i, name in header.items()}
    last = max(header, default=0) + 1
    errors.sort(key=lambda e: (e.row or 0, order.get(e.column, last)))
    return ParsedFile(
        rows=rows,
        errors=errors,
        row_count=row_count,
        format=fmt,
        encoding=encoding,
        columns=places,
    )


def _place(index: int, value: Any) -> ColumnPlace:
    # The header as the user typed it: not NFKC-folded, so that 面积（㎡） stays 面积（㎡）.
    header = value.strip() if isinstance(value, str) else _cell_text(value)
    return ColumnPlace(header, column_letter(index))


def _read_header(number: int, values: list[Any]) -> tuple[dict[int, str], list[RowError]]:
    errors: list[RowError] = []
    header: dict[int, str] = {}
    seen: set[str] = set()
    for i, value in enumerate(values):
        name = _header_name(value)
        if not name:
            continue  # an unnamed column is only a problem if it holds values
        if name not in COLUMNS:
            params = {"columns": ", ".join(COLUMNS)}
            errors.append(RowError.of(number, "", UNKNOWN_COLUMN, params, place=_place(i, value)))
        elif name in seen:
            errors.append(RowError.of(number, name, DUPLICATE_COLUMN, place=_place(i, value)))
        else:
            seen.add(name)
            header[i] = name
    errors.extend(RowError.of(number, name, MISSING_COLUMN) for name in COLUMNS if name not in seen)
    return header, errors


class _RowChecker:
    """Checks rows one by one, remembering what it must for the cross-row rules."""

    def __init__(self, places: dict[str, ColumnPlace]) -> None:
        self.places = places
        self.dwellings: dict[tuple[str, str, str, str], int] = {}
        self.kinds: dict[str, tuple[str, int]] = {}
        self.owner_names: dict[str, tuple[str, int]] = {}

    def check(
        self, number: int, cells: dict[str, tuple[Any, str]]
    ) -> tuple[RegistryRow | None, list[RowError]]:
        """``cells`` maps each column to (the raw cell, its clean text)."""
        errors: list[RowError] = []

        def fail(column: str, message: Promise, params: dict[str, Any] | None = None) -> None:
            place = self.places.get(column)
            errors.append(RowError.of(number, column, message, params, place=place))

        text = {name: cells[name][1] for name in COLUMNS}
        for name in REQUIRED:
            if not text[name]:
                fail(name, MISSING_VALUE)
        for name, limit in MAX_LENGTHS.items():
            if len(text[name]) > limit:
                fail(name, TOO_LONG, {"max": limit})

        kind = ""
        if text["kind"]:
            kind = KIND_ALIASES.get(text["kind"].lower(), "")
            if not kind:
                fail("kind", UNKNOWN_KIND, {"value": text["kind"]})

        area = self._area(cells["area_m2"][0], text["area_m2"], fail)
        is_developer_held = self._boolean(text["developer_held"], fail)
        residents = self._residents(text["residents"], fail)

        owner_ref, owner_name = text["owner_ref"], text["owner_name"]
        if owner_name and not owner_ref:
            fail("owner_ref", MISSING_OWNER_REF, {"column": self._name("owner_name")})
        elif owner_ref and not owner_name:
            fail("owner_name", MISSING_VALUE)
        elif not owner_ref and is_developer_held is False:
            # The developer's unsold parts may have no owner yet; everyone else's must.
            fail("owner_ref", MISSING_OWNER)

        # Cross-row rules: each conflict is reported on the later row, naming the earlier one.
        if text["compound"] and kind:
            first_kind, first_row = self.kinds.setdefault(text["compound"], (kind, number))
            if first_kind != kind:
                # The kind is stored as its value and named when shown (see _render).
                params = {"compound": text["compound"], "kind": first_kind, "row": first_row}
                fail("kind", KIND_CONFLICT_IN_FILE, params)
        if owner_ref and owner_name:
            first_name, first_row = self.owner_names.setdefault(owner_ref, (owner_name, number))
            if first_name != owner_name:
                params = {"ref": owner_ref, "name": first_name, "row": first_row}
                fail("owner_name", OWNER_NAME_CONFLICT, params)
        key = (text["compound"], text["building"], text["unit"], text["dwelling"])
        if all(key):
            first_row = self.dwellings.setdefault(key, number)
            if first_row != number:
                fail("dwelling", DUPLICATE_DWELLING, {"row": first_row})

        if errors or area is None or residents is None or is_developer_held is None:
            return None, errors
        return (
            RegistryRow(
                row=number,
                compound=text["compound"],
                kind=kind,
                building=text["building"],
                unit=text["unit"],
                dwelling=text["dwelling"],
                area_m2=area,
                owner_ref=owner_ref,
                owner_name=owner_name,
                is_developer_held=is_developer_held,
                residents=residents,
            ),
            [],
        )

    def _name(self, column: str) -> str:
        """A column as the file names it, for a message that refers to another column."""
        place = self.places.get(column)
        return place.header if place else column

    @staticmethod
    def _area(raw: Any, text: str, fail) -> Decimal | None:
        if not text:
            return None
        try:
            # A float from Excel goes through its shortest repr: 89.5, not 89.4999999...
            area = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(text)
        except InvalidOperation:
            fail("area_m2", AREA_NOT_NUMBER, {"value": text})
            return None
        if not area.is_finite():
            fail("area_m2", AREA_NOT_NUMBER, {"value": text})
            return None
        if area <= 0:
            fail("area_m2", AREA_NOT_POSITIVE, {"value": text})
            return None
        if area > MAX_AREA:
            fail("area_m2", AREA_TOO_LARGE, {"value": text})
            return None
        if area != area.quantize(Decimal("0.01")):
            fail("area_m2", AREA_TOO_PRECISE, {"value": text})
            return None
        return area.quantize(Decimal("0.01"))

    @staticmethod
    def _boolean(text: str, fail) -> bool | None:
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        fail("developer_held", BAD_BOOLEAN, {"value": text})
        return None

    @staticmethod
    def _residents(text: str, fail) -> int | None:
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            fail("residents", RESIDENTS_NOT_INTEGER, {"value": text})
            return None
        if number < 0:
            fail("residents", RESIDENTS_NEGATIVE, {"value": text})
            return None
        if number > MAX_RESIDENTS:
            fail("residents", RESIDENTS_TOO_LARGE, {"value": text})
            return None
        return int(number)


# --- Writing to the registry -----------------------------------------------------------------


def compound_code(name: str, taken: set[str]) -> str:
    """A stable code for a compound known only by name: ``c-`` and a hash of the name.

    The same name gives the same code on every machine, so two imports of one file agree; a
    collision with a code already taken in the community lengthens the hash.
    """
    digest = hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()
    for length in (8, 12, 16, 40):
        code = f"c-{digest[:length]}"
        if code not in taken:
            return code
    n = 2
    while f"c-{digest}-{n}" in taken:
        n += 1
    return f"c-{digest}-{n}"


@transaction.atomic
def registry_import(
    *,
    community: Community,
    rows: list[RegistryRow],
    user: AbstractBaseUser | None = None,
    dry_run: bool = False,
    reason: str = "",
    columns: Mapping[str, ColumnPlace] | None = None,
) -> ImportSummary:
    """Create or update the registry of ``community`` from checked rows, all or nothing.

    Compounds are matched by name, buildings, units and dwellings by code under their parent,
    owners by ``owner_ref`` within the community. A dwelling gets its area, developer flag and
    owner from the row. Households follow ``residents``: more than 0 creates one household when
    the dwelling has none living there, or sets the residents of the one it has; 0 means vacant,
    so the households living there are marked moved out today. Re-importing the same rows
    changes nothing.

    Rows that the database refuses (a compound already registered with the other kind, a
    dwelling with several households whose residents do not add up) raise
    ``RegistryImportInvalid`` with every such row, before anything is written; ``columns``
    (``ParsedFile.columns``) lets those errors name the columns as the file does. ``dry_run``
    checks and counts without writing.

    Speed: the existing registry of the compounds named in the file is read in six queries into
    dicts, and new rows go in with ``bulk_create`` level by level (with their history rows), so
    the number of queries does not grow with the rows (beyond batching). Aim: at least 5,000
    rows/s on PostgreSQL for 20,000 new dwellings; ``make bench`` measures it against ``COPY``.
    """
    if not dry_run:
        # One import per community at a time: two would race on the same new codes.
        Community.objects.select_for_update().filter(pk=community.pk).first()
    state = _RegistryState.load(community, rows)
    errors = state.check(rows, columns or {})
    if errors:
        raise RegistryImportInvalid(errors)
    return state.apply(rows, user=user, dry_run=dry_run, reason=reason)


@dataclass
class _RegistryState:
    """The part of the registry that an import touches, held in dicts by natural key."""

    community: Community
    compounds: dict[str, Compound]
    buildings: dict[tuple[str, str], Building]
    units: dict[tuple[str, str, str], Unit]
    dwellings: dict[tuple[str, str, str, str], Dwelling]
    owners: dict[str, Owner]
    households: dict[int, list[Household]] = field(default_factory=dict)
    codes_taken: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, community: Community, rows: list[RegistryRow]) -> _RegistryState:
        all_compounds = list(Compound.objects.filter(community=community))
        names = {r.compound for r in rows}
        compounds = {c.name: c for c in all_compounds}
        ids = [c.pk for c in all_compounds if c.name in names]
        compound_name = {c.pk: c.name for c in all_compounds}
        buildings = {
            (compound_name[b.compound_id], b.code): b
            for b in Building.objects.filter(compound_id__in=ids)
        }
        building_key = {b.pk: key for key, b in buildings.items()}
        units = {
            (*building_key[u.building_id], u.code): u
            for u in Unit.objects.filter(building__compound_id__in=ids)
        }
        unit_key = {u.pk: key for key, u in units.items()}
        dwellings = {
            (*unit_key[d.unit_id], d.code): d
            for d in Dwelling.objects.filter(unit__building__compound_id__in=ids)
        }
        households: dict[int, list[Household]] = defaultdict(list)
        for h in Household.objects.filter(
            dwelling__unit__building__compound_id__in=ids, moved_out_on__isnull=True
        ).order_by("pk"):
            households[h.dwelling_id].append(h)
        # All the community's owners: an IN list of thousands of refs costs more than it saves.
        owners = {o.owner_ref: o for o in Owner.objects.filter(community=community)}
        return cls(
            community=community,
            compounds=compounds,
            buildings=buildings,
            units=units,
            dwellings=dwellings,
            owners=owners,
            households=households,
            codes_taken={c.code for c in all_compounds},
        )

    def check(self, rows: list[RegistryRow], columns: Mapping[str, ColumnPlace]) -> list[RowError]:
        errors: list[RowError] = []
        for r in rows:
            compound = self.compounds.get(r.compound)
            if compound is not None and compound.kind != r.kind:
                params = {"compound": r.compound, "kind": compound.kind}
                errors.append(
                    RowError.of(
                        r.row, "kind", KIND_CONFLICT_IN_DB, params, place=columns.get("kind")
                    )
                )
            dwelling = self.dwellings.get(r.dwelling_key)
            if dwelling is not None and r.residents > 0:
                living = self.households.get(dwelling.pk, [])
                total = sum(h.residents for h in living)
                if len(living) > 1 and total != r.residents:
                    params = {"count": len(living), "total": total}
                    place = columns.get("residents")
                    errors.append(
                        RowError.of(r.row, "residents", HOUSEHOLDS_AMBIGUOUS, params, place=place)
                    )
        return errors

    def apply(
        self,
        rows: list[RegistryRow],
        *,
        user: AbstractBaseUser | None,
        dry_run: bool,
        reason: str,
    ) -> ImportSummary:
        write = _Writer(user=user, reason=reason or "registry import", dry_run=dry_run)
        counts: dict[str, int] = defaultdict(int)
        make_owner, make_dwelling, make_household = map(_factory, (Owner, Dwelling, Household))

        # Compounds, buildings and units: created when missing, never changed. Objects are built
        # with raw ids (unit_id=...) rather than instances, which is also what lets a dry run
        # build children of parents that have no id.
        new_compounds: dict[str, Compound] = {}
        for r in rows:
            if r.compound not in self.compounds and r.compound not in new_compounds:
                code = compound_code(r.compound, self.codes_taken)
                self.codes_taken.add(code)
                new_compounds[r.compound] = Compound(
                    community_id=self.community.pk, name=r.compound, code=code, kind=r.kind
                )
        counts["compounds_created"] = len(new_compounds)
        write.create(Compound, list(new_compounds.values()))
        self.compounds.update(new_compounds)

        new_buildings: dict[tuple[str, str], Building] = {}
        for r in rows:
            key = (r.compound, r.building)
            if key not in self.buildings and key not in new_buildings:
                compound_id = self.compounds[r.compound].pk
                new_buildings[key] = Building(compound_id=compound_id, code=r.building)
        counts["buildings_created"] = len(new_buildings)
        write.create(Building, list(new_buildings.values()))
        self.buildings.update(new_buildings)

        new_units: dict[tuple[str, str, str], Unit] = {}
        for r in rows:
            key = (r.compound, r.building, r.unit)
            if key not in self.units and key not in new_units:
                new_units[key] = Unit(building_id=self.buildings[key[:2]].pk, code=r.unit)
        counts["units_created"] = len(new_units)
        write.create(Unit, list(new_units.values()))
        self.units.update(new_units)

        # Owners: created, or renamed when the file says so.
        new_owners: dict[str, Owner] = {}
        renamed: list[Owner] = []
        for r in rows:
            if not r.owner_ref:
                continue
            owner = self.owners.get(r.owner_ref) or new_owners.get(r.owner_ref)
            if owner is None:
                new_owners[r.owner_ref] = make_owner(
                    community_id=self.community.pk,
                    owner_ref=r.owner_ref,
                    name=r.owner_name,
                    # The developer holding its unsold parts is a company, not a person.
                    kind=Owner.Kind.ORGANISATION if r.is_developer_held else Owner.Kind.PERSON,
                )
            elif owner.name != r.owner_name:
                owner.name = r.owner_name
                renamed.append(owner)
        counts["owners_created"] = len(new_owners)
        counts["owners_updated"] = len(renamed)
        write.create(Owner, list(new_owners.values()))
        write.update(Owner, renamed, ["name"])
        self.owners.update(new_owners)

        # Dwellings: created, or brought in line with the row.
        new_dwellings: list[Dwelling] = []
        changed_dwellings: list[Dwelling] = []
        for r in rows:
            owner = self.owners.get(r.owner_ref) if r.owner_ref else None
            owner_id = owner.pk if owner is not None else None
            dwelling = self.dwellings.get(r.dwelling_key)
            if dwelling is None:
                dwelling = make_dwelling(
                    unit_id=self.units[r.dwelling_key[:3]].pk,
                    code=r.dwelling,
                    area_m2=r.area_m2,
                    owner_id=owner_id,
                    is_developer_held=r.is_developer_held,
                )
                new_dwellings.append(dwelling)
                self.dwellings[r.dwelling_key] = dwelling
            elif (
                dwelling.area_m2 != r.area_m2
                or dwelling.is_developer_held != r.is_developer_held
                or dwelling.owner_id != owner_id
                # In a dry run a new owner has no id yet, yet the dwelling will change.
                or (owner is not None and owner_id is None)
            ):
                dwelling.area_m2 = r.area_m2
                dwelling.is_developer_held = r.is_developer_held
                dwelling.owner_id = owner_id
                changed_dwellings.append(dwelling)
        counts["dwellings_created"] = len(new_dwellings)
        counts["dwellings_updated"] = len(changed_dwellings)
        write.create(Dwelling, new_dwellings)
        write.update(Dwelling, changed_dwellings, ["area_m2", "is_developer_held", "owner_id"])

        # Households: one per occupied dwelling that has none; vacant ones are moved out.
        today = timezone.localdate()
        new_households: list[Household] = []
        changed_households: list[Household] = []
        closed_households: list[Household] = []
        for r in rows:
            dwelling = self.dwellings[r.dwelling_key]
            living = self.households.get(dwelling.pk, []) if dwelling.pk else []
            if r.residents == 0:
                for h in living:
                    h.moved_out_on = max(today, h.moved_in_on)
                    closed_households.append(h)
            elif not living:
                new_households.append(
                    make_household(dwelling_id=dwelling.pk, residents=r.residents)
                )
            elif len(living) == 1 and living[0].residents != r.residents:
                living[0].residents = r.residents
                changed_households.append(living[0])
        counts["households_created"] = len(new_households)
        counts["households_updated"] = len(changed_households)
        counts["households_closed"] = len(closed_households)
        write.create(Household, new_households)
        write.update(Household, changed_households, ["residents"])
        write.update(Household, closed_households, ["moved_out_on"])
        return ImportSummary(rows=len(rows), **counts)


class _Writer:
    """Inserts and updates for the import, with their history rows.

    On PostgreSQL new rows go in with ``COPY``, their ids drawn from the table's sequence in one
    query beforehand, because the ORM's ``bulk_create`` spends more time building SQL in Python
    than PostgreSQL spends inserting. Elsewhere (SQLite in development and tests) it is
    ``bulk_create`` with simple_history's ``bulk_history_create``. Either way each created or
    changed row of a model with history gets its history row, stamped with the user and the
    import as the reason. The models written here have no ``auto_now`` fields, and the one piece
    of ``save()`` logic that ``COPY`` would bypass (the natural ``sort_key`` of a code) is filled
    here.
    """

    batch_size = 1000

    def __init__(self, *, user: AbstractBaseUser | None, reason: str, dry_run: bool) -> None:
        self.user = user if user is not None and user.is_authenticated else None
        self.reason = reason[:100]
        self.dry_run = dry_run
        self.now = timezone.now()
        self.copy = connection.vendor == "postgresql"
        self.history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)

    def create(self, model: type[models.Model], objs: list[models.Model]) -> None:
        if self.dry_run or not objs:
            return
        if issubclass(model, CodeSorted):
            fill_sort_keys(objs)  # COPY bypasses save() and the queryset's bulk_create
        if self.copy:
            self._allocate_ids(model, objs)
            fields = list(model._meta.concrete_fields)
            values = attrgetter(*[f.attname for f in fields])
            self._copy(model._meta.db_table, fields, map(values, objs))
        else:
            model.objects.bulk_create(objs, batch_size=self.batch_size)
        self._history(model, objs, "+")

    def update(
        self, model: type[models.Model], objs: list[models.Model], fields: list[str]
    ) -> None:
        if self.dry_run or not objs:
            return
        model.objects.bulk_update(objs, fields, batch_size=self.batch_size)
        self._history(model, objs, "~")

    def _history(self, model: type[models.Model], objs: list[models.Model], kind: str) -> None:
        manager = getattr(model, "history", None)
        if manager is None or not self.history:
            return
        if not self.copy:
            manager.bulk_history_create(
                objs,
                batch_size=self.batch_size,
                update=kind == "~",
                default_user=self.user,
                default_change_reason=self.reason,
                default_date=self.now,
            )
            return
        history_model = manager.model
        # As text once, not per row: the CSV writer would format the datetime 20,000 times.
        fixed = {
            "history_date": self.now.isoformat(),
            "history_change_reason": self.reason,
            "history_type": kind,
            "history_user_id": self.user.pk if self.user else None,
        }
        pk = history_model._meta.pk.attname
        skip = {*fixed, pk}
        tracked = [f for f in history_model._meta.concrete_fields if f.attname not in skip]
        constant = [history_model._meta.get_field(name.removesuffix("_id")) for name in fixed]
        values = attrgetter(*[f.attname for f in tracked])
        tail = tuple(fixed.values())
        self._copy(
            history_model._meta.db_table,
            tracked + constant,
            (values(obj) + tail for obj in objs),
        )

    @staticmethod
    def _allocate_ids(model: type[models.Model], objs: list[models.Model]) -> None:
        # One block of ids from the sequence in a single call; one nextval() per row cost
        # about a fifth of the import. The table lock (held to commit, reads still allowed)
        # keeps any other writer from drawing an id inside the block meanwhile.
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(seq, nextval(seq) + %s - 1) "
                "FROM pg_get_serial_sequence(%s, %s) AS seq",
                [len(objs), table, model._meta.pk.column],
            )
            (last,) = cursor.fetchone()
        attname, alias = model._meta.pk.attname, connection.alias
        for pk, obj in enumerate(objs, start=last - len(objs) + 1):
            obj.__dict__[attname] = pk
            obj._state.adding = False
            obj._state.db = alias

    @staticmethod
    def _copy(table: str, fields: list[models.Field], rows: Iterable[tuple[Any, ...]]) -> None:
        # CSV through the C writer: None and "" both come out empty, and FORCE_NOT_NULL on the
        # NOT NULL columns reads "" there as an empty string, leaving NULL only where it may be.
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        buffer.seek(0)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        not_null = ", ".join(quote(f.column) for f in fields if not f.null)
        options = "FORMAT csv" + (f", FORCE_NOT_NULL ({not_null})" if not_null else "")
        sql = f"COPY {quote(table)} ({columns}) FROM STDIN WITH ({options})"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, buffer)
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(buffer.getvalue())


def _factory(model: type[models.Model]):
    """A fast constructor for new rows: the field defaults, overridden by ``values``.

    ``Model(**values)`` walks every field's descriptor and, at tens of thousands of rows, costs
    more than the COPY itself. These objects are filled the way ``Model.from_db`` leaves them
    (a plain ``__dict__`` and a fresh ``ModelState``), without the pre_init/post_init signals,
    which nothing in the project listens to for these models.
    """
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    new = model.__new__

    def make(**values: Any) -> models.Model:
        obj = new(model)
        obj.__dict__.update(defaults)
        obj.__dict__.update(values)
        obj._state = ModelState()
        return obj

    return make


# --- The upload record ------------------------------------------------------------------------


def _sample(rows: list[RegistryRow]) -> list[list[str]]:
    return [[str(r.row), *r.as_cells()] for r in rows[:PREVIEW_ROWS]]


def registry_import_upload(
    *,
    community: Community,
    filename: str,
    data: bytes,
    user: AbstractBaseUser | None = None,
) -> RegistryImport:
    """Keep an uploaded file, check it fully (file and database) and record the outcome.

    The record is PENDING with the counts of what applying it would do, or INVALID with every
    error; nothing in the registry changes either way.
    """
    filename = PurePath(filename or "registry").name
    parsed = parse_registry_file(data=data, filename=filename)
    errors = list(parsed.errors)
    summary: dict[str, Any] = {}
    if not errors:
        try:
            summary = registry_import(
                community=community, rows=parsed.rows, dry_run=True, columns=parsed.columns
            ).as_dict()
        except RegistryImportInvalid as exc:
            errors = exc.errors
    record = RegistryImport(
        community=community,
        original_name=filename[:255],
        status=RegistryImport.Status.INVALID if errors else RegistryImport.Status.PENDING,
        row_count=parsed.row_count,
        errors=[e.as_dict() for e in errors],
        summary={**summary, "sample": _sample(parsed.rows) if not errors else []},
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    # Stored under a random name: the uploader's name (kept in original_name) may be guessed.
    stored_name = f"{secrets.token_hex(16)}{PurePath(filename).suffix.lower()[:8]}"
    record.file.save(stored_name, ContentFile(data), save=False)
    record.full_clean(exclude=["file", "uploaded_by"])
    record.save()
    return record


def registry_import_apply(
    *, registry_import_id: int, user: AbstractBaseUser | None = None
) -> ImportSummary:
    """Apply a PENDING import in one transaction and mark it APPLIED.

    Refuses (``ImportRefused``) an import already applied or found invalid. The file is checked
    again, since the registry may have changed since the preview; if it no longer fits, the
    record turns INVALID with the new errors and ``RegistryImportInvalid`` is raised.
    """
    try:
        with transaction.atomic():
            record = RegistryImport.objects.select_for_update().get(pk=registry_import_id)
            if record.status == RegistryImport.Status.APPLIED:
                raise ImportRefused(str(ALREADY_APPLIED))
            if record.status == RegistryImport.Status.CANCELLED:
                raise ImportRefused(str(IMPORT_CANCELLED))
            if record.status != RegistryImport.Status.PENDING:
                raise ImportRefused(str(NOT_APPLICABLE))
            with record.file.open("rb") as fh:
                data = fh.read()
            parsed = parse_registry_file(data=data, filename=record.original_name)
            if parsed.errors:
                raise RegistryImportInvalid(parsed.errors)
            summary = registry_import(
                community=record.community,
                rows=parsed.rows,
                user=user if user is not None and user.is_authenticated else None,
                reason=_("registry import #%(pk)d: %(name)s")
                % {"pk": record.pk, "name": record.original_name},
                columns=parsed.columns,
            )
            record.status = RegistryImport.Status.APPLIED
            record.applied_at = timezone.now()
            record.summary = {**summary.as_dict(), "sample": record.summary.get("sample", [])}
            record.save(update_fields=["status", "applied_at", "summary"])
            return summary
    except RegistryImportInvalid as exc:
        RegistryImport.objects.filter(
            pk=registry_import_id, status=RegistryImport.Status.PENDING
        ).update(status=RegistryImport.Status.INVALID, errors=[e.as_dict() for e in exc.errors])
        raise


@transaction.atomic
def registry_import_cancel(
    *, registry_import_id: int, user: AbstractBaseUser | None = None
) -> RegistryImport:
    """Cancel a PENDING import: it is never applied, and stays (with its file, as an applied or
    invalid import does) for the audit trail, marked cancelled with who and when.

    Refuses (``ImportRefused``) an import already cancelled, applied or found invalid. Locks the
    row, so a confirmation and a cancellation sent at once do not both go through.
    """
    record = RegistryImport.objects.select_for_update().get(pk=registry_import_id)
    if record.status == RegistryImport.Status.CANCELLED:
        raise ImportRefused(str(ALREADY_CANCELLED))
    if record.status != RegistryImport.Status.PENDING:
        raise ImportRefused(str(CANNOT_CANCEL) % {"status": record.get_status_display()})
    record.status = RegistryImport.Status.CANCELLED
    record.cancelled_at = timezone.now()
    record.cancelled_by = user if user is not None and user.is_authenticated else None
    record.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    return record


# --- The template -----------------------------------------------------------------------------

# Deliberately no real compound or owner: a template uploaded unchanged must not overwrite a
# real home's owner (the preview then shows one new compound, plainly an example).
EXAMPLE_ROW: tuple[Any, ...] = (
    "示例小区",
    "managed",
    "1号楼",
    "1单元",
    "101",
    Decimal("89.50"),
    "EXAMPLE-0001",
    "示例业主",
    "no",
    3,
)


def _column_notes() -> list[tuple[str, str, str]]:
    """(column, required?, what it means), in the user's language."""
    yes, no = _("required"), _("optional")
    return [
        ("compound", yes, _("Name of the compound or courtyard, as the community calls it.")),
        (
            "kind",
            yes,
            _("managed (物管小区, 物业小区) or courtyard (散居楼院, 自管小区)."),
        ),
        ("building", yes, _("Building code, e.g. 1号楼.")),
        ("unit", yes, _("Unit (stairwell) code, e.g. 1单元.")),
        (
            "dwelling",
            yes,
            _("Dwelling code, e.g. 101. Each dwelling appears once in a file."),
        ),
        (
            "area_m2",
            yes,
            _("Registered exclusive area in m², greater than zero, at most two decimals."),
        ),
        (
            "owner_ref",
            _("required unless developer-held"),
            _("The community's reference for the owner. One owner may hold several dwellings."),
        ),
        ("owner_name", _("required with owner_ref"), _("Owner's name; one name per owner_ref.")),
        (
            "developer_held",
            no,
            _("yes if the developer still holds the dwelling (1/0, true/false, yes/no, 是/否)."),
        ),
        ("residents", yes, _("Number of people living there; 0 if vacant.")),
    ]


def registry_template(*, fmt: str) -> tuple[bytes, str, str]:
    """The downloadable template: ``(content, content type, file name)`` for xlsx or csv."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerow(EXAMPLE_ROW)
        # The BOM makes Excel open the file as UTF-8 instead of the ANSI code page.
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", "registry.csv"
    if fmt != "xlsx":
        raise ValueError(fmt)

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "registry"
    sheet.append(COLUMNS)
    sheet.append([float(v) if isinstance(v, Decimal) else v for v in EXAMPLE_ROW])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet["F2"].number_format = "0.00"
    for i, width in enumerate((16, 12, 10, 10, 10, 10, 12, 12, 15, 10), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    # Drop-down lists keep the two columns with fixed words from being mistyped.
    kinds = DataValidation(type="list", formula1='"managed,courtyard,物管小区,散居楼院"')
    kinds.add("B2:B100000")
    flags = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    flags.add("I2:I100000")
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(flags)

    # Sheet names may not contain "/", hence a space.
    notes = workbook.create_sheet("说明 Notes")
    notes.append([_("column"), _("required"), _("meaning")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for row in _column_notes():
        notes.append(row)
    notes.append([])
    notes.append([_("One row per dwelling. The first row is the header; keep it as it is.")])
    notes.append([_("A file with any bad row saves nothing; every bad row is listed.")])
    for letter, width in (("A", 16), ("B", 24), ("C", 80)):
        notes.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), XLSX_CONTENT_TYPE, "registry.xlsx"
