"""Issue 3 end to end in a real browser: a company user files last month's report on a phone;
staff draft the month's scorecards, check the score and band and publish the list on a desktop;
an anonymous visitor sees the compound on the public red/black list on a phone, without the
inspector's name.

The community, its compounds and contracts, the year's calendar, the agreement with one service
commitment and last month's inspections are set up through factories and services (their pages
are tested in ``tests/scorecards``); the browser drives what the issue asks to see working
together: the company's report form with a real photo and its submission, drafting and publishing
by staff, and the public list.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import override, pgettext
from playwright.sync_api import Page, expect

from compounds.models import Membership
from scorecards import agreements, rules
from scorecards.inspections import FindingInput, inspection_record
from scorecards.models import (
    CommitmentStatus,
    MonthlyReport,
    Publication,
    ReportAttachment,
    Scorecard,
    ScoringSettings,
)
from scorecards.reports import Compliance
from scorecards.setup import rubric_for, settings_for
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import PASSWORD, fits_phone, jpeg, log_in, zh, zh_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPOUND, OTHER_COMPOUND = "同德巷小区", "西环北路楼院8号"
COMPANY, OTHER_COMPANY = "金盾物业", "安居物业"
COMMITMENT = "每日清扫楼道一次"
# The inspector's full name and username: the public list must never show them.
INSPECTOR_USERNAME, INSPECTOR_FIRST, INSPECTOR_LAST = "grid-li", "建华", "巡查员李"
# Two findings of standard deduction items of the default rubric: 楼道堆物 (cleanliness, 2 points)
# and 消防通道堵塞 (fire safety, 3 points). 100 - 5 = 95.00, two inspections: ranked, red list.
FINDINGS = (("cleanliness", "stairwell_clutter"), ("fire_safety", "fire_lane_blocked"))
SCORE = "95.00"
REPORT_NUMBERS = {
    "staff_on_duty": "12",
    "cleaning_rounds": "60",
    "patrol_rounds": "90",
    "repairs_done": "14",
    "repairs_open": "2",
    "complaints_received": "5",
    "complaints_resolved": "4",
    "complaint_hours": "6.5",
    "fee_collection_rate": "92.5",
    "safety_incidents": "0",
}


def _label_zh(label) -> str:
    with override("zh-hans"):
        return str(label)


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _user(username: str, role: str, first_name: str = "", last_name: str = "", **scope):
    user = factories.UserFactory(username=username, first_name=first_name, last_name=last_name)
    validate_password(PASSWORD, user)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, role=role, **scope)
    return user


def _report_row(page: Page, month: str, compound: str):
    # "My reports": on a phone the month column is hidden and the month shows under the compound,
    # so the row is found by its month attribute.
    return page.locator(f'main tbody tr[data-month="{month}"]').filter(has_text=compound)


def _row(page: Page, first_cell: str, compound: str):
    # A table row whose first cell is exactly ``first_cell`` (a month, not a due date that
    # merely contains it) and that names the compound.
    return (
        page.locator("main tbody tr")
        .filter(has=page.get_by_role("cell", name=first_cell, exact=True))
        .filter(has_text=compound)
    )


def test_company_files_a_report_staff_publish_and_the_public_sees_the_compound_on_a_phone(
    live_server, page: Page, browser, step, tmp_path
):
    # given a community with a managed compound served by company A, and another by company B
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    company = factories.PropertyCompanyFactory(name=COMPANY)
    other_company = factories.PropertyCompanyFactory(name=OTHER_COMPANY)
    compound = factories.CompoundFactory(community=community, name=COMPOUND, code="tongde")
    other = factories.CompoundFactory(community=community, name=OTHER_COMPOUND, code="xihuan-8")
    factories.ServiceContractFactory(compound=compound, company=company)
    factories.ServiceContractFactory(compound=other, company=other_company)

    # and last month, by the community's calendar in Asia/Shanghai
    today = timezone.localdate()
    month = _previous_month(today)
    label = f"{month:%Y-%m}"  # the month input's value
    shown = f"{month.year}年{month.month}月"  # the month as pages show it
    end = (month + dt.timedelta(days=32)).replace(day=1)
    # Reports due on the 28th with 5 days' grace: filed today, last month's report is on time
    # (late on the 29th-31st) and never missing, whatever day the test runs. Written past the
    # settings form, which wants the publication day (at most the 28th) after the grace period.
    ScoringSettings.objects.filter(pk=settings_for(community, month.year).pk).update(
        report_due_day=28, report_grace_days=5
    )
    expected_compliance = Compliance.ON_TIME if today.day <= 28 else Compliance.LATE

    # and the year's agreement of the compound, with one service commitment
    agreement = agreements.agreement_create(
        compound=compound,
        year=month.year,
        data={},
        commitments=[{"text": COMMITMENT, "standard": "早8点前完成"}],
    )
    commitment = agreement.commitments.get()

    # and two inspections of the compound last month by a grid worker, one finding each, whose
    # rectifications are due after the month (none overdue at its end)
    inspector = _user(
        INSPECTOR_USERNAME,
        Membership.Role.GRID_WORKER,
        INSPECTOR_FIRST,
        INSPECTOR_LAST,
        community=community,
    )
    rubric = rubric_for(community, month.year)
    for offset, (criterion_code, item_code) in zip((4, 17), FINDINGS, strict=True):
        criterion = rubric.criteria.get(code=criterion_code)
        item = criterion.deduction_items.get(code=item_code)
        inspection_record(
            compound=compound,
            day=month + dt.timedelta(days=offset),
            inspector=inspector,
            findings=[
                FindingInput(
                    criterion=criterion,
                    deduction_item=item,
                    description=item.name_zh,
                    deadline_on=end + dt.timedelta(days=10),
                )
            ],
            notes=f"{INSPECTOR_LAST}{INSPECTOR_FIRST}巡查",
        )

    # and a user of company A and a member of the community's staff
    filer = _user("jindun-zhang", Membership.Role.COMPANY, "伟", "物业张", company=company)
    clerk = _user("clerk-wang", Membership.Role.STAFF, "", "", community=community)
    photo = jpeg(tmp_path)
    base = live_server.url

    # when the company user logs in on a phone and lands on "my reports"
    phone = page
    with step(phone, "1-company-my-reports"):
        log_in(phone, base, filer.username, "/scorecards/reports/mine/")
        expect(phone.locator("h1")).to_have_text(zh("My monthly reports"))
        # then last month's report of the compound is not filed yet
        row = _report_row(phone, label, COMPOUND)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(zh("not filed"))
        # and only company A's compound is listed
        expect(phone.locator("main")).not_to_contain_text(OTHER_COMPOUND)
        fits_phone(phone)

    # and files it: the numbers, the commitment's status and a photo
    with step(phone, "2-company-report-form"):
        with override("zh-hans"):
            file_it = pgettext("file a report", "File")
        row.get_by_role("link", name=file_it, exact=True).click()
        expect(phone.locator("h1")).to_contain_text(COMPOUND)
        # The month comes filled in from the link.
        expect(phone.locator("input[name=month]")).to_have_value(label)
        for name, value in REPORT_NUMBERS.items():
            phone.locator(f"input[name={name}]").fill(value)
        phone.locator("textarea[name=narrative]").fill("本月完成楼道清理和消防通道整治。")
        status = phone.get_by_label(COMMITMENT, exact=True)
        expect(status).to_be_visible()
        status.select_option(label=_label_zh(CommitmentStatus.Status.MET.label))
        phone.locator(f"input[name=note_{commitment.pk}]").fill("每日巡查记录齐全")
        phone.locator("input[name=photos]").set_input_files(photo)
        fits_phone(phone)

    # and saves the draft
    with step(phone, "3-company-report-draft"):
        phone.get_by_role("button", name=zh("Save draft"), exact=True).click()
        expect(phone.locator(".alert-success")).to_contain_text(
            zh("Saved as a draft: submit it when it is complete.")
        )
        heading = phone.locator("main h1")
        expect(heading).to_contain_text(COMPOUND)
        expect(heading).to_contain_text(shown)
        expect(phone.locator("main .badge").first).to_have_text(
            _label_zh(MonthlyReport.Status.DRAFT.label)
        )
        # and the photo's thumbnail loads
        thumbnail = phone.locator("main img[src*='thumb=1']")
        expect(thumbnail).to_have_count(1)
        thumbnail.scroll_into_view_if_needed()
        phone.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        fits_phone(phone)

    # and submits it
    with step(phone, "4-company-report-submitted"):
        submit = phone.get_by_role("button", name=zh("Submit the report"), exact=True)
        submit.click()
        expect(phone.locator(".alert-success")).to_contain_text(zh("Submitted to the community."))
        # then the page shows it submitted, and on time (or late), never missing
        badges = phone.locator("main .badge")
        expect(badges.nth(0)).to_have_text(_label_zh(MonthlyReport.Status.SUBMITTED.label))
        expect(badges.nth(1)).to_have_text(_label_zh(expected_compliance.label))
        expect(submit).to_have_count(0)
        expect(phone.locator("main")).to_contain_text(COMMITMENT)
        fits_phone(phone)

    # and "my reports" lists it as submitted
    with step(phone, "5-company-my-reports-submitted"):
        phone.goto(f"{base}/scorecards/reports/mine/")
        row = _report_row(phone, label, COMPOUND)
        expect(row).to_contain_text(_label_zh(MonthlyReport.Status.SUBMITTED.label))
        expect(row.get_by_role("link", name=zh("Open"), exact=True)).to_be_visible()
        fits_phone(phone)

    # and the report is stored as typed, submitted, with the commitment's status and the photo
    report = MonthlyReport.objects.get()
    assert (report.compound, report.company, report.month) == (compound, company, month)
    assert report.status == MonthlyReport.Status.SUBMITTED
    assert report.first_submitted_at is not None
    assert (report.staff_on_duty, report.complaints_received, report.complaints_resolved) == (
        12,
        5,
        4,
    )
    assert str(report.fee_collection_rate) == "0.9250"
    assert list(report.commitment_statuses.values_list("commitment", "status")) == [
        (commitment.pk, CommitmentStatus.Status.MET)
    ]
    assert ReportAttachment.objects.filter(report=report, is_removed=False).count() == 1

    # when staff log in on a desktop and open last month from the scoring home
    desk_context = browser.new_context(**DESKTOP)
    desk = desk_context.new_page()
    with step(desk, "6-staff-scoring-home"):
        log_in(desk, base, clerk.username, "/scorecards/scoring/")
        expect(desk.locator("h1")).to_have_text(zh("Monthly scoring"))
        # the community's panel: what needs attention, and the month to score
        panel = desk.locator(".card").filter(has_text=community.name)
        expect(panel.locator("[data-panel=attention]")).to_be_visible()
        panel.get_by_role("link", name=zh("Score %(month)s") % {"month": shown}).click()
        expect(desk.locator("h1")).to_have_text(f"{community.name} · {shown}")
        expect(desk.locator("main")).to_contain_text(
            zh("No scorecard for this month yet: draft now.")
        )

    # and draft the month now
    with step(desk, "7-staff-drafted"):
        desk.get_by_role("button", name=zh("Draft now"), exact=True).click()
        expect(desk.locator(".alert-success")).to_have_text(
            zh(
                "Drafted: %(created)s new, %(refreshed)s refreshed, %(published)s already published."
            )
            % {"created": 2, "refreshed": 0, "published": 0}
        )
        # then the compound scores 95.00 with two inspections and two findings: the red list
        cells = _row(desk, COMPOUND, COMPANY).locator("td")
        expect(cells.nth(1)).to_have_text(COMPANY)
        expect(cells.nth(2)).to_have_text(SCORE)
        expect(cells.nth(3)).to_have_text(zh("Red list"))
        expect(cells.nth(4)).to_have_text("2")
        expect(cells.nth(5)).to_have_text("2")
        # and the compound nobody inspected is not ranked
        other_cells = _row(desk, OTHER_COMPOUND, OTHER_COMPANY).locator("td")
        expect(other_cells.nth(3)).to_have_text(zh("Not ranked"))

    card = Scorecard.objects.get(compound=compound, month=month)
    assert (card.status, card.band, str(card.total)) == (Scorecard.Status.DRAFT, "red", SCORE)
    assert not card.has_veto
    assert not card.has_overdue_rectification
    assert card.report_status == expected_compliance.value

    # and publish the list, confirming it
    with step(desk, "8-staff-publish-confirm"):
        desk.get_by_role("link", name=zh("Publish the list"), exact=True).click()
        expect(desk.locator("h1")).to_contain_text(zh("Publish the list"))
        colon = zh_in("label separator", ": ")
        expect(desk.locator("main")).to_contain_text(f"{zh('Red list')}{colon}1")
        expect(desk.locator("main")).to_contain_text(f"{zh('Not ranked')}{colon}1")
        desk.get_by_label(
            zh("I have reviewed the drafts and the replies: publish the list.")
        ).check()
        # The drafts are minutes old: the companies' reply window is still open, so publishing
        # now takes its own tick.
        desk.locator("input[name=early]").check()
    with step(desk, "9-staff-published"):
        desk.get_by_role("button", name=zh("Publish"), exact=True).click()
        # then the publication's page lists the compound with its score and band
        expect(desk.locator("h1")).to_have_text(f"{community.name} · {shown} · #1")
        published = _row(desk, "1", COMPOUND).locator("td")
        expect(published.nth(3)).to_have_text(SCORE)
        expect(published.nth(4)).to_have_text(zh("Red list"))
    desk_context.close()

    publication = Publication.objects.get(community=community, month=month)
    assert (publication.red_count, publication.unranked_count) == (1, 1)
    assert publication.published_by == clerk
    card.refresh_from_db()
    assert card.status == Scorecard.Status.PUBLISHED

    # when an anonymous visitor opens the community's public list on a phone
    visitor_context = browser.new_context(**PHONE)
    visitor = visitor_context.new_page()
    with step(visitor, "10-public-list"):
        visitor.goto(f"{base}/scorecards/public/{community.slug}/")
        expect(visitor.locator("h1")).to_contain_text(community.name)
        # the month as readers say it: 2026年10月
        expect(visitor.locator("main")).to_contain_text(f"{month.year}年{month.month}月")
        # then the compound is on the red list with its score, rank 1, and its company
        red = visitor.locator("#band-red")
        expect(red.locator("h2")).to_contain_text(rules.Band.RED.zh)
        entry = red.locator("li", has_text=COMPOUND)
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(SCORE)
        expect(entry).to_contain_text("#1")
        expect(entry).to_contain_text(COMPANY)
        # and the compound nobody inspected is under "not ranked", not on either list
        expect(visitor.locator("#band-unranked")).to_contain_text(OTHER_COMPOUND)
        expect(visitor.locator("#band-black")).not_to_contain_text(OTHER_COMPOUND)
        fits_phone(visitor)
        # and nothing names the inspector (nor the filer or the clerk)
        text = visitor.locator("body").inner_text()
        for secret in (
            INSPECTOR_USERNAME,
            INSPECTOR_FIRST,
            INSPECTOR_LAST,
            filer.username,
            filer.last_name,
            clerk.username,
        ):
            assert secret not in text, f"{secret!r} is on the public list"
    visitor_context.close()
