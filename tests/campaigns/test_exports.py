"""Excel downloads of the operations list and the totals: the rows the page would show (same
filters, same scope for each role), every one rather than one page, translated headers, figures
as numbers; a query count that does not grow with the rows."""

# ruff: noqa: F811 -- the fixtures imported from test_views_campaigns are the arguments
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from tests.campaigns.factories import CampaignFactory, DisorderFactory
from tests.campaigns.test_views_campaigns import (  # noqa: F401
    _bulk_operations,
    as_role,
    other_staff,
    world,
)

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_staff_download_every_filtered_operation_not_one_page(world, staff, client, community):
    client.force_login(staff)
    for day in range(60):  # more than a page of 50
        CampaignFactory(community=community, held_on=dt.date(2021, 1, 1) + dt.timedelta(days=day))
    response = client.get(
        reverse("campaigns:campaign_list"), {"format": "xlsx", "held_after": "2021-01-01"}
    )
    (rows,) = _sheets(response).values()
    header, *data = rows
    assert header[:3] == ("日期", "类型", "主题")
    assert len(data) == 60
    assert {row[0].date() for row in data} == {
        dt.date(2021, 1, 1) + dt.timedelta(days=d) for d in range(60)
    }


def test_a_row_carries_the_pages_figures(world, staff, client):
    client.force_login(staff)
    (rows,) = _sheets(client.get(reverse("campaigns:campaign_list"), {"format": "xlsx"})).values()
    by_date = {row[0].date(): row for row in rows[1:]}
    op_a = world.op_a
    row = by_date[op_a.held_on]
    assert row[3] == "甲小区"
    assert row[4] == "乱堆乱放"
    assert row[5:9] == (op_a.person_times, op_a.truckloads, float(op_a.tonnes), 0)
    assert row[9] == 2  # photos


def test_the_flagged_column_says_yes_or_no(world, staff, client, community):
    # given: one operation flagged for review (truckloads without tonnes), two not
    flagged = CampaignFactory(
        community=community, held_on=dt.date(2021, 3, 5), tonnes=Decimal(0), is_flagged=True
    )
    client.force_login(staff)
    # when
    (rows,) = _sheets(client.get(reverse("campaigns:campaign_list"), {"format": "xlsx"})).values()
    # then: every cell of the column is filled, in the page's language (Chinese here)
    header, *data = rows
    assert header[10] == gettext("Flagged") == "待复核"
    by_date = {row[0].date(): row[10] for row in data}
    assert by_date[flagged.held_on] == gettext("yes") == "是"
    assert by_date[world.op_a.held_on] == by_date[world.op_b.held_on] == gettext("no") == "否"


@pytest.mark.parametrize(
    ("role", "expected"), [("company_user_a", {"a"}), ("committee_member_a", {"a"})]
)
def test_each_role_downloads_only_what_it_may_list(world, as_role, role, expected):
    client = as_role(role)
    (rows,) = _sheets(client.get(reverse("campaigns:campaign_list"), {"format": "xlsx"})).values()
    dates = {world.op_a.held_on: "a", world.op_b.held_on: "b"}
    assert {dates[row[0].date()] for row in rows[1:]} == expected


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_no_download_without_the_right_to_the_list(world, as_role, role):
    client = as_role(role)
    response = client.get(reverse("campaigns:campaign_list"), {"format": "xlsx"})
    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != XLSX


def test_totals_download_has_the_three_tables_and_the_total_row(world, staff, client):
    client.force_login(staff)
    response = client.get(reverse("campaigns:totals"), {"format": "xlsx", "year": 2020})
    sheets = _sheets(response)
    assert list(sheets) == ["按期间统计", "按小区统计", "按乱象统计"]
    by_period = sheets["按期间统计"]
    assert by_period[0] == ("期间", "行动次数", "人次", "车次", "吨数", "车辆")
    *months, total = by_period[1:]
    assert len(months) == 12
    assert total[0] == "合计"
    assert total[1] == 2 == sum(row[1] for row in months)
    assert Decimal(str(total[4])) == world.op_a.tonnes + world.op_b.tonnes
    assert {row[0] for row in sheets["按小区统计"][1:]} == {"甲小区", "乙小区"}


@pytest.mark.parametrize("page", ["campaigns:campaign_list", "campaigns:totals"])
def test_download_queries_do_not_grow_with_operations(
    staff, client, community, compound_a, compound_b, page
):
    client.force_login(staff)
    disorder = DisorderFactory(community=community)
    params = {"format": "xlsx", "year": 2020}
    _bulk_operations(community, [compound_a, compound_b], disorder, 10)
    client.get(reverse(page), params)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(page), params)
    _bulk_operations(community, [compound_a, compound_b], disorder, 990)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse(page), params)
    assert len(small) == len(large)
    if page.endswith("list"):
        (rows,) = _sheets(response).values()
        assert len(rows) == 1 + 1000
