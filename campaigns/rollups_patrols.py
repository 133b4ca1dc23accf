"""Patrol statistics per grid per period: patrols made, problems found, and problems fixed on the
spot (当场解决); and designation rates per community per year. A problem counts in the period it
was found in, whatever happened to it later, so a backfill computes the same figures as the run at
the time did."""

from __future__ import annotations

from django.db.models import Case, Count, F, FloatField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast

from compounds.models import Compound
from tongde.periods import Period, PeriodKind
from tongde.rollups import Stat, register

from .designations import ACHIEVED
from .models import Designation, Patrol, Problem


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


# What a patrol logged on a past day changes (``tongde.rollups.mark_stale``).
PATROL_STATS = ("campaigns.patrols", "campaigns.problems_found", "campaigns.problems_fixed_on_spot")

register(Stat("campaigns.patrols", "grid", patrols))
register(Stat("campaigns.problems_found", "grid", problems_found))
register(Stat("campaigns.problems_fixed_on_spot", "grid", problems_fixed_on_spot))


def designation_rates(period: Period) -> QuerySet:
    """Per community and designation kind, the year's achieved designations (created or kept)
    over the compounds of that kind in the registry: the rate the progress page shows."""
    eligible = (
        Compound.objects.filter(
            community_id=OuterRef("compound__community_id"),
            kind=OuterRef("compound__kind"),
            is_archived=False,
        )
        .order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Designation.objects.filter(
            year=period.start.year, status__in=ACHIEVED, compound__is_archived=False
        )
        .order_by()
        .values(
            subject_id=F("compound__community_id"),
            dimension=Case(
                When(compound__kind=Compound.Kind.MANAGED, then=Value("premium")),
                default=Value("model_courtyard"),
            ),
        )
        .annotate(
            # Float division: SQLite would divide integers; the stored value keeps 4 decimals.
            value=Cast(Count("pk"), FloatField()) / Cast(Subquery(eligible), FloatField())
        )
    )


register(
    Stat(
        "campaigns.designation_rate",
        "community",
        designation_rates,
        kinds=(PeriodKind.YEAR,),
        has_dimension=True,
    )
)
