"""Talks with a black-listed company in a real browser: staff follow their to-do line to the
black listing awaiting talks, record the talks with closer inspection; a visitor on a phone sees
on the public list that the company was summoned.

The month's list is written with the public-data test helper; it is last month's, whatever
today is."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scorecards.models import Summons, previous_month
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import fits_phone, log_in, staff_account, zh
from tests.scorecards.test_public_data import publish, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_record_talks_over_a_black_listing_and_the_public_sees_it(
    live_server, page: Page, browser, step
):
    # given last month's list with 金水湾 on the black list
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    company = factories.PropertyCompanyFactory(name="酒泉市金鑫物业服务有限公司")
    jinshui = factories.CompoundFactory(community=community, name="金水湾", code="j")
    factories.ServiceContractFactory(compound=jinshui, company=company)
    month = previous_month(timezone.localdate())
    publish(community, month, [row(jinshui, 61, "black", rank=1)])
    staff_account("wang", community, first_name="王晓梅")
    base = live_server.url

    # when staff follow the to-do line and record the talks
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "1-staff-records-talks"):
        log_in(desk, base, "wang")
        desk.get_by_role("link", name=zh("Black listings awaiting talks with the company")).click()
        desk.locator("#waiting").get_by_role("link", name=zh("Record talks")).click()
        desk.locator("input[name=staff_present]").fill("王晓梅（社区主任）")
        desk.locator("input[name=company_present]").fill("项目经理")
        desk.locator("textarea[name=issues]").fill("楼道堆物反复出现，整改逾期。")
        desk.locator("textarea[name=undertakings]").fill("一周内清理全部楼道堆物。")
        desk.locator("input[name=closer_until]").fill(f"{timezone.localdate().year + 1}-01-31")
        desk.get_by_role("button", name=zh("Record the talks")).click()
        expect(desk.locator(".alert-success")).to_contain_text(zh("The summons is recorded."))
    desk_context.close()
    summons = Summons.objects.get()
    assert (summons.compound, summons.company, summons.inspections_per_month) == (
        jinshui,
        company,
        4,
    )

    # then a visitor on a phone sees the talks on the black listing
    with step(page, "2-visitor-sees-talks"):
        page.goto(f"{base}/scorecards/public/tongde-lane/")
        expect(page.locator("#band-black")).to_contain_text("金水湾")
        expect(page.locator("#band-black")).to_contain_text(summons.held_on.strftime("%Y-%m-%d"))
        fits_phone(page)
