"""The term reminder executed by a real Celery worker through Redis.

In its own module because it needs a transactional test: the worker thread has its own database
connection and would see nothing inside a test's transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from committees.models import Committee
from committees.tasks import remind_term_endings_task
from tests import factories
from tests.committees.factories import CommitteeFactory
from tongde.celery import app

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_term_reminder_runs_on_a_real_worker_once(celery_worker):
    # given a committee whose term ends within three months, and staff with an email address
    committee = CommitteeFactory(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=dt.date(2027, 1, 15)
    )
    user = factories.membership_user("staff", community=committee.compound.community)
    user.email = "staff@tongde.example"
    user.save()

    # when the task goes through the broker to the worker, twice
    assert not app.conf.task_always_eager
    first = remind_term_endings_task.delay("2026-11-27").get(timeout=60)
    second = remind_term_endings_task.delay("2026-11-28").get(timeout=60)

    # then one reminder went out, and the worker stamped it where the app reads it
    assert (first, second) == (1, 0)
    assert [m.to for m in mail.outbox] == [["staff@tongde.example"]]
    committee.refresh_from_db()
    assert committee.term_reminder_sent_on == dt.date(2026, 11, 27)
    assert Committee.objects.filter(term_reminder_sent_on__isnull=False).count() == 1
