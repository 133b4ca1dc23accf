"""Inspections and complaints: every rule of ``scorecards.inspections`` and every refusal.

Helpers here (``criterion``, ``record``) are reused by the other inspections test modules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils.formats import date_format

from compounds.models import Compound
from scorecards import inspections
from scorecards.inspections import FindingInput
from scorecards.models import (
    Complaint,
    Finding,
    Inspection,
    InspectionPhoto,
    Rectification,
    RectificationEvent,
    Rubric,
    RubricCriterion,
    ScoringSettings,
    VetoItem,
)
from scorecards.rules import EarliestReason
from scorecards.setup import rubric_for
from tests import factories
from tests.campaigns.factories import image_bytes, photo_upload
from tests.scorecards.test_public_data import publish
from tongde.text import long_date
from tongde.uploads import PHOTO_NOT_IMAGE

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
TODAY = dt.date(2026, 3, 12)
ONE = dt.timedelta(days=1)


def criterion(community, code: str = "cleanliness", year: int = 2026) -> RubricCriterion:
    return rubric_for(community, year).criteria.get(code=code)


def veto(community, code: str = "major_safety_accident", year: int = 2026) -> VetoItem:
    return rubric_for(community, year).veto_items.get(code=code)


def finding_input(community, **kwargs) -> FindingInput:
    crit = kwargs.pop("criterion", None) or criterion(community)
    kwargs.setdefault("description", "楼道堆物")
    if "deduction_item" not in kwargs and "points" not in kwargs and "veto_item" not in kwargs:
        kwargs["deduction_item"] = crit.deduction_items.first()
    return FindingInput(criterion=crit, **kwargs)


def record(compound, user, *findings, day=DAY, today=TODAY, photos=()):
    findings = findings or (finding_input(compound.community),)
    return inspections.inspection_record(
        compound=compound,
        day=day,
        inspector=user,
        findings=list(findings),
        photos=list(photos),
        today=today,
    )


def counts() -> tuple[int, int, int, int, int]:
    return (
        Inspection.objects.count(),
        Finding.objects.count(),
        Rectification.objects.count(),
        RectificationEvent.objects.count(),
        InspectionPhoto.objects.count(),
    )


# --- recording -------------------------------------------------------------------------------------


def test_a_finding_raises_a_rectification_for_the_company_with_the_default_deadline(
    compound_a, company_a, staff
):
    community = compound_a.community
    stairwell = criterion(community).deduction_items.get(code="stairwell_clutter")
    inspection = record(compound_a, staff, finding_input(community, deduction_item=stairwell))

    finding = inspection.findings.get()
    assert (finding.points, finding.found_on, finding.criterion.code) == (
        Decimal(2),
        DAY,
        "cleanliness",
    )
    rect = finding.rectification
    assert rect.company == company_a
    assert rect.status == Rectification.Status.OPEN
    # Recorded two days after the visit: raised the day the company is told, 7 days from then.
    assert (rect.created_on, rect.deadline_on) == (TODAY, TODAY + dt.timedelta(days=7))
    assert list(rect.events.values_list("action", flat=True)) == ["raised"]


@pytest.mark.parametrize(
    ("day", "today", "deadline_given", "expected"),
    [
        # Recorded on the day of the visit: 7 days from the visit.
        (dt.date(2026, 3, 10), dt.date(2026, 3, 10), None, dt.date(2026, 3, 17)),
        # Typed in a day or two weeks late: 7 days from the day it is recorded, never overdue
        # at once.
        (dt.date(2026, 3, 10), dt.date(2026, 3, 11), None, dt.date(2026, 3, 18)),
        (dt.date(2026, 3, 10), dt.date(2026, 3, 24), None, dt.date(2026, 3, 31)),
        # Across a month and a year.
        (dt.date(2025, 12, 30), dt.date(2026, 1, 2), None, dt.date(2026, 1, 9)),
        # A deadline given is kept, even one already past: staff may have told the company on
        # paper at the visit.
        (dt.date(2026, 3, 10), dt.date(2026, 3, 24), dt.date(2026, 3, 17), dt.date(2026, 3, 17)),
        (dt.date(2026, 3, 10), dt.date(2026, 3, 10), dt.date(2026, 3, 10), dt.date(2026, 3, 10)),
    ],
)
def test_the_default_deadline_counts_from_the_day_the_finding_is_recorded(
    compound_a, staff, day, today, deadline_given, expected
):
    community = compound_a.community
    rubric_for(community, day.year)
    item = finding_input(
        compound_a.community,
        criterion=criterion(community, year=day.year),
        deadline_on=deadline_given,
    )
    inspection = record(compound_a, staff, item, day=day, today=today)
    assert inspection.findings.get().rectification.deadline_on == expected


def test_deadline_follows_the_community_setting_or_the_one_given(compound_a, staff):
    community = compound_a.community
    ScoringSettings.objects.create(community=community, year=2026, rectification_days=3)
    inspection = record(
        compound_a,
        staff,
        finding_input(community),
        finding_input(community, deadline_on=dt.date(2026, 3, 20)),
    )
    deadlines = sorted(f.rectification.deadline_on for f in inspection.findings.all())
    assert deadlines == [TODAY + dt.timedelta(days=3), dt.date(2026, 3, 20)]


def test_points_given_override_the_standard_and_a_veto_alone_deducts_nothing(compound_a, staff):
    community = compound_a.community
    inspection = record(
        compound_a,
        staff,
        finding_input(community, points=Decimal("4.5")),
        finding_input(
            community, criterion=criterion(community, "fire_safety"), veto_item=veto(community)
        ),
    )
    by_code = {f.criterion.code: f for f in inspection.findings.all()}
    assert by_code["cleanliness"].points == Decimal("4.5")
    assert by_code["fire_safety"].points == 0
    assert by_code["fire_safety"].veto_item.code == "major_safety_accident"


def test_grid_worker_records_and_a_clean_visit_has_no_findings(compound_a, grid_worker):
    inspection = inspections.inspection_record(
        compound=compound_a, day=DAY, inspector=grid_worker, findings=[], today=TODAY
    )
    assert inspection.inspector == grid_worker
    assert inspection.findings.count() == 0


def test_a_courtyard_gets_findings_but_no_rectification(community, staff):
    courtyard = factories.CompoundFactory(community=community, kind=Compound.Kind.COURTYARD)
    inspection = record(courtyard, staff)
    assert inspection.findings.count() == 1
    assert Rectification.objects.count() == 0


def test_the_company_serving_on_the_day_gets_the_item(community, company_a, company_b, staff):
    compound = factories.CompoundFactory(community=community)
    factories.ServiceContractFactory(
        compound=compound, company=company_a, ends_on=dt.date(2026, 2, 28)
    )
    factories.ServiceContractFactory(
        compound=compound, company=company_b, starts_on=dt.date(2026, 3, 1)
    )
    february = record(compound, staff, day=dt.date(2026, 2, 20))
    march = record(compound, staff)
    assert february.findings.get().rectification.company == company_a
    assert march.findings.get().rectification.company == company_b


def test_photos_are_stored_with_thumbnails_under_random_names(compound_a, staff):
    inspection = record(
        compound_a,
        staff,
        finding_input(compound_a.community, photo=photo_upload("my-secret-name.jpg")),
        photos=[photo_upload("gate.jpg"), photo_upload("stairs.png", image_bytes("PNG"))],
    )
    photos = list(inspection.photos.all())
    assert len(photos) == 2
    assert all(p.thumbnail.name.endswith(".jpg") for p in photos)
    assert photos[1].image.name.endswith(".png")
    assert "my-secret-name" not in inspection.findings.get().photo.name


# --- refusals: nothing saved -----------------------------------------------------------------------


def _refused(call) -> dict[str, list[str]]:
    before = counts()
    with pytest.raises(ValidationError) as exc:
        call()
    assert counts() == before
    return exc.value.message_dict if hasattr(exc.value, "error_dict") else {"": exc.value.messages}


def test_future_date_is_refused(compound_a, staff):
    errors = _refused(lambda: record(compound_a, staff, day=TODAY + dt.timedelta(days=1)))
    assert errors == {"inspected_on": [str(inspections.DATE_IN_FUTURE)]}


def _too_early(compound, reason, earliest: dt.date) -> str:
    month = date_format(earliest - dt.timedelta(days=1), "YEAR_MONTH_FORMAT")
    return str(
        inspections.TOO_EARLY[reason]
        % {"compound": compound.name, "earliest": long_date(earliest), "month": month}
    )


@pytest.mark.parametrize(
    ("day", "earliest", "reason"),
    [
        (dt.date(1990, 5, 1), dt.date(2026, 1, 15), EarliestReason.CONTRACT),
        (dt.date(2026, 1, 14), dt.date(2026, 1, 15), EarliestReason.CONTRACT),
        (dt.date(2026, 1, 15), None, None),  # the contract's first day
        (DAY, None, None),
    ],
)
def test_an_inspection_before_the_first_contract_is_refused(
    community, company_a, staff, day, earliest, reason
):
    # given: a compound served since 15 January 2026, by one company then another
    compound = factories.CompoundFactory(community=community)
    factories.ServiceContractFactory(
        compound=compound,
        company=company_a,
        starts_on=dt.date(2026, 1, 15),
        ends_on=dt.date(2026, 2, 28),
    )
    factories.ServiceContractFactory(compound=compound, starts_on=dt.date(2026, 3, 1))
    if earliest is None:
        # when / then: accepted
        assert record(compound, staff, day=day).inspected_on == day
        return
    # when / then: refused, naming the earliest date, and nothing is saved (not even a rubric)
    errors = _refused(lambda: record(compound, staff, day=day))
    assert errors == {"inspected_on": [_too_early(compound, reason, earliest)]}
    assert set(Rubric.objects.values_list("year", flat=True)) == {2026}


@pytest.mark.parametrize(
    ("day", "refused"),
    [(dt.date(1999, 12, 31), True), (dt.date(2000, 1, 1), False)],
)
def test_a_courtyard_no_company_served_has_the_floor_only(community, staff, day, refused):
    courtyard = factories.CompoundFactory(community=community, kind=Compound.Kind.COURTYARD)
    if not refused:
        assert record(courtyard, staff, day=day).inspected_on == day
        return
    errors = _refused(lambda: record(courtyard, staff, day=day))
    assert errors == {"inspected_on": [_too_early(courtyard, EarliestReason.FLOOR, day + ONE)]}


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (dt.date(2025, 12, 20), True),  # before the published month
        (dt.date(2026, 1, 31), True),  # its last day
        (dt.date(2026, 2, 1), False),  # the next month's first day
    ],
)
def test_an_inspection_in_a_published_month_is_refused(compound_a, staff, day, refused):
    # given: January 2026 published (February not yet)
    publish(compound_a.community, dt.date(2026, 1, 1), [])
    if not refused:
        assert record(compound_a, staff, day=day).inspected_on == day
        return
    errors = _refused(lambda: record(compound_a, staff, day=day))
    expected = _too_early(compound_a, EarliestReason.PUBLISHED, dt.date(2026, 2, 1))
    assert errors == {"inspected_on": [expected]}
    assert "2026年1月" in expected


def test_a_published_month_of_another_community_binds_nothing(compound_a, other_community, staff):
    publish(other_community, dt.date(2026, 3, 1), [])
    assert record(compound_a, staff, day=DAY).inspected_on == DAY


def test_today_is_accepted(compound_a, staff):
    assert record(compound_a, staff, day=TODAY).inspected_on == TODAY


@pytest.mark.parametrize(
    ("points", "error"),
    [
        (Decimal("-0.01"), inspections.POINTS_NEGATIVE),
        (Decimal("15.01"), inspections.POINTS_ABOVE_MAX % {"max": Decimal("15.00")}),
    ],
)
def test_points_outside_zero_to_the_criterion_maximum_are_refused(compound_a, staff, points, error):
    community = compound_a.community
    errors = _refused(
        lambda: record(
            compound_a, staff, finding_input(community), finding_input(community, points=points)
        )
    )
    assert errors == {"finding.1.points": [str(error)]}


@pytest.mark.parametrize("points", [Decimal(0), Decimal(15)])
def test_points_at_the_bounds_are_accepted(compound_a, staff, points):
    inspection = record(compound_a, staff, finding_input(compound_a.community, points=points))
    assert inspection.findings.get().points == points


def test_last_years_inspection_takes_the_items_of_last_years_rubric_by_code(compound_a, staff):
    # In January the form offers this year's items; December's inspection means the same codes
    # of December's rubric.
    community = compound_a.community
    this_year = criterion(community, year=2026)
    inspection = record(
        compound_a,
        staff,
        finding_input(
            community,
            criterion=this_year,
            deduction_item=this_year.deduction_items.first(),
        ),
        finding_input(
            community, criterion=criterion(community, "fire_safety"), veto_item=veto(community)
        ),
        day=dt.date(2025, 12, 31),
        today=dt.date(2026, 1, 3),
    )
    last_year = rubric_for(community, 2025)
    found = list(inspection.findings.order_by("pk"))
    assert [f.criterion.rubric_id for f in found] == [last_year.pk, last_year.pk]
    assert [f.criterion.code for f in found] == ["cleanliness", "fire_safety"]
    assert found[0].deduction_item.criterion == found[0].criterion
    assert found[0].deduction_item.code == this_year.deduction_items.first().code
    assert found[1].veto_item.rubric_id == last_year.pk


def test_a_code_missing_from_the_days_rubric_is_refused_with_its_year(compound_a, staff):
    community = compound_a.community
    old = criterion(community, year=2025)
    # 2026's rubric has a criterion 2025's lacks.
    extra = RubricCriterion.objects.create(
        rubric=rubric_for(community, 2026),
        code="new_in_2026",
        name="New",
        name_zh="新",
        max_points=Decimal(5),
        position=99,
    )
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            finding_input(community, criterion=extra, points=Decimal(1)),
            day=dt.date(2025, 12, 31),
            today=dt.date(2026, 1, 3),
        )
    )
    assert errors == {
        "finding.0.criterion": [str(inspections.CRITERION_OTHER_RUBRIC % {"year": 2025})]
    }
    assert old.rubric_id != extra.rubric_id


def test_a_criterion_of_another_community_is_refused(compound_a, other_community, staff):
    foreign = criterion(other_community)
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            finding_input(compound_a.community, criterion=foreign, points=Decimal(1)),
        )
    )
    assert list(errors) == ["finding.0.criterion"]


def test_deduction_item_of_another_criterion_and_foreign_veto_are_refused(compound_a, staff):
    community = compound_a.community
    fire_item = criterion(community, "fire_safety").deduction_items.first()
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            finding_input(
                community, deduction_item=fire_item, veto_item=veto(community, year=2025)
            ),
        )
    )
    assert errors == {
        "finding.0.deduction_item": [str(inspections.DEDUCTION_OTHER_CRITERION)],
        "finding.0.veto_item": [str(inspections.VETO_OTHER_RUBRIC % {"year": 2026})],
    }


def test_no_points_no_item_no_veto_and_no_description_are_refused(compound_a, staff):
    community = compound_a.community
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            FindingInput(criterion=criterion(community), description="  "),
        )
    )
    assert errors == {
        "finding.0.points": [str(inspections.POINTS_REQUIRED)],
        "finding.0.description": [str(inspections.DESCRIPTION_REQUIRED)],
    }


def test_deadline_before_the_day_is_refused(compound_a, staff):
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            finding_input(compound_a.community, deadline_on=DAY - dt.timedelta(days=1)),
        )
    )
    assert errors == {"finding.0.deadline_on": [str(inspections.DEADLINE_BEFORE_DAY)]}


def test_a_file_that_is_not_a_photo_is_refused(compound_a, staff, settings):
    errors = _refused(
        lambda: record(
            compound_a,
            staff,
            finding_input(
                compound_a.community, photo=photo_upload("x.jpg", b"%PDF-1.4 not a photo")
            ),
        )
    )
    assert errors == {"finding.0.photo": [str(PHOTO_NOT_IMAGE)]}


@override_settings(PHOTO_MAX_BYTES=1000)
def test_an_oversized_inspection_photo_is_refused_and_no_file_is_written(
    compound_a, staff, settings, tmp_path
):
    errors = _refused(lambda: record(compound_a, staff, photos=[photo_upload()]))
    assert list(errors) == ["photos"]
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.parametrize("role", ["company_user_a", "committee_member_a", "resident"])
def test_only_staff_and_grid_workers_of_the_community_record(request, compound_a, role):
    user = request.getfixturevalue(role)
    errors = _refused(lambda: record(compound_a, user))
    assert errors == {"": [str(inspections.NOT_INSPECTOR)]}


def test_staff_of_another_community_cannot_record(compound_a, other_community):
    outsider = factories.membership_user("staff", community=other_community)
    _refused(lambda: record(compound_a, outsider))


# --- withdrawal -------------------------------------------------------------------------------------


def test_withdrawal_keeps_everything_and_closes_unfinished_items(compound_a, staff):
    inspection = record(compound_a, staff)
    rect = Rectification.objects.get()
    inspections.inspection_withdraw(
        inspection=inspection, user=staff, reason="wrong compound", today=TODAY
    )
    inspection.refresh_from_db()
    rect.refresh_from_db()
    assert (inspection.is_withdrawn, inspection.withdrawn_reason) == (True, "wrong compound")
    assert Finding.objects.get().is_withdrawn
    assert (rect.status, rect.closed_on) == (Rectification.Status.CLOSED, TODAY)
    assert rect.events.last().action == "withdrawn"
    assert rect.events.last().comment == "wrong compound"


def test_withdrawal_refusals(compound_a, staff, grid_worker):
    inspection = record(compound_a, staff)
    with pytest.raises(ValidationError) as exc:
        inspections.inspection_withdraw(inspection=inspection, user=grid_worker, reason="x")
    assert exc.value.messages == [str(inspections.NOT_STAFF)]
    with pytest.raises(ValidationError) as exc:
        inspections.inspection_withdraw(inspection=inspection, user=staff, reason=" ")
    assert exc.value.message_dict == {"reason": [str(inspections.REASON_REQUIRED)]}
    assert not Inspection.objects.get().is_withdrawn
    inspections.inspection_withdraw(inspection=inspection, user=staff, reason="dup")
    with pytest.raises(ValidationError) as exc:
        inspections.inspection_withdraw(inspection=inspection, user=staff, reason="again")
    assert exc.value.messages == [str(inspections.ALREADY_WITHDRAWN)]
    assert Inspection.objects.get().withdrawn_reason == "dup"


# --- complaints -------------------------------------------------------------------------------------


def _complaint(compound, user, **kwargs):
    kwargs.setdefault("received_on", DAY)
    kwargs.setdefault("channel", Complaint.Channel.HOTLINE)
    kwargs.setdefault("summary", "电梯三天未修")
    kwargs.setdefault("today", TODAY)
    return inspections.complaint_log(compound=compound, user=user, **kwargs)


def test_an_unverified_complaint_raises_nothing(compound_a, grid_worker):
    complaint = _complaint(compound_a, grid_worker, complainant_contact=" 138 ")
    assert complaint.complainant_contact == "138"
    assert (Finding.objects.count(), Rectification.objects.count()) == (0, 0)


def test_a_complaint_verified_later_counts_its_deadline_from_the_verification(
    compound_a, company_a, staff
):
    complaint = _complaint(compound_a, staff)
    later = TODAY + dt.timedelta(days=5)
    inspections.complaint_verify(complaint=complaint, user=staff, today=later)
    rectification = complaint.findings.get().rectification
    assert (rectification.created_on, rectification.deadline_on) == (
        later,
        later + dt.timedelta(days=7),
    )


def test_a_verified_complaint_is_a_customer_service_finding_and_an_item(
    compound_a, company_a, staff
):
    complaint = _complaint(compound_a, staff, verified=True, points=Decimal(3))
    finding = complaint.findings.get()
    assert (finding.criterion.code, finding.points, finding.inspection) == (
        "customer_service",
        Decimal(3),
        None,
    )
    assert finding.rectification.company == company_a
    # Logged two days after it was received: the company's 7 days start when it is logged.
    assert finding.rectification.deadline_on == TODAY + dt.timedelta(days=7)


def test_verifying_later_raises_the_item_once(compound_a, staff):
    complaint = _complaint(compound_a, staff)
    item = criterion(compound_a.community, "customer_service").deduction_items.first()
    inspections.complaint_verify(complaint=complaint, user=staff, deduction_item=item)
    assert Finding.objects.get().points == item.points
    with pytest.raises(ValidationError) as exc:
        inspections.complaint_verify(complaint=complaint, user=staff)
    assert exc.value.messages == [str(inspections.ALREADY_VERIFIED)]
    assert (Finding.objects.count(), Rectification.objects.count()) == (1, 1)


def test_complaint_refusals_save_nothing(compound_a, staff, company_user_a):
    with pytest.raises(ValidationError) as exc:
        _complaint(compound_a, company_user_a)
    assert exc.value.messages == [str(inspections.NOT_COMPLAINT_LOGGER)]
    with pytest.raises(ValidationError) as exc:
        _complaint(compound_a, staff, received_on=TODAY + dt.timedelta(days=1), summary="")
    assert exc.value.message_dict == {
        "received_on": [str(inspections.DATE_IN_FUTURE)],
        "summary": [str(inspections.SUMMARY_REQUIRED)],
    }
    with pytest.raises(ValidationError) as exc:
        _complaint(compound_a, staff, verified=True, points=Decimal(-1))
    assert exc.value.message_dict == {"points": [str(inspections.POINTS_NEGATIVE)]}
    assert (Complaint.objects.count(), Finding.objects.count()) == (0, 0)


def test_a_verified_complaint_without_points_takes_the_first_standard_deduction(compound_a, staff):
    complaint = _complaint(compound_a, staff, verified=True)
    finding = complaint.findings.get()
    assert (finding.deduction_item.code, finding.points) == ("complaint_late", Decimal(3))


def test_decembers_complaint_verified_in_january_takes_decembers_rubric(compound_a, staff):
    complaint = _complaint(
        compound_a, staff, received_on=dt.date(2025, 12, 30), today=dt.date(2026, 1, 2)
    )
    # The verify form offers this year's deduction items.
    item = criterion(compound_a.community, "customer_service").deduction_items.first()
    inspections.complaint_verify(
        complaint=complaint, user=staff, criterion=item.criterion, deduction_item=item
    )
    finding = Finding.objects.get()
    last_year = rubric_for(compound_a.community, 2025)
    assert finding.criterion.rubric_id == last_year.pk
    assert (finding.deduction_item.criterion_id, finding.deduction_item.code) == (
        finding.criterion_id,
        item.code,
    )


def test_a_complaint_received_in_a_published_month_counts_when_it_is_found_true(
    compound_a, company_a, staff
):
    # given: January 2026 published; a complaint received on its last day, not yet verified
    publish(compound_a.community, dt.date(2026, 1, 1), [])
    complaint = _complaint(compound_a, staff, received_on=dt.date(2026, 1, 31))
    assert inspections.complaint_counted_later(complaint) is None

    # when: staff find it true in March
    inspections.complaint_verify(complaint=complaint, user=staff, today=TODAY)

    # then: it counts in March, against the company, and staff are told why
    finding = complaint.findings.get()
    assert (finding.found_on, finding.rectification.company) == (TODAY, company_a)
    notice = inspections.complaint_counted_later(complaint)
    assert notice == str(
        inspections.COUNTED_LATER
        % {
            "received": long_date(dt.date(2026, 1, 31)),
            "received_month": date_format(dt.date(2026, 1, 31), "YEAR_MONTH_FORMAT"),
            "month": date_format(TODAY, "YEAR_MONTH_FORMAT"),
        }
    )


def test_a_complaint_received_after_the_published_month_keeps_its_day(compound_a, staff):
    publish(compound_a.community, dt.date(2026, 1, 1), [])
    complaint = _complaint(compound_a, staff, received_on=dt.date(2026, 2, 1), verified=True)
    assert complaint.findings.get().found_on == dt.date(2026, 2, 1)
    assert inspections.complaint_counted_later(complaint) is None


def test_a_complaint_from_before_the_first_contract_cannot_be_verified(community, staff):
    # given: a compound served from 15 January 2026 and a complaint received the day before
    compound = factories.CompoundFactory(community=community)
    factories.ServiceContractFactory(compound=compound, starts_on=dt.date(2026, 1, 15))
    complaint = _complaint(compound, staff, received_on=dt.date(2026, 1, 14))

    # when / then: verifying it is refused, naming the contract's first day; nothing is saved
    errors = _refused(lambda: inspections.complaint_verify(complaint=complaint, user=staff))
    expected = str(
        inspections.COMPLAINT_BEFORE_CONTRACT
        % {
            "compound": compound.name,
            "earliest": long_date(dt.date(2026, 1, 15)),
            "received": long_date(dt.date(2026, 1, 14)),
        }
    )
    assert errors == {"received_on": [expected]}
    complaint.refresh_from_db()
    assert (complaint.is_verified, Finding.objects.count()) == (False, 0)

    # and logging it as verified is refused whole: not even the complaint is kept
    with pytest.raises(ValidationError):
        _complaint(compound, staff, received_on=dt.date(2026, 1, 14), verified=True)
    assert Complaint.objects.count() == 1
