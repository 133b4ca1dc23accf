"""Issue 5 end to end in a real browser: a grid worker logs a Friday clean-up with a photo on a
phone; the totals page counts it; the public totals page shows the figures and no name.

The community, its compounds, the disorder list and the grid worker are set up through factories
and services (the pages for each are tested in ``tests/campaigns``); the browser drives what the
issue asks to see working together: login, the phone form with a real photo upload, the detail
page with its thumbnail, the internal totals by month and by week, and the public page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import Page, expect

from campaigns.models import Campaign, CampaignPhoto
from campaigns.services import disorders_seed
from compounds.models import Membership
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.helpers import PASSWORD, fits_phone, jpeg, log_in, zh
from tongde.periods import period_containing
from tongde.text import long_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The recorder's full name: the public page must never show it (nor the username).
WORKER_FIRST, WORKER_LAST = "秀兰", "网格员王"
COMPOUND, OTHER_COMPOUND = "同德巷小区", "西环北路楼院8号"
DISORDERS = ("乱堆乱放", "楼道杂物")
# Grid workers 3 + residents 12 = 15 person-times.
PERSONS = {"persons_grid_workers": "3", "persons_residents": "12"}


def _last_friday() -> dt.date:
    # The latest Friday that is not in the future in Asia/Shanghai (today, if today is one).
    today = timezone.localdate()
    return today - dt.timedelta(days=(today.weekday() - 4) % 7)


def _period_row(page: Page, period: str):
    """The row of ``period`` by its whole first cell: 2026年1月 is also the start of 2026年10月."""
    # The label's own text: a week's cell also says its days, and on the staff page the label
    # links to the period's operations.
    return page.locator("#totals-by-period tbody tr").filter(
        has=page.get_by_text(period, exact=True)
    )


def _figures(row) -> None:
    # After the row's heading cell (period, compound or disorder; a <th> in the footer):
    # operations, person-times, truckloads, tonnes with two places as the template renders them.
    cells = row.locator("th, td")
    expect(cells.nth(1)).to_have_text("1")
    expect(cells.nth(2)).to_have_text("15")
    expect(cells.nth(3)).to_have_text("2")
    expect(cells.nth(4)).to_have_text("3.50")


def test_grid_worker_logs_a_friday_clean_up_with_a_photo_on_a_phone_and_totals_count_it(
    live_server, page: Page, browser, step, tmp_path
):
    # given a community with two compounds, the common disorders, and one of its grid workers
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    factories.CompoundFactory(community=community, name=COMPOUND, code="tongde")
    factories.CompoundFactory(community=community, name=OTHER_COMPOUND, code="xihuan-8")
    disorders_seed(community=community)
    worker = factories.UserFactory(
        username="grid-wang", first_name=WORKER_FIRST, last_name=WORKER_LAST
    )
    validate_password(PASSWORD, worker)
    worker.set_password(PASSWORD)
    worker.save()
    Membership.objects.create(user=worker, role=Membership.Role.GRID_WORKER, community=community)
    held_on = _last_friday()
    photo = jpeg(tmp_path)
    base = live_server.url

    # when the grid worker logs in on a phone
    worker_page = page
    with step(worker_page, "1-login"):
        log_in(worker_page, base, worker.username, "/campaigns/operations/")
        record = worker_page.get_by_role("link", name=zh("Record an operation"))
        expect(record).to_be_visible()

    # and opens the new-operation page and fills it in
    with step(worker_page, "2-form"):
        record.click()
        expect(worker_page.locator("h1")).to_have_text(zh("Record a clean-up operation"))
        worker_page.locator("select[name=kind]").select_option(
            label=zh("Friday concentrated clean-up")
        )
        worker_page.locator("input[name=held_on]").fill(held_on.isoformat())
        worker_page.get_by_label(COMPOUND, exact=True).check()
        for name in DISORDERS:
            worker_page.get_by_label(name, exact=True).check()
        for name, persons in PERSONS.items():
            worker_page.locator(f"input[name={name}]").fill(persons)
        worker_page.locator("input[name=truckloads]").fill("2")
        worker_page.locator("input[name=tonnes]").fill("3.5")
        # The photo goes through the file input, as the phone's camera or gallery would give it.
        worker_page.locator("input[name=photos_before]").set_input_files(photo)
        fits_phone(worker_page)

    # and saves it
    with step(worker_page, "3-detail"):
        worker_page.locator("main form button[type=submit]").click()
        # then the detail page shows the operation with the photo's thumbnail, loaded
        heading = f"{long_date(held_on)} {zh('Friday concentrated clean-up')}"
        expect(worker_page.locator("h1")).to_have_text(heading)
        thumbnail = worker_page.locator("main img[src*='/thumb/']")
        expect(thumbnail).to_have_count(1)
        thumbnail.scroll_into_view_if_needed()
        expect(thumbnail).to_be_visible()
        worker_page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        # no load mismatch here (2 truckloads, 3.5 t): no warning
        expect(worker_page.locator(".alert-warning")).to_have_count(0)
        fits_phone(worker_page)

    # and it is stored as typed, recorded by the grid worker, with one private photo
    campaign = Campaign.objects.get()
    assert (campaign.kind, campaign.held_on, campaign.recorded_by) == ("friday", held_on, worker)
    assert campaign.person_times == 15
    assert sorted(campaign.disorders.values_list("name", flat=True)) == sorted(DISORDERS)
    assert list(campaign.compounds.values_list("name", flat=True)) == [COMPOUND]
    assert not campaign.is_flagged
    shot = CampaignPhoto.objects.get()
    assert (shot.stage, shot.is_public) == ("before", False)
    with Image.open(shot.thumbnail.path) as thumb:
        assert max(thumb.size) <= 480

    # when the grid worker opens the totals for that month
    # (periods read as people say them: 2026年3月, 2026年第12周)
    with translation.override("zh-hans"):
        month = period_containing("month", held_on).display
        week = period_containing("week", held_on).display
    with step(worker_page, "4-totals-month"):
        # (by month, of the latest year with an operation, is what the menu link opens)
        worker_page.get_by_role("link", name=zh("Totals"), exact=True).click()
        # then the month's row and the year's total count the operation
        _figures(_period_row(worker_page, month))
        _figures(worker_page.locator("#totals-by-period tfoot tr"))
        # and by compound it counts in the compound it covered, not in the other one
        by_compound = worker_page.locator("#totals-by-compound")
        _figures(by_compound.locator("tbody tr", has_text=COMPOUND))
        expect(by_compound).not_to_contain_text(OTHER_COMPOUND)
        fits_phone(worker_page)

    # and switches the page to weeks with its form
    with step(worker_page, "5-totals-week"):
        worker_page.locator("select[name=kind]").select_option("week")
        worker_page.locator("main form button[type=submit]").click()
        # then the Friday's ISO week counts it
        _figures(_period_row(worker_page, week))
        fits_phone(worker_page)

    # when an anonymous visitor opens the public totals on another phone
    visitor_context = browser.new_context(**PHONE)
    visitor = visitor_context.new_page()
    with step(visitor, "6-public-totals"):
        visitor.goto(f"{base}/campaigns/public/{community.slug}/totals/?year={held_on.year}")
        expect(visitor.locator("h1")).to_contain_text(community.name)
        # then the figures are there
        _figures(_period_row(visitor, month))
        _figures(visitor.locator("#totals-by-compound tbody tr", has_text=COMPOUND))
        for name in DISORDERS:
            _figures(visitor.locator("#totals-by-disorder tbody tr", has_text=name))
        fits_phone(visitor)
        # and no name of the recorder, and not the private photo
        text = visitor.locator("body").inner_text()
        for secret in (worker.username, WORKER_FIRST, WORKER_LAST):
            assert secret not in text
        expect(visitor.locator("img[src*='/thumb/']")).to_have_count(0)
    visitor_context.close()
