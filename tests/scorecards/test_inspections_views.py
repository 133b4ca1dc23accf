"""Inspection, complaint, rectification and feedback pages: every view for every role, another
company's id, the forms end to end with bad input, and query counts at two sizes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from scorecards import feedback, inspections
from scorecards.models import (
    Complaint,
    Finding,
    Inspection,
    InspectionPhoto,
    Rectification,
    RectificationEvent,
    WeeklyFeedback,
)
from scorecards.rules import EarliestReason
from tests import factories
from tests.campaigns.factories import image_bytes, photo_upload
from tests.scorecards.test_inspections import counts, criterion, finding_input
from tests.scorecards.test_public_data import publish
from tests.scorecards.test_scoring_views import submit_buttons
from tongde.text import long_date
from tongde.uploads import PHOTO_NOT_IMAGE

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "company_user_b",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
]


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def world(compound_a, compound_b, staff, company_a):
    day = _today() - dt.timedelta(days=2)
    inspection = inspections.inspection_record(
        compound=compound_a,
        day=day,
        inspector=staff,
        findings=[finding_input(compound_a.community, photo=photo_upload())],
        photos=[photo_upload()],
    )
    complaint = inspections.complaint_log(
        compound=compound_a,
        received_on=day,
        channel=Complaint.Channel.PHONE,
        summary="噪音",
        complainant_contact="13800000000",
        user=staff,
    )
    # The week the item was created in (today), not the inspection's: on a Monday or Tuesday
    # the inspection two days back is in the week before.
    feedback.weekly_feedback_send(feedback.week_of(Rectification.objects.get().created_on))
    return {
        "inspection": inspection,
        "photo": inspection.photos.get(),
        "complaint": complaint,
        "rect": Rectification.objects.get(),
        "feedback": WeeklyFeedback.objects.get(company=company_a),
    }


def _login(client, request, who: str):
    if who == "anonymous":
        return None
    user = request.getfixturevalue(who)
    client.force_login(user)
    return user


# (url name, object, extra args, expected status per role in ROLES order)
MATRIX = [
    ("inspection_list", None, [], [302, 403, 403, 403, 403, 200, 200, 200]),
    ("inspection_create", None, [], [302, 403, 403, 403, 403, 200, 200, 200]),
    # The company serving 甲 reads its inspections (not the notes); another company 404.
    ("inspection_detail", "inspection", [], [302, 403, 200, 404, 403, 200, 200, 404]),
    ("inspection_withdraw", "inspection", [], [302, 403, 403, 403, 403, 403, 200, 404]),
    ("inspection_photo", "photo", ["thumb"], [302, 403, 200, 404, 403, 200, 200, 404]),
    ("complaint_list", None, [], [302, 403, 403, 403, 403, 200, 200, 200]),
    ("complaint_create", None, [], [302, 403, 403, 403, 403, 200, 200, 200]),
    ("complaint_verify", "complaint", [], [302, 403, 403, 403, 403, 200, 200, 404]),
    ("rectification_list", None, [], [302, 403, 403, 403, 403, 200, 200, 200]),
    ("rectification_inbox", None, [], [302, 403, 200, 200, 403, 403, 403, 403]),
    ("committee_rectifications", None, [], [302, 403, 403, 403, 200, 403, 403, 403]),
    # 甲's committee member reads its compound's items (answering and verifying stay 403).
    ("rectification_detail", "rect", [], [302, 403, 200, 404, 200, 200, 200, 404]),
    ("rectification_photo", "rect", ["finding"], [302, 403, 200, 404, 200, 200, 200, 404]),
    ("rectification_answer", "rect", [], [302, 403, 200, 404, 403, 403, 403, 404]),
    ("rectification_verify", "rect", [], [302, 403, 403, 404, 403, 403, 200, 404]),
    ("rectification_reopen", "rect", [], [302, 403, 403, 404, 403, 403, 200, 404]),
    ("feedback_list", None, [], [302, 403, 200, 200, 403, 403, 200, 200]),
    ("feedback_detail", "feedback", [], [302, 403, 200, 404, 403, 403, 200, 404]),
]


@pytest.mark.parametrize(("name", "obj", "extra", "expected"), MATRIX)
@pytest.mark.parametrize("who", ROLES)
def test_every_view_for_every_role(client, request, world, name, obj, extra, expected, who):
    args = ([world[obj].pk] if obj else []) + extra
    _login(client, request, who)
    response = client.get(reverse(f"scorecards:{name}", args=args))
    assert response.status_code == expected[ROLES.index(who)]
    if response.status_code == 302:
        assert reverse("login") in response["Location"]


def test_company_a_posting_to_company_bs_item_gets_404_and_nothing_changes(
    client, world, compound_b, staff, company_user_a
):
    inspections.inspection_record(
        compound=compound_b,
        day=_today(),
        inspector=staff,
        findings=[finding_input(compound_b.community)],
    )
    theirs = Rectification.objects.get(compound=compound_b)
    before = (Rectification.objects.filter(pk=theirs.pk).values().get(), counts())
    client.force_login(company_user_a)
    for name in ("rectification_answer", "rectification_verify", "rectification_reopen"):
        response = client.post(
            reverse(f"scorecards:{name}", args=[theirs.pk]),
            {"answer": "x", "photo": photo_upload(), "reason": "x", "deadline_on": _today()},
        )
        assert response.status_code == 404
    assert (
        client.get(reverse("scorecards:rectification_detail", args=[theirs.pk])).status_code == 404
    )
    assert (Rectification.objects.filter(pk=theirs.pk).values().get(), counts()) == before


def test_grid_worker_posting_verify_gets_403_and_nothing_changes(client, world, grid_worker):
    rect = world["rect"]
    client.force_login(grid_worker)
    response = client.post(reverse("scorecards:rectification_verify", args=[rect.pk]), {})
    assert response.status_code == 403
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.OPEN


# --- forms end to end ------------------------------------------------------------------------------


def _inspection_post(compound, crit, **finding):
    data = {
        "compound": compound.pk,
        "inspected_on": _today().isoformat(),
        "notes": "",
        "finding-TOTAL_FORMS": "1",
        "finding-INITIAL_FORMS": "0",
        "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "30",
        "finding-0-criterion": crit.pk,
        "finding-0-description": "消防通道堵塞",
        "finding-0-points": "3",
    }
    data.update({f"finding-0-{k}": v for k, v in finding.items()})
    return data


def test_record_an_inspection_through_the_form(client, compound_a, grid_worker, company_a):
    client.force_login(grid_worker)
    crit = criterion(compound_a.community, "fire_safety", year=_today().year)
    data = _inspection_post(compound_a, crit, photo=photo_upload())
    data["photos"] = [photo_upload("a.jpg"), photo_upload("b.jpg")]
    response = client.post(reverse("scorecards:inspection_create"), data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scorecards:inspection_detail", args=[inspection.pk])
    assert inspection.photos.count() == 2
    finding = Finding.objects.get()
    assert (finding.points, finding.criterion, bool(finding.photo)) == (Decimal(3), crit, True)
    assert finding.rectification.company == company_a


def test_an_inspection_dated_1990_is_refused_with_the_earliest_date(
    client, compound_a, grid_worker
):
    client.force_login(grid_worker)
    crit = criterion(compound_a.community, "fire_safety", year=_today().year)
    data = {**_inspection_post(compound_a, crit), "inspected_on": "1990-05-01"}
    response = client.post(reverse("scorecards:inspection_create"), data)
    assert response.status_code == 400
    earliest = compound_a.contracts.get().starts_on
    message = str(
        inspections.TOO_EARLY[EarliestReason.CONTRACT]
        % {"compound": compound_a.name, "earliest": long_date(earliest), "month": ""}
    )
    assert response.context["form"].errors["inspected_on"] == [message]
    assert (Inspection.objects.count(), Finding.objects.count()) == (0, 0)


def test_an_inspection_form_sent_twice_is_recorded_once(client, compound_a, grid_worker):
    client.force_login(grid_worker)
    crit = criterion(compound_a.community, "fire_safety", year=_today().year)
    form = client.get(reverse("scorecards:inspection_create")).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', form).group(1)
    data = {**_inspection_post(compound_a, crit), "once": token}
    first = client.post(reverse("scorecards:inspection_create"), data)
    second = client.post(reverse("scorecards:inspection_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert (Inspection.objects.count(), Finding.objects.count()) == (1, 1)


def test_a_complaint_form_sent_twice_is_logged_once(client, compound_a, staff):
    client.force_login(staff)
    form = client.get(reverse("scorecards:complaint_create")).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', form).group(1)
    data = {
        "compound": compound_a.pk,
        "received_on": _today().isoformat(),
        "channel": "hotline",
        "summary": "电梯停运",
        "once": token,
    }
    for _ in range(2):
        assert client.post(reverse("scorecards:complaint_create"), data).status_code == 302
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"inspected_on": "future"}, "inspected_on", inspections.DATE_IN_FUTURE),
        ({"finding-0-points": "-1"}, "points", inspections.POINTS_NEGATIVE),
        ({"finding-0-photo": "not-image"}, "photo", PHOTO_NOT_IMAGE),
        ({"finding-0-criterion": "old"}, "criterion", None),
    ],
)
def test_bad_inspection_input_is_shown_and_nothing_saved(
    client, compound_a, staff, change, field, message
):
    client.force_login(staff)
    year = _today().year
    data = _inspection_post(compound_a, criterion(compound_a.community, "fire_safety", year=year))
    for key, value in change.items():
        if value == "future":
            value = (_today() + dt.timedelta(days=1)).isoformat()
        elif value == "not-image":
            value = photo_upload("x.jpg", b"GIF89a not really")
        elif value == "old":
            value = criterion(compound_a.community, year=year - 1).pk
        data[key] = value
    before = counts()
    response = client.post(reverse("scorecards:inspection_create"), data)
    assert response.status_code == 400
    assert counts() == before
    if field == "inspected_on":
        errors = response.context["form"].errors[field]
    else:
        errors = response.context["formset"].forms[0].errors[field]
    if message is not None:
        assert str(message) in errors


def test_an_oversized_photo_is_refused_with_a_clear_message(client, compound_a, staff, settings):
    settings.PHOTO_MAX_BYTES = 2000
    client.force_login(staff)
    year = _today().year
    data = _inspection_post(compound_a, criterion(compound_a.community, "fire_safety", year=year))
    data["finding-0-photo"] = photo_upload("big.png", image_bytes("PNG", (800, 800)))
    before = counts()
    response = client.post(reverse("scorecards:inspection_create"), data)
    assert response.status_code == 400
    assert counts() == before
    assert "2.0\xa0KB" in " ".join(response.context["formset"].forms[0].errors["photo"])


def test_english_page(client, compound_a, staff):
    client.force_login(staff)
    response = client.get("/en/scorecards/inspections/new/")
    assert response.status_code == 200
    assert "Record an inspection" in response.content.decode()


def test_answer_verify_reopen_through_the_pages(client, world, company_user_a, staff):
    rect = world["rect"]
    client.force_login(company_user_a)
    response = client.post(
        reverse("scorecards:rectification_answer", args=[rect.pk]),
        {"answer": "已清理", "photo": photo_upload()},
    )
    assert response.status_code == 302
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.ANSWERED
    # a second answer is refused before anything is typed, and nothing changes
    answer_url = reverse("scorecards:rectification_answer", args=[rect.pk])
    detail_url = reverse("scorecards:rectification_detail", args=[rect.pk])
    assert client.get(answer_url).url == detail_url
    response = client.post(answer_url, {"answer": "again", "photo": photo_upload()})
    assert response.url == detail_url
    assert Rectification.objects.get(pk=rect.pk).answer == "已清理"
    client.force_login(staff)
    response = client.post(
        reverse("scorecards:rectification_reopen", args=[rect.pk]),
        {"reason": "未清完", "deadline_on": (_today() - dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert str(inspections.DEADLINE_IN_PAST) in response.context["form"].errors["deadline_on"]
    response = client.post(
        reverse("scorecards:rectification_reopen", args=[rect.pk]),
        {"reason": "未清完", "deadline_on": _today().isoformat()},
    )
    assert response.status_code == 302
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.REOPENED
    detail = client.get(reverse("scorecards:rectification_detail", args=[rect.pk]))
    assert "未清完" in detail.content.decode()


def test_withdraw_and_complaint_forms(client, world, staff, company_a):
    client.force_login(staff)
    inspection = world["inspection"]
    response = client.post(
        reverse("scorecards:inspection_withdraw", args=[inspection.pk]), {"reason": "录错了"}
    )
    assert response.status_code == 302
    assert Inspection.objects.get(pk=inspection.pk).is_withdrawn
    response = client.post(
        reverse("scorecards:complaint_verify", args=[world["complaint"].pk]), {"points": "2"}
    )
    assert response.status_code == 302
    assert Finding.objects.get(complaint=world["complaint"]).points == Decimal(2)
    response = client.post(
        reverse("scorecards:complaint_create"),
        {
            "compound": world["rect"].compound_id,
            "received_on": (_today() + dt.timedelta(days=3)).isoformat(),
            "channel": "hotline",
            "summary": "x",
        },
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == 1


def test_the_inbox_hides_the_complainant_and_the_detail_hides_names(
    client, world, company_user_a, staff
):
    inspections.complaint_verify(complaint=world["complaint"], user=staff)
    client.force_login(company_user_a)
    inbox = client.get(reverse("scorecards:rectification_inbox")).content.decode()
    assert "噪音" in inbox
    assert "13800000000" not in inbox
    rect = Rectification.objects.get(finding__complaint=world["complaint"])
    detail = client.get(reverse("scorecards:rectification_detail", args=[rect.pk])).content.decode()
    assert "13800000000" not in detail
    assert staff.username not in detail


def test_opening_feedback_marks_it_read_for_the_company_only(client, world, company_user_a, staff):
    item = world["feedback"]
    client.force_login(staff)
    client.get(reverse("scorecards:feedback_detail", args=[item.pk]))
    assert WeeklyFeedback.objects.get(pk=item.pk).read_at is None
    client.force_login(company_user_a)
    response = client.get(reverse("scorecards:feedback_detail", args=[item.pk]))
    assert world["rect"].description in response.content.decode()
    assert WeeklyFeedback.objects.get(pk=item.pk).read_at is not None


class _PhoneTable(HTMLParser):
    """A page's tables as a phone shows them: the headers and the text left visible, where
    Bootstrap's ``d-none`` hides an element below the ``md`` width (``d-md-table-cell`` brings it
    back only from there on). A column past the edge of a 390-px screen is as good as hidden, so
    the tables keep few columns on a phone and fold the rest under the cells that stay."""

    VOID = frozenset({"br", "img", "input", "hr", "meta", "link", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.headers: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        hidden = "d-none" in (dict(attrs).get("class") or "").split()
        self.stack.append((tag, hidden or bool(self.stack and self.stack[-1][1])))

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.stack.pop()

    def handle_data(self, data):
        tags = [tag for tag, _hidden in self.stack]
        if "table" not in tags or self.stack[-1][1] or not data.strip():
            return
        if "th" in tags and "thead" in tags:
            self.headers.append(data.strip())
        else:
            self.texts.append(data.strip())


def on_a_phone(html: str) -> tuple[list[str], str]:
    """(the table's visible headers, its visible text) below the ``md`` width."""
    parser = _PhoneTable()
    parser.feed(html)
    return parser.headers, " ".join(parser.texts)


def test_the_inbox_fits_a_phone_and_still_shows_deadline_and_age(client, world, company_user_a):
    # given an open item in the company's inbox
    rect = world["rect"]
    client.force_login(company_user_a)

    # when the inbox is read on a phone
    html = client.get(reverse("scorecards:rectification_inbox")).content.decode()
    headers, shown = on_a_phone(html)

    # then four columns fit the screen, and the deadline and the age fold under the item
    assert headers == ["提出日期", "小区", "整改要求", "状态"]
    assert rect.deadline_on.isoformat() in shown
    assert f"已持续天数 {(_today() - rect.created_on).days}" in shown


@pytest.mark.parametrize("who", ["company_user_a", "staff"])
def test_weekly_feedback_fits_a_phone_and_still_names_the_company(
    client, request, world, company_a, who
):
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("scorecards:feedback_list")).content.decode()
    headers, shown = on_a_phone(html)
    assert headers == ["周起始日", "新增", "逾期", "已销号", "已读"]
    assert company_a.name in shown  # folded under the week
    assert "未读" in shown  # the last column


def test_staff_rectification_list_fits_a_phone(client, world, staff, company_a):
    client.force_login(staff)
    html = client.get(reverse("scorecards:rectification_list")).content.decode()
    headers, shown = on_a_phone(html)
    assert headers == ["提出日期", "小区", "整改要求", "状态"]
    assert company_a.name in shown
    assert world["rect"].deadline_on.isoformat() in shown


def test_rectification_filters(client, world, staff, compound_b):
    inspections.inspection_record(
        compound=compound_b,
        day=_today() - dt.timedelta(days=20),
        inspector=staff,
        findings=[finding_input(compound_b.community, deadline_on=_today() - dt.timedelta(days=1))],
        today=_today() - dt.timedelta(days=20),  # recorded the day of the visit
    )
    client.force_login(staff)
    url = reverse("scorecards:rectification_list")

    def shown(**params):
        response = client.get(url, params)
        return {r.compound_id for r in response.context["page"].object_list}

    assert shown() == {world["rect"].compound_id, compound_b.pk}
    assert shown(overdue="true") == {compound_b.pk}
    assert shown(compound=compound_b.pk) == {compound_b.pk}
    assert shown(status="closed") == set()
    row = client.get(url, {"compound": compound_b.pk}).context["page"].object_list[0]
    assert row.age_days == 20


def _filter_summary(html: str) -> str:
    found = re.search(r'data-figure="filter-summary">(.*?)</p>', html, re.S)
    assert found, "no summary of the filters above the list"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


@pytest.mark.parametrize(
    ("params", "said", "not_said", "clearable"),
    [
        ({}, ["Showing: not yet closed"], ["closed ones included", "overdue"], False),
        (
            {"compound": "b", "due_soon": "on"},
            ["Showing: not yet closed", "乙小区", "due within three days"],
            ["甲小区", "overdue"],
            True,
        ),
        ({"status": ""}, ["Showing: all, closed ones included"], ["not yet closed"], True),
        ({"status": "closed", "overdue": "on"}, ["overdue"], ["not yet closed"], True),
    ],
)
def test_the_rectification_list_says_which_filters_are_in_force(
    client, world, staff, compound_b, params, said, not_said, clearable
):
    # given: the filter panel folds away on a phone, so the list says what it shows
    if params.get("compound") == "b":
        params = {**params, "compound": compound_b.pk}
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("scorecards:rectification_list")
    # when
    html = client.get(url, params).content.decode()
    # then
    summary = _filter_summary(html)
    for text in said:
        assert text in summary
    for text in not_said:
        assert text not in summary
    cleared = f'href="{url}"' in html.split('data-figure="filter-summary"')[1].split("</p>")[0]
    assert cleared is clearable


# --- query counts ----------------------------------------------------------------------------------


def _grow(compound_a, staff, n: int) -> None:
    for i in range(n):
        day = _today() - dt.timedelta(days=i % 5)
        inspections.inspection_record(
            compound=compound_a,
            day=day,
            inspector=staff,
            findings=[finding_input(compound_a.community), finding_input(compound_a.community)],
        )
        inspections.complaint_log(
            compound=compound_a,
            received_on=day,
            channel="phone",
            summary=f"c{i}",
            verified=True,
            user=staff,
        )
    for i in range(n):
        feedback.weekly_feedback_send(feedback.week_of(_today()) - dt.timedelta(days=7 * i))


def _queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"scorecards:{name}"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("inspection_list", "staff"),
        ("complaint_list", "grid_worker"),
        ("rectification_list", "staff"),
        ("rectification_inbox", "company_user_a"),
        ("feedback_list", "company_user_a"),
        ("feedback_list", "staff"),
    ],
)
def test_list_pages_use_the_same_queries_at_two_sizes(
    client, request, compound_a, staff, name, who
):
    mail.outbox = []
    client.force_login(request.getfixturevalue(who))
    _grow(compound_a, staff, 1)
    small = _queries(client, name)
    _grow(compound_a, staff, 4)
    assert Rectification.objects.count() >= 10
    assert RectificationEvent.objects.count() >= 10
    assert _queries(client, name) == small


def test_inspection_photo_is_served(client, world, staff):
    client.force_login(staff)
    photo = world["photo"]
    response = client.get(reverse("scorecards:inspection_photo", args=[photo.pk, "image"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert InspectionPhoto.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "name", "key", "button"),
    [
        ("staff", "inspection_create", None, "Record the inspection"),
        ("staff", "inspection_withdraw", "inspection", "Withdraw the inspection"),
        ("staff", "complaint_create", None, "Log the complaint"),
        ("staff", "complaint_verify", "complaint", "Verify the complaint"),
        ("company_user_a", "rectification_answer", "rect", "Send the answer"),
    ],
)
def test_each_form_button_says_what_it_does(client, world, request, who, name, key, button):
    client.force_login(request.getfixturevalue(who))
    with translation.override("en"):
        url = reverse(f"scorecards:{name}", args=[world[key].pk] if key else [])
    buttons = submit_buttons(client.get(url).content.decode())
    assert button in buttons
    assert "Save" not in buttons


def test_verify_and_reopen_buttons_say_what_they_do(client, world, company_user_a, staff):
    rect = world["rect"]
    inspections.rectification_answer(
        rectification=rect, user=company_user_a, answer="done", photo=photo_upload()
    )
    client.force_login(staff)
    for name, button in (
        ("rectification_verify", "Verify and close"),
        ("rectification_reopen", "Send back to the company"),
    ):
        with translation.override("en"):
            url = reverse(f"scorecards:{name}", args=[rect.pk])
        buttons = submit_buttons(client.get(url).content.decode())
        assert button in buttons, name
        assert "Save" not in buttons, name


def test_verifying_a_complaint_of_a_published_month_says_where_it_counts(client, compound_a, staff):
    # given: a complaint received two months ago, whose month's list is published since
    today = _today()
    received_on = (today.replace(day=1) - dt.timedelta(days=40)).replace(day=10)
    publish(compound_a.community, received_on.replace(day=1), [])
    complaint = inspections.complaint_log(
        compound=compound_a,
        received_on=received_on,
        channel=Complaint.Channel.PHONE,
        summary="噪音",
        user=staff,
    )
    client.force_login(staff)

    # when: staff verify it on the English pages
    with translation.override("en"):
        response = client.post(
            reverse("scorecards:complaint_verify", args=[complaint.pk]),
            {"points": "2"},
            follow=True,
        )

    # then: it counts this month, and both the notice and the list say so
    page = response.content.decode()
    assert Finding.objects.get(complaint=complaint).found_on == today
    this_month = today.strftime("%B %Y")
    assert f"published and final: this complaint counts in {this_month}" in page
    assert f"counts in {this_month}</div>" in page


def test_the_item_says_how_long_it_is_open_or_took_to_close(client, world, staff, company_user_a):
    rect = world["rect"]
    Rectification.objects.filter(pk=rect.pk).update(created_on=_today() - dt.timedelta(days=2))
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("scorecards:rectification_detail", args=[rect.pk])
    assert "(open for 2 days)" in client.get(url).content.decode()

    inspections.rectification_answer(
        rectification=rect, user=company_user_a, answer="已清理", photo=photo_upload()
    )
    inspections.rectification_verify(rectification=rect, user=staff)
    assert "(closed after 2 days)" in client.get(url).content.decode()
