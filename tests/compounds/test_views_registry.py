"""The registry pages: who may see and edit what, edits, and query budgets of the lists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from compounds import services
from compounds.models import (
    Building,
    Compound,
    Dwelling,
    Grid,
    Household,
    Owner,
    PropertyCompany,
    Residency,
    ServiceContract,
    Unit,
)
from tests import factories

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
    "superuser",
]


@dataclass
class World:
    compound_a: Compound
    compound_b: Compound
    building_a: Building
    building_b: Building
    unit_a: Unit
    dwelling_a: Dwelling
    dwelling_b: Dwelling
    household_a: Household
    owner_a: Owner
    contract_a: ServiceContract
    company_a: PropertyCompany
    company_b: PropertyCompany
    grid: Grid
    account: Any  # a grid worker's login in community A
    residency: Residency  # a resident's registration in community A, waiting


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # Hundreds of users are created here; PBKDF2's deliberate slowness costs ~0.5 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def en_url(name: str, *args) -> str:
    """The English page (/en/...), so that assertions on wording hold once zh-hans is filled."""
    with translation.override("en"):
        return reverse(f"compounds:{name}", args=args)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def world(community, compound_a, compound_b, company_a, company_b) -> World:
    building_a = factories.BuildingFactory(compound=compound_a, code="1")
    building_b = factories.BuildingFactory(compound=compound_b, code="1")
    unit_a = factories.UnitFactory(building=building_a, code="1")
    unit_b = factories.UnitFactory(building=building_b, code="1")
    owner_a = factories.OwnerFactory(community=community, owner_ref="A-001", name="张三")
    dwelling_a = factories.DwellingFactory(unit=unit_a, code="101", owner=owner_a)
    dwelling_b = factories.DwellingFactory(unit=unit_b, code="101")
    household_a = factories.HouseholdFactory(dwelling=dwelling_a, head_name="张三")
    grid = factories.GridFactory(community=community, level=3)
    grid.compounds.add(compound_a)
    return World(
        compound_a=compound_a,
        compound_b=compound_b,
        building_a=building_a,
        building_b=building_b,
        unit_a=unit_a,
        dwelling_a=dwelling_a,
        dwelling_b=dwelling_b,
        household_a=household_a,
        owner_a=owner_a,
        contract_a=compound_a.contracts.get(),
        company_a=company_a,
        company_b=company_b,
        grid=grid,
        account=factories.membership_user("grid_worker", community=community),
        residency=Residency.objects.create(
            account=factories.UserFactory(is_active=False),
            dwelling=dwelling_a,
            full_name="张三",
            phone="13800000000",
            relation="owner",
        ),
    )


@pytest.fixture
def as_role(request, client):
    """Log the client in as one of ROLES (anonymous stays logged out)."""

    def login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


# Expected status per role, in ROLES order. 302 = sent to log in; 403 = no right to this page;
# 404 = the object is outside the user's scope (selectors never return it).
#                anon res  coA  comA grid staff other super
READ_ANY = (302, 403, 200, 200, 200, 200, 200, 200)
READ_A = (302, 403, 200, 200, 200, 200, 404, 200)
READ_B = (302, 403, 404, 404, 200, 200, 404, 200)
INTERNAL_LIST = (302, 403, 403, 403, 200, 200, 200, 200)
INTERNAL_A = (302, 403, 403, 403, 200, 200, 404, 200)
COMPANY_A = (302, 403, 200, 200, 200, 200, 404, 200)
COMPANY_B = (302, 403, 404, 404, 200, 200, 404, 200)
EDIT_A = (302, 403, 403, 403, 403, 200, 404, 200)
EDIT_B = (302, 403, 404, 404, 403, 200, 404, 200)
EDIT_INTERNAL = (302, 403, 403, 403, 403, 200, 404, 200)
EDIT_COMPANY_A = (302, 403, 403, 403, 403, 200, 404, 200)
CREATE = (302, 403, 403, 403, 403, 200, 200, 200)
POST_ONLY = (302, 403, 403, 403, 403, 405, 405, 405)
CHECK_POST_ONLY = (302, 403, 403, 403, 405, 405, 405, 405)

PAGES = [
    ("dashboard", lambda w: [], READ_ANY),
    ("compound_list", lambda w: [], READ_ANY),
    ("building_list", lambda w: [], READ_ANY),
    ("dwelling_list", lambda w: [], READ_ANY),
    ("household_list", lambda w: [], READ_ANY),
    ("company_list", lambda w: [], READ_ANY),
    ("owner_list", lambda w: [], INTERNAL_LIST),
    ("grid_list", lambda w: [], INTERNAL_LIST),
    ("community_detail", lambda w: [w.compound_a.community.slug], READ_A),
    ("compound_detail", lambda w: [w.compound_a.pk], READ_A),
    ("compound_detail", lambda w: [w.compound_b.pk], READ_B),
    ("building_detail", lambda w: [w.building_a.pk], READ_A),
    ("building_detail", lambda w: [w.building_b.pk], READ_B),
    ("dwelling_detail", lambda w: [w.dwelling_a.pk], READ_A),
    ("dwelling_detail", lambda w: [w.dwelling_b.pk], READ_B),
    ("company_detail", lambda w: [w.company_a.pk], COMPANY_A),
    ("company_detail", lambda w: [w.company_b.pk], COMPANY_B),
    ("owner_detail", lambda w: [w.owner_a.pk], INTERNAL_A),
    ("grid_detail", lambda w: [w.grid.pk], INTERNAL_A),
    ("compound_update", lambda w: [w.compound_a.pk], EDIT_A),
    ("compound_update", lambda w: [w.compound_b.pk], EDIT_B),
    ("compound_archive", lambda w: [w.compound_a.pk], EDIT_A),
    ("compound_restore", lambda w: [w.compound_b.pk], EDIT_B),
    ("contract_create", lambda w: [w.compound_a.pk], EDIT_A),
    ("contract_end", lambda w: [w.contract_a.pk], EDIT_A),
    ("building_create", lambda w: [w.compound_b.pk], EDIT_B),
    ("building_update", lambda w: [w.building_a.pk], EDIT_A),
    ("building_update", lambda w: [w.building_b.pk], EDIT_B),
    ("unit_create", lambda w: [w.building_a.pk], EDIT_A),
    ("unit_update", lambda w: [w.unit_a.pk], EDIT_A),
    ("dwelling_create", lambda w: [w.unit_a.pk], EDIT_A),
    ("dwelling_update", lambda w: [w.dwelling_a.pk], EDIT_A),
    ("dwelling_update", lambda w: [w.dwelling_b.pk], EDIT_B),
    ("household_create", lambda w: [w.dwelling_a.pk], EDIT_A),
    ("household_update", lambda w: [w.household_a.pk], EDIT_A),
    ("household_move_out", lambda w: [w.household_a.pk], EDIT_A),
    ("owner_update", lambda w: [w.owner_a.pk], EDIT_INTERNAL),
    ("company_update", lambda w: [w.company_a.pk], EDIT_COMPANY_A),
    ("grid_update", lambda w: [w.grid.pk], EDIT_INTERNAL),
    ("compound_create", lambda w: [], CREATE),
    ("owner_create", lambda w: [], CREATE),
    ("company_create", lambda w: [], CREATE),
    ("grid_create", lambda w: [], CREATE),
    ("account_list", lambda w: [], CREATE),
    ("account_create", lambda w: [], CREATE),
    ("account_detail", lambda w: [w.account.pk], EDIT_INTERNAL),
    ("account_link", lambda w: [w.account.pk], POST_ONLY),
    ("account_active", lambda w: [w.account.pk], POST_ONLY),
    ("membership_end", lambda w: [w.account.memberships.get().pk], POST_ONLY),
    ("residency_list", lambda w: [], INTERNAL_LIST),
    ("residency_create", lambda w: [], CREATE),
    ("residency_detail", lambda w: [w.residency.pk], INTERNAL_A),
    ("residency_verify", lambda w: [w.residency.pk], CHECK_POST_ONLY),
    ("residency_refuse", lambda w: [w.residency.pk], CHECK_POST_ONLY),
    ("residency_end", lambda w: [w.residency.pk], CHECK_POST_ONLY),
    ("residency_link", lambda w: [w.residency.pk], POST_ONLY),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "role", "expected"),
    [
        pytest.param(name, args, role, statuses[i], id=f"{name}-{role}-{n}")
        for n, (name, args, statuses) in enumerate(PAGES)
        for i, role in enumerate(ROLES)
    ],
)
def test_who_may_open_each_page(world, as_role, name, args, role, expected):
    # given
    client = as_role(role)
    url = reverse(f"compounds:{name}", args=args(world))
    # when
    response = client.get(url)
    # then
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_every_registry_route_is_in_the_permission_table():
    from compounds.urls import urlpatterns

    covered = {name for name, _, _ in PAGES}
    routes = {p.name for p in urlpatterns if not p.name.startswith("import_")}
    assert routes == covered


# What each role sees -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_company_user_lists_only_the_compounds_its_company_serves(world, company_user_a, client):
    # given
    client.force_login(company_user_a)
    # when
    response = client.get(reverse("compounds:compound_list"))
    # then
    names = [c.name for c in response.context["page"].object_list]
    assert names == [world.compound_a.name]


@pytest.mark.django_db
def test_committee_member_lists_only_their_compound(world, committee_member_a, client):
    client.force_login(committee_member_a)
    response = client.get(reverse("compounds:building_list"))
    assert [b.pk for b in response.context["page"].object_list] == [world.building_a.pk]


@pytest.mark.django_db
def test_company_user_never_sees_owner_names(world, company_user_a, client):
    # given
    client.force_login(company_user_a)
    # when
    pages = [
        client.get(reverse("compounds:dwelling_list")),
        client.get(reverse("compounds:household_list")),
        client.get(reverse("compounds:building_detail", args=[world.building_a.pk])),
        client.get(reverse("compounds:dwelling_detail", args=[world.dwelling_a.pk])),
    ]
    # then
    for response in pages:
        assert response.status_code == 200
        assert "张三" not in response.content.decode()


@pytest.mark.django_db
def test_company_user_cannot_filter_dwellings_by_owner(world, company_user_a, client):
    # given: owner_ref would reveal who owns what if it filtered
    client.force_login(company_user_a)
    # when
    response = client.get(reverse("compounds:dwelling_list"), {"owner_ref": "NOPE"})
    # then: the filter is not offered and so not applied
    assert "owner_ref" not in response.context["filter"].form.fields
    assert len(response.context["page"].object_list) == 1


@pytest.mark.django_db
def test_staff_sees_owner_on_dwelling_list(world, staff, client):
    client.force_login(staff)
    response = client.get(reverse("compounds:dwelling_list"), {"owner_ref": "A-001"})
    assert [d.pk for d in response.context["page"].object_list] == [world.dwelling_a.pk]
    assert "张三" in response.content.decode()


@pytest.mark.django_db
def test_dashboard_shows_translated_labels_and_import_link_for_staff(world, staff, client):
    # given
    client.force_login(staff)
    # when
    response = client.get(en_url("dashboard"))
    # then
    html = response.content.decode()
    assert "Managed compounds" in html
    assert "managed_compounds</div>" not in html
    assert reverse("compounds:import_upload") in html
    figures = {f["key"]: f["value"] for f in response.context["blocks"][0]["figures"]}
    assert figures["managed_compounds"] == 2
    assert figures["households"] == 1


@pytest.mark.django_db
def test_dashboard_has_no_import_link_for_grid_worker(world, grid_worker, client):
    client.force_login(grid_worker)
    response = client.get(reverse("compounds:dashboard"))
    assert reverse("compounds:import_upload") not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["甲小区", "乙小区"]),
        ({"q": "甲"}, ["甲小区"]),
        ({"kind": "courtyard"}, []),
        ({"company": "A"}, ["甲小区"]),
        ({"access_control": "face"}, ["乙小区"]),
    ],
)
def test_compound_list_filters(world, staff, client, params, expected):
    # given
    Compound.objects.filter(pk=world.compound_b.pk).update(access_control="face")
    if params.get("company") == "A":
        params = {"company": world.company_a.pk}
    client.force_login(staff)
    # when
    response = client.get(reverse("compounds:compound_list"), params)
    # then
    assert [c.name for c in response.context["page"].object_list] == expected


@pytest.mark.django_db
def test_compound_list_answers_htmx_with_rows_only(world, staff, client):
    client.force_login(staff)
    response = client.get(reverse("compounds:compound_list"), {"q": "甲"}, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == "compounds/_compound_rows.html"
    assert '<nav class="navbar' not in response.content.decode()


@pytest.mark.django_db
def test_compound_list_shows_counts(world, staff, client):
    # given
    factories.HouseholdFactory(dwelling=world.dwelling_a, residents=2)
    factories.HouseholdFactory(dwelling=world.dwelling_a, residents=4, moved_out_on=dt.date.today())
    client.force_login(staff)
    # when
    response = client.get(reverse("compounds:compound_list"), {"q": "甲"})
    # then: the moved-out household counts for nothing
    row = response.context["page"].object_list[0]
    assert (row.building_count, row.unit_count, row.household_count, row.resident_count) == (
        1,
        1,
        2,
        5,
    )
    assert row.company_name_today == world.company_a.name


@pytest.mark.django_db
def test_archived_compound_leaves_the_list_unless_asked(world, staff, client):
    # given
    Compound.objects.filter(pk=world.compound_b.pk).update(is_archived=True)
    client.force_login(staff)
    # when
    default = client.get(reverse("compounds:compound_list"))
    archived = client.get(reverse("compounds:compound_list"), {"archived": "true"})
    # then
    assert [c.name for c in default.context["page"].object_list] == ["甲小区"]
    assert [c.name for c in archived.context["page"].object_list] == ["乙小区"]


# Edits ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_edits_a_compound_and_the_history_shows_it(world, staff, client):
    # given
    client.force_login(staff)
    url = en_url("compound_update", world.compound_a.pk)
    data = {
        "code": "a",
        "name": "甲小区",
        "kind": "managed",
        "address": "西环北路1号",
        "access_control": "card",
        "parking_spaces": 120,
        "fire_lanes": 2,
        "cameras": 30,
        "registered_on": "2020-01-01",
    }
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    world.compound_a.refresh_from_db()
    assert world.compound_a.access_control == "card"
    detail = client.get(en_url("compound_detail", world.compound_a.pk))
    entry = detail.context["history"][0]
    assert entry["user"] == staff
    assert "access control" in entry["fields"]


@pytest.mark.django_db
def test_invalid_compound_edit_shows_the_error_and_saves_nothing(world, staff, client):
    # given: the other compound's name is taken in this community
    client.force_login(staff)
    url = reverse("compounds:compound_update", args=[world.compound_a.pk])
    data = {
        "code": "a",
        "name": world.compound_b.name,
        "kind": "managed",
        "access_control": "none",
        "parking_spaces": 0,
        "fire_lanes": 0,
        "cameras": 0,
        "registered_on": "2020-01-01",
    }
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors
    world.compound_a.refresh_from_db()
    assert world.compound_a.name == "甲小区"


@pytest.mark.django_db
def test_staff_creates_a_compound_in_their_community_only(world, staff, other_community, client):
    # given
    client.force_login(staff)
    data = {
        "community": other_community.pk,
        "code": "x",
        "name": "新小区",
        "kind": "courtyard",
        "access_control": "none",
        "parking_spaces": 0,
        "fire_lanes": 0,
        "cameras": 0,
        "registered_on": "2020-01-01",
    }
    # when: another community is not among the choices
    refused = client.post(reverse("compounds:compound_create"), data)
    accepted = client.post(
        reverse("compounds:compound_create"), {**data, "community": world.compound_a.community_id}
    )
    # then
    assert refused.status_code == 400
    assert "community" in refused.context["form"].errors
    assert accepted.status_code == 302
    assert Compound.objects.filter(name="新小区").count() == 1


@pytest.mark.django_db
def test_contract_overlap_is_refused_with_a_translated_error(world, staff, client):
    # given: company A serves compound A from 2020-01-01 with no end
    client.force_login(staff)
    url = en_url("contract_create", world.compound_a.pk)
    data = {"company": world.company_b.pk, "starts_on": "2024-01-01", "end_current": ""}
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 400
    assert "overlaps the contract of" in response.content.decode()
    assert world.compound_a.contracts.count() == 1


@pytest.mark.django_db
def test_switching_company_ends_the_current_contract(world, staff, client):
    # given
    client.force_login(staff)
    url = reverse("compounds:contract_create", args=[world.compound_a.pk])
    data = {"company": world.company_b.pk, "starts_on": "2024-01-01", "end_current": "on"}
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    world.contract_a.refresh_from_db()
    assert world.contract_a.ends_on == dt.date(2023, 12, 31)
    assert world.compound_a.contracts.count() == 2


@pytest.mark.django_db
def test_contract_dates_must_be_ordered(world, staff, client):
    client.force_login(staff)
    url = en_url("contract_end", world.contract_a.pk)
    response = client.post(url, {"ends_on": "2019-12-31"})
    assert response.status_code == 400
    assert "cannot be before the start date" in response.content.decode()
    world.contract_a.refresh_from_db()
    assert world.contract_a.ends_on is None


@pytest.mark.django_db
def test_archive_needs_the_contract_ended_first(world, staff, client):
    # given
    client.force_login(staff)
    url = reverse("compounds:compound_archive", args=[world.compound_a.pk])
    # when
    refused = client.post(url)
    services.contract_end(contract=world.contract_a, ends_on=dt.date(2020, 6, 30), user=staff)
    accepted = client.post(url)
    # then
    assert refused.status_code == 400
    assert accepted.status_code == 302
    world.compound_a.refresh_from_db()
    assert world.compound_a.is_archived


@pytest.mark.django_db
def test_grid_worker_cannot_post_an_edit(world, grid_worker, client):
    client.force_login(grid_worker)
    url = reverse("compounds:building_update", args=[world.building_a.pk])
    response = client.post(url, {"code": "99"})
    assert response.status_code == 403
    world.building_a.refresh_from_db()
    assert world.building_a.code == "1"


@pytest.mark.django_db
def test_dwelling_edit_resolves_the_owner_reference(world, staff, client):
    # given
    other = factories.OwnerFactory(community=world.owner_a.community, owner_ref="A-002")
    client.force_login(staff)
    url = reverse("compounds:dwelling_update", args=[world.dwelling_a.pk])
    # when
    unknown = client.post(url, {"code": "101", "area_m2": "90.5", "owner_ref": "ZZZ"})
    known = client.post(url, {"code": "101", "area_m2": "90.5", "owner_ref": "A-002"})
    # then
    assert unknown.status_code == 400
    assert known.status_code == 302
    world.dwelling_a.refresh_from_db()
    assert world.dwelling_a.owner == other
    assert world.dwelling_a.area_m2 == Decimal("90.50")


@pytest.mark.django_db
def test_dwelling_area_must_be_positive(world, staff, client):
    client.force_login(staff)
    url = en_url("dwelling_create", world.unit_a.pk)
    response = client.post(url, {"code": "102", "area_m2": "0"})
    assert response.status_code == 400
    assert "greater than zero" in response.content.decode()
    assert not Dwelling.objects.filter(code="102").exists()


@pytest.mark.django_db
def test_a_household_form_sent_twice_registers_one_household(world, staff, client):
    client.force_login(staff)
    url = reverse("compounds:household_create", args=[world.dwelling_a.pk])
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    data = {
        "head_name": "王五",
        "residents": "3",
        "moved_in_on": timezone.localdate().isoformat(),
        "once": token.group(1),
    }
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Household.objects.filter(head_name="王五").count() == 1


@pytest.mark.django_db
def test_household_moves_out_and_stays_on_record(world, staff, client):
    # given
    client.force_login(staff)
    url = reverse("compounds:household_move_out", args=[world.household_a.pk])
    # when
    response = client.post(url, {"moved_out_on": "2024-05-01"})
    # then
    assert response.status_code == 302
    world.household_a.refresh_from_db()
    assert world.household_a.moved_out_on == dt.date(2024, 5, 1)
    listing = client.get(reverse("compounds:household_list"))
    assert list(listing.context["page"].object_list) == []


@pytest.mark.django_db
def test_grid_edit_refuses_a_wrong_parent_level(world, staff, client):
    # given: a level-4 grid cannot sit under another level-4 grid
    parent = factories.GridFactory(community=world.grid.community, level=4)
    client.force_login(staff)
    url = reverse("compounds:grid_update", args=[world.grid.pk])
    data = {"code": world.grid.code, "name": "一网格", "level": 4, "parent": parent.pk}
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    world.grid.refresh_from_db()
    assert world.grid.parent is None


@pytest.mark.django_db
def test_owner_create_and_company_create(world, staff, client):
    client.force_login(staff)
    owner = client.post(
        reverse("compounds:owner_create"),
        {
            "community": world.owner_a.community_id,
            "owner_ref": "A-009",
            "name": "李四",
            "kind": "person",
        },
    )
    company = client.post(
        reverse("compounds:company_create"),
        {"name": "丙物业", "credit_code": "91620900MA99999999"},
    )
    assert owner.status_code == 302
    assert company.status_code == 302
    assert Owner.objects.filter(owner_ref="A-009").exists()
    assert PropertyCompany.objects.filter(name="丙物业").exists()


# Query budgets ----------------------------------------------------------------------------------


def _bulk(community, kind: str, n: int) -> None:
    """n rows of ``kind`` visible to the community's staff, created with bulk_create."""
    if kind == "compound":
        Compound.objects.bulk_create(
            Compound(community=community, code=f"q{i}", name=f"批量{i}", kind="courtyard")
            for i in range(n)
        )
        return
    if kind == "company":
        compounds = Compound.objects.bulk_create(
            Compound(community=community, code=f"q{i}", name=f"批量{i}", kind="managed")
            for i in range(n)
        )
        companies = PropertyCompany.objects.bulk_create(
            PropertyCompany(name=f"公司{i}", credit_code=f"Q{i:017d}") for i in range(n)
        )
        ServiceContract.objects.bulk_create(
            ServiceContract(compound=c, company=p, starts_on=dt.date(2020, 1, 1))
            for c, p in zip(compounds, companies, strict=True)
        )
        return
    if kind == "owner":
        Owner.objects.bulk_create(
            Owner(community=community, owner_ref=f"Q{i}", name=f"业主{i}") for i in range(n)
        )
        return
    if kind == "grid":
        Grid.objects.bulk_create(
            Grid(community=community, code=f"q{i}", name=f"网格{i}", level=3) for i in range(n)
        )
        return
    compound = factories.CompoundFactory(community=community)
    if kind == "building":
        Building.objects.bulk_create(Building(compound=compound, code=f"{i}") for i in range(n))
        return
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(unit=unit, code=f"{i}", area_m2=Decimal("80")) for i in range(n)
    )
    if kind == "household":
        Household.objects.bulk_create(Household(dwelling=d, residents=2) for d in dwellings)


# Queries of every list page for a staff member: the same three come first,
#   1 session, 2 user, 3 memberships (cached on the user for the rest of the request);
# and "community ids" is community_list() asking which communities the visible compounds are
# in. Counts, the company serving today and residents are correlated subqueries of the rows.
#   compounds:  4 community ids, 5 COUNT, 6 rows, 7 community choices, 8 company choices
#   buildings:  4 community ids, 5 COUNT, 6 rows, 7 community choices, 8 compound choices
#   dwellings:  4 COUNT, 5 rows (with unit, building, compound, owner), 6 compound choices
#   households: 4 COUNT, 5 rows (with dwelling, unit, building, compound), 6 compound choices
#   owners:     4 community ids, 5 COUNT, 6 rows, 7 community choices
#   companies:  4 COUNT, 5 rows, 6 prefetch of the contracts in force today with compounds
#   grids:      4 community ids, 5 COUNT, 6 rows (with parent, worker), 7 community choices,
#               8 parent-grid choices, 9 grid-worker choices
LIST_BUDGETS = [
    ("compound_list", "compound", 8),
    ("building_list", "building", 8),
    ("dwelling_list", "dwelling", 6),
    ("household_list", "household", 6),
    ("owner_list", "owner", 7),
    ("company_list", "company", 6),
    ("grid_list", "grid", 9),
]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 1000])
@pytest.mark.parametrize(("name", "kind", "budget"), LIST_BUDGETS)
def test_list_pages_run_the_same_queries_for_10_and_1000_rows(
    community, staff, client, django_assert_num_queries, name, kind, budget, rows
):
    # given
    _bulk(community, kind, rows)
    client.force_login(staff)
    url = reverse(f"compounds:{name}")
    # when
    with django_assert_num_queries(budget):
        response = client.get(url)
    # then
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 50)


@pytest.mark.django_db
def test_history_is_for_the_communitys_own_people(world, staff, company_user_a, client):
    # given: a change by staff, which names the staff account
    services.compound_update(compound=world.compound_a, data={"cameras": 3}, user=staff)
    url = reverse("compounds:compound_detail", args=[world.compound_a.pk])
    # when
    client.force_login(company_user_a)
    company_view = client.get(url)
    client.force_login(staff)
    staff_view = client.get(url)
    # then
    assert company_view.context["history"] == []
    assert staff.username not in company_view.content.decode()
    assert staff_view.context["history"][0]["user"] == staff


# --- Orderings ----------------------------------------------------------------------------------


def _option_labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [
        label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))
    ]


@pytest.mark.django_db
def test_the_grid_worker_filter_lists_people_by_the_name_shown_then_id(community, staff, client):
    # given: login names in the opposite order to the names shown; two namesakes; one account
    # without a full name (shown by its login name)
    people = [
        ("zz-1", "王芳"),
        ("yy-2", "李明"),
        ("xx-3", "李明"),
        ("aa-4", ""),
        ("ww-5", "张10"),
        ("vv-6", "张9"),
    ]
    users = {}
    for username, name in people:
        users[username] = factories.UserFactory(username=username, first_name=name)
        factories.GridFactory(community=community, worker=users[username])
    client.force_login(staff)
    # when
    html = client.get(reverse("compounds:grid_list")).content.decode()
    # then: by the name shown, in natural order (张9 before 张10), namesakes by id
    assert _option_labels(html, "worker")[1:] == ["aa-4", "张9", "张10", "李明", "李明", "王芳"]
    options = re.findall(r'<option value="(\d+)"[^>]*>李明</option>', html)
    assert options == [str(users["yy-2"].pk), str(users["xx-3"].pk)]
