"""The monthly drafting task: on the 1st, draft every managed compound's scorecard of the month
before (Asia/Shanghai). Safe to run twice: ``draft_month`` creates one card per compound and
month and only refreshes drafts."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .models import previous_month
from .scoring import draft_month


@shared_task(
    name="scorecards.tasks_scoring.draft_scorecards_task",
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
)
def draft_scorecards_task(month: str | None = None) -> dict[str, int | str]:
    """``month`` is ``YYYY-MM`` (or ``YYYY-MM-DD``); default: the month before today."""
    if month:
        first = dt.date.fromisoformat(month if len(month) > 7 else f"{month}-01").replace(day=1)
    else:
        first = previous_month(timezone.localdate())
    result = draft_month(first)
    return {
        "month": f"{result.month:%Y-%m}",
        "created": result.created,
        "refreshed": result.refreshed,
        "published": result.published,
    }
