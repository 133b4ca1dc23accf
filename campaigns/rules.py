"""Pure rules of the campaigns app: no ORM, no clock.

- ``designation_rate`` and ``meets_target``: how far a community is towards its yearly target of
  premium compounds or model courtyards. The rate is shown rounded; the decision is taken on the
  exact fraction, so rounding can never turn a miss into a pass.
- ``is_mismatched_load``: truckloads without tonnes, or tonnes without truckloads, is allowed (the
  scales were not at hand, a lorry came back empty) but flagged for review.
- ``deadline_countdown``: how a problem's deadline reads against today ("due in 2 days", "due
  today", "3 days overdue"); the caller passes today (``timezone.localdate()``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext, ngettext

RATE_PLACES = Decimal("0.0001")


def designation_rate(count: int, eligible: int) -> Decimal | None:
    """``count / eligible`` rounded half-up to four decimals (0.3125, 0.8000), or ``None`` when
    nothing is eligible (no compound of that kind: a rate would be meaningless, not 0).

    Raises ``ValueError`` for negative numbers or a count above the eligible number.
    """
    _check_counts(count, eligible)
    if eligible == 0:
        return None
    return (Decimal(count) / Decimal(eligible)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def meets_target(count: int, eligible: int, target: Decimal) -> bool:
    """Whether ``count`` of ``eligible`` reaches ``target`` (a rate in 0..1).

    "达到" includes the boundary: exactly at the target passes (4 of 5 at 0.80, 3 of 10 at 0.30),
    one below fails (3 of 5 at 0.80). Decided on exact fractions: 5/16 = 0.3125 passes 0.30,
    4/16 = 0.25 fails. With nothing eligible the target is met only when it is 0.
    """
    _check_counts(count, eligible)
    target_fraction = Fraction(target)
    if not 0 <= target_fraction <= 1:
        raise ValueError("a target rate lies between 0 and 1")
    if eligible == 0:
        return target_fraction == 0
    return Fraction(count, eligible) >= target_fraction


def is_mismatched_load(truckloads: int, tonnes: Decimal) -> bool:
    """True when exactly one of truckloads and tonnes is zero (flag it, do not refuse it)."""
    return (truckloads == 0) != (tonnes == 0)


def _check_counts(count: int, eligible: int) -> None:
    if count < 0 or eligible < 0:
        raise ValueError("counts cannot be negative")
    if count > eligible:
        raise ValueError("more designated than eligible")


@dataclass(frozen=True)
class Countdown:
    """Days from today to a deadline: positive ahead of it, 0 on the day, negative past it."""

    days_left: int
    label: str

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0

    @property
    def is_due_soon(self) -> bool:
        """Today or tomorrow: the last chance to act before the deadline passes."""
        return 0 <= self.days_left <= 1


def deadline_countdown(deadline_on: dt.date, *, today: dt.date) -> Countdown:
    """The deadline as people say it, in the active language.

    The deadline day itself is still in time ("due today"); the day after it is "1 day overdue"
    (the same boundary as the overdue lists: ``deadline_on < today``).
    """
    days = (deadline_on - today).days
    if days > 0:
        label = ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
    elif days == 0:
        label = gettext("due today")
    else:
        late = -days
        label = ngettext("%(days)d day overdue", "%(days)d days overdue", late) % {"days": late}
    return Countdown(days_left=days, label=label)
