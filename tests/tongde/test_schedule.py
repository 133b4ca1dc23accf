from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tongde.celery import app

SH = ZoneInfo("Asia/Shanghai")


def _fires_at(name: str, moment: dt.datetime) -> bool:
    """Whether the job's crontab matches this Shanghai minute."""
    schedule = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
    return (
        moment.minute in schedule.minute
        and moment.hour in schedule.hour
        and moment.isoweekday() % 7 in schedule.day_of_week
        and moment.day in schedule.day_of_month
        and moment.month in schedule.month_of_year
    )


@pytest.mark.parametrize(
    ("name", "moment", "fires"),
    [
        ("rollup-week", dt.datetime(2026, 11, 30, 2, 0, tzinfo=SH), True),  # a Monday
        ("rollup-week", dt.datetime(2026, 12, 1, 2, 0, tzinfo=SH), False),  # a Tuesday
        ("rollup-month", dt.datetime(2026, 12, 1, 2, 30, tzinfo=SH), True),
        ("rollup-month", dt.datetime(2026, 12, 2, 2, 30, tzinfo=SH), False),
        ("rollup-quarter", dt.datetime(2027, 1, 1, 3, 0, tzinfo=SH), True),
        ("rollup-quarter", dt.datetime(2026, 10, 1, 3, 0, tzinfo=SH), True),
        ("rollup-quarter", dt.datetime(2026, 11, 1, 3, 0, tzinfo=SH), False),
        ("rollup-year", dt.datetime(2027, 1, 1, 3, 30, tzinfo=SH), True),
        ("rollup-year", dt.datetime(2026, 7, 1, 3, 30, tzinfo=SH), False),
    ],
)
def test_beat_schedule_runs_each_rollup_when_its_period_ends(name, moment, fires):
    assert _fires_at(name, moment) is fires


def test_every_scheduled_task_exists_and_celery_keeps_shanghai_time():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    assert app.conf.timezone == "Asia/Shanghai"
