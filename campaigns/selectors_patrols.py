"""Reads and visibility for grid patrols and the problem ledger.

Who sees what:
- community staff and grid workers of a community: every patrol and every problem of it (they are
  the community's own people; grid workers see that fixes happen);
- a property-company user: the problems assigned to their company (whatever their status since),
  never patrols; another company's problem id answers 404;
- a committee member: the problems of their own compound (a courtyard's open problems are the
  self-management committee's to handle), never patrols;
- the public: nothing (open data carries totals only);
- superusers: everything.

Who may log a patrol for a grid: community staff for every grid of their community, and a grid
worker of the community for the grids whose ``Grid.worker`` they are. A worker of a level-3 grid
patrols its whole area, so the compounds a grid covers include those of its sub-grids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from compounds.choices import display_name
from compounds.models import Compound, Grid
from compounds.selectors import (
    AnyUser,
    committee_compound_ids,
    company_ids,
    staff_community_ids,
)

from .models import Patrol, Problem

# Problems still waiting for somebody: the company, the committee or staff's verification.
UNRESOLVED = (Problem.Status.OPEN, Problem.Status.ASSIGNED, Problem.Status.ANSWERED)
# A deadline can be missed only by whoever still has to act; an answered problem is staff's turn.
OVERDUE_STATUSES = (Problem.Status.OPEN, Problem.Status.ASSIGNED)
# Age buckets of unresolved problems, in days since found (both ends included); None = no end.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-3", 0, 3),
    ("4-7", 4, 7),
    ("8-30", 8, 30),
    ("31+", 31, None),
)
OVERDUE = "overdue"


def is_internal(user: AnyUser) -> bool:
    """Staff and grid workers (and superusers): patrols, ages and designations."""
    return bool(user.is_authenticated and (user.is_superuser or staff_community_ids(user)))


def is_problem_reader(user: AnyUser) -> bool:
    """Internal people, company users and committee members each read some problems."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or staff_community_ids(user)
            or company_ids(user)
            or committee_compound_ids(user)
        )
    )


def can_manage_problems(user: AnyUser, community_id: int) -> bool:
    """Verify, close or reopen: community staff (not grid workers, not companies)."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or community_id in staff_community_ids(user, include_grid_workers=False)
        )
    )


def can_answer_problem(user: AnyUser, problem: Problem) -> bool:
    """Only a user of the company the problem is assigned to answers it."""
    return bool(
        user.is_authenticated
        and problem.company_id is not None
        and problem.company_id in company_ids(user)
    )


# --- patrols --------------------------------------------------------------------------------------


def patrol_list(*, user: AnyUser) -> QuerySet[Patrol]:
    qs = Patrol.objects.select_related("grid__community", "worker")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(grid__community_id__in=staff_community_ids(user))


def patrol_list_annotated(*, user: AnyUser) -> QuerySet[Patrol]:
    """Patrols with their problem counts as correlated subqueries: one query for any number."""

    def count(**filters) -> Coalesce:
        inner = (
            Problem.objects.filter(patrol=OuterRef("pk"), **filters)
            .order_by()
            .values("patrol")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(inner), 0, output_field=IntegerField())

    return patrol_list(user=user).annotate(
        problem_count=count(),
        fixed_count=count(status=Problem.Status.FIXED_ON_SPOT),
        unresolved_count=count(status__in=UNRESOLVED),
    )


def loggable_grids(*, user: AnyUser) -> QuerySet[Grid]:
    """The grids ``user`` may log a patrol for."""
    qs = Grid.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    staff_of = staff_community_ids(user, include_grid_workers=False)
    return qs.filter(
        Q(community_id__in=staff_of)
        | Q(community_id__in=staff_community_ids(user), worker_id=user.pk)
    )


def can_log_patrols(user: AnyUser) -> bool:
    """Whether the "log a patrol" page is for ``user`` (no query for staff)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or staff_community_ids(user, include_grid_workers=False):
        return True
    return loggable_grids(user=user).exists()


def grid_tree(grid: Grid) -> QuerySet[Grid]:
    """The grid and its sub-grids two levels down (3 → 4 → 5)."""
    return Grid.objects.filter(Q(pk=grid.pk) | Q(parent=grid) | Q(parent__parent=grid))


def grid_compounds(grid: Grid) -> QuerySet[Compound]:
    """Non-archived compounds a patrol of ``grid`` may report on.

    Those the grid or its sub-grids cover (directly or through a building); a grid that covers
    nothing yet (coverage not entered) may report on any compound of its community.
    """
    tree = grid_tree(grid)
    base = Compound.objects.filter(community_id=grid.community_id, is_archived=False)
    covered = base.filter(Q(grids__in=tree) | Q(buildings__grids__in=tree)).distinct()
    if covered.exists():
        return base.filter(pk__in=covered.values("pk"))
    return base


def patrol_compounds(*, user: AnyUser) -> QuerySet[Compound]:
    """Non-archived compounds ``user`` may report a problem in when logging a patrol: every one of
    the communities they are staff of, and for a grid worker those their grids cover
    (``grid_compounds``, sub-grids included). What the patrol form offers; the service still
    checks the compound against the grid chosen."""
    base = Compound.objects.filter(is_archived=False)
    if not user.is_authenticated:
        return base.none()
    if user.is_superuser:
        return base
    staff_of = staff_community_ids(user, include_grid_workers=False)
    allowed = Q(community_id__in=staff_of)
    for grid in loggable_grids(user=user).exclude(community_id__in=staff_of):
        allowed |= Q(pk__in=grid_compounds(grid).values("pk"))
    return base.filter(allowed)


# --- problems -------------------------------------------------------------------------------------


def problem_list(*, user: AnyUser) -> QuerySet[Problem]:
    qs = Problem.objects.select_related(
        "patrol__grid", "compound__community", "building__compound", "disorder", "company"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(
        Q(compound__community_id__in=staff_community_ids(user))
        | Q(company_id__in=company_ids(user))
        | Q(compound_id__in=committee_compound_ids(user))
    )


def problem_next_to_check(*, user: AnyUser, community_id: int, after: Problem) -> Problem | None:
    """The problem staff check next after ``after``: of ``user``'s problems in the community, the
    one answered by its company longest ago (and not yet closed or sent back), ``after`` apart."""
    return (
        problem_list(user=user)
        .filter(compound__community_id=community_id, status=Problem.Status.ANSWERED)
        .exclude(pk=after.pk)
        .order_by("answered_at", "pk")
        .first()
    )


def age_q(bucket: str, *, today: dt.date) -> Q:
    """The condition of one age bucket (or ``overdue``) on unresolved problems."""
    if bucket == OVERDUE:
        return Q(status__in=OVERDUE_STATUSES, deadline_on__lt=today)
    for name, low, high in AGE_BUCKETS:
        if name == bucket:
            # Age in days = today - found_on, so "age ≥ low" is "found on or before today - low".
            condition = Q(status__in=UNRESOLVED, found_on__lte=today - dt.timedelta(days=low))
            if high is not None:
                condition &= Q(found_on__gte=today - dt.timedelta(days=high))
            return condition
    raise ValueError(f"unknown age bucket {bucket!r}")


@dataclass(frozen=True)
class AgeRow:
    grid_id: int | None
    grid_name: str
    counts: dict[str, int]
    total: int


def problem_ages(*, user: AnyUser, today: dt.date | None = None) -> list[AgeRow]:
    """Unresolved problems per grid by age bucket, plus overdue ones, in one GROUP BY query.

    Only grids with at least one unresolved problem appear, ordered by name.
    """
    today = today or timezone.localdate()
    buckets = [name for name, _, _ in AGE_BUCKETS] + [OVERDUE]
    aggregates = {f"b{i}": Count("pk", filter=age_q(b, today=today)) for i, b in enumerate(buckets)}
    rows = (
        problem_list(user=user)
        .filter(status__in=UNRESOLVED)
        .order_by()
        .values("patrol__grid_id", "patrol__grid__name")
        .annotate(total=Count("pk"), **aggregates)
        .order_by("patrol__grid__name")
    )
    return [
        AgeRow(
            grid_id=row["patrol__grid_id"],
            grid_name=row["patrol__grid__name"],
            counts={b: row[f"b{i}"] for i, b in enumerate(buckets)},
            total=row["total"],
        )
        for row in rows
    ]


def problem_events(problem: Problem) -> QuerySet:
    return problem.events.select_related("by").order_by("at", "pk")


def user_label(user: AbstractBaseUser | None) -> str:
    return "" if user is None else display_name(user)
