"""The public score trend chart (server-side SVG): one point per month, and month labels that
never overlap, whatever the number of months, with the latest month always labelled."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from scorecards import rules
from scorecards.public import trend_svg

LABEL = re.compile(
    r'<text x="([\d.]+)" y="[\d.]+" font-size="15" text-anchor="(\w+)"[^>]*>([^<]+)<'
)
# A "2026-10" label at font size 15 is about 60 units wide.
LABEL_WIDTH = 60


def _months(n: int) -> list[tuple[str, Decimal, str]]:
    return [(f"{2024 + i // 12}-{i % 12 + 1:02d}", Decimal(80 + i % 15), "none") for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 10, 11, 12, 24, 36])
def test_labels_do_not_overlap_and_the_latest_month_is_labelled(n):
    svg = trend_svg(_months(n), bands=rules.DEFAULT_BANDS, title="t")
    assert svg.count("<circle") == n
    labels = [(float(x), anchor, text) for x, anchor, text in LABEL.findall(svg)]
    assert labels[-1][2] == _months(n)[-1][0]
    assert 1 <= len(labels) <= 6
    # Left edges of labels: centred ones start half a width before x, the last ends at x.
    starts = [x - (LABEL_WIDTH if anchor == "end" else LABEL_WIDTH / 2) for x, anchor, _ in labels]
    ends = [start + LABEL_WIDTH for start in starts]
    for end, next_start in zip(ends, starts[1:], strict=False):
        assert end <= next_start, labels
