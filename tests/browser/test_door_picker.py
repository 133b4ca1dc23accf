"""The door picker on a phone: a resident registering in a compound of several buildings picks
building, unit and door from three short lists that fill in place (no page load between them),
and the registration goes through; without JavaScript the same form works step by step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from compounds.models import Residency
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.helpers import PASSWORD, fits_phone, zh
from tests.browser.test_accessibility import AXE, AXE_RUN, BLOCKING, RULES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def compound():
    """康盛花园: 1号楼 to 12号楼, two units each, twelve doors a unit (288 doors)."""
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    compound = factories.CompoundFactory(community=community, name="康盛花园", code="ks")
    for b in range(1, 13):
        building = factories.BuildingFactory(compound=compound, code=f"{b}号楼")
        for u in (1, 2):
            unit = factories.UnitFactory(building=building, code=f"{u}单元")
            for floor in range(1, 7):
                for door in (1, 2):
                    factories.DwellingFactory(unit=unit, code=f"{floor}0{door}")
    return compound


def fill_the_rest(page: Page) -> None:
    page.locator("input[name=relation][value=owner]").check()
    page.locator("input[name=full_name]").fill("王建国")
    page.locator("input[name=phone]").fill("139 0937 0001")
    page.locator("input[name=username]").fill("wangjianguo")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("input[name=consent]").check()


def test_a_resident_picks_building_unit_and_door_on_a_phone(
    live_server, page: Page, compound, step
):
    with step(page, "1-lists-fill-in-place"):
        page.goto(f"{live_server.url}/accounts/register/?compound={compound.pk}")
        building, unit, door = (
            page.locator(f"select[name={n}]") for n in ("building", "unit", "dwelling")
        )
        expect(page.locator("[data-door-step]")).to_have_count(0)  # the script took the buttons
        expect(building.locator("option")).to_have_count(13)  # 12 buildings and "choose"
        expect(unit.locator("option")).to_have_count(1)
        page.evaluate("window.samePage = true")
        building.select_option(label="10号楼")
        expect(unit.locator("option")).to_have_count(3)
        expect(door.locator("option")).to_have_count(1)
        unit.select_option(label="2单元")
        expect(door.locator("option")).to_have_count(13)
        assert door.locator("option").all_inner_texts()[1:4] == ["101", "102", "201"]
        door.select_option(label="502")
        assert page.evaluate("window.samePage === true"), "the page was loaded again"
        # another building empties the lower lists again
        building.select_option(label="2号楼")
        expect(door.locator("option")).to_have_count(1)
        assert unit.input_value() == ""
        building.select_option(label="10号楼")
        unit.select_option(label="2单元")
        door.select_option(label="502")
        fill_the_rest(page)
        fits_phone(page)
        # the crawl of test_accessibility reaches the form only through this GET step: checked here
        page.add_script_tag(content=AXE)
        blocking = [v for v in page.evaluate(AXE_RUN, RULES) if v["impact"] in BLOCKING]
        assert not blocking, blocking
    with step(page, "2-registered"):
        page.get_by_role("button", name=zh("Register")).click()
        expect(page.locator("main h1")).to_have_text(zh("Registration received"))
    dwelling = Residency.objects.select_related("dwelling__unit__building").get().dwelling
    assert (dwelling.unit.building.code, dwelling.unit.code, dwelling.code) == (
        "10号楼",
        "2单元",
        "502",
    )


def test_without_javascript_the_picker_works_step_by_step(live_server, browser, compound, step):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    with step(page, "1-building"):
        page.goto(f"{live_server.url}/accounts/register/?compound={compound.pk}")
        page.locator("input[name=full_name]").fill("王建国")
        page.locator("select[name=building]").select_option(label="3号楼")
        fits_phone(page)
        page.get_by_role("button", name=zh("Show its units")).click()
    with step(page, "2-unit"):
        expect(page.locator("input[name=full_name]")).to_have_value("王建国")
        expect(page.locator("select[name=building] option:checked")).to_have_text("3号楼")
        page.locator("select[name=unit]").select_option(label="1单元")
        page.get_by_role("button", name=zh("Show its doors")).click()
    with step(page, "3-door"):
        expect(page.locator("select[name=unit] option:checked")).to_have_text("1单元")
        page.locator("select[name=dwelling]").select_option(label="601")
        fill_the_rest(page)
        fits_phone(page)
        page.get_by_role("button", name=zh("Register"), exact=True).click()
        expect(page.locator("main h1")).to_have_text(zh("Registration received"))
    context.close()
    dwelling = Residency.objects.select_related("dwelling__unit__building").get().dwelling
    assert (dwelling.unit.building.code, dwelling.unit.code, dwelling.code) == (
        "3号楼",
        "1单元",
        "601",
    )


def test_without_javascript_enter_in_a_field_sends_the_form(live_server, browser, compound, step):
    """Enter in a text field sends the whole form, not the first step button: with the door not
    chosen yet, the page asks for it on its field and keeps what was typed (not the passwords,
    never sent back into a page); with the door chosen, Enter registers."""
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    with step(page, "1-enter-before-the-door"):
        page.goto(f"{live_server.url}/accounts/register/?compound={compound.pk}")
        page.locator("select[name=building]").select_option(label="5号楼")
        page.get_by_role("button", name=zh("Show its units")).click()
        page.locator("select[name=unit]").select_option(label="2单元")
        page.get_by_role("button", name=zh("Show its doors")).click()
        fill_the_rest(page)
        page.locator("input[name=phone]").press("Enter")
    with step(page, "2-the-door-is-asked-for"):
        expect(page.locator("#div_id_dwelling")).to_contain_text(zh("Choose your door."))
        expect(page.locator("select[name=dwelling]")).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(page.locator("select[name=building] option:checked")).to_have_text("5号楼")
        expect(page.locator("select[name=unit] option:checked")).to_have_text("2单元")
        expect(page.locator("input[name=full_name]")).to_have_value("王建国")
        expect(page.locator("input[name=phone]")).to_have_value("139 0937 0001")
        expect(page.locator("input[name=username]")).to_have_value("wangjianguo")
        expect(page.locator("input[name=relation][value=owner]")).to_be_checked()
        expect(page.locator("input[name=consent]")).to_be_checked()
        expect(page.locator("input[name=password1]")).to_have_value("")
        assert not Residency.objects.exists()
        fits_phone(page)
    with step(page, "3-enter-registers"):
        page.locator("select[name=dwelling]").select_option(label="302")
        page.locator("input[name=password1]").fill(PASSWORD)
        page.locator("input[name=password2]").fill(PASSWORD)
        page.locator("input[name=full_name]").press("Enter")
        expect(page.locator("main h1")).to_have_text(zh("Registration received"))
    context.close()
    dwelling = Residency.objects.select_related("dwelling__unit__building").get().dwelling
    assert (dwelling.unit.building.code, dwelling.unit.code, dwelling.code) == (
        "5号楼",
        "2单元",
        "302",
    )
