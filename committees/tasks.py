"""Background jobs of the committees app. Each is thin: it calls a service and is safe to rerun."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def remind_term_endings_task(today: str | None = None) -> int:
    """Remind staff of committee terms ending soon (``today`` as ISO date, for backfills)."""
    day = dt.date.fromisoformat(today) if today else None
    return services.committee_term_reminders_send(today=day)
