"""Plausible bounds for what people type: a count of 2,147,483,647 volunteers or a household of
40,000 is a slip of the finger, and it would go straight onto the public pages and the open data.
Forms call ``bound`` on their fields; the limits are generous for a city's community."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import Field
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .text import long_date

EARLIEST = dt.date(2000, 1, 1)  # nothing the community records happened before this
MAX_COUNT = 100_000  # people, vehicles, truckloads, cameras, parking spaces in one record
MAX_HOUSEHOLD = 99  # residents of one dwelling, as the registry import has it
MAX_FLOORS = 200
EARLIEST_BUILT = 1900
# Rows of one formset (criteria, deductions, decisions, attendance, commitments). It is also the
# formset's ``absolute_max``: Django's default (max_num + 1000) builds up to 2,000 forms when the
# management form says so, and renders them all back with the error.
MAX_ROWS = 50
# The last year a year filter or address takes (targets are set a year or two ahead); beyond it,
# and before EARLIEST, the date arithmetic of a year lookup fails (year -1, year 10**12).
LATEST_YEAR = 2100


DATE_AFTER_TODAY = _("The date cannot be after today.")
DATE_AFTER = _("The date cannot be after %(date)s.")
DATE_BEFORE = _("The date cannot be before %(date)s.")


@deconstructible
class LatestDate(MaxValueValidator):
    """A date no later than ``limit_value``, said in the user's language with the date written
    out ("cannot be after today", "cannot be after 2026年11月29日"), not as Django's "Ensure
    this value is less than or equal to 2026-11-29"."""

    def __init__(self, limit_value: dt.date, message: Any = None) -> None:
        super().__init__(limit_value)
        self.own_message = message

    def __call__(self, value: dt.date) -> None:
        if value > self.limit_value:
            if self.own_message is not None:
                message = self.own_message
            elif self.limit_value == today():
                message = DATE_AFTER_TODAY
            else:
                message = DATE_AFTER
            raise ValidationError(
                message, code="max_value", params={"date": long_date(self.limit_value)}
            )


@deconstructible
class EarliestDate(MinValueValidator):
    """A date no earlier than ``limit_value``, said as ``LatestDate`` says its limit."""

    def __init__(self, limit_value: dt.date, message: Any = None) -> None:
        super().__init__(limit_value)
        self.own_message = message

    def __call__(self, value: dt.date) -> None:
        if value < self.limit_value:
            raise ValidationError(
                self.own_message or DATE_BEFORE,
                code="min_value",
                params={"date": long_date(self.limit_value)},
            )


def bound(
    field: Field,
    low: Any = None,
    high: Any = None,
    *,
    too_early: Any = None,
    too_late: Any = None,
) -> Field:
    """Add ``low``/``high`` to ``field``'s validators and to its input, so a phone's keyboard and
    the browser say it before the server does. Numbers get Django's own translated messages;
    dates say the limit in words (``LatestDate``, ``EarliestDate``), or ``too_early`` /
    ``too_late`` when given (which may use ``%(date)s``)."""
    for limit, attr in ((low, "min"), (high, "max")):
        if limit is None:
            continue
        if isinstance(limit, dt.date):
            if attr == "min":
                validator = EarliestDate(limit, too_early)
            else:
                validator = LatestDate(limit, too_late)
        else:
            validator = (MinValueValidator if attr == "min" else MaxValueValidator)(limit)
        field.validators.append(validator)
        field.widget.attrs[attr] = limit.isoformat() if hasattr(limit, "isoformat") else limit
    return field


def is_plausible_year(year: int) -> bool:
    """Whether a year asked for in an address or a filter is one the community can have records
    of: from ``EARLIEST`` to ``LATEST_YEAR``, both included."""
    return EARLIEST.year <= year <= LATEST_YEAR


def today() -> dt.date:
    return timezone.localdate()


def latest_build_year() -> int:
    return today().year + 5  # a building may be registered before it is finished
