"""The owners' vote under Civil Code Art. 278: pure, exact tally arithmetic.

No Django here: the services feed in a frozen roll and the stored ballots; the views translate.
All arithmetic is exact (``Decimal`` sums of registered areas, ``Fraction`` for the bars); a float
never enters, so a boundary such as "exactly 2/3 of 900 m²" is decided exactly.

**Participation** (Art. 278 para. 2): owners taking part must hold at least 2/3 of the total
exclusive area AND be at least 2/3 of the total headcount. "以上" includes the boundary
(Art. 1259), so exactly 2/3 is enough.

**Approval**, measured against what *participates*, not against the whole roll:

- matters 6–8 (raising the maintenance fund, rebuilding, changing the use of common parts) need at
  least 3/4 of the participating area AND at least 3/4 of the participating headcount;
- every other matter, electing the committee and *using* the fund included, needs more than half
  of the participating area AND more than half of the participating headcount. "过半数" excludes
  the boundary: exactly half fails.

A choice can only pass when participation is met: without a quorum the assembly decided nothing.
Every number is a setting (:class:`Thresholds`) because local rules differ.

**Counting** (SPC interpretation on building ownership, Arts. 8–9): area is each dwelling's
registered area; headcount is one per dwelling, except that one owner of several dwellings counts
once and all developer-held dwellings count once together (:func:`headcount_keys`).

**One owner, several dwellings.** Each dwelling has its own ballot (one dwelling, one ballot) and
its own area goes where its ballot says. The owner's single head takes part as soon as any of the
owner's dwellings has voted. The head approves a choice only when *every* dwelling of that owner
that voted approves it. If the owner's ballots disagree on a choice, the head approves nothing on
that choice (it still counts as participating, like an abstention) and the disagreement is
reported in ``anomalies`` for staff to resolve with the owner. Why: the law gives no rule for
splitting one person's head; counting the head for whichever side we like would decide an outcome
silently, while the conservative reading never lets an unclear head make something pass, and the
anomaly list shows staff exactly where to look. Anomalies name dwellings and choices, so they are
for staff only and never part of :meth:`TallyResult.to_json`, which is the public totals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import IntEnum
from fractions import Fraction
from typing import Any, TypeAlias

DwellingId: TypeAlias = int | str

YES = "yes"
NO = "no"
ABSTAIN = "abstain"
MOTION_CHOICES: tuple[str, ...] = (YES, NO, ABSTAIN)

# Headcount key shared by every developer-held dwelling of the roll.
DEVELOPER_KEY = "developer"

# Registered areas carry two decimal places (the registry's DecimalField), so every achievable
# sum of areas is a whole number of hundredths; "still needed" amounts are rounded up to this.
AREA_QUANTUM = Fraction(1, 100)
_CENT = Decimal("0.01")


class Matter(IntEnum):
    """The nine matters owners decide jointly (Civil Code Art. 278 para. 1), numbered as there."""

    RULES_OF_PROCEDURE = 1
    COVENANT = 2
    ELECT_COMMITTEE = 3
    ENGAGE_MANAGER = 4
    USE_FUND = 5
    RAISE_FUND = 6
    REBUILD = 7
    CHANGE_COMMON_USE = 8
    OTHER = 9

    @property
    def label(self) -> str:
        """Plain English; the view layer passes it through gettext."""
        return _LABELS[self]

    @property
    def zh(self) -> str:
        """The wording of Art. 278."""
        return _ZH[self]


_LABELS = {
    Matter.RULES_OF_PROCEDURE: "Adopt or amend the rules of procedure of the owners' assembly",
    Matter.COVENANT: "Adopt or amend the management covenant",
    Matter.ELECT_COMMITTEE: "Elect the owners' committee or replace its members",
    Matter.ENGAGE_MANAGER: "Engage or dismiss the property company or another manager",
    Matter.USE_FUND: "Use the maintenance fund of the buildings and their facilities",
    Matter.RAISE_FUND: "Raise the maintenance fund of the buildings and their facilities",
    Matter.REBUILD: "Alter or rebuild the buildings and their facilities",
    Matter.CHANGE_COMMON_USE: "Change the use of common parts or use them for business",
    Matter.OTHER: "Other major matters of common ownership and joint management",
}

_ZH = {
    Matter.RULES_OF_PROCEDURE: "制定和修改业主大会议事规则",
    Matter.COVENANT: "制定和修改管理规约",
    Matter.ELECT_COMMITTEE: "选举业主委员会或者更换业主委员会成员",
    Matter.ENGAGE_MANAGER: "选聘和解聘物业服务企业或者其他管理人",
    Matter.USE_FUND: "使用建筑物及其附属设施的维修资金",
    Matter.RAISE_FUND: "筹集建筑物及其附属设施的维修资金",
    Matter.REBUILD: "改建、重建建筑物及其附属设施",
    Matter.CHANGE_COMMON_USE: "改变共有部分的用途或者利用共有部分从事经营活动",
    Matter.OTHER: "有关共有和共同管理权利的其他重大事项",
}


@dataclass(frozen=True)
class Bar:
    """A share that a part must reach of a whole.

    ``inclusive=True`` reads "以上" (at least: the boundary meets the bar); ``inclusive=False``
    reads "过半数/超过" (more than: the boundary fails). ``fraction`` is strictly between 0 and 1
    and may be given as anything ``Fraction`` reads exactly ("2/3", 0.5 is refused as a float).
    A whole of zero never meets a bar: an empty roll or an empty vote decides nothing.
    """

    fraction: Fraction
    inclusive: bool

    def __post_init__(self) -> None:
        if isinstance(self.fraction, float):
            raise TypeError("give a bar as a Fraction, int, Decimal or 'p/q' string, not a float")
        value = Fraction(self.fraction)
        if not 0 < value < 1:
            raise ValueError(f"a bar must lie strictly between 0 and 1, got {value}")
        object.__setattr__(self, "fraction", value)

    def is_met(self, part: Decimal | int, whole: Decimal | int) -> bool:
        if whole <= 0:
            return False
        part_f, bound = Fraction(part), self.fraction * Fraction(whole)
        return part_f >= bound if self.inclusive else part_f > bound

    def smallest_meeting(self, whole: Decimal | int, quantum: Fraction) -> Fraction:
        """The least multiple of ``quantum`` that meets the bar of ``whole`` (``whole`` > 0)."""
        return self._steps_over(self.fraction * Fraction(whole), quantum) * quantum

    def extra_approvals(
        self, approve: Decimal | int, participating: Decimal | int, quantum: Fraction
    ) -> Fraction:
        """The least multiple of ``quantum`` of new approving participants that meets the bar.

        Each newcomer adds to the approvals and to the participating whole alike, so ``x`` must
        satisfy ``approve + x ≥ f·(participating + x)`` (or ``>``), i.e.
        ``x ≥ (f·participating − approve) / (1 − f)``. Zero if the bar is already met.
        """
        f = self.fraction
        target = (f * Fraction(participating) - Fraction(approve)) / (1 - f)
        steps = self._steps_over(target, quantum)
        if steps <= 0 and self.is_met(approve, participating):
            return Fraction(0)
        # Nobody has voted yet (whole 0): at least one quantum must come in.
        return max(steps, 1) * quantum

    def _steps_over(self, target: Fraction, quantum: Fraction) -> int:
        steps = target / quantum
        return math.ceil(steps) if self.inclusive else math.floor(steps) + 1


@dataclass(frozen=True)
class Thresholds:
    """The bars of Art. 278 with the Civil Code's defaults; local rules may change any of them.

    - participation: at least 2/3 of the total area AND at least 2/3 of the total headcount;
    - special matters (by default 6, 7 and 8): at least 3/4 of the participating area AND
      headcount;
    - every other matter: more than 1/2 of the participating area AND headcount.
    """

    participation_area: Bar = field(default_factory=lambda: Bar(Fraction(2, 3), inclusive=True))
    participation_headcount: Bar = field(
        default_factory=lambda: Bar(Fraction(2, 3), inclusive=True)
    )
    special_area: Bar = field(default_factory=lambda: Bar(Fraction(3, 4), inclusive=True))
    special_headcount: Bar = field(default_factory=lambda: Bar(Fraction(3, 4), inclusive=True))
    ordinary_area: Bar = field(default_factory=lambda: Bar(Fraction(1, 2), inclusive=False))
    ordinary_headcount: Bar = field(default_factory=lambda: Bar(Fraction(1, 2), inclusive=False))
    special_matters: frozenset[Matter] = frozenset(
        {Matter.RAISE_FUND, Matter.REBUILD, Matter.CHANGE_COMMON_USE}
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "special_matters", frozenset(map(Matter, self.special_matters)))

    def approval_bars(self, matter: Matter) -> tuple[Bar, Bar]:
        """(area bar, headcount bar) that approval of ``matter`` must meet."""
        if Matter(matter) in self.special_matters:
            return self.special_area, self.special_headcount
        return self.ordinary_area, self.ordinary_headcount


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class RollEntry:
    """One dwelling on the frozen voter roll.

    ``owner_key`` identifies the owner across dwellings (e.g. the Owner's primary key as text);
    ``None`` when no owner is registered. ``area_m2`` is the registered exclusive area: positive,
    at most two decimal places, never a float.
    """

    dwelling_id: DwellingId
    area_m2: Decimal
    owner_key: str | None = None
    is_developer_held: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.area_m2, float) or not isinstance(self.area_m2, Decimal | int):
            raise TypeError(f"dwelling {self.dwelling_id}: area must be a Decimal (never a float)")
        area = Decimal(self.area_m2)
        if not area.is_finite() or area <= 0:
            raise ValueError(f"dwelling {self.dwelling_id}: area must be positive, got {area}")
        if area % _CENT != 0:
            raise ValueError(
                f"dwelling {self.dwelling_id}: area {area} has more than two decimal places"
            )
        object.__setattr__(self, "area_m2", area)


@dataclass(frozen=True)
class Ballot:
    """One dwelling's ballot.

    For an election ``choices`` holds the names of the candidates approved (empty: a blank ballot,
    which takes part but approves nobody). For a motion it is exactly one of ``{"yes"}``,
    ``{"no"}``, ``{"abstain"}``. Abstaining takes part but approves nothing.
    """

    dwelling_id: DwellingId
    choices: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if isinstance(self.choices, str):
            raise TypeError("choices is a set of names, not one string")
        object.__setattr__(self, "choices", frozenset(self.choices))


def headcount_keys(entries: Iterable[RollEntry]) -> dict[DwellingId, str]:
    """Map each dwelling to the key it is counted under by head.

    - a developer-held dwelling counts under the single key ``"developer"``: all the developer's
      unsold dwellings are one head together, whatever owner key they carry;
    - a dwelling with an owner key counts under ``"owner:<key>"``: one owner of several dwellings
      is one head;
    - a dwelling with neither counts alone under ``"dwelling:<id>"``.

    Area is never merged: every dwelling's area counts on its own. A dwelling listed twice is an
    error (ValueError).
    """
    keys: dict[DwellingId, str] = {}
    for entry in entries:
        if entry.dwelling_id in keys:
            raise ValueError(f"dwelling {entry.dwelling_id} is on the roll twice")
        if entry.is_developer_held:
            keys[entry.dwelling_id] = DEVELOPER_KEY
        elif entry.owner_key is not None:
            keys[entry.dwelling_id] = f"owner:{entry.owner_key}"
        else:
            keys[entry.dwelling_id] = f"dwelling:{entry.dwelling_id}"
    return keys


@dataclass(frozen=True)
class Participation:
    """Who took part, against the whole roll; ``quorum_met`` needs both the area and the heads."""

    area_m2: Decimal
    area_total_m2: Decimal
    headcount: int
    headcount_total: int
    is_area_met: bool
    is_headcount_met: bool

    @property
    def quorum_met(self) -> bool:
        return self.is_area_met and self.is_headcount_met


@dataclass(frozen=True)
class ChoiceResult:
    """One candidate, or one of yes/no/abstain, measured against the participating totals."""

    name: str
    approve_area_m2: Decimal
    approve_headcount: int
    is_area_met: bool
    is_headcount_met: bool
    passed: bool
    elected: bool = False


@dataclass(frozen=True)
class Anomaly:
    """One owner's ballots disagree on some choices; the owner's head approved none of them.

    Staff only: it ties dwellings to choices, so it must never reach a public page or export.
    """

    headcount_key: str
    dwelling_ids: tuple[DwellingId, ...]
    choices: tuple[str, ...]


@dataclass(frozen=True)
class TallyResult:
    participation: Participation
    results: tuple[ChoiceResult, ...]
    ties: tuple[str, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def quorum_met(self) -> bool:
        return self.participation.quorum_met

    def result_for(self, name: str) -> ChoiceResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The public totals as a JSON-ready dict; areas are strings with two decimals.

        Anomalies are left out on purpose: they name dwellings (see :class:`Anomaly`).
        """
        p = self.participation
        return {
            "quorum_met": p.quorum_met,
            "participation": {
                "area_m2": _area_str(p.area_m2),
                "area_total_m2": _area_str(p.area_total_m2),
                "headcount": p.headcount,
                "headcount_total": p.headcount_total,
            },
            "results": [
                {
                    "name": r.name,
                    "approve_area_m2": _area_str(r.approve_area_m2),
                    "approve_headcount": r.approve_headcount,
                    "passed": r.passed,
                    "elected": r.elected,
                }
                for r in self.results
            ],
            "ties": list(self.ties),
        }


@dataclass(frozen=True)
class MotionResult(TallyResult):
    """A motion: ``results`` holds yes, no and abstain in that order.

    Only "yes" can pass; "no" and "abstain" carry their counts for the record with
    ``passed=False``, since a motion that does not pass is simply not adopted.
    """

    matter: Matter = Matter.OTHER

    @property
    def passed(self) -> bool:
        return self.result_for(YES).passed


@dataclass(frozen=True)
class ElectionResult(TallyResult):
    """An election: ``results`` in ranking order (approving area, then headcount, then the order
    of the candidate list); ``elected`` the names that won a seat, in the same order."""

    seats: int = 1
    elected: tuple[str, ...] = ()

    @property
    def unfilled_seats(self) -> int:
        return self.seats - len(self.elected)


@dataclass(frozen=True)
class Shortfall:
    """What must still come in: area (m², rounded up to 0.01) and heads, each measured alone.

    ``is_reachable`` says whether the dwellings and heads that have not voted yet hold that much.
    """

    area_m2: Decimal
    headcount: int
    is_reachable: bool


@dataclass(frozen=True)
class VotesNeeded:
    quorum: Shortfall
    choices: dict[str, Shortfall]


# --- counting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Counts:
    area_total: Decimal
    headcount_total: int
    area: Decimal
    headcount: int
    approve_area: dict[str, Decimal]
    approve_heads: dict[str, int]
    remaining_area: Decimal
    remaining_heads: int
    anomalies: tuple[Anomaly, ...]


def _count(
    roll: Sequence[RollEntry],
    ballots: Iterable[Ballot],
    names: Sequence[str],
    check: Callable[[Ballot], None],
) -> _Counts:
    keys = headcount_keys(roll)
    area_of = {entry.dwelling_id: entry.area_m2 for entry in roll}
    by_dwelling: dict[DwellingId, Ballot] = {}
    for ballot in ballots:
        if ballot.dwelling_id not in keys:
            raise ValueError(f"ballot for dwelling {ballot.dwelling_id}, which is not on the roll")
        if ballot.dwelling_id in by_dwelling:
            raise ValueError(f"dwelling {ballot.dwelling_id} has more than one ballot")
        check(ballot)
        by_dwelling[ballot.dwelling_id] = ballot

    approve_area = dict.fromkeys(names, Decimal(0))
    voted_by_key: dict[str, list[Ballot]] = {}
    for dwelling_id, ballot in by_dwelling.items():
        voted_by_key.setdefault(keys[dwelling_id], []).append(ballot)
        for name in ballot.choices:
            approve_area[name] += area_of[dwelling_id]

    approve_heads = dict.fromkeys(names, 0)
    anomalies = []
    for key, key_ballots in voted_by_key.items():
        if len(key_ballots) == 1:
            # One ballot, one head (nearly every head): it approves what the ballot approves
            # and cannot be split, so there is nothing to compare.
            for name in key_ballots[0].choices:
                approve_heads[name] += 1
            continue
        split = []
        for name in names:
            approving = sum(name in b.choices for b in key_ballots)
            if approving == len(key_ballots):
                approve_heads[name] += 1
            elif approving:
                split.append(name)
        if split:
            anomalies.append(
                Anomaly(
                    headcount_key=key,
                    dwelling_ids=tuple(sorted((b.dwelling_id for b in key_ballots), key=str)),
                    choices=tuple(split),
                )
            )

    area_total = sum((e.area_m2 for e in roll), Decimal(0))
    area = sum((area_of[d] for d in by_dwelling), Decimal(0))
    headcount_total = len(set(keys.values()))
    return _Counts(
        area_total=area_total,
        headcount_total=headcount_total,
        area=area,
        headcount=len(voted_by_key),
        approve_area=approve_area,
        approve_heads=approve_heads,
        remaining_area=area_total - area,
        remaining_heads=headcount_total - len(voted_by_key),
        anomalies=tuple(sorted(anomalies, key=lambda a: a.headcount_key)),
    )


def _participation(counts: _Counts, thresholds: Thresholds) -> Participation:
    return Participation(
        area_m2=counts.area,
        area_total_m2=counts.area_total,
        headcount=counts.headcount,
        headcount_total=counts.headcount_total,
        is_area_met=thresholds.participation_area.is_met(counts.area, counts.area_total),
        is_headcount_met=thresholds.participation_headcount.is_met(
            counts.headcount, counts.headcount_total
        ),
    )


def _choice(
    name: str, counts: _Counts, quorum_met: bool, bars: tuple[Bar, Bar], can_pass: bool = True
) -> ChoiceResult:
    area_bar, head_bar = bars
    is_area_met = area_bar.is_met(counts.approve_area[name], counts.area)
    is_headcount_met = head_bar.is_met(counts.approve_heads[name], counts.headcount)
    return ChoiceResult(
        name=name,
        approve_area_m2=counts.approve_area[name],
        approve_headcount=counts.approve_heads[name],
        is_area_met=is_area_met,
        is_headcount_met=is_headcount_met,
        passed=can_pass and quorum_met and is_area_met and is_headcount_met,
    )


def _motion_check(ballot: Ballot) -> None:
    if len(ballot.choices) != 1 or not ballot.choices <= set(MOTION_CHOICES):
        raise ValueError(
            f"dwelling {ballot.dwelling_id}: a motion ballot is exactly one of yes, no, abstain"
        )


def _election_check(candidates: Sequence[str], seats: int) -> Callable[[Ballot], None]:
    if seats < 1:
        raise ValueError("an election needs at least one seat")
    if len(set(candidates)) != len(candidates):
        raise ValueError("a candidate is listed twice")
    known = set(candidates)

    def check(ballot: Ballot) -> None:
        unknown = sorted(ballot.choices - known)
        if unknown:
            raise ValueError(
                f"dwelling {ballot.dwelling_id}: {', '.join(unknown)} is not a candidate"
            )
        if len(ballot.choices) > seats:
            raise ValueError(
                f"dwelling {ballot.dwelling_id}: {len(ballot.choices)} choices for {seats} seats"
            )

    return check


# --- public entry points ---------------------------------------------------------------------


def tally_motion(
    roll: Sequence[RollEntry],
    ballots: Iterable[Ballot],
    matter: Matter,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> MotionResult:
    """Decide a motion on ``matter``: it passes when participation is met and "yes" meets the
    matter's approval bar in area AND in headcount of the participants.

    Raises ValueError for a ballot whose dwelling is not on the roll, a second ballot for one
    dwelling, or a ballot that is not exactly one of yes/no/abstain.
    """
    matter = Matter(matter)
    counts = _count(roll, ballots, MOTION_CHOICES, _motion_check)
    participation = _participation(counts, thresholds)
    bars = thresholds.approval_bars(matter)
    return MotionResult(
        participation=participation,
        results=tuple(
            _choice(name, counts, participation.quorum_met, bars, can_pass=name == YES)
            for name in MOTION_CHOICES
        ),
        anomalies=counts.anomalies,
        matter=matter,
    )


def tally_election(
    roll: Sequence[RollEntry],
    ballots: Iterable[Ballot],
    candidates: Sequence[str],
    seats: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    matter: Matter = Matter.ELECT_COMMITTEE,
) -> ElectionResult:
    """Elect up to ``seats`` of ``candidates``.

    A candidate passes when participation is met and the candidate's approvals meet the
    matter's bar (by default more than half of the participating area AND headcount). Passed
    candidates are ranked by approving area, then approving headcount, and fill the seats in that
    order. When candidates equal on both straddle the last seat (some would get a seat, some not),
    none of them is elected: their names go to ``ties`` and those seats stay unfilled for the
    assembly to settle (a run-off, or the rule in its rules of procedure). Ties wholly inside or
    wholly outside the seats change nothing and are not reported.

    Raises ValueError for a ballot whose dwelling is not on the roll, a second ballot for one
    dwelling, a name that is not a candidate, or more names than seats.
    """
    counts = _count(roll, ballots, candidates, _election_check(candidates, seats))
    participation = _participation(counts, thresholds)
    bars = thresholds.approval_bars(matter)
    order = {name: i for i, name in enumerate(candidates)}
    ranked = sorted(
        (_choice(name, counts, participation.quorum_met, bars) for name in candidates),
        key=lambda r: (-r.approve_area_m2, -r.approve_headcount, order[r.name]),
    )
    passed = [r for r in ranked if r.passed]
    elected, ties = _fill_seats(passed, seats)
    return ElectionResult(
        participation=participation,
        results=tuple(replace(r, elected=r.name in elected) for r in ranked),
        ties=ties,
        anomalies=counts.anomalies,
        seats=seats,
        elected=elected,
    )


def _fill_seats(passed: list[ChoiceResult], seats: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if len(passed) <= seats:
        return tuple(r.name for r in passed), ()

    def rank(r: ChoiceResult) -> tuple[Decimal, int]:
        return r.approve_area_m2, r.approve_headcount

    last, first_out = passed[seats - 1], passed[seats]
    if rank(last) != rank(first_out):
        return tuple(r.name for r in passed[:seats]), ()
    tied = [r for r in passed if rank(r) == rank(last)]
    elected = [r for r in passed[:seats] if rank(r) != rank(last)]
    return tuple(r.name for r in elected), tuple(r.name for r in tied)


def votes_needed(
    roll: Sequence[RollEntry],
    ballots: Iterable[Ballot],
    *,
    matter: Matter,
    candidates: Sequence[str] | None = None,
    seats: int | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> VotesNeeded:
    """The live tracker: what must still come in, given the ballots so far.

    - ``quorum``: participating area and heads still missing for participation.
    - ``choices``: for each candidate (an election, when ``candidates`` is given) or for "yes"
      (a motion), the approving area and heads still needed to pass, assuming everyone still to
      vote approves. Each newcomer raises the approvals and the participating whole together, so
      the answer is the larger of the quorum shortfall and ``(f·participating − approving) /
      (1 − f)``, rounded up to the next 0.01 m² or head (the next one *over* for "more than").

    Area and heads are each measured on their own, as if any dwelling or head still to vote could
    supply them; ``is_reachable`` compares with what has not voted yet. A candidate that needs
    nothing more has passed on the current ballots, but may still fall if later ballots go
    against them; "passed" is not "elected", which also depends on the other candidates.
    """
    if candidates is not None and seats is None:
        raise ValueError("an election needs its number of seats")
    if candidates is None:
        names: Sequence[str] = (YES,)
        counts = _count(roll, ballots, MOTION_CHOICES, _motion_check)
    else:
        names = candidates
        counts = _count(roll, ballots, candidates, _election_check(candidates, seats))

    quorum_area, quorum_heads = Decimal("0.00"), 0
    if counts.headcount_total:  # an empty roll has nothing left to gather
        quorum_area = _shortfall_area(
            thresholds.participation_area.smallest_meeting(counts.area_total, AREA_QUANTUM)
            - Fraction(counts.area)
        )
        least_heads = thresholds.participation_headcount.smallest_meeting(
            counts.headcount_total, Fraction(1)
        )
        quorum_heads = max(0, int(least_heads) - counts.headcount)
    area_bar, head_bar = thresholds.approval_bars(matter)
    choices = {}
    for name in names:
        area = max(
            quorum_area,
            _shortfall_area(
                area_bar.extra_approvals(counts.approve_area[name], counts.area, AREA_QUANTUM)
            ),
        )
        heads = max(
            quorum_heads,
            int(
                head_bar.extra_approvals(counts.approve_heads[name], counts.headcount, Fraction(1))
            ),
        )
        choices[name] = Shortfall(
            area_m2=area,
            headcount=heads,
            is_reachable=area <= counts.remaining_area and heads <= counts.remaining_heads,
        )
    return VotesNeeded(
        quorum=Shortfall(
            area_m2=quorum_area,
            headcount=quorum_heads,
            is_reachable=counts.headcount_total > 0
            and quorum_area <= counts.remaining_area
            and quorum_heads <= counts.remaining_heads,
        ),
        choices=choices,
    )


def _shortfall_area(amount: Fraction) -> Decimal:
    """A non-negative whole number of hundredths of a m², as a two-place Decimal."""
    cents = max(0, math.ceil(amount / AREA_QUANTUM))
    return (Decimal(cents) * _CENT).quantize(_CENT)


def _area_str(area: Decimal) -> str:
    return str(area.quantize(_CENT))
