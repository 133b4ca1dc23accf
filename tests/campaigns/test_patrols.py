"""Patrols and the problem ledger: logging (all or nothing), the rectification flow, ages by grid,
and the per-grid rollups."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns import patrols, rollups_patrols  # noqa: F401 -- registers the statistics
from campaigns.models import Disorder, Patrol, Problem, ProblemEvent
from campaigns.selectors_patrols import (
    grid_compounds,
    loggable_grids,
    problem_ages,
    problem_list,
)
from compounds.models import Compound
from tests import factories
from tongde.models import Rollup
from tongde.periods import Period, PeriodKind
from tongde.rollups import STATS, fill_period
from tongde.uploads import PHOTO_NOT_IMAGE

TODAY = dt.date(2020, 8, 17)


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "JPEG")
    return out.getvalue()


def photo(data: bytes | None = None, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type="image/jpeg")


@dataclass
class World:
    community: Any
    compound_a: Compound
    compound_b: Compound
    courtyard: Compound
    grid: Any
    other_grid: Any
    disorder: Disorder
    building_a: Any
    building_b: Any
    staff: Any
    worker: Any
    other_worker: Any
    company_user_a: Any
    company_user_b: Any
    company_a: Any
    company_b: Any
    committee_member: Any
    other_staff: Any
    other_compound: Compound


@pytest.fixture
def world(
    community,
    other_community,
    compound_a,
    compound_b,
    company_a,
    company_b,
    staff,
    grid_worker,
    company_user_a,
    company_user_b,
) -> World:
    courtyard = factories.CompoundFactory(
        community=community, name="同德巷小区", code="tdx", kind=Compound.Kind.COURTYARD
    )
    grid = factories.GridFactory(community=community, name="一网格", worker=grid_worker)
    grid.compounds.add(compound_a, courtyard)
    # compound_b is covered through a sub-grid's building: still the level-3 grid's area.
    building_b = factories.BuildingFactory(compound=compound_b, code="2号楼")
    sub = factories.GridFactory(community=community, name="子网格", level=4, parent=grid)
    sub.buildings.add(building_b)
    other_worker = factories.membership_user("grid_worker", community=community)
    other_grid = factories.GridFactory(community=community, name="二网格", worker=other_worker)
    other_compound = factories.CompoundFactory(community=other_community, name="外小区")
    return World(
        community=community,
        compound_a=compound_a,
        compound_b=compound_b,
        courtyard=courtyard,
        grid=grid,
        other_grid=other_grid,
        disorder=Disorder.objects.create(community=community, code="stack", name="乱堆乱放"),
        building_a=factories.BuildingFactory(compound=compound_a, code="1号楼"),
        building_b=building_b,
        staff=staff,
        worker=grid_worker,
        other_worker=other_worker,
        company_user_a=company_user_a,
        company_user_b=company_user_b,
        company_a=company_a,
        company_b=company_b,
        committee_member=factories.membership_user("committee", compound=courtyard),
        other_staff=factories.membership_user("staff", community=other_community),
        other_compound=other_compound,
    )


def log(world: World, *problems: patrols.ProblemInput, **kwargs: Any) -> Patrol:
    params = {
        "grid": world.grid,
        "patrolled_on": TODAY,
        "route": "东门至8号楼",
        "user": world.worker,
        "today": TODAY,
        **kwargs,
    }
    return patrols.patrol_log(problems=list(problems), **params)


def item(compound: Compound, **kwargs: Any) -> patrols.ProblemInput:
    return patrols.ProblemInput(
        compound=compound,
        description=kwargs.pop("description", "楼道堆放杂物"),
        fixed_on_spot=kwargs.pop("fixed_on_spot", False),
        **kwargs,
    )


def assigned_problem(world: World) -> Problem:
    return log(world, item(world.compound_a)).problems.get()


def answered_problem(world: World) -> Problem:
    problem = assigned_problem(world)
    return patrols.problem_answer(
        problem=problem, answer="已清理", photo=photo(), user=world.company_user_a
    )


# --- logging --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_problem_fixed_on_the_spot_is_closed_the_day_it_was_found(world):
    # when
    patrol = log(world, item(world.compound_a, fixed_on_spot=True, deadline_on=TODAY))
    # then
    problem = patrol.problems.get()
    assert problem.status == Problem.Status.FIXED_ON_SPOT
    assert problem.closed_on == TODAY
    assert problem.company is None
    assert problem.deadline_on is None
    assert patrol.worker == world.worker


@pytest.mark.django_db
def test_a_rectification_goes_to_the_company_serving_the_compound_with_a_default_deadline(world):
    # when
    patrol = log(
        world,
        item(world.compound_a, building=world.building_a, disorder=world.disorder),
        item(world.compound_b, deadline_on=TODAY + dt.timedelta(days=10)),
    )
    # then
    first, second = patrol.problems.order_by("pk")
    assert (first.status, first.company, first.deadline_on) == (
        Problem.Status.ASSIGNED,
        world.company_a,
        TODAY + dt.timedelta(days=3),
    )
    assert (second.company, second.deadline_on) == (world.company_b, TODAY + dt.timedelta(days=10))
    assert first.events.get().action == ProblemEvent.Action.FOUND


@pytest.mark.django_db
def test_the_company_is_the_one_under_contract_today(world, company_b):
    # given: compound_a changed company
    contract = world.compound_a.contracts.get()
    contract.ends_on = dt.date(2020, 6, 30)
    contract.save()
    factories.ServiceContractFactory(
        compound=world.compound_a, company=company_b, starts_on=dt.date(2020, 7, 1)
    )
    # when
    problem = assigned_problem(world)
    # then
    assert problem.company == company_b


@pytest.mark.django_db
def test_a_courtyard_problem_stays_open_for_the_committee(world):
    # when
    problem = log(world, item(world.courtyard)).problems.get()
    # then
    assert (problem.status, problem.company) == (Problem.Status.OPEN, None)
    assert problem.deadline_on == TODAY + dt.timedelta(days=3)


@pytest.mark.django_db
def test_a_patrol_with_no_problem_is_logged(world):
    # when
    patrol = log(world)
    # then
    assert patrol.problems.count() == 0
    assert patrol.route == "东门至8号楼"


@pytest.mark.django_db
def test_the_photo_is_stored_under_a_random_name(world):
    # when
    problem = log(world, item(world.compound_a, photo=photo(name="张三家门口.jpg"))).problems.get()
    # then
    assert problem.photo.name.endswith(".jpg")
    assert "张三" not in problem.photo.name
    assert problem.photo.size > 0


def _bad_inputs(world: World) -> list[tuple[str, dict, list, str, str]]:
    """(case, patrol kwargs, problems, error key, message)."""
    return [
        (
            "future date",
            {"patrolled_on": TODAY + dt.timedelta(days=1)},
            [],
            "patrolled_on",
            str(patrols.DATE_IN_FUTURE),
        ),
        ("empty route", {"route": "  "}, [], "route", str(patrols.ROUTE_REQUIRED)),
        (
            "compound of another community",
            {},
            [item(world.other_compound)],
            "problem.0.compound",
            str(patrols.COMPOUND_OUTSIDE_GRID % {"compound": world.other_compound.name}),
        ),
        (
            "building of another compound",
            {},
            [item(world.compound_a), item(world.compound_a, building=world.building_b)],
            "problem.1.building",
            str(
                patrols.BUILDING_OTHER_COMPOUND
                % {"building": world.building_b.code, "compound": world.compound_a}
            ),
        ),
        (
            "disorder of another community",
            {},
            [
                item(
                    world.compound_a,
                    disorder=Disorder.objects.create(
                        community=world.other_compound.community, code="x", name="外"
                    ),
                )
            ],
            "problem.0.disorder",
            str(patrols.DISORDER_OTHER_COMMUNITY),
        ),
        (
            "empty description",
            {},
            [item(world.compound_a, description=" ")],
            "problem.0.description",
            str(patrols.DESCRIPTION_REQUIRED),
        ),
        (
            "deadline before found",
            {},
            [item(world.compound_a, deadline_on=TODAY - dt.timedelta(days=1))],
            "problem.0.deadline_on",
            str(patrols.DEADLINE_BEFORE_FOUND),
        ),
        (
            "not an image",
            {},
            [item(world.compound_a, photo=photo(b"%PDF-1.4 not a photo", name="x.jpg"))],
            "problem.0.photo",
            str(PHOTO_NOT_IMAGE),
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("case", range(8))
def test_bad_input_is_refused_and_nothing_is_saved(world, settings, case):
    # given: a good problem with a photo next to the bad value, to prove nothing half-saves
    name, kwargs, problems, key, message = _bad_inputs(world)[case]
    good = item(world.compound_a, photo=photo())
    # when
    with pytest.raises(ValidationError) as caught:
        log(world, *problems, good, **kwargs)
    # then
    assert caught.value.message_dict[key] == [message], name
    assert Patrol.objects.count() == 0
    assert Problem.objects.count() == 0
    assert ProblemEvent.objects.count() == 0
    written = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert written == []


@pytest.mark.django_db
def test_an_oversized_photo_is_refused(world, settings):
    # given
    settings.PHOTO_MAX_BYTES = 100
    # when
    with pytest.raises(ValidationError) as caught:
        log(world, item(world.compound_a, photo=photo()))
    # then
    assert "problem.0.photo" in caught.value.message_dict
    assert Patrol.objects.count() == 0


@pytest.mark.django_db
def test_every_bad_value_is_reported_at_once(world):
    # when
    with pytest.raises(ValidationError) as caught:
        log(
            world,
            item(world.other_compound),
            item(world.compound_a, description=""),
            patrolled_on=TODAY + dt.timedelta(days=2),
        )
    # then
    assert set(caught.value.message_dict) == {
        "patrolled_on",
        "problem.0.compound",
        "problem.1.description",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "grid", "allowed"),
    [
        ("worker", "grid", True),
        ("worker", "other_grid", False),
        ("other_worker", "other_grid", True),
        ("staff", "grid", True),
        ("staff", "other_grid", True),
        ("other_staff", "grid", False),
        ("company_user_a", "grid", False),
        ("committee_member", "grid", False),
    ],
)
def test_who_may_log_a_patrol_for_which_grid(world, who, grid, allowed):
    # given
    user, grid = getattr(world, who), getattr(world, grid)
    # when
    may = loggable_grids(user=user).filter(pk=grid.pk).exists()
    # then
    assert may is allowed
    if not allowed:
        with pytest.raises(ValidationError) as caught:
            log(world, grid=grid, user=user)
        assert caught.value.messages == [str(patrols.PATROL_NOT_YOUR_GRID)]
    else:
        assert log(world, grid=grid, user=user).worker == user


@pytest.mark.django_db
def test_a_grid_covers_its_sub_grids_and_a_grid_without_coverage_the_whole_community(world):
    # when
    covered = set(grid_compounds(world.grid))
    uncovered = set(grid_compounds(world.other_grid))
    # then
    assert covered == {world.compound_a, world.compound_b, world.courtyard}
    assert uncovered == {world.compound_a, world.compound_b, world.courtyard}
    world.compound_b.is_archived = True
    world.compound_b.save()
    assert world.compound_b not in set(grid_compounds(world.grid))


@pytest.mark.django_db
def test_a_compound_outside_a_covering_grid_is_refused(world):
    # given: another compound of the community that the grid does not cover
    stray = factories.CompoundFactory(community=world.community, name="外围小区")
    # when
    with pytest.raises(ValidationError) as caught:
        log(world, item(stray))
    # then
    assert "problem.0.compound" in caught.value.message_dict


# --- the rectification flow -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_company_answers_with_text_and_photo(world):
    # when
    problem = answered_problem(world)
    # then
    assert problem.status == Problem.Status.ANSWERED
    assert problem.company_answer == "已清理"
    assert problem.answer_photo
    assert problem.answered_at is not None
    assert [e.action for e in problem.events.all()] == ["found", "answered"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "with_photo", "key", "message"),
    [
        ("", True, "answer", patrols.ANSWER_REQUIRED),
        ("已清理", False, "photo", patrols.ANSWER_PHOTO_REQUIRED),
    ],
)
def test_an_answer_needs_text_and_a_photo(world, answer, with_photo, key, message):
    # given
    problem = assigned_problem(world)
    # when
    with pytest.raises(ValidationError) as caught:
        patrols.problem_answer(
            problem=problem,
            answer=answer,
            photo=photo() if with_photo else None,
            user=world.company_user_a,
        )
    # then
    assert caught.value.message_dict[key] == [str(message)]
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ASSIGNED


@pytest.mark.django_db
def test_another_company_cannot_answer(world):
    # given
    problem = assigned_problem(world)
    # when
    with pytest.raises(ValidationError) as caught:
        patrols.problem_answer(
            problem=problem, answer="x", photo=photo(), user=world.company_user_b
        )
    # then
    assert caught.value.messages == [str(patrols.PROBLEM_NOT_YOURS)]
    assert problem in problem_list(user=world.company_user_a)
    assert problem not in problem_list(user=world.company_user_b)


@pytest.mark.django_db
def test_an_answered_problem_cannot_be_answered_again(world):
    # given
    problem = answered_problem(world)
    # when
    with pytest.raises(ValidationError) as caught:
        patrols.problem_answer(
            problem=problem, answer="again", photo=photo(), user=world.company_user_a
        )
    # then
    assert caught.value.messages == [
        str(patrols.PROBLEM_NOT_ASSIGNED % {"status": Problem.Status.ANSWERED.label})
    ]
    problem.refresh_from_db()
    assert problem.company_answer == "已清理"


@pytest.mark.django_db
def test_staff_verify_and_close(world):
    # given
    problem = answered_problem(world)
    # when
    problem = patrols.problem_close(problem=problem, user=world.staff, today=TODAY)
    # then
    assert (problem.status, problem.closed_on) == (Problem.Status.CLOSED, TODAY)


@pytest.mark.django_db
def test_staff_close_an_open_courtyard_problem(world):
    # given
    problem = log(world, item(world.courtyard)).problems.get()
    # when
    problem = patrols.problem_close(
        problem=problem, user=world.staff, note="自管委已清理", today=TODAY
    )
    # then
    assert problem.status == Problem.Status.CLOSED
    assert problem.events.last().note == "自管委已清理"


@pytest.mark.django_db
def test_staff_reopen_with_a_reason_and_a_new_deadline(world):
    # given
    problem = answered_problem(world)
    new_deadline = TODAY + dt.timedelta(days=5)
    # when
    problem = patrols.problem_reopen(
        problem=problem, deadline_on=new_deadline, reason="仍有杂物", user=world.staff, today=TODAY
    )
    # then
    assert (problem.status, problem.deadline_on) == (Problem.Status.ASSIGNED, new_deadline)
    event = problem.events.last()
    assert (event.action, event.note, event.deadline_on, event.by) == (
        ProblemEvent.Action.REOPENED,
        "仍有杂物",
        new_deadline,
        world.staff,
    )
    # and the company can answer again
    patrols.problem_answer(
        problem=problem, answer="再次清理", photo=photo(), user=world.company_user_a
    )
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ANSWERED
    assert [e.action for e in problem.events.all()] == [
        "found",
        "answered",
        "reopened",
        "answered",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deadline_days", "reason", "key", "message"),
    [
        (-1, "仍有杂物", "deadline_on", patrols.DEADLINE_IN_PAST),
        (3, " ", "reason", patrols.REASON_REQUIRED),
    ],
)
def test_a_reopening_needs_a_reason_and_a_deadline_not_in_the_past(
    world, deadline_days, reason, key, message
):
    # given
    problem = answered_problem(world)
    # when
    with pytest.raises(ValidationError) as caught:
        patrols.problem_reopen(
            problem=problem,
            deadline_on=TODAY + dt.timedelta(days=deadline_days),
            reason=reason,
            user=world.staff,
            today=TODAY,
        )
    # then
    assert caught.value.message_dict[key] == [str(message)]
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ANSWERED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "close_ok", "reopen_ok"),
    [
        (Problem.Status.FIXED_ON_SPOT, False, False),
        (Problem.Status.OPEN, True, False),
        (Problem.Status.ASSIGNED, False, False),
        (Problem.Status.ANSWERED, True, True),
        (Problem.Status.CLOSED, False, False),
    ],
)
def test_refused_transitions_say_why(world, status, close_ok, reopen_ok):
    # given
    problem = assigned_problem(world)
    Problem.objects.filter(pk=problem.pk).update(status=status)
    label = Problem.Status(status).label
    # when / then
    for service, ok, message, kwargs in (
        (patrols.problem_close, close_ok, patrols.PROBLEM_NOT_CLOSABLE, {}),
        (
            patrols.problem_reopen,
            reopen_ok,
            patrols.PROBLEM_NOT_REOPENABLE,
            {"deadline_on": TODAY + dt.timedelta(days=3), "reason": "r"},
        ),
    ):
        if ok:
            continue
        with pytest.raises(ValidationError) as caught:
            service(problem=problem, user=world.staff, today=TODAY, **kwargs)
        assert caught.value.messages == [str(message % {"status": label})]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["worker", "company_user_a", "other_staff", "committee_member"])
def test_only_community_staff_close_or_reopen(world, who):
    # given
    problem = answered_problem(world)
    # when
    with pytest.raises(ValidationError) as caught:
        patrols.problem_close(problem=problem, user=getattr(world, who), today=TODAY)
    # then
    assert caught.value.messages == [str(patrols.NOT_STAFF)]


# --- visibility and ages --------------------------------------------------------------------------


@pytest.mark.django_db
def test_who_sees_which_problem(world):
    # given
    patrol = log(world, item(world.compound_a), item(world.compound_b), item(world.courtyard))
    a, b, c = patrol.problems.order_by("pk")
    # then
    assert set(problem_list(user=world.staff)) == {a, b, c}
    assert set(problem_list(user=world.worker)) == {a, b, c}
    assert set(problem_list(user=world.company_user_a)) == {a}
    assert set(problem_list(user=world.company_user_b)) == {b}
    assert set(problem_list(user=world.committee_member)) == {c}
    assert set(problem_list(user=world.other_staff)) == set()
    assert set(problem_list(user=factories.UserFactory())) == set()


def _found(world: World, days_ago: int, *, deadline_days: int = 3, status: str | None = None):
    found_on = TODAY - dt.timedelta(days=days_ago)
    problem = log(
        world,
        item(world.compound_a, deadline_on=found_on + dt.timedelta(days=deadline_days)),
        patrolled_on=found_on,
    ).problems.get()
    if status is not None:
        Problem.objects.filter(pk=problem.pk).update(status=status)
    return problem


@pytest.mark.django_db
def test_open_problems_by_grid_and_age_with_bucket_boundaries(world):
    # given: ages at each bucket boundary, one resolved problem that does not count
    for days in (0, 3, 4, 7, 8, 30, 31, 90):
        _found(world, days, deadline_days=100)
    _found(world, 5, status=Problem.Status.CLOSED)
    _found(world, 5, status=Problem.Status.FIXED_ON_SPOT)
    _found(world, 10, deadline_days=5)  # overdue: deadline 5 days ago, still assigned
    _found(world, 10, deadline_days=5, status=Problem.Status.ANSWERED)  # answered: not overdue
    _found(world, 1, deadline_days=1)  # deadline today: not overdue yet
    # when
    rows = problem_ages(user=world.staff, today=TODAY)
    # then
    assert len(rows) == 1
    row = rows[0]
    assert row.grid_name == world.grid.name
    assert row.counts == {"0-3": 3, "4-7": 2, "8-30": 4, "31+": 2, "overdue": 1}
    assert row.total == 11
    assert problem_ages(user=world.company_user_a, today=TODAY)[0].total == 11
    assert problem_ages(user=world.other_staff, today=TODAY) == []


# --- rollups --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR])
def test_rollups_per_grid_equal_the_rows_and_rerun_in_place(world, kind):
    # given: two patrols in August, one in July; problems fixed and not
    log(world, item(world.compound_a, fixed_on_spot=True), item(world.compound_b))
    log(world, item(world.courtyard, fixed_on_spot=True), patrolled_on=TODAY - dt.timedelta(days=1))
    log(world, item(world.compound_a), patrolled_on=dt.date(2020, 7, 1))
    log(world, grid=world.other_grid, user=world.other_worker)
    period = Period(
        kind,
        {
            PeriodKind.WEEK: dt.date(2020, 8, 17),
            PeriodKind.MONTH: dt.date(2020, 8, 1),
            PeriodKind.YEAR: dt.date(2020, 1, 1),
        }[kind],
    )
    in_period = Patrol.objects.filter(patrolled_on__gte=period.start, patrolled_on__lt=period.end)
    problems = Problem.objects.filter(patrol__in=in_period, patrol__grid=world.grid)
    expected = {
        "campaigns.patrols": in_period.filter(grid=world.grid).count(),
        "campaigns.problems_found": problems.count(),
        "campaigns.problems_fixed_on_spot": problems.filter(status="fixed_on_spot").count(),
    }
    # when
    for name in expected:
        fill_period(STATS[name], period)
        fill_period(STATS[name], period)
    # then
    values = {
        r.stat: r.value
        for r in Rollup.objects.filter(
            period_kind=kind,
            period_start=period.start,
            subject_kind="grid",
            subject_id=world.grid.pk,
        )
    }
    assert values == expected
    other = Rollup.objects.get(
        stat="campaigns.patrols", period_kind=kind, subject_id=world.other_grid.pk
    )
    assert other.value == 1
