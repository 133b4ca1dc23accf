"""``manage.py load_demo``: the Tongde Lane community of the seed, exactly, and idempotent.

The demo is loaded once for the module inside an outer transaction that is rolled back at the
end; each test runs in its own savepoint within it (pytest-django's ``django_db``), so a test that
loads the demo a second time or changes a password leaves nothing behind for the next one.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import translation

from compounds.demo import DEMO_PASSWORD, DEMO_USERS, largest_remainder
from compounds.models import (
    Building,
    Compound,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    Residency,
    ServiceContract,
    Unit,
)
from compounds.residents import registry_matches
from compounds.selectors import compound_list

SEED_FIGURES = {
    "managed_compounds": 5,
    "courtyards": 16,
    "buildings": 110,
    "units": 411,
    "households": 5180,
    "residents": 18519,
    "access_controlled_compounds": 21,
    "face_recognition_compounds": 2,
}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module; roll it back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("load_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def _row_counts() -> dict[str, int]:
    """Rows of every model the demo may touch, history tables and users included."""
    models = [
        *apps.get_app_config("compounds").get_models(),
        get_user_model(),
        Grid.compounds.through,
        Grid.buildings.through,
    ]
    return {m._meta.label: m._default_manager.count() for m in models}


def test_load_demo_reproduces_the_seed_figures_in_the_database(demo):
    # given the demo loaded
    compounds = Compound.objects.filter(community__slug="tongde-lane")
    households = Household.objects.filter(
        dwelling__unit__building__compound__in=compounds, moved_out_on__isnull=True
    )

    # when the figures are counted from the rows
    figures = {
        "managed_compounds": compounds.filter(kind=Compound.Kind.MANAGED).count(),
        "courtyards": compounds.filter(kind=Compound.Kind.COURTYARD).count(),
        "buildings": Building.objects.filter(compound__in=compounds).count(),
        "units": Unit.objects.filter(building__compound__in=compounds).count(),
        "households": households.count(),
        "residents": households.aggregate(n=Sum("residents"))["n"],
        "access_controlled_compounds": compounds.exclude(
            access_control=Compound.AccessControl.NONE
        ).count(),
        "face_recognition_compounds": compounds.filter(
            access_control=Compound.AccessControl.FACE
        ).count(),
    }

    # then they are the seed's
    assert figures == SEED_FIGURES
    assert set(
        compounds.filter(access_control=Compound.AccessControl.FACE).values_list("kind", flat=True)
    ) == {Compound.Kind.COURTYARD}


def test_load_demo_names_the_compounds_of_the_seed(demo):
    # when
    names = set(Compound.objects.values_list("name", flat=True))

    # then
    assert {"金鑫小区", "常青茗庭小区", "康盛花园", "帝豪花园", "金水湾"} == set(
        Compound.objects.filter(kind=Compound.Kind.MANAGED).values_list("name", flat=True)
    )
    assert {
        "同德巷小区",
        "西环北路楼院8号",
        "西环北路楼院14号",
        "西环北路楼院16号",
        "西环北路楼院30号",
    } <= names


def test_community_api_returns_the_seed_figures(demo, client):
    # when
    response = client.get("/api/v1/communities/tongde-lane/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "tongde-lane"
    assert body["name"] == "同德巷社区"
    assert {k: body["registry"][k] for k in SEED_FIGURES} == SEED_FIGURES


def test_second_run_changes_nothing(demo):
    # given the demo loaded once, and a user who changed the password since
    before = _row_counts()
    staff = get_user_model().objects.get(username="staff")
    staff.set_password("a-password-of-my-own-2020")
    staff.save()
    out = io.StringIO()

    # when (in English, so the message can be read back)
    with translation.override("en"):
        call_command("load_demo", stdout=out)

    # then not a row more, and the changed password stands
    assert _row_counts() == before
    staff.refresh_from_db()
    assert staff.check_password("a-password-of-my-own-2020")
    assert "nothing was created" in out.getvalue()


def test_first_run_prints_every_demo_account_with_its_password(demo_output):
    # then
    for user in DEMO_USERS:
        line = next(x for x in demo_output.splitlines() if x.split()[:1] == [user["username"]])
        assert DEMO_PASSWORD in line


@pytest.mark.parametrize("password", ["123", "password", "short"])
def test_a_weak_password_is_refused_before_anything_is_written(demo, password):
    # given
    before = _row_counts()

    # when / then
    with pytest.raises(CommandError):
        call_command("load_demo", password=password, stdout=io.StringIO())
    assert _row_counts() == before


def test_some_owners_hold_several_dwellings(demo):
    # when
    several = Owner.objects.annotate(n=Count("dwellings")).filter(n__gt=1)

    # then: a few percent of owners, not none and not most
    owners = Owner.objects.count()
    assert 0.01 * owners < several.filter(kind=Owner.Kind.PERSON).count() < 0.06 * owners


def test_developer_held_dwellings_are_in_managed_compounds_held_by_organisations(demo):
    # when
    held = Dwelling.objects.filter(is_developer_held=True)

    # then
    assert held.count() == 40
    assert set(held.values_list("unit__building__compound__kind", flat=True)) == {
        Compound.Kind.MANAGED
    }
    assert set(held.values_list("owner__kind", flat=True)) == {Owner.Kind.ORGANISATION}
    assert not Household.objects.filter(dwelling__in=held).exists()


def test_dwellings_outnumber_households_with_plausible_areas(demo):
    # when
    dwellings = Dwelling.objects.count()
    areas = Dwelling.objects.values_list("area_m2", flat=True)

    # then: some vacant, none shared by two current households
    assert Household.objects.filter(moved_out_on__isnull=True).count() < dwellings
    assert not (
        Household.objects.filter(moved_out_on__isnull=True)
        .values("dwelling")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    assert all(Decimal("45") <= a <= Decimal("160") for a in areas)
    assert all(a == a.quantize(Decimal("0.01")) for a in areas)
    assert Household.objects.filter(is_owner_occupied=False).exists()
    assert Household.objects.filter(moved_out_on__isnull=False).exists()


def test_every_building_is_covered_by_a_level5_grid(demo):
    # when
    uncovered = Building.objects.exclude(grids__level=Grid.Level.FIVE)

    # then
    assert not uncovered.exists()


def test_grids_form_a_three_level_tree_each_with_a_grid_worker(demo):
    # given
    grids = Grid.objects.select_related("parent", "worker")
    workers = set(
        Membership.objects.filter(role=Membership.Role.GRID_WORKER).values_list(
            "user_id", flat=True
        )
    )

    # then
    assert {g.level for g in grids} == {3, 4, 5}
    for grid in grids:
        expected_parent_level = None if grid.level == 3 else grid.level - 1
        assert (grid.parent.level if grid.parent else None) == expected_parent_level
        assert grid.worker_id in workers
    assert all(g.compounds.exists() for g in grids if g.level == 4)


def test_one_compound_keeps_its_previous_company_in_history(demo):
    # when
    ended = ServiceContract.objects.filter(ends_on__year=2019)

    # then
    assert ended.count() == 1
    compound = ended.get().compound
    current = compound.contracts.get(ends_on__isnull=True)
    assert current.starts_on.isoformat() == "2020-01-01"
    assert current.company != ended.get().company


def test_every_managed_compound_has_one_current_company_and_one_company_serves_two(demo):
    # when
    current = ServiceContract.objects.filter(ends_on__isnull=True)

    # then
    assert current.count() == 5
    assert current.values("company").distinct().count() == 4


@pytest.mark.parametrize("username", [u["username"] for u in DEMO_USERS])
def test_demo_users_can_log_in(demo, client, username):
    # when
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(
        get_user_model().objects.get(username=username).pk
    )


@pytest.mark.parametrize(
    ("username", "expected_names"),
    [
        ("company", {"康盛花园"}),
        ("committee", {"康盛花园"}),
        ("resident", set()),
    ],
)
def test_demo_users_see_what_their_role_allows(demo, username, expected_names):
    # given
    user = get_user_model().objects.get(username=username)

    # when
    names = set(compound_list(user=user).values_list("name", flat=True))

    # then
    assert names == expected_names


def test_demo_staff_and_admin_see_the_whole_community(demo):
    # given
    staff = get_user_model().objects.get(username="staff")
    admin = get_user_model().objects.get(username="admin")

    # then
    assert compound_list(user=staff).count() == 21
    assert admin.is_superuser
    assert not admin.memberships.exists()
    assert staff.memberships.get().role == Membership.Role.STAFF


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [
        (10, [1, 1, 1], 0, [4, 3, 3]),  # the tie goes to the earlier part
        (9, [1, 1, 1], 0, [3, 3, 3]),
        (7, [0.5, 0.25, 0.25], 0, [3, 2, 2]),
        (5, [100, 1, 1], 1, [3, 1, 1]),  # every part keeps its minimum
        (3, [1, 1, 1], 1, [1, 1, 1]),  # exactly the minimum
    ],
)
def test_largest_remainder_adds_up_exactly(total, weights, minimum, expected):
    # when
    parts = largest_remainder(total, weights, minimum=minimum)

    # then
    assert parts == expected
    assert sum(parts) == total


def test_largest_remainder_refuses_a_total_below_the_minimums():
    # when / then
    with pytest.raises(ValueError, match="smaller than the minimum"):
        largest_remainder(2, [1, 1, 1], minimum=1)


def test_demo_residents_one_verified_two_waiting(demo, client):
    # given the demo's registrations
    rows = dict(Residency.objects.values_list("account__username", "status"))

    # then the demo resident lives in 康盛花园 and two registrations wait for the check
    assert rows == {"resident": "verified", "resident-2": "pending", "resident-3": "pending"}
    home = Residency.objects.get(account__username="resident").dwelling
    assert home.unit.building.compound.name == "康盛花园"
    owner_claim = Residency.objects.get(account__username="resident-2")
    assert [m.matches for m in registry_matches(owner_claim)][:2] == [True, True]
    response = client.post(reverse("login"), {"username": "resident-2", "password": DEMO_PASSWORD})
    assert response.context["form"].errors.as_data()["__all__"][0].code == "inactive"
