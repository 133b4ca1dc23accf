"""What the patrol pages accept, at every boundary: the patrol's day (not before 2000, not after
today), the deadlines (from the day to a year after it), the compounds and buildings the form
offers a grid worker, the campaigns menu, and a patrol form sent twice."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from campaigns import patrols
from campaigns.forms_patrols import ProblemForm
from campaigns.models import Patrol, Problem, ProblemEvent
from scorecards.models import Rectification
from tests import factories
from tests.campaigns import test_patrols
from tests.campaigns.test_patrols import World, answered_problem, item, log
from tests.campaigns.test_views_patrols import _patrol_post

world = test_patrols.world

# The pages read the clock: frozen mid-morning in the community's time zone.
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
DAY = dt.timedelta(days=1)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _nothing_saved() -> None:
    assert Patrol.objects.count() == 0
    assert Problem.objects.count() == 0
    assert ProblemEvent.objects.count() == 0
    assert Rectification.objects.count() == 0


# --- the patrol's day -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("patrolled_on", "accepted"),
    [
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (TODAY, True),
        (TODAY + DAY, False),
    ],
)
def test_the_patrols_day_is_between_2000_and_today(client, world, frozen, patrolled_on, accepted):
    # given
    client.force_login(world.worker)
    data = _patrol_post(world)
    data["patrolled_on"] = patrolled_on.isoformat()
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then
    if accepted:
        patrol = Patrol.objects.get()
        assert response.status_code == 302
        assert patrol.patrolled_on == patrolled_on
    else:
        assert response.status_code == 400
        assert "patrolled_on" in response.context["form"].errors
        _nothing_saved()


@pytest.mark.django_db
def test_the_date_input_carries_its_bounds(client, world, frozen):
    # given
    client.force_login(world.worker)
    # when
    form = client.get(reverse("campaigns:patrol_create")).context["form"]
    # then
    attrs = form.fields["patrolled_on"].widget.attrs
    assert (attrs["min"], attrs["max"]) == ("2000-01-01", TODAY.isoformat())


# --- deadlines ------------------------------------------------------------------------------------

FOUND = test_patrols.TODAY


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, patrols.DEADLINE_BEFORE_FOUND),
        (0, None),
        (365, None),
        (366, patrols.DEADLINE_TOO_FAR),
    ],
)
def test_a_problems_deadline_is_from_the_patrols_day_to_a_year_after(world, days, message):
    # given: the patrol's day is the service tests' TODAY
    deadline = FOUND + dt.timedelta(days=days)
    problem = item(world.compound_a, deadline_on=deadline)
    if message is None:
        # when
        patrol = log(world, problem)
        # then
        assert patrol.problems.get().deadline_on == deadline
        assert Rectification.objects.get().deadline_on == deadline
        return
    # when
    with pytest.raises(ValidationError) as caught:
        log(world, problem)
    # then: the latest deadline in words, as the reader says a date (2021-08-17 is for machines)
    latest = "2021年8月17日"
    assert caught.value.message_dict["problem.0.deadline_on"] == [str(message % {"latest": latest})]
    _nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, patrols.DEADLINE_IN_PAST),
        (0, None),
        (365, None),
        (366, patrols.NEW_DEADLINE_TOO_FAR),
    ],
)
def test_a_reopened_problems_deadline_is_from_today_to_a_year_after(world, days, message):
    # given: staff send the fix back on the service tests' TODAY
    problem = answered_problem(world)
    deadline = FOUND + dt.timedelta(days=days)

    def reopen() -> Problem:
        return patrols.problem_reopen(
            problem=problem, deadline_on=deadline, reason="仍有杂物", user=world.staff, today=FOUND
        )

    if message is None:
        # when / then
        assert reopen().deadline_on == deadline
        return
    # when
    with pytest.raises(ValidationError) as caught:
        reopen()
    # then
    latest = "2021年8月17日"
    assert caught.value.message_dict["deadline_on"] == [str(message % {"latest": latest})]
    problem.refresh_from_db()
    assert (problem.status, problem.deadline_on) == (
        Problem.Status.ANSWERED,
        FOUND + dt.timedelta(days=patrols.DEFAULT_DEADLINE_DAYS),
    )
    assert problem.events.count() == 2  # found, answered: no "reopened"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "latest"), [("zh-hans", "2021年8月17日"), ("en", "17 August 2021")]
)
def test_the_latest_deadline_reads_as_a_date_in_each_language(world, language, latest):
    problem = item(world.compound_a, deadline_on=FOUND + dt.timedelta(days=366))
    with translation.override(language), pytest.raises(ValidationError) as caught:
        log(world, problem)
    (message,) = caught.value.message_dict["problem.0.deadline_on"]
    assert latest in message
    assert "2021-08-17" not in message


@pytest.mark.django_db
def test_a_deadline_in_2100_is_refused_on_the_patrol_page(client, world, frozen):
    # given
    client.force_login(world.worker)
    data = _patrol_post(
        world,
        first={
            "compound": world.compound_a.pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
            "deadline_on": "2100-01-01",
        },
    )
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then
    assert response.status_code == 400
    message = str(patrols.DEADLINE_TOO_FAR % {"latest": "2027年3月10日"})
    assert message in response.content.decode()
    assert response.context["formset"].forms[0].errors["deadline_on"]
    _nothing_saved()


@pytest.mark.django_db
def test_a_new_deadline_in_2099_is_refused_on_the_reopen_page(client, world, frozen):
    # given
    problem = answered_problem(world)
    client.force_login(world.staff)
    url = reverse("campaigns:problem_reopen", args=[problem.pk])
    # when
    page = client.get(url)
    response = client.post(url, {"deadline_on": "2099-01-01", "reason": "仍有杂物"})
    # then
    latest = (TODAY + dt.timedelta(days=365)).isoformat()
    attrs = page.context["form"].fields["deadline_on"].widget.attrs
    assert (attrs["min"], attrs["max"]) == (TODAY.isoformat(), latest)
    assert response.status_code == 400
    message = str(patrols.NEW_DEADLINE_TOO_FAR % {"latest": "2027年3月10日"})
    assert message in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ANSWERED


# --- what the patrol form offers ------------------------------------------------------------------


def _add_compounds(world: World) -> dict[str, object]:
    """A compound no grid of the worker covers, and an archived one their grid covers."""
    outside = factories.CompoundFactory(community=world.community, name="丙小区", code="c")
    archived = factories.CompoundFactory(
        community=world.community, name="旧小区", code="old", is_archived=True
    )
    world.grid.compounds.add(archived)
    return {
        "outside": outside,
        "outside_building": factories.BuildingFactory(compound=outside, code="1号楼"),
        "archived": archived,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # the worker's grid covers 甲 and the courtyard, and 乙 through a sub-grid's building
        ("worker", {"compound_a", "compound_b", "courtyard"}),
        # staff log for any grid of the community
        ("staff", {"compound_a", "compound_b", "courtyard", "outside"}),
    ],
)
def test_the_form_offers_the_compounds_of_the_users_grids(client, world, who, expected):
    # given
    extra = _add_compounds(world)
    named = {**{k: getattr(world, k) for k in ("compound_a", "compound_b", "courtyard")}, **extra}
    client.force_login(getattr(world, who))
    # when
    response = client.get(reverse("campaigns:patrol_create"))
    # then
    problem_form = response.context["formset"].forms[0]
    offered = set(problem_form.fields["compound"].queryset)
    assert offered == {named[name] for name in expected}
    buildings = set(problem_form.fields["building"].queryset)
    assert (extra["outside_building"] in buildings) == (who == "staff")


@pytest.mark.django_db
def test_a_compound_outside_the_grid_is_refused_on_the_page(client, world):
    # given
    extra = _add_compounds(world)
    client.force_login(world.worker)
    data = _patrol_post(
        world,
        first={
            "compound": extra["outside"].pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
        },
    )
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["compound"]
    _nothing_saved()


@pytest.mark.django_db
def test_buildings_are_offered_in_the_order_people_count(world):
    # given: codes that sort differently as text (world.building_a is 甲小区 1号楼)
    for code in ("10号楼", "2号楼", "11号楼"):
        factories.BuildingFactory(compound=world.compound_a, code=code)
    # when
    form = ProblemForm(user=world.worker)
    # then
    labels = [label for value, label in form.fields["building"].choices if value]
    assert labels == [
        "乙小区 2号楼",
        "甲小区 1号楼",
        "甲小区 2号楼",
        "甲小区 10号楼",
        "甲小区 11号楼",
    ]


# --- the menu -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["patrol_list", "patrol_create", "problem_list", "problem_ages", "designation_list"]
)
def test_the_patrol_and_problem_pages_carry_the_whole_campaigns_menu(client, world, name):
    # given
    client.force_login(world.staff)
    operations = client.get(reverse("campaigns:campaign_list")).content.decode()
    # when
    page = client.get(reverse(f"campaigns:{name}")).content.decode()
    # then
    for target in ("campaign_list", "totals", "patrol_list", "problem_list", "meeting_list"):
        link = f'href="{reverse(f"campaigns:{target}")}"'
        assert link in operations
        assert link in page, target
    assert f'href="{reverse("campaigns:disorder_index")}"' in page


# --- one submission, one patrol -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_patrol_form_sent_twice_logs_one_patrol(client, world):
    # given: the form as the page gives it, with its one-time token
    client.force_login(world.worker)
    page = client.get(reverse("campaigns:patrol_create"))
    token = page.content.decode().split('name="once" value="', 1)[1][:32]
    data = _patrol_post(
        world,
        first={
            "compound": world.compound_a.pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
        },
    )
    data["once"] = token
    # when
    first = client.post(reverse("campaigns:patrol_create"), data)
    second = client.post(reverse("campaigns:patrol_create"), data)
    # then
    patrol = Patrol.objects.get()
    assert first.status_code == 302
    assert second.status_code == 302
    assert first["Location"] == second["Location"]
    assert second["Location"] == reverse("campaigns:patrol_detail", args=[patrol.pk])
    assert Problem.objects.count() == 1
    assert Rectification.objects.count() == 1
