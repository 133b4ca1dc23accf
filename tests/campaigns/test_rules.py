"""The designation-rate rule and the load flag, at their boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from campaigns.rules import (
    deadline_countdown,
    designation_rate,
    is_mismatched_load,
    meets_target,
)


@pytest.mark.parametrize(
    ("count", "eligible", "expected"),
    [
        (4, 5, Decimal("0.8000")),
        (5, 16, Decimal("0.3125")),
        (1, 3, Decimal("0.3333")),
        (2, 3, Decimal("0.6667")),  # half-up on the fifth decimal
        (1, 8, Decimal("0.1250")),
        (0, 7, Decimal("0.0000")),
        (7, 7, Decimal("1.0000")),
        (0, 0, None),  # nothing eligible: no rate rather than 0 %
    ],
)
def test_designation_rate(count, eligible, expected):
    assert designation_rate(count, eligible) == expected


@pytest.mark.parametrize(
    ("count", "eligible", "target", "expected"),
    [
        # premium compounds, target 80 %: one below, exactly at, one above
        (3, 5, "0.80", False),
        (4, 5, "0.80", True),
        (5, 5, "0.80", True),
        # model courtyards, target 30 %
        (2, 10, "0.30", False),
        (3, 10, "0.30", True),
        (4, 10, "0.30", True),
        (5, 16, "0.30", True),  # 0.3125
        (4, 16, "0.30", False),  # 0.25
        # a rate that rounds to the target but lies below it must fail: 2999/10000 vs 0.3
        (2999, 10000, "0.3", False),
        (3000, 10000, "0.3", True),
        # 1/3 displays 0.3333 but is exactly above 0.3333
        (1, 3, "0.3333", True),
        (1, 3, "0.334", False),
        # nothing eligible: only a zero target is met
        (0, 0, "0.30", False),
        (0, 0, "0", True),
        (0, 5, "0", True),
    ],
)
def test_meets_target_exactly(count, eligible, target, expected):
    assert meets_target(count, eligible, Decimal(target)) is expected


@pytest.mark.parametrize(
    ("count", "eligible", "target"),
    [(-1, 5, "0.8"), (6, 5, "0.8"), (1, -1, "0.8"), (1, 5, "1.01"), (1, 5, "-0.1")],
)
def test_meets_target_refuses_nonsense(count, eligible, target):
    with pytest.raises(ValueError):  # noqa: PT011 -- one error type, several messages
        meets_target(count, eligible, Decimal(target))


@pytest.mark.parametrize(
    ("truckloads", "tonnes", "expected"),
    [
        (0, "0", False),
        (3, "7.50", False),
        (3, "0", True),
        (0, "0.01", True),
        (1, "0.01", False),
    ],
)
def test_is_mismatched_load(truckloads, tonnes, expected):
    assert is_mismatched_load(truckloads, Decimal(tonnes)) is expected


# --- the deadline countdown --------------------------------------------------------------------

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("deadline_on", "expected", "days_left", "is_overdue", "is_due_soon"),
    [
        (dt.date(2026, 11, 29), "due in 3 days", 3, False, False),
        (dt.date(2026, 11, 28), "due in 2 days", 2, False, False),
        (dt.date(2026, 11, 27), "due in 1 day", 1, False, True),  # one ahead: singular
        (dt.date(2026, 11, 26), "due today", 0, False, True),  # the day itself is in time
        (dt.date(2026, 11, 25), "1 day overdue", -1, True, False),  # one past
        (dt.date(2026, 11, 23), "3 days overdue", -3, True, False),
        (dt.date(2025, 11, 26), "365 days overdue", -365, True, False),
    ],
)
def test_deadline_countdown(deadline_on, expected, days_left, is_overdue, is_due_soon):
    # when
    with translation.override("en"):
        countdown = deadline_countdown(deadline_on, today=TODAY)

    # then
    assert countdown.label == expected
    assert countdown.days_left == days_left
    assert countdown.is_overdue is is_overdue
    assert countdown.is_due_soon is is_due_soon
