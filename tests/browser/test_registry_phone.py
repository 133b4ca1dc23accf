"""The registry on a phone, as a committee member and as staff open it: no page is wider than
the screen (the registry's menu scrolls sideways within it) and a room's address
("10号楼 1单元 101") stays on one line instead of being crushed into a column of characters."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from compounds.models import Membership
from tests import factories
from tests.browser.helpers import PASSWORD, fits_phone, log_in, staff_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_LINE = """(selector) => {
  const cells = [...document.querySelectorAll(selector)];
  return cells.map(c => {
    const lineHeight = parseFloat(getComputedStyle(c).lineHeight) || 24;
    return c.getBoundingClientRect().height < 1.6 * lineHeight;
  });
}"""

# The registry's menu stays within the screen (it scrolls sideways inside itself).
MENU_WITHIN = """() => {
  const menu = document.querySelector("[data-figure=registry-nav]");
  return !!menu && menu.getBoundingClientRect().right <= window.innerWidth;
}"""


@pytest.fixture
def registry():
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    compound = factories.CompoundFactory(community=community, name="西环北路楼院14号", code="x14")
    building = factories.BuildingFactory(compound=compound, code="10号楼")
    unit = factories.UnitFactory(building=building, code="1单元")
    dwelling = factories.DwellingFactory(unit=unit, code="101")
    factories.HouseholdFactory(dwelling=dwelling, head_name="李建国")
    staff_account("wang", community, first_name="王晓梅")
    member = factories.UserFactory(username="13900000002")
    member.set_password(PASSWORD)
    member.save()
    Membership.objects.create(user=member, role=Membership.Role.COMMITTEE, compound=compound)
    return dwelling


@pytest.mark.parametrize("username", ["13900000002", "wang"])
def test_the_registry_fits_a_phone(live_server, page: Page, step, registry, username):
    base = live_server.url
    log_in(page, base, username)
    pages = {
        "households": ("/registry/households/", "[data-address]"),
        "dwellings": ("/registry/dwellings/", "[data-address]"),
        "dwelling": (f"/registry/dwellings/{registry.pk}/", None),
        "building": (registry.unit.building.get_absolute_url(), None),
        "compound": (registry.unit.building.compound.get_absolute_url(), None),
    }
    for name, (path, address) in pages.items():
        with step(page, f"{username}-{name}"):
            page.goto(f"{base}{path}")
            fits_phone(page)
            assert page.evaluate(MENU_WITHIN) is True, f"{path}: the registry menu overflows"
            if address:
                lines = page.evaluate(ONE_LINE, address)
                assert lines, f"{path} shows no address"
                assert all(lines), f"{path} breaks an address over lines"
