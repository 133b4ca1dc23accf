"""Background jobs of the scorecards app (inspections side). Thin: each calls a service and is
safe to rerun."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import feedback


@shared_task(
    name="scorecards.tasks.weekly_feedback_task",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def weekly_feedback_task(week_start: str | None = None) -> dict[str, int]:
    """Build and mail each company's weekly feedback (``week_start`` as ISO date, for backfills;
    default: the week that ended last Sunday in Asia/Shanghai)."""
    day = dt.date.fromisoformat(week_start) if week_start else None
    return feedback.weekly_feedback_send(day)
