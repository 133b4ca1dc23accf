"""The Celery application. Periodic jobs are listed in settings.CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongde.settings")

app = Celery("tongde")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
