"""Tasks executed by a real Celery worker through Redis.

Kept in their own module because they need transactional tests (the worker thread has its own
database connection and would see nothing inside a test's transaction).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker

from campaigns.services import campaign_withdraw
from tests import factories
from tests.campaigns.factories import CampaignFactory
from tongde import rollups
from tongde.celery import app
from tongde.models import Rollup
from tongde.tasks import run_rollups_task

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def celery_worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_rollup_task_runs_on_a_real_worker(celery_worker, settings):
    # given a community with one household, and rollups that start in the current year
    settings.ROLLUP_START = dt.date(2026, 1, 1)
    household = factories.HouseholdFactory(residents=4, moved_in_on=dt.date(2025, 12, 1))
    community_id = household.dwelling.unit.building.compound.community_id

    # when the task goes through the broker to the worker
    assert not app.conf.task_always_eager
    result = run_rollups_task.delay("quarter")
    filled = result.get(timeout=60)

    # then the worker wrote the rollups the app can read
    assert filled["registry.residents"] >= 1
    rows = Rollup.objects.filter(
        stat="registry.residents", period_kind="quarter", subject_id=community_id
    )
    assert rows.exists()
    assert {row.value for row in rows} == {4}


def test_a_past_operation_withdrawn_is_refilled_by_the_worker_after_the_commit(
    celery_worker, settings
):
    # given an operation of March rolled up by month, and its community's staff
    settings.ROLLUP_START = dt.date(2026, 1, 1)
    community = factories.CommunityFactory()
    staff = factories.membership_user("staff", community=community)
    campaign = CampaignFactory(community=community, held_on=dt.date(2026, 3, 11))
    rollups.run_all("month")
    march = Rollup.objects.filter(
        stat="campaigns.operations", period_kind="month", period_start=dt.date(2026, 3, 1)
    )
    assert list(march.values_list("value", flat=True)) == [1]

    # when staff withdraw it (the service commits, then queues the month's run)
    campaign_withdraw(campaign=campaign, user=staff)

    # then the worker refills March without it, soon and not at the next scheduled run
    deadline = time.monotonic() + 60
    while march.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not march.exists()
