"""A resident's opinion end to end in a real browser: the resident signs in on a phone, lands on
the home page, gives an opinion with a photo; staff see it on their to-do page, open the ledger
and answer; the resident reads the answer on the phone.

The community, the compound and the accounts come from factories; the browser drives the
resident's and the staff's pages as they would be used."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from playwright.sync_api import Page, expect

from committees.models import Consultation
from compounds.models import Membership
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.browser.helpers import PASSWORD, fits_phone, jpeg, log_in, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPOUND = "康盛花园"
TOPIC = "楼道灯不亮"
OPINION = "3号楼2单元楼道灯坏了两周，晚上看不见台阶。"
ANSWER = "已通知物业更换灯泡，11月30日前修好。"


def _account(username: str, **extra):
    user = factories.UserFactory(username=username, **extra)
    validate_password(PASSWORD, user)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_resident_gives_an_opinion_with_a_photo_and_reads_the_staffs_answer(
    live_server, page: Page, browser, step, tmp_path
):
    # given a community with a compound, a resident's account and a member of staff
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    factories.CompoundFactory(community=community, name=COMPOUND, code="kangsheng-garden")
    _account("zhang", first_name="张桂兰")
    staff = _account("wang")
    Membership.objects.create(user=staff, role=Membership.Role.STAFF, community=community)
    base = live_server.url

    # when the resident signs in on a phone, she lands on the home page, not a refusal
    with step(page, "1-resident-home"):
        log_in(page, base, "zhang")
        expect(page).to_have_url(f"{base}/")
        # the home page tells her what waits, and the menu leads to her opinions
        expect(page.locator("[data-figure=opinions]")).to_be_visible()
        page.locator(".navbar-toggler").click()
        page.locator("#nav").get_by_role("link", name=zh("My opinions")).click()
        expect(page.locator("h1")).to_have_text(zh("My opinions"))

    # and gives an opinion with a photo
    with step(page, "2-opinion-form"):
        page.get_by_role("link", name=zh("Give an opinion")).click()
        page.locator("select[name=compound]").select_option(label=COMPOUND)
        page.locator("input[name=topic]").fill(TOPIC)
        page.locator("textarea[name=opinion]").fill(OPINION)
        page.locator("input[name=photo]").set_input_files(jpeg(tmp_path))
        fits_phone(page)
        page.locator("main form button[type=submit]").click()

    # then her list shows it, awaiting an answer, with the photo's thumbnail
    with step(page, "3-awaiting"):
        expect(page.locator("h1")).to_have_text(zh("My opinions"))
        card = page.locator("article", has_text=TOPIC)
        expect(card).to_contain_text(zh("awaiting an answer"))
        thumbnail = card.locator("img")
        thumbnail.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        fits_phone(page)
    opinion = Consultation.objects.get()
    assert (opinion.channel, opinion.resident_name) == ("online", "张桂兰")

    # when staff sign in at a desk, their to-do page counts the opinion
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "4-staff-todo"):
        log_in(desk, base, "wang")
        expect(desk).to_have_url(f"{base}/today/")
        line = desk.locator(
            "a[data-task-count]", has_text=zh("Residents' opinions awaiting an answer")
        )
        expect(line).to_have_attribute("data-task-count", "1")
        line.click()

    # and they answer it from the ledger
    with step(desk, "5-staff-answer"):
        row = desk.locator("tr", has_text=TOPIC)
        expect(row).to_contain_text("张桂兰")
        row.get_by_role("link", name=zh("Answer")).click()
        expect(desk.locator("main img")).to_have_count(1)  # the resident's photo
        desk.locator("textarea[name=answer]").fill(ANSWER)
        desk.locator("main form button[type=submit]").click()
        expect(desk.locator("tr", has_text=TOPIC)).to_contain_text(ANSWER)
    desk_context.close()

    # then the resident reads the answer on her phone
    with step(page, "6-answered"):
        page.reload()
        card = page.locator("article", has_text=TOPIC)
        expect(card).to_contain_text(zh("answered"))
        expect(card).to_contain_text(ANSWER)
        fits_phone(page)
