"""A new committee member's login in a real browser: staff create the account and copy the
one-time link; the member opens it on a phone, chooses a password, signs in and lands on their
pages; the spent link no longer works."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import PASSWORD, fits_phone, log_in, staff_account, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_give_a_committee_member_a_login(live_server, page: Page, browser, step):
    # given a community with a compound
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    compound = factories.CompoundFactory(community=community, name="康盛花园", code="ks")
    staff_account("wang", community, first_name="王晓梅")
    base = live_server.url

    # when staff create the member's account
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "1-staff-create-account"):
        log_in(desk, base, "wang", "/registry/accounts/")
        desk.get_by_role("link", name=zh("New account")).click()
        desk.locator("input[name=username]").fill("13900000002")
        desk.locator("input[name=full_name]").fill("赵敏")
        desk.locator("select[name=role]").select_option("committee")
        desk.locator("select[name=compound]").select_option(label=str(compound))
        desk.get_by_role("button", name=zh("Create the account")).click()
        link = desk.locator("#password-link").input_value()
    desk_context.close()
    assert "/accounts/password/reset/" in link

    # then the member sets a password on a phone and signs in
    with step(page, "2-member-sets-password"):
        page.goto(link)
        page.locator("input[name=new_password1]").fill(PASSWORD)
        page.locator("input[name=new_password2]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main h1")).to_have_text(zh("Password saved"))
        fits_phone(page)
    with step(page, "3-member-signs-in"):
        log_in(page, base, "13900000002")
        expect(page.locator("body")).to_contain_text("赵敏")
        member = get_user_model().objects.get(username="13900000002")
        assert member.memberships.get().compound == compound
    with step(page, "4-spent-link"):
        page.goto(link)
        expect(page.locator("main .alert-warning")).to_be_visible()
