"""Pure rules of the monthly evaluation (月评比): rubric, scoring sums, red/black classification, ranks.

No ORM here: services load rows, turn them into the plain values below, and store what comes back.
Points are always ``decimal.Decimal`` (a float would make 89.99 + 0.01 miss 90 exactly); ints are
accepted and converted, floats and booleans are refused.

The defaults come from ``shared/DOMAIN.md`` ("Holding companies to account"): a 100-point rubric of
8 criteria, 3 veto items (一票否决), the red list (红榜) at a score of 90 or more with no veto and no
overdue rectification, the black list (黑榜) below 70 or on any veto, and at least 2 inspections in
the month to be ranked at all. Every number is a setting (``Bands``, ``Rubric``) so a community can
change it per year; the rule shapes stay here.

The only Django import is ``gettext_lazy`` for display labels: it is lazy, so this module still
imports and computes without settings or a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from django.utils.translation import gettext_lazy as _

__all__ = [
    "DEFAULT_BANDS",
    "DEFAULT_RUBRIC",
    "Band",
    "Bands",
    "Classification",
    "Criterion",
    "CriterionScore",
    "Deduction",
    "Earliest",
    "EarliestReason",
    "Grade",
    "Ranked",
    "Reason",
    "Rubric",
    "ScoreResult",
    "VetoItem",
    "average",
    "classify",
    "days_met",
    "earliest_inspection_day",
    "rank",
    "rate_met",
    "score",
    "suggest_grade",
]

ZERO = Decimal(0)
CENT = Decimal("0.01")


def _points(value: object, what: str) -> Decimal:
    """Return ``value`` as a finite Decimal; refuse floats (inexact) and bools (a bug, not a score)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    points = Decimal(value)
    if not points.is_finite():
        raise ValueError(f"{what} must be a finite number, not {points}")
    return points


# --- Bands and reasons ------------------------------------------------------------------------


class Band(StrEnum):
    """Where a compound lands in a month's publication.

    ``none`` is ranked but on neither list (未上榜); ``unranked`` was not ranked at all (不参评),
    e.g. too few inspections to judge fairly.
    """

    RED = "red"
    BLACK = "black"
    NONE = "none"
    UNRANKED = "unranked"

    @property
    def label(self) -> str:
        """English msgid, translated on display."""
        return _BAND_LABELS[self]

    @property
    def zh(self) -> str:
        """The Chinese term as published on the board; a fixed name, not a translation."""
        return _BAND_ZH[self]


_BAND_LABELS = {
    Band.RED: _("Red list"),
    Band.BLACK: _("Black list"),
    Band.NONE: _("Not listed"),
    Band.UNRANKED: _("Not ranked"),
}
_BAND_ZH = {Band.RED: "红榜", Band.BLACK: "黑榜", Band.NONE: "未上榜", Band.UNRANKED: "不参评"}


class Reason(StrEnum):
    """Stable codes explaining a band; stored with the snapshot and translated by the page."""

    VETO = "veto"
    BELOW_BLACK = "below_black"
    AT_OR_ABOVE_RED = "at_or_above_red"
    OVERDUE_RECTIFICATION = "overdue_rectification"
    TOO_FEW_INSPECTIONS = "too_few_inspections"
    NO_SCORE = "no_score"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    Reason.VETO: _("A veto item applies"),
    Reason.BELOW_BLACK: _("Score below the black-list line"),
    Reason.AT_OR_ABOVE_RED: _("Score at or above the red-list line"),
    Reason.OVERDUE_RECTIFICATION: _("A rectification is overdue"),
    Reason.TOO_FEW_INSPECTIONS: _("Too few inspections this month"),
    Reason.NO_SCORE: _("No score this month"),
}


@dataclass(frozen=True)
class Bands:
    """Band settings for one community and year.

    - red list: ``score >= red_at`` (inclusive: exactly 90 is red);
    - black list: ``score < black_below`` (strict: exactly 70 is not black);
    - ranked only with ``inspections >= min_inspections`` (inclusive: exactly 2 is ranked).
    """

    red_at: Decimal = Decimal(90)
    black_below: Decimal = Decimal(70)
    min_inspections: int = 2

    def __post_init__(self) -> None:
        red_at = _points(self.red_at, "red_at")
        black_below = _points(self.black_below, "black_below")
        # Frozen: normalise ints to Decimal through object.__setattr__, the documented way.
        object.__setattr__(self, "red_at", red_at)
        object.__setattr__(self, "black_below", black_below)
        if black_below > red_at:
            raise ValueError("black_below must not be above red_at: a score cannot be both")
        if isinstance(self.min_inspections, bool) or not isinstance(self.min_inspections, int):
            raise TypeError("min_inspections must be an int")
        if self.min_inspections < 0:
            raise ValueError("min_inspections must not be negative")


DEFAULT_BANDS = Bands()


# --- Rubric -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """A scored criterion: ``code`` is stable across rubric versions; names are stored as data."""

    code: str
    name: str
    name_zh: str
    max_points: Decimal

    def __post_init__(self) -> None:
        points = _points(self.max_points, f"max_points of {self.code!r}")
        if points <= 0:
            raise ValueError(f"max_points of {self.code!r} must be positive")
        object.__setattr__(self, "max_points", points)


@dataclass(frozen=True)
class VetoItem:
    """A veto item (一票否决): if it happens in the month, the compound is black-listed."""

    code: str
    name: str
    name_zh: str


@dataclass(frozen=True)
class Rubric:
    """Criteria and veto items of one year. Codes are unique within each tuple."""

    criteria: tuple[Criterion, ...]
    veto_items: tuple[VetoItem, ...] = ()

    def __post_init__(self) -> None:
        for kind, codes in (
            ("criterion", [c.code for c in self.criteria]),
            ("veto item", [v.code for v in self.veto_items]),
        ):
            duplicates = sorted({code for code in codes if codes.count(code) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} codes: {', '.join(duplicates)}")

    @property
    def max_total(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), ZERO)

    def criteria_max(self) -> dict[str, Decimal]:
        """``{code: max_points}`` in rubric order, the shape ``score()`` takes."""
        return {c.code: c.max_points for c in self.criteria}


# Names are data (the rubric model stores both), not msgids: a published rubric keeps the wording
# it was scored with even if a later catalogue rewords it.
DEFAULT_RUBRIC = Rubric(
    criteria=(
        Criterion("general_management", "General management", "综合管理", Decimal(15)),
        Criterion(
            "customer_service",
            "Customer service and complaints",
            "客户服务与投诉处理",
            Decimal(15),
        ),
        Criterion(
            "building_upkeep", "Building and equipment upkeep", "房屋及设施设备维护", Decimal(15)
        ),
        Criterion("order_access", "Order and access control", "秩序维护与门禁管理", Decimal(10)),
        Criterion("fire_safety", "Fire safety and fire lanes", "消防安全与消防通道", Decimal(10)),
        Criterion("cleanliness", "Cleanliness", "环境卫生", Decimal(15)),
        Criterion("greening", "Greening", "绿化养护", Decimal(10)),
        Criterion("parking", "Parking order", "停车秩序", Decimal(10)),
    ),
    veto_items=(
        VetoItem("major_safety_accident", "Major safety accident", "发生重大安全责任事故"),
        VetoItem(
            "missing_monthly_report",
            "No monthly report after the grace period",
            "宽限期满仍未报送月报",
        ),
        VetoItem(
            "unresolved_collective_complaint",
            "Verified collective complaint left unresolved",
            "经核实的集体投诉未解决",
        ),
    ),
)


# --- Scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deduction:
    """Points taken off one criterion, citing its evidence (a finding, an adjustment...).

    ``evidence`` is an opaque reference such as ``"finding:123"``; every deduction must cite one.
    """

    criterion: str
    points: Decimal
    evidence: str


@dataclass(frozen=True)
class CriterionScore:
    """One criterion's line: ``points = max_points - deducted`` and never below 0.

    ``requested`` is the sum of its deductions; ``deducted`` is what was applied (at most
    ``max_points``); ``excess`` is what the floor at 0 swallowed, reported so staff can see it.
    """

    code: str
    max_points: Decimal
    requested: Decimal
    deducted: Decimal
    points: Decimal
    evidence: tuple[str, ...] = ()

    @property
    def excess(self) -> Decimal:
        return self.requested - self.deducted

    @property
    def is_capped(self) -> bool:
        return self.excess > 0


@dataclass(frozen=True)
class ScoreResult:
    lines: tuple[CriterionScore, ...]
    total: Decimal
    max_total: Decimal

    @property
    def capped(self) -> tuple[CriterionScore, ...]:
        """Lines whose deductions went beyond the criterion's maximum."""
        return tuple(line for line in self.lines if line.is_capped)

    def line(self, code: str) -> CriterionScore:
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)


def score(criteria_max: Mapping[str, Decimal], deductions: Iterable[Deduction]) -> ScoreResult:
    """Score a month: each criterion starts at its maximum and loses its deductions' points.

    Rules and boundaries:
    - a criterion's points are ``max - sum(deductions)``, floored at 0: deducting exactly the
      maximum gives 0; anything beyond is not applied and shows as ``excess`` on the line, so one
      criterion cannot eat into another's points;
    - the total is the sum of the criteria's points (0 .. sum of maxima), exact, not rounded;
    - a deduction of 0 points is allowed (a finding noted without a deduction);
    - refused with ``ValueError``: a deduction for a criterion not in ``criteria_max``, negative
      points (a bonus is not a deduction), a deduction without evidence, a negative maximum;
      refused with ``TypeError``: float points.
    Lines come in ``criteria_max`` order; evidence in the order the deductions came.
    """
    maxima = {
        code: _points(value, f"max_points of {code!r}") for code, value in criteria_max.items()
    }
    for code, maximum in maxima.items():
        if maximum < 0:
            raise ValueError(f"max_points of {code!r} must not be negative")

    requested = dict.fromkeys(maxima, ZERO)
    evidence: dict[str, list[str]] = {code: [] for code in maxima}
    for deduction in deductions:
        if deduction.criterion not in maxima:
            raise ValueError(f"unknown criterion {deduction.criterion!r}")
        points = _points(deduction.points, f"deduction points for {deduction.criterion!r}")
        if points < 0:
            raise ValueError(
                f"deduction points for {deduction.criterion!r} must not be negative: {points}"
            )
        if not (deduction.evidence and deduction.evidence.strip()):
            raise ValueError(f"a deduction for {deduction.criterion!r} must cite its evidence")
        requested[deduction.criterion] += points
        evidence[deduction.criterion].append(deduction.evidence)

    lines = []
    for code, maximum in maxima.items():
        deducted = min(requested[code], maximum)
        lines.append(
            CriterionScore(
                code=code,
                max_points=maximum,
                requested=requested[code],
                deducted=deducted,
                points=maximum - deducted,
                evidence=tuple(evidence[code]),
            )
        )
    return ScoreResult(
        lines=tuple(lines),
        total=sum((line.points for line in lines), ZERO),
        max_total=sum(maxima.values(), ZERO),
    )


# --- Classification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    band: Band
    reasons: tuple[Reason, ...] = ()


def classify(
    *,
    score: Decimal | None,
    inspections: int,
    has_veto: bool,
    has_overdue_rectification: bool,
    bands: Bands = DEFAULT_BANDS,
) -> Classification:
    """Put one compound's month on the red list, the black list, neither, or leave it unranked.

    Rules, first match wins:
    1. any veto -> black, reasons ``veto`` (plus ``below_black`` if the score is also below the
       line). This applies even with too few inspections or no score: a major accident or a missing
       monthly report is a fact on its own, and residents are better served by a black listing than
       by a compound that escapes the list because nobody came to inspect.
    2. ``inspections < min_inspections`` -> unranked, ``too_few_inspections`` (exactly the minimum
       is ranked; with the default, 0 and 1 are not, 2 is).
    3. no score -> unranked, ``no_score`` (nothing to rank on; the drafting task should not let
       this happen, but a publication must never invent a number).
    4. ``score < black_below`` -> black, ``below_black`` (strict: 69.99 is black, 70 is not).
    5. ``score >= red_at`` -> red, ``at_or_above_red`` (inclusive: 90 is red, 89.99 is not);
       but with an overdue rectification -> none, ``overdue_rectification``: the score earns the
       red list, the open item keeps it off.
    6. otherwise -> none, no reasons.
    """
    if isinstance(inspections, bool) or not isinstance(inspections, int):
        raise TypeError("inspections must be an int")
    if inspections < 0:
        raise ValueError("inspections must not be negative")
    points = None if score is None else _points(score, "score")
    if points is not None and points < 0:
        raise ValueError("score must not be negative")

    below_black = points is not None and points < bands.black_below
    if has_veto:
        reasons = (Reason.VETO, Reason.BELOW_BLACK) if below_black else (Reason.VETO,)
        return Classification(Band.BLACK, reasons)
    if inspections < bands.min_inspections:
        return Classification(Band.UNRANKED, (Reason.TOO_FEW_INSPECTIONS,))
    if points is None:
        return Classification(Band.UNRANKED, (Reason.NO_SCORE,))
    if below_black:
        return Classification(Band.BLACK, (Reason.BELOW_BLACK,))
    if points >= bands.red_at:
        if has_overdue_rectification:
            return Classification(Band.NONE, (Reason.OVERDUE_RECTIFICATION,))
        return Classification(Band.RED, (Reason.AT_OR_ABOVE_RED,))
    return Classification(Band.NONE)


# --- Quarterly averages and ranks -------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Ranked(Generic[K]):
    """``rank`` is 1-based; ``None`` when the entry had no value to rank on."""

    rank: int | None
    key: K
    value: Decimal | None


def average(values: Iterable[Decimal], *, places: Decimal = CENT) -> Decimal | None:
    """Mean of the month scores that exist, rounded half up to ``places`` (0.01 by default).

    ``None`` when there is none, so an unranked quarter is not read as 0 points. Rounding here,
    before ranking, makes two averages that print the same also rank the same.
    """
    points = [_points(value, "score") for value in values]
    if not points:
        return None
    return (sum(points, ZERO) / len(points)).quantize(places, rounding=ROUND_HALF_UP)


# Within a tie on score, the order a list shows the tied lines in: red before neither before
# black, so a black-listed compound is never above a red-listed one with the same score.
TIE_ORDER = (Band.RED, Band.NONE, Band.BLACK, Band.UNRANKED)


def listing_key(
    *, rank: int | None, band: str, veto: bool, name: str, key: int
) -> tuple[bool, int, int, bool, str, int]:
    """Where a line goes on a month's list: by rank, unranked lines last; within a tie (equal
    ranks share the number, see ``rank``) red before neither before black (``TIE_ORDER``), a
    line with a veto after one without, then by compound name and id, so that the order is the
    same on every page and in the open data, whatever order the database returns."""
    return (rank is None, rank or 0, TIE_ORDER.index(Band(band)), bool(veto), name, key)


def rank(entries: Iterable[tuple[K, Decimal | None]]) -> list[Ranked[K]]:
    """Rank ``(key, value)`` pairs, highest value first, in "1224" (standard competition) style.

    Equal values share a rank and the next distinct value skips the shared places: 95, 92, 92, 88
    rank 1, 2, 2, 4. Values compare exactly, so round them first (``average`` does). Ties keep the
    order they came in, so the caller decides the tie order (e.g. by compound name). Entries whose
    value is ``None`` come last with rank ``None``. Duplicate keys are refused.
    """
    items = list(entries)
    keys = [key for key, _value in items]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys in ranking")
    valued = [
        (key, _points(value, f"value of {key!r}")) for key, value in items if value is not None
    ]
    unvalued = [key for key, value in items if value is None]

    # sorted() is stable, so ties keep their input order.
    valued.sort(key=lambda item: item[1], reverse=True)
    ranked: list[Ranked[K]] = []
    for position, (key, value) in enumerate(valued, start=1):
        if ranked and ranked[-1].value == value:
            ranked.append(Ranked(ranked[-1].rank, key, value))
        else:
            ranked.append(Ranked(position, key, value))
    ranked.extend(Ranked(None, key, None) for key in unvalued)
    return ranked


# --- Annual assessment (年考核) -----------------------------------------------------------------


class Grade(StrEnum):
    """The year's grade of a compound's company against its agreement."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"  # noqa: S105 -- a grade, not a password
    FAIL = "fail"

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]


_GRADE_LABELS = {
    Grade.EXCELLENT: _("excellent"),
    Grade.GOOD: _("good"),
    Grade.PASS: _("pass"),
    Grade.FAIL: _("fail"),
}
GOOD_AT = Decimal(80)


def rate_met(target: Decimal | None, achieved: Decimal | None) -> bool | None:
    """A rate target (fee collection, satisfaction) is met when the achieved rate reaches it
    (inclusive: 0.95 of a 0.95 target is met). ``None`` when either is unknown."""
    if target is None or achieved is None:
        return None
    return _points(achieved, "achieved") >= _points(target, "target")


def days_met(target_days: int | None, achieved_hours: Decimal | None) -> bool | None:
    """A "resolved within N days" target is met when the average hours to resolve a complaint
    are at most N × 24 (inclusive). ``None`` when either is unknown."""
    if target_days is None or achieved_hours is None:
        return None
    return _points(achieved_hours, "achieved_hours") <= Decimal(target_days) * 24


def rate_typed_as_fraction(rate: Decimal | None) -> bool:
    """A collection rate, stored as a fraction (0.955 for 95.5%), that was most likely typed as a
    fraction where a percentage was asked: above 0 and at most 0.01 (1%), as 0.9 typed for 90%
    gives 0.009. Exactly 0 is a plain fact (nothing collected) and 0.0101 (1.01%) and above are
    taken as typed; ``None`` (not given) is not suspect."""
    return rate is not None and ZERO < _points(rate, "rate") <= CENT


def suggest_grade(
    *,
    average: Decimal | None,
    vetoes: int,
    black_months: int,
    targets_missed: int,
    bands: Bands = DEFAULT_BANDS,
) -> Grade | None:
    """The grade the year's record suggests; staff decide, and say why if they differ.

    - fail: any veto in the year, or an annual average below the black line (< 70: 69.99 fails,
      70 does not);
    - excellent: an average at the red line or above (>= 90), no black month and no agreement
      target missed;
    - good: an average of 80 or more (``GOOD_AT``, inclusive);
    - pass: anything else.

    ``None`` when the compound was never ranked in the year (no average to judge by).
    """
    if average is None:
        return None
    average = _points(average, "average")
    if vetoes > 0 or average < bands.black_below:
        return Grade.FAIL
    if average >= bands.red_at and black_months == 0 and targets_missed == 0:
        return Grade.EXCELLENT
    if average >= GOOD_AT:
        return Grade.GOOD
    return Grade.PASS


# --- Dates an inspection may have --------------------------------------------------------------


class EarliestReason(StrEnum):
    FLOOR = "floor"  # nothing older is plausible (``tongde.bounds.EARLIEST``)
    CONTRACT = "contract"  # the compound's first service contract began then
    PUBLISHED = "published"  # the month before it is published, and a published list is final


@dataclass(frozen=True)
class Earliest:
    on: dt.date
    reason: EarliestReason


def earliest_inspection_day(
    *,
    floor: dt.date,
    first_contract_on: dt.date | None,
    last_published_month: dt.date | None,
) -> Earliest:
    """The earliest day an inspection of a compound may be dated (today being the latest):

    - not before the day the compound's first service contract began (inclusive: that day is
      allowed). The monthly reports refuse a month before the company's contract the same way
      (``reports.CONTRACT_NOT_BEGUN``); an inspection has a day, so its bound is the day: a visit
      before it would score a month for a company that did not serve the compound yet. A
      compound no company ever served (a courtyard) has no such bound;
    - not in or before the latest month whose red/black list is published: a published list is
      final (a correction is a new edition, made by staff from the published lines), so a finding
      dated there would count nowhere. The first day of the next month is allowed;
    - never before ``floor``.

    The latest of the three wins; on a tie the more telling reason is given (published, then
    contract)."""
    earliest = Earliest(floor, EarliestReason.FLOOR)
    if first_contract_on is not None and first_contract_on >= earliest.on:
        earliest = Earliest(first_contract_on, EarliestReason.CONTRACT)
    if last_published_month is not None:
        after = dt.date(
            last_published_month.year + last_published_month.month // 12,
            last_published_month.month % 12 + 1,
            1,
        )
        if after >= earliest.on:
            earliest = Earliest(after, EarliestReason.PUBLISHED)
    return earliest


@dataclass(frozen=True)
class ComplaintDay:
    """The day a verified complaint's finding is dated (``on``), or why it cannot have one
    (``refusal``); ``moved`` when it is not the day the complaint was received."""

    on: dt.date | None
    refusal: Earliest | None = None
    moved: bool = False


def complaint_finding_day(
    *,
    received_on: dt.date,
    verified_on: dt.date,
    floor: dt.date,
    first_contract_on: dt.date | None,
    last_published_month: dt.date | None,
) -> ComplaintDay:
    """The day the finding of a complaint found true on ``verified_on`` is dated:

    - the day it was received, so that it counts in that month's scorecard;
    - but a published list is final (``earliest_inspection_day``): a complaint received in a
      published month counts in the month it was found true instead (``moved``). Without this it
      would count nowhere and the company would never answer for it;
    - refused when it was received before the compound's first service contract (no company
      served it then) or before ``floor``, whatever is published since.
    """
    served = earliest_inspection_day(
        floor=floor, first_contract_on=first_contract_on, last_published_month=None
    )
    if received_on < served.on:
        return ComplaintDay(None, served)
    open_from = earliest_inspection_day(
        floor=floor, first_contract_on=first_contract_on, last_published_month=last_published_month
    )
    if received_on >= open_from.on:
        return ComplaintDay(received_on)
    if verified_on < open_from.on:
        # Only if a month were published before it ended; nothing open to count in.
        return ComplaintDay(None, open_from)
    return ComplaintDay(verified_on, moved=True)


def counts_in_later_month(received_on: dt.date, found_on: dt.date) -> bool:
    """Whether a complaint's finding counts in a later month than the complaint came in
    (``complaint_finding_day`` moved it: that month was published)."""
    return (found_on.year, found_on.month) != (received_on.year, received_on.month)
