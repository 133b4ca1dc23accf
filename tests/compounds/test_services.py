"""Registry writes: validation, the contract rules, archiving, moving out, grids, history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from compounds import services
from compounds.models import Compound, Dwelling, Household, ServiceContract
from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English, whatever the zh-hans catalog later says.
    with translation.override("en"):
        yield


D = dt.date


@pytest.fixture
def compound(community):
    return factories.CompoundFactory(community=community, code="x", name="某小区")


@pytest.fixture
def company(db):
    return factories.PropertyCompanyFactory(name="甲物业")


@pytest.fixture
def other_company(db):
    return factories.PropertyCompanyFactory(name="乙物业")


# Contracts --------------------------------------------------------------------------------------


# The existing contract runs 2021-01-01 .. 2021-12-31 (both days included).
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("starts_on", "ends_on", "allowed"),
    [
        (D(2020, 1, 1), D(2020, 12, 31), True),  # ends the day before: adjacent, no overlap
        (D(2020, 1, 1), D(2021, 1, 1), False),  # shares exactly one day
        (D(2021, 6, 1), D(2021, 6, 30), False),  # inside
        (D(2021, 12, 31), None, False),  # starts on the last day
        (D(2022, 1, 1), None, True),  # starts the day after
        (D(2020, 1, 1), None, False),  # open-ended from before: covers it
    ],
)
def test_contract_overlap_rule(compound, company, other_company, starts_on, ends_on, allowed):
    # given
    services.contract_create(
        compound=compound,
        company=company,
        starts_on=D(2021, 1, 1),
        ends_on=D(2021, 12, 31),
        user=None,
    )

    # when
    def create():
        return services.contract_create(
            compound=compound,
            company=other_company,
            starts_on=starts_on,
            ends_on=ends_on,
            user=None,
        )

    # then
    if allowed:
        create()
        assert compound.contracts.count() == 2
    else:
        with pytest.raises(ValidationError) as exc:
            create()
        assert "overlaps the contract of 甲物业" in " ".join(exc.value.messages)
        assert compound.contracts.count() == 1


@pytest.mark.django_db
def test_contract_dates_must_be_ordered(compound, company):
    with pytest.raises(ValidationError) as exc:
        services.contract_create(
            compound=compound,
            company=company,
            starts_on=D(2021, 1, 2),
            ends_on=D(2021, 1, 1),
            user=None,
        )
    assert exc.value.message_dict["ends_on"] == [str(services.CONTRACT_DATES_ORDER)]
    assert not ServiceContract.objects.exists()


@pytest.mark.django_db
def test_a_one_day_contract_is_allowed(compound, company):
    contract = services.contract_create(
        compound=compound,
        company=company,
        starts_on=D(2021, 1, 1),
        ends_on=D(2021, 1, 1),
        user=None,
    )
    assert contract.pk


@pytest.mark.django_db
def test_switching_company_ends_the_current_contract_the_day_before(
    compound, company, other_company, staff
):
    # given
    first = services.contract_create(
        compound=compound, company=company, starts_on=D(2020, 1, 1), user=staff
    )
    # when
    second = services.contract_create(
        compound=compound,
        company=other_company,
        starts_on=D(2024, 7, 1),
        end_current=True,
        user=staff,
    )
    # then
    first.refresh_from_db()
    assert first.ends_on == D(2024, 6, 30)
    assert second.ends_on is None
    assert first.history.first().history_user == staff


@pytest.mark.django_db
def test_switch_is_all_or_nothing(compound, company, other_company):
    # given: the new contract would still overlap a later, already recorded contract
    first = services.contract_create(
        compound=compound,
        company=company,
        starts_on=D(2020, 1, 1),
        ends_on=D(2020, 12, 31),
        user=None,
    )
    services.contract_create(compound=compound, company=company, starts_on=D(2022, 1, 1), user=None)
    # when
    with pytest.raises(ValidationError):
        services.contract_create(
            compound=compound,
            company=other_company,
            starts_on=D(2021, 6, 1),
            ends_on=D(2022, 6, 1),
            end_current=True,
            user=None,
        )
    # then: the open contract was not ended by the refused switch
    assert compound.contracts.filter(ends_on__isnull=True).count() == 1
    first.refresh_from_db()
    assert first.ends_on == D(2020, 12, 31)


@pytest.mark.django_db
def test_courtyards_and_archived_compounds_get_no_contract(community, company):
    courtyard = factories.CompoundFactory(community=community, kind=Compound.Kind.COURTYARD)
    archived = factories.CompoundFactory(community=community, is_archived=True)
    for compound, message in [
        (courtyard, services.CONTRACT_COURTYARD),
        (archived, services.CONTRACT_ARCHIVED),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.contract_create(
                compound=compound, company=company, starts_on=D(2020, 1, 1), user=None
            )
        assert exc.value.messages == [str(message)]


@pytest.mark.django_db
def test_ending_a_contract(compound, company):
    # given
    contract = services.contract_create(
        compound=compound, company=company, starts_on=D(2020, 1, 1), user=None
    )
    # when
    services.contract_end(contract=contract, ends_on=D(2023, 3, 31), note="到期不续", user=None)
    # then
    contract.refresh_from_db()
    assert (contract.ends_on, contract.note) == (D(2023, 3, 31), "到期不续")
    with pytest.raises(ValidationError) as exc:
        services.contract_end(contract=contract, ends_on=D(2024, 1, 1), user=None)
    assert exc.value.messages == [str(services.CONTRACT_ALREADY_ENDED)]


# Compounds --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_archive_refuses_while_a_company_serves(compound, company, staff):
    # given
    contract = services.contract_create(
        compound=compound, company=company, starts_on=D(2020, 1, 1), user=None
    )
    # when / then
    with pytest.raises(ValidationError):
        services.compound_archive(compound=compound, user=staff)
    services.contract_end(contract=contract, ends_on=D(2020, 12, 31), user=None)
    services.compound_archive(compound=compound, user=staff)
    compound.refresh_from_db()
    assert compound.is_archived
    services.compound_restore(compound=compound, user=staff)
    compound.refresh_from_db()
    assert not compound.is_archived


@pytest.mark.django_db
def test_compound_update_validates_and_records_who(compound, staff):
    # given
    factories.CompoundFactory(community=compound.community, code="y", name="别的小区")
    # when
    with pytest.raises(ValidationError):
        services.compound_update(compound=compound, data={"name": "别的小区"}, user=staff)
    services.compound_update(compound=compound, data={"cameras": 12}, user=staff)
    # then
    compound.refresh_from_db()
    assert (compound.name, compound.cameras) == ("某小区", 12)
    assert compound.history.first().history_user == staff


@pytest.mark.django_db
def test_compound_update_cannot_move_or_archive(compound, other_community):
    services.compound_update(
        compound=compound, data={"community": other_community, "is_archived": True}, user=None
    )
    compound.refresh_from_db()
    assert compound.community != other_community
    assert not compound.is_archived


# Dwellings and households -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("area", "allowed"), [(Decimal("-1"), False), (Decimal("0"), False), (Decimal("0.01"), True)]
)
def test_dwelling_area_must_be_positive(compound, area, allowed):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    data = {"code": "101", "area_m2": area}
    if allowed:
        services.dwelling_create(unit=unit, data=data, user=None)
        assert Dwelling.objects.count() == 1
    else:
        with pytest.raises(ValidationError):
            services.dwelling_create(unit=unit, data=data, user=None)
        assert not Dwelling.objects.exists()


@pytest.mark.django_db
def test_dwelling_owner_must_be_of_the_same_community(compound, other_community):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    stranger = factories.OwnerFactory(community=other_community)
    with pytest.raises(ValidationError) as exc:
        services.dwelling_create(
            unit=unit, data={"code": "1", "area_m2": Decimal("80"), "owner": stranger}, user=None
        )
    assert exc.value.message_dict["owner"] == [str(services.DWELLING_OWNER_COMMUNITY)]


@pytest.mark.django_db
def test_developer_held_dwelling_has_no_owner(compound):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    owner = factories.OwnerFactory(community=compound.community)
    with pytest.raises(ValidationError):
        services.dwelling_create(
            unit=unit,
            data={"code": "1", "area_m2": Decimal("80"), "owner": owner, "is_developer_held": True},
            user=None,
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moved_out_on", "allowed"),
    [(D(2021, 12, 31), False), (D(2022, 1, 1), True), (D(2022, 1, 2), True)],
)
def test_household_move_out_date(compound, moved_out_on, allowed):
    # given: moved in on 2022-01-01
    household = factories.HouseholdFactory(
        dwelling=factories.DwellingFactory(
            unit=factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
        ),
        moved_in_on=D(2022, 1, 1),
    )
    # when / then
    if allowed:
        services.household_move_out(household=household, moved_out_on=moved_out_on, user=None)
        household.refresh_from_db()
        assert household.moved_out_on == moved_out_on
        with pytest.raises(ValidationError):
            services.household_move_out(household=household, moved_out_on=moved_out_on, user=None)
    else:
        with pytest.raises(ValidationError):
            services.household_move_out(household=household, moved_out_on=moved_out_on, user=None)
        assert Household.objects.get().moved_out_on is None


@pytest.mark.django_db
def test_household_update_does_not_move_out(compound):
    household = factories.HouseholdFactory(
        dwelling=factories.DwellingFactory(
            unit=factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
        )
    )
    services.household_update(
        household=household, data={"residents": 5, "moved_out_on": D(2030, 1, 1)}, user=None
    )
    household.refresh_from_db()
    assert (household.residents, household.moved_out_on) == (5, None)


# Grids ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "parent_level", "allowed"),
    [
        (3, None, True),
        (3, 3, False),  # level 3 is the top
        (4, 3, True),
        (4, 4, False),
        (5, 4, True),
        (5, 3, False),  # skips a level
    ],
)
def test_grid_parent_level(community, level, parent_level, allowed):
    parent = (
        factories.GridFactory(community=community, level=parent_level) if parent_level else None
    )
    data = {"code": "new", "name": "新网格", "level": level, "parent": parent}
    if allowed:
        grid = services.grid_create(community=community, data=data, user=None)
        assert grid.parent == parent
    else:
        with pytest.raises(ValidationError) as exc:
            services.grid_create(community=community, data=data, user=None)
        assert "parent" in exc.value.message_dict


@pytest.mark.django_db
def test_grid_covers_only_its_community(community, other_community, grid_worker):
    # given
    foreign = factories.CompoundFactory(community=other_community)
    own = factories.CompoundFactory(community=community)
    data = {"code": "g", "name": "网格", "level": 3, "worker": grid_worker}
    # when / then
    with pytest.raises(ValidationError):
        services.grid_create(community=community, data=data, compounds=[foreign], user=None)
    grid = services.grid_create(community=community, data=data, compounds=[own], user=None)
    assert list(grid.compounds.all()) == [own]


@pytest.mark.django_db
@pytest.mark.parametrize(("level", "ok"), [(3, True), (4, False), (5, False)])
def test_only_a_level_3_grid_stands_without_a_parent(community, level, ok):
    data = {"code": "g", "name": "网格", "level": level}
    if ok:
        services.grid_create(community=community, data=data, user=None)
    else:
        with pytest.raises(ValidationError) as exc:
            services.grid_create(community=community, data=data, user=None)
        assert "parent" in exc.value.message_dict


@pytest.mark.django_db
def test_grid_worker_must_work_in_the_community(community, resident):
    with pytest.raises(ValidationError) as exc:
        services.grid_create(
            community=community,
            data={"code": "g", "name": "网格", "level": 3, "worker": resident},
            user=None,
        )
    assert "worker" in exc.value.message_dict


@pytest.mark.django_db
def test_an_archived_compounds_registry_is_read_only_until_restored(staff, compound_a, client):
    from django.urls import reverse

    building = factories.BuildingFactory(compound=compound_a)
    unit = factories.UnitFactory(building=building)
    dwelling = factories.DwellingFactory(unit=unit)
    household = factories.HouseholdFactory(dwelling=dwelling)
    contract = compound_a.contracts.get()
    services.contract_end(contract=contract, ends_on=contract.starts_on, user=staff)
    services.compound_archive(compound=compound_a, user=staff)
    compound_a.refresh_from_db()
    writes = [
        lambda: services.compound_update(compound=compound_a, data={"name": "新名"}, user=staff),
        lambda: services.building_create(compound=compound_a, data={"code": "9"}, user=staff),
        lambda: services.building_update(building=building, data={"floors": 9}, user=staff),
        lambda: services.unit_create(building=building, data={"code": "9"}, user=staff),
        lambda: services.unit_update(unit=unit, data={"code": "9"}, user=staff),
        lambda: services.dwelling_update(dwelling=dwelling, data={"code": "9"}, user=staff),
        lambda: services.household_update(household=household, data={"residents": 9}, user=staff),
    ]
    for write in writes:
        with pytest.raises(ValidationError) as info:
            write()
        assert info.value.code == "archived"
    # the page says so before anyone types
    client.force_login(staff)
    form = client.get(reverse("compounds:building_create", args=[compound_a.pk]))
    assert form.url == compound_a.get_absolute_url()
    # a household may still move out; restoring opens the registry again
    services.household_move_out(household=household, moved_out_on=household.moved_in_on, user=staff)
    services.compound_restore(compound=compound_a, user=staff)
    compound_a.refresh_from_db()
    services.building_create(compound=compound_a, data={"code": "9"}, user=staff)


@pytest.mark.django_db
def test_a_household_that_moved_out_is_not_offered_the_move_out_form(client, staff, compound_a):
    from django.urls import reverse

    dwelling = factories.DwellingFactory(
        unit=factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    )
    household = factories.HouseholdFactory(dwelling=dwelling)
    services.household_move_out(household=household, moved_out_on=household.moved_in_on, user=staff)
    client.force_login(staff)
    response = client.get(reverse("compounds:household_move_out", args=[household.pk]))
    assert response.status_code == 302
