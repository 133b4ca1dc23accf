"""The annual assessment end to end in a real browser: staff see on their to-do page that last
year's agreement can be assessed, read its year beside the targets, give the grade with a
conclusion; an anonymous visitor on a phone finds the assessment from the red/black list.

The year's lists are written with the public-data test helper; the year is the one before
today, whatever today is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scorecards.models import Agreement, Assessment
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import fits_phone, log_in, staff_account, zh
from tests.scorecards.test_public_data import publish, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONCLUSION = "全年十二个月均上红榜，收费率和投诉办结均达到责任书目标。"


def test_staff_assess_last_years_agreement_and_a_visitor_reads_it_on_a_phone(
    live_server, page: Page, browser, step
):
    # given an agreement of last year and the community's twelve lists of that year
    year = timezone.localdate().year - 1
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    company = factories.PropertyCompanyFactory(name="酒泉市康盛物业服务有限公司")
    kangsheng = factories.CompoundFactory(community=community, name="康盛花园", code="k")
    factories.ServiceContractFactory(compound=kangsheng, company=company)
    Agreement.objects.create(
        compound=kangsheng,
        company=company,
        year=year,
        target_fee_collection_rate=Decimal("0.9000"),
        target_satisfaction=Decimal("0.8500"),
    )
    for m in range(1, 13):
        publish(community, dt.date(year, m, 1), [row(kangsheng, 93, "red", rank=1)])
    staff_account("wang", community, first_name="王晓梅")
    base = live_server.url

    # when staff follow their to-do line to the year and open the agreement
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "1-staff-year"):
        log_in(desk, base, "wang")
        desk.get_by_role("link", name=zh("Last year's agreements to assess")).click()
        desk.get_by_role("link", name=str(year)).click()
        desk.get_by_role("link", name="康盛花园").click()
        expect(desk.locator("#targets")).to_contain_text(zh("Fee collection rate"))

    # and publish the suggested grade with the survey's satisfaction and a conclusion
    with step(desk, "2-staff-assess"):
        expect(desk.locator("input[name=grade][value=excellent]")).to_be_checked()
        desk.locator("input[name=satisfaction]").fill("91.5")
        desk.locator("textarea[name=conclusion]").fill(CONCLUSION)
        desk.get_by_role("button", name=zh("Publish the assessment")).click()
        expect(desk.locator(".alert-success")).to_contain_text(zh("The assessment is published."))
        expect(desk.locator("#targets")).to_contain_text("91.5%")
    desk_context.close()
    assessment = Assessment.objects.get()
    assert (assessment.grade, assessment.satisfaction) == ("excellent", Decimal("0.9150"))

    # then a visitor on a phone finds it from the red/black list
    with step(page, "3-visitor-reads"):
        page.goto(f"{base}/scorecards/public/tongde-lane/")
        page.get_by_role("link", name=zh("Annual assessments")).click()
        page.get_by_role("link", name=str(year)).click()
        page.get_by_role("link", name="康盛花园").click()
        expect(page.locator("main")).to_contain_text(CONCLUSION)
        expect(page.locator("main")).to_contain_text(zh("excellent"))
        fits_phone(page)
