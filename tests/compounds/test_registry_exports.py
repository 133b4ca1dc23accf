"""Spreadsheet downloads of the room, household and owner lists: community staff only, their own
community's rows only, the list's filters applied, headers in the page's language, real dates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tests import factories

pytestmark = pytest.mark.django_db

LISTS = ["dwelling_list", "household_list", "owner_list"]


def en_url(name: str) -> str:
    with translation.override("en"):
        return reverse(f"compounds:{name}")


def rows_of(response) -> list[list]:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def registry(community, other_community, compound_a, compound_b):
    """A room with an owner and a household in compounds 甲 and 乙, and one in another
    community."""

    def room(compound, code, owner_ref, head):
        unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
        owner = factories.OwnerFactory(
            community=compound.community, owner_ref=owner_ref, phone="13800000000"
        )
        dwelling = factories.DwellingFactory(unit=unit, code=code, owner=owner)
        factories.HouseholdFactory(
            dwelling=dwelling, head_name=head, moved_in_on=dt.date(2021, 3, 4)
        )

    room(compound_a, "甲-101", "A-1", "甲户主")
    room(compound_b, "乙-201", "B-1", "乙户主")
    other = factories.CompoundFactory(community=other_community, name="他小区", code="o")
    room(other, "他-301", "O-1", "他户主")


OURS = ["A-1", "B-1", "甲户主", "乙户主", "甲-101", "乙-201"]
OTHER = ["O-1", "他户主", "他-301"]


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("resident", 403),
        ("company_user_a", 403),
        ("committee_member_a", 403),
        ("grid_worker", 403),
        ("staff", 200),
        ("other_staff", 200),
    ],
)
def test_only_community_staff_download(request, client, registry, name, who, status):
    if who is not None:
        client.force_login(request.getfixturevalue(who))
    response = client.get(en_url(name), {"format": "xlsx"})
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment")
        rows = rows_of(response)
        text = repr(rows)
        own, foreign = (OTHER, OURS) if who == "other_staff" else (OURS, OTHER)
        assert len(rows) > 1
        assert any(word in text for word in own)
        assert not any(word in text for word in foreign)  # another community's rows never appear


def test_the_household_download_applies_the_filters_and_keeps_dates(
    client, staff, registry, compound_b
):
    client.force_login(staff)
    everything = rows_of(client.get(en_url("household_list"), {"format": "xlsx"}))
    assert everything[0] == [
        "Community",
        "Compound",
        "Building",
        "Unit",
        "Dwelling",
        "Head of household",
        "Residents",
        "Owner lives here",
        "Moved in",
        "Moved out",
    ]
    assert {r[5] for r in everything[1:]} == {"甲户主", "乙户主"}
    assert all(r[8] == dt.datetime(2021, 3, 4) for r in everything[1:])  # a real date cell
    filtered = rows_of(
        client.get(en_url("household_list"), {"format": "xlsx", "compound": compound_b.pk})
    )
    assert [r[5] for r in filtered[1:]] == ["乙户主"]


def test_the_owner_download_has_the_phone_staff_see(client, staff, registry):
    client.force_login(staff)
    rows = rows_of(client.get(en_url("owner_list"), {"format": "xlsx", "q": "A-1"}))
    assert rows[0][:5] == ["Community", "Reference", "Name", "Kind", "Phone"]
    assert [(r[1], r[4]) for r in rows[1:]] == [("A-1", "13800000000")]


def test_the_room_download_lists_rooms_in_counted_order(client, staff, compound_a):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    for code in ["1001", "101", "201"]:
        factories.DwellingFactory(unit=unit, code=code)
    client.force_login(staff)
    rows = rows_of(client.get(en_url("dwelling_list"), {"format": "xlsx"}))
    assert rows[0][4] == "Dwelling"
    assert [r[4] for r in rows[1:]] == ["101", "201", "1001"]


@pytest.mark.parametrize("name", LISTS)
def test_the_button_is_for_staff_only(client, staff, grid_worker, registry, name):
    client.force_login(staff)
    assert 'data-export="xlsx"' in client.get(en_url(name)).content.decode()
    client.force_login(grid_worker)
    assert 'data-export="xlsx"' not in client.get(en_url(name)).content.decode()


def _add_rooms(compound, n: int) -> None:
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    for i in range(n):
        owner = factories.OwnerFactory(community=compound.community, owner_ref=f"Q-{unit.pk}-{i}")
        dwelling = factories.DwellingFactory(unit=unit, code=f"{i + 1:03d}", owner=owner)
        factories.HouseholdFactory(dwelling=dwelling, head_name=f"户主{i}")


@pytest.mark.parametrize("name", LISTS)
def test_a_download_takes_the_same_queries_for_more_rows(client, staff, compound_a, name):
    # Every row is read with what it shows (address, owner, counts): no query per row.
    client.force_login(staff)
    _add_rooms(compound_a, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(en_url(name), {"format": "xlsx"}).status_code == 200
    _add_rooms(compound_a, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(en_url(name), {"format": "xlsx"})
    assert len(rows_of(response)) > 14
    assert len(many) == len(few)
