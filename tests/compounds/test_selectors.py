"""Who sees what of the registry: the scoping every view relies on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from compounds import selectors
from compounds.models import ServiceContract
from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def foreign_compound(other_community):
    return factories.CompoundFactory(community=other_community, name="外小区")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("staff", {"甲小区", "乙小区"}),
        ("grid_worker", {"甲小区", "乙小区"}),
        ("company_user_a", {"甲小区"}),
        ("company_user_b", {"乙小区"}),
        ("committee_member_a", {"甲小区"}),
        ("other_staff", {"外小区"}),
        ("superuser", {"甲小区", "乙小区", "外小区"}),
        ("resident", set()),
    ],
)
def test_compound_list_scope(request, compound_a, compound_b, foreign_compound, role, expected):
    # given
    user = request.getfixturevalue(role)
    # when
    names = set(selectors.compound_list(user=user).values_list("name", flat=True))
    # then
    assert names == expected


@pytest.mark.django_db
def test_anonymous_sees_nothing(compound_a):
    anonymous = AnonymousUser()
    assert not selectors.compound_list(user=anonymous).exists()
    assert not selectors.company_list(user=anonymous).exists()
    assert not selectors.owner_list(user=anonymous).exists()
    assert not selectors.is_registry_reader(anonymous)


@pytest.mark.django_db
def test_company_loses_the_compound_when_its_contract_ends(compound_a, company_user_a):
    # given
    ServiceContract.objects.filter(compound=compound_a).update(ends_on=dt.date(2020, 12, 31))
    # when
    visible = selectors.compound_list(user=company_user_a)
    # then
    assert not visible.exists()


@pytest.mark.django_db
def test_company_user_asking_for_another_companys_compound_gets_nothing(
    compound_a, compound_b, company_user_a
):
    assert not selectors.compound_list(user=company_user_a).filter(pk=compound_b.pk).exists()
    building_b = factories.BuildingFactory(compound=compound_b)
    assert not selectors.building_list(user=company_user_a).filter(pk=building_b.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "sees_owner"),
    [
        ("staff", True),
        ("grid_worker", True),
        ("company_user_a", False),
        ("committee_member_a", False),
        ("other_staff", False),
        ("superuser", True),
    ],
)
def test_owners_are_for_staff_and_grid_workers(request, community, compound_a, role, sees_owner):
    factories.OwnerFactory(community=community)
    user = request.getfixturevalue(role)
    assert selectors.owner_list(user=user).exists() is sees_owner


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "may_edit"),
    [
        ("staff", True),
        ("grid_worker", False),
        ("company_user_a", False),
        ("committee_member_a", False),
        ("other_staff", False),
        ("superuser", True),
    ],
)
def test_only_staff_of_the_community_edit(request, community, compound_a, role, may_edit):
    user = request.getfixturevalue(role)
    assert selectors.can_edit_community(user, community.pk) is may_edit


@pytest.mark.django_db
def test_company_list_scope(compound_a, compound_b, company_a, company_b, company_user_a, staff):
    assert list(selectors.company_list(user=company_user_a)) == [company_a]
    assert set(selectors.company_list(user=staff)) == {company_a, company_b}


@pytest.mark.django_db
def test_registry_counts(compound_a):
    # given: one building, two units, three dwellings, two households living there, one gone
    building = factories.BuildingFactory(compound=compound_a)
    units = [factories.UnitFactory(building=building) for _ in range(2)]
    owner = factories.OwnerFactory(community=compound_a.community)
    dwellings = [factories.DwellingFactory(unit=units[i % 2], owner=owner) for i in range(3)]
    factories.HouseholdFactory(dwelling=dwellings[0], residents=3)
    factories.HouseholdFactory(dwelling=dwellings[1], residents=4)
    factories.HouseholdFactory(dwelling=dwellings[2], residents=9, moved_out_on=dt.date(2021, 1, 1))
    # when
    counts = selectors.registry_counts(compounds=selectors.Compound.objects.all())
    # then
    assert counts["buildings"] == 1
    assert counts["units"] == 2
    assert counts["dwellings"] == 3
    assert counts["owners"] == 1
    assert counts["households"] == 2
    assert counts["residents"] == 7
