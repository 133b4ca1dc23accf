"""Writes to the registry.

Every write is a keyword-only ``<entity>_<verb>`` function: it locks what it must, validates with
``full_clean()`` (so the database constraints are checked with translated messages before they
can fail as IntegrityError), saves, and stamps the acting user on the django-simple-history
record so that the compound page can say who changed what. Nothing an audit needs is deleted:
compounds are archived, households move out, contracts end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tongde import rollups

from .models import (
    Building,
    Community,
    Compound,
    Dwelling,
    Grid,
    Household,
    Owner,
    PropertyCompany,
    ServiceContract,
    Unit,
)

M = TypeVar("M", bound=models.Model)

# Messages are constants so that tests assert the very text users read.
CONTRACT_OVERLAP = _(
    "This contract overlaps the contract of %(company)s from %(starts_on)s to %(ends_on)s."
)
CONTRACT_OPEN_ENDED = _("open end")
CONTRACT_DATES_ORDER = _("The end date cannot be before the start date.")
CONTRACT_COURTYARD = _(
    "A self-managed courtyard is run by its committee and has no property company."
)
CONTRACT_ARCHIVED = _("An archived compound cannot get a new contract.")
CONTRACT_ALREADY_ENDED = _("This contract has already ended.")
ARCHIVE_WITH_CONTRACT = _(
    "The compound is still served by %(company)s: end the service contract before archiving."
)
ALREADY_ARCHIVED = _("This compound is already archived.")
NOT_ARCHIVED = _("This compound is not archived.")
GRID_PARENT_REQUIRED = _("A level %(level)s grid sits under a level %(parent)s grid: choose it.")
ARCHIVED_READ_ONLY = _(
    "This compound is archived: its registry is kept as it was. Restore the compound to change it."
)
AREA_NOT_POSITIVE = _("The registered area must be greater than zero.")
DWELLING_OWNER_COMMUNITY = _("The owner is registered in another community.")
DWELLING_DEVELOPER_WITH_OWNER = _(
    "A dwelling held by the developer has no owner yet: clear the owner or the flag."
)
HOUSEHOLD_ALREADY_MOVED_OUT = _("This household has already moved out.")
HOUSEHOLD_MOVE_OUT_ORDER = _("The move-out date cannot be before the move-in date.")
GRID_PARENT_COMMUNITY = _("The parent grid belongs to another community.")
GRID_PARENT_LEVEL = _("The parent of a level %(level)s grid must be a level %(parent)s grid.")
GRID_LEVEL3_PARENT = _("A level 3 grid has no parent grid.")
GRID_PARENT_SELF = _("A grid cannot be its own parent.")
GRID_SCOPE_COMMUNITY = _("Every covered compound and building must belong to the grid's community.")
GRID_WORKER_COMMUNITY = _("The grid worker must be a grid worker or staff of this community.")


def _stamp(instance: models.Model, user: AbstractBaseUser | None) -> None:
    # simple-history reads this before falling back to the request middleware, so services
    # called from commands or tests record the acting user too.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user


def _apply(instance: M, data: Mapping[str, Any]) -> M:
    for field, value in data.items():
        setattr(instance, field, value)
    return instance


def _save(instance: M, user: AbstractBaseUser | None, *, exclude: Iterable[str] = ()) -> M:
    instance.full_clean(exclude=list(exclude))
    _stamp(instance, user)
    instance.save()
    return instance


# Compounds --------------------------------------------------------------------------------------


@transaction.atomic
def compound_create(
    *, community: Community, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Compound:
    return _save(_apply(Compound(community=community), data), user)


@transaction.atomic
def compound_update(
    *, compound: Compound, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Compound:
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    require_live(compound)
    # The community and archive flag change only through their own services.
    data = {k: v for k, v in data.items() if k not in {"community", "community_id", "is_archived"}}
    return _save(_apply(compound, data), user)


@transaction.atomic
def compound_archive(*, compound: Compound, user: AbstractBaseUser | None) -> Compound:
    """Archive instead of delete: scores, elections and contracts keep pointing at it."""
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    if compound.is_archived:
        raise ValidationError(ALREADY_ARCHIVED)
    current = ServiceContract.objects.current().filter(compound=compound).first()
    if current is not None:
        raise ValidationError(ARCHIVE_WITH_CONTRACT % {"company": current.company.name})
    compound.is_archived = True
    return _save(compound, user)


@transaction.atomic
def compound_restore(*, compound: Compound, user: AbstractBaseUser | None) -> Compound:
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    if not compound.is_archived:
        raise ValidationError(NOT_ARCHIVED)
    compound.is_archived = False
    return _save(compound, user)


# Service contracts ------------------------------------------------------------------------------


def _check_contract(contract: ServiceContract) -> None:
    """Dates ordered and no overlap with another contract of the same compound.

    Periods include both ends, so a contract ending on 31 December and the next one starting on
    1 January do not overlap, while two contracts sharing a single day do.
    """
    if contract.ends_on is not None and contract.ends_on < contract.starts_on:
        raise ValidationError({"ends_on": CONTRACT_DATES_ORDER})
    others = ServiceContract.objects.filter(compound_id=contract.compound_id).exclude(
        pk=contract.pk
    )
    others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=contract.starts_on))
    if contract.ends_on is not None:
        others = others.filter(starts_on__lte=contract.ends_on)
    clash = others.select_related("company").order_by("starts_on").first()
    if clash is not None:
        raise ValidationError(
            CONTRACT_OVERLAP
            % {
                "company": clash.company.name,
                "starts_on": date_format(clash.starts_on, "SHORT_DATE_FORMAT"),
                "ends_on": (
                    date_format(clash.ends_on, "SHORT_DATE_FORMAT")
                    if clash.ends_on
                    else CONTRACT_OPEN_ENDED
                ),
            }
        )


@transaction.atomic
def contract_create(
    *,
    compound: Compound,
    company: PropertyCompany,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    note: str = "",
    end_current: bool = False,
    user: AbstractBaseUser | None,
) -> ServiceContract:
    """A company starts serving a compound. Switching companies is a new contract: with
    ``end_current`` the open-ended contract that started earlier ends the day before."""
    # Locking the compound serialises contract writes, so two clerks cannot create overlaps.
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    if compound.kind == Compound.Kind.COURTYARD:
        raise ValidationError(CONTRACT_COURTYARD)
    if compound.is_archived:
        raise ValidationError(CONTRACT_ARCHIVED)
    if end_current:
        previous = (
            ServiceContract.objects.filter(
                compound=compound, ends_on__isnull=True, starts_on__lt=starts_on
            )
            .order_by("-starts_on")
            .first()
        )
        if previous is not None:
            previous.ends_on = starts_on - dt.timedelta(days=1)
            _save(previous, user)
    contract = ServiceContract(
        compound=compound, company=company, starts_on=starts_on, ends_on=ends_on, note=note
    )
    _check_contract(contract)
    return _save(contract, user)


@transaction.atomic
def contract_end(
    *,
    contract: ServiceContract,
    ends_on: dt.date,
    note: str | None = None,
    user: AbstractBaseUser | None,
) -> ServiceContract:
    """Give a contract its end date; the company then no longer sees the compound after it."""
    Compound.objects.select_for_update().get(pk=contract.compound_id)
    contract = ServiceContract.objects.select_for_update().get(pk=contract.pk)
    if contract.ends_on is not None and contract.ends_on < ends_on:
        # Extending a finished contract would silently change who served in past months.
        raise ValidationError(CONTRACT_ALREADY_ENDED)
    contract.ends_on = ends_on
    if note is not None:
        contract.note = note
    _check_contract(contract)
    return _save(contract, user)


# Buildings, units, dwellings --------------------------------------------------------------------


def require_live(compound: Compound) -> None:
    """An archived compound's registry is a record: nothing is added or changed under it until
    it is restored (households may still move out, which closes the record)."""
    if compound.is_archived:
        raise ValidationError(ARCHIVED_READ_ONLY, code="archived")


@transaction.atomic
def building_create(
    *, compound: Compound, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Building:
    require_live(compound)
    return _save(_apply(Building(compound=compound), data), user)


@transaction.atomic
def building_update(
    *, building: Building, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Building:
    building = Building.objects.select_for_update().get(pk=building.pk)
    require_live(building.compound)
    data = {k: v for k, v in data.items() if k not in {"compound", "compound_id"}}
    return _save(_apply(building, data), user)


@transaction.atomic
def unit_create(
    *, building: Building, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Unit:
    require_live(building.compound)
    return _save(_apply(Unit(building=building), data), user)


@transaction.atomic
def unit_update(*, unit: Unit, data: Mapping[str, Any], user: AbstractBaseUser | None) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    require_live(unit.building.compound)
    data = {k: v for k, v in data.items() if k not in {"building", "building_id"}}
    return _save(_apply(unit, data), user)


def _check_dwelling(dwelling: Dwelling) -> None:
    if dwelling.area_m2 is not None and dwelling.area_m2 <= 0:
        raise ValidationError({"area_m2": AREA_NOT_POSITIVE})
    if dwelling.owner_id is not None:
        community_id = (
            Unit.objects.filter(pk=dwelling.unit_id)
            .values_list("building__compound__community_id", flat=True)
            .get()
        )
        if dwelling.owner.community_id != community_id:
            raise ValidationError({"owner": DWELLING_OWNER_COMMUNITY})
        if dwelling.is_developer_held:
            raise ValidationError(DWELLING_DEVELOPER_WITH_OWNER)


@transaction.atomic
def dwelling_create(
    *, unit: Unit, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Dwelling:
    require_live(unit.building.compound)
    dwelling = _apply(Dwelling(unit=unit), data)
    _check_dwelling(dwelling)
    return _save(dwelling, user)


@transaction.atomic
def dwelling_update(
    *, dwelling: Dwelling, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Dwelling:
    dwelling = Dwelling.objects.select_for_update().get(pk=dwelling.pk)
    require_live(dwelling.unit.building.compound)
    data = {k: v for k, v in data.items() if k not in {"unit", "unit_id"}}
    _apply(dwelling, data)
    _check_dwelling(dwelling)
    return _save(dwelling, user)


# Owners and households --------------------------------------------------------------------------


@transaction.atomic
def owner_create(
    *, community: Community, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Owner:
    return _save(_apply(Owner(community=community), data), user)


@transaction.atomic
def owner_update(*, owner: Owner, data: Mapping[str, Any], user: AbstractBaseUser | None) -> Owner:
    owner = Owner.objects.select_for_update().get(pk=owner.pk)
    data = {k: v for k, v in data.items() if k not in {"community", "community_id"}}
    return _save(_apply(owner, data), user)


# The registry statistics count the households living there at each period's end, so a move-in
# or move-out dated in a period already rolled up changes its figures.
HOUSEHOLD_STATS = ("registry.households", "registry.residents")


@transaction.atomic
def household_create(
    *, dwelling: Dwelling, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Household:
    require_live(dwelling.unit.building.compound)
    data = {k: v for k, v in data.items() if k != "moved_out_on"}
    household = _save(_apply(Household(dwelling=dwelling), data), user)
    rollups.mark_stale(HOUSEHOLD_STATS, household.moved_in_on)
    return household


@transaction.atomic
def household_update(
    *, household: Household, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> Household:
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_live(household.dwelling.unit.building.compound)
    # Moving out is its own act (household_move_out), so it is not edited here by accident.
    data = {k: v for k, v in data.items() if k not in {"dwelling", "dwelling_id", "moved_out_on"}}
    moved_in_was = household.moved_in_on
    household = _save(_apply(household, data), user)
    if household.moved_in_on != moved_in_was:
        rollups.mark_stale(HOUSEHOLD_STATS, min(moved_in_was, household.moved_in_on))
    return household


@transaction.atomic
def household_move_out(
    *, household: Household, moved_out_on: dt.date, user: AbstractBaseUser | None
) -> Household:
    """The household stays on record with its move-out date, so past counts stay true."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.moved_out_on is not None:
        raise ValidationError(HOUSEHOLD_ALREADY_MOVED_OUT)
    if moved_out_on < household.moved_in_on:
        raise ValidationError({"moved_out_on": HOUSEHOLD_MOVE_OUT_ORDER})
    household.moved_out_on = moved_out_on
    household = _save(household, user)
    rollups.mark_stale(HOUSEHOLD_STATS, moved_out_on)
    return household


# Property companies -----------------------------------------------------------------------------


@transaction.atomic
def company_create(*, data: Mapping[str, Any], user: AbstractBaseUser | None) -> PropertyCompany:
    return _save(_apply(PropertyCompany(), data), user)


@transaction.atomic
def company_update(
    *, company: PropertyCompany, data: Mapping[str, Any], user: AbstractBaseUser | None
) -> PropertyCompany:
    company = PropertyCompany.objects.select_for_update().get(pk=company.pk)
    return _save(_apply(company, data), user)


# Grids ------------------------------------------------------------------------------------------


def _check_grid(grid: Grid, compounds: Iterable[Compound], buildings: Iterable[Building]) -> None:
    errors: dict[str, list] = {}
    if grid.parent_id is None and grid.level != Grid.Level.THREE:
        # Only the community's level-3 grids stand alone; the others hang in its tree.
        errors.setdefault("parent", []).append(
            GRID_PARENT_REQUIRED % {"level": grid.level, "parent": grid.level - 1}
        )
    if grid.parent_id is not None:
        parent = grid.parent
        if grid.pk is not None and parent.pk == grid.pk:
            errors.setdefault("parent", []).append(GRID_PARENT_SELF)
        elif parent.community_id != grid.community_id:
            errors.setdefault("parent", []).append(GRID_PARENT_COMMUNITY)
        elif grid.level == Grid.Level.THREE:
            errors.setdefault("parent", []).append(GRID_LEVEL3_PARENT)
        elif parent.level != grid.level - 1:
            errors.setdefault("parent", []).append(
                GRID_PARENT_LEVEL % {"level": grid.level, "parent": grid.level - 1}
            )
    if (
        grid.worker_id is not None
        and not grid.worker.memberships.filter(
            community_id=grid.community_id, role__in=["grid_worker", "staff"]
        ).exists()
    ):
        errors.setdefault("worker", []).append(GRID_WORKER_COMMUNITY)
    if any(c.community_id != grid.community_id for c in compounds) or any(
        b.compound.community_id != grid.community_id for b in buildings
    ):
        errors.setdefault(NON_FIELD_ERRORS, []).append(GRID_SCOPE_COMMUNITY)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def grid_create(
    *,
    community: Community,
    data: Mapping[str, Any],
    compounds: Iterable[Compound] = (),
    buildings: Iterable[Building] = (),
    user: AbstractBaseUser | None,
) -> Grid:
    compounds, buildings = list(compounds), list(buildings)
    grid = _apply(Grid(community=community), data)
    _check_grid(grid, compounds, buildings)
    _save(grid, user)
    grid.compounds.set(compounds)
    grid.buildings.set(buildings)
    return grid


@transaction.atomic
def grid_update(
    *,
    grid: Grid,
    data: Mapping[str, Any],
    compounds: Iterable[Compound] | None = None,
    buildings: Iterable[Building] | None = None,
    user: AbstractBaseUser | None,
) -> Grid:
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    data = {k: v for k, v in data.items() if k not in {"community", "community_id"}}
    _apply(grid, data)
    compounds = list(grid.compounds.all()) if compounds is None else list(compounds)
    buildings = (
        list(grid.buildings.select_related("compound")) if buildings is None else list(buildings)
    )
    _check_grid(grid, compounds, buildings)
    _save(grid, user)
    grid.compounds.set(compounds)
    grid.buildings.set(buildings)
    return grid
