"""The rectification flow: every transition, every refusal, and the join with patrol problems."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaigns import patrols
from campaigns.models import Problem, ProblemEvent
from scorecards import inspections
from scorecards.models import Rectification, RectificationEvent
from tests import factories
from tests.campaigns.factories import photo_upload
from tests.scorecards.test_inspections import DAY, TODAY, finding_input, record

pytestmark = pytest.mark.django_db

LATER = dt.date(2026, 3, 14)


@pytest.fixture
def rect(compound_a, staff) -> Rectification:
    record(compound_a, staff)
    return Rectification.objects.get()


def answer(rect, user, text="已清理", photo="default"):
    return inspections.rectification_answer(
        rectification=rect,
        user=user,
        answer=text,
        photo=photo_upload() if photo == "default" else photo,
    )


def snapshot(rect: Rectification) -> tuple:
    rect = Rectification.objects.get(pk=rect.pk)
    return (
        rect.status,
        rect.answer,
        rect.deadline_on,
        rect.closed_on,
        rect.verified_by_id,
        RectificationEvent.objects.count(),
    )


def refused(rect, call) -> ValidationError:
    before = snapshot(rect)
    with pytest.raises(ValidationError) as exc:
        call()
    assert snapshot(rect) == before
    return exc.value


def test_answer_verify(rect, company_user_a, staff):
    answered = answer(rect, company_user_a)
    assert answered.status == Rectification.Status.ANSWERED
    assert answered.answer == "已清理"
    assert answered.answer_photo.name
    assert answered.answered_at is not None
    closed = inspections.rectification_verify(
        rectification=rect, user=staff, note="checked", today=LATER
    )
    assert (closed.status, closed.closed_on, closed.verified_by) == (
        Rectification.Status.CLOSED,
        LATER,
        staff,
    )
    assert list(rect.events.values_list("action", "comment")) == [
        ("raised", ""),
        ("answered", "已清理"),
        ("verified", "checked"),
    ]


def test_reopen_then_answer_again(rect, company_user_a, staff):
    answer(rect, company_user_a)
    reopened = inspections.rectification_reopen(
        rectification=rect, user=staff, reason="还有堆物", deadline_on=LATER, today=TODAY
    )
    assert (reopened.status, reopened.deadline_on) == (Rectification.Status.REOPENED, LATER)
    answer(rect, company_user_a, text="全部清走")
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.ANSWERED
    assert list(rect.events.values_list("action", flat=True)) == [
        "raised",
        "answered",
        "reopened",
        "answered",
    ]
    assert rect.events.get(action="reopened").comment == "还有堆物"


def test_a_late_answer_is_accepted_and_overdue_shows(rect, company_user_a):
    assert rect.is_overdue(rect.deadline_on + dt.timedelta(days=1))
    assert not rect.is_overdue(rect.deadline_on)
    answer(rect, company_user_a)
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.ANSWERED


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("company_user_b", inspections.NOT_YOUR_COMPANY),
        ("staff", inspections.NOT_YOUR_COMPANY),
        ("grid_worker", inspections.NOT_YOUR_COMPANY),
        ("committee_member_a", inspections.NOT_YOUR_COMPANY),
    ],
)
def test_only_the_company_answers(request, rect, user, message):
    exc = refused(rect, lambda: answer(rect, request.getfixturevalue(user)))
    assert exc.messages == [str(message)]


def test_answer_needs_text_and_a_real_photo(rect, company_user_a):
    exc = refused(rect, lambda: answer(rect, company_user_a, text=" ", photo=None))
    assert exc.message_dict == {
        "answer": [str(inspections.ANSWER_REQUIRED)],
        "photo": [str(inspections.ANSWER_PHOTO_REQUIRED)],
    }
    exc = refused(rect, lambda: answer(rect, company_user_a, photo=photo_upload("a.jpg", b"MZ")))
    assert list(exc.message_dict) == ["photo"]


def test_an_oversized_evidence_photo_is_refused(rect, company_user_a, settings):
    settings.PHOTO_MAX_BYTES = 100
    exc = refused(rect, lambda: answer(rect, company_user_a))
    assert list(exc.message_dict) == ["photo"]


def test_a_double_answer_is_refused(rect, company_user_a):
    answer(rect, company_user_a)
    exc = refused(rect, lambda: answer(rect, company_user_a, text="second"))
    assert exc.code == "state"
    assert Rectification.objects.get(pk=rect.pk).answer == "已清理"


@pytest.mark.parametrize("user", ["grid_worker", "company_user_a", "resident"])
def test_only_staff_verify_or_reopen(request, rect, company_user_a, user):
    answer(rect, company_user_a)
    who = request.getfixturevalue(user)
    exc = refused(rect, lambda: inspections.rectification_verify(rectification=rect, user=who))
    assert exc.messages == [str(inspections.NOT_STAFF)]
    exc = refused(
        rect,
        lambda: inspections.rectification_reopen(
            rectification=rect, user=who, reason="x", deadline_on=LATER, today=TODAY
        ),
    )
    assert exc.messages == [str(inspections.NOT_STAFF)]


def test_staff_of_another_community_cannot_verify(rect, company_user_a, other_community):
    answer(rect, company_user_a)
    outsider = factories.membership_user("staff", community=other_community)
    refused(rect, lambda: inspections.rectification_verify(rectification=rect, user=outsider))


def test_an_open_item_cannot_be_verified_or_reopened(rect, staff):
    exc = refused(rect, lambda: inspections.rectification_verify(rectification=rect, user=staff))
    assert exc.code == "state"
    exc = refused(
        rect,
        lambda: inspections.rectification_reopen(
            rectification=rect, user=staff, reason="x", deadline_on=LATER, today=TODAY
        ),
    )
    assert exc.code == "state"


def test_a_closed_item_cannot_be_answered_or_verified_again(rect, company_user_a, staff):
    answer(rect, company_user_a)
    inspections.rectification_verify(rectification=rect, user=staff)
    refused(rect, lambda: answer(rect, company_user_a))
    refused(rect, lambda: inspections.rectification_verify(rectification=rect, user=staff))


def test_reopen_needs_a_reason_and_a_deadline_not_in_the_past(rect, company_user_a, staff):
    answer(rect, company_user_a)
    exc = refused(
        rect,
        lambda: inspections.rectification_reopen(
            rectification=rect,
            user=staff,
            reason="",
            deadline_on=TODAY - dt.timedelta(days=1),
            today=TODAY,
        ),
    )
    assert exc.message_dict == {
        "reason": [str(inspections.REASON_REQUIRED)],
        "deadline_on": [str(inspections.DEADLINE_IN_PAST)],
    }
    # the boundary: today is a valid new deadline
    inspections.rectification_reopen(
        rectification=rect, user=staff, reason="again", deadline_on=TODAY, today=TODAY
    )
    assert Rectification.objects.get(pk=rect.pk).deadline_on == TODAY


def test_inbox_puts_overdue_first(compound_a, company_user_a, company_user_b, staff):
    community = compound_a.community
    record(
        compound_a,
        staff,
        finding_input(community, deadline_on=dt.date(2026, 3, 30)),
        finding_input(community, deadline_on=dt.date(2026, 3, 11)),
        finding_input(community, deadline_on=dt.date(2026, 3, 20)),
    )
    late, soon, far = sorted(Rectification.objects.all(), key=lambda r: r.deadline_on)
    answer(far, company_user_a)
    rows = list(inspections.inbox(user=company_user_a, on=TODAY))
    assert [r.pk for r in rows] == [late.pk, soon.pk, far.pk]
    assert rows[0].sort_group == 0
    assert list(inspections.inbox(user=company_user_b, on=TODAY)) == []


def test_closed_items_leave_the_inbox_for_their_own_tab_latest_first(
    compound_a, company_user_a, staff
):
    community = compound_a.community
    record(compound_a, staff, *(finding_input(community) for _ in range(3)))
    first, second, still_open = Rectification.objects.order_by("pk")
    for rect, day in ((first, dt.date(2026, 3, 11)), (second, dt.date(2026, 3, 12))):
        answer(rect, company_user_a)
        inspections.rectification_verify(rectification=rect, user=staff, today=day)
    assert [r.pk for r in inspections.inbox(user=company_user_a, on=TODAY)] == [still_open.pk]
    closed = inspections.inbox(user=company_user_a, on=TODAY, closed=True)
    assert [r.pk for r in closed] == [second.pk, first.pk]
    assert inspections.inbox_counts(user=company_user_a, on=TODAY) == {
        "open": 1,
        "turn": 1,
        "overdue": 0,
        "answered": 0,
        "closed": 2,
    }


def test_the_inbox_page_shows_open_items_and_the_closed_tab(
    compound_a, company_user_a, staff, client
):
    record(compound_a, staff, finding_input(compound_a.community, description="垃圾满溢"))
    rect = Rectification.objects.get()
    client.force_login(company_user_a)
    url = reverse("scorecards:rectification_inbox")
    assert "垃圾满溢" in client.get(url).content.decode()
    assert "垃圾满溢" not in client.get(url, {"show": "closed"}).content.decode()
    answer(rect, company_user_a)
    inspections.rectification_verify(rectification=rect, user=staff, today=TODAY)
    page = client.get(url).content.decode()
    assert "垃圾满溢" not in page
    assert "每项都已回复并核实" in page
    assert "垃圾满溢" in client.get(url, {"show": "closed"}).content.decode()


# --- patrol problems -------------------------------------------------------------------------------


@pytest.fixture
def problem_rect(community, compound_a, staff):
    grid = factories.GridFactory(community=community, worker=staff)
    grid.compounds.add(compound_a)
    patrol = patrols.patrol_log(
        grid=grid,
        patrolled_on=DAY,
        route="东门到8号楼",
        problems=[
            patrols.ProblemInput(
                compound=compound_a, description="消防通道堵塞", fixed_on_spot=False
            )
        ],
        user=staff,
        today=TODAY,
    )
    problem = patrol.problems.get()
    return problem, Rectification.objects.get(problem=problem)


def test_a_problem_assigned_to_the_company_is_in_its_inbox(problem_rect, company_a, company_user_a):
    problem, rect = problem_rect
    assert problem.status == Problem.Status.ASSIGNED
    assert (rect.company, rect.deadline_on, rect.created_on) == (
        company_a,
        problem.deadline_on,
        DAY,
    )
    assert rect.finding is None
    assert [r.pk for r in inspections.inbox(user=company_user_a, on=TODAY)] == [rect.pk]


def test_answering_and_closing_the_rectification_moves_the_problem(
    problem_rect, company_user_a, staff
):
    problem, rect = problem_rect
    answer(rect, company_user_a)
    problem.refresh_from_db()
    assert (problem.status, problem.company_answer) == (Problem.Status.ANSWERED, "已清理")
    assert problem.answer_photo.name == Rectification.objects.get(pk=rect.pk).answer_photo.name
    inspections.rectification_reopen(
        rectification=rect, user=staff, reason="未清完", deadline_on=LATER, today=TODAY
    )
    problem.refresh_from_db()
    assert (problem.status, problem.deadline_on) == (Problem.Status.ASSIGNED, LATER)
    answer(rect, company_user_a)
    inspections.rectification_verify(rectification=rect, user=staff, today=LATER)
    problem.refresh_from_db()
    assert (problem.status, problem.closed_on) == (Problem.Status.CLOSED, LATER)
    assert list(problem.events.values_list("action", flat=True)) == [
        ProblemEvent.Action.FOUND,
        ProblemEvent.Action.ANSWERED,
        ProblemEvent.Action.REOPENED,
        ProblemEvent.Action.ANSWERED,
        ProblemEvent.Action.CLOSED,
    ]


def test_acting_on_the_patrol_page_moves_the_rectification(problem_rect, company_user_a, staff):
    problem, rect = problem_rect
    patrols.problem_answer(
        problem=problem, answer="done", photo=photo_upload(), user=company_user_a
    )
    rect.refresh_from_db()
    assert (rect.status, rect.answer) == (Rectification.Status.ANSWERED, "done")
    patrols.problem_reopen(problem=problem, deadline_on=LATER, reason="no", user=staff, today=TODAY)
    rect.refresh_from_db()
    assert (rect.status, rect.deadline_on) == (Rectification.Status.REOPENED, LATER)
    patrols.problem_answer(
        problem=problem, answer="done2", photo=photo_upload(), user=company_user_a
    )
    patrols.problem_close(problem=problem, user=staff, today=LATER)
    rect.refresh_from_db()
    assert (rect.status, rect.closed_on, rect.verified_by) == (
        Rectification.Status.CLOSED,
        LATER,
        staff,
    )
    assert list(rect.events.values_list("action", flat=True)) == [
        "raised",
        "answered",
        "reopened",
        "answered",
        "verified",
    ]


def test_a_problem_fixed_on_the_spot_raises_no_item(community, compound_a, staff):
    grid = factories.GridFactory(community=community, worker=staff)
    patrols.patrol_log(
        grid=grid,
        patrolled_on=DAY,
        route="r",
        problems=[patrols.ProblemInput(compound=compound_a, description="d", fixed_on_spot=True)],
        user=staff,
        today=TODAY,
    )
    assert Rectification.objects.count() == 0


def test_rectification_from_problem_is_idempotent(problem_rect):
    problem, rect = problem_rect
    assert inspections.rectification_from_problem(problem).pk == rect.pk
    assert Rectification.objects.count() == 1


def test_now_default(rect, company_user_a):
    before = timezone.now()
    assert answer(rect, company_user_a).answered_at >= before
