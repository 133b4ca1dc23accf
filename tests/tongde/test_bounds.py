"""Slips of the finger are refused where they are typed: counts and dates outside what a
community's records can hold (they would go straight onto the public pages and the open data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.forms_meetings import AttendanceForm
from compounds.forms import BuildingForm, CompoundForm, HouseholdForm, MoveOutForm
from compounds.models import Community
from tongde.bounds import MAX_COUNT, MAX_HOUSEHOLD

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)


def household(residents, moved_in_on=TODAY):
    return HouseholdForm(
        {
            "head_name": "王",
            "residents": residents,
            "is_owner_occupied": "on",
            "moved_in_on": moved_in_on,
        }
    )


@pytest.mark.parametrize(
    ("residents", "moved_in_on", "wrong"),
    [
        (1, TODAY, set()),
        (MAX_HOUSEHOLD, dt.date(2000, 1, 1), set()),
        (0, TODAY, {"residents"}),
        (MAX_HOUSEHOLD + 1, TODAY, {"residents"}),
        (40_000, TODAY, {"residents"}),
        (3, TOMORROW, {"moved_in_on"}),
        (3, dt.date(1999, 12, 31), {"moved_in_on"}),
    ],
)
def test_households(residents, moved_in_on, wrong):
    form = household(residents, moved_in_on)
    assert set(form.errors) == wrong


def test_a_new_household_starts_at_today_not_the_models_old_default():
    assert HouseholdForm().initial["moved_in_on"] == TODAY


@pytest.mark.parametrize(
    ("day", "ok"), [(TODAY, True), (TOMORROW, False), (dt.date(1999, 1, 1), False)]
)
def test_moving_out(day, ok):
    assert MoveOutForm({"moved_out_on": day}).is_valid() is ok


@pytest.mark.parametrize(
    ("floors", "built_year", "wrong"),
    [
        (6, 1998, set()),
        (0, 1998, {"floors"}),
        (201, 1998, {"floors"}),
        (6, 1899, {"built_year"}),
        (6, TODAY.year + 6, {"built_year"}),
        (6, 3000, {"built_year"}),
    ],
)
def test_buildings(floors, built_year, wrong):
    form = BuildingForm({"code": "1号楼", "floors": floors, "built_year": built_year})
    assert set(form.errors) == wrong


@pytest.mark.parametrize(
    ("cameras", "ok"),
    [(0, True), (MAX_COUNT, True), (MAX_COUNT + 1, False), (99_999_999_999, False)],
)
def test_compound_counts(community, cameras, ok):
    data = {
        "community": community.pk,
        "code": "x",
        "name": "新小区",
        "kind": "managed",
        "address": "",
        "access_control": "none",
        "parking_spaces": 0,
        "fire_lanes": 0,
        "cameras": cameras,
        "registered_on": TODAY,
    }
    form = CompoundForm(data, communities=Community.objects.all())
    assert ("cameras" not in form.errors) is ok


@pytest.mark.parametrize(
    ("persons", "ok"), [(30, True), (MAX_COUNT, True), (99_999_999_999, False)]
)
def test_meeting_attendance(persons, ok):
    form = AttendanceForm({"organisation": "committee", "name": "", "persons": persons})
    assert ("persons" not in form.errors) is ok


def test_a_refused_number_of_persons_says_one_thing():
    form = AttendanceForm({"organisation": "committee", "name": "", "persons": -3})
    assert len(form.errors["persons"]) == 1
