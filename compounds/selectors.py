"""Reads and visibility for the registry.

Every ``<entity>_list(*, user)`` returns only what ``user`` may see, so a view that fetches an
object through it answers 404 for somebody else's id. Staff and grid workers see their
communities; a company user sees the compounds its company serves today; a committee member sees
the committee's compound; the public sees nothing here (open data goes through ``opendata``).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Func, Q, QuerySet, Sum, TextField
from django.db.models.functions import Collate

from .models import (
    Building,
    Community,
    Compound,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    ServiceContract,
    Unit,
)

AnyUser = User | AnonymousUser


def _memberships(user: AnyUser) -> list[Membership]:
    # Cached on the user object: several selectors run per request.
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_tongde_memberships"):
        user._tongde_memberships = list(user.memberships.all())
    return user._tongde_memberships


def membership_roles(user: AnyUser) -> set[str]:
    """The user's roles, from the memberships already read this request when there are."""
    return {m.role for m in _memberships(user)}


def staff_community_ids(user: AnyUser, *, include_grid_workers: bool = True) -> set[int]:
    roles = {Membership.Role.STAFF}
    if include_grid_workers:
        roles.add(Membership.Role.GRID_WORKER)
    return {m.community_id for m in _memberships(user) if m.role in roles}


def company_ids(user: AnyUser) -> set[int]:
    return {m.company_id for m in _memberships(user) if m.role == Membership.Role.COMPANY}


def committee_compound_ids(user: AnyUser) -> set[int]:
    return {m.compound_id for m in _memberships(user) if m.role == Membership.Role.COMMITTEE}


def is_registry_reader(user: AnyUser) -> bool:
    """Anyone with a role sees some of the registry; the public sees none of it."""
    return bool(user.is_authenticated and (user.is_superuser or _memberships(user)))


def can_edit_community(user: AnyUser, community_id: int) -> bool:
    """Only community staff (not grid workers, not companies) edit the registry."""
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or community_id in staff_community_ids(user, include_grid_workers=False)
        )
    )


def is_staff_anywhere(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or staff_community_ids(user, include_grid_workers=False))
    )


def community_list(*, user: AnyUser) -> QuerySet[Community]:
    qs = Community.objects.select_related("street__district")
    if user.is_authenticated and user.is_superuser:
        return qs
    ids = set(staff_community_ids(user))
    ids |= set(compound_list(user=user).values_list("community_id", flat=True))
    return qs.filter(pk__in=ids)


def live_compound_list() -> QuerySet[Compound]:
    """Every compound still in the registry (not archived), by community and name: where a
    resident may register or give an opinion."""
    return (
        Compound.objects.filter(is_archived=False)
        .select_related("community")
        .order_by("community__name", "name")
    )


def compound_list(*, user: AnyUser) -> QuerySet[Compound]:
    qs = Compound.objects.select_related("community")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    served = ServiceContract.objects.current().filter(company_id__in=company_ids(user))
    return qs.filter(
        Q(community_id__in=staff_community_ids(user))
        | Q(pk__in=served.values("compound_id"))
        | Q(pk__in=committee_compound_ids(user))
    )


def building_list(*, user: AnyUser) -> QuerySet[Building]:
    return Building.objects.select_related("compound__community").filter(
        compound__in=compound_list(user=user)
    )


def unit_list(*, user: AnyUser) -> QuerySet[Unit]:
    return Unit.objects.select_related("building__compound__community").filter(
        building__compound__in=compound_list(user=user)
    )


def dwelling_list(*, user: AnyUser) -> QuerySet[Dwelling]:
    return Dwelling.objects.select_related("unit__building__compound__community", "owner").filter(
        unit__building__compound__in=compound_list(user=user)
    )


def household_list(*, user: AnyUser) -> QuerySet[Household]:
    return Household.objects.select_related("dwelling__unit__building__compound").filter(
        dwelling__unit__building__compound__in=compound_list(user=user)
    )


def owner_list(*, user: AnyUser) -> QuerySet[Owner]:
    """Owners are personal data: staff and grid workers of the community only."""
    qs = Owner.objects.select_related("community")
    if user.is_authenticated and user.is_superuser:
        return qs
    return qs.filter(community_id__in=staff_community_ids(user))


def company_list(*, user: AnyUser) -> QuerySet[PropertyCompany]:
    """Staff see every company serving their communities and those under no contract yet;
    a company user sees its own; a committee member sees the companies that serve (or served)
    the committee's compound, whose compound page links to them."""
    qs = PropertyCompany.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    staff_of = staff_community_ids(user)
    serving = ServiceContract.objects.filter(compound__community_id__in=staff_of).values(
        "company_id"
    )
    visible = Q(pk__in=serving) | Q(pk__in=company_ids(user))
    committee_of = committee_compound_ids(user)
    if committee_of:
        visible |= Q(
            pk__in=ServiceContract.objects.filter(compound_id__in=committee_of).values("company_id")
        )
    if staff_of:
        # A company registered but not yet under contract anywhere is staff's to complete.
        visible |= ~Q(pk__in=ServiceContract.objects.values("company_id"))
    return qs.filter(visible)


def grid_list(*, user: AnyUser) -> QuerySet[Grid]:
    qs = Grid.objects.select_related("community", "parent", "worker")
    if user.is_authenticated and user.is_superuser:
        return qs
    return qs.filter(community_id__in=staff_community_ids(user))


def current_companies(compound_ids: list[int]) -> dict[int, PropertyCompany]:
    """The company serving each compound today, in one query."""
    contracts = (
        ServiceContract.objects.current()
        .filter(compound_id__in=compound_ids)
        .select_related("company")
    )
    return {c.compound_id: c.company for c in contracts}


def registry_counts(*, compounds: QuerySet[Compound]) -> dict[str, int]:
    """Counts of every level below a set of compounds, aggregated in SQL (five queries)."""
    compound_ids = compounds.values("pk")
    by_kind = dict(
        compounds.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    access = compounds.aggregate(
        access=Count("pk", filter=~Q(access_control=Compound.AccessControl.NONE)),
        face=Count("pk", filter=Q(access_control=Compound.AccessControl.FACE)),
    )
    buildings = Building.objects.filter(compound_id__in=compound_ids).count()
    units = Unit.objects.filter(building__compound_id__in=compound_ids).count()
    dwellings = Dwelling.objects.filter(unit__building__compound_id__in=compound_ids).aggregate(
        n=Count("pk"), owners=Count("owner_id", distinct=True)
    )
    households = Household.objects.filter(
        dwelling__unit__building__compound_id__in=compound_ids, moved_out_on__isnull=True
    ).aggregate(n=Count("pk"), residents=Sum("residents"))
    return {
        "managed_compounds": by_kind.get(Compound.Kind.MANAGED, 0),
        "courtyards": by_kind.get(Compound.Kind.COURTYARD, 0),
        "buildings": buildings,
        "units": units,
        "dwellings": dwellings["n"],
        "owners": dwellings["owners"],
        "households": households["n"],
        "residents": households["residents"] or 0,
        "access_controlled_compounds": access["access"],
        "face_recognition_compounds": access["face"],
    }


def by_code(prefix: str = "") -> tuple[str, str]:
    """Order a building, unit or dwelling (through ``prefix``, e.g. ``"unit__"``) by its code as
    people count it, from the stored, indexed natural key, then by the code itself for ties such
    as "01" and "1"."""
    return (f"{prefix}sort_key", f"{prefix}code")


def dwelling_rooms(prefix: str = "") -> tuple[str, ...]:
    """Dwellings of one compound (through ``prefix``) by building, unit and room as counted."""
    unit, building = f"{prefix}unit__", f"{prefix}unit__building__"
    return (*by_code(building), *by_code(unit), *by_code(prefix))


def dwelling_order(prefix: str = "") -> tuple[str, ...]:
    """Dwellings (through ``prefix``, e.g. ``"dwelling__"``) by compound, building, unit and
    room, each in the order people count: sorted and paged in SQL."""
    building = f"{prefix}unit__building__"
    return (
        ChineseName(f"{building}compound__name"),
        f"{building}compound_id",
        *dwelling_rooms(prefix),
    )


# Created on PostgreSQL by migration compounds/0008: pinyin order, numbers by value.
CHINESE_COLLATION = "tongde_zh"


class ChineseName(Collate):
    """A name in the order people read it: pinyin order, numbers by value (楼院8号 before
    楼院14号), through the ``tongde_zh`` collation. SQLite has no such collation: there the
    name sorts as plain text, so that ``make run``'s embedded database still lists."""

    def __init__(self, expression):
        super().__init__(expression, CHINESE_COLLATION)

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


class NaturalKey(Func):
    """A text's sort key in the order people count: every run of digits padded to ten places,
    so "2号楼" sorts before "10号楼" and room 101 before room 1001 (the database otherwise
    compares them as text). Longer runs of digits keep their length. Computed per row and
    PostgreSQL only: buildings, units and dwellings sort by their stored key (``by_code``)."""

    template = (
        r"regexp_replace(regexp_replace(%(expressions)s, '([0-9]+)', '0000000000\1', 'g'),"
        r" '0*([0-9]{10})', '\1', 'g')"
    )
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite has no regexp_replace: plain text order on the embedded demo database.
        return compiler.compile(self.source_expressions[0])


def natural(field: str) -> tuple[NaturalKey, F]:
    """Order by ``field`` in natural order, then as stored (for ties such as "01" and "1")."""
    return (NaturalKey(field), F(field))
