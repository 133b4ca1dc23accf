"""The Art. 278 tally at every boundary, on small rolls whose fractions come out exact."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from committees.rules import (
    DEVELOPER_KEY,
    Anomaly,
    Ballot,
    Bar,
    Matter,
    RollEntry,
    Thresholds,
    headcount_keys,
    tally_election,
    tally_motion,
    votes_needed,
)

D = Decimal
VOTE = {"y": "yes", "n": "no", "a": "abstain"}


def roll_of(*areas: str, owners: dict[int, str] | None = None, developer=()) -> list[RollEntry]:
    """Dwellings 1..n with the given areas; each has its own owner unless ``owners`` says
    otherwise (``None`` for no registered owner); ``developer`` lists developer-held ones."""
    owners = owners or {}
    return [
        RollEntry(
            dwelling_id=i,
            area_m2=D(area),
            owner_key=owners.get(i, f"o{i}"),
            is_developer_held=i in developer,
        )
        for i, area in enumerate(areas, start=1)
    ]


def motion_ballots(votes: str) -> list[Ballot]:
    """One letter per dwelling in roll order: y(es), n(o), a(bstain), or . for no ballot."""
    return [Ballot(i, {VOTE[v]}) for i, v in enumerate(votes, start=1) if v != "."]


def election_ballots(ballots: list[str]) -> list[Ballot]:
    """One string per dwelling in roll order: the letters of the candidates approved (None: no
    ballot; "" a blank ballot)."""
    return [Ballot(i, frozenset(b)) for i, b in enumerate(ballots, start=1) if b is not None]


NINE = ["100"] * 9  # 900 m², 9 heads: 2/3 is 600 m² and 6 heads


# --- participation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("areas", "votes", "area", "heads", "is_area_met", "is_headcount_met"),
    [
        # Exactly 2/3 of both: "以上" includes the boundary.
        (NINE, "aaaaaa...", "600.00", 6, True, True),
        # Area 0.01 m² below 2/3 (599.99 of 900.00) with heads exactly at 2/3.
        (["99.99", "100.01"] + ["100"] * 7, "a.aaaaa..", "599.99", 6, False, True),
        # ... and 0.01 m² over it with the same heads.
        (["99.99", "100.01"] + ["100"] * 7, ".aaaaaa..", "600.01", 6, True, True),
        # Area one m² below.
        (["99", "101"] + ["100"] * 7, "a.aaaaa..", "599.00", 6, False, True),
        # One head below 2/3 (5 of 9) while holding exactly 2/3 of the area (600 of 900).
        (["120"] * 5 + ["75"] * 4, "aaaaa....", "600.00", 5, True, False),
        (["120"] * 5 + ["75"] * 4, "aaaaaa...", "675.00", 6, True, True),
        # 10 heads: 2/3 is 6.67, so 6 heads fall short and 7 are needed.
        (["100"] * 10, "yyyyyy....", "600.00", 6, False, False),
        (["100"] * 10, "yyyyyyy...", "700.00", 7, True, True),
    ],
)
def test_participation_boundaries(areas, votes, area, heads, is_area_met, is_headcount_met):
    # given
    roll = roll_of(*areas)

    # when
    result = tally_motion(roll, motion_ballots(votes), Matter.COVENANT)

    # then
    p = result.participation
    assert (p.area_m2, p.headcount) == (D(area), heads)
    assert (p.is_area_met, p.is_headcount_met) == (is_area_met, is_headcount_met)
    assert result.quorum_met is (is_area_met and is_headcount_met)


def test_without_quorum_nothing_passes_even_unanimous():
    # given: 5 of 9 vote yes, one head and 100 m² short of the quorum
    roll = roll_of(*NINE)

    # when
    result = tally_motion(roll, motion_ballots("yyyyy...."), Matter.USE_FUND)

    # then
    assert result.result_for("yes").is_area_met
    assert result.result_for("yes").is_headcount_met
    assert not result.quorum_met
    assert not result.passed


# --- approval ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("areas", "votes", "is_area_met", "is_headcount_met"),
    [
        # 10 × 100 m², all take part: exactly half fails ("过半数" excludes the boundary).
        (["100"] * 10, "yyyyynnnnn", False, False),
        (["100"] * 10, "yyyyyynnnn", True, True),
        # Area just over half (500.01 of 1000) with heads exactly half (5 of 10).
        (["100.01"] + ["100"] * 8 + ["99.99"], "yyyyynnnnn", True, False),
        # Heads just over half (6 of 10) with area exactly half (500 of 1000) ...
        (["80"] * 5 + ["100"] + ["125"] * 4, "yyyyyynnnn", False, True),
        # ... and the same heads with 0.01 m² more.
        (["80"] * 5 + ["100.01", "124.99"] + ["125"] * 3, "yyyyyynnnn", True, True),
        # Abstentions take part but do not approve: 5 yes of 10 participants is half.
        (["100"] * 10, "yyyyyaaaaa", False, False),
    ],
)
def test_ordinary_approval_boundaries(areas, votes, is_area_met, is_headcount_met):
    # given
    roll = roll_of(*areas)

    # when
    result = tally_motion(roll, motion_ballots(votes), Matter.ENGAGE_MANAGER)

    # then
    yes = result.result_for("yes")
    assert result.quorum_met
    assert (yes.is_area_met, yes.is_headcount_met) == (is_area_met, is_headcount_met)
    assert result.passed is (is_area_met and is_headcount_met)


EIGHT = ["100"] * 8  # all 8 take part: 3/4 is 600 m² and 6 heads
EIGHT_CENT = ["99.99"] + ["100"] * 6 + ["100.01"]
EIGHT_HEAVY = ["120"] * 5 + ["66.67", "66.67", "66.66"]


@pytest.mark.parametrize("matter", [Matter.RAISE_FUND, Matter.REBUILD, Matter.CHANGE_COMMON_USE])
@pytest.mark.parametrize(
    ("areas", "votes", "is_area_met", "is_headcount_met"),
    [
        # Exactly 3/4 of both passes ("以上").
        (EIGHT, "yyyyyynn", True, True),
        # One head and 100 m² below.
        (EIGHT, "yyyyynnn", False, False),
        # 0.01 m² below 3/4 (599.99 of 800) with heads exactly 3/4.
        (EIGHT_CENT, "yyyyyynn", False, True),
        # One head below 3/4 (5 of 8) with area exactly 3/4 (600 of 800).
        (EIGHT_HEAVY, "yyyyynnn", True, False),
    ],
)
def test_special_matters_need_three_quarters(matter, areas, votes, is_area_met, is_headcount_met):
    # given
    roll = roll_of(*areas)

    # when
    result = tally_motion(roll, motion_ballots(votes), matter)

    # then
    yes = result.result_for("yes")
    assert (yes.is_area_met, yes.is_headcount_met) == (is_area_met, is_headcount_met)
    assert result.passed is (is_area_met and is_headcount_met)


@pytest.mark.parametrize(
    ("matter", "votes", "passed"),
    [
        # 5 of 8 (62.5%): enough to use the fund, not to raise it.
        (Matter.USE_FUND, "yyyyynnn", True),
        (Matter.RAISE_FUND, "yyyyynnn", False),
        (Matter.ELECT_COMMITTEE, "yyyyynnn", True),
        # Exactly half fails for using the fund too.
        (Matter.USE_FUND, "yyyynnnn", False),
    ],
)
def test_using_the_fund_follows_the_ordinary_rule(matter, votes, passed):
    # given
    roll = roll_of(*EIGHT)

    # when
    result = tally_motion(roll, motion_ballots(votes), matter)

    # then
    assert result.passed is passed


def test_approval_is_measured_against_participants_not_the_roll():
    # given: 6 of 9 take part; 4 yes is 400 of 600 participating m² but only 400 of 900 on the roll
    roll = roll_of(*NINE)

    # when
    result = tally_motion(roll, motion_ballots("yyyynn..."), Matter.COVENANT)

    # then
    assert result.passed


# --- counting heads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # One owner, three dwellings: one head.
        (
            roll_of("100", "100", "100", "100", owners={1: "A", 2: "A", 3: "A"}),
            {1: "owner:A", 2: "owner:A", 3: "owner:A", 4: "owner:o4"},
        ),
        # Developer-held dwellings are one head together, whatever owner key they carry.
        (
            roll_of("100", "100", "100", owners={1: None, 2: "X"}, developer={1, 2}),
            {1: DEVELOPER_KEY, 2: DEVELOPER_KEY, 3: "owner:o3"},
        ),
        # No registered owner: each dwelling counts alone.
        (
            roll_of("100", "100", owners={1: None, 2: None}),
            {1: "dwelling:1", 2: "dwelling:2"},
        ),
    ],
)
def test_headcount_keys(entries, expected):
    assert headcount_keys(entries) == expected


def test_owner_of_three_dwellings_counts_once_by_head_and_three_times_by_area():
    # given: owner A holds dwellings 1-3; six others hold one each: 900 m², 7 heads
    roll = roll_of(*NINE, owners={1: "A", 2: "A", 3: "A"})

    # when: A and two others say yes (500 m², 3 heads); four say no (400 m², 4 heads)
    result = tally_motion(roll, motion_ballots("yyyyynnnn"), Matter.COVENANT)

    # then: a majority of the area but not of the heads
    yes = result.result_for("yes")
    assert (result.participation.area_total_m2, result.participation.headcount_total) == (
        D("900"),
        7,
    )
    assert (yes.approve_area_m2, yes.approve_headcount) == (D("500"), 3)
    assert yes.is_area_met
    assert not yes.is_headcount_met
    assert not result.passed
    assert result.anomalies == ()


def test_owner_takes_part_with_any_of_their_dwellings():
    # given: owner A votes with one of three dwellings only
    roll = roll_of(*NINE, owners={1: "A", 2: "A", 3: "A"})

    # when
    result = tally_motion(roll, motion_ballots("y..yyyy.."), Matter.COVENANT)

    # then: 500 m² (dwelling 1 plus four) and 5 heads of 7 take part
    assert (result.participation.area_m2, result.participation.headcount) == (D("500"), 5)


def test_owner_whose_ballots_disagree_is_reported_and_approves_nothing():
    # given: owner A votes yes with dwellings 1 and 3 but no with dwelling 2
    roll = roll_of(*NINE, owners={1: "A", 2: "A", 3: "A"})

    # when
    result = tally_motion(roll, motion_ballots("ynyyyynnn"), Matter.COVENANT)

    # then: each dwelling's area goes where its ballot says; A's head takes part, approves neither
    yes, no = result.result_for("yes"), result.result_for("no")
    assert (yes.approve_area_m2, yes.approve_headcount) == (D("500"), 3)
    assert (no.approve_area_m2, no.approve_headcount) == (D("400"), 3)
    assert result.participation.headcount == 7
    assert result.anomalies == (Anomaly("owner:A", (1, 2, 3), ("yes", "no")),)
    # anomalies name dwellings, so the public document leaves them out
    assert "anomalies" not in result.to_json()


def test_developer_held_dwellings_count_once_together():
    # given: dwellings 7-9 are the developer's: 900 m², 7 heads
    roll = roll_of(*NINE, owners={7: None, 8: None, 9: None}, developer={7, 8, 9})

    # when: the developer and three owners say yes (600 m², 4 heads); three say no
    result = tally_motion(roll, motion_ballots("yyynnnyyy"), Matter.RAISE_FUND)

    # then: 600 of 900 m² is 2/3 (< 3/4), and 4 of 7 heads (< 3/4)
    yes = result.result_for("yes")
    assert result.participation.headcount_total == 7
    assert (yes.approve_area_m2, yes.approve_headcount) == (D("600"), 4)
    assert not result.passed


# --- elections --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidates", "seats", "ballots", "elected", "ties"),
    [
        # A, B and C each approved by 6 of 9: a three-way tie straddling the 2nd seat elects none.
        (
            "ABC",
            2,
            ["AB", "AB", "AB", "AC", "AC", "AC", "BC", "BC", "BC"],
            (),
            ("A", "B", "C"),
        ),
        # The same tie inside the seats changes nothing.
        (
            "ABC",
            3,
            ["AB", "AB", "AB", "AC", "AC", "AC", "BC", "BC", "BC"],
            ("A", "B", "C"),
            (),
        ),
        # A 9, B 7, then C and D at 5 each for the 3rd seat: A and B elected, one seat unfilled.
        (
            "ABCD",
            3,
            ["ABC", "ABC", "ABC", "ABC", "ABD", "ABD", "ABD", "ACD", "AD"],
            ("A", "B"),
            ("C", "D"),
        ),
        # Candidates tied but not passing (1 of 9 each) are no tie for a seat.
        ("ABC", 1, ["A"] * 7 + ["B", "C"], ("A",), ()),
        # Fewer passing candidates than seats: the seats stay unfilled, no tie.
        ("ABC", 3, ["A"] * 6 + ["B", "C", ""], ("A",), ()),
    ],
)
def test_election_fills_seats_and_reports_ties(candidates, seats, ballots, elected, ties):
    # given
    roll = roll_of(*NINE)

    # when
    result = tally_election(roll, election_ballots(ballots), list(candidates), seats)

    # then
    assert result.elected == elected
    assert result.ties == ties
    assert result.unfilled_seats == seats - len(elected)
    assert {r.name for r in result.results if r.elected} == set(elected)


def test_equal_area_is_ranked_by_headcount():
    # given: owner X holds dwellings 1 and 2 (10 dwellings, 9 heads); A and B both reach 600 m²,
    # A with 5 heads (X counts once), B with 6
    roll = roll_of(*(["100"] * 10), owners={1: "X", 2: "X"})
    ballots = ["AC"] * 4 + ["AB"] * 2 + ["BC"] * 4

    # when
    result = tally_election(roll, election_ballots(ballots), ["A", "B", "C"], 2)

    # then
    assert [(r.name, r.approve_area_m2, r.approve_headcount) for r in result.results] == [
        ("C", D("800"), 7),
        ("B", D("600"), 6),
        ("A", D("600"), 5),
    ]
    assert result.elected == ("C", "B")
    assert result.ties == ()


@pytest.mark.parametrize(
    ("ballots", "passed"),
    [
        # All 9 take part: 5 of 9 approving passes, 4 of 9 does not.
        (["AB"] * 5 + ["A"] * 4, ("A", "B")),
        (["AB"] * 4 + ["A"] * 5, ("A",)),
        # Blank ballots take part and approve nobody.
        (["A"] * 4 + [""] * 5, ()),
    ],
)
def test_candidate_needs_more_than_half_of_participants(ballots, passed):
    # given
    roll = roll_of(*NINE)

    # when
    result = tally_election(roll, election_ballots(ballots), ["A", "B"], 2)

    # then
    assert tuple(r.name for r in result.results if r.passed) == passed


def test_election_without_quorum_elects_nobody():
    # given: 5 of 9 vote, all for A
    roll = roll_of(*NINE)

    # when
    result = tally_election(roll, election_ballots(["A"] * 5), ["A"], 1)

    # then
    assert not result.quorum_met
    assert result.elected == ()
    assert result.unfilled_seats == 1


# --- no ballots, bad input --------------------------------------------------------------------


def test_tally_with_no_ballots():
    # given
    roll = roll_of(*NINE)

    # when
    motion = tally_motion(roll, [], Matter.COVENANT)
    election = tally_election(roll, [], ["A", "B"], 1)

    # then
    for result in (motion, election):
        assert not result.quorum_met
        assert result.participation.area_m2 == 0
        assert result.participation.headcount == 0
        assert all(not r.passed and r.approve_headcount == 0 for r in result.results)
    assert election.elected == ()


def test_empty_roll_decides_nothing():
    result = tally_motion([], [], Matter.OTHER)

    assert not result.quorum_met
    assert not result.passed
    assert not votes_needed([], [], matter=Matter.OTHER).quorum.is_reachable


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda roll: tally_motion(roll, [Ballot(99, {"yes"})], Matter.COVENANT),
            "dwelling 99, which is not on the roll",
        ),
        (
            lambda roll: tally_election(roll, [Ballot(42, {"A"})], ["A"], 1),
            "dwelling 42, which is not on the roll",
        ),
        (
            lambda roll: tally_motion(roll, [Ballot(1, {"yes"}), Ballot(1, {"no"})], Matter.OTHER),
            "dwelling 1 has more than one ballot",
        ),
        (
            lambda roll: tally_motion(roll, [Ballot(1, {"yes", "no"})], Matter.OTHER),
            "exactly one of yes, no, abstain",
        ),
        (
            lambda roll: tally_motion(roll, [Ballot(1, set())], Matter.OTHER),
            "exactly one of yes, no, abstain",
        ),
        (
            lambda roll: tally_election(roll, [Ballot(1, {"Z"})], ["A", "B"], 1),
            "Z is not a candidate",
        ),
        (
            lambda roll: tally_election(roll, [Ballot(1, {"A", "B"})], ["A", "B"], 1),
            "2 choices for 1 seats",
        ),
        (lambda roll: tally_election(roll, [], ["A", "A"], 1), "listed twice"),
        (lambda roll: tally_election(roll, [], ["A"], 0), "at least one seat"),
        (lambda roll: headcount_keys([*roll, roll[0]]), "on the roll twice"),
    ],
)
def test_bad_input_is_refused(call, message):
    roll = roll_of(*NINE)

    with pytest.raises(ValueError, match=message):
        call(roll)


@pytest.mark.parametrize(
    ("area", "error"),
    [
        (100.5, TypeError),  # never a float
        ("100.50", TypeError),
        (D("100.005"), ValueError),  # the registry keeps two decimals
        (D("0"), ValueError),
        (D("-1"), ValueError),
        (D("NaN"), ValueError),
    ],
)
def test_roll_entry_refuses_bad_areas(area, error):
    with pytest.raises(error):
        RollEntry(1, area, "o1")


def test_roll_entry_accepts_whole_numbers_and_trailing_zeros():
    assert RollEntry(1, 90, "o").area_m2 == D("90")
    assert RollEntry(1, D("90.500"), "o").area_m2 == D("90.5")


# --- JSON -------------------------------------------------------------------------------------


def test_to_json_shape():
    # given: owner X holds dwellings 1 and 2
    roll = roll_of("100.5", "80.25", *["100"] * 7, owners={1: "X", 2: "X"})
    ballots = election_ballots(["AB", "AB", "A", "A", "A", "B", "B", None, None])

    # when
    document = tally_election(roll, ballots, ["A", "B"], 2).to_json()

    # then
    assert document == {
        "quorum_met": True,
        "participation": {
            "area_m2": "680.75",
            "area_total_m2": "880.75",
            "headcount": 6,
            "headcount_total": 8,
        },
        "results": [
            {
                "name": "A",
                "approve_area_m2": "480.75",
                "approve_headcount": 4,
                "passed": True,
                "elected": True,
            },
            {
                "name": "B",
                "approve_area_m2": "380.75",
                "approve_headcount": 3,
                "passed": False,
                "elected": False,
            },
        ],
        "ties": [],
    }
    assert json.loads(json.dumps(document)) == document


def test_to_json_lists_ties():
    roll = roll_of(*NINE)
    ballots = election_ballots(["AB", "AB", "AB", "AC", "AC", "AC", "BC", "BC", "BC"])

    document = tally_election(roll, ballots, ["A", "B", "C"], 2).to_json()

    assert document["ties"] == ["A", "B", "C"]
    assert [r["elected"] for r in document["results"]] == [False, False, False]


# --- the live tracker -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matter", "votes", "quorum", "yes", "is_reachable"),
    [
        # Nobody yet: 600 m² and 6 heads for the quorum; approvers that make the quorum also pass.
        (Matter.COVENANT, ".........", ("600.00", 6), ("600.00", 6), True),
        # 3 yes, 3 no: the quorum is met; any approving newcomer tips "more than half".
        (Matter.COVENANT, "yyynnn...", ("0.00", 0), ("0.01", 1), True),
        # 2 yes, 4 no: 200 + x > (600 + x) / 2  →  x > 200 m²; 2 + h > (6 + h) / 2  →  h > 2.
        (Matter.COVENANT, "yynnnn...", ("0.00", 0), ("200.01", 3), True),
        # 3 of 4 needed: 300 + x ≥ 3/4 (600 + x)  →  x ≥ 600 m², but only 300 m² are left.
        (Matter.RAISE_FUND, "yyynnn...", ("0.00", 0), ("600.00", 6), False),
        # Exactly 3/4 already: nothing more needed.
        (Matter.RAISE_FUND, "yyyyyyyyn", ("0.00", 0), ("0.00", 0), True),
        # Four taking part, all yes: the quorum still lacks 200 m² and 2 heads.
        (Matter.COVENANT, "yyyy.....", ("200.00", 2), ("200.00", 2), True),
    ],
)
def test_votes_needed_for_a_motion(matter, votes, quorum, yes, is_reachable):
    # given
    roll = roll_of(*NINE)

    # when
    needed = votes_needed(roll, motion_ballots(votes), matter=matter)

    # then
    assert (needed.quorum.area_m2, needed.quorum.headcount) == (D(quorum[0]), quorum[1])
    assert (needed.choices["yes"].area_m2, needed.choices["yes"].headcount) == (D(yes[0]), yes[1])
    assert needed.choices["yes"].is_reachable is is_reachable


def test_votes_needed_rounds_up_to_the_cent():
    # given: 799.99 m²; 2/3 of it is 533.3266..., so the least quorum is 533.33 m²
    roll = roll_of("0.05", "99.94", *["100"] * 7)

    # when
    needed = votes_needed(roll, motion_ballots("y........"), matter=Matter.COVENANT)

    # then
    assert needed.quorum.area_m2 == D("533.28")
    assert needed.quorum.headcount == 5


def test_votes_needed_for_candidates():
    # given: 6 of 9 took part; A approved by 4, B by 2
    roll = roll_of(*NINE)
    ballots = election_ballots(["AB", "AB", "A", "A", "", "", None, None, None])

    # when
    needed = votes_needed(
        roll, ballots, matter=Matter.ELECT_COMMITTEE, candidates=["A", "B"], seats=2
    )

    # then
    assert needed.choices["A"].area_m2 == D("0.00")
    assert needed.choices["A"].headcount == 0
    assert (needed.choices["B"].area_m2, needed.choices["B"].headcount) == (D("200.01"), 3)


def test_votes_needed_for_an_election_needs_the_seats():
    with pytest.raises(ValueError, match="number of seats"):
        votes_needed(roll_of(*NINE), [], matter=Matter.ELECT_COMMITTEE, candidates=["A"])


# --- bars and thresholds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bar", "approve", "participating", "quantum"),
    [
        (Bar(Fraction(1, 2), inclusive=False), 200, 600, Fraction(1, 100)),
        (Bar(Fraction(1, 2), inclusive=False), 3, 6, Fraction(1)),
        (Bar(Fraction(3, 4), inclusive=True), 300, 600, Fraction(1, 100)),
        (Bar(Fraction(3, 4), inclusive=True), 5, 7, Fraction(1)),
        (Bar(Fraction(2, 3), inclusive=True), D("123.45"), D("400.01"), Fraction(1, 100)),
        (Bar(Fraction(2, 3), inclusive=False), 0, 0, Fraction(1)),
    ],
)
def test_extra_approvals_is_the_least_that_meets_the_bar(bar, approve, participating, quantum):
    # when
    x = bar.extra_approvals(approve, participating, quantum)

    # then: x newcomers meet the bar, one quantum fewer does not
    a, p = Fraction(approve), Fraction(participating)
    assert x > 0
    assert bar.is_met(_dec(a + x), _dec(p + x))
    assert not bar.is_met(_dec(a + x - quantum), _dec(p + x - quantum))


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


@pytest.mark.parametrize(
    ("fraction", "error"),
    [(0.5, TypeError), (0, ValueError), (1, ValueError), (Fraction(3, 2), ValueError)],
)
def test_bar_refuses_floats_and_shares_outside_zero_one(fraction, error):
    with pytest.raises(error):
        Bar(fraction, inclusive=True)


def test_bar_reads_settings_strings():
    assert Bar("2/3", inclusive=True).fraction == Fraction(2, 3)


def test_local_thresholds_apply():
    # given: a local rule that counts raising the fund as ordinary and asks 2/3 to approve others
    thresholds = Thresholds(
        ordinary_area=Bar("2/3", inclusive=True),
        ordinary_headcount=Bar("2/3", inclusive=True),
        special_matters=frozenset({7, 8}),
    )
    roll = roll_of(*NINE)

    # when: 6 of 9 vote yes
    raise_fund = tally_motion(roll, motion_ballots("yyyyyynnn"), Matter.RAISE_FUND, thresholds)
    covenant = tally_motion(roll, motion_ballots("yyyyynnnn"), Matter.COVENANT, thresholds)

    # then
    assert raise_fund.passed
    assert not covenant.passed
    assert thresholds.special_matters == {Matter.REBUILD, Matter.CHANGE_COMMON_USE}


def test_default_thresholds_follow_the_civil_code():
    thresholds = Thresholds()

    assert thresholds.participation_area == Bar(Fraction(2, 3), inclusive=True)
    assert thresholds.participation_headcount == Bar(Fraction(2, 3), inclusive=True)
    for matter in Matter:
        area, heads = thresholds.approval_bars(matter)
        expected = (
            Bar(Fraction(3, 4), inclusive=True)
            if matter in (6, 7, 8)
            else Bar(Fraction(1, 2), inclusive=False)
        )
        assert (area, heads) == (expected, expected), matter


def test_matters_have_english_and_chinese_names():
    assert [int(m) for m in Matter] == list(range(1, 10))
    assert Matter.USE_FUND.zh == "使用建筑物及其附属设施的维修资金"
    assert Matter.RAISE_FUND.zh == "筹集建筑物及其附属设施的维修资金"
    assert all(m.label and m.zh and m.label != m.zh for m in Matter)
