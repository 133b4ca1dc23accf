"""The quarterly bulletin end to end in a real browser: staff see on their to-do page that last
quarter's bulletin can be published, open its preview, write the commentary and publish; an
anonymous visitor on a phone goes from the red/black list to the bulletin and reads it.

The lists of the quarter are written with the public-data test helper (the monthly scoring has
its own journey); the quarter is the last one ended before today, whatever today is."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.translation import override
from playwright.sync_api import Page, expect

from scorecards.models import Bulletin
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import fits_phone, log_in, staff_account, zh
from tests.scorecards.test_public_data import publish, row
from tongde.periods import PeriodKind, period_containing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENTARY = "康盛花园连续三个月上红榜，季度排名第一；金水湾两次上黑榜，已约谈物业。"


def test_staff_publish_the_quarterly_bulletin_and_a_visitor_reads_it_on_a_phone(
    live_server, page: Page, browser, step
):
    # given a community whose three lists of last quarter are published
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    company = factories.PropertyCompanyFactory(name="酒泉市康盛物业服务有限公司")
    kangsheng = factories.CompoundFactory(community=community, name="康盛花园", code="k")
    jinshui = factories.CompoundFactory(community=community, name="金水湾", code="j")
    for compound in (kangsheng, jinshui):
        factories.ServiceContractFactory(compound=compound, company=company)
    quarter = period_containing(PeriodKind.QUARTER, timezone.localdate()).previous()
    with override("zh-hans"):
        shown = quarter.display  # "2026年第3季度": what readers see (addresses keep 2026-Q3)
    for i in range(3):
        month = quarter.start.replace(month=quarter.start.month + i)
        publish(
            community,
            month,
            [row(kangsheng, 95, "red", rank=1), row(jinshui, 60 + i, "black", rank=2)],
        )
    staff_account("wang", community, first_name="王晓梅")
    base = live_server.url

    # when staff follow their to-do line to the quarter's preview
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "1-staff-to-do"):
        log_in(desk, base, "wang")
        desk.get_by_role("link", name=zh("Last quarter's bulletins to publish")).click()
        expect(desk.locator("h1")).to_have_text(zh("Quarterly bulletins"))
        desk.get_by_role("link", name=shown).click()
        expect(desk.locator("#compounds")).to_contain_text("康盛花园")

    # and publish it with their commentary
    with step(desk, "2-staff-publish"):
        desk.locator("textarea[name=summary]").fill(COMMENTARY)
        desk.get_by_role("button", name=zh("Publish the bulletin")).click()
        expect(desk.locator(".alert-success")).to_contain_text(zh("The bulletin is published."))
        expect(desk.locator("main")).to_contain_text(COMMENTARY)
    desk_context.close()
    assert Bulletin.objects.get().summary == COMMENTARY

    # then a visitor on a phone finds it from the red/black list
    with step(page, "3-visitor-reads"):
        page.goto(f"{base}/scorecards/public/tongde-lane/")
        page.get_by_role("link", name=zh("Quarterly bulletins")).click()
        page.get_by_role("link", name=shown).click()
        expect(page.locator("h1")).to_contain_text(shown)
        expect(page.locator("main")).to_contain_text(COMMENTARY)
        first = page.locator("#compounds tbody tr").first
        expect(first).to_contain_text("康盛花园")
        expect(first).to_contain_text("95.00")
        # the months on each list stay in columns and the quarter's work folds under the name,
        # so the ranking needs no sideways scrolling inside its frame either
        expect(first.locator("td.red-list")).to_have_text("3")
        expect(first.locator("[data-fold=work]")).to_be_visible()
        expect(first.locator("[data-fold=work]")).to_contain_text(f"{zh('Inspections')} 0")
        frame = page.locator("#compounds .table-responsive")
        scroll, width = frame.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll <= width, f"the ranking is {scroll} px wide in a {width} px frame"
        fits_phone(page)
