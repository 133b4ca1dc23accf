"""Patrol and problem pages: every view for every role, wrong ids, the forms end to end, the age
table's links, and query budgets at two sizes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from campaigns import patrols
from campaigns.models import Patrol, Problem
from tests import factories
from tests.campaigns import test_patrols
from tests.campaigns.test_patrols import World, item, photo
from tongde.pages import FILE_NOT_KEPT
from tongde.uploads import PHOTO_NOT_IMAGE

# The same roles and registry as the service tests.
world = test_patrols.world

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "company_user_b",
    "committee_member",
    "worker",
    "staff",
    "other_staff",
]


def _today() -> dt.date:
    return timezone.localdate()


def _log(world: World, *problems, **kwargs) -> Patrol:
    params = {"grid": world.grid, "patrolled_on": _today(), "route": "东门", "user": world.worker}
    return patrols.patrol_log(problems=list(problems), **{**params, **kwargs})


def _login(client, world: World, who: str) -> None:
    if who == "anonymous":
        return
    user = factories.UserFactory() if who == "resident" else getattr(world, who)
    client.force_login(user)


# (url name, needs the problem's pk, expected status per role in ROLES order)
MATRIX = [
    ("patrol_list", None, [302, 403, 403, 403, 403, 200, 200, 200]),
    ("patrol_detail", "patrol", [302, 403, 403, 403, 403, 200, 200, 404]),
    ("patrol_create", None, [302, 403, 403, 403, 403, 200, 200, 200]),
    ("problem_list", None, [302, 403, 200, 200, 200, 200, 200, 200]),
    ("problem_ages", None, [302, 403, 403, 403, 403, 200, 200, 200]),
    ("problem_detail", "problem", [302, 403, 200, 404, 404, 200, 200, 404]),
    ("problem_answer", "problem", [302, 403, 200, 404, 404, 403, 403, 404]),
    ("problem_close", "problem", [302, 403, 403, 404, 404, 403, 200, 404]),
    ("problem_reopen", "problem", [302, 403, 403, 404, 404, 403, 200, 404]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "arg", "expected"), MATRIX)
@pytest.mark.parametrize("who", ROLES)
def test_every_view_for_every_role(client, world, name, arg, expected, who):
    # given: a problem of company A's compound, with a photo
    patrol = _log(world, item(world.compound_a, photo=photo()))
    problem = patrol.problems.get()
    args = {"patrol": [patrol.pk], "problem": [problem.pk], None: []}[arg]
    _login(client, world, who)
    # when
    response = client.get(reverse(f"campaigns:{name}", args=args))
    # then
    assert response.status_code == expected[ROLES.index(who)]
    if response.status_code == 302:
        assert reverse("login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("company_user_a", 200),
        ("company_user_b", 404),
        ("committee_member", 404),
        ("worker", 200),
        ("staff", 200),
        ("other_staff", 404),
    ],
)
def test_problem_photos_are_served_to_the_problems_readers_only(client, world, who, status):
    # given
    problem = _log(world, item(world.compound_a, photo=photo())).problems.get()
    _login(client, world, who)
    # when
    response = client.get(reverse("campaigns:problem_photo", args=[problem.pk, "found"]))
    # then
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.django_db
def test_the_committee_sees_its_courtyards_problems_but_cannot_act(client, world):
    # given
    problem = _log(world, item(world.courtyard)).problems.get()
    client.force_login(world.committee_member)
    # when
    detail = client.get(reverse("campaigns:problem_detail", args=[problem.pk]))
    listing = client.get(reverse("campaigns:problem_list"))
    close = client.post(reverse("campaigns:problem_close", args=[problem.pk]), {"note": ""})
    # then
    assert detail.status_code == 200
    assert [p.pk for p in listing.context["page"].object_list] == [problem.pk]
    assert close.status_code == 403
    assert detail.context["events"] == []  # who logged it is the community's business
    assert world.worker.username not in detail.content.decode()


@pytest.mark.django_db
def test_a_company_lists_only_its_own_problems(client, world):
    # given
    _log(world, item(world.compound_a), item(world.compound_b), item(world.courtyard))
    client.force_login(world.company_user_b)
    # when
    response = client.get(reverse("campaigns:problem_list"))
    # then
    rows = response.context["page"].object_list
    assert [p.company for p in rows] == [world.company_b]
    assert "grid" not in response.context["filter"].form.fields


# --- logging a patrol through the page ------------------------------------------------------------


def _patrol_post(world: World, **problems: dict) -> dict:
    data = {
        "grid": world.grid.pk,
        "patrolled_on": _today().isoformat(),
        "route": "东门至8号楼",
        "notes": "",
        "problem-TOTAL_FORMS": str(len(problems)),
        "problem-INITIAL_FORMS": "0",
        "problem-MIN_NUM_FORMS": "0",
        "problem-MAX_NUM_FORMS": "1000",
    }
    for index, fields in enumerate(problems.values()):
        for key, value in fields.items():
            data[f"problem-{index}-{key}"] = value
    return data


@pytest.mark.django_db
def test_a_grid_worker_logs_a_patrol_with_photos(client, world):
    # given
    client.force_login(world.worker)
    data = _patrol_post(
        world,
        first={
            "compound": world.compound_a.pk,
            "building": world.building_a.pk,
            "disorder": world.disorder.pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
            "deadline_on": "",
            "photo": photo(),
        },
        second={
            "compound": world.courtyard.pk,
            "description": "乱贴小广告",
            "outcome": "fixed",
            "photo": photo(),
        },
        untouched={"outcome": "rectify"},
    )
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then
    patrol = Patrol.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:patrol_detail", args=[patrol.pk])
    first, second = patrol.problems.order_by("pk")
    assert (first.status, first.company, first.building) == (
        Problem.Status.ASSIGNED,
        world.company_a,
        world.building_a,
    )
    assert first.deadline_on == _today() + dt.timedelta(days=3)
    assert second.status == Problem.Status.FIXED_ON_SPOT
    assert first.photo
    assert second.photo
    detail = client.get(response["Location"])
    assert "楼道堆放纸箱" in detail.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patrolled_on": "2099-01-01"}, patrols.DATE_IN_FUTURE),
        ({"problem-0-photo": "not a photo"}, PHOTO_NOT_IMAGE),
    ],
)
def test_bad_input_on_the_page_saves_nothing(client, world, settings, change, message):
    # given
    client.force_login(world.worker)
    data = _patrol_post(
        world,
        first={
            "compound": world.compound_a.pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
            "photo": photo(),
        },
    )
    if "problem-0-photo" in change:
        data["problem-0-photo"] = photo(b"this is text", name="a.jpg")
    else:
        data.update(change)
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert Patrol.objects.count() == 0
    assert Problem.objects.count() == 0
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []


@pytest.mark.django_db
def test_a_worker_cannot_post_a_patrol_for_another_workers_grid(client, world):
    # given
    client.force_login(world.worker)
    data = _patrol_post(world)
    data["grid"] = world.other_grid.pk
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then: the grid is not among the choices
    assert response.status_code == 400
    assert "grid" in response.context["form"].errors
    assert Patrol.objects.count() == 0


# --- the flow through the pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_answer_close_and_reopen_through_the_pages(client, world):
    # given
    problem = _log(world, item(world.compound_a)).problems.get()
    client.force_login(world.company_user_a)
    # when: the company answers
    response = client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]),
        {"answer": "已清理完毕", "photo": photo()},
    )
    # then
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ANSWERED
    # when: staff send it back
    client.force_login(world.staff)
    deadline = _today() + dt.timedelta(days=2)
    response = client.post(
        reverse("campaigns:problem_reopen", args=[problem.pk]),
        {"deadline_on": deadline.isoformat(), "reason": "仍有杂物"},
    )
    problem.refresh_from_db()
    assert response.status_code == 302
    assert (problem.status, problem.deadline_on) == (Problem.Status.ASSIGNED, deadline)
    # and a close now is refused, saying why
    response = client.post(reverse("campaigns:problem_close", args=[problem.pk]), {"note": ""})
    assert response.status_code == 400
    assert (
        str(patrols.PROBLEM_NOT_CLOSABLE % {"status": Problem.Status.ASSIGNED.label})
        in response.content.decode()
    )
    # when: the company answers again, staff close it
    client.force_login(world.company_user_a)
    client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]),
        {"answer": "再次清理", "photo": photo()},
    )
    client.force_login(world.staff)
    response = client.post(
        reverse("campaigns:problem_close", args=[problem.pk]), {"note": "已核实"}
    )
    # then
    problem.refresh_from_db()
    assert response.status_code == 302
    assert problem.status == Problem.Status.CLOSED
    detail = client.get(reverse("campaigns:problem_detail", args=[problem.pk]))
    assert [e.action for e in detail.context["events"]] == [
        "found",
        "answered",
        "reopened",
        "answered",
        "closed",
    ]
    assert "仍有杂物" in detail.content.decode()


@pytest.mark.django_db
def test_an_answer_without_a_photo_is_refused_on_the_page(client, world):
    # given
    problem = _log(world, item(world.compound_a)).problems.get()
    client.force_login(world.company_user_a)
    # when
    response = client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]), {"answer": "已清理"}
    )
    # then
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ASSIGNED


@pytest.mark.django_db
def test_company_b_posting_to_company_as_problem_gets_404(client, world):
    # given
    problem = _log(world, item(world.compound_a)).problems.get()
    client.force_login(world.company_user_b)
    # when
    response = client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]),
        {"answer": "x", "photo": photo()},
    )
    # then
    assert response.status_code == 404
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ASSIGNED


# --- ages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_age_table_links_to_the_filtered_list(client, world):
    # given: two problems 5 days old, one 40 days old and overdue
    today = _today()
    for _ in range(2):
        _log(world, item(world.compound_a), patrolled_on=today - dt.timedelta(days=5))
    _log(world, item(world.compound_b), patrolled_on=today - dt.timedelta(days=40))
    client.force_login(world.staff)
    # when
    page = client.get(reverse("campaigns:problem_ages"))
    # then
    row = page.context["table"][0]
    counts = [count for count, _url in row["cells"]]
    assert counts == [0, 2, 0, 1, 3]  # 0–3, 4–7, 8–30, >30, overdue
    count, url = row["cells"][1]
    listing = client.get(url)
    assert len(listing.context["page"].object_list) == 2
    overdue = client.get(row["cells"][4][1])
    assert len(overdue.context["page"].object_list) == 3


# --- query budgets --------------------------------------------------------------------------------


def _bulk(world: World, n: int) -> None:
    today = _today()
    found = today - dt.timedelta(days=1)
    patrols_ = Patrol.objects.bulk_create(
        Patrol(grid=world.grid, patrolled_on=found, worker=world.worker, route=f"路线{i}")
        for i in range(n)
    )
    Problem.objects.bulk_create(
        Problem(
            patrol=p,
            compound=world.compound_a,
            building=world.building_a,
            disorder=world.disorder,
            description=f"问题{i}",
            status=Problem.Status.ASSIGNED,
            company=world.company_a,
            found_on=found,
            deadline_on=found,
        )
        for i, p in enumerate(patrols_)
    )


# Queries of each list page for staff:
#   1 session, 2 user, 3 memberships (cached on the user), then
#   patrols:  4 COUNT, 5 rows (grid, worker; problem counts as subqueries), 6 grid choices,
#             7 "may log" grids for the button (a staff member needs none: 6 for a worker)
#   problems: 4 COUNT, 5 rows (patrol's grid, compound, building, disorder, company),
#             6 grid choices, 7 compound choices
BUDGETS = [
    ("patrol_list", "staff", 6),
    ("problem_list", "staff", 7),
    ("problem_list", "company_user_a", 6),
]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 1000])
@pytest.mark.parametrize(("name", "who", "budget"), BUDGETS)
def test_list_pages_run_the_same_queries_for_10_and_1000_rows(
    client, world, django_assert_num_queries, rows, name, who, budget
):
    # given
    _bulk(world, rows)
    client.force_login(getattr(world, who))
    # when
    with django_assert_num_queries(budget):
        response = client.get(reverse(f"campaigns:{name}"))
    # then
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 50)


@pytest.mark.django_db
def test_the_patrol_form_chooses_the_grid_workers_own_grid(client, world):
    client.force_login(world.worker)
    form = client.get(reverse("campaigns:patrol_create")).context["form"]
    assert form["grid"].value() == world.grid.pk
    # Staff may log for any grid of the community: nothing is chosen for them.
    client.force_login(world.staff)
    assert client.get(reverse("campaigns:patrol_create")).context["form"]["grid"].value() is None


@pytest.mark.django_db
def test_a_refused_patrol_says_which_photos_to_choose_again(client, world):
    # given: a problem block with a photo, and the route left empty
    client.force_login(world.worker)
    data = _patrol_post(
        world,
        first={
            "compound": world.compound_a.pk,
            "description": "楼道堆放纸箱",
            "outcome": "rectify",
            "photo": photo(),
        },
        second={"compound": world.compound_a.pk, "description": "乱贴小广告", "outcome": "fixed"},
    )
    data["route"] = ""
    # when
    response = client.post(reverse("campaigns:patrol_create"), data)
    # then: the block that had a photo says it is not kept; the one without says nothing
    assert response.status_code == 400
    first, second = response.context["formset"].forms[:2]
    assert first.errors["photo"] == [str(FILE_NOT_KEPT)]
    assert "photo" not in second.errors
    assert Patrol.objects.count() == 0


@pytest.mark.django_db
def test_each_problem_action_says_what_happened_and_what_comes_next(client, world):
    # given
    problem = _log(world, item(world.compound_a)).problems.get()
    client.force_login(world.company_user_a)
    # when: the company answers, staff send it back, the company answers again, staff close it
    answered = client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]),
        {"answer": "已清理完毕", "photo": photo()},
        follow=True,
    )
    client.force_login(world.staff)
    deadline = _today() + dt.timedelta(days=2)
    reopened = client.post(
        reverse("campaigns:problem_reopen", args=[problem.pk]),
        {"deadline_on": deadline.isoformat(), "reason": "仍有杂物"},
        follow=True,
    )
    client.force_login(world.company_user_a)
    client.post(
        reverse("campaigns:problem_answer", args=[problem.pk]),
        {"answer": "再次清理", "photo": photo()},
        follow=True,  # the page that shows (and so uses up) its message
    )
    client.force_login(world.staff)
    closed = client.post(
        reverse("campaigns:problem_close", args=[problem.pk]), {"note": ""}, follow=True
    )

    # then: each message names the step, not a bare "Saved."
    def said(response) -> list[str]:
        return [str(m) for m in response.context["messages"]]

    # The pages were in Chinese: each message is its msgid's Chinese translation.
    with translation.override("zh-hans"):
        assert said(answered) == [
            gettext("Your answer is sent: the community will check the fix and close the problem.")
        ]
        assert said(reopened) == [
            gettext(
                "The problem is sent back to the company with the new deadline. No other problem "
                "is waiting for your check."
            )
        ]
        assert said(closed) == [
            gettext("The problem is closed. No other problem is waiting for your check.")
        ]
        assert not said(closed)[0].isascii()  # translated, not the English msgid


@pytest.mark.django_db
def test_a_logged_patrol_offers_the_next_patrol_and_the_grids_open_problems(client, world):
    # given
    patrol = _log(world, item(world.compound_a))
    client.force_login(world.worker)
    # when
    page = client.get(reverse("campaigns:patrol_detail", args=[patrol.pk])).content.decode()
    # then
    assert f'href="{reverse("campaigns:patrol_create")}"' in page
    follow_up = f"{reverse('campaigns:problem_list')}?status=unresolved&amp;grid={world.grid.pk}"
    assert follow_up in page
    # and the link lists the problem still to fix
    listing = client.get(
        f"{reverse('campaigns:problem_list')}?status=unresolved&grid={world.grid.pk}"
    )
    assert [p.pk for p in listing.context["page"].object_list] == [patrol.problems.get().pk]


# --- the deadline countdown -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "expected"), [(2, "due in 2 days"), (0, "due today"), (-3, "3 days overdue")]
)
def test_the_list_and_the_problem_count_down_to_the_deadline(client, world, days, expected):
    # given: a problem found three days ago, its deadline moved to today + days
    found = _today() - dt.timedelta(days=3)
    problem = _log(world, item(world.compound_a), patrolled_on=found).problems.get()
    Problem.objects.filter(pk=problem.pk).update(deadline_on=_today() + dt.timedelta(days=days))
    client.force_login(world.staff)

    # when
    with translation.override("en"):
        listing = client.get(reverse("campaigns:problem_list")).content.decode()
        detail = client.get(reverse("campaigns:problem_detail", args=[problem.pk])).content.decode()

    # then
    for page in (listing, detail):
        assert f'data-countdown="{days}">{expected}</span>' in page


@pytest.mark.django_db
def test_no_countdown_once_the_company_has_answered_or_it_was_fixed(client, world):
    # given: an answered problem past its deadline (staff's turn now), and one fixed on the spot
    found = _today() - dt.timedelta(days=10)
    answered = _log(world, item(world.compound_a), patrolled_on=found).problems.get()
    patrols.problem_answer(
        problem=answered, answer="已清理", photo=photo(), user=world.company_user_a
    )
    _log(world, item(world.compound_a, fixed_on_spot=True))
    client.force_login(world.staff)

    # when
    listing = client.get(reverse("campaigns:problem_list")).content.decode()

    # then
    assert len(client.get(reverse("campaigns:problem_list")).context["page"].object_list) == 2
    assert "data-countdown" not in listing


# --- after a check, the next problem --------------------------------------------------------------


def _answered(world: World, description: str) -> Problem:
    problem = _log(world, item(world.compound_a, description=description)).problems.get()
    return patrols.problem_answer(
        problem=problem, answer="已整改", photo=photo(), user=world.company_user_a
    )


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["close", "reopen"])
def test_after_a_check_staff_go_to_the_next_answered_problem(client, world, action):
    # given: three answered problems of the community (the oldest answer first) and an open one
    first = _answered(world, "楼道堆放纸箱")
    second = _answered(world, "飞线充电")
    third = _answered(world, "垃圾桶满溢")
    _log(world, item(world.compound_a, description="声控灯损坏"))
    client.force_login(world.staff)
    data = {
        "close": {"note": ""},
        "reopen": {
            "deadline_on": (_today() + dt.timedelta(days=2)).isoformat(),
            "reason": "未清完",
        },
    }[action]

    # when: staff check the second; then the first, then the third
    steps = []
    for problem in (second, first, third):
        with translation.override("en"):
            response = client.post(
                reverse(f"campaigns:problem_{action}", args=[problem.pk]), data, follow=True
            )
        steps.append(
            (response.redirect_chain[-1][0], [str(m) for m in response.context["messages"]])
        )

    # then: the oldest answer still waiting comes next; after the last, the list of answered ones
    with translation.override("en"):  # the pages were asked for in English: /en/...
        assert steps[0][0] == reverse("campaigns:problem_detail", args=[first.pk])
        assert steps[1][0] == reverse("campaigns:problem_detail", args=[third.pk])
        assert steps[2][0] == reverse("campaigns:problem_list") + "?status=answered"
    assert steps[0][1][0].endswith("Here is the next one waiting for your check.")
    assert steps[2][1][0].endswith("No other problem is waiting for your check.")


@pytest.mark.django_db
def test_the_next_problem_is_never_another_communitys(client, world, other_community):
    # given: an answered problem in another community, which the staff member cannot see
    problem = _answered(world, "楼道堆放纸箱")
    Problem.objects.create(
        patrol=Patrol.objects.create(
            grid=factories.GridFactory(community=other_community),
            patrolled_on=_today(),
            worker=world.other_staff,
            route="外",
        ),
        compound=world.other_compound,
        description="外小区问题",
        status=Problem.Status.ANSWERED,
        company=world.company_b,
        found_on=_today(),
        deadline_on=_today(),
    )
    client.force_login(world.staff)

    # when
    response = client.post(reverse("campaigns:problem_close", args=[problem.pk]), {"note": ""})

    # then
    assert response["Location"] == reverse("campaigns:problem_list") + "?status=answered"


# --- "only mine" ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status", "offered", "expected"),
    [
        ("anonymous", 302, None, None),
        ("resident", 403, None, None),
        # a company or a committee logs no patrols: no filter, the parameter is ignored
        ("company_user_a", 200, False, {"mine", "theirs"}),
        ("committee_member", 200, False, {"courtyard"}),
        # the community's people: the problems found on their own patrols
        ("worker", 200, True, {"mine"}),
        ("other_worker", 200, True, {"theirs", "courtyard"}),
        ("staff", 200, True, set()),
        ("other_staff", 200, True, set()),
    ],
)
def test_only_mine_lists_the_problems_of_ones_own_patrols(
    client, world, who, status, offered, expected
):
    # given: the worker's patrol and the other worker's, in the same community
    _log(world, item(world.compound_a, description="mine"))
    _log(
        world,
        item(world.compound_a, description="theirs"),
        item(world.courtyard, description="courtyard"),
        grid=world.other_grid,
        user=world.other_worker,
    )
    if who == "other_worker":
        client.force_login(world.other_worker)
    else:
        _login(client, world, who)

    # when
    response = client.get(reverse("campaigns:problem_list"), {"mine": "on"})

    # then
    assert response.status_code == status
    if status != 200:
        return
    assert ("mine" in response.context["filter"].form.fields) is offered
    listed = {p.description for p in response.context["page"].object_list}
    assert listed == expected


@pytest.mark.django_db
def test_a_photo_missing_from_storage_is_not_found_not_a_server_error(client, world):
    # given a problem whose photo file is gone (a database restored without its media folder)
    problem = _log(world, item(world.compound_a, photo=photo())).problems.get()
    problem.photo.storage.delete(problem.photo.name)
    _login(client, world, "staff")
    # when
    response = client.get(reverse("campaigns:problem_photo", args=[problem.pk, "found"]))
    # then
    assert response.status_code == 404
