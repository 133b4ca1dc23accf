"""Monthly report pages: every view for every role, another company's report by id (404 and
nothing changes), the forms end to end with the bad input of issue 3, the review, and query
budgets at two data sizes."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from scorecards import reports
from scorecards.forms_reports import ReportForm
from scorecards.models import (
    Agreement,
    Commitment,
    MonthlyReport,
    ReportAttachment,
    ReportEvent,
    ScoringSettings,
)
from tests import factories
from tests.scorecards.test_scoring_views import submit_buttons

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "company_user_b",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
    "superuser",
]


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


def jpeg(name="p.jpg", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def agreement(compound_a, company_a):
    agreement = Agreement.objects.create(compound=compound_a, company=company_a, year=2026)
    Commitment.objects.create(agreement=agreement, text="每日清扫楼道", position=0)
    return agreement


@pytest.fixture
def report_a(compound_a, company_a, company_user_a, agreement) -> MonthlyReport:
    report = reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        statuses={c.pk: {"status": "met"} for c in agreement.commitments.all()},
        photos=[jpeg()],
    )
    report = reports.report_submit(report=report, by=company_user_a)
    # Submitted on time (the clock of these tests stands at the end of November).
    on_time = dt.datetime(2026, 11, 3, 2, tzinfo=dt.UTC)
    MonthlyReport.objects.filter(pk=report.pk).update(first_submitted_at=on_time)
    report.refresh_from_db()
    return report


def login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def snapshot(report: MonthlyReport) -> tuple:
    report.refresh_from_db()
    return (
        report.status,
        report.narrative,
        report.review_comment,
        ReportEvent.objects.filter(report=report).count(),
        ReportAttachment.objects.filter(report=report).count(),
    )


# --- Permissions -------------------------------------------------------------------------------

GET_TABLE = {
    # view: codes for the roles in ROLES order. The committee member of 甲 reads its submitted
    # report (never edits it); the filer's edit page of a submitted report sends it back to
    # the report (302) instead of showing a form that can only be refused.
    "my_reports": [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "report_list": [302, 403, 403, 403, 403, 403, 200, 200, 200],
    "reports_overdue": [302, 403, 403, 403, 403, 403, 200, 200, 200],
    "report_detail": [302, 403, 200, 404, 200, 404, 200, 404, 200],
    "report_edit": [302, 403, 302, 404, 403, 404, 403, 404, 403],
    "report_create": [302, 403, 200, 404, 403, 403, 403, 403, 403],
    "report_attachment": [302, 403, 200, 404, 200, 404, 200, 404, 200],
    "committee_reports": [302, 403, 403, 403, 200, 403, 403, 403, 403],
}


@pytest.mark.parametrize("view", list(GET_TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_get_permissions(client, request, report_a, compound_a, view, role):
    login(client, request, role)
    args = {
        "report_detail": [report_a.pk],
        "report_edit": [report_a.pk],
        "report_create": [compound_a.pk],
        "report_attachment": [report_a.attachments.get().pk],
    }.get(view, [])
    response = client.get(en_url(view, *args))
    assert response.status_code == GET_TABLE[view][ROLES.index(role)]


POST_TABLE = {
    "report_submit": [302, 403, 302, 404, 403, 404, 403, 404, 403],
    "report_review": [302, 403, 403, 404, 403, 404, 302, 404, 302],
    "report_edit": [302, 403, 302, 404, 403, 404, 403, 404, 403],
}


@pytest.mark.parametrize("view", list(POST_TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_post_permissions_and_nothing_changes_when_refused(client, request, report_a, view, role):
    login(client, request, role)
    before = snapshot(report_a)
    if view == "report_review":
        url, data = en_url("report_detail", report_a.pk), {"action": "return", "comment": "改"}
    elif view == "report_edit":
        url, data = en_url("report_edit", report_a.pk), {"narrative": "篡改"}
    else:
        url, data = en_url(view, report_a.pk), {}
    response = client.post(url, data)
    expected = POST_TABLE[view][ROLES.index(role)]
    assert response.status_code == expected
    if expected in (403, 404) or (view == "report_submit"):
        # Submitting an already submitted report is refused by the service: nothing changes.
        assert snapshot(report_a) == before
    if view == "report_edit":
        assert snapshot(report_a) == before  # a submitted report is not editable


def test_company_b_cannot_touch_company_a_report_by_id(client, company_user_b, report_a):
    client.force_login(company_user_b)
    before = snapshot(report_a)
    attachment = report_a.attachments.get()
    for url in (
        en_url("report_detail", report_a.pk),
        en_url("report_edit", report_a.pk),
        en_url("report_attachment", attachment.pk),
    ):
        assert client.get(url).status_code == 404
    assert client.post(en_url("report_submit", report_a.pk)).status_code == 404
    assert client.post(en_url("report_edit", report_a.pk), {"narrative": "x"}).status_code == 404
    assert (
        client.post(en_url("report_detail", report_a.pk), {"action": "accept"}).status_code == 404
    )
    assert snapshot(report_a) == before


# --- Forms end to end ------------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "month": "2026-10",
        "staff_on_duty": "12",
        "cleaning_rounds": "60",
        "patrol_rounds": "90",
        "repairs_done": "8",
        "repairs_open": "1",
        "complaints_received": "5",
        "complaints_resolved": "5",
        "complaint_hours": "6.5",
        "fee_collection_rate": "95.5",
        "safety_incidents": "0",
        "narrative": "本月运行平稳",
    }
    data.update(overrides)
    return data


def test_company_files_edits_and_submits(
    client, company_user_a, compound_a, agreement, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 4, 4, tzinfo=dt.UTC), tick=False)
    client.force_login(company_user_a)
    commitment = agreement.commitments.get()
    response = client.get(en_url("report_create", compound_a.pk) + "?month=2026-10")
    assert "每日清扫楼道" in response.content.decode()
    response = client.post(
        en_url("report_create", compound_a.pk),
        form_data(**{f"status_{commitment.pk}": "met", "photos": [jpeg()]}),
    )
    assert response.status_code == 302
    report = MonthlyReport.objects.get()
    assert report.fee_collection_rate == Decimal("0.955")
    assert report.attachments.get().kind == "photo"
    # then edit and submit
    response = client.post(
        en_url("report_edit", report.pk),
        form_data(narrative="修改", **{f"status_{commitment.pk}": "partly"}),
    )
    assert response.status_code == 302
    assert client.post(en_url("report_submit", report.pk)).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.commitment_statuses.get().status == "partly"
    # my reports shows it as on time
    page = client.get(en_url("my_reports")).content.decode()
    assert "on time" in page


BAD = [
    ({"staff_on_duty": "-1"}, "greater than or equal to 0"),
    ({"complaints_received": "3", "complaints_resolved": "4"}, "More complaints resolved"),
    ({"fee_collection_rate": "100.5"}, "less than or equal to 100"),
    ({"month": "2026-11"}, "is not over yet"),
    ({"month": "2027-01"}, "is not over yet"),
    ({"month": "10/2026"}, "YYYY-MM"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD)
def test_bad_input_is_a_clear_error_and_nothing_saved(
    client, company_user_a, compound_a, overrides, message
):
    client.force_login(company_user_a)
    response = client.post(en_url("report_create", compound_a.pk), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MonthlyReport.objects.count() == 0


def field_errors(html: str, field: str) -> str:
    """The error text crispy shows under one field (its ``error_<n>_id_<field>`` elements)."""
    return " ".join(
        re.findall(rf'id="error_\d+_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    )


def test_every_mistake_shows_at_once_next_to_its_field(client, company_user_a, compound_a):
    # given a form with a bad count AND more complaints resolved than received
    client.force_login(company_user_a)
    data = form_data(staff_on_duty="-1", complaints_received="3", complaints_resolved="4")

    # when it is sent once
    response = client.post(en_url("report_create", compound_a.pk), data)

    # then both mistakes are shown, each under its own field, and nothing is saved
    html = response.content.decode()
    assert response.status_code == 400
    assert "greater than or equal to 0" in field_errors(html, "staff_on_duty")
    assert field_errors(html, "complaints_resolved") == (
        "More complaints resolved (4) than received (3)."
    )
    assert MonthlyReport.objects.count() == 0


def test_every_mistake_shows_at_once_when_editing_and_nothing_changes(
    client, company_user_a, compound_a, company_a
):
    draft = reports.report_create(
        compound=compound_a, month=OCT, by=company_user_a, company_ids=[company_a.pk]
    )
    client.force_login(company_user_a)
    before = snapshot(draft)
    data = form_data(
        patrol_rounds="many",
        fee_collection_rate="120",
        complaints_received="0",
        complaints_resolved="2",
        narrative="改了",
    )

    response = client.post(reverse("scorecards:report_edit", args=[draft.pk]), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(html, "patrol_rounds")
    assert field_errors(html, "fee_collection_rate")
    assert field_errors(html, "complaints_resolved") == "办结投诉数（2）多于受理投诉数（0）。"
    assert snapshot(draft) == before
    draft.refresh_from_db()
    assert (draft.patrol_rounds, draft.complaints_resolved) == (0, 0)


# --- A rate typed as a fraction --------------------------------------------------------------


@pytest.mark.parametrize(("typed", "meant"), [("0.9", "90"), ("1", "100"), ("0.01", "1")])
def test_a_rate_typed_as_a_fraction_is_asked_about_once(
    client, company_user_a, compound_a, typed, meant
):
    # given
    client.force_login(company_user_a)

    # when 0.9 is typed where a percentage is asked
    response = client.post(
        en_url("report_create", compound_a.pk), form_data(fee_collection_rate=typed)
    )

    # then it is refused with the rate it most likely means, and the box to keep it shows
    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(html, "fee_collection_rate").startswith(f"Did you mean {meant}%?")
    assert 'name="fee_rate_confirmed"' in html
    assert f"Yes, the fee collection rate really is {typed}%." in html
    assert MonthlyReport.objects.count() == 0


def test_a_rate_typed_as_a_fraction_is_kept_when_confirmed(client, company_user_a, compound_a):
    client.force_login(company_user_a)
    response = client.post(
        en_url("report_create", compound_a.pk),
        form_data(fee_collection_rate="0.9", fee_rate_confirmed="on"),
    )
    assert response.status_code == 302
    assert MonthlyReport.objects.get().fee_collection_rate == Decimal("0.009")


@pytest.mark.parametrize("typed", ["0", "1.01", "90", "", "９０"])
def test_other_rates_are_not_asked_about(client, company_user_a, compound_a, typed):
    client.force_login(company_user_a)
    response = client.post(
        en_url("report_create", compound_a.pk), form_data(fee_collection_rate=typed)
    )
    assert response.status_code == 302
    assert 'name="fee_rate_confirmed"' not in client.get(response.url).content.decode()


def test_a_confirmed_rate_is_not_asked_about_again_when_editing(
    client, company_user_a, compound_a, company_a
):
    # given a draft whose 0.9% was confirmed when it was saved
    draft = reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        data={"fee_collection_rate": Decimal("0.009")},
    )
    client.force_login(company_user_a)
    url = reverse("scorecards:report_edit", args=[draft.pk])
    assert 'name="fee_rate_confirmed"' not in client.get(url).content.decode()

    # when it is saved again with the rate as it was, then with another low one
    kept = client.post(url, form_data(fee_collection_rate="0.9", narrative="改了"))
    changed = client.post(url, form_data(fee_collection_rate="0.8"))

    # then only the new one is asked about
    assert kept.status_code == 302
    assert changed.status_code == 400
    assert "80%" in field_errors(changed.content.decode(), "fee_collection_rate")
    draft.refresh_from_db()
    assert (draft.fee_collection_rate, draft.narrative) == (Decimal("0.009"), "改了")


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        # The check needs both counts: a bad count of either leaves only its own error.
        ({"complaints_received": "x", "complaints_resolved": "4"}, {"complaints_received"}),
        ({"complaints_received": "3", "complaints_resolved": ""}, {"complaints_resolved"}),
        # An unrelated mistake does not hide it.
        (
            {"narrative": "", "safety_incidents": "-2", "complaints_resolved": "6"},
            {"safety_incidents", "complaints_resolved"},
        ),
        # One resolved per received is consistent, one more is not.
        ({"complaints_received": "4", "complaints_resolved": "4"}, set()),
        ({"complaints_received": "4", "complaints_resolved": "5"}, {"complaints_resolved"}),
    ],
)
def test_the_cross_field_check_runs_whenever_its_own_fields_are_valid(overrides, errors):
    form = ReportForm(form_data(**overrides))

    assert form.is_valid() == (not errors)
    assert set(form.errors) == errors
    if "complaints_resolved" in errors and overrides["complaints_resolved"]:
        assert form.errors.as_data()["complaints_resolved"][0].code == "resolved_above_received"


def test_duplicate_month_via_the_form(client, company_user_a, compound_a, report_a):
    client.force_login(company_user_a)
    response = client.post(en_url("report_create", compound_a.pk), form_data())
    assert response.status_code == 400
    assert "There is already a report" in response.content.decode()
    assert MonthlyReport.objects.count() == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"photos": [SimpleUploadedFile("x.jpg", b"MZ\x90\x00" * 50)]}, "not a photo"),
        ({"documents": [jpeg("x.pdf")]}, "must be PDFs"),
    ],
)
def test_bad_files_via_the_form(client, company_user_a, compound_a, files, message):
    client.force_login(company_user_a)
    response = client.post(en_url("report_create", compound_a.pk), {**form_data(), **files})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MonthlyReport.objects.count() == 0
    assert ReportAttachment.objects.count() == 0


def test_oversized_photo_via_the_form(client, company_user_a, compound_a, settings):
    settings.PHOTO_MAX_BYTES = 500
    client.force_login(company_user_a)
    response = client.post(
        en_url("report_create", compound_a.pk), {**form_data(), "photos": [jpeg(size=(300, 300))]}
    )
    assert response.status_code == 400
    assert "at most" in response.content.decode()
    assert MonthlyReport.objects.count() == 0


def test_staff_return_then_accept(client, staff, company_user_a, report_a):
    client.force_login(staff)
    response = client.post(en_url("report_detail", report_a.pk), {"action": "return"})
    assert response.status_code == 400
    assert "needs a comment" in response.content.decode()
    response = client.post(
        en_url("report_detail", report_a.pk), {"action": "return", "comment": "补照片"}
    )
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.status == "returned"
    # The company sees the comment and resubmits.
    client.force_login(company_user_a)
    assert "补照片" in client.get(en_url("report_detail", report_a.pk)).content.decode()
    client.post(en_url("report_submit", report_a.pk))
    client.force_login(staff)
    client.post(en_url("report_detail", report_a.pk), {"action": "accept"})
    report_a.refresh_from_db()
    assert report_a.status == "accepted"
    assert list(report_a.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "return",
        "resubmit",
        "accept",
    ]


def test_staff_list_shows_missing_and_filters(client, staff, compound_a, compound_b, report_a):
    client.force_login(staff)
    page = client.get(en_url("report_list") + "?month=2026-10").content.decode()
    assert compound_a.name in page
    assert compound_b.name in page
    assert "no report" in page
    page = client.get(en_url("report_list") + "?month=2026-10&timeliness=missing").content.decode()
    assert compound_b.name in page
    assert compound_a.name not in page
    page = client.get(en_url("report_list") + "?month=2026-10&status=submitted").content.decode()
    assert compound_a.name in page
    assert compound_b.name not in page


def test_overdue_panel_lists_missing_reports(client, staff, compound_a, compound_b, report_a):
    client.force_login(staff)
    page = client.get(en_url("reports_overdue")).content.decode()
    assert compound_b.name in page
    assert "missing" in page


# --- Query budgets ------------------------------------------------------------------------------


def _grow(community, company, n: int) -> None:
    for _i in range(n):
        compound = factories.CompoundFactory(community=community)
        factories.ServiceContractFactory(compound=compound, company=company)
        MonthlyReport.objects.create(compound=compound, company=company, month=OCT)


@pytest.mark.parametrize(
    ("view", "role"),
    [
        ("report_list", "staff"),
        ("reports_overdue", "staff"),
        ("my_reports", "company_user_a"),
    ],
)
def test_query_counts_equal_at_two_sizes(client, request, community, company_a, view, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    counts = []
    for n in (3, 30):
        _grow(community, company_a, n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url(view))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_pages_render_in_chinese(client, staff, company_user_a, report_a, compound_a):
    # The default language: every page renders without an English-only assumption.
    client.force_login(company_user_a)
    for url in (
        reverse("scorecards:my_reports"),
        reverse("scorecards:report_detail", args=[report_a.pk]),
        reverse("scorecards:report_create", args=[compound_a.pk]),
    ):
        assert client.get(url).status_code in (200,), url
    client.force_login(staff)
    for url in (
        reverse("scorecards:report_list"),
        reverse("scorecards:reports_overdue"),
        reverse("scorecards:report_detail", args=[report_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="zh-hans"' in response.content.decode()


def test_the_report_is_submitted_by_a_button_saying_so(
    client, staff, company_user_a, compound_a, company_a, agreement
):
    report = reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        statuses={c.pk: {"status": "met"} for c in agreement.commitments.all()},
    )
    client.force_login(company_user_a)
    with translation.override("en"):
        url = reverse("scorecards:report_detail", args=[report.pk])
    html = client.get(url).content.decode()
    assert "Submit the report" in submit_buttons(html)
    report = reports.report_submit(report=report, by=company_user_a)
    reports.report_return(report=report, by=staff, comment="fix the rate")
    html = client.get(url).content.decode()
    assert "Resubmit the report" in submit_buttons(html)


# --- The owners' committee reads its compound's filed reports ---------------------------------


@pytest.fixture
def committee_member_b(compound_b):
    return factories.membership_user("committee", compound=compound_b)


def _report(compound, company, month, status) -> MonthlyReport:
    return MonthlyReport.objects.create(
        compound=compound, company=company, month=month, status=status
    )


# status of 甲's report -> what 甲's committee member gets on its page
COMMITTEE_READS = [
    ("draft", 404),
    ("submitted", 200),
    ("accepted", 200),
    ("returned", 404),
]


@pytest.mark.parametrize(("status", "code"), COMMITTEE_READS)
def test_committee_reads_only_filed_reports_of_its_compound(
    client, committee_member_a, compound_a, company_a, status, code
):
    report = _report(compound_a, company_a, OCT, status)
    client.force_login(committee_member_a)
    assert client.get(en_url("report_detail", report.pk)).status_code == code
    listed = client.get(en_url("committee_reports")).content.decode()
    assert (en_url("report_detail", report.pk) in listed) == (code == 200)


def test_committee_reads_each_month_by_name(client, committee_member_a, compound_a, company_a):
    report = _report(compound_a, company_a, OCT, "accepted")
    client.force_login(committee_member_a)
    listed = client.get(en_url("committee_reports")).content.decode()
    table = listed.split('id="committee-reports"', 1)[1].split("</table>", 1)[0]
    assert f'<a href="{en_url("report_detail", report.pk)}">{OCT:%B %Y}</a>' in table
    assert f"{OCT:%Y-%m}" not in table


def test_committee_of_another_compound_gets_404(client, committee_member_b, report_a):
    client.force_login(committee_member_b)
    assert client.get(en_url("report_detail", report_a.pk)).status_code == 404
    attachment = report_a.attachments.get()
    assert client.get(en_url("report_attachment", attachment.pk)).status_code == 404
    assert (
        en_url("report_detail", report_a.pk)
        not in client.get(en_url("committee_reports")).content.decode()
    )


def test_committee_page_reads_without_changing(client, committee_member_a, report_a, agreement):
    client.force_login(committee_member_a)
    page = client.get(en_url("report_detail", report_a.pk)).content.decode()
    assert en_url("report_edit", report_a.pk) not in page
    assert en_url("report_submit", report_a.pk) not in page
    # the agreement and its commitments are a link away, and the people behind each step
    # are not named to the committee
    assert en_url("agreement_detail", agreement.pk) in page
    assert report_a.created_by.username not in page
    listed = client.get(en_url("committee_reports")).content.decode()
    assert en_url("agreement_detail", agreement.pk) in listed


def test_company_report_page_links_its_agreement(client, company_user_a, report_a, agreement):
    client.force_login(company_user_a)
    page = client.get(en_url("report_detail", report_a.pk)).content.decode()
    assert en_url("agreement_detail", agreement.pk) in page


def test_committee_reports_query_count_equal_at_two_sizes(
    client, committee_member_a, compound_a, company_a
):
    client.force_login(committee_member_a)
    counts = []
    month = dt.date(2024, 1, 1)
    for n in (3, 30):
        while MonthlyReport.objects.filter(compound=compound_a).count() < n:
            _report(compound_a, company_a, month, "accepted")
            month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url("committee_reports"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- History, timeliness and the locked edit page ---------------------------------------------


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("create", "created"),
        ("update", "edited"),
        ("submit", "submitted"),
        ("submitted", "submitted"),  # as the demo stored it
        ("resubmit", "resubmitted"),
        ("accept", "accepted"),
        ("return", "returned for changes"),
        ("something-else", "something-else"),  # unknown: shown as stored
    ],
)
def test_event_labels(action, label):
    with translation.override("en"):
        assert str(reports.event_label(action)) == label


def test_history_shows_labels_not_stored_actions(client, company_user_a, report_a):
    client.force_login(company_user_a)
    page = client.get(en_url("report_detail", report_a.pk)).content.decode()
    assert "· created" in page
    assert "· submitted" in page
    assert "· create ·" not in page
    assert "· submit ·" not in page


@pytest.mark.parametrize(
    ("status", "submitted", "label"),
    [
        ("on_time", True, "on time"),
        ("late", True, "late"),
        ("late", False, "late"),
        ("missing", False, "missing"),
        ("missing", True, "submitted after the grace period (counts as not filed)"),
        ("not_due", False, "not due yet"),
    ],
)
def test_compliance_text(status, submitted, label):
    with translation.override("en"):
        assert str(reports.compliance_text(status, is_submitted=submitted)) == label


def test_report_in_after_the_grace_period_is_not_called_missing(client, company_user_a, report_a):
    # given the report first came in on 20 November, after the due day (5th) and grace (3 days)
    late = dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)
    MonthlyReport.objects.filter(pk=report_a.pk).update(first_submitted_at=late)
    client.force_login(company_user_a)
    page = client.get(en_url("report_detail", report_a.pk)).content.decode()
    assert "submitted after the grace period (counts as not filed)" in page
    assert ">missing<" not in page
    page = client.get(en_url("my_reports")).content.decode()
    october = page[page.index('data-month="2026-10"') :].split("</tr>")[0]
    assert "submitted after the grace period (counts as not filed)" in october
    assert ">missing<" not in october


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_locked_report_edit_page_goes_back_with_one_message(
    client, company_user_a, report_a, status
):
    MonthlyReport.objects.filter(pk=report_a.pk).update(status=status)
    client.force_login(company_user_a)
    before = snapshot(report_a)
    for response in (
        client.get(en_url("report_edit", report_a.pk), follow=True),
        client.post(en_url("report_edit", report_a.pk), {"narrative": "x"}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == en_url("report_detail", report_a.pk)
        page = response.content.decode()
        assert page.count("report cannot be changed") == 1
        assert 'name="narrative"' not in page
    assert snapshot(report_a) == before


# --- Which month a report may be for ----------------------------------------------------------


@pytest.fixture
def late_contract(compound_a):
    """甲's company began serving it in June 2025."""
    compound_a.contracts.update(starts_on=dt.date(2025, 6, 15))


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2024-12", "began on 15 Jun 2025"),
        ("2025-05", "began on 15 Jun 2025"),
        ("2026-11", "is not over yet"),
        ("2026-12", "is not over yet"),
    ],
)
def test_month_outside_the_contract_or_unfinished_is_refused(
    client, company_user_a, compound_a, late_contract, month, message
):
    client.force_login(company_user_a)
    response = client.get(en_url("report_create", compound_a.pk) + f"?month={month}", follow=True)
    assert response.redirect_chain[-1][0] == en_url("my_reports")
    assert message in response.content.decode()
    response = client.post(en_url("report_create", compound_a.pk), form_data(month=month))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MonthlyReport.objects.count() == 0


@pytest.mark.parametrize("month", ["2025-06", "2026-10"])
def test_month_within_the_contract_opens_the_form(
    client, company_user_a, compound_a, late_contract, month
):
    client.force_login(company_user_a)
    response = client.get(en_url("report_create", compound_a.pk) + f"?month={month}")
    assert response.status_code == 200
    assert f'value="{month}"' in response.content.decode()


@pytest.mark.parametrize(
    ("filed", "offered"),
    [
        ([], "2025-11"),  # the earliest of the last twelve months (Nov 2025 … Oct 2026)
        (["2025-11", "2025-12", "2026-01"], "2026-02"),
        ([f"2025-{m:02}" for m in (11, 12)] + [f"2026-{m:02}" for m in range(1, 11)], "2026-10"),
    ],
)
def test_form_offers_the_earliest_unfiled_month(
    client, company_user_a, compound_a, company_a, filed, offered
):
    for label in filed:
        year, month = map(int, label.split("-"))
        _report(compound_a, company_a, dt.date(year, month, 1), "accepted")
    client.force_login(company_user_a)
    page = client.get(en_url("report_create", compound_a.pk)).content.decode()
    assert f'value="{offered}"' in page


def test_my_reports_reaches_older_years(client, company_user_a, compound_a, company_a):
    old = _report(compound_a, company_a, dt.date(2024, 12, 1), "accepted")
    client.force_login(company_user_a)
    recent = client.get(en_url("my_reports")).content.decode()
    assert en_url("report_detail", old.pk) not in recent
    assert "?year=2024" in recent  # no thousands separator in the year links
    older = client.get(en_url("my_reports") + "?year=2024").content.decode()
    assert en_url("report_detail", old.pk) in older
    assert 'data-month="2024-01"' in older
    assert 'data-month="2025-01"' not in older


# --- "Save and submit" ---------------------------------------------------------------------------


def _flashed(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


def test_save_and_submit_files_the_report_in_one_step(
    client, company_user_a, compound_a, agreement, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 4, 4, tzinfo=dt.UTC), tick=False)
    client.force_login(company_user_a)
    commitment = agreement.commitments.get()
    form = client.get(en_url("report_create", compound_a.pk) + "?month=2026-10").content.decode()
    assert {"Save draft", "Save and submit"} <= set(submit_buttons(form))

    response = client.post(
        en_url("report_create", compound_a.pk),
        form_data(and_submit="1", **{f"status_{commitment.pk}": "met"}),
    )

    report = MonthlyReport.objects.get()
    assert response.url == en_url("report_detail", report.pk)
    assert (report.status, report.first_submitted_at is not None) == ("submitted", True)
    assert _flashed(response) == ["Saved and submitted to the community."]


def test_save_and_submit_keeps_the_draft_when_the_submission_is_refused(
    client, company_user_a, compound_a, agreement, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 4, 4, tzinfo=dt.UTC), tick=False)
    client.force_login(company_user_a)

    # a commitment without a status: the draft is saved, the submission refused with the reason
    response = client.post(en_url("report_create", compound_a.pk), form_data(and_submit="1"))

    report = MonthlyReport.objects.get()
    assert (response.status_code, report.status, report.narrative) == (302, "draft", "本月运行平稳")
    with translation.override("en"):
        why = str(reports.COMMITMENT_STATUS_MISSING)
    assert _flashed(response) == [f"Saved as a draft, but not submitted: {why}"]


def test_a_returned_report_is_saved_and_resubmitted(
    client, staff, company_user_a, compound_a, company_a, agreement
):
    report = reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        statuses={c.pk: {"status": "met"} for c in agreement.commitments.all()},
    )
    report = reports.report_submit(report=report, by=company_user_a)
    reports.report_return(report=report, by=staff, comment="fix the rate")
    client.force_login(company_user_a)
    form = client.get(en_url("report_edit", report.pk)).content.decode()
    assert "Save and resubmit" in submit_buttons(form)

    data = form_data(and_submit="1", fee_collection_rate="96", month="2026-10")
    data.update({f"status_{c.pk}": "met" for c in agreement.commitments.all()})
    response = client.post(en_url("report_edit", report.pk), data)

    report.refresh_from_db()
    assert (response.status_code, report.status) == (302, "submitted")
    assert report.fee_collection_rate == Decimal("0.96")
    assert report.events.filter(action="resubmit").count() == 1


# --- the due date on the form ----------------------------------------------------------------------


def _due_notice(html: str) -> str:
    found = re.search(r'data-figure="report-due">(.*?)</div>', html, re.S)
    assert found, "no due-date notice on the form"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.mark.parametrize(
    ("now", "due_day", "due", "passed"),
    [
        (dt.datetime(2026, 11, 4, 4, tzinfo=dt.UTC), None, "5 November 2026", None),
        (dt.datetime(2026, 11, 5, 4, tzinfo=dt.UTC), None, "5 November 2026", None),
        (dt.datetime(2026, 11, 6, 4, tzinfo=dt.UTC), None, "5 November 2026", "counted late"),
        (dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC), None, "5 November 2026", "not filed"),
        (dt.datetime(2026, 11, 7, 4, tzinfo=dt.UTC), 10, "10 November 2026", None),
    ],
)
def test_the_new_report_form_says_when_the_month_is_due(
    client, company_user_a, compound_a, time_machine, now, due_day, due, passed
):
    # given: the community's due day of 2026, or the default (the 5th)
    time_machine.move_to(now, tick=False)
    if due_day:
        ScoringSettings.objects.create(
            community=compound_a.community, year=2026, report_due_day=due_day
        )
    # when
    client.force_login(company_user_a)
    url = en_url("report_create", compound_a.pk) + "?month=2026-10"
    notice = _due_notice(client.get(url).content.decode())
    # then
    assert f"The report of October 2026 is due on {due}." in notice
    assert "counts only once submitted" in notice
    if passed is None:
        assert "counted late" not in notice
        assert "not filed" not in notice
    else:
        assert passed in notice


def test_the_edit_form_of_a_draft_says_it_is_due_and_of_a_filed_one_when_it_came_in(
    client, company_user_a, compound_a, company_a, report_a, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 6, 4, tzinfo=dt.UTC), tick=False)
    draft = _report(compound_a, company_a, dt.date(2026, 9, 1), "draft")
    client.force_login(company_user_a)
    notice = _due_notice(client.get(en_url("report_edit", draft.pk)).content.decode())
    assert "The report of September 2026 is due on 5 October 2026." in notice
    assert "not filed" in notice  # September's grace period ended on 8 October
    reports.report_return(report=report_a, by=factories.UserFactory(), comment="Add photos.")
    notice = _due_notice(client.get(en_url("report_edit", report_a.pk)).content.decode())
    assert "First submitted on 3 Nov 2026 (due on 5 Nov 2026)" in notice
    assert "counted late" not in notice


@pytest.mark.parametrize(
    ("month", "due_day", "due_on"),
    [
        (dt.date(2026, 10, 1), 5, dt.date(2026, 11, 5)),
        (dt.date(2026, 12, 1), 28, dt.date(2027, 1, 28)),
        (dt.date(2026, 1, 1), 28, dt.date(2026, 2, 28)),
        (dt.date(2026, 10, 17), 1, dt.date(2026, 11, 1)),
    ],
)
def test_report_due_on(month, due_day, due_on):
    assert reports.report_due_on(month, due_day=due_day) == due_on
