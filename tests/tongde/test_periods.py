from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tongde.periods import (
    Period,
    PeriodKind,
    iso_weeks_in_year,
    last_complete,
    local_date,
    parse_period,
    period_containing,
    periods_between,
)

D = dt.date
SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "label"),
    [
        # ISO week 53: 2020 and 2026 have one; it spans the new year.
        ("week", D(2020, 12, 31), D(2020, 12, 28), D(2021, 1, 4), "2020-W53"),
        ("week", D(2021, 1, 3), D(2020, 12, 28), D(2021, 1, 4), "2020-W53"),
        ("week", D(2021, 1, 4), D(2021, 1, 4), D(2021, 1, 11), "2021-W01"),
        ("week", D(2026, 12, 31), D(2026, 12, 28), D(2027, 1, 4), "2026-W53"),
        # Week 1 that starts in the previous calendar year.
        ("week", D(2025, 1, 1), D(2024, 12, 30), D(2025, 1, 6), "2025-W01"),
        ("week", D(2026, 11, 29), D(2026, 11, 23), D(2026, 11, 30), "2026-W48"),
        # Month ends: 28, 29, 30, 31 days.
        ("month", D(2023, 2, 28), D(2023, 2, 1), D(2023, 3, 1), "2023-02"),
        ("month", D(2024, 2, 29), D(2024, 2, 1), D(2024, 3, 1), "2024-02"),
        ("month", D(2026, 4, 30), D(2026, 4, 1), D(2026, 5, 1), "2026-04"),
        ("month", D(2026, 12, 31), D(2026, 12, 1), D(2027, 1, 1), "2026-12"),
        # Quarter ends.
        ("quarter", D(2026, 3, 31), D(2026, 1, 1), D(2026, 4, 1), "2026-Q1"),
        ("quarter", D(2026, 4, 1), D(2026, 4, 1), D(2026, 7, 1), "2026-Q2"),
        ("quarter", D(2026, 9, 30), D(2026, 7, 1), D(2026, 10, 1), "2026-Q3"),
        ("quarter", D(2026, 12, 31), D(2026, 10, 1), D(2027, 1, 1), "2026-Q4"),
        ("year", D(2020, 8, 17), D(2020, 1, 1), D(2021, 1, 1), "2020"),
    ],
)
def test_period_containing(kind, day, start, end, label):
    period = period_containing(kind, day)

    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.start <= day < period.end
    assert parse_period(kind, label) == period


@pytest.mark.parametrize(
    ("year", "weeks"), [(2015, 53), (2019, 52), (2020, 53), (2021, 52), (2026, 53), (2027, 52)]
)
def test_iso_weeks_in_year(year, weeks):
    assert iso_weeks_in_year(year) == weeks


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("week", "2021-W53"),  # 2021 has 52 weeks
        ("week", "2026-W00"),
        ("month", "2026-13"),
        ("month", "2026-00"),
        ("quarter", "2026-Q5"),
        ("year", "26"),
        ("month", "2026-Q1"),
    ],
)
def test_parse_period_refuses_what_does_not_exist(kind, label):
    with pytest.raises(ValueError, match=r".+"):
        parse_period(kind, label)


def test_a_period_must_start_on_its_boundary():
    with pytest.raises(ValueError, match="does not start"):
        Period(PeriodKind.MONTH, D(2026, 10, 2))


@pytest.mark.parametrize("kind", list(PeriodKind))
def test_next_and_previous_are_inverse_and_adjacent(kind):
    period = period_containing(kind, D(2026, 11, 27))

    assert period.next().previous() == period
    assert period.next().start == period.end
    assert period.previous().end == period.start


def test_shanghai_boundaries_are_local_midnight_without_dst():
    # given the whole of 2020, every month boundary is 16:00 UTC the day before
    months = periods_between(parse_period("month", "2020-01"), parse_period("month", "2020-12"))

    # then: UTC+8 all year round, no daylight saving
    assert len(months) == 12
    for month in months:
        assert month.start_at.utcoffset() == dt.timedelta(hours=8)
        assert month.start_at.astimezone(dt.UTC).hour == 16
    lengths = [(m.end_at - m.start_at) / dt.timedelta(days=1) for m in months]
    assert lengths == [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@pytest.mark.parametrize(
    ("utc", "kind", "label"),
    [
        # 15:59 UTC on 31 Oct is still 31 Oct in Shanghai: October is not over.
        (dt.datetime(2026, 10, 31, 15, 59, tzinfo=dt.UTC), "month", "2026-09"),
        # 16:00 UTC on 31 Oct is midnight on 1 Nov in Shanghai: October is complete.
        (dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC), "month", "2026-10"),
        (dt.datetime(2026, 11, 29, 16, 0, tzinfo=dt.UTC), "week", "2026-W48"),
        (dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.UTC), "week", "2026-W47"),
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=SH), "quarter", "2026-Q4"),
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=SH), "year", "2026"),
    ],
)
def test_last_complete_uses_the_shanghai_date(utc, kind, label):
    assert last_complete(kind, utc).label == label


def test_local_date_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        local_date(dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_periods_between_includes_both_ends():
    first = parse_period("quarter", "2025-Q4")
    last = parse_period("quarter", "2026-Q2")

    assert [p.label for p in periods_between(first, last)] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert periods_between(last, first) == []


DISPLAYS = [
    # (kind, day, Chinese, English): what readers see; the label stays for machines
    ("week", D(2026, 11, 23), "2026年第48周", "Week 48, 2026"),
    ("week", D(2026, 1, 5), "2026年第2周", "Week 2, 2026"),  # not zero-padded
    # ISO week 53 of 2020 runs into 2021, ISO week 1 of 2021 starts in it: the ISO year
    ("week", D(2021, 1, 3), "2020年第53周", "Week 53, 2020"),
    ("week", D(2019, 12, 30), "2020年第1周", "Week 1, 2020"),
    ("month", D(2020, 3, 1), "2020年3月", "March 2020"),
    ("month", D(2026, 12, 31), "2026年12月", "December 2026"),
    ("quarter", D(2026, 10, 1), "2026年第4季度", "Q4 2026"),
    ("year", D(2026, 6, 1), "2026年", "2026"),
]


@pytest.mark.parametrize(("kind", "day", "zh", "en"), DISPLAYS)
def test_display_reads_as_people_say_the_period_in_each_language(kind, day, zh, en):
    from django.utils import translation

    period = period_containing(kind, day)
    with translation.override("zh-hans"):
        assert period.display == zh
    with translation.override("en"):
        assert period.display == en
    # the label, for addresses, open data and CSV, is the same in every language
    with translation.override("en"):
        label = period.label
    assert period.label == label == str(period)
    assert parse_period(kind, label) == period
