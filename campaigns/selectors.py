"""Reads and visibility for clean-up operations, disorders and their photos.

Who sees which operation (``campaign_list``):
- staff and grid workers: every operation of their communities;
- a company user: the operations covering a compound its company serves today (read only);
- a committee member: the operations covering the committee's compound;
- the public: none here; public figures and public photos go through ``public_photo_list`` and
  the totals, which carry no names.

Totals are aggregated in SQL over a visibility-scoped queryset. The scope filters with EXISTS on
the compounds table rather than a join, so an operation covering several compounds is summed once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import (
    Coalesce,
    TruncMonth,
    TruncQuarter,
    TruncWeek,
    TruncYear,
)
from django.utils.translation import gettext as _

from compounds.models import Community, Compound, ServiceContract
from compounds.selectors import (
    AnyUser,
    committee_compound_ids,
    company_ids,
    compound_list,
    staff_community_ids,
)
from tongde.history import change_entries
from tongde.periods import Period, PeriodKind, period_containing, periods_between

from .models import Campaign, CampaignPhoto, Disorder

TONNES_PLACES = Decimal("0.01")

CampaignCompound = Campaign.compounds.through
CampaignDisorder = Campaign.disorders.through

TRUNC = {
    PeriodKind.WEEK: TruncWeek,
    PeriodKind.MONTH: TruncMonth,
    PeriodKind.QUARTER: TruncQuarter,
    PeriodKind.YEAR: TruncYear,
}


# Roles -------------------------------------------------------------------------------------------


def campaign_community_ids(user: AnyUser) -> set[int]:
    """Communities where ``user`` records operations: staff and grid workers."""
    return staff_community_ids(user)


def can_record(user: AnyUser, community_id: int) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or community_id in campaign_community_ids(user))
    )


def can_record_anywhere(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or campaign_community_ids(user)))


def can_edit_campaign(user: AnyUser, campaign: Campaign) -> bool:
    """Staff edit every operation of their community; a grid worker only those they recorded;
    company users and committee members never."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if campaign.community_id in staff_community_ids(user, include_grid_workers=False):
        return True
    return campaign.community_id in campaign_community_ids(user) and (
        campaign.recorded_by_id == user.pk
    )


def can_publish(user: AnyUser, community_id: int) -> bool:
    """Marking photos public is staff's decision, not the grid worker's."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or community_id in staff_community_ids(user, include_grid_workers=False)
        )
    )


def recording_communities(*, user: AnyUser) -> QuerySet[Community]:
    qs = Community.objects.order_by("name")
    if user.is_authenticated and user.is_superuser:
        return qs
    return qs.filter(pk__in=campaign_community_ids(user))


def disorder_communities(*, user: AnyUser) -> QuerySet[Community]:
    """Communities whose disorder list ``user`` may edit: staff only."""
    qs = Community.objects.order_by("name")
    if user.is_authenticated and user.is_superuser:
        return qs
    return qs.filter(pk__in=staff_community_ids(user, include_grid_workers=False))


# Operations --------------------------------------------------------------------------------------


def _covers(compounds: Any) -> Exists:
    return Exists(
        CampaignCompound.objects.filter(campaign_id=OuterRef("pk"), compound_id__in=compounds)
    )


def campaign_scope(user: AnyUser) -> Q:
    """The condition on ``Campaign`` rows that ``user`` may see (an empty match for the public)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    condition = Q(community_id__in=campaign_community_ids(user))
    if companies := company_ids(user):
        served = ServiceContract.objects.current().filter(company_id__in=companies)
        condition |= _covers(served.values("compound_id"))
    if committees := committee_compound_ids(user):
        condition |= _covers(list(committees))
    return condition


def campaign_list(*, user: AnyUser, include_withdrawn: bool = False) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("community", "recorded_by").filter(campaign_scope(user))
    if not include_withdrawn:
        qs = qs.filter(is_withdrawn=False)
    return qs


def sees_withdrawn(user: AnyUser) -> bool:
    """Staff and grid workers (and superusers) still open a withdrawn operation, to restore it;
    company users and committee members no longer see it at all."""
    return bool(user.is_authenticated and (user.is_superuser or staff_community_ids(user)))


def campaign_detail_list(*, user: AnyUser) -> QuerySet[Campaign]:
    """The operations ``user`` may open one by one: ``campaign_list``, with the withdrawn ones
    for those who may restore them. Their photos follow exactly this (``campaign_photo_list``)."""
    return campaign_list(user=user, include_withdrawn=sees_withdrawn(user))


def campaign_photo_list(*, user: AnyUser) -> QuerySet[CampaignPhoto]:
    """Photos of the operations ``user`` may open (``campaign_detail_list``: a withdrawn
    operation's photos only for staff and grid workers), plus every public photo of a public
    operation not withdrawn."""
    visible = campaign_detail_list(user=user).values("pk")
    return CampaignPhoto.objects.select_related("campaign").filter(
        Q(campaign_id__in=visible) | _public_photo_condition()
    )


def _public_photo_condition() -> Q:
    return Q(is_public=True, campaign__is_public=True, campaign__is_withdrawn=False)


def public_photo_list(*, community: Community) -> QuerySet[CampaignPhoto]:
    """Photos staff marked public, of public operations not withdrawn, newest first."""
    return (
        CampaignPhoto.objects.filter(_public_photo_condition(), campaign__community=community)
        .select_related("campaign")
        .order_by("-campaign__held_on", "campaign_id", "stage", "pk")
    )


def public_compound_operations(*, compound: Compound, year: int) -> QuerySet[Campaign]:
    """A compound's operations of ``year`` as the public may read them: public, not withdrawn,
    newest first, with their disorders (the page shows figures and disorders, never a spot, a
    note or a name)."""
    return (
        Campaign.objects.filter(
            compounds=compound, held_on__year=year, is_public=True, is_withdrawn=False
        )
        .prefetch_related(
            Prefetch("disorders", queryset=Disorder.objects.order_by("position", "code"))
        )
        .order_by("-held_on", "-pk")
    )


def disorder_list(*, community: Community | int, active_only: bool = False) -> QuerySet[Disorder]:
    qs = Disorder.objects.filter(community=community).order_by("position", "code")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def disorder_list_annotated(*, community: Community) -> QuerySet[Disorder]:
    """The list with how many operations and problems use each disorder (one query)."""
    return disorder_list(community=community).annotate(
        campaign_count=Count("campaigns", distinct=True),
        problem_count=Count("problems", distinct=True),
    )


# Totals -------------------------------------------------------------------------------------------


def _figures() -> dict[str, Any]:
    return {
        "operations": Count("pk"),
        "person_times": Coalesce(Sum("person_times"), 0),
        "truckloads": Coalesce(Sum("truckloads"), 0),
        "tonnes": Coalesce(Sum("tonnes"), Decimal(0)),
        "vehicles": Coalesce(Sum("vehicles_handled"), 0),
    }


def _through_figures(prefix: str) -> dict[str, Any]:
    return {
        "operations": Count(f"{prefix}id"),
        "person_times": Coalesce(Sum(f"{prefix}person_times"), 0),
        "truckloads": Coalesce(Sum(f"{prefix}truckloads"), 0),
        "tonnes": Coalesce(Sum(f"{prefix}tonnes"), Decimal(0)),
        "vehicles": Coalesce(Sum(f"{prefix}vehicles_handled"), 0),
    }


def _tidy(row: dict[str, Any]) -> dict[str, Any]:
    # SQLite sums decimals as floats-in-Decimal-clothing; show two places everywhere.
    row["tonnes"] = Decimal(row["tonnes"]).quantize(TONNES_PLACES)
    return row


def _empty() -> dict[str, Any]:
    return {
        "operations": 0,
        "person_times": 0,
        "truckloads": 0,
        "tonnes": Decimal("0.00"),
        "vehicles": 0,
    }


def campaign_grand_total(*, campaigns: QuerySet[Campaign]) -> dict[str, Any]:
    return _tidy(campaigns.order_by().aggregate(**_figures()))


def campaign_totals_by_period(
    *, campaigns: QuerySet[Campaign], kind: PeriodKind | str, year: int
) -> list[dict[str, Any]]:
    """One row per period of ``kind`` in ``year`` (empty periods included, as zeros), from one
    GROUP BY. Weeks are ISO weeks that start in the year or hold its first days, so every
    operation of the year falls in exactly one row and the rows add up to the year's total."""
    kind = PeriodKind(kind)
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    grouped = (
        campaigns.filter(held_on__gte=first_day, held_on__lte=last_day)
        .order_by()
        .annotate(period_start=TRUNC[kind]("held_on"))
        .values("period_start")
        .annotate(**_figures())
    )
    by_start = {}
    for row in grouped:
        start = row.pop("period_start")
        # TruncX on a DateField gives a date on every backend; be tolerant of datetimes anyway.
        start = start.date() if isinstance(start, dt.datetime) else start
        by_start[start] = _tidy(row)
    periods = periods_between(period_containing(kind, first_day), period_containing(kind, last_day))
    # first_day/last_day: the days of the period the row counts (a week at either end of the
    # year counts only its days in the year, so its rollup, which counts the whole week, differs).
    return [
        {
            "period": period,
            "first_day": max(period.start, first_day),
            "last_day": min(period.last_day, last_day),
            **by_start.get(period.start, _empty()),
        }
        for period in periods
    ]


def campaign_totals_by_compound(
    *, campaigns: QuerySet[Campaign], compounds: QuerySet[Compound]
) -> list[dict[str, Any]]:
    """Per compound, the operations that covered it and their figures. An operation covering
    several compounds counts in each row, so these rows do not add up to the grand total."""
    rows = (
        CampaignCompound.objects.filter(
            campaign__in=campaigns.order_by().values("pk"),
            compound__in=compounds.order_by().values("pk"),
        )
        .order_by()
        .values("compound_id", "compound__name", "compound__kind")
        .annotate(**_through_figures("campaign__"))
        .order_by("compound__kind", "compound__name")
    )
    return [_tidy(row) for row in rows]


def campaign_totals_by_disorder(*, campaigns: QuerySet[Campaign]) -> list[dict[str, Any]]:
    """Per disorder, the operations that tackled it (one operation may tackle several)."""
    rows = (
        CampaignDisorder.objects.filter(campaign__in=campaigns.order_by().values("pk"))
        .order_by()
        .values("disorder_id", "disorder__name", "disorder__position", "disorder__code")
        .annotate(**_through_figures("campaign__"))
        .order_by("disorder__position", "disorder__code")
    )
    return [_tidy(row) for row in rows]


def campaign_figures(*, community: Community, period: Period | None) -> dict[str, Any]:
    """The community's operations held in ``period`` (all time when None), not withdrawn."""
    campaigns = Campaign.objects.filter(community=community, is_withdrawn=False)
    if period is not None:
        campaigns = campaigns.filter(held_on__gte=period.start, held_on__lt=period.end)
    return campaign_grand_total(campaigns=campaigns)


def campaign_years(*, campaigns: QuerySet[Campaign]) -> list[int]:
    """Years that have operations, newest first (for the year chooser)."""
    return sorted({d.year for d in campaigns.order_by().dates("held_on", "year")}, reverse=True)


def visible_compounds(*, user: AnyUser) -> QuerySet[Compound]:
    return compound_list(user=user).filter(is_archived=False).order_by("kind", "name")


def campaign_history(campaign: Campaign) -> list[dict]:
    """Who recorded, changed, withdrew or restored the operation, and when: for those who may
    edit it (it names accounts)."""
    records = campaign.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )[:31]
    return change_entries(records, lambda r: _("operation"))[:30]
