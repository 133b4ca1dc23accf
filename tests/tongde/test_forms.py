"""Every number field of every form reads full-width input: plain forms, model forms' generated
fields and the fields of subclasses (the fee collection rate's percentage)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from compounds.forms import BuildingForm
from scorecards.forms_setup import PercentField
from tongde.forms import fold_number_fields


class _Numbers(forms.Form):
    count = forms.IntegerField(required=False, min_value=0)
    amount = forms.DecimalField(required=False, max_digits=8, decimal_places=2)
    ratio = forms.FloatField(required=False)


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("１２", 12),
        ("\u3000１２\u3000", 12),
        ("１，２３４", 1234),
        ("１２．０", 12),  # Django drops a ".0" from a whole number; so does its full-width form
        ("12", 12),
        ("", None),
    ],
)
def test_integer_field_reads_full_width(typed, count):
    form = _Numbers({"count": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["count"] == count


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("１２．５", Decimal("12.5")),
        ("12。5", Decimal("12.5")),
        ("－３．２５", Decimal("-3.25")),
        ("１，２３４．５", Decimal("1234.5")),
        ("0.9", Decimal("0.9")),
    ],
)
def test_decimal_field_reads_full_width(typed, amount):
    form = _Numbers({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == amount


def test_float_field_reads_full_width():
    form = _Numbers({"ratio": "－０．５"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ratio"] == -0.5


@pytest.mark.parametrize("typed", ["１，５", "１２ａ", "９０％", "1.2.3"])
def test_what_is_still_not_a_number_is_refused(typed):
    form = _Numbers({"count": typed, "amount": typed})
    assert not form.is_valid()
    assert set(form.errors) == {"count", "amount"}


@pytest.mark.django_db
def test_a_model_forms_generated_field_reads_full_width():
    # given the building form, whose number fields Django generates from the model
    form = BuildingForm({"code": "１", "floors": "１８", "built_year": "２００５"})

    # then
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["floors"], form.cleaned_data["built_year"]) == (18, 2005)


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [("９５．５", Decimal("0.955")), ("９５．５％", Decimal("0.955")), ("90 %", Decimal("0.9"))],
)
def test_a_percentage_may_be_typed_with_its_sign(typed, fraction):
    assert PercentField().clean(typed) == fraction


def test_folding_twice_does_not_wrap_twice():
    before = forms.IntegerField.to_python
    fold_number_fields()
    assert forms.IntegerField.to_python is before
    assert forms.DecimalField.to_python.folds_number
