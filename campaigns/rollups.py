"""Clean-up statistics per period: operations, person-times, truckloads and tonnes per
community; operations per compound; operations per community by disorder (the disorder's code as
the dimension). Withdrawn operations count nowhere; ``held_on`` is a local date, so a period
holds the operations whose date falls in it, whatever the hour they were recorded."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet, Sum

from tongde.periods import Period
from tongde.rollups import Stat, register

from .models import Campaign


def _held_in(period: Period) -> QuerySet[Campaign]:
    return Campaign.objects.filter(
        is_withdrawn=False, held_on__gte=period.start, held_on__lt=period.end
    ).order_by()


def operations(period: Period) -> QuerySet:
    return _held_in(period).values(subject_id=F("community_id")).annotate(value=Count("pk"))


def person_times(period: Period) -> QuerySet:
    return _held_in(period).values(subject_id=F("community_id")).annotate(value=Sum("person_times"))


def truckloads(period: Period) -> QuerySet:
    return _held_in(period).values(subject_id=F("community_id")).annotate(value=Sum("truckloads"))


def tonnes(period: Period) -> QuerySet:
    return _held_in(period).values(subject_id=F("community_id")).annotate(value=Sum("tonnes"))


def compound_operations(period: Period) -> QuerySet:
    # One row per (operation, compound) through the M2M table: an operation covering three
    # compounds counts once for each of them.
    return (
        Campaign.compounds.through.objects.filter(
            campaign__is_withdrawn=False,
            campaign__held_on__gte=period.start,
            campaign__held_on__lt=period.end,
        )
        .order_by()
        .values(subject_id=F("compound_id"))
        .annotate(value=Count("campaign_id"))
    )


def disorder_operations(period: Period) -> QuerySet:
    return (
        Campaign.disorders.through.objects.filter(
            campaign__is_withdrawn=False,
            campaign__held_on__gte=period.start,
            campaign__held_on__lt=period.end,
        )
        .order_by()
        .values(subject_id=F("campaign__community_id"), dimension=F("disorder__code"))
        .annotate(value=Count("campaign_id"))
    )


register(Stat("campaigns.operations", "community", operations))
register(Stat("campaigns.person_times", "community", person_times))
register(Stat("campaigns.truckloads", "community", truckloads))
register(Stat("campaigns.tonnes", "community", tonnes))
register(Stat("campaigns.compound_operations", "compound", compound_operations))
register(
    Stat("campaigns.disorder_operations", "community", disorder_operations, has_dimension=True)
)
