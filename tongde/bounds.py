"""Plausible bounds for what people type: a count of 2,147,483,647 volunteers or a household of
40,000 is a slip of the finger, and it would go straight onto the public pages and the open data.
Forms call ``bound`` on their fields; the limits are generous for a city's community."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import Field
from django.utils import timezone

EARLIEST = dt.date(2000, 1, 1)  # nothing the community records happened before this
MAX_COUNT = 100_000  # people, vehicles, truckloads, cameras, parking spaces in one record
MAX_HOUSEHOLD = 99  # residents of one dwelling, as the registry import has it
MAX_FLOORS = 200
EARLIEST_BUILT = 1900


def bound(field: Field, low: Any = None, high: Any = None) -> Field:
    """Add ``low``/``high`` to ``field``'s validators (Django's own, translated messages) and
    to its input, so a phone's keyboard and the browser say it before the server does."""
    for limit, validator, attr in (
        (low, MinValueValidator, "min"),
        (high, MaxValueValidator, "max"),
    ):
        if limit is not None:
            field.validators.append(validator(limit))
            field.widget.attrs[attr] = limit.isoformat() if hasattr(limit, "isoformat") else limit
    return field


def today() -> dt.date:
    return timezone.localdate()


def latest_build_year() -> int:
    return today().year + 5  # a building may be registered before it is finished
