"""Monthly report services: creation rules, every transition (and every refused one), files
checked by content, timeliness (on time / late / missing) at its boundaries, one query for many
compounds, and the late-and-missing selector for the staff dashboard."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from scorecards import reports
from scorecards.models import (
    Agreement,
    Commitment,
    CommitmentStatus,
    MonthlyReport,
    ReportAttachment,
    ReportEvent,
    ScoringSettings,
)
from tests import factories

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 27)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC), tick=False)


@pytest.fixture(autouse=True)
def _english(_default_language):
    # Refusals are asserted by their English wording.
    with translation.override("en"):
        yield


def jpeg(name: str = "p.jpg", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def exe_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")


def pdf(name: str = "r.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def create(compound, user, company, month=OCT, **kwargs) -> MonthlyReport:
    return reports.report_create(
        compound=compound, month=month, by=user, company_ids=[company.pk], **kwargs
    )


@pytest.fixture
def agreement(compound_a, company_a) -> Agreement:
    agreement = Agreement.objects.create(compound=compound_a, company=company_a, year=2026)
    Commitment.objects.create(agreement=agreement, text="每日清扫楼道", position=0)
    Commitment.objects.create(agreement=agreement, text="门岗24小时值守", position=1)
    Commitment.objects.create(agreement=agreement, text="已撤回", position=2, is_withdrawn=True)
    return agreement


def all_met(agreement) -> dict:
    return {
        c.pk: {"status": "met", "note": ""}
        for c in agreement.commitments.filter(is_withdrawn=False)
    }


# --- Creation -----------------------------------------------------------------------------------


def test_company_creates_a_draft_with_statuses_and_files(
    compound_a, company_a, company_user_a, agreement
):
    report = create(
        compound_a,
        company_user_a,
        company_a,
        data={
            "staff_on_duty": 12,
            "complaints_received": 5,
            "complaints_resolved": 4,
            "fee_collection_rate": Decimal("0.955"),
        },
        statuses=all_met(agreement),
        photos=[jpeg()],
        docs=[pdf()],
    )
    assert report.status == MonthlyReport.Status.DRAFT
    assert report.company == company_a
    assert report.month == OCT
    assert report.fee_collection_rate == Decimal("0.955")
    assert report.commitment_statuses.count() == 2
    kinds = sorted(a.kind for a in report.attachments.all())
    assert kinds == ["document", "photo"]
    photo = report.attachments.get(kind="photo")
    assert photo.thumbnail
    assert photo.file.name.endswith(".jpg")
    assert list(report.events.values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize(
    ("month", "ok"),
    [
        (dt.date(2026, 10, 1), True),  # last finished month
        (dt.date(2026, 10, 31), True),  # any day of it means the month
        (dt.date(2026, 11, 1), False),  # the current month is not finished
        (dt.date(2026, 12, 1), False),  # future
    ],
)
def test_only_finished_months(compound_a, company_a, company_user_a, month, ok):
    if ok:
        assert create(compound_a, company_user_a, company_a, month=month).month == OCT
    else:
        with pytest.raises(ValidationError) as exc:
            create(compound_a, company_user_a, company_a, month=month)
        assert "month" in exc.value.error_dict
        assert MonthlyReport.objects.count() == 0


def test_duplicate_month_refused(compound_a, company_a, company_user_a):
    create(compound_a, company_user_a, company_a)
    with pytest.raises(ValidationError) as exc:
        create(compound_a, company_user_a, company_a, month=dt.date(2026, 10, 15))
    assert "already a report" in str(exc.value.error_dict["month"])
    assert MonthlyReport.objects.count() == 1


def test_company_files_only_for_compounds_it_served_that_month(
    compound_a, compound_b, company_a, company_user_a
):
    with pytest.raises(ValidationError, match="did not serve"):
        create(compound_b, company_user_a, company_a)
    # A contract that ended before October does not count; one that ended within it does.
    contract = compound_a.contracts.get()
    contract.ends_on = dt.date(2026, 9, 30)
    contract.save()
    with pytest.raises(ValidationError, match="did not serve"):
        create(compound_a, company_user_a, company_a)
    contract.ends_on = dt.date(2026, 10, 1)
    contract.save()
    assert create(compound_a, company_user_a, company_a).company == company_a


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"staff_on_duty": -1}, "staff_on_duty"),
        ({"repairs_open": -3}, "repairs_open"),
        ({"complaint_hours": Decimal("-0.5")}, "complaint_hours"),
        ({"fee_collection_rate": Decimal("1.0001")}, "fee_collection_rate"),
        ({"fee_collection_rate": Decimal("-0.01")}, "fee_collection_rate"),
        ({"complaints_received": 3, "complaints_resolved": 4}, "complaints_resolved"),
    ],
)
def test_bad_numbers_refused_and_nothing_saved(compound_a, company_a, company_user_a, data, field):
    with pytest.raises(ValidationError) as exc:
        create(compound_a, company_user_a, company_a, data=data, photos=[jpeg()])
    assert field in exc.value.error_dict
    assert MonthlyReport.objects.count() == 0
    assert ReportAttachment.objects.count() == 0


@pytest.mark.parametrize(
    ("data"),
    [
        {"fee_collection_rate": Decimal(1)},
        {"fee_collection_rate": Decimal(0)},
        {"complaints_received": 4, "complaints_resolved": 4},
        {"staff_on_duty": 0},
    ],
)
def test_boundary_numbers_accepted(compound_a, company_a, company_user_a, data):
    assert create(compound_a, company_user_a, company_a, data=data).pk


def test_exe_renamed_jpg_refused(compound_a, company_a, company_user_a):
    with pytest.raises(ValidationError) as exc:
        create(compound_a, company_user_a, company_a, photos=[jpeg(), exe_as_jpg()])
    assert "photo.jpg" in str(exc.value.error_dict["photos"])
    assert MonthlyReport.objects.count() == 0
    assert ReportAttachment.objects.count() == 0


def test_oversized_photo_refused(compound_a, company_a, company_user_a, settings):
    settings.PHOTO_MAX_BYTES = 500
    big = jpeg(size=(400, 400))
    assert big.size > 500
    with pytest.raises(ValidationError) as exc:
        create(compound_a, company_user_a, company_a, photos=[big])
    assert "at most" in str(exc.value.error_dict["photos"])
    assert MonthlyReport.objects.count() == 0


def test_document_must_be_a_pdf_by_content(compound_a, company_a, company_user_a):
    with pytest.raises(ValidationError) as exc:
        create(compound_a, company_user_a, company_a, docs=[jpeg("minutes.pdf")])
    assert "PDF" in str(exc.value.error_dict["documents"])
    assert MonthlyReport.objects.count() == 0


def test_status_for_a_commitment_of_another_compound_refused(
    compound_a, compound_b, company_a, company_b, company_user_a, agreement
):
    other = Agreement.objects.create(compound=compound_b, company=company_b, year=2026)
    foreign = Commitment.objects.create(agreement=other, text="别人的承诺")
    with pytest.raises(ValidationError, match="not in the agreement"):
        create(compound_a, company_user_a, company_a, statuses={foreign.pk: {"status": "met"}})
    assert MonthlyReport.objects.count() == 0


# --- Transitions -------------------------------------------------------------------------------


def test_full_flow_draft_submit_return_resubmit_accept(
    compound_a, company_a, company_user_a, staff, agreement
):
    report = create(compound_a, company_user_a, company_a, statuses=all_met(agreement))
    report = reports.report_submit(report=report, by=company_user_a)
    first = report.first_submitted_at
    assert report.status == "submitted"
    assert first
    report = reports.report_return(report=report, by=staff, comment="补充照片")
    assert report.status == "returned"
    assert report.review_comment == "补充照片"
    report = reports.report_update(
        report=report, by=company_user_a, data={"narrative": "已补充"}, photos=[jpeg()]
    )
    report = reports.report_submit(report=report, by=company_user_a)
    assert report.first_submitted_at == first
    report = reports.report_accept(report=report, by=staff)
    assert report.status == "accepted"
    assert report.reviewed_by == staff
    assert list(report.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "return",
        "update",
        "resubmit",
        "accept",
    ]


def test_submit_needs_a_status_for_each_commitment(
    compound_a, company_a, company_user_a, agreement
):
    report = create(compound_a, company_user_a, company_a)
    with pytest.raises(ValidationError, match="every commitment"):
        reports.report_submit(report=report, by=company_user_a)
    report.refresh_from_db()
    assert report.status == "draft"
    assert report.first_submitted_at is None


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("submitted", "submit", "cannot be submitted"),
        ("accepted", "submit", "cannot be submitted"),
        ("draft", "accept", "Only a submitted report"),
        ("returned", "accept", "Only a submitted report"),
        ("accepted", "accept", "Only a submitted report"),
        ("draft", "return", "Only a submitted report"),
        ("accepted", "return", "Only a submitted report"),
        ("submitted", "update", "cannot be changed"),
        ("accepted", "update", "cannot be changed"),
    ],
)
def test_refused_transitions_say_why(
    compound_a, company_a, company_user_a, staff, status, action, message
):
    report = create(compound_a, company_user_a, company_a)
    MonthlyReport.objects.filter(pk=report.pk).update(status=status)
    events = ReportEvent.objects.count()
    calls = {
        "submit": lambda: reports.report_submit(report=report, by=company_user_a),
        "accept": lambda: reports.report_accept(report=report, by=staff),
        "return": lambda: reports.report_return(report=report, by=staff, comment="x"),
        "update": lambda: reports.report_update(
            report=report, by=company_user_a, data={"narrative": "x"}
        ),
    }
    with pytest.raises(ValidationError, match=message):
        calls[action]()
    report.refresh_from_db()
    assert report.status == status
    assert report.narrative == ""
    assert ReportEvent.objects.count() == events


def test_return_needs_a_comment(compound_a, company_a, company_user_a, staff):
    report = reports.report_submit(
        report=create(compound_a, company_user_a, company_a), by=company_user_a
    )
    with pytest.raises(ValidationError) as exc:
        reports.report_return(report=report, by=staff, comment="   ")
    assert "comment" in exc.value.error_dict
    report.refresh_from_db()
    assert report.status == "submitted"


def test_update_clears_a_status_and_removes_attachments(
    compound_a, company_a, company_user_a, agreement
):
    report = create(
        compound_a, company_user_a, company_a, statuses=all_met(agreement), photos=[jpeg()]
    )
    first = agreement.commitments.first()
    attachment = report.attachments.get()
    reports.report_update(
        report=report,
        by=company_user_a,
        statuses={first.pk: {"status": ""}},
        remove_attachments=[attachment.pk],
    )
    assert not CommitmentStatus.objects.filter(report=report, commitment=first).exists()
    attachment.refresh_from_db()
    assert attachment.is_removed


# --- Timeliness --------------------------------------------------------------------------------


def submitted_on(report: MonthlyReport, day: dt.date) -> None:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 30)))
    MonthlyReport.objects.filter(pk=report.pk).update(
        status="submitted", first_submitted_at=at, submitted_at=at
    )


@pytest.mark.parametrize(
    ("submitted", "today", "expected"),
    [
        (dt.date(2026, 11, 5), dt.date(2026, 11, 27), "on_time"),  # on the due day (local time)
        (dt.date(2026, 11, 6), dt.date(2026, 11, 27), "late"),  # one day after
        (dt.date(2026, 11, 8), dt.date(2026, 11, 27), "late"),  # last day of grace
        (dt.date(2026, 11, 9), dt.date(2026, 11, 27), "missing"),  # after the grace period
        (None, dt.date(2026, 11, 5), "not_due"),
        (None, dt.date(2026, 11, 6), "late"),
        (None, dt.date(2026, 11, 8), "late"),
        (None, dt.date(2026, 11, 9), "missing"),
    ],
)
def test_compliance_boundaries(compound_a, company_a, company_user_a, submitted, today, expected):
    report = create(compound_a, company_user_a, company_a)
    if submitted:
        submitted_on(report, submitted)
    assert reports.report_compliance([compound_a.pk], OCT, today=today) == {compound_a.pk: expected}


def test_compliance_uses_the_community_settings(community, compound_a, company_a, company_user_a):
    ScoringSettings.objects.create(
        community=community, year=2026, report_due_day=10, report_grace_days=0
    )
    report = create(compound_a, company_user_a, company_a)
    submitted_on(report, dt.date(2026, 11, 10))
    assert reports.report_compliance([compound_a.pk], OCT) == {compound_a.pk: "on_time"}
    submitted_on(report, dt.date(2026, 11, 11))
    assert reports.report_compliance([compound_a.pk], OCT) == {compound_a.pk: "missing"}


def test_a_draft_never_submitted_is_missing(compound_a, company_a, company_user_a):
    create(compound_a, company_user_a, company_a)
    assert reports.report_compliance([compound_a.pk], OCT) == {compound_a.pk: "missing"}


def test_compliance_is_one_query_for_many_compounds(community, other_community, company_a):
    compounds = [factories.CompoundFactory(community=community) for _ in range(5)]
    compounds += [factories.CompoundFactory(community=other_community) for _ in range(5)]
    ScoringSettings.objects.create(community=other_community, year=2026, report_due_day=20)
    with CaptureQueriesContext(connection) as queries:
        result = reports.report_compliance(
            [c.pk for c in compounds], OCT, today=dt.date(2026, 11, 10)
        )
    assert len(queries) == 1
    # Due on the 5th (+3 grace) in one community, the 20th in the other.
    assert {result[c.pk] for c in compounds[:5]} == {"missing"}
    assert {result[c.pk] for c in compounds[5:]} == {"not_due"}


def test_compliance_by_month_is_the_monthly_rule_in_two_queries(
    community, other_community, compound_a, company_a, company_user_a
):
    # given a year across two calendar years, a later due day in 2026 in the other community,
    # and reports of compound_a on time, late and never submitted
    other = factories.CompoundFactory(community=other_community)
    ScoringSettings.objects.create(
        community=other_community, year=2026, report_due_day=20, report_grace_days=1
    )
    months = [dt.date(2025, 11, 1), dt.date(2025, 12, 1)]
    months += [dt.date(2026, m, 1) for m in range(1, 11)]
    for month, submitted in (
        (dt.date(2025, 12, 1), dt.date(2026, 1, 5)),
        (dt.date(2026, 3, 1), dt.date(2026, 4, 7)),
        (dt.date(2026, 9, 1), None),
    ):
        report = create(compound_a, company_user_a, company_a, month=month)
        if submitted:
            submitted_on(report, submitted)
    wanted = {month: [compound_a.pk, other.pk, 0] for month in months}  # 0: no such compound

    # when
    with CaptureQueriesContext(connection) as queries:
        found = reports.report_compliance_by_month(wanted, today=TODAY)

    # then the two queries say what the one-month rule says of each month
    assert len(queries) == 2
    for month in months:
        assert found[month] == reports.report_compliance_rows(wanted[month], month, today=TODAY)
    assert found[dt.date(2025, 12, 1)][compound_a.pk].status == "on_time"
    assert found[dt.date(2026, 3, 1)][compound_a.pk].status == "late"
    assert found[dt.date(2026, 9, 1)][compound_a.pk].status == "missing"
    assert found[OCT][other.pk].due_on == dt.date(2026, 11, 20)
    assert found[dt.date(2025, 11, 1)][other.pk].due_on == dt.date(2025, 12, 5)


def test_late_and_missing_costs_the_same_queries_for_more_months(community, compound_a, compound_b):
    def queries(months: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = reports.late_and_missing(community, TODAY, months=months)
        assert len(rows) == 2 * months  # nothing filed: both compounds, every month
        return len(ctx.captured_queries)

    assert queries(2) == queries(6)


def test_late_and_missing_for_the_dashboard(
    community, compound_a, compound_b, company_a, company_user_a
):
    # October: a's report on time, b's missing. September: both missing (no reports).
    report = create(compound_a, company_user_a, company_a)
    submitted_on(report, dt.date(2026, 11, 2))
    rows = reports.late_and_missing(community, TODAY, months=2)
    # Newest month first; within a month by name (the database's collation decides).
    assert [r.month for r in rows] == [OCT, dt.date(2026, 9, 1), dt.date(2026, 9, 1)]
    found = {(r.compound.pk, r.month, r.status) for r in rows}
    assert found == {
        (compound_b.pk, OCT, "missing"),
        (compound_b.pk, dt.date(2026, 9, 1), "missing"),
        (compound_a.pk, dt.date(2026, 9, 1), "missing"),
    }
    # Before the due date of October nothing of October is listed.
    rows = reports.late_and_missing(community, dt.date(2026, 11, 3), months=1)
    assert rows == []


def test_late_and_missing_skips_compounds_not_under_contract(community, compound_a):
    contract = compound_a.contracts.get()
    contract.starts_on = dt.date(2026, 11, 1)
    contract.save()
    assert reports.late_and_missing(community, TODAY, months=2) == []
