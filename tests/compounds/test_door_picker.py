"""The door picker (building → unit → door) of the registration, My homes and the desk: each list
narrows the next, a door outside the chosen unit, building or compound is refused on its own
field, the steps without JavaScript keep what was typed, the page embeds codes only, and its
query count does not grow with the number of doors."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from compounds import forms_doors
from compounds.forms_residents import ClaimForm, DeskRegistrationForm, RegistrationForm
from compounds.models import Residency
from tests import factories

REGISTER = reverse("register")
HOMES = reverse("my_homes")
DESK = reverse("compounds:residency_create")
PASSWORD = "kangsheng-garden-2026"


def build(compound, buildings=2, units=2, doors=3, owner=None):
    """``buildings`` buildings of ``units`` units of ``doors`` doors each, codes as counted."""
    made = {}
    for b in range(1, buildings + 1):
        building = factories.BuildingFactory(compound=compound, code=f"{b}号楼")
        for u in range(1, units + 1):
            unit = factories.UnitFactory(building=building, code=f"{u}单元")
            for d in range(1, doors + 1):
                dwelling = factories.DwellingFactory(unit=unit, code=f"{d}01", owner=owner)
                made[(b, u, d)] = dwelling
    return made


def picked(dwelling) -> dict:
    return {
        "building": dwelling.unit.building_id,
        "unit": dwelling.unit_id,
        "dwelling": dwelling.pk,
    }


def values(form, name) -> list:
    return [value for value, _ in form.fields[name].choices if value != ""]


def labels(form, name) -> list:
    return [str(label) for value, label in form.fields[name].choices if value != ""]


@pytest.fixture
def doors(compound_a):
    return build(compound_a)


# --- The form ---------------------------------------------------------------------------------


def test_each_list_narrows_the_next(compound_a, doors):
    blank = ClaimForm(compound=compound_a)
    assert labels(blank, "building") == ["1号楼", "2号楼"]
    assert values(blank, "unit") == []
    assert values(blank, "dwelling") == []
    with translation.override("en"):
        assert str(blank.fields["unit"].choices[0][1]) == "Choose the building first"

    second = doors[(2, 1, 1)].unit.building
    one_building = ClaimForm(compound=compound_a, initial={"building": second.pk})
    assert values(one_building, "unit") == [u.pk for u in second.units.order_by("sort_key")]
    assert labels(one_building, "unit") == ["1单元", "2单元"]
    assert values(one_building, "dwelling") == []

    unit = doors[(2, 2, 1)].unit
    one_unit = ClaimForm(compound=compound_a, initial={"building": second.pk, "unit": unit.pk})
    assert values(one_unit, "dwelling") == [doors[(2, 2, d)].pk for d in (1, 2, 3)]
    assert labels(one_unit, "dwelling") == ["101", "201", "301"]

    bound = ClaimForm({"building": second.pk, "unit": unit.pk}, compound=compound_a)
    assert values(bound, "dwelling") == values(one_unit, "dwelling")


def test_a_single_building_and_unit_are_chosen_already(compound_b):
    door = build(compound_b, buildings=1, units=1, doors=2)[(1, 1, 1)]
    form = ClaimForm(compound=compound_b)
    assert form["building"].value() == door.unit.building_id
    assert form["unit"].value() == door.unit_id
    assert labels(form, "dwelling") == ["101", "201"]


def test_the_chosen_door_comes_back_as_the_dwelling(compound_a, doors):
    door = doors[(2, 2, 3)]
    form = ClaimForm(
        {**picked(door), "relation": "owner", "phone": "13800000000"}, compound=compound_a
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["dwelling"] == door
    assert "building" not in form.cleaned_data
    assert "unit" not in form.cleaned_data


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("door of another unit", "dwelling", "Choose a door of the chosen unit."),
        ("door of another building", "dwelling", "Choose a door of the chosen unit."),
        ("unit of another building", "unit", "Choose a unit of the chosen building."),
        ("building of another compound", "building", "Choose a building of this compound."),
        ("no building", "building", "Choose your building."),
        ("no unit", "unit", "Choose your unit."),
        ("no door", "dwelling", "Choose your door."),
    ],
)
def test_a_choice_outside_the_chosen_step_is_refused(
    compound_a, compound_b, doors, change, field, message
):
    far = build(compound_b, buildings=1, units=1, doors=1)[(1, 1, 1)]
    door = doors[(1, 1, 1)]
    data = {**picked(door), "relation": "owner", "phone": "13800000000"}
    data.update(
        {
            "door of another unit": {"dwelling": doors[(1, 2, 1)].pk},
            "door of another building": {"dwelling": doors[(2, 1, 1)].pk},
            "unit of another building": {"unit": doors[(2, 1, 1)].unit_id},
            "building of another compound": picked(far),
            "no building": {"building": "", "unit": "", "dwelling": ""},
            "no unit": {"unit": "", "dwelling": ""},
            "no door": {"dwelling": ""},
        }[change]
    )
    with translation.override("en"):
        form = ClaimForm(data, compound=compound_a)
        assert not form.is_valid()
        # only the first wrong step is named
        assert {k: v for k, v in form.errors.items() if k in ("building", "unit", "dwelling")} == {
            field: [message]
        }


@pytest.mark.parametrize("form_class", [RegistrationForm, DeskRegistrationForm, ClaimForm])
def test_every_home_form_uses_the_picker(compound_a, doors, form_class):
    form = form_class(compound=compound_a)
    assert isinstance(form, forms_doors.DoorPickerForm)
    assert list(form.fields)[:3] == ["building", "unit", "dwelling"]


# --- The pages, step by step without JavaScript -------------------------------------------------


def registration(door, **changes):
    data = {
        "compound": door.unit.building.compound_id,
        "full_name": "王建国",
        "relation": "owner",
        "phone": "13909370001",
        "username": "wangjianguo",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
        **picked(door),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no list {name}"
    return re.findall(r'<option value="(\d+)"', select.group(0))


def test_registering_step_by_step_keeps_what_was_typed(client, compound_a, doors):
    door = doors[(2, 2, 3)]
    first = client.post(
        REGISTER, registration(door, step="unit", unit=None, dwelling=None, password1=None)
    )
    assert first.status_code == 200
    html = first.content.decode()
    assert options(html, "unit") == [str(u.pk) for u in door.unit.building.units.all()]
    assert options(html, "dwelling") == []
    assert 'value="王建国"' in html
    assert 'value="wangjianguo"' in html
    assert PASSWORD not in html
    assert not first.context["form"].errors
    assert re.search(r'<select name="unit"[^>]* autofocus', html)
    assert re.search(rf'<option value="{door.unit.building_id}" selected>', html)

    second = client.post(REGISTER, registration(door, step="dwelling", dwelling=None))
    html = second.content.decode()
    assert options(html, "dwelling") == [str(doors[(2, 2, d)].pk) for d in (1, 2, 3)]
    assert re.search(rf'<option value="{door.unit_id}" selected>', html)
    assert not Residency.objects.exists()

    done = client.post(REGISTER, registration(door))
    assert done.status_code == 302
    assert Residency.objects.get().dwelling == door


def test_a_wrong_door_keeps_the_choices_and_the_typing(client, compound_a, doors):
    door = doors[(1, 1, 1)]
    response = client.post(REGISTER, registration(door, dwelling=doors[(2, 1, 1)].pk))
    assert response.status_code == 400
    assert "dwelling" in response.context["form"].errors
    html = response.content.decode()
    assert options(html, "dwelling") == [str(doors[(1, 1, d)].pk) for d in (1, 2, 3)]
    assert 'value="王建国"' in html
    assert not Residency.objects.exists()


def test_a_resident_adds_a_home_step_by_step(client, compound_a, doors, resident):
    client.force_login(resident)
    door = doors[(1, 2, 2)]
    data = {"compound": compound_a.pk, "relation": "tenant", "phone": "13800000000"}
    step = client.post(HOMES, {**data, "building": door.unit.building_id, "step": "unit"})
    assert step.status_code == 200
    assert options(step.content.decode(), "unit") == [
        str(u.pk) for u in door.unit.building.units.all()
    ]
    assert 'value="13800000000"' in step.content.decode()
    assert client.post(HOMES, {**data, **picked(door)}).status_code == 302
    assert Residency.objects.get(account=resident).dwelling == door


def test_the_desk_registers_step_by_step(client, compound_a, doors, staff):
    client.force_login(staff)
    door = doors[(2, 1, 1)]
    data = {"compound": compound_a.pk, "relation": "owner", "phone": "13800000000"}
    data |= {"full_name": "李秀英", "username": "lixiuying"}
    step = client.post(DESK, {**data, **picked(door), "dwelling": "", "step": "dwelling"})
    assert step.status_code == 200
    assert options(step.content.decode(), "dwelling") == [
        str(doors[(2, 1, d)].pk) for d in (1, 2, 3)
    ]
    done = client.post(DESK, {**data, **picked(door)})
    assert done.status_code == 200
    assert Residency.objects.get().dwelling == door


@pytest.mark.parametrize(
    ("page", "who", "label"),
    [
        (REGISTER, None, "Register"),
        (HOMES, "resident", "Register this home"),
        (DESK, "staff", "Register and verify"),
    ],
)
def test_enter_in_a_field_sends_the_form_not_a_step(
    client, compound_a, doors, page, who, label, request
):
    """Enter in a text field presses the form's first submit button: it must be the form's own
    (unnamed, so no "step" is sent), before the door picker's step buttons."""
    if who:
        client.force_login(request.getfixturevalue(who))
    with translation.override("en"):
        html = client.get(f"/en{page}", {"compound": compound_a.pk}).content.decode()
        expected = translation.gettext(label)
    form = re.search(r'<form method="post".*?</form>', html, re.S).group(0)
    buttons = re.findall(r"<button[^>]*>[^<]*</button>", form)
    assert "data-door-step" in " ".join(buttons[1:]), "the step buttons come after it"
    first = buttons[0]
    assert 'type="submit"' in first
    assert " name=" not in first
    assert f">{expected}</button>" in first
    assert 'class="visually-hidden"' in first  # rendered (some browsers skip display:none)


def test_a_form_sent_without_its_door_asks_for_it_and_keeps_the_typing(client, compound_a, doors):
    door = doors[(1, 2, 1)]
    response = client.post(REGISTER, registration(door, dwelling=""))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["dwelling"]
    with translation.override("zh-hans"):
        assert response.context["form"].errors["dwelling"] == [str(forms_doors.DOOR_REQUIRED)]
    html = response.content.decode()
    assert options(html, "dwelling") == [str(doors[(1, 2, d)].pk) for d in (1, 2, 3)]
    assert re.search(rf'<option value="{door.unit_id}" selected>', html)
    for typed in ('value="王建国"', 'value="13909370001"', 'value="wangjianguo"'):
        assert typed in html
    assert PASSWORD not in html  # passwords are never sent back into a page
    assert not Residency.objects.exists()


# --- What the page embeds, and its cost -------------------------------------------------------


def test_the_page_embeds_only_the_codes_of_the_compounds_doors(client, compound_a, compound_b):
    owner = factories.OwnerFactory(community=compound_a.community, name="王建国")
    build(compound_a, buildings=1, units=2, doors=2, owner=owner)
    build(compound_b, buildings=1, units=1, doors=1)
    html = client.get(REGISTER, {"compound": compound_a.pk}).content.decode()
    block = re.search(
        r'<script id="id_building-doors" type="application/json">(.*?)</script>', html
    )
    assert block, "the doors are not embedded"
    assert 'data-door-tree="id_building-doors"' in html
    tree = json.loads(block.group(1))
    assert [[b[1], [[u[1], [d[1] for d in u[2]]] for u in b[2]]] for b in tree] == [
        ["1号楼", [["1单元", ["101", "201"]], ["2单元", ["101", "201"]]]]
    ]
    assert "王建国" not in html
    other = compound_b.buildings.get()
    assert all(b[0] != other.pk for b in tree)


@pytest.mark.parametrize(("page", "who"), [(REGISTER, None), (HOMES, "resident"), (DESK, "staff")])
def test_the_query_count_does_not_grow_with_the_doors(
    client, compound_a, compound_b, page, who, request
):
    if who:
        client.force_login(request.getfixturevalue(who))
    build(compound_a, buildings=1, units=1, doors=2)
    build(compound_b, buildings=4, units=3, doors=12)
    counts = []
    for compound in (compound_a, compound_b):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page, {"compound": compound.pk})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
