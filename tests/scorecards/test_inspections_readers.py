"""What the company and the owners' committee read of inspections and rectification items: the
company its compounds' inspection records (findings and photos, not the notes nor the
inspector's name), the committee its compound's items with the company's answers; another's
by id answers 404; list pages keep their query count as data grows; weekly feedback links each
item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scorecards import feedback, inspections
from scorecards.models import Rectification, WeeklyFeedback
from tests import factories
from tests.campaigns.factories import photo_upload
from tests.scorecards.test_inspections import finding_input

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def committee_member_b(compound_b):
    return factories.membership_user("committee", compound=compound_b)


@pytest.fixture
def inspected(compound_a, staff):
    return inspections.inspection_record(
        compound=compound_a,
        day=_today() - dt.timedelta(days=2),
        inspector=staff,
        notes="内部备注：住户王某反映",
        findings=[finding_input(compound_a.community, description="消防通道堵塞")],
        photos=[photo_upload()],
    )


def test_company_reads_the_inspection_but_not_the_notes(client, inspected, company_user_a, staff):
    client.force_login(company_user_a)
    page = client.get(reverse("scorecards:inspection_detail", args=[inspected.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "消防通道堵塞" in html
    assert reverse("scorecards:inspection_photo", args=[inspected.photos.get().pk, "thumb"]) in html
    assert "内部备注" not in html
    assert staff.username not in html
    # staff still read both
    client.force_login(staff)
    html = client.get(reverse("scorecards:inspection_detail", args=[inspected.pk])).content
    assert "内部备注" in html.decode()


def test_company_no_longer_serving_reads_the_past_inspection_not_a_later_one(
    client, compound_a, company_a, company_user_a, staff
):
    # given 甲's company served it until last month, and another company since
    ended = _today() - dt.timedelta(days=20)
    compound_a.contracts.update(ends_on=ended)
    factories.ServiceContractFactory(
        compound=compound_a,
        company=factories.PropertyCompanyFactory(name="丁物业"),
        starts_on=ended + dt.timedelta(days=1),
    )
    before = inspections.inspection_record(
        compound=compound_a,
        day=ended - dt.timedelta(days=5),
        inspector=staff,
        findings=[finding_input(compound_a.community)],
    )
    after = inspections.inspection_record(
        compound=compound_a,
        day=_today(),
        inspector=staff,
        findings=[finding_input(compound_a.community)],
    )
    client.force_login(company_user_a)
    assert client.get(reverse("scorecards:inspection_detail", args=[before.pk])).status_code == 200
    assert client.get(reverse("scorecards:inspection_detail", args=[after.pk])).status_code == 404


def test_rectification_page_links_the_inspection_for_the_company(
    client, inspected, company_user_a, committee_member_a
):
    rect = Rectification.objects.get()
    link = reverse("scorecards:inspection_detail", args=[inspected.pk])
    client.force_login(company_user_a)
    assert (
        link
        in client.get(reverse("scorecards:rectification_detail", args=[rect.pk])).content.decode()
    )
    # the committee reads the item, not the inspection record
    client.force_login(committee_member_a)
    page = client.get(reverse("scorecards:rectification_detail", args=[rect.pk])).content.decode()
    assert link not in page
    assert reverse("scorecards:rectification_answer", args=[rect.pk]) not in page


def test_company_b_gets_404_for_company_as_inspection(client, inspected, company_user_b):
    client.force_login(company_user_b)
    assert (
        client.get(reverse("scorecards:inspection_detail", args=[inspected.pk])).status_code == 404
    )
    photo = inspected.photos.get()
    url = reverse("scorecards:inspection_photo", args=[photo.pk, "image"])
    assert client.get(url).status_code == 404


# --- the committee -------------------------------------------------------------------------


def test_committee_reads_its_compounds_items_and_answers(
    client, inspected, committee_member_a, company_user_a
):
    rect = Rectification.objects.get()
    Rectification.objects.filter(pk=rect.pk).update(
        status=Rectification.Status.ANSWERED, answer="已清理通道"
    )
    client.force_login(committee_member_a)
    listed = client.get(reverse("scorecards:committee_rectifications")).content.decode()
    assert reverse("scorecards:rectification_detail", args=[rect.pk]) in listed
    page = client.get(reverse("scorecards:rectification_detail", args=[rect.pk])).content.decode()
    assert "已清理通道" in page
    response = client.post(
        reverse("scorecards:rectification_answer", args=[rect.pk]), {"answer": "x"}
    )
    assert response.status_code == 403


def test_another_compounds_committee_gets_404(client, inspected, committee_member_b):
    rect = Rectification.objects.get()
    client.force_login(committee_member_b)
    for url in (
        reverse("scorecards:rectification_detail", args=[rect.pk]),
        reverse("scorecards:rectification_photo", args=[rect.pk, "finding"]),
    ):
        assert client.get(url).status_code == 404
    listed = client.get(reverse("scorecards:committee_rectifications")).content.decode()
    assert reverse("scorecards:rectification_detail", args=[rect.pk]) not in listed


@pytest.mark.parametrize(
    ("status", "late", "shown_in"),
    [
        ("open", False, {"": True, "overdue": False, "closed": False}),
        ("open", True, {"": True, "overdue": True, "closed": False}),
        ("reopened", True, {"": True, "overdue": True, "closed": False}),
        ("answered", True, {"": True, "overdue": False, "closed": False}),
        ("closed", True, {"": False, "overdue": False, "closed": True}),
    ],
)
def test_committee_list_filters(
    client, compound_a, company_a, committee_member_a, status, late, shown_in
):
    today = _today()
    rect = Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        description="x",
        created_on=today - dt.timedelta(days=9),
        deadline_on=today - dt.timedelta(days=1) if late else today,
        status=status,
        closed_on=today if status == "closed" else None,
    )
    client.force_login(committee_member_a)
    link = reverse("scorecards:rectification_detail", args=[rect.pk])
    for show, expected in shown_in.items():
        url = reverse("scorecards:committee_rectifications") + (f"?show={show}" if show else "")
        assert (link in client.get(url).content.decode()) == expected, show


def test_committee_list_query_count_equal_at_two_sizes(
    client, compound_a, company_a, committee_member_a
):
    client.force_login(committee_member_a)
    counts = []
    for n in (3, 30):
        while Rectification.objects.count() < n:
            Rectification.objects.create(
                compound=compound_a,
                company=company_a,
                description="x",
                created_on=_today(),
                deadline_on=_today(),
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("scorecards:committee_rectifications"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- weekly feedback -------------------------------------------------------------------------


def test_weekly_feedback_links_every_item(client, inspected, company_user_a, company_a):
    rect = Rectification.objects.get()
    # The week the item was created in (today), not the inspection's (two days back: the week
    # before on a Monday or Tuesday).
    feedback.weekly_feedback_send(feedback.week_of(rect.created_on))
    item = WeeklyFeedback.objects.get(company=company_a)
    client.force_login(company_user_a)
    page = client.get(reverse("scorecards:feedback_detail", args=[item.pk])).content.decode()
    link = reverse("scorecards:rectification_detail", args=[rect.pk])
    # the item's own words are the link, not only the compound's name
    assert f'<a href="{link}" data-rectification="{rect.pk}">' in page
    assert client.get(link).status_code == 200
