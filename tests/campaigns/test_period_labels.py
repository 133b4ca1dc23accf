"""Periods and dates read as people say them, in each language, on the totals pages, their
spreadsheet, the meeting counts and the titles of an operation and a patrol: 2020年8月 and
August 2020, not 2020-08. Machine forms (2020-08, 2020-W33) stay in addresses, data attributes
and open data."""

# ruff: noqa: F811 -- the fixtures imported from test_views_campaigns are the arguments
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from campaigns import meetings
from campaigns.models import Meeting
from tests.campaigns.test_patrols import log
from tests.campaigns.test_patrols import world as patrol_world  # noqa: F401
from tests.campaigns.test_views_campaigns import (  # noqa: F401
    as_role,
    other_staff,
    world,
)

pytestmark = pytest.mark.django_db


def _url(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(f"campaigns:{name}", args=args)


def _period_cells(html: str) -> list[str]:
    body = html.split('id="totals-by-period"', 1)[1].split("</tbody>", 1)[0]
    # The label, whether or not it links to its operations (the staff page's does).
    return re.findall(r'<td class="text-nowrap">(?:<a [^>]*>)?([^<]*)<', body)


TOTALS = [
    # (language, kind, first row, the row of the operations of 14 August and 4 September)
    ("zh-hans", "month", "2020年1月", "2020年8月"),
    ("en", "month", "January 2020", "August 2020"),
    ("zh-hans", "quarter", "2020年第1季度", "2020年第3季度"),
    ("en", "quarter", "Q1 2020", "Q3 2020"),
    ("zh-hans", "week", "2020年第1周", "2020年第33周"),
    ("en", "week", "Week 1, 2020", "Week 33, 2020"),
]


@pytest.mark.parametrize(("language", "kind", "first", "august"), TOTALS)
@pytest.mark.parametrize("page", ["totals", "public_totals"])
def test_the_totals_pages_name_their_periods_in_words(
    world, staff, client, page, language, kind, first, august
):
    client.force_login(staff)
    args = [world.slug] if page == "public_totals" else []
    response = client.get(_url(language, page, *args), {"year": 2020, "kind": kind})
    cells = _period_cells(response.content.decode())
    if page == "public_totals" and kind != "month":
        # the public page is by month only
        assert cells[0] in ("2020年1月", "January 2020")
        return
    assert cells[0] == first
    assert august in cells
    assert not [cell for cell in cells if re.fullmatch(r"\d{4}-(W|Q)?\d+", cell)]


@pytest.mark.parametrize(
    ("language", "sheet", "months"),
    [
        ("zh-hans", "按期间统计", [f"2020年{m}月" for m in range(1, 13)]),
        ("en", "By period", ["January 2020", "February 2020", "March 2020", "April 2020",
                             "May 2020", "June 2020", "July 2020", "August 2020",
                             "September 2020", "October 2020", "November 2020", "December 2020"]),
    ],
)  # fmt: skip
def test_the_totals_spreadsheet_names_its_months_in_words(
    world, staff, client, language, sheet, months
):
    client.force_login(staff)
    response = client.get(_url(language, "totals"), {"format": "xlsx", "year": 2020})
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:-1]] == months


@pytest.mark.parametrize(
    ("language", "title"),
    [("zh-hans", "2020年8月14日"), ("en", "14 August 2020")],
)
def test_an_operation_is_titled_with_its_date_in_words(world, staff, client, language, title):
    client.force_login(staff)
    html = client.get(_url(language, "campaign_detail", world.op_a.pk)).content.decode()
    assert f"<title>{title} " in html
    assert re.search(rf"<h1[^>]*>{re.escape(title)} ", html)
    assert "2020-08-14 " not in html.split("</h1>", 1)[0]


@pytest.mark.parametrize(
    ("language", "when"),
    [("zh-hans", "2020年8月17日"), ("en", "17 August 2020")],
)
def test_a_patrol_is_titled_with_its_date_in_words(patrol_world, client, language, when):
    patrol = log(patrol_world)
    client.force_login(patrol_world.staff)
    html = client.get(_url(language, "patrol_detail", patrol.pk)).content.decode()
    head = html.split("</h1>", 1)[0]
    assert when in head.split("</title>", 1)[0]
    assert when in head.split("</title>", 1)[1]
    assert "2020-08-17" not in head


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "2026年3月"), ("en", "March 2026")])
def test_meeting_counts_name_their_periods_in_words(community, staff, client, language, heading):
    meetings.meeting_create(
        community=community,
        data={"kind": Meeting.Kind.PROMOTION, "held_on": dt.date(2026, 3, 9), "title": "部署会"},
        attendance=[{"organisation": "community", "name": "", "persons": 3}],
        user=staff,
    )
    client.force_login(staff)
    html = client.get(_url(language, "meeting_counts"), {"by": "month"}).content.decode()
    assert f'<tr data-period="2026-03">\n      <th scope="row">{heading}</th>' in html
