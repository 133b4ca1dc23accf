"""Reads and visibility for meetings and the regulations library.

Who sees what:

- **meetings**: staff and grid workers see every meeting of their community; a property-company
  user and a committee member see only the *joint* meetings (联席会议, where companies and
  committees sit with the community) of the communities of their compounds; the public (and an
  account without a role) sees counts by kind and period only (``meeting_period_counts``);
- **regulations**: everyone with a role reads the library of the communities they belong to
  (staff, grid workers) or of their compounds (company users, committee members), consultation
  opinions and files included; the public sees titles, versions, dates and adopting compounds of
  every community's regulations, never the opinions or files;
- staff of the community (and superusers) edit both.

Lists run a fixed number of queries whatever their size: figures per row come from subqueries.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter, TruncYear
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from compounds.models import Community, Compound, ServiceContract
from compounds.selectors import (
    committee_compound_ids,
    company_ids,
    is_registry_reader,
    staff_community_ids,
)
from tongde.history import change_entries
from tongde.periods import Period, PeriodKind, period_containing

from .models import (
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Regulation,
    RegulationOpinion,
    RegulationVersion,
)

AnyUser = User | AnonymousUser

PERIOD_KINDS = (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH)
_TRUNC = {
    PeriodKind.YEAR: TruncYear,
    PeriodKind.QUARTER: TruncQuarter,
    PeriodKind.MONTH: TruncMonth,
}


# Scopes ------------------------------------------------------------------------------------------


def is_meeting_reader(user: AnyUser) -> bool:
    """Anyone with a role reads some meetings (company users and committees: joint ones)."""
    return is_registry_reader(user)


def is_internal(user: AnyUser) -> bool:
    """Staff and grid workers (and superusers)."""
    return bool(user.is_authenticated and (user.is_superuser or staff_community_ids(user)))


def editable_community_ids(user: AnyUser) -> set[int] | None:
    """Communities whose meetings and regulations ``user`` edits; None means all (superuser)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    return staff_community_ids(user, include_grid_workers=False)


def can_edit(user: AnyUser, community_id: int) -> bool:
    ids = editable_community_ids(user)
    return ids is None or community_id in ids


def _outside_communities(user: AnyUser) -> QuerySet:
    """Communities of the compounds a company user's company serves or a committee member's
    committee runs, as a subquery of community ids."""
    served = ServiceContract.objects.current().filter(company_id__in=company_ids(user))
    return Compound.objects.filter(
        Q(pk__in=served.values("compound_id")) | Q(pk__in=committee_compound_ids(user))
    ).values("community_id")


def editable_communities(*, user: AnyUser) -> QuerySet[Community]:
    ids = editable_community_ids(user)
    qs = Community.objects.order_by("name")
    return qs if ids is None else qs.filter(pk__in=ids)


# Meetings ----------------------------------------------------------------------------------------


def meeting_list(*, user: AnyUser) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(community_id__in=staff_community_ids(user))
        | Q(community_id__in=_outside_communities(user), kind=Meeting.Kind.JOINT)
    )


def meeting_editable_list(*, user: AnyUser) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("community")
    ids = editable_community_ids(user)
    return qs if ids is None else qs.filter(community_id__in=ids)


def annotate_meetings(qs: QuerySet[Meeting], *, today: dt.date) -> QuerySet[Meeting]:
    """Persons attending, decisions, open decisions and overdue decisions of each meeting, as
    subqueries (joins would multiply the rows)."""

    def _count(filter_q: Q) -> Coalesce:
        sub = (
            MeetingDecision.objects.filter(filter_q, meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))

    persons = (
        MeetingAttendance.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Sum("persons"))
        .values("n")
    )
    return qs.annotate(
        persons=Coalesce(Subquery(persons, output_field=IntegerField()), Value(0)),
        decision_count=_count(Q()),
        open_decisions=_count(Q(done_on__isnull=True)),
        overdue_decisions=_count(Q(done_on__isnull=True, due_on__lt=today)),
    )


def meeting_kind_counts(qs: QuerySet[Meeting]) -> dict[str, int]:
    """Meetings of each kind (every kind present, 0 when none), in one query."""
    found = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {kind: found.get(kind, 0) for kind in Meeting.Kind.values}


def meeting_period_counts(
    qs: QuerySet[Meeting], *, kind: PeriodKind | str = PeriodKind.YEAR
) -> list[dict]:
    """Meetings by period of ``kind`` (year, quarter or month) and meeting kind, counted in SQL
    (one GROUP BY), newest period first: ``[{"period", "counts": {kind: n}, "total"}]``."""
    kind = PeriodKind(kind)
    if kind not in _TRUNC:
        raise ValueError(f"meetings are counted by year, quarter or month, not {kind}")
    rows = (
        qs.order_by()
        .annotate(start=_TRUNC[kind]("held_on"))
        .values_list("start", "kind")
        .annotate(n=Count("pk"))
    )
    periods: dict[dt.date, dict[str, int]] = {}
    for start, meeting_kind, n in rows:
        day = start.date() if isinstance(start, dt.datetime) else start
        periods.setdefault(day, dict.fromkeys(Meeting.Kind.values, 0))[meeting_kind] = n
    return [
        {
            "period": period_containing(kind, start),
            "counts": counts,
            "total": sum(counts.values()),
        }
        for start, counts in sorted(periods.items(), reverse=True)
    ]


def in_period(field: str, period: Period | None) -> Q:
    if period is None:
        return Q()
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def meeting_counts(*, community: Community, period: Period | None) -> dict[str, int]:
    """The open-data figure: meetings of the community by kind, in ``period`` (all when None)."""
    return meeting_kind_counts(
        Meeting.objects.filter(in_period("held_on", period), community=community)
    )


def decision_list(*, user: AnyUser) -> QuerySet[MeetingDecision]:
    return MeetingDecision.objects.select_related("meeting__community").filter(
        meeting__in=meeting_list(user=user)
    )


# Regulations -------------------------------------------------------------------------------------


def _reader_community_filter(user: AnyUser) -> Q | None:
    """The communities whose library ``user`` reads in full, as a Q on ``community``; None for
    all (superuser)."""
    if user.is_superuser:
        return None
    return Q(community_id__in=staff_community_ids(user)) | Q(
        community_id__in=_outside_communities(user)
    )


def regulation_list(*, user: AnyUser) -> QuerySet[Regulation]:
    """The regulations ``user`` reads in full (opinions and files included)."""
    qs = Regulation.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    scope = _reader_community_filter(user)
    return qs if scope is None else qs.filter(scope)


def regulation_public_list() -> QuerySet[Regulation]:
    """Every community's regulations, for the public parts of the library."""
    return Regulation.objects.select_related("community")


def regulation_editable_list(*, user: AnyUser) -> QuerySet[Regulation]:
    qs = Regulation.objects.select_related("community")
    ids = editable_community_ids(user)
    return qs if ids is None else qs.filter(community_id__in=ids)


def version_list(*, user: AnyUser) -> QuerySet[RegulationVersion]:
    return RegulationVersion.objects.select_related("regulation__community").filter(
        regulation__in=regulation_list(user=user)
    )


def version_editable_list(*, user: AnyUser) -> QuerySet[RegulationVersion]:
    return RegulationVersion.objects.select_related("regulation__community").filter(
        regulation__in=regulation_editable_list(user=user)
    )


def opinion_editable_list(*, user: AnyUser) -> QuerySet[RegulationOpinion]:
    return RegulationOpinion.objects.select_related("version__regulation__community").filter(
        version__in=version_editable_list(user=user)
    )


def is_regulation_reader(user: AnyUser, regulation: Regulation) -> bool:
    """Whether ``user`` reads ``regulation`` in full (no query for staff; one otherwise)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or regulation.community_id in staff_community_ids(user):
        return True
    return regulation_list(user=user).filter(pk=regulation.pk).exists()


def annotate_regulations(qs: QuerySet[Regulation]) -> QuerySet[Regulation]:
    """Number of versions and the latest version's number, dates and adopting compounds."""
    latest = RegulationVersion.objects.filter(regulation=OuterRef("pk")).order_by("-number")
    # Nested one level deeper, the regulation is the outer query's outer query.
    latest_inner = RegulationVersion.objects.filter(regulation=OuterRef(OuterRef("pk"))).order_by(
        "-number"
    )
    adopters = (
        RegulationVersion.compounds.through.objects.filter(
            regulationversion_id=Subquery(latest_inner.values("pk")[:1])
        )
        .order_by()
        .values("regulationversion_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    versions = (
        RegulationVersion.objects.filter(regulation=OuterRef("pk"))
        .order_by()
        .values("regulation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        version_count=Coalesce(Subquery(versions, output_field=IntegerField()), Value(0)),
        latest_number=Subquery(latest.values("number")[:1]),
        latest_adopted_on=Subquery(latest.values("adopted_on")[:1]),
        latest_effective_on=Subquery(latest.values("effective_on")[:1]),
        latest_adopters=Coalesce(Subquery(adopters, output_field=IntegerField()), Value(0)),
    )


def regulations_revised(*, community: Community, period: Period | None) -> int:
    """Regulations of ``community`` revised in ``period`` (ever, when None).

    The rule: a version with ``number >= 2`` is a revision of the text before it; a regulation
    counts once when at least one of its revisions was adopted in the period (so a text revised
    twice in a year is one regulation revised, as the seed counts "14项制度"). A first version
    records the text as the community found it and is not a revision.
    """
    return (
        RegulationVersion.objects.filter(
            in_period("adopted_on", period),
            regulation__community=community,
            number__gte=2,
        )
        .values("regulation_id")
        .distinct()
        .count()
    )


def meetings_by_kind(period: Period) -> QuerySet:
    """The rollup query (``tongde.rollups.Stat``): meetings held in ``period`` per community,
    the meeting kind as the dimension. Register it in ``campaigns/rollups.py`` with
    ``register(Stat("campaigns.meetings", "community", meetings_by_kind, has_dimension=True))``.
    """
    return (
        Meeting.objects.filter(in_period("held_on", period))
        .order_by()
        .values(subject_id=F("community_id"), dimension=F("kind"))
        .annotate(value=Count("pk"))
    )


def meeting_history(meeting: Meeting) -> list[dict]:
    """The changes of the meeting and of its decisions (those struck from the minutes too),
    newest first: for those who may edit it (it names accounts)."""
    newest_first = ("-history_date", "-history_id")
    own = meeting.history.select_related("history_user").order_by(*newest_first)[:31]
    decisions = (
        MeetingDecision.history.filter(meeting_id=meeting.pk)
        .select_related("history_user")
        .order_by(*newest_first)[:100]
    )
    entries = change_entries(own, lambda r: _("meeting"))
    entries += change_entries(
        decisions, lambda r: _("decision “%(text)s”") % {"text": Truncator(r.text).chars(30)}
    )
    entries.sort(key=lambda e: (e["at"], e["order"]), reverse=True)
    return entries[:50]
