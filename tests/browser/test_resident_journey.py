"""A resident's registration in a real browser: they register on a phone from the login page,
the login says the registration waits for the community's check, the grid worker compares it
with the registry and verifies it, and the resident signs in and finds their home and the
opinion form starting at their compound."""

from __future__ import annotations

import pytest
from django.utils.translation import override, pgettext
from playwright.sync_api import Page, expect

from compounds import residents
from compounds.models import Membership, Residency
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import PASSWORD, fits_phone, log_in, staff_account, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def residency_word(message: str) -> str:
    with override("zh-hans"):
        return pgettext("residency", message)


def test_a_resident_registers_and_is_verified(live_server, page: Page, browser, step):
    # given a compound whose door 3号楼 2单元 501 is owned by 王建国
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    compound = factories.CompoundFactory(community=community, name="康盛花园", code="ks")
    owner = factories.OwnerFactory(community=community, name="王建国", phone="13909370001")
    unit = factories.UnitFactory(
        building=factories.BuildingFactory(compound=compound, code="3号楼"), code="2单元"
    )
    factories.DwellingFactory(unit=unit, code="501", owner=owner)
    factories.DwellingFactory(unit=unit, code="502")
    grid = staff_account("grid", community, first_name="刘志强")
    grid.memberships.update(role=Membership.Role.GRID_WORKER)
    base = live_server.url

    # when the resident registers on a phone
    with step(page, "1-resident-registers"):
        page.goto(f"{base}/accounts/login/")
        page.get_by_role("link", name=zh("Register as a resident")).click()
        page.locator("select[name=compound]").select_option(label="康盛花园（同德巷社区）")
        page.locator("main form button[type=submit]").click()
        page.locator("input[name=full_name]").fill("王建国")
        page.locator("select[name=building]").select_option(label="3号楼")
        page.locator("select[name=unit]").select_option(label="2单元")
        page.locator("select[name=dwelling]").select_option(label="501")
        page.locator("input[name=relation][value=owner]").check()
        page.locator("input[name=phone]").fill("139 0937 0001")
        page.locator("input[name=username]").fill("wangjianguo")
        page.locator("input[name=password1]").fill(PASSWORD)
        page.locator("input[name=password2]").fill(PASSWORD)
        page.locator("input[name=consent]").check()
        fits_phone(page)
        page.get_by_role("button", name=zh("Register")).click()
        expect(page.locator("main h1")).to_have_text(zh("Registration received"))
    with step(page, "2-login-waits"):
        log_in(page, base, "wangjianguo")
        with override("zh-hans"):
            waiting = residents.login_refusal("wangjianguo", PASSWORD)
        expect(page.locator("main form")).to_contain_text(waiting)
        assert "/accounts/login/" in page.url
        residency = Residency.objects.get()
        assert residency.phone == "13909370001"
        assert residency.status == Residency.Status.PENDING

    # and the grid worker verifies it, the registry agreeing
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "3-grid-worker-verifies"):
        log_in(desk, base, "grid", "/registry/residents/")
        desk.get_by_role("link", name="王建国").click()
        expect(desk.locator("main table")).to_contain_text(zh("matches"))
        desk.get_by_role("button", name=residency_word("Verify")).click()
        expect(desk.locator("main .alert-success")).to_be_visible()
    desk_context.close()

    # then the resident signs in and finds their home
    with step(page, "4-resident-signs-in"):
        log_in(page, base, "wangjianguo", "/accounts/homes/")
        expect(page.locator("main")).to_contain_text("3号楼 2单元 501")
        expect(page.locator("main")).to_contain_text(residency_word("verified").capitalize())
        fits_phone(page)
        page.get_by_role("link", name=zh("Give an opinion about this compound")).click()
        expect(page.locator("select[name=compound] option:checked")).to_contain_text("康盛花园")
