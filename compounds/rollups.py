"""Registry statistics per community per period: the state of the registry on the period's
last day (households living there, their residents, compounds with access control)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet, Sum

from tongde.periods import Period
from tongde.rollups import Stat, register

from .models import Compound, Household


def _households_at_end(period: Period) -> QuerySet[Household]:
    return Household.objects.filter(
        Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=period.end),
        moved_in_on__lt=period.end,
    ).order_by()


def households(period: Period) -> QuerySet:
    return (
        _households_at_end(period)
        .values(subject_id=F("dwelling__unit__building__compound__community_id"))
        .annotate(value=Count("pk"))
    )


def residents(period: Period) -> QuerySet:
    return (
        _households_at_end(period)
        .values(subject_id=F("dwelling__unit__building__compound__community_id"))
        .annotate(value=Sum("residents"))
    )


def access_controlled_compounds(period: Period) -> QuerySet:
    # Access control has no history of its own: the current state of compounds registered by
    # the period's end.
    return (
        Compound.objects.filter(registered_on__lt=period.end)
        .exclude(access_control=Compound.AccessControl.NONE)
        .order_by()
        .values(subject_id=F("community_id"))
        .annotate(value=Count("pk"))
    )


register(Stat("registry.households", "community", households))
register(Stat("registry.residents", "community", residents))
register(Stat("registry.access_controlled_compounds", "community", access_controlled_compounds))
