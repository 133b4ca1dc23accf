"""What a Chinese input method types, folded to what the code compares."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tongde.text import fold_number, fold_width, long_date


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("１２３", "123"),  # full-width digits
        ("１２．５", "12.5"),  # full-width full stop
        ("１，２３４", "1,234"),  # full-width comma: kept as a comma here
        ("－３", "-3"),  # full-width hyphen-minus
        ("９０％", "90%"),  # full-width percent sign
        ("\u3000１２\u3000", "12"),  # ideographic spaces around
        ("１/２／１０１", "1/2/101"),  # mixed widths, full-width solidus
        ("ＡＢｃ-１２", "ABc-12"),  # full-width letters keep their case
        ("12.5", "12.5"),  # already ASCII
        ("  7 ", "7"),
        ("张三", "张三"),  # Chinese characters are not touched
        ("", ""),
    ],
)
def test_fold_width(typed, folded):
    assert fold_width(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("１２", "12"),
        ("１２．５", "12.5"),
        ("12。5", "12.5"),  # the Chinese full stop is the decimal point in a number
        ("－３", "-3"),
        ("\u22123", "-3"),  # the minus sign
        ("１，２３４", "1234"),  # thousands, full-width comma
        ("12,345.6", "12345.6"),
        ("-1,000", "-1000"),
        ("1,5", "1,5"),  # not thousands: left for the field to refuse
        ("1,23", "1,23"),
        ("12,3456", "12,3456"),
        ("９０％", "90%"),  # the percent sign stays: only a percent field may drop it
        ("\u3000", ""),
        ("", ""),
        ("0.9", "0.9"),
    ],
)
def test_fold_number(typed, folded):
    assert fold_number(typed) == folded


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "2026年11月28日"), ("en", "28 November 2026")],
)
def test_long_date_says_a_day_as_prose_does(language, expected):
    with translation.override(language):
        assert long_date(dt.date(2026, 11, 28)) == expected
