"""Weekly feedback: what a company's week lists, one row and one mail per company and week, and
the task in-process (a real worker runs it in ``test_feedback_worker.py``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from scorecards import feedback, inspections
from scorecards.models import Rectification, WeeklyFeedback
from scorecards.tasks import weekly_feedback_task
from tests import factories
from tests.campaigns.factories import photo_upload
from tests.scorecards.test_inspections import finding_input, record

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)
SUNDAY = dt.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("today", "week_start"),
    [
        (dt.date(2026, 3, 16), MONDAY),  # Monday: the week that ended yesterday
        (dt.date(2026, 3, 22), MONDAY),  # Sunday: this week is not over yet
        (dt.date(2026, 3, 17), MONDAY),
        (dt.date(2026, 3, 15), dt.date(2026, 3, 2)),
    ],
)
def test_last_full_week(today, week_start):
    assert feedback.last_full_week(today) == week_start


def _with_email(user, address):
    user.email = address
    user.save()
    return user


@pytest.fixture
def week(compound_a, compound_b, staff, company_user_a):
    """Company A: one item raised in the week and still open past its deadline, one raised before
    and closed in the week, one raised after. Company B: one raised before the week, deadline
    after it (nothing to report)."""
    community = compound_a.community
    record(
        compound_a,
        staff,
        finding_input(community, deadline_on=dt.date(2026, 3, 12)),
        day=dt.date(2026, 3, 10),
        today=dt.date(2026, 3, 10),
    )
    record(compound_a, staff, day=dt.date(2026, 3, 2), today=dt.date(2026, 3, 2))
    earlier = Rectification.objects.get(created_on=dt.date(2026, 3, 2))
    inspections.rectification_answer(
        rectification=earlier, user=company_user_a, answer="ok", photo=photo_upload()
    )
    inspections.rectification_verify(rectification=earlier, user=staff, today=SUNDAY)
    record(compound_a, staff, day=dt.date(2026, 3, 16), today=dt.date(2026, 3, 16))
    record(
        compound_b,
        staff,
        finding_input(community, deadline_on=dt.date(2026, 3, 20)),
        day=dt.date(2026, 3, 6),
        today=dt.date(2026, 3, 6),
    )
    return {
        "new": Rectification.objects.get(created_on=dt.date(2026, 3, 10)),
        "closed": earlier,
    }


def test_week_items(week, company_a, company_b):
    items = feedback.week_items(MONDAY)
    assert set(items) == {company_a.pk}
    got = items[company_a.pk]
    assert got.new == [week["new"].pk]
    assert got.overdue == [week["new"].pk]
    assert got.closed == [week["closed"].pk]


def test_a_visit_typed_in_late_is_new_in_the_week_it_is_recorded(compound_a, staff, company_a):
    # found on the Friday before the week, typed in on its Tuesday
    record(compound_a, staff, day=dt.date(2026, 3, 6), today=dt.date(2026, 3, 10))
    rect = Rectification.objects.get()
    assert feedback.week_items(MONDAY)[company_a.pk].new == [rect.pk]
    assert company_a.pk not in feedback.week_items(dt.date(2026, 3, 2))


def test_an_item_closed_after_the_week_was_still_overdue_at_its_end(
    compound_a, staff, company_user_a, company_a
):
    record(
        compound_a,
        staff,
        finding_input(compound_a.community, deadline_on=SUNDAY),
        day=dt.date(2026, 3, 1),
        today=SUNDAY,
    )
    rect = Rectification.objects.get()
    inspections.rectification_answer(
        rectification=rect, user=company_user_a, answer="ok", photo=photo_upload()
    )
    inspections.rectification_verify(rectification=rect, user=staff, today=dt.date(2026, 3, 16))
    # deadline on the Sunday itself: overdue at the week's end (boundary)
    assert feedback.week_items(MONDAY)[company_a.pk].overdue == [rect.pk]
    # the week before: deadline not passed yet
    assert company_a.pk not in feedback.week_items(dt.date(2026, 3, 2))


def test_withdrawn_findings_are_left_out(compound_a, staff, company_a):
    inspection = record(compound_a, staff, day=dt.date(2026, 3, 10), today=SUNDAY)
    inspections.inspection_withdraw(
        inspection=inspection, user=staff, reason="error", today=dt.date(2026, 3, 11)
    )
    assert feedback.week_items(MONDAY) == {}


def test_send_builds_one_row_and_mails_each_company_user_once(
    week, company_a, company_user_a, company_user_b, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://tongde.example.org"
    _with_email(company_user_a, "a@wuye.example")
    _with_email(factories.membership_user("company", company=company_a), "a2@wuye.example")
    _with_email(company_user_b, "b@wuye.example")
    factories.membership_user("company", company=company_a)  # no address: no mail

    result = feedback.weekly_feedback_send(MONDAY, now=timezone.now())

    assert result == {"built": 1, "sent": 2}
    row = WeeklyFeedback.objects.get()
    assert (row.company, row.week_start, row.new_findings, row.overdue, row.closed) == (
        company_a,
        MONDAY,
        1,
        1,
        1,
    )
    assert row.items == {
        "new": [week["new"].pk],
        "overdue": [week["new"].pk],
        "closed": [week["closed"].pk],
    }
    assert row.emailed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["a2@wuye.example", "a@wuye.example"]
    message = mail.outbox[0]
    assert company_a.name in message.subject
    assert "2026-03-09" in message.subject
    assert "2026-03-09" in message.body
    assert week["new"].description in message.body
    # A link the company can follow from its mail client: absolute, on the site's address.
    assert "https://tongde.example.org/scorecards/rectifications/inbox/" in message.body


def test_a_rerun_builds_and_mails_nothing_twice(week, company_user_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _with_email(company_user_a, "a@wuye.example")
    first = weekly_feedback_task.apply(args=["2026-03-09"]).get()
    second = weekly_feedback_task.apply(args=["2026-03-11"]).get()  # any day of the same week
    assert first == {"built": 1, "sent": 1}
    assert second == {"built": 0, "sent": 0}
    assert WeeklyFeedback.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_row_built_but_not_mailed_is_mailed_on_the_rerun(
    week, company_a, company_user_a, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _with_email(company_user_a, "a@wuye.example")
    WeeklyFeedback.objects.create(company=company_a, week_start=MONDAY, new_findings=9)
    assert feedback.weekly_feedback_send(MONDAY) == {"built": 0, "sent": 1}
    assert WeeklyFeedback.objects.get().new_findings == 9  # not rebuilt
    assert feedback.weekly_feedback_send(MONDAY) == {"built": 0, "sent": 0}
    assert len(mail.outbox) == 1


def test_task_default_week_is_the_one_that_ended_last_sunday(week, monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 16))
    weekly_feedback_task.apply().get()
    assert list(WeeklyFeedback.objects.values_list("week_start", flat=True)) == [MONDAY]


def test_task_is_registered_under_the_beat_name(settings):
    from tongde.celery import app

    assert weekly_feedback_task.name == "scorecards.tasks.weekly_feedback_task"
    assert weekly_feedback_task.name in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert weekly_feedback_task.name in scheduled


def test_mark_read_only_by_the_company(week, company_a, company_user_a, staff):
    feedback.weekly_feedback_send(MONDAY)
    row = WeeklyFeedback.objects.get()
    assert not feedback.feedback_mark_read(row, user=staff)
    assert feedback.feedback_mark_read(row, user=company_user_a)
    row.refresh_from_db()
    first = row.read_at
    assert first is not None
    assert not feedback.feedback_mark_read(row, user=company_user_a)
    row.refresh_from_db()
    assert row.read_at == first
