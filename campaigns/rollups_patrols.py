"""Patrol statistics per grid per period: patrols made, problems found, and problems fixed on the
spot (当场解决). A problem counts in the period it was found in, whatever happened to it later, so
a backfill computes the same figures as the run at the time did."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from tongde.periods import Period
from tongde.rollups import Stat, register

from .models import Patrol, Problem


def patrols(period: Period) -> QuerySet:
    return (
        Patrol.objects.filter(patrolled_on__gte=period.start, patrolled_on__lt=period.end)
        .order_by()
        .values(subject_id=F("grid_id"))
        .annotate(value=Count("pk"))
    )


def _found_in(period: Period) -> QuerySet[Problem]:
    return Problem.objects.filter(found_on__gte=period.start, found_on__lt=period.end).order_by()


def problems_found(period: Period) -> QuerySet:
    return _found_in(period).values(subject_id=F("patrol__grid_id")).annotate(value=Count("pk"))


def problems_fixed_on_spot(period: Period) -> QuerySet:
    return (
        _found_in(period)
        .filter(status=Problem.Status.FIXED_ON_SPOT)
        .values(subject_id=F("patrol__grid_id"))
        .annotate(value=Count("pk"))
    )


register(Stat("campaigns.patrols", "grid", patrols))
register(Stat("campaigns.problems_found", "grid", problems_found))
register(Stat("campaigns.problems_fixed_on_spot", "grid", problems_fixed_on_spot))
