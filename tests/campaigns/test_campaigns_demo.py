"""The campaigns' part of ``load_demo``: the seed's 2020 figures in the community document, exact,
from the rows; a second run changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import translation

from campaigns import demo_patrols
from campaigns.demo import OPERATIONS, PERSON_TIMES, TONNES, TRUCKLOADS, apportion, operation_plan
from campaigns.models import (
    Campaign,
    Designation,
    Meeting,
    Patrol,
    Problem,
    ProblemEvent,
    RegulationVersion,
)
from campaigns.selectors_patrols import OVERDUE_STATUSES
from compounds.models import Compound
from scorecards.models import Rectification

SEED_2020 = {
    "campaigns": {"operations": 59, "person_times": 1585, "truckloads": 66, "tonnes": "158.00"},
    "meetings": {"promotion": 6, "training": 3, "joint": 4, "study_visit": 2},
    "regulations_revised": 14,
    "designations": {
        "premium": {"count": 5, "eligible": 5, "rate": "1.0000", "target": "0.8000"},
        "model_courtyard": {"count": 5, "eligible": 16, "rate": "0.3125", "target": "0.3000"},
    },
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
def demo(demo_output, db, settings):
    settings.OPENDATA_CACHE_SECONDS = 0  # each request computes the document from the rows
    return demo_output


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("campaigns").get_models()
    }


def test_the_community_document_for_2020_has_the_seeds_figures(demo, client):
    # when
    response = client.get("/api/v1/communities/tongde-lane/?period=2020")

    # then
    assert response.status_code == 200
    doc = response.json()
    assert doc["period"] == "2020"
    assert {key: doc[key] for key in SEED_2020} == SEED_2020


def test_without_a_period_designations_are_the_latest_years(demo, client):
    # when
    doc = client.get("/api/v1/communities/tongde-lane/").json()

    # then: 2020 is the latest year with designations; the counts are all-time (only 2020 here)
    assert doc["designations"] == SEED_2020["designations"]
    assert doc["regulations_revised"] == 14


def test_another_year_has_its_own_figures(demo, client):
    # when
    doc = client.get("/api/v1/communities/tongde-lane/?period=2019").json()

    # then: the two premium compounds created in 2019, no model courtyard yet, default targets
    assert doc["campaigns"]["operations"] == 0
    assert doc["meetings"] == {"promotion": 0, "training": 0, "joint": 0, "study_visit": 0}
    assert doc["regulations_revised"] == 0
    assert doc["designations"]["premium"] == {
        "count": 2,
        "eligible": 5,
        "rate": "0.4000",
        "target": "0.8000",
    }
    assert doc["designations"]["model_courtyard"]["count"] == 0


def test_a_second_run_changes_nothing(demo, client):
    # given
    before = _row_counts()
    first = client.get("/api/v1/communities/tongde-lane/?period=2020").json()
    out = io.StringIO()

    # when
    with translation.override("en"):
        call_command("load_demo", stdout=out)

    # then
    assert _row_counts() == before
    assert client.get("/api/v1/communities/tongde-lane/?period=2020").json() == first
    assert "Campaigns: complete already, nothing was created." in out.getvalue()


def test_the_operations_follow_the_seed(demo):
    # when
    ops = Campaign.objects.filter(community__slug="tongde-lane", held_on__year=2020)
    covered = set(ops.values_list("compounds__code", flat=True))
    by_kind = dict(ops.values_list("kind").annotate(n=Count("pk")))
    participation = ops.aggregate(n=Sum("participations__persons"))["n"]

    # then: since March, to mid-August, over all 21 compounds and courtyards
    assert ops.count() == 59
    assert min(ops.values_list("held_on", flat=True)).month == 3
    assert max(ops.values_list("held_on", flat=True)).isoformat() <= "2020-08-17"
    assert covered == set(Compound.objects.values_list("code", flat=True))
    assert len(covered) == 21
    assert by_kind["friday"] == 24
    assert all(
        d.weekday() == 4 for d in ops.filter(kind="friday").values_list("held_on", flat=True)
    )
    # person-times are the participation rows, exactly
    assert participation == 1585
    # one unweighed lorry is flagged, deliberately; nothing else is
    assert list(ops.filter(is_flagged=True).values_list("truckloads", "tonnes")) == [
        (1, Decimal("0.00"))
    ]


def test_meetings_regulations_and_designations_follow_the_seed(demo):
    # when
    meetings = Meeting.objects.filter(held_on__year=2020)
    revised = RegulationVersion.objects.filter(number=2, adopted_on__year=2020)
    designated = Designation.objects.filter(year=2020)

    # then
    assert dict(meetings.values_list("kind").annotate(n=Count("pk"))) == {
        "promotion": 6,
        "training": 3,
        "joint": 4,
        "study_visit": 2,
    }
    assert not meetings.filter(attendance__isnull=True).exists()
    titles = set(revised.values_list("regulation__title", flat=True))
    assert len(titles) == 14
    assert {"物业管理合同", "小区居民公约", "居民议事制度"} <= titles
    assert not revised.filter(opinions__isnull=True).exists()
    assert set(designated.filter(status="kept").values_list("compound__name", flat=True)) == {
        "金鑫小区",
        "常青茗庭小区",
    }
    assert set(designated.filter(status="created").values_list("compound__name", flat=True)) == {
        "康盛花园",
        "帝豪花园",
        "金水湾",
        "同德巷小区",
        "西环北路楼院8号",
        "西环北路楼院14号",
        "西环北路楼院16号",
        "西环北路楼院30号",
    }
    assert designated.get(compound__name="西环北路楼院8号").theme == "德治"


def test_the_plan_adds_up_to_the_seed_exactly():
    # when
    plan = operation_plan()

    # then
    assert len(plan) == OPERATIONS
    assert sum(p.persons for p in plan) == PERSON_TIMES
    assert sum(p.truckloads for p in plan) == TRUCKLOADS
    assert sum(p.tonnes for p in plan) == TONNES
    assert all(p.persons > 0 and p.tonnes >= 0 for p in plan)
    assert plan == operation_plan()  # the same every run


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [
        (10, [1, 1], 0, [5, 5]),
        (10, [1, 1, 1], 0, [4, 3, 3]),  # the tie goes to the first
        (10, [0, 1, 3], 0, [0, 3, 7]),  # 2.5 and 7.5: the first largest remainder wins
        (10, [1, 9], 3, [3, 7]),  # the minimum first, then the rest by weight
        (0, [0, 0], 0, [0, 0]),
    ],
)
def test_apportion_adds_up_and_splits_by_weight(total, weights, minimum, expected):
    # when
    parts = apportion(total, weights, minimum=minimum)

    # then
    assert parts == expected
    assert sum(parts) == total


def test_apportion_refuses_what_cannot_add_up():
    with pytest.raises(ValueError, match="minimum"):
        apportion(3, [1, 1], minimum=2)
    with pytest.raises(ValueError, match="nothing to share"):
        apportion(3, [0, 0])


# --- patrols and problems -------------------------------------------------------------------------


def test_the_demo_has_patrols_across_the_grids_and_problems_in_every_state(demo):
    # given
    today = demo_patrols.STORY_TODAY
    patrols = Patrol.objects.filter(grid__community__slug="tongde-lane")
    problems = Problem.objects.filter(compound__community__slug="tongde-lane")

    # when
    days = patrols.aggregate(first=Min("patrolled_on"), last=Max("patrolled_on"))
    statuses = set(problems.values_list("status", flat=True))
    overdue = problems.filter(status__in=OVERDUE_STATUSES, deadline_on__lt=today)

    # then: the last thirteen weeks, by every level-3 and level-4 grid's own worker
    assert days["last"] == today
    assert (today - days["first"]).days < 7 * demo_patrols.WEEKS
    assert patrols.values("grid").distinct().count() == 3 + 9
    assert not patrols.exclude(worker=F("grid__worker")).exists()
    assert patrols.filter(worker__username="grid").exists()  # the demo grid worker's own
    assert problems.values("compound").distinct().count() >= 15
    # every state, and past-deadline problems of both a company and a committee
    assert statuses == set(Problem.Status.values)
    assert {"managed", "courtyard"} == set(overdue.values_list("compound__kind", flat=True))
    assert problems.filter(events__action="reopened", status="assigned").exists()
    assert problems.filter(status="answered", answered_at__date__lte=today).exists()
    # problems still waiting for their company, not yet due
    assert problems.filter(status="assigned", deadline_on__gte=today).exists()


def test_the_demo_problems_hold_together(demo):
    # given
    problems = Problem.objects.filter(compound__community__slug="tongde-lane")

    # then: the story's own days, never the clock's
    assert not problems.filter(found_on__gt=demo_patrols.STORY_TODAY).exists()
    assert not problems.filter(closed_on__gt=demo_patrols.STORY_TODAY).exists()
    assert not ProblemEvent.objects.filter(at__date__gt=demo_patrols.STORY_TODAY).exists()
    # a building's problem names its own compound's building; descriptions are Chinese text
    assert (
        not problems.filter(building__isnull=False)
        .exclude(building__compound=F("compound"))
        .exists()
    )
    assert all("{" not in d for d in problems.values_list("description", flat=True))
    # each problem's history starts with being found, by the patrol's worker
    first = problems.annotate(n=Count("events")).filter(n=0)
    assert not first.exists()
    assert (
        not ProblemEvent.objects.filter(action="found")
        .exclude(by=F("problem__patrol__worker"))
        .exists()
    )
    # a company's problem is a rectification item in its inbox, in the same state
    companies = problems.filter(company__isnull=False)
    assert Rectification.objects.filter(problem__in=companies).count() == companies.count()
    states = {
        "assigned": {"open", "reopened"},
        "answered": {"answered"},
        "closed": {"closed"},
    }
    for status, rect_status in companies.values_list("status", "rectification__status"):
        assert rect_status in states[status]
    # a company's problems before October were fixed on the spot: the lists published for
    # January to September by the scorecards' demo do not move
    assert not companies.filter(found_on__lt=demo_patrols.RECTIFY_MANAGED_FROM).exists()


def test_the_patrol_plan_is_the_same_every_run():
    assert demo_patrols.plan() == demo_patrols.plan()


def test_the_patrols_day_is_the_scorecards_story_day():
    from scorecards.demo import STORY_TODAY

    assert demo_patrols.STORY_TODAY == STORY_TODAY


def test_a_second_run_adds_no_patrol(demo):
    # given
    before = (Patrol.objects.count(), Problem.objects.count(), ProblemEvent.objects.count())
    rectifications = Rectification.objects.count()
    out = io.StringIO()

    # when
    with translation.override("en"):
        call_command("load_demo", stdout=out)

    # then
    assert (Patrol.objects.count(), Problem.objects.count(), ProblemEvent.objects.count()) == before
    assert Rectification.objects.count() == rectifications
    assert "Patrols: created" not in out.getvalue()
