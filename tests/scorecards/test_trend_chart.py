"""The public score trend chart (server-side SVG): one point per month, and month labels that
never overlap, whatever the number of months, with the latest month always labelled."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from scorecards import rules
from scorecards.public import CHART_WIDTH, trend_svg

LABEL = re.compile(
    r'<text x="([\d.]+)" y="[\d.]+" font-size="18" text-anchor="(\w+)"[^>]*>(\d{4}-\d{2})<'
)
# A "2026-10" label at font size 18 is about 72 units wide.
LABEL_WIDTH = 72


def _months(n: int) -> list[tuple[str, Decimal, str]]:
    return [(f"{2024 + i // 12}-{i % 12 + 1:02d}", Decimal(80 + i % 15), "none") for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 10, 11, 12, 24, 36])
def test_labels_do_not_overlap_and_the_latest_month_is_labelled(n):
    svg = trend_svg(_months(n), bands=rules.DEFAULT_BANDS, title="t")
    assert svg.count("<circle") == n
    labels = [(float(x), anchor, text) for x, anchor, text in LABEL.findall(svg)]
    assert labels[-1][2] == _months(n)[-1][0]
    assert 1 <= len(labels) <= 4
    # Left edges of labels: centred ones start half a width before x, the last ends at x.
    shift = {"end": LABEL_WIDTH, "middle": LABEL_WIDTH / 2, "start": 0}
    starts = [x - shift[anchor] for x, anchor, _ in labels]
    ends = [start + LABEL_WIDTH for start in starts]
    for end, next_start in zip(ends, starts[1:], strict=False):
        assert end <= next_start, labels


def test_labels_step_evenly_back_from_the_latest_month():
    for n in (7, 12, 24, 36):
        svg = trend_svg(_months(n), bands=rules.DEFAULT_BANDS, title="t")
        xs = [float(x) for x, _anchor, _text in LABEL.findall(svg)]
        gaps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
        assert max(gaps) - min(gaps) <= 1, (n, xs)


def test_an_unranked_month_has_no_point_and_breaks_the_line():
    points = [
        ("2025-11", Decimal("88"), "none"),
        ("2025-12", Decimal("100"), "unranked"),
        ("2026-01", Decimal("91"), "red"),
        ("2026-02", Decimal("92"), "red"),
    ]
    svg = trend_svg(points, bands=rules.DEFAULT_BANDS, title="t")
    assert svg.count("<circle") == 3
    assert "2025-12: " not in svg
    # One segment, from January to February; November stands alone.
    assert svg.count("<polyline") == 1


def test_chart_has_a_bounded_size_labelled_lines_and_a_legend():
    with translation.override("en"):
        svg = trend_svg(_months(6), bands=rules.DEFAULT_BANDS, title="t", legend=True)
    assert svg.count("<circle") == 6  # the legend's swatches are not points
    assert f'style="max-width: {CHART_WIDTH}px"' in svg
    assert "Red list line 90" in svg
    assert "Black list line 70" in svg
    for label in ("Red list", "Black list", "Not listed"):
        assert f">{label}</text>" in svg
    assert ">Not listed</text>" not in trend_svg(_months(6), bands=rules.DEFAULT_BANDS)


LINE_VALUE = re.compile(
    r'<text x="([\d.]+)" y="([\d.]+)" font-size="16"[^>]*><title>[^<]*</title>([\d.]+)<'
)
POINT = re.compile(r'<circle cx="([\d.]+)" cy="[\d.]+" r="(\d+)"')


@pytest.mark.parametrize(
    ("red_at", "black_below"),
    [("90", "70"), ("80", "79"), ("75", "75"), ("100", "0"), ("60", "59.5")],
)
def test_line_values_stay_clear_of_the_points_and_of_each_other(red_at, black_below):
    bands = rules.Bands(red_at=Decimal(red_at), black_below=Decimal(black_below))
    points = [(f"2026-{m:02d}", Decimal(red_at), "red") for m in range(1, 13)]
    svg = trend_svg(points, bands=bands, title="t")
    rightmost_point = max(float(cx) + float(r) for cx, r in POINT.findall(svg))
    values = [(float(x), float(y), text) for x, y, text in LINE_VALUE.findall(svg)]
    assert [text for _, _, text in values] == [f"{Decimal(red_at):g}", f"{Decimal(black_below):g}"]
    assert all(x > rightmost_point for x, _, _ in values)
    assert abs(values[0][1] - values[1][1]) >= 18 - 0.1  # rounded to tenths
    # At about 10 units a character at font size 16, each value fits in the view box.
    assert all(x + 10 * len(text) <= CHART_WIDTH for x, _, text in values)


def test_line_values_read_as_people_write_them():
    # given the bands as the settings store them, with two decimal places
    bands = rules.Bands(red_at=Decimal("90.00"), black_below=Decimal("59.50"))

    # when the chart is drawn
    with translation.override("en"):
        svg = trend_svg(_months(3), bands=bands, title="t")

    # then the lines say 90 and 59.5, short enough for the margin
    values = [text for _, _, text in LINE_VALUE.findall(svg)]
    assert values == ["90", "59.5"]
    assert "Red list line 90<" in svg
    assert "90.00" not in svg


def test_the_legend_fits_the_chart_in_english_and_chinese():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            svg = trend_svg(_months(6), bands=rules.DEFAULT_BANDS, title="t", legend=True)
        legend = re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="16"[^>]*>([^<]+)<', svg)
        x, text = legend[-1]
        assert float(x) + 10 * len(text) <= CHART_WIDTH, (language, legend)
