"""The annual assessment (年考核): the grade the year's record suggests (every boundary), the
record beside the agreement's targets, the publication rules, corrected editions, and who may
see which page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scorecards import assessments, rules
from scorecards.models import (
    Agreement,
    Assessment,
    CommitmentStatus,
    MonthlyReport,
)
from tests import factories
from tests.scorecards.conftest import SCORING_STAFF_PAGE, YEAR, twelve_lists
from tests.scorecards.test_public_data import publish, row

D = Decimal
AFTER = dt.date(YEAR + 1, 1, 1)


# --- Rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "vetoes", "black", "missed", "grade"),
    [
        (None, 0, 0, 0, None),  # never ranked: staff decide alone
        (D("95"), 1, 0, 0, rules.Grade.FAIL),  # a veto fails whatever the score
        (D("69.99"), 0, 0, 0, rules.Grade.FAIL),
        (D("70"), 0, 0, 0, rules.Grade.PASS),
        (D("79.99"), 0, 0, 0, rules.Grade.PASS),
        (D("80"), 0, 0, 0, rules.Grade.GOOD),
        (D("89.99"), 0, 0, 0, rules.Grade.GOOD),
        (D("90"), 0, 0, 0, rules.Grade.EXCELLENT),
        (D("90"), 0, 1, 0, rules.Grade.GOOD),  # a black month bars excellent
        (D("90"), 0, 0, 1, rules.Grade.GOOD),  # so does a missed target
        (D("100"), 0, 0, 0, rules.Grade.EXCELLENT),
    ],
)
def test_suggested_grade(average, vetoes, black, missed, grade):
    suggested = rules.suggest_grade(
        average=average, vetoes=vetoes, black_months=black, targets_missed=missed
    )
    assert suggested == grade


@pytest.mark.parametrize(
    ("target", "achieved", "met"),
    [
        (D("0.95"), D("0.9499"), False),
        (D("0.95"), D("0.95"), True),
        (D("0.95"), D("0.9501"), True),
        (None, D("0.99"), None),
        (D("0.95"), None, None),
    ],
)
def test_rate_targets(target, achieved, met):
    assert rules.rate_met(target, achieved) is met


@pytest.mark.parametrize(
    ("days", "hours", "met"),
    [
        (3, D("72"), True),  # exactly three days
        (3, D("72.1"), False),
        (3, D("0"), True),
        (None, D("10"), None),
        (3, None, None),
    ],
)
def test_complaint_days_target(days, hours, met):
    assert rules.days_met(days, hours) is met


# --- The year's record ---------------------------------------------------------------------------


def report(agreement, month: int, *, fee, received, resolved, hours, status="accepted"):
    return MonthlyReport.objects.create(
        compound=agreement.compound,
        company=agreement.company,
        month=dt.date(YEAR, month, 1),
        status=status,
        first_submitted_at=dt.datetime(YEAR, month, 28, tzinfo=dt.UTC),
        fee_collection_rate=fee,
        complaints_received=received,
        complaints_resolved=resolved,
        complaint_hours=hours,
    )


def test_the_record_sets_the_year_beside_the_targets(community, compound_a, compound_b, agreement):
    twelve_lists(community, compound_a, compound_b, a_scores=[92] * 11 + [60])
    march = report(agreement, 3, fee=D("0.8800"), received=10, resolved=10, hours=D("24"))
    report(agreement, 6, fee=D("0.9100"), received=5, resolved=4, hours=D("54"))
    report(agreement, 9, fee=D("0.5000"), received=99, resolved=99, hours=D("1"), status="draft")
    gate, bins = agreement.commitments.filter(is_withdrawn=False).order_by("position")
    for commitment, status in ((gate, "met"), (bins, "not_met")):
        CommitmentStatus.objects.create(report=march, commitment=commitment, status=status)

    (record,) = [
        r
        for r in assessments.year_records(community=community, year=YEAR)
        if r["compound"] == "甲小区"
    ]
    # (11 × 92 + 60) / 12 = 89.33; one black month.
    assert (record["average"], record["rank"]) == ("89.33", 1)
    assert record["bands"]["black"] == 1
    targets = record["targets"]
    # The last reported month's rate (June: the September draft does not count), met at 0.90.
    assert targets["fee_rate"] == {
        "target": "0.9000",
        "achieved": "0.9100",
        "average": "0.8950",
        "met": True,
    }
    # Hours weighted by complaints resolved: (24 × 10 + 54 × 4) / 14 = 32.6 h, within 2 days.
    assert targets["complaint_days"] == {"target": 2, "achieved_hours": "32.6", "met": True}
    assert targets["satisfaction"]["met"] is None
    assert record["complaints"] == {"received": 15, "resolved": 14}
    assert [(c["text"], c["met"], c["not_met"]) for c in record["commitments"]] == [
        ("24小时门岗值守", 1, 0),
        ("每周清洗垃圾桶", 0, 1),
    ]
    assert record["suggested_grade"] == "good"
    # The owners' satisfaction staff enter counts as a target: missing it bars nothing more
    # here (already good), but it is reported as missed.
    judged = assessments.agreement_record(agreement, D("0.8000"))
    assert judged["targets"]["satisfaction"]["met"] is False
    assert judged["targets_missed"] == 1


def test_a_veto_month_suggests_fail(community, compound_a, compound_b, agreement):
    twelve_lists(community, compound_a, compound_b, veto_month=7)
    record = assessments.agreement_record(agreement)
    assert (record["vetoes"], record["suggested_grade"]) == (1, "fail")


def test_the_year_page_costs_the_same_queries_at_two_sizes(client, community, staff, company_a):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            compound = factories.CompoundFactory(community=community, code=f"k{i}")
            factories.ServiceContractFactory(compound=compound, company=company_a)
            Agreement.objects.create(compound=compound, company=company_a, year=YEAR)

    client.force_login(staff)
    url = reverse("scorecards:assessment_year", args=[community.pk, YEAR])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2, 0)
    small = queries()
    add(20, 2)
    assert queries() == small


def test_the_agreement_page_costs_the_same_queries_at_two_sizes(client, agreement, staff):
    # given the preview of an agreement's record, with its commitments and the year's reports
    client.force_login(staff)
    url = reverse("scorecards:assessment_agreement", args=[agreement.pk])

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    small = queries()
    # when the agreement has more commitments, and a report every month
    for i in range(10):
        agreement.commitments.create(position=10 + i, text=f"承诺{i}")
    for month in range(1, 13):
        report(agreement, month, fee=D("0.9"), received=1, resolved=1, hours=D("2"))

    # then the page costs the same, and reads the agreement itself once
    large = queries()
    assert len(large) == len(small)
    assert sum(q.startswith('SELECT "scorecards_agreement"."id"') for q in large) == 1


# --- Publishing ----------------------------------------------------------------------------------


def publish_assessment(agreement, staff, **kwargs):
    values = {"grade": "excellent", "conclusion": "全年履约良好。", "today": AFTER, **kwargs}
    return assessments.assessment_publish(agreement=agreement, user=staff, **values)


@pytest.mark.parametrize(("today", "ok"), [(dt.date(YEAR, 12, 31), False), (AFTER, True)])
def test_an_assessment_waits_for_the_years_end(agreement, year_listed, staff, today, ok):
    if ok:
        assert publish_assessment(agreement, staff, today=today).grade == "excellent"
        return
    with pytest.raises(ValidationError) as exc:
        publish_assessment(agreement, staff, today=today)
    assert exc.value.messages == [assessments.YEAR_NOT_ENDED % {"year": YEAR}]
    assert not Assessment.objects.exists()


def test_an_assessment_needs_the_twelve_lists(community, compound_a, agreement, staff):
    publish(community, dt.date(YEAR, 1, 1), [row(compound_a, 92, "red", rank=1)])
    with pytest.raises(ValidationError) as exc:
        publish_assessment(agreement, staff)
    assert exc.value.code == "lists"
    assert "2024年2月、2024年3月" in exc.value.messages[0]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"conclusion": "  "}, {"conclusion": [assessments.CONCLUSION_REQUIRED]}),
        (
            {"grade": "good"},
            {
                "grade_reason": [
                    assessments.GRADE_REASON_REQUIRED % {"grade": rules.Grade.EXCELLENT.label}
                ]
            },
        ),
        ({"grade": "perfect"}, {"grade": [assessments.GRADE_UNKNOWN]}),
    ],
)
def test_bad_assessments_are_refused(agreement, year_listed, staff, values, errors):
    with pytest.raises(ValidationError) as exc:
        publish_assessment(agreement, staff, **values)
    assert exc.value.message_dict == errors
    assert not Assessment.objects.exists()


def test_another_grade_with_its_reason_and_the_snapshot(agreement, year_listed, staff):
    published = publish_assessment(
        agreement, staff, grade="good", grade_reason="业主投诉较多", satisfaction=D("0.9000")
    )
    assert (published.grade, published.suggested_grade) == ("good", "excellent")
    assert published.figures["targets"]["satisfaction"]["achieved"] == "0.9000"
    agreement.compound.name = "甲小区（改名）"
    agreement.compound.save()
    published.refresh_from_db()
    assert published.figures["compound"] == "甲小区"
    with pytest.raises(ValidationError) as exc:
        publish_assessment(agreement, staff)
    assert exc.value.code == "published"


def test_a_corrected_edition_says_why(agreement, year_listed, staff):
    first = publish_assessment(agreement, staff)
    with pytest.raises(ValidationError) as exc:
        assessments.assessment_correct(
            assessment=first, grade="excellent", conclusion="更正", note="", user=staff
        )
    assert exc.value.message_dict == {"note": [assessments.NOTE_REQUIRED]}
    second = assessments.assessment_correct(
        assessment=first,
        grade="excellent",
        conclusion="更正后的结论",
        note="满意度调查结果补录",
        satisfaction=D("0.9300"),
        user=staff,
    )
    assert (second.sequence, second.correction_of) == (2, first)
    assert list(assessments.current_assessments(agreement.compound.community)) == [second]
    with pytest.raises(ValidationError) as exc:
        assessments.assessment_correct(
            assessment=first, grade="excellent", conclusion="x", note="x", user=staff
        )
    assert exc.value.code == "corrected"


# --- Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def assessed(agreement, year_listed, staff):
    return publish_assessment(agreement, staff, conclusion="全年十二个月均上红榜。")


@pytest.mark.parametrize(("who", "status"), SCORING_STAFF_PAGE)
def test_staff_pages_are_for_the_communitys_scoring_staff(
    client, request, community, assessed, who, status
):
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("scorecards:assessment_index"),
        reverse("scorecards:assessment_year", args=[community.pk, YEAR]),
        reverse("scorecards:assessment_agreement", args=[assessed.agreement_id]),
        reverse("scorecards:assessment_correct", args=[assessed.pk]),
    ):
        assert client.get(url).status_code == status, url


def test_staff_of_another_community_get_404(client, community, other_community, assessed):
    client.force_login(factories.membership_user("staff", community=other_community))
    for url in (
        reverse("scorecards:assessment_year", args=[community.pk, YEAR]),
        reverse("scorecards:assessment_agreement", args=[assessed.agreement_id]),
        reverse("scorecards:assessment_correct", args=[assessed.pk]),
    ):
        assert client.get(url).status_code == 404, url
    url = reverse("scorecards:assessment_correct", args=[assessed.pk])
    data = {"grade": "fail", "conclusion": "x", "note": "y", "grade_reason": "z"}
    assert client.post(url, data).status_code == 404
    assert Assessment.objects.count() == 1


def test_staff_assess_from_the_preview(client, agreement, year_listed, staff, time_machine):
    time_machine.move_to(dt.datetime(YEAR + 1, 1, 10, 10, tzinfo=dt.UTC))
    client.force_login(staff)
    url = reverse("scorecards:assessment_agreement", args=[agreement.pk])
    assert "预览" in client.get(url).content.decode()
    refused = client.post(url, {"grade": "fail", "conclusion": "不合格"})
    assert refused.status_code == 400
    assert not Assessment.objects.exists()
    data = {"grade": "excellent", "conclusion": "全年履约良好。", "satisfaction": "91.5"}
    assert client.post(url, data).status_code == 302
    published = Assessment.objects.get()
    assert (published.grade, published.satisfaction) == ("excellent", D("0.9150"))


def test_public_pages_show_published_assessments_only(client, community, agreement, year_listed):
    url = reverse("scorecards:public_assessments", args=[community.slug, YEAR])
    assert client.get(url).status_code == 404
    years = reverse("scorecards:public_assessment_years", args=[community.slug])
    assert "2024" not in client.get(years).content.decode()


def test_a_published_assessment_is_public_with_its_record(client, community, assessed):
    page = client.get(reverse("scorecards:public_assessments", args=[community.slug, YEAR]))
    assert "全年十二个月均上红榜。" in page.content.decode()
    detail = client.get(
        reverse("scorecards:public_assessment", args=[community.slug, YEAR, assessed.pk])
    ).content.decode()
    assert "24小时门岗值守" in detail
    assert "92.00" in detail
    other = factories.CommunityFactory(slug="elsewhere")
    wrong = reverse("scorecards:public_assessment", args=[other.slug, YEAR, assessed.pk])
    assert client.get(wrong).status_code == 404


def test_the_to_do_page_counts_agreements_to_assess(
    community, compound_a, compound_b, agreement, staff
):
    from tongde.attention import staff_tasks

    def count() -> int:
        tasks = {str(t.label): t for t in staff_tasks(staff, dt.date(YEAR + 1, 1, 20))}
        return tasks["待考核的上年度目标责任书"].count

    for m in range(1, 12):
        publish(community, dt.date(YEAR, m, 1), [row(compound_a, 92, "red", rank=1)])
    assert count() == 0  # eleven lists of twelve
    publish(community, dt.date(YEAR, 12, 1), [row(compound_a, 92, "red", rank=1)])
    assert count() == 1
    publish_assessment(agreement, staff)
    assert count() == 0


@pytest.mark.parametrize("year", [0, 9999, 99999])
def test_impossible_years_are_404(client, community, staff, year):
    client.force_login(staff)
    assert client.get(f"/scorecards/assessments/{community.pk}/{year}/").status_code == 404
    assert client.get(f"/scorecards/public/{community.slug}/assessments/{year}/").status_code == 404
    assert (
        client.get(f"/scorecards/public/{community.slug}/assessments/{year}/1/").status_code == 404
    )


def test_the_rank_is_the_compounds_place_in_the_community(
    community, compound_a, compound_b, company_b, staff
):  # a rank computed over the compounds asked about alone would say 1
    # 甲 92 every month, 乙 75: 乙's agreement alone is still second.
    agreement = Agreement.objects.create(compound=compound_b, company=company_b, year=YEAR)
    twelve_lists(community, compound_a, compound_b)
    assert assessments.agreement_record(agreement)["rank"] == 2
    published = publish_assessment(agreement, staff, grade="pass", grade_reason="投诉较多")
    assert published.figures["rank"] == 2


def test_the_reason_asked_for_names_the_suggestion_with_the_satisfaction(
    agreement, year_listed, staff
):
    # 92 every month suggests excellent; a satisfaction below the 85% target suggests good.
    with pytest.raises(ValidationError) as exc:
        publish_assessment(agreement, staff, grade="excellent", satisfaction=D("0.8000"))
    (message,) = exc.value.message_dict["grade_reason"]
    assert str(rules.Grade.GOOD.label) in message


def test_publishing_drops_the_cached_public_pages(
    client, community, agreement, year_listed, staff, django_capture_on_commit_callbacks
):
    years = reverse("scorecards:public_assessment_years", args=[community.slug])
    assert "2024" not in client.get(years).content.decode()  # rendered and cached
    with django_capture_on_commit_callbacks(execute=True):
        publish_assessment(agreement, staff)
    assert "2024" in client.get(years).content.decode()


def test_the_public_year_costs_the_same_queries_at_two_sizes(client, community, company_a, staff):
    url = reverse("scorecards:public_assessments", args=[community.slug, YEAR])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"fresh": 1}).status_code == 200  # a query skips the cache
        return len(ctx.captured_queries)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            compound = factories.CompoundFactory(community=community, code=f"p{i}")
            agreement = Agreement.objects.create(compound=compound, company=company_a, year=YEAR)
            Assessment.objects.create(
                community=community,
                agreement=agreement,
                grade="good",
                conclusion="良好",
                figures={"compound": compound.name, "company": "甲物业", "average": "85.00"},
                published_by=staff,
            )

    add(2, 0)
    small = queries()
    add(20, 2)
    assert queries() == small
