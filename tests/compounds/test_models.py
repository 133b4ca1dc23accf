"""The database itself refuses what the registry must never hold, whatever code writes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from compounds.models import (
    Building,
    Community,
    Compound,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    ServiceContract,
    Unit,
)
from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _refused(create) -> None:
    # A savepoint, so PostgreSQL can go on after the error.
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_codes_are_unique_per_parent(community, other_community):
    # given
    compound = factories.CompoundFactory(community=community, code="c1")
    building = factories.BuildingFactory(compound=compound, code="1")
    unit = factories.UnitFactory(building=building, code="1")
    factories.DwellingFactory(unit=unit, code="101")
    factories.OwnerFactory(community=community, owner_ref="O1")
    factories.GridFactory(community=community, code="g1")
    # when / then: the same code under the same parent is refused
    _refused(
        lambda: Compound.objects.create(community=community, code="c1", name="x", kind="managed")
    )
    _refused(lambda: Building.objects.create(compound=compound, code="1"))
    _refused(lambda: Unit.objects.create(building=building, code="1"))
    _refused(lambda: Dwelling.objects.create(unit=unit, code="101", area_m2=Decimal("50")))
    _refused(lambda: Owner.objects.create(community=community, owner_ref="O1", name="x"))
    _refused(lambda: Grid.objects.create(community=community, code="g1", name="x", level=3))
    # and allowed under another parent
    other = Compound.objects.create(community=other_community, code="c1", name="x", kind="managed")
    Building.objects.create(compound=other, code="1")
    Owner.objects.create(community=other_community, owner_ref="O1", name="x")


@pytest.mark.django_db
def test_compound_names_are_unique_per_community(community):
    factories.CompoundFactory(community=community, name="金鑫小区")
    _refused(lambda: factories.CompoundFactory(community=community, name="金鑫小区"))


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "allowed"), [("-0.01", False), ("0", False), ("0.01", True)])
def test_dwelling_area_is_positive(area, allowed):
    unit = factories.UnitFactory()

    def create():
        return Dwelling.objects.create(unit=unit, code="1", area_m2=Decimal(area))

    if allowed:
        assert create().pk
    else:
        _refused(create)


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "allowed"), [("0", False), ("0.01", True), (None, True)])
def test_community_area_is_positive_or_unknown(area, allowed):
    street = factories.StreetFactory()

    def create():
        return Community.objects.create(
            street=street, name="x", slug="x", area_km2=Decimal(area) if area else None
        )

    if allowed:
        assert create().pk
    else:
        _refused(create)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ends_on", "allowed"),
    [(dt.date(2020, 12, 31), False), (dt.date(2021, 1, 1), True), (None, True)],
)
def test_contract_dates_are_ordered(ends_on, allowed):
    compound = factories.CompoundFactory()
    company = factories.PropertyCompanyFactory()

    def create():
        return ServiceContract.objects.create(
            compound=compound, company=company, starts_on=dt.date(2021, 1, 1), ends_on=ends_on
        )

    if allowed:
        assert create().pk
    else:
        _refused(create)


@pytest.mark.django_db
def test_two_contracts_cannot_start_the_same_day():
    contract = factories.ServiceContractFactory()
    _refused(
        lambda: ServiceContract.objects.create(
            compound=contract.compound, company=contract.company, starts_on=contract.starts_on
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("level", "allowed"), [(2, False), (3, True), (5, True), (6, False)])
def test_grid_level_is_3_to_5(community, level, allowed):
    def create():
        return Grid.objects.create(community=community, code="g", name="g", level=level)

    if allowed:
        assert create().pk
    else:
        _refused(create)


@pytest.mark.django_db
def test_household_has_residents_and_ordered_dates():
    dwelling = factories.DwellingFactory()
    _refused(lambda: Household.objects.create(dwelling=dwelling, residents=0))
    _refused(
        lambda: Household.objects.create(
            dwelling=dwelling,
            residents=1,
            moved_in_on=dt.date(2022, 1, 2),
            moved_out_on=dt.date(2022, 1, 1),
        )
    )
    assert Household.objects.create(
        dwelling=dwelling,
        residents=1,
        moved_in_on=dt.date(2022, 1, 1),
        moved_out_on=dt.date(2022, 1, 1),
    ).pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        ("staff", "community", True),
        ("staff", "company", False),
        ("staff", None, False),
        ("grid_worker", "community", True),
        ("grid_worker", "compound", False),
        ("company", "company", True),
        ("company", "community", False),
        ("committee", "compound", True),
        ("committee", "company", False),
        ("nobody", "community", False),
    ],
)
def test_membership_scope_matches_role(community, company_a, role, scope, allowed):
    # given
    user = factories.UserFactory()
    compound = factories.CompoundFactory(community=community)
    scopes = {"community": community, "company": company_a, "compound": compound}
    kwargs = {scope: scopes[scope]} if scope else {}

    # when
    def create():
        return Membership.objects.create(user=user, role=role, **kwargs)

    # then
    if allowed:
        assert create().pk
    else:
        _refused(create)


@pytest.mark.django_db
def test_membership_is_unique_per_scope(community):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role="staff", community=community)
    _refused(lambda: Membership.objects.create(user=user, role="staff", community=community))
