"""The daily erasure of refused registrations executed by a real Celery worker through Redis,
twice.

In its own module because it needs a transactional test: the worker thread has its own database
connection and would see nothing inside a test's transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from compounds.models import Residency
from compounds.tasks import erase_refused_registrations_task
from tests import factories
from tongde.celery import app

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_the_erasure_runs_on_a_real_worker_and_a_rerun_erases_nothing(celery_worker, settings):
    # given a registration refused 91 days ago and one refused yesterday (kept 90 days)
    settings.REFUSED_REGISTRATION_KEEP_DAYS = 90
    dwelling = factories.DwellingFactory()
    checker = factories.UserFactory()
    now = timezone.now()
    rows = [
        Residency.objects.create(
            account=factories.UserFactory(is_active=False),
            dwelling=dwelling,
            relation="tenant",
            full_name=name,
            phone="13909370002",
            status=Residency.Status.REFUSED,
            applied_at=now - dt.timedelta(days=days + 1),
            decided_at=now - dt.timedelta(days=days),
            decided_by=checker,
            note="不是本户",
        )
        for name, days in (("张三", 91), ("李四", 1))
    ]

    # when the task goes through the broker to the worker, twice
    assert not app.conf.task_always_eager
    first = erase_refused_registrations_task.delay().get(timeout=60)
    second = erase_refused_registrations_task.delay().get(timeout=60)

    # then the old one lost its name and login, the recent one kept both, and the rerun did nothing
    assert first == {"registrations": 1, "accounts": 1}
    assert second == {"registrations": 0, "accounts": 0}
    old, recent = (Residency.objects.select_related("account").get(pk=r.pk) for r in rows)
    assert (old.full_name, old.account.username) == ("", f"erased-{old.account_id}")
    assert (recent.full_name, recent.account.username) == ("李四", rows[1].account.username)
