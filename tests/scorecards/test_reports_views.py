"""Monthly report pages: every view for every role, another company's report by id (404 and
nothing changes), the forms end to end with the bad input of issue 3, the review, and query
budgets at two data sizes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from scorecards import reports
from scorecards.models import (
    Agreement,
    Commitment,
    MonthlyReport,
    ReportAttachment,
    ReportEvent,
)
from tests import factories

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
    # view: codes for the roles in ROLES order
    "my_reports": [302, 403, 200, 200, 403, 403, 403, 403, 403],
    "report_list": [302, 403, 403, 403, 403, 403, 200, 200, 200],
    "reports_overdue": [302, 403, 403, 403, 403, 403, 200, 200, 200],
    "report_detail": [302, 403, 200, 404, 404, 404, 200, 404, 200],
    "report_edit": [302, 403, 200, 404, 404, 404, 403, 404, 403],
    "report_create": [302, 403, 200, 404, 403, 403, 403, 403, 403],
    "report_attachment": [302, 403, 200, 404, 404, 404, 200, 404, 200],
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
    "report_submit": [302, 403, 302, 404, 404, 404, 403, 404, 403],
    "report_review": [302, 403, 403, 404, 404, 404, 302, 404, 302],
    "report_edit": [302, 403, 400, 404, 404, 404, 403, 404, 403],
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
    if view == "report_edit" and expected == 400:
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
