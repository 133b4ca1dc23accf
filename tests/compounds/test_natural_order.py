"""The registry lists buildings, units and rooms as people count them: 2号楼 before 10号楼,
room 101 before room 1001, 楼院2号 before 楼院14号 (the database alone compares them as text)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from compounds.models import Building, Dwelling
from compounds.selectors import natural
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tower(compound_a):
    """Buildings 1, 2 and 10 of 甲; building 1 has units 1, 2 and 10, its unit 1 rooms of
    floors 1, 2, 10 and 11."""
    buildings = {
        code: factories.BuildingFactory(compound=compound_a, code=code)
        for code in ["10号楼", "2号楼", "1号楼"]
    }
    units = {
        code: factories.UnitFactory(building=buildings["1号楼"], code=code)
        for code in ["10单元", "1单元", "2单元"]
    }
    for code in ["1101", "101", "1001", "201"]:
        factories.DwellingFactory(unit=units["1单元"], code=code)
    return buildings["1号楼"]


def _in_page_order(html: str, words: list[str]) -> list[str]:
    found = [(m.start(), w) for w in words for m in re.finditer(re.escape(f">{w}<"), html)]
    return [w for _pos, w in sorted(found)]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["10号楼", "2号楼", "1号楼"], ["1号楼", "2号楼", "10号楼"]),
        (["1001", "101", "1101", "201"], ["101", "201", "1001", "1101"]),
        (["楼院14号", "楼院2号", "楼院8号"], ["楼院2号", "楼院8号", "楼院14号"]),
        (["B座", "A座"], ["A座", "B座"]),
        (["01号楼", "1号楼"], ["01号楼", "1号楼"]),  # the same number: as stored, stably
    ],
)
def test_natural_order(compound_a, codes, expected):
    for code in codes:
        factories.BuildingFactory(compound=compound_a, code=code)
    ordered = Building.objects.order_by(*natural("code")).values_list("code", flat=True)
    assert list(ordered) == expected


def test_the_compound_lists_its_buildings_as_counted(client, staff, compound_a, tower):
    client.force_login(staff)
    html = client.get(reverse("compounds:compound_detail", args=[compound_a.pk])).content.decode()
    assert _in_page_order(html, ["10号楼", "2号楼", "1号楼"]) == ["1号楼", "2号楼", "10号楼"]


def test_the_building_list_is_in_counted_order(client, staff, compound_a, tower):
    client.force_login(staff)
    html = client.get(reverse("compounds:building_list")).content.decode()
    assert _in_page_order(html, ["10号楼", "2号楼", "1号楼"]) == ["1号楼", "2号楼", "10号楼"]


def test_a_building_lists_units_and_rooms_by_floor(client, staff, tower):
    client.force_login(staff)
    html = client.get(reverse("compounds:building_detail", args=[tower.pk])).content.decode()
    units = re.findall(r"(\d+单元)", html)
    assert [u for i, u in enumerate(units) if u not in units[:i]] == ["1单元", "2单元", "10单元"]
    rooms = [d.code for d in Dwelling.objects.all()]
    assert _in_page_order(html, rooms) == ["101", "201", "1001", "1101"]
