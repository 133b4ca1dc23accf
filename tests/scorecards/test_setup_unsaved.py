"""A year with no rubric or settings yet: the pages show the defaults unsaved and write nothing;
the first save creates them (version 1 of the rubric, with the edit applied); what needs a
rubric to compute (recording an inspection, logging a complaint) still makes it, on the POST."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from scorecards import agreements, rules, setup
from scorecards.models import (
    DeductionItem,
    Finding,
    Inspection,
    Rubric,
    RubricCriterion,
    ScoringSettings,
    VetoItem,
)
from scorecards.setup import DEFAULT_DEDUCTION_ITEMS, rubric_for, settings_for
from tests import factories
from tests.scorecards.test_agreements_views import expected, login

pytestmark = pytest.mark.django_db

YEAR = 2027  # next year: nobody has decided its rubric or settings
TODAY = dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC)
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
MODELS = (Rubric, RubricCriterion, DeductionItem, VetoItem, ScoringSettings)


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


def rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _default_post(community, **changes) -> dict:
    """The editor's form of the unsaved default, as a browser sends it untouched."""
    draft = setup.default_rubric(community, YEAR)
    data = {"c-TOTAL_FORMS": len(draft.criteria), "c-INITIAL_FORMS": len(draft.criteria)}
    items = [(c.code, d) for c in draft.criteria for d in c.items]
    for i, c in enumerate(draft.criteria):
        data.update(
            {
                f"c-{i}-code": c.code,
                f"c-{i}-name": c.name,
                f"c-{i}-name_zh": c.name_zh,
                f"c-{i}-max_points": str(c.max_points),
            }
        )
    data.update({"d-TOTAL_FORMS": len(items), "d-INITIAL_FORMS": len(items)})
    for i, (code, d) in enumerate(items):
        data.update(
            {
                f"d-{i}-criterion": code,
                f"d-{i}-code": d.code,
                f"d-{i}-name": d.name,
                f"d-{i}-name_zh": d.name_zh,
                f"d-{i}-points": str(d.points),
            }
        )
    data.update({"v-TOTAL_FORMS": len(draft.vetoes), "v-INITIAL_FORMS": len(draft.vetoes)})
    for i, v in enumerate(draft.vetoes):
        data.update({f"v-{i}-code": v.code, f"v-{i}-name": v.name, f"v-{i}-name_zh": v.name_zh})
    data.update(changes)
    return data


# --- the unsaved default ---------------------------------------------------------------------


def test_the_default_rubric_unsaved_is_what_rubric_for_saves(community):
    # given the unsaved default and the rubric made on first use
    draft = setup.default_rubric(community, YEAR)
    saved = rubric_for(community, YEAR)

    # then they hold the same rows, in the same order
    assert (draft.rubric.pk, draft.rubric.version) == (None, 1)
    assert saved.as_rules() == rules.DEFAULT_RUBRIC
    criteria = setup.rubric_rows(saved)
    assert [(c.code, c.max_points, c.position) for c in draft.criteria] == [
        (c.code, c.max_points, c.position) for c in criteria
    ]
    assert [[(d.code, d.points, d.position) for d in c.items] for c in draft.criteria] == [
        [(d.code, d.points, d.position) for d in c.items] for c in criteria
    ]
    assert [(v.code, v.position) for v in draft.vetoes] == [
        (v.code, v.position) for v in saved.veto_items.order_by("position")
    ]


@pytest.mark.parametrize(
    ("earlier", "expected_red"),
    [(None, Decimal(90)), (Decimal(92), Decimal(92))],
    ids=["defaults", "previous year's"],
)
def test_settings_of_a_year_with_none_are_unsaved(community, earlier, expected_red):
    # given no settings for the year, and maybe the previous year's
    if earlier is not None:
        ScoringSettings.objects.create(community=community, year=YEAR - 1, red_at=earlier)
    before = rows()

    # when
    found = setup.settings_of(community, YEAR)

    # then what settings_for would save, unsaved; settings_for saves the same
    assert (found.pk, found.red_at) == (None, expected_red)
    assert rows() == before
    assert settings_for(community, YEAR).red_at == expected_red


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["rubric_detail", "rubric_adopt", "settings_edit"])
def test_pages_of_a_year_with_none_answer_each_role_and_write_nothing(
    client, request, community, compound_a, role, view
):
    # given a year with no rubric and no settings
    login(client, request, role)
    before = rows()

    # when
    response = client.get(en_url(view, community.slug, YEAR))

    # then each role is answered as on a saved year, and nothing is created
    assert response.status_code == expected(role, scoped=True)
    assert rows() == before


def test_the_rubric_page_shows_the_default_unsaved_with_the_edit_button(client, staff, community):
    client.force_login(staff)
    before = rows()

    # when
    page = client.get(en_url("rubric_detail", community.slug, YEAR)).content.decode()

    # then the default's items, marked unsaved, with the editor of the year and no version
    assert rows() == before
    assert "Not saved yet: this is the default rubric" in page
    for items in DEFAULT_DEDUCTION_ITEMS.values():
        for _code, _name, name_zh, _points in items:
            assert name_zh in page
    assert en_url("rubric_adopt", community.slug, YEAR) in page
    assert "Make a new version" not in page
    assert "2027, version 1" not in page
    assert client.get(en_url("rubric_detail", community.slug, YEAR) + "?version=1").status_code == (
        404
    )


def test_the_first_save_makes_version_1_with_the_edit(client, staff, community):
    client.force_login(staff)
    editor = client.get(en_url("rubric_adopt", community.slug, YEAR)).content.decode()
    assert "Not saved yet" in editor
    assert 'value="stairwell_clutter"' in editor  # the default's items, to edit

    # when the editor is saved with parking at 5 points and its 5 given to general management
    data = _default_post(
        community, **{"c-0-max_points": "20", "c-7-max_points": "5", "note": "停车减分"}
    )
    response = client.post(en_url("rubric_adopt", community.slug, YEAR), data)

    # then version 1 holds the default with the edit, in one save
    rubric = Rubric.objects.get(community=community, year=YEAR)
    assert response.status_code == 302
    assert response.url == en_url("rubric_detail", community.slug, YEAR) + "?version=1"
    assert (rubric.version, rubric.note) == (1, "停车减分")
    assert rubric.criteria.get(code="parking").max_points == 5
    assert rubric.criteria.get(code="general_management").max_points == 20
    assert rubric.as_rules().max_total == 100
    assert DeductionItem.objects.filter(criterion__rubric=rubric).count() == sum(
        len(items) for items in DEFAULT_DEDUCTION_ITEMS.values()
    )
    # and the year's editor now leads to the saved version's
    again = client.get(en_url("rubric_adopt", community.slug, YEAR))
    assert again.url == en_url("rubric_edit", rubric.pk)


def test_a_refused_first_save_makes_no_rubric(client, staff, community):
    client.force_login(staff)
    before = rows()

    # when the edit adds up to 95
    data = _default_post(community, **{"c-7-max_points": "5"})
    response = client.post(en_url("rubric_adopt", community.slug, YEAR), data)

    # then the editor comes back with the total, and the year still has no rubric
    assert response.status_code == 400
    assert "add up to 95; they must add up to 100" in response.content.decode()
    assert "Not saved yet" in response.content.decode()
    assert rows() == before


@pytest.mark.parametrize("role", ROLES)
def test_a_first_save_by_another_role_is_refused_and_makes_nothing(
    client, request, community, role
):
    login(client, request, role)
    before = rows()
    responses = [
        client.post(en_url("rubric_adopt", community.slug, YEAR), _default_post(community)),
        client.post(en_url("settings_edit", community.slug, YEAR), {"red_at": "80"}),
    ]
    code = expected(role, scoped=True)
    if code != 200:
        assert [r.status_code for r in responses] == [code] * 2
        assert rows() == before
    else:
        assert responses[0].status_code == 302
        assert Rubric.objects.get(community=community, year=YEAR).version == 1


def test_a_first_save_of_a_year_saved_meanwhile_edits_its_version_1(staff, community):
    # given version 1 made by another save since the editor was opened
    rubric = rubric_for(community, YEAR)
    data = _default_post(community)

    # when this editor's rows are saved as a first save
    saved = agreements.rubric_adopt(
        community=community,
        year=YEAR,
        criteria=[
            {k: data[f"c-{i}-{k}"] for k in ("code", "name", "name_zh", "max_points")}
            for i in range(data["c-TOTAL_FORMS"])
        ],
        deductions=[
            {k: data[f"d-{i}-{k}"] for k in ("criterion", "code", "name", "name_zh", "points")}
            for i in range(data["d-TOTAL_FORMS"])
        ],
        vetoes=[],
        note="无否决项",
    )

    # then its edit applies to that version 1: still one version
    assert saved.pk == rubric.pk
    assert Rubric.objects.filter(community=community, year=YEAR).count() == 1
    assert rubric.veto_items.count() == 0


def test_the_settings_page_shows_the_unsaved_values_and_the_first_save_creates(
    client, staff, community
):
    ScoringSettings.objects.create(community=community, year=YEAR - 1, red_at=Decimal(92))
    client.force_login(staff)
    url = en_url("settings_edit", community.slug, YEAR)
    before = rows()

    # when
    page = client.get(url).content.decode()

    # then the previous year's values, marked unsaved, and nothing created
    assert rows() == before
    assert "Not saved yet" in page
    assert 'value="92' in page
    data = {
        "red_at": "88",
        "black_below": "65",
        "min_inspections": "3",
        "report_due_day": "6",
        "report_grace_days": "2",
        "reply_days": "3",
        "publish_by_day": "15",
        "appeal_days": "7",
        "rectification_days": "7",
    }
    # a refused first save creates nothing
    assert client.post(url, {**data, "black_below": "95"}).status_code == 400
    assert rows() == before
    # the first save creates the year's row with what was sent
    assert client.post(url, data).status_code == 302
    row = ScoringSettings.objects.get(community=community, year=YEAR)
    assert (row.red_at, row.black_below) == (88, 65)
    assert "Not saved yet" not in client.get(url).content.decode()


# --- what needs a rubric to compute ----------------------------------------------------------


def _inspection_post(compound, criterion_pk) -> dict:
    return {
        "compound": compound.pk,
        "inspected_on": "2026-11-27",
        "notes": "",
        "finding-TOTAL_FORMS": "1",
        "finding-INITIAL_FORMS": "0",
        "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "30",
        "finding-0-criterion": criterion_pk,
        "finding-0-description": "消防通道堵塞",
        "finding-0-points": "3",
    }


def test_the_inspection_form_offers_last_years_rubric_and_the_post_makes_this_years(
    client, compound_a, grid_worker
):
    # given last year's rubric only
    last_year = rubric_for(compound_a.community, 2025)
    offered = last_year.criteria.get(code="fire_safety")
    client.force_login(grid_worker)
    before = rows()

    # when the form is shown
    page = client.get(reverse("scorecards:inspection_create")).content.decode()

    # then it offers last year's criteria and creates nothing
    assert f'value="{offered.pk}"' in page
    assert rows() == before

    # when a finding of last year's criterion is sent
    response = client.post(
        reverse("scorecards:inspection_create"), _inspection_post(compound_a, offered.pk)
    )

    # then this year's rubric is made and the finding cites its criterion of the same code
    assert response.status_code == 302
    this_year = Rubric.objects.get(community=compound_a.community, year=2026)
    assert Finding.objects.get().criterion == this_year.criteria.get(code="fire_safety")


def test_a_refused_inspection_leaves_no_rubric_behind(client, compound_a, grid_worker):
    # given last year's rubric only: the form offers it and makes nothing
    rubric_for(compound_a.community, 2025)
    client.force_login(grid_worker)
    before = rows()
    assert client.get(reverse("scorecards:inspection_create")).status_code == 200
    assert rows() == before

    # when an inspection dated in the future is sent
    data = {**_inspection_post(compound_a, ""), "inspected_on": "2026-12-30"}
    data.update({"finding-TOTAL_FORMS": "0"})
    response = client.post(reverse("scorecards:inspection_create"), data)

    # then it is refused, and the rubric the POST made to validate is rolled back with it
    assert response.status_code == 400
    assert rows() == before
    assert not Inspection.objects.exists()
    # and a clean visit is recorded, its rubric made on the way
    data["inspected_on"] = "2026-11-27"
    assert client.post(reverse("scorecards:inspection_create"), data).status_code == 302
    assert Rubric.objects.filter(community=compound_a.community, year=2026).count() == 1


def test_the_complaint_form_creates_no_rubric_when_shown(client, compound_a, staff):
    rubric_for(compound_a.community, 2025)
    client.force_login(staff)
    before = rows()
    assert client.get(reverse("scorecards:complaint_create")).status_code == 200
    assert rows() == before


def test_a_community_that_never_had_a_rubric_gets_the_default_with_its_first_form(
    client, compound_a, grid_worker
):
    # given a community with no rubric at all (there is no earlier one to offer)
    client.force_login(grid_worker)
    assert not Rubric.objects.filter(community=compound_a.community).exists()
    # when the inspection form is first shown
    page = client.get(reverse("scorecards:inspection_create")).content.decode()
    # then it offers this year's default criteria, made once
    rubric = Rubric.objects.get(community=compound_a.community)
    assert (rubric.year, rubric.version) == (2026, 1)
    assert f'value="{rubric.criteria.get(code="fire_safety").pk}"' in page
    client.get(reverse("scorecards:inspection_create"))
    assert Rubric.objects.filter(community=compound_a.community).count() == 1
