"""Rollup storage, after zulip's analytics: one fill state per (statistic, period kind) and one
row per (statistic, period kind, period start, subject, dimension)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PERIOD_KIND_CHOICES = [
    ("week", _("week")),
    ("month", _("month")),
    ("quarter", _("quarter")),
    ("year", _("year")),
]


class FillState(models.Model):
    """How far a statistic has been filled for one period kind.

    STARTED means the run for ``period_start`` began and may not have finished: the next run
    redoes that period before going on.
    """

    class State(models.TextChoices):
        STARTED = "started", _("started")
        DONE = "done", _("done")

    stat = models.CharField(_("statistic"), max_length=80)
    period_kind = models.CharField(_("period kind"), max_length=10, choices=PERIOD_KIND_CHOICES)
    period_start = models.DateField(_("period start"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rollup fill state")
        verbose_name_plural = _("rollup fill states")
        constraints = [
            models.UniqueConstraint(fields=["stat", "period_kind"], name="fillstate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.stat} {self.period_kind} {self.period_start} {self.state}"


class Rollup(models.Model):
    """One figure: a statistic for one subject (a community, company, compound...) in one
    period. ``dimension`` splits a figure further (a band, a disorder) and is '' when unused.

    The key is the primary key, and the table's only index: every fill inserts or upserts on
    it, and a second index (a surrogate id, a subject index) cost each row another index entry,
    about 15 % of a monthly fill. Its column order serves both reads: a subject's trend
    (statistic, kind, subject, then periods in order) and a fill's range of periods (statistic
    and kind, the period dates filtered in the index)."""

    pk = models.CompositePrimaryKey(
        "stat", "period_kind", "subject_kind", "subject_id", "period_start", "dimension"
    )
    stat = models.CharField(_("statistic"), max_length=80)
    period_kind = models.CharField(_("period kind"), max_length=10, choices=PERIOD_KIND_CHOICES)
    period_start = models.DateField(_("period start"))
    subject_kind = models.CharField(_("subject kind"), max_length=30)
    subject_id = models.BigIntegerField(_("subject id"))
    dimension = models.CharField(_("dimension"), max_length=60, default="", blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")

    def __str__(self) -> str:
        return f"{self.stat} {self.period_kind} {self.period_start} {self.subject_kind}:{self.subject_id}"
