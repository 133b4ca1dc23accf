"""Pure rules of the campaigns app: no ORM, no clock.

- ``designation_rate`` and ``meets_target``: how far a community is towards its yearly target of
  premium compounds or model courtyards. The rate is shown rounded; the decision is taken on the
  exact fraction, so rounding can never turn a miss into a pass.
- ``is_mismatched_load``: truckloads without tonnes, or tonnes without truckloads, is allowed (the
  scales were not at hand, a lorry came back empty) but flagged for review.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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
