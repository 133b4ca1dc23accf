from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from scorecards.rules import (
    DEFAULT_RUBRIC,
    Band,
    Bands,
    Criterion,
    Deduction,
    Earliest,
    EarliestReason,
    Ranked,
    Reason,
    Rubric,
    VetoItem,
    average,
    classify,
    complaint_finding_day,
    counts_in_later_month,
    earliest_inspection_day,
    listing_key,
    rank,
    rate_typed_as_fraction,
    score,
)

D = Decimal

# --- classify ---------------------------------------------------------------------------------

RED, BLACK, NONE, UNRANKED = Band.RED, Band.BLACK, Band.NONE, Band.UNRANKED


@pytest.mark.parametrize(
    ("points", "inspections", "has_veto", "has_overdue", "band", "reasons"),
    [
        # The red line is inclusive: 90 is red, 89.99 is not.
        ("89.99", 2, False, False, NONE, ()),
        ("90", 2, False, False, RED, ("at_or_above_red",)),
        ("90.00", 2, False, False, RED, ("at_or_above_red",)),
        ("90.01", 2, False, False, RED, ("at_or_above_red",)),
        ("100", 5, False, False, RED, ("at_or_above_red",)),
        # The black line is strict: 69.99 is black, 70 is not.
        ("69.99", 2, False, False, BLACK, ("below_black",)),
        ("70", 2, False, False, NONE, ()),
        ("70.01", 2, False, False, NONE, ()),
        ("0", 3, False, False, BLACK, ("below_black",)),
        # A veto black-lists whatever the score.
        ("95", 2, True, False, BLACK, ("veto",)),
        ("100", 4, True, False, BLACK, ("veto",)),
        ("60", 2, True, False, BLACK, ("veto", "below_black")),
        # A veto black-lists even without enough inspections or a score: the safer reading.
        ("95", 0, True, False, BLACK, ("veto",)),
        ("95", 1, True, False, BLACK, ("veto",)),
        (None, 0, True, False, BLACK, ("veto",)),
        # Minimum inspections is inclusive: 0 and 1 are not ranked, 2 is.
        ("95", 0, False, False, UNRANKED, ("too_few_inspections",)),
        ("95", 1, False, False, UNRANKED, ("too_few_inspections",)),
        ("95", 2, False, False, RED, ("at_or_above_red",)),
        ("50", 1, False, False, UNRANKED, ("too_few_inspections",)),
        ("50", 2, False, False, BLACK, ("below_black",)),
        # An overdue rectification keeps a red score off the red list, and nothing else.
        ("95", 2, False, True, NONE, ("overdue_rectification",)),
        ("90", 2, False, True, NONE, ("overdue_rectification",)),
        ("89.99", 2, False, True, NONE, ()),
        ("69.99", 2, False, True, BLACK, ("below_black",)),
        # No score: nothing to rank on.
        (None, 2, False, False, UNRANKED, ("no_score",)),
        (None, 1, False, False, UNRANKED, ("too_few_inspections",)),
        (None, 2, False, True, UNRANKED, ("no_score",)),
    ],
)
def test_classify(points, inspections, has_veto, has_overdue, band, reasons):
    # given
    value = None if points is None else D(points)

    # when
    result = classify(
        score=value,
        inspections=inspections,
        has_veto=has_veto,
        has_overdue_rectification=has_overdue,
    )

    # then
    assert result.band is band
    assert result.reasons == reasons
    assert all(isinstance(reason, Reason) for reason in result.reasons)


@pytest.mark.parametrize(
    ("points", "inspections", "band"),
    [
        ("84.99", 3, NONE),
        ("85", 3, RED),
        ("59.99", 3, BLACK),
        ("60", 3, NONE),
        ("85", 2, UNRANKED),
    ],
)
def test_classify_uses_the_community_bands(points, inspections, band):
    # given a community with looser lines and a stricter inspection minimum
    bands = Bands(red_at=D(85), black_below=D(60), min_inspections=3)

    # when
    result = classify(
        score=D(points),
        inspections=inspections,
        has_veto=False,
        has_overdue_rectification=False,
        bands=bands,
    )

    # then
    assert result.band is band


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"score": D(80), "inspections": -1}, ValueError),
        ({"score": D("-0.01"), "inspections": 2}, ValueError),
        ({"score": 89.99, "inspections": 2}, TypeError),
        ({"score": D("NaN"), "inspections": 2}, ValueError),
        ({"score": D(80), "inspections": True}, TypeError),
    ],
)
def test_classify_refuses_bad_input(kwargs, error):
    with pytest.raises(error):
        classify(**kwargs, has_veto=False, has_overdue_rectification=False)


def test_classify_accepts_int_score():
    result = classify(score=90, inspections=2, has_veto=False, has_overdue_rectification=False)

    assert result.band is RED


# --- bands and labels -------------------------------------------------------------------------


def test_default_bands():
    assert Bands() == Bands(red_at=D(90), black_below=D(70), min_inspections=2)


def test_bands_normalise_ints_to_decimal():
    bands = Bands(red_at=95, black_below=60)

    assert (type(bands.red_at), type(bands.black_below)) == (Decimal, Decimal)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"red_at": D(70), "black_below": D("70.01")}, ValueError),
        ({"min_inspections": -1}, ValueError),
        ({"red_at": 90.0}, TypeError),
        ({"min_inspections": 2.0}, TypeError),
    ],
)
def test_bands_refuse_bad_settings(kwargs, error):
    with pytest.raises(error):
        Bands(**kwargs)


def test_bands_may_share_one_line():
    # given red and black meeting at 80: below is black, at or above is red
    bands = Bands(red_at=D(80), black_below=D(80))

    def band(points):
        return classify(
            score=D(points),
            inspections=2,
            has_veto=False,
            has_overdue_rectification=False,
            bands=bands,
        ).band

    assert (band("79.99"), band("80")) == (BLACK, RED)


@pytest.mark.parametrize(
    ("band", "label", "zh"),
    [
        (RED, "Red list", "红榜"),
        (BLACK, "Black list", "黑榜"),
        (NONE, "Not listed", "未上榜"),
        (UNRANKED, "Not ranked", "不参评"),
    ],
)
def test_band_names(band, label, zh):
    with translation.override("en"):
        assert str(band.label) == label
    assert band.zh == zh


def test_band_values_are_stable_codes():
    assert [b.value for b in Band] == ["red", "black", "none", "unranked"]


def test_reason_codes_are_stable_and_labelled():
    assert {r.value for r in Reason} == {
        "veto",
        "below_black",
        "at_or_above_red",
        "overdue_rectification",
        "too_few_inspections",
        "no_score",
    }
    with translation.override("en"):
        assert all(str(r.label) for r in Reason)


# --- rubric -----------------------------------------------------------------------------------


def test_default_rubric_is_the_domain_rubric():
    assert [(c.code, c.max_points) for c in DEFAULT_RUBRIC.criteria] == [
        ("general_management", D(15)),
        ("customer_service", D(15)),
        ("building_upkeep", D(15)),
        ("order_access", D(10)),
        ("fire_safety", D(10)),
        ("cleanliness", D(15)),
        ("greening", D(10)),
        ("parking", D(10)),
    ]
    assert DEFAULT_RUBRIC.max_total == D(100)
    assert [v.code for v in DEFAULT_RUBRIC.veto_items] == [
        "major_safety_accident",
        "missing_monthly_report",
        "unresolved_collective_complaint",
    ]
    assert all(c.name and c.name_zh for c in DEFAULT_RUBRIC.criteria)
    assert all(v.name and v.name_zh for v in DEFAULT_RUBRIC.veto_items)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rubric(
            criteria=(Criterion("a", "A", "甲", D(10)), Criterion("a", "B", "乙", D(5)))
        ),
        lambda: Rubric(
            criteria=(), veto_items=(VetoItem("v", "V", "否"), VetoItem("v", "W", "否"))
        ),
        lambda: Criterion("a", "A", "甲", D(0)),
        lambda: Criterion("a", "A", "甲", D(-5)),
    ],
    ids=["duplicate criterion", "duplicate veto item", "zero max", "negative max"],
)
def test_rubric_refuses_bad_data(make):
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by case
        make()


# --- score ------------------------------------------------------------------------------------

MAXIMA = DEFAULT_RUBRIC.criteria_max()


def ded(criterion, points, evidence="finding:1"):
    return Deduction(criterion=criterion, points=D(points), evidence=evidence)


@pytest.mark.parametrize(
    ("deductions", "total"),
    [
        ([], "100"),
        ([ded("cleanliness", "0")], "100"),
        ([ded("cleanliness", "0.01")], "99.99"),
        ([ded("cleanliness", "2"), ded("parking", "3.5")], "94.5"),
        ([ded("cleanliness", "2"), ded("cleanliness", "3")], "95"),
        # Landing exactly on the band lines.
        ([ded("general_management", "10")], "90"),
        ([ded("general_management", "10.01")], "89.99"),
        ([ded("general_management", "15"), ded("customer_service", "15")], "70"),
        ([ded("general_management", "15"), ded("customer_service", "15.01")], "70"),
        (
            [
                ded("general_management", "15"),
                ded("customer_service", "14"),
                ded("greening", "1.01"),
            ],
            "69.99",
        ),
        # Every criterion at 0.
        ([ded(code, str(maximum)) for code, maximum in MAXIMA.items()], "0"),
        ([ded(code, "99") for code in MAXIMA], "0"),
    ],
)
def test_score_totals(deductions, total):
    result = score(MAXIMA, deductions)

    assert result.total == D(total)
    assert result.max_total == D(100)
    assert result.total == sum(line.points for line in result.lines)


def test_score_lines_follow_rubric_order_and_keep_evidence():
    # given
    deductions = [
        ded("parking", "2", "finding:7"),
        ded("cleanliness", "1", "finding:3"),
        ded("parking", "1", "adjustment:2"),
    ]

    # when
    result = score(MAXIMA, deductions)

    # then
    assert [line.code for line in result.lines] == list(MAXIMA)
    parking = result.line("parking")
    assert (parking.max_points, parking.deducted, parking.points) == (D(10), D(3), D(7))
    assert parking.evidence == ("finding:7", "adjustment:2")
    assert result.line("greening").evidence == ()
    assert result.line("greening").points == D(10)


@pytest.mark.parametrize(
    ("deducted", "points", "applied", "excess", "is_capped"),
    [
        ("9.99", "0.01", "9.99", "0", False),
        ("10", "0", "10", "0", False),
        ("10.01", "0", "10", "0.01", True),
        ("25", "0", "10", "15", True),
    ],
)
def test_score_floors_a_criterion_at_zero_and_reports_the_excess(
    deducted, points, applied, excess, is_capped
):
    # when: fire safety (max 10) loses more than it has
    result = score(MAXIMA, [ded("fire_safety", deducted)])

    # then: the excess is not taken from another criterion
    line = result.line("fire_safety")
    assert line.points == D(points)
    assert line.deducted == D(applied)
    assert line.requested == D(deducted)
    assert line.excess == D(excess)
    assert line.is_capped is is_capped
    assert result.total == D(90) + D(points)
    assert [c.code for c in result.capped] == (["fire_safety"] if is_capped else [])


@pytest.mark.parametrize(
    ("deduction", "error"),
    [
        (Deduction("no_such_criterion", D(1), "finding:1"), ValueError),
        (Deduction("cleanliness", D("-0.01"), "finding:1"), ValueError),
        (Deduction("cleanliness", D(1), ""), ValueError),
        (Deduction("cleanliness", D(1), "   "), ValueError),
        (Deduction("cleanliness", 1.5, "finding:1"), TypeError),
        (Deduction("cleanliness", D("Infinity"), "finding:1"), ValueError),
    ],
    ids=["unknown criterion", "negative", "no evidence", "blank evidence", "float", "infinite"],
)
def test_score_refuses_bad_deductions(deduction, error):
    with pytest.raises(error):
        score(MAXIMA, [ded("parking", "1"), deduction])


def test_score_with_a_custom_rubric_and_int_points():
    # given a two-criterion rubric with half points
    maxima = {"a": D("7.5"), "b": 5}

    # when
    result = score(maxima, [Deduction("a", 1, "finding:1"), Deduction("b", D("0.5"), "finding:2")])

    # then
    assert (result.total, result.max_total) == (D(11), D("12.5"))


def test_score_refuses_negative_maximum():
    with pytest.raises(ValueError, match="must not be negative"):
        score({"a": D(-1)}, [])


# --- average and rank -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        (["90"], "90.00"),
        (["90", "91", "93"], "91.33"),
        (["90", "91", "92.005"], "91.00"),
        (["89.995", "90"], "90.00"),  # 89.9975 rounds half up to 90.00
        (["0.005"], "0.01"),
    ],
)
def test_average(values, expected):
    result = average(D(v) for v in values)

    assert result == (None if expected is None else D(expected))


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], []),
        ([("a", "90")], [(1, "a")]),
        # 1224: a shared second place skips third.
        (
            [("a", "95"), ("b", "92"), ("c", "92"), ("d", "88")],
            [(1, "a"), (2, "b"), (2, "c"), (4, "d")],
        ),
        # Input order does not matter for ranks; ties keep input order.
        (
            [("d", "88"), ("c", "92"), ("a", "95"), ("b", "92")],
            [(1, "a"), (2, "c"), (2, "b"), (4, "d")],
        ),
        # A tie at the top, and three-way ties.
        ([("a", "90"), ("b", "90"), ("c", "80")], [(1, "a"), (1, "b"), (3, "c")]),
        ([("a", "70"), ("b", "70"), ("c", "70")], [(1, "a"), (1, "b"), (1, "c")]),
        # Exact comparison: 90.00 and 90 are equal Decimals, 89.99 is not.
        ([("a", "90.00"), ("b", "90"), ("c", "89.99")], [(1, "a"), (1, "b"), (3, "c")]),
        # No value: last, unranked.
        ([("a", None), ("b", "80"), ("c", "85")], [(1, "c"), (2, "b"), (None, "a")]),
    ],
)
def test_rank(entries, expected):
    # given
    pairs = [(key, None if value is None else D(value)) for key, value in entries]

    # when
    result = rank(pairs)

    # then
    assert [(r.rank, r.key) for r in result] == expected
    assert all(isinstance(r, Ranked) for r in result)


def test_rank_keeps_values_and_refuses_duplicate_keys():
    assert rank([("a", D("91.5"))])[0].value == D("91.5")
    with pytest.raises(ValueError, match="duplicate"):
        rank([("a", D(90)), ("a", D(80))])


def test_rank_refuses_floats():
    with pytest.raises(TypeError):
        rank([("a", 90.5)])


# --- a collection rate typed as a fraction -----------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "suspect"),
    [
        (None, False),  # not given
        (D(0), False),  # nothing collected: a fact, not a slip
        (D("0.0001"), True),  # 0.01%, the smallest a form keeps
        (D("0.009"), True),  # 0.9 typed for 90%
        (D("0.0099"), True),
        (D("0.01"), True),  # 1 typed for 100%: exactly at the line
        (D("0.0101"), False),  # 1.01%: one step above
        (D("0.9"), False),
        (D(1), False),
    ],
)
def test_rate_typed_as_fraction(rate, suspect):
    assert rate_typed_as_fraction(rate) is suspect


# --- the order of a month's list within ties ----------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # A vetoed compound tied with a red one shares #1, and is listed after it even though
        # its name comes first.
        (
            [("A", "95", BLACK, True), ("B", "95", RED, False), ("C", "90", NONE, False)],
            [("B", 1), ("A", 1), ("C", 3)],
        ),
        # Neither list before black at the same score (a band set by staff on a correction).
        ([("A", "80", BLACK, True), ("B", "80", NONE, False)], [("B", 1), ("A", 1)]),
        # Two black lines tied: the one without a veto first.
        ([("A", "60", BLACK, True), ("B", "60", BLACK, False)], [("B", 1), ("A", 1)]),
        # Same band: by name; the next score skips the shared places.
        (
            [("B", "92", RED, False), ("A", "92", RED, False), ("C", "91.99", RED, False)],
            [("A", 1), ("B", 1), ("C", 3)],
        ),
        # Same band and name: by id (here the line's position).
        ([("X", "90", RED, False), ("X", "90", RED, False)], [("X", 1), ("X", 1)]),
        # A three-way tie across the bands, one below it, the unranked last.
        (
            [
                ("U", None, UNRANKED, False),
                ("K", "88", BLACK, True),
                ("N", "88", NONE, False),
                ("R", "88", RED, False),
                ("Z", "70", NONE, False),
            ],
            [("R", 1), ("N", 1), ("K", 1), ("Z", 4), ("U", None)],
        ),
        # No tie: the score decides, whatever the band.
        ([("A", "96", BLACK, True), ("B", "95", RED, False)], [("A", 1), ("B", 2)]),
    ],
)
def test_list_order_within_ties(lines, expected):
    for given in (lines, lines[::-1]):  # whatever order the lines come in
        ranks = {
            r.key: r.rank
            for r in rank((i, None if s is None else D(s)) for i, (_n, s, *_x) in enumerate(given))
        }
        order = sorted(
            range(len(given)),
            key=lambda i: listing_key(
                rank=ranks[i], band=given[i][2], veto=given[i][3], name=given[i][0], key=i
            ),
        )
        assert [(given[i][0], ranks[i]) for i in order] == expected


# --- earliest_inspection_day -------------------------------------------------------------------

FLOOR = dt.date(2000, 1, 1)


@pytest.mark.parametrize(
    ("first_contract_on", "last_published_month", "on", "reason"),
    [
        # A compound no company ever served: the floor only.
        (None, None, FLOOR, EarliestReason.FLOOR),
        # The contract's first day is allowed, the day before is not.
        (dt.date(2020, 3, 15), None, dt.date(2020, 3, 15), EarliestReason.CONTRACT),
        (dt.date(1999, 12, 31), None, FLOOR, EarliestReason.FLOOR),
        (FLOOR, None, FLOOR, EarliestReason.CONTRACT),
        # A published month is closed to its last day; the next month's first day is allowed.
        (dt.date(2020, 3, 15), dt.date(2026, 8, 1), dt.date(2026, 9, 1), EarliestReason.PUBLISHED),
        (None, dt.date(2026, 12, 1), dt.date(2027, 1, 1), EarliestReason.PUBLISHED),
        # A list published before the contract began binds nothing.
        (dt.date(2026, 9, 2), dt.date(2026, 8, 1), dt.date(2026, 9, 2), EarliestReason.CONTRACT),
        # A tie says the month is published.
        (dt.date(2026, 9, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1), EarliestReason.PUBLISHED),
        (dt.date(2026, 8, 31), dt.date(2026, 8, 1), dt.date(2026, 9, 1), EarliestReason.PUBLISHED),
    ],
)
def test_earliest_inspection_day(first_contract_on, last_published_month, on, reason):
    earliest = earliest_inspection_day(
        floor=FLOOR, first_contract_on=first_contract_on, last_published_month=last_published_month
    )
    assert (earliest.on, earliest.reason) == (on, reason)


# --- complaint_finding_day ---------------------------------------------------------------------

CONTRACT_ON = dt.date(2025, 6, 16)


@pytest.mark.parametrize(
    ("received_on", "verified_on", "last_published_month", "on", "moved", "refusal"),
    [
        # Nothing published: the finding is dated the day the complaint was received.
        (dt.date(2026, 3, 10), dt.date(2026, 4, 20), None, dt.date(2026, 3, 10), False, None),
        # Received in an open month: that day, however late it is verified.
        (
            dt.date(2026, 3, 1),
            dt.date(2026, 4, 20),
            dt.date(2026, 2, 1),
            dt.date(2026, 3, 1),
            False,
            None,
        ),
        # Received on the published month's last day: it counts when it is found true.
        (
            dt.date(2026, 2, 28),
            dt.date(2026, 4, 20),
            dt.date(2026, 2, 1),
            dt.date(2026, 4, 20),
            True,
            None,
        ),
        # Found true on the first open day.
        (
            dt.date(2026, 1, 5),
            dt.date(2026, 3, 1),
            dt.date(2026, 2, 1),
            dt.date(2026, 3, 1),
            True,
            None,
        ),
        # Before the first contract: no company to hold to it, even if months were published.
        (
            dt.date(2025, 6, 15),
            dt.date(2026, 4, 20),
            dt.date(2026, 2, 1),
            None,
            False,
            (CONTRACT_ON, EarliestReason.CONTRACT),
        ),
        # The contract's first day is the company's.
        (
            CONTRACT_ON,
            dt.date(2025, 6, 20),
            None,
            CONTRACT_ON,
            False,
            None,
        ),
        # A month published before it ended leaves nothing open to count in.
        (
            dt.date(2026, 2, 10),
            dt.date(2026, 2, 20),
            dt.date(2026, 2, 1),
            None,
            False,
            (dt.date(2026, 3, 1), EarliestReason.PUBLISHED),
        ),
    ],
)
def test_complaint_finding_day(received_on, verified_on, last_published_month, on, moved, refusal):
    placed = complaint_finding_day(
        received_on=received_on,
        verified_on=verified_on,
        floor=FLOOR,
        first_contract_on=CONTRACT_ON,
        last_published_month=last_published_month,
    )
    got_refusal = (placed.refusal.on, placed.refusal.reason) if placed.refusal else None
    assert (placed.on, placed.moved, got_refusal) == (on, moved, refusal)


def test_a_complaint_before_the_floor_is_refused_for_a_courtyard():
    placed = complaint_finding_day(
        received_on=dt.date(1999, 12, 31),
        verified_on=dt.date(2026, 1, 2),
        floor=FLOOR,
        first_contract_on=None,
        last_published_month=None,
    )
    assert (placed.on, placed.refusal) == (None, Earliest(FLOOR, EarliestReason.FLOOR))


@pytest.mark.parametrize(
    ("received_on", "found_on", "later"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 1, 31), False),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), False),
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1), True),
        (dt.date(2025, 3, 10), dt.date(2026, 3, 10), True),  # the same month of another year
    ],
)
def test_counts_in_later_month(received_on, found_on, later):
    assert counts_in_later_month(received_on, found_on) is later
