"""Spreadsheet downloads of list and totals pages, for staff who carry figures on into their own
reports: the rows the page would show (same filters, same permissions), all of them rather than
one page, with translated headers.

A workbook is written in openpyxl's write-only mode (rows streamed into the file, not held as
cells) and sent as an attachment with a UTF-8 file name.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limit on a sheet title.
MAX_TITLE = 31


# Two decimals, as the pages show points and averages (91 reads "91.00", not "91").
POINTS_FORMAT = "0.00"


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    # Optional, by column index from 0: widths in characters, and number formats.
    widths: Mapping[int, float] = field(default_factory=dict)
    formats: Mapping[int, str] = field(default_factory=dict)
    # Columns whose long text wraps inside its cell (a commentary).
    wrap: Sequence[int] = ()


def wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def _cell_value(value: Any) -> Any:
    # Decimals keep their digits as numbers; lazy translations and other objects become text.
    if value is None or isinstance(value, int | float | Decimal | dt.date | dt.datetime | str):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            # Excel has no time zones: local time, as the pages show it.
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return str(value)


def _cell(ws: Any, sheet: Sheet, column: int, value: Any) -> Any:
    value = _cell_value(value)
    number_format = sheet.formats.get(column)
    wraps = column in sheet.wrap
    if not number_format and not wraps:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    if wraps:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(title=str(sheet.title)[:MAX_TITLE])
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(ws, value=str(text))
            cell.font = Font(bold=True)
            header.append(cell)
        # Write-only sheets take their column widths before the first row.
        for column, width in sheet.widths.items():
            ws.column_dimensions[get_column_letter(column + 1)].width = width
        ws.append(header)
        for row in sheet.rows:
            ws.append([_cell(ws, sheet, i, v) for i, v in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ascii_stem(filename: str) -> str:
    """The plain file name older clients read beside the UTF-8 one: the Chinese words dropped,
    without the spaces they leave behind ("红黑榜 2026-10" → "2026-10"), never empty."""
    plain = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    return re.sub(r"\s+", " ", plain).strip(" -_.") or "export"


def dated_filename(title: str) -> str:
    """A download's name: what it holds and the day it was taken ("巡查记录 2026-11-29")."""
    return f"{title} {timezone.localdate():%Y-%m-%d}"


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """The sheets as an .xlsx attachment named ``filename`` (without the extension)."""
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX)
    name = f"{filename}.xlsx"
    ascii_name = f"{ascii_stem(filename)}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    return response
