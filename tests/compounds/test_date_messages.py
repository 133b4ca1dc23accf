"""A date outside its bounds is refused with a sentence in the user's language and the date
written out, not Django's "Ensure this value is less than or equal to 2026-11-29"."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

from compounds.models import Household
from tests import factories
from tongde.bounds import EARLIEST, bound
from tongde.text import long_date


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"compounds:{name}", args=args)


@pytest.fixture
def household(compound_a):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    return factories.HouseholdFactory(dwelling=factories.DwellingFactory(unit=unit))


@pytest.mark.django_db
def test_a_move_out_after_today_is_refused_in_words(client, staff, household):
    client.force_login(staff)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        en_url("household_move_out", household.pk), {"moved_out_on": tomorrow.isoformat()}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["moved_out_on"] == [
        "The move-out date cannot be after today."
    ]
    assert "Ensure this value" not in response.content.decode()
    household.refresh_from_db()
    assert household.moved_out_on is None


@pytest.mark.django_db
def test_a_move_in_after_today_is_refused_in_words(client, staff, household):
    client.force_login(staff)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        en_url("household_update", household.pk),
        {"residents": 2, "is_owner_occupied": "on", "moved_in_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["moved_in_on"] == [
        "The move-in date cannot be after today."
    ]
    assert Household.objects.get(pk=household.pk).moved_in_on != tomorrow


class _DayForm(forms.Form):
    day = forms.DateField()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_date_bounds_say_the_limit_as_a_date_in_the_users_language(language):
    latest = dt.date(2026, 3, 9)
    form = _DayForm({"day": "1999-12-31"})
    bound(form.fields["day"], EARLIEST, latest)
    late = _DayForm({"day": "2026-03-10"})
    bound(late.fields["day"], EARLIEST, latest)
    with translation.override(language):
        early_error = form.errors["day"][0]
        late_error = late.errors["day"][0]
        assert long_date(EARLIEST) in early_error
        assert long_date(latest) in late_error
    assert "2000-01-01" not in early_error
    assert "2026-03-09" not in late_error


def test_a_limit_of_today_says_today():
    form = _DayForm({"day": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    bound(form.fields["day"], high=timezone.localdate())
    with translation.override("en"):
        assert form.errors["day"] == ["The date cannot be after today."]


def test_numbers_keep_their_bounds():
    class CountForm(forms.Form):
        n = forms.IntegerField()

    form = CountForm({"n": "120"})
    bound(form.fields["n"], 0, 99)
    assert not form.is_valid()
    assert "99" in form.errors["n"][0]
