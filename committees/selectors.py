"""Reads and visibility for committees, leaders and resident consultations.

Who sees what:
- community staff and grid workers: every committee, head and consultation of their communities;
- a committee member (``Membership`` role committee): the committee of their own compound, read
  only, and its residents' opinions without who gave them (names, accounts and photos stay with
  the community staff);
- a property-company user: none of it. Committee internals are not the company's business, and
  the company may not read who complained about it; ``*_list`` returns nothing, so a company
  asking by id gets 404;
- superusers: everything.

"Current" always means on a given day (today in Asia/Shanghai by default): a member who has not
left and whose term covers the day; a head whose dates cover the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Mod
from django.utils import timezone

from compounds.models import Building, Community, Compound, Residency, Unit
from compounds.selectors import AnyUser, committee_compound_ids, staff_community_ids

from .models import BuildingHead, Committee, CommitteeMember, Consultation, UnitHead


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def is_committee_reader(user: AnyUser) -> bool:
    """Staff, grid workers and committee members read committees; companies and the public don't."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or staff_community_ids(user) or committee_compound_ids(user))
    )


def is_internal(user: AnyUser) -> bool:
    """Staff and grid workers (and superusers): coverage and consultations."""
    return bool(user.is_authenticated and (user.is_superuser or staff_community_ids(user)))


def _compound_scope(user: AnyUser, *, with_committee_members: bool) -> Q | None:
    """The compounds ``user`` may read here as a Q on Compound, or None for all of them."""
    if user.is_authenticated and user.is_superuser:
        return None
    scope = Q(community_id__in=staff_community_ids(user))
    if with_committee_members:
        scope |= Q(pk__in=committee_compound_ids(user))
    return scope


def committee_compound_list(*, user: AnyUser) -> QuerySet[Compound]:
    """Compounds whose committee, buildings and heads ``user`` may read."""
    qs = Compound.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    scope = _compound_scope(user, with_committee_members=True)
    return qs if scope is None else qs.filter(scope)


def internal_compound_list(*, user: AnyUser) -> QuerySet[Compound]:
    """Compounds of the communities where ``user`` is staff or grid worker (consultations)."""
    qs = Compound.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    scope = _compound_scope(user, with_committee_members=False)
    return qs if scope is None else qs.filter(scope)


def committee_list(*, user: AnyUser) -> QuerySet[Committee]:
    return Committee.objects.select_related("compound__community").filter(
        compound__in=committee_compound_list(user=user)
    )


def member_list(*, user: AnyUser) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.select_related("committee__compound__community", "owner").filter(
        committee__in=committee_list(user=user)
    )


def building_list(*, user: AnyUser) -> QuerySet[Building]:
    return Building.objects.select_related("compound__community").filter(
        compound__in=committee_compound_list(user=user)
    )


def unit_list(*, user: AnyUser) -> QuerySet[Unit]:
    return Unit.objects.select_related("building__compound__community").filter(
        building__compound__in=committee_compound_list(user=user)
    )


def building_head_list(*, user: AnyUser) -> QuerySet[BuildingHead]:
    return BuildingHead.objects.select_related("building__compound__community").filter(
        building__compound__in=committee_compound_list(user=user)
    )


def unit_head_list(*, user: AnyUser) -> QuerySet[UnitHead]:
    return UnitHead.objects.select_related("unit__building__compound__community").filter(
        unit__building__compound__in=committee_compound_list(user=user)
    )


def consultation_list(*, user: AnyUser) -> QuerySet[Consultation]:
    """Resident opinions name residents: staff and grid workers of the community only."""
    qs = Consultation.objects.select_related("compound__community", "recorded_by")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(compound__community_id__in=staff_community_ids(user))


def names_residents(user: AnyUser, consultation: Consultation) -> bool:
    """Whether ``user`` may read who gave ``consultation``: staff and grid workers of its
    community (``consultation_list``), not someone reading it as the compound's committee
    member, even one who works for another community."""
    if user.is_superuser:
        return True
    return consultation.compound.community_id in staff_community_ids(user)


def consultation_compound_list(*, user: AnyUser) -> QuerySet[Compound]:
    """Compounds whose residents' opinions ``user`` may read: those of the communities where
    they are staff or grid worker, and a committee member's own compound."""
    return committee_compound_list(user=user)


def consultation_readable(*, user: AnyUser) -> QuerySet[Consultation]:
    """Resident opinions ``user`` may read: ``consultation_list`` and, for a committee member,
    those of their own compound. A committee member may not learn who said what: pages show
    them without the resident's name, account or photo (see ``is_internal``)."""
    qs = Consultation.objects.select_related("compound__community", "recorded_by")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(compound__in=consultation_compound_list(user=user))


def with_verified_home(qs: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """Annotate ``verified_home``: for an opinion given online, the door in its compound where
    the community verified its author lives ("3号楼 2单元 501"), else None; in the same query."""
    homes = Residency.objects.filter(
        account=OuterRef("recorded_by"),
        status=Residency.Status.VERIFIED,
        dwelling__unit__building__compound=OuterRef("compound"),
    ).order_by("-decided_at")
    label = Concat(
        "dwelling__unit__building__code",
        Value(" "),
        "dwelling__unit__code",
        Value(" "),
        "dwelling__code",
        output_field=CharField(),
    )
    return qs.annotate(
        verified_home=Subquery(homes.annotate(label=label).values("label")[:1]),
    )


# "Current" on a day -------------------------------------------------------------------------------


def current_member_q(on: dt.date, prefix: str = "") -> Q:
    """Members serving on ``on``: not left by then, and their term covers the day."""
    p = prefix
    return Q(**{f"{p}term_starts_on__lte": on, f"{p}term_ends_on__gte": on}) & (
        Q(**{f"{p}left_on__isnull": True}) | Q(**{f"{p}left_on__gt": on})
    )


def current_head_q(on: dt.date, prefix: str = "") -> Q:
    """Heads serving on ``on``: started by then and not ended before it."""
    p = prefix
    return Q(**{f"{p}starts_on__lte": on}) & (
        Q(**{f"{p}ends_on__isnull": True}) | Q(**{f"{p}ends_on__gte": on})
    )


def current_members(on: dt.date | None = None) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.filter(current_member_q(_today(on)))


def current_building_heads(on: dt.date | None = None) -> QuerySet[BuildingHead]:
    return BuildingHead.objects.filter(current_head_q(_today(on)))


def current_unit_heads(on: dt.date | None = None) -> QuerySet[UnitHead]:
    return UnitHead.objects.filter(current_head_q(_today(on)))


# Annotations ------------------------------------------------------------------------------------


def _count(qs: QuerySet, outer: str) -> Coalesce:
    """A correlated subquery counting the rows of ``qs`` that point at the outer row."""
    inner = (
        qs.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(inner), 0, output_field=IntegerField())


def annotate_committees(qs: QuerySet[Committee], on: dt.date | None = None) -> QuerySet[Committee]:
    """Member counts and the flags of the coverage page, as SQL (a fixed number of queries)."""
    on = _today(on)
    rules = settings.COMMITTEE_RULES
    members = current_members(on)
    qs = qs.annotate(
        member_count=_count(members, "committee"),
        party_count=_count(members.filter(is_party_member=True), "committee"),
        veteran_count=_count(members.filter(is_veteran=True), "committee"),
        cadre_count=_count(members.filter(is_cadre=True), "committee"),
        company_tie_count=_count(members.filter(has_company_tie=True), "committee"),
        has_chair=Exists(members.filter(committee=OuterRef("pk"), role=CommitteeMember.Role.CHAIR)),
    )
    return qs.annotate(member_parity=Mod("member_count", 2)).annotate(
        is_short=Case(
            When(member_count__lt=rules["min_members"], then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_over=Case(
            When(member_count__gt=rules["max_members"], then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        # An empty committee is "short", not "even".
        is_even=Case(
            When(Q(member_count__gt=0) & Q(member_parity=0), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_past_term=Case(
            When(term_ends_on__lt=on, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def flags(committee: Committee) -> list[str]:
    """The names of the flags raised on an annotated committee, in reading order."""
    names = []
    for name in ("is_short", "is_over", "is_even", "is_past_term"):
        if getattr(committee, name, False):
            names.append(name.removeprefix("is_"))
    if getattr(committee, "company_tie_count", 0):
        names.append("company_tie")
    if getattr(committee, "member_count", 0) and not getattr(committee, "has_chair", True):
        names.append("no_chair")
    return names


def annotate_compounds_coverage(
    qs: QuerySet[Compound], on: dt.date | None = None
) -> QuerySet[Compound]:
    """Per compound: buildings and units, those with a head today, and the committee's figures."""
    on = _today(on)
    heads_b = BuildingHead.objects.filter(current_head_q(on))
    heads_u = UnitHead.objects.filter(current_head_q(on))
    return qs.annotate(
        building_count=_count(Building.objects.all(), "compound"),
        unit_count=_count(Unit.objects.all(), "building__compound"),
        building_head_count=_count(
            Building.objects.filter(Exists(heads_b.filter(building=OuterRef("pk")))), "compound"
        ),
        unit_head_count=_count(
            Unit.objects.filter(Exists(heads_u.filter(unit=OuterRef("pk")))),
            "building__compound",
        ),
    )


def coverage(*, compounds: QuerySet[Compound], on: dt.date | None = None) -> dict[str, Any]:
    """The coverage page: one row per compound and the totals, in two queries.

    Rows come from one annotated compound query and committees from one annotated committee
    query; totals are sums over those rows, so the page costs the same whatever its size.
    """
    on = _today(on)
    rows = list(
        annotate_compounds_coverage(compounds, on).order_by("community__name", "kind", "code")
    )
    committees = {
        c.compound_id: c
        for c in annotate_committees(
            Committee.objects.filter(compound__in=[r.pk for r in rows]), on
        )
    }
    totals = dict.fromkeys(
        [
            "compounds",
            "committees",
            "buildings",
            "buildings_with_head",
            "units",
            "units_with_head",
            "members",
            "party_members",
            "veterans",
            "cadres",
            "company_ties",
            "short",
            "even",
            "past_term",
            "without_committee",
        ],
        0,
    )
    for row in rows:
        row.committee_row = committees.get(row.pk)
        row.flags = flags(row.committee_row) if row.committee_row else ["no_committee"]
        totals["compounds"] += 1
        totals["buildings"] += row.building_count
        totals["buildings_with_head"] += row.building_head_count
        totals["units"] += row.unit_count
        totals["units_with_head"] += row.unit_head_count
        committee = row.committee_row
        if committee is None:
            totals["without_committee"] += 1
            continue
        totals["committees"] += 1
        totals["members"] += committee.member_count
        totals["party_members"] += committee.party_count
        totals["veterans"] += committee.veteran_count
        totals["cadres"] += committee.cadre_count
        totals["company_ties"] += committee.company_tie_count
        totals["short"] += committee.is_short
        totals["even"] += committee.is_even
        totals["past_term"] += committee.is_past_term
    return {"rows": rows, "totals": totals, "on": on}


FIGURES = ["committees", "members", "party_members", "veterans", "building_heads", "unit_heads"]


def committee_figures(
    *, communities: QuerySet[Community], on: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """Public figures per community (no personal data), in one query: committees of compounds
    in use, members serving on ``on`` (with Party members and veterans), heads serving then."""
    on = _today(on)
    in_use = {"compound__is_archived": False}
    members = CommitteeMember.objects.filter(
        current_member_q(on), committee__compound__is_archived=False
    )
    member_outer = "committee__compound__community"
    rows = communities.order_by().annotate(
        committees=_count(Committee.objects.filter(**in_use), "compound__community"),
        members=_count(members, member_outer),
        party_members=_count(members.filter(is_party_member=True), member_outer),
        veterans=_count(members.filter(is_veteran=True), member_outer),
        building_heads=_count(
            BuildingHead.objects.filter(current_head_q(on), building__compound__is_archived=False),
            "building__compound__community",
        ),
        unit_heads=_count(
            UnitHead.objects.filter(
                current_head_q(on), unit__building__compound__is_archived=False
            ),
            "unit__building__compound__community",
        ),
    )
    return {row["pk"]: {k: row[k] for k in FIGURES} for row in rows.values("pk", *FIGURES)}


def consultation_counts(qs: QuerySet[Consultation]) -> list[dict[str, Any]]:
    """Received and answered per channel, in the channels' order, in one query."""
    by_channel = {
        row["channel"]: row
        for row in qs.order_by()
        .values("channel")
        .annotate(received=Count("pk"), answered=Count("pk", filter=Q(answered_on__isnull=False)))
    }
    return [
        {
            "channel": value,
            "label": label,
            "received": by_channel.get(value, {}).get("received", 0),
            "answered": by_channel.get(value, {}).get("answered", 0),
        }
        for value, label in Consultation.Channel.choices
    ]
