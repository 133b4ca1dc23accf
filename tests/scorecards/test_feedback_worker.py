"""The weekly feedback task executed by a real Celery worker through Redis, twice.

In its own module because it needs a transactional test: the worker thread has its own database
connection and would see nothing inside a test's transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from scorecards.models import WeeklyFeedback
from scorecards.tasks import weekly_feedback_task
from tests import factories
from tests.scorecards.test_inspections import record
from tongde.celery import app

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_weekly_feedback_runs_on_a_real_worker_and_a_rerun_sends_nothing(celery_worker, settings):
    # given an item raised in the week of 2026-03-09 for company A, whose user has an address
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    community = factories.CommunityFactory()
    company = factories.PropertyCompanyFactory()
    compound = factories.CompoundFactory(community=community)
    factories.ServiceContractFactory(compound=compound, company=company)
    staff = factories.membership_user("staff", community=community)
    user = factories.membership_user("company", company=company)
    user.email = "wuye@tongde.example"
    user.save()
    record(compound, staff, day=dt.date(2026, 3, 10), today=dt.date(2026, 3, 15))

    # when the task goes through the broker to the worker, twice
    assert not app.conf.task_always_eager
    first = weekly_feedback_task.delay("2026-03-09").get(timeout=60)
    second = weekly_feedback_task.delay("2026-03-09").get(timeout=60)

    # then one row and one mail
    assert first == {"built": 1, "sent": 1}
    assert second == {"built": 0, "sent": 0}
    assert [m.to for m in mail.outbox] == [["wuye@tongde.example"]]
    row = WeeklyFeedback.objects.get()
    assert (row.company_id, row.week_start, row.new_findings) == (
        company.pk,
        dt.date(2026, 3, 9),
        1,
    )
    assert row.emailed_at is not None
