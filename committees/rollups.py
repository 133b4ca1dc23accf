"""Resident consultation statistics per community per period: opinions received in the period,
and those of them answered by the period's end."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from tongde.periods import Period
from tongde.rollups import Stat, register

from .models import Consultation


def _received_in(period: Period) -> QuerySet[Consultation]:
    return Consultation.objects.filter(
        received_on__gte=period.start, received_on__lt=period.end
    ).order_by()


def consultations_received(period: Period) -> QuerySet:
    return (
        _received_in(period)
        .values(subject_id=F("compound__community_id"))
        .annotate(value=Count("pk"))
    )


def consultations_answered(period: Period) -> QuerySet:
    # Answered by the period's end, so a backfill computes the same figure as the run at the
    # time did; an opinion answered later counts in no period's "answered".
    return (
        _received_in(period)
        .filter(answered_on__lt=period.end)
        .values(subject_id=F("compound__community_id"))
        .annotate(value=Count("pk"))
    )


register(Stat("committees.consultations_received", "community", consultations_received))
register(Stat("committees.consultations_answered", "community", consultations_answered))
