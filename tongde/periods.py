"""Pure date math for reporting periods: ISO weeks, months, quarters and years.

Periods are calendar periods in Asia/Shanghai (UTC+8 all year: China has no daylight saving, so
every period boundary is local midnight and every day is 24 hours). A period is half-open:
``start`` is its first day and ``end`` the first day of the next period. Labels are ``2026-W48``,
``2026-10``, ``2026-Q4`` and ``2026``; ISO weeks belong to the ISO year of their Thursday, so
2026-W53 runs from 28 December 2026 to 3 January 2027.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext, pgettext

SHANGHAI = ZoneInfo("Asia/Shanghai")


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_LABELS = {
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    PeriodKind.YEAR: re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    start: dt.date

    def __post_init__(self) -> None:
        if period_start(self.kind, self.start) != self.start:
            raise ValueError(f"{self.start} does not start a {self.kind}")

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return _shift(self.kind, self.start, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self) -> dt.datetime:
        """Local midnight at the start, as an aware datetime."""
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time.min, tzinfo=SHANGHAI)

    @property
    def display(self) -> str:
        """The period as readers say it in the active language: 2026年第48周, 2026年3月,
        2026年第3季度, 2026年; Week 48, 2026, March 2026, Q3 2026, 2026. ``label`` (2026-W48,
        2026-03) is for addresses, open data and CSV files."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return gettext("Week %(week)s, %(year)s") % {"week": week, "year": year}
        if self.kind is PeriodKind.MONTH:
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind is PeriodKind.QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            return gettext("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": self.start.year}
        return pgettext("calendar year", "%(year)s") % {"year": self.start.year}

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def previous(self) -> Period:
        return Period(self.kind, _shift(self.kind, self.start, -1))

    def __str__(self) -> str:
        return self.label


def period_start(kind: PeriodKind | str, day: dt.date) -> dt.date:
    """The first day of the period of ``kind`` that contains ``day``."""
    kind = PeriodKind(kind)
    if kind is PeriodKind.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    if kind is PeriodKind.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def period_containing(kind: PeriodKind | str, day: dt.date) -> Period:
    return Period(PeriodKind(kind), period_start(kind, day))


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(SHANGHAI).date()


def last_complete(kind: PeriodKind | str, now: dt.datetime) -> Period:
    """The latest period that has ended by ``now`` (aware)."""
    return period_containing(kind, local_date(now)).previous()


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last``, both included, in order."""
    if first.kind != last.kind:
        raise ValueError("periods of different kinds")
    out = []
    current = first
    while current <= last:
        out.append(current)
        current = current.next()
    return out


def parse_period(kind: PeriodKind | str, label: str) -> Period:
    """Read a label such as ``2026-W53``, ``2026-10``, ``2026-Q4`` or ``2026``.

    Raises ValueError for a label of another kind or a week the ISO year does not have.
    """
    kind = PeriodKind(kind)
    match = _LABELS[kind].match(label.strip())
    if not match:
        raise ValueError(f"{label!r} is not a {kind} label")
    year = int(match.group(1))
    if kind is PeriodKind.WEEK:
        week = int(match.group(2))
        if not 1 <= week <= iso_weeks_in_year(year):
            raise ValueError(f"{year} has no ISO week {week}")
        return Period(kind, dt.date.fromisocalendar(year, week, 1))
    if kind is PeriodKind.MONTH:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{label!r} has no month {month}")
        return Period(kind, dt.date(year, month, 1))
    if kind is PeriodKind.QUARTER:
        return Period(kind, dt.date(year, (int(match.group(2)) - 1) * 3 + 1, 1))
    return Period(kind, dt.date(year, 1, 1))


def iso_weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always falls in the ISO year's last week."""
    return dt.date(year, 12, 28).isocalendar()[1]


def _shift(kind: PeriodKind, start: dt.date, count: int) -> dt.date:
    if kind is PeriodKind.WEEK:
        return start + dt.timedelta(weeks=count)
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind] * count
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
