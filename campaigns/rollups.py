"""Clean-up statistics per period: operations, person-times, truckloads and tonnes per
community; operations per compound; operations per community by disorder (the disorder's code as
the dimension). Withdrawn operations count nowhere; ``held_on`` is a local date, so a period
holds the operations whose date falls in it, whatever the hour they were recorded."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum

from tongde.rollups import Stat, event_stat, event_stats, register

from .models import Campaign
from .selectors_meetings import meetings_by_kind

# What an operation's date, figures, compounds or disorders feed: the services mark them stale
# (``tongde.rollups.mark_stale``) when an operation of a filled period changes.
OPERATION_STATS = (
    "campaigns.community",
    "campaigns.compound_operations",
    "campaigns.disorder_operations",
)
MEETING_STATS = ("campaigns.meetings",)


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


# The four community figures read the same rows: one group, filled from one GROUP BY.
register(
    event_stats(
        "campaigns.community",
        "community",
        rows=_held_between,
        date_field="held_on",
        subject="community_id",
        values={
            "campaigns.operations": Count("*"),
            "campaigns.person_times": Sum("person_times"),
            "campaigns.truckloads": Sum("truckloads"),
            "campaigns.tonnes": Sum("tonnes"),
        },
    )
)
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
