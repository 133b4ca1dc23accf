"""Clean-up statistics per period: operations, person-times, truckloads and tonnes per
community; operations per compound; operations per community by disorder (the disorder's code as
the dimension). Withdrawn operations count nowhere; ``held_on`` is a local date, so a period
holds the operations whose date falls in it, whatever the hour they were recorded."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum

from tongde.rollups import Stat, event_stat, register

from .models import Campaign
from .selectors_meetings import meetings_by_kind


def _held_between(start: dt.date, end: dt.date) -> QuerySet[Campaign]:
    return Campaign.objects.filter(is_withdrawn=False, held_on__gte=start, held_on__lt=end)


def _compounds_between(start: dt.date, end: dt.date) -> QuerySet:
    # One row per (operation, compound) through the M2M table: an operation covering three
    # compounds counts once for each of them.
    return Campaign.compounds.through.objects.filter(
        campaign__is_withdrawn=False, campaign__held_on__gte=start, campaign__held_on__lt=end
    )


def _disorders_between(start: dt.date, end: dt.date) -> QuerySet:
    return Campaign.disorders.through.objects.filter(
        campaign__is_withdrawn=False, campaign__held_on__gte=start, campaign__held_on__lt=end
    )


_PER_COMMUNITY = {"rows": _held_between, "date_field": "held_on", "subject": "community_id"}

register(event_stat("campaigns.operations", "community", value=Count("pk"), **_PER_COMMUNITY))
register(
    event_stat("campaigns.person_times", "community", value=Sum("person_times"), **_PER_COMMUNITY)
)
register(event_stat("campaigns.truckloads", "community", value=Sum("truckloads"), **_PER_COMMUNITY))
register(event_stat("campaigns.tonnes", "community", value=Sum("tonnes"), **_PER_COMMUNITY))
register(
    event_stat(
        "campaigns.compound_operations",
        "compound",
        rows=_compounds_between,
        date_field="campaign__held_on",
        subject="compound_id",
        value=Count("campaign_id"),
    )
)
register(
    event_stat(
        "campaigns.disorder_operations",
        "community",
        rows=_disorders_between,
        date_field="campaign__held_on",
        subject="campaign__community_id",
        dimension="disorder__code",
        value=Count("campaign_id"),
    )
)
register(Stat("campaigns.meetings", "community", meetings_by_kind, has_dimension=True))
