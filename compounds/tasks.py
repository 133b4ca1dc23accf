from __future__ import annotations

from celery import shared_task

from . import retention


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def erase_refused_registrations_task() -> dict[str, int]:
    """The daily erasure of refused registrations past their keeping time; safe to run twice."""
    return retention.erase_refused_registrations().as_dict()
