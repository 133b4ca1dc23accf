"""The staff's working lists of inspections, complaints and rectification items: what they show
first, how they narrow down, and their spreadsheet downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from scorecards import inspections
from scorecards.models import Rectification
from tests.scorecards.test_inspections import finding_input

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _inspect(compound, user, days_ago: int = 2, **finding):
    day = _today() - dt.timedelta(days=days_ago)
    return inspections.inspection_record(
        compound=compound,
        day=day,
        inspector=user,
        findings=[finding_input(compound.community, **finding)],
        today=day,
    )


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def items(compound_a, compound_b, staff):
    """An open item of 甲 (overdue), an open item of 乙, and a closed one of 甲."""
    _inspect(compound_a, staff, days_ago=20, deadline_on=_today() - dt.timedelta(days=3))
    _inspect(compound_b, staff, days_ago=2)
    closed = _inspect(compound_a, staff, days_ago=10, description="已修好的灯")
    rect = Rectification.objects.get(finding__inspection=closed)
    Rectification.objects.filter(pk=rect.pk).update(
        status=Rectification.Status.CLOSED, closed_on=_today() - dt.timedelta(days=1)
    )
    return {"closed": rect}


def _shown(client, **params) -> list[Rectification]:
    response = client.get(reverse("scorecards:rectification_list"), params)
    assert response.status_code == 200
    return response.context["page"].object_list


def test_rectifications_open_on_the_items_not_yet_closed(client, items, staff):
    client.force_login(staff)

    # when: the page is opened from the menu, with no filter
    rows = _shown(client)

    # then: the closed item waits behind "all"; the most urgent deadline comes first
    assert items["closed"] not in rows
    assert len(rows) == 2
    assert rows[0].deadline_on < rows[1].deadline_on
    assert rows[0].overdue
    html = client.get(reverse("scorecards:rectification_list")).content.decode()
    assert '<option value="unfinished" selected>' in html


def test_rectifications_all_includes_the_closed_ones(client, items, staff):
    client.force_login(staff)
    rows = _shown(client, status="")
    assert items["closed"] in rows
    assert len(rows) == 3
    assert _shown(client, status="closed") == [items["closed"]]
    # the to-do page's links keep their meaning
    assert len(_shown(client, overdue="on")) == 1


def test_rectifications_download_the_filtered_items_with_headers(client, items, staff, compound_a):
    client.force_login(staff)

    # when: the open items of 甲 are downloaded in English
    response = client.get(
        "/en" + reverse("scorecards:rectification_list"),
        {"compound": compound_a.pk, "format": "xlsx"},
    )

    # then: one row, the open one, with the page's columns
    sheet = _workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Raised on", "Compound", "Property company")
    assert rows[0][-1] == "Overdue"
    assert len(rows) == 2
    row = rows[1]
    assert row[1] == compound_a.name
    assert row[-1] == "yes"
    assert row[-2] == 20  # age in days
    assert isinstance(row[0], dt.datetime)  # a real date Excel can sort by


def test_rectifications_download_link_keeps_the_filters(client, items, staff, compound_a):
    client.force_login(staff)
    html = client.get(
        reverse("scorecards:rectification_list"), {"compound": compound_a.pk}
    ).content.decode()
    assert f"compound={compound_a.pk}&amp;format=xlsx" in html


def test_another_role_cannot_download_rectifications(client, items, company_user_a):
    client.force_login(company_user_a)
    response = client.get(reverse("scorecards:rectification_list"), {"format": "xlsx"})
    assert response.status_code == 403


# --- inspections and complaints --------------------------------------------------------------------


def _inspections_shown(client, **params) -> set[int]:
    response = client.get(reverse("scorecards:inspection_list"), params)
    assert response.status_code == 200
    return {i.pk for i in response.context["page"].object_list}


def test_inspections_narrow_to_mine_a_compound_and_days(
    client, compound_a, compound_b, staff, grid_worker
):
    # given: the grid worker's visit to 甲 three weeks ago and to 乙 this week, staff's to 甲
    old = _inspect(compound_a, grid_worker, days_ago=21)
    recent = _inspect(compound_b, grid_worker, days_ago=2)
    theirs = _inspect(compound_a, staff, days_ago=3)
    client.force_login(grid_worker)

    # then
    assert _inspections_shown(client) == {old.pk, recent.pk, theirs.pk}
    assert _inspections_shown(client, mine="on") == {old.pk, recent.pk}
    assert _inspections_shown(client, inspector=staff.pk) == {theirs.pk}
    assert _inspections_shown(client, compound=compound_a.name[:1]) == {old.pk, theirs.pk}
    since = (_today() - dt.timedelta(days=7)).isoformat()
    assert _inspections_shown(client, mine="on", since=since) == {recent.pk}
    until = (_today() - dt.timedelta(days=7)).isoformat()
    assert _inspections_shown(client, until=until) == {old.pk}


def test_inspections_filter_offers_only_the_communitys_people(
    client, compound_a, staff, grid_worker, other_community
):
    from tests import factories

    stranger = factories.membership_user("staff", community=other_community)
    other_compound = factories.CompoundFactory(community=other_community, code="x")
    _inspect(compound_a, grid_worker)
    _inspect(other_compound, stranger)
    client.force_login(staff)
    field = (
        client.get(reverse("scorecards:inspection_list")).context["filter"].form["inspector"].field
    )
    assert set(field.queryset) == {grid_worker}
    # another community's inspector is refused as a choice, and never shows their visits
    response = client.get(reverse("scorecards:inspection_list"), {"inspector": stranger.pk})
    assert response.context["filter"].form.errors["inspector"]
    assert {i.inspector for i in response.context["page"].object_list} == {grid_worker}


def test_inspections_download_in_english(client, compound_a, grid_worker):
    _inspect(compound_a, grid_worker)
    client.force_login(grid_worker)
    response = client.get("/en" + reverse("scorecards:inspection_list"), {"format": "xlsx"})
    rows = list(_workbook(response).iter_rows(values_only=True))
    assert rows[0] == ("Inspected on", "Compound", "Inspector", "Findings", "Withdrawn")
    assert rows[1][1:] == (
        compound_a.name,
        grid_worker.get_full_name() or grid_worker.username,
        1,
        "no",
    )


def test_an_empty_filtered_list_says_the_filters_match_nothing(client, compound_a, staff):
    _inspect(compound_a, staff)
    client.force_login(staff)
    until = (_today() - dt.timedelta(days=30)).isoformat()
    html = client.get("/en" + reverse("scorecards:inspection_list"), {"until": until})
    assert "No inspection matches the filters." in html.content.decode()


def test_complaints_narrow_to_those_still_to_verify(client, compound_a, compound_b, staff):
    def log(compound, verified: bool):
        return inspections.complaint_log(
            compound=compound,
            received_on=_today(),
            channel="phone",
            summary="噪音",
            verified=verified,
            user=staff,
        )

    waiting, done = log(compound_a, False), log(compound_b, True)
    client.force_login(staff)

    def shown(**params) -> set[int]:
        response = client.get(reverse("scorecards:complaint_list"), params)
        return {c.pk for c in response.context["page"].object_list}

    assert shown() == {waiting.pk, done.pk}
    assert shown(verified="no") == {waiting.pk}
    assert shown(verified="yes") == {done.pk}
    assert shown(compound=compound_b.name) == {done.pk}


def test_forms_offer_the_managed_compounds_first(client, community, compound_a, grid_worker):
    from tests import factories

    factories.CompoundFactory(community=community, name="一号楼院", code="0", kind="courtyard")
    factories.CompoundFactory(community=community, name="十号小区", code="a10")
    factories.CompoundFactory(community=community, name="二号小区", code="a2")
    client.force_login(grid_worker)
    for name in ("inspection_create", "complaint_create"):
        form = client.get(reverse(f"scorecards:{name}")).context["form"]
        offered = [label for value, label in form.fields["compound"].choices if value]
        # Managed first, each group by name in pinyin order (èr, jiǎ, shí), not by code.
        assert offered == ["二号小区", compound_a.name, "十号小区", "一号楼院"], name
