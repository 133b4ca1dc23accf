"""The registry lists buildings, units and rooms as people count them: 2号楼 before 10号楼,
room 101 before room 1001, 楼院2号 before 楼院14号 (the database alone compares them as text).

They sort by a stored, indexed ``sort_key`` (the code with its runs of digits zero-padded), filled
on save, in bulk writes, by the registry import and, for rows already there, by migration 0007."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from compounds.imports import parse_registry_file, registry_import
from compounds.models import Building, Dwelling, Unit, natural_sort_key
from compounds.selectors import by_code, natural
from tests import factories
from tests.compounds.test_imports import make_csv, row

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


EDGES = [
    ["1号楼", "2号楼", "10号楼"],
    ["101", "1001", "1101"],
    ["A1", "A2", "A10", "B2"],
    ["楼院2号", "楼院8号", "楼院14号", "楼院30号"],
    ["1-101", "1-1001", "2-101", "10-1"],
    ["9", "99999999999"],  # a run longer than the padding keeps its length
    ["01号楼", "1号楼"],  # the same number: by the code itself
]


@pytest.mark.parametrize("expected", EDGES)
def test_the_stored_key_sorts_as_counted(compound_a, expected):
    for code in reversed(expected):
        factories.BuildingFactory(compound=compound_a, code=code)
    ordered = Building.objects.order_by(*by_code()).values_list("code", flat=True)
    assert list(ordered) == expected


def test_the_key_pads_digit_runs_and_reads_full_width_digits():
    assert natural_sort_key("10号楼") == "0000000010号楼"
    assert natural_sort_key("A1-2") == "A0000000001-0000000002"
    assert natural_sort_key("１０号楼") == natural_sort_key("10号楼")
    assert natural_sort_key("") == ""


def test_the_key_follows_the_code_on_save(compound_a):
    building = factories.BuildingFactory(compound=compound_a, code="2号楼")
    building.code = "12号楼"
    building.save(update_fields=["code"])
    building.refresh_from_db()
    assert building.sort_key == "0000000012号楼"


def test_bulk_writes_fill_the_key(compound_a):
    building = factories.BuildingFactory(compound=compound_a, code="1号楼")
    Unit.objects.bulk_create([Unit(building=building, code="10单元")])
    unit = Unit.objects.get()
    assert unit.sort_key == "0000000010单元"
    unit.code = "3单元"
    Unit.objects.bulk_update([unit], ["code"])
    assert Unit.objects.get().sort_key == "0000000003单元"


def test_the_registry_import_fills_the_key(community):
    rows = [
        row(building=b, dwelling=d, owner_ref=f"KS-{i}")
        for i, (b, d) in enumerate([("10号楼", "1001"), ("2号楼", "101"), ("2号楼", "1101")])
    ]
    parsed = parse_registry_file(data=make_csv(rows), filename="r.csv")
    assert not parsed.errors
    registry_import(community=community, rows=parsed.rows)
    assert sorted(Building.objects.values_list("code", "sort_key")) == [
        ("10号楼", "0000000010号楼"),
        ("2号楼", "0000000002号楼"),
    ]
    rooms = Dwelling.objects.order_by(*by_code("unit__building__"), *by_code())
    assert [(d.unit.building.code, d.code) for d in rooms] == [
        ("2号楼", "101"),
        ("2号楼", "1101"),
        ("10号楼", "1001"),
    ]
    assert "" not in Unit.objects.values_list("sort_key", flat=True)


def test_the_migration_fills_the_key_of_existing_rows(tower):
    # given: rows as they were before migration 0007 (no key yet)
    for model in (Building, Unit, Dwelling):
        model.objects.update(sort_key="")
    migration = importlib.import_module("compounds.migrations.0007_registry_natural_sort_keys")
    # when
    migration.fill_sort_keys(apps, None)
    # then
    for model in (Building, Unit, Dwelling):
        assert all(
            key == natural_sort_key(code)
            for code, key in model.objects.values_list("code", "sort_key")
        )
    rooms = Dwelling.objects.filter(unit__building=tower).order_by(*by_code())
    assert [d.code for d in rooms] == ["101", "201", "1001", "1101"]


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


@pytest.fixture
def rooms_in_two_buildings(compound_a):
    """Rooms 101, 1001 and 1101 in building 1 and 10 (unit 1 each), one household each."""
    for b in ["10号楼", "1号楼"]:
        unit = factories.UnitFactory(
            building=factories.BuildingFactory(compound=compound_a, code=b), code="1单元"
        )
        for code in ["1101", "1001", "101"]:
            dwelling = factories.DwellingFactory(unit=unit, code=code)
            factories.HouseholdFactory(dwelling=dwelling, head_name=f"{b}-{code}")


EXPECTED_ROOMS = [f"{b}-{d}" for b in ["1号楼", "10号楼"] for d in ["101", "1001", "1101"]]


def test_the_room_list_is_in_counted_order(client, staff, rooms_in_two_buildings):
    client.force_login(staff)
    response = client.get(reverse("compounds:dwelling_list"))
    rows = [f"{d.unit.building.code}-{d.code}" for d in response.context["page"].object_list]
    assert rows == EXPECTED_ROOMS


def test_the_household_list_is_in_counted_order(client, staff, rooms_in_two_buildings):
    client.force_login(staff)
    response = client.get(reverse("compounds:household_list"))
    assert [h.head_name for h in response.context["page"].object_list] == EXPECTED_ROOMS


def test_the_natural_key_falls_back_to_text_order_on_sqlite():
    # make run's embedded database has no regexp_replace: the compound list must still render.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from compounds.models import Compound

    sqlite = DatabaseWrapper({**settings.DATABASES["default"], "NAME": ":memory:"}, "sqlite-check")
    sql, _params = (
        Compound.objects.order_by(*natural("code")).query.get_compiler(connection=sqlite).as_sql()
    )
    assert "regexp_replace" not in sql
    assert sql.endswith('ORDER BY "compounds_compound"."code" ASC')
