from __future__ import annotations

from celery import shared_task

from . import rollups


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def run_rollups_task(kind: str) -> dict[str, int]:
    """Bring every statistic of one period kind up to date; safe to run twice."""
    return rollups.run_all(kind)
