"""Forms of the setup pages: settings, rubric editor (three formsets), agreements and commitments.

Forms check the shape of the input; the rules that need other rows (bands in order, frozen
rubrics, codes used twice, scans by content) live in ``scorecards.agreements``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from committees.models import Election
from tongde.bounds import MAX_ROWS
from tongde.text import fold_number

from . import rules
from .agreements import SETTINGS_FIELDS, check_settings
from .models import PERCENT_POINTS, Agreement, ScoringSettings

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERCENT_HELP = _("A percentage, e.g. 95.5 for 95.5%; it is stored as the fraction 0.955.")
TARGET_AS_FRACTION = _(
    "Did you mean %(percent)s%%? A target is a percentage: %(typed)s means %(typed)s%%."
)


class PercentField(forms.DecimalField):
    """Takes a percentage (0-100, e.g. 95.5) and gives the fraction (0.955) the models store."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(100))
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PERCENT_HELP)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        # "95.5%" (or ９５．５％) says the same as 95.5: the label asks for a percentage.
        if isinstance(value, str):
            value = fold_number(value).removesuffix("%").rstrip()
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        # Initial values come from the model as fractions (Decimal); bound data stays as typed.
        if isinstance(value, Decimal):
            return f"{(value * 100).normalize():f}"
        return value

    def clean(self, value: Any) -> Decimal | None:
        percent = super().clean(value)
        return None if percent is None else (percent / 100).quantize(Decimal("0.0001"))


class SettingsForm(forms.Form):
    """The model's fields, as a plain form: the band order is checked here with a message staff
    understand (a model form would also report the database constraint's name)."""

    def __init__(self, *args: Any, instance: ScoringSettings | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", forms.model_to_dict(instance, fields=SETTINGS_FIELDS))
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(ScoringSettings, fields=SETTINGS_FIELDS))
        for name in ("red_at", "black_below"):
            self.fields[name].validators.extend(PERCENT_POINTS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            check_settings(data)
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                if field in data:
                    self.add_error(field, errors)
        return data


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name (English)"), max_length=100)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=100)
    max_points = forms.DecimalField(
        label=_("maximum points"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )


class DeductionForm(forms.Form):
    criterion = forms.SlugField(
        label=_("criterion code"), max_length=40, help_text=_("The code of its criterion.")
    )
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name (English)"), max_length=200)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)
    points = forms.DecimalField(
        label=_("standard deduction"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )


class VetoForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name (English)"), max_length=200)
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)


# Bounded (MAX_ROWS): a tampered management form cannot make the page build thousands of rows.
CriterionFormSet = forms.formset_factory(
    CriterionForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
DeductionFormSet = forms.formset_factory(
    DeductionForm,
    extra=3,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)
VetoFormSet = forms.formset_factory(
    VetoForm, extra=1, can_delete=True, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)


class RubricNoteForm(forms.Form):
    note = forms.CharField(label=_("what changed"), max_length=200, required=False)


def formset_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """Filled, not deleted rows of a valid formset."""
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class AgreementForm(forms.ModelForm):
    target_fee_collection_rate = PercentField(label=_("target fee collection rate (%)"))
    target_satisfaction = PercentField(label=_("target satisfaction rate (%)"))
    scan = forms.FileField(
        label=_("signed scan"),
        required=False,
        help_text=_("PDF or a photo (JPEG, PNG, WebP), checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}),
    )

    class Meta:
        model = Agreement
        fields = [
            "signed_on",
            "target_fee_collection_rate",
            "target_complaint_days",
            "target_satisfaction",
            "fee_standard",
            "fee_vote",
            "notes",
        ]
        widgets = {"signed_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, compound_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compound_id = compound_id or getattr(self.instance, "compound_id", None)
        self.fields["fee_vote"].queryset = Election.objects.filter(
            committee__compound_id=compound_id
        ).order_by("-pk")
        self.fields["fee_vote"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A target of 1% or less is never meant: 0.9 was typed for 90%. Unlike a month's
        # measured rate, there is nothing to confirm.
        for name in ("target_fee_collection_rate", "target_satisfaction"):
            rate = cleaned.get(name)
            if rules.rate_typed_as_fraction(rate):
                typed = f"{(rate * 100).normalize():f}"
                self.add_error(
                    name,
                    forms.ValidationError(
                        TARGET_AS_FRACTION,
                        code="rate_as_fraction",
                        params={"typed": typed, "percent": f"{(rate * 10_000).normalize():f}"},
                    ),
                )
        return cleaned

    def data_dict(self) -> dict[str, Any]:
        return {f: self.cleaned_data.get(f) for f in self.Meta.fields}


class AgreementCreateForm(AgreementForm):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)

    class Meta(AgreementForm.Meta):
        fields = ["year", *AgreementForm.Meta.fields]


class CommitmentForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("commitment"), max_length=300, required=False)
    standard = forms.CharField(label=_("service standard"), max_length=300, required=False)
    is_withdrawn = forms.BooleanField(label=_("withdrawn"), required=False)


CommitmentFormSet = forms.formset_factory(
    CommitmentForm, extra=3, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)


def commitment_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data]


class AgreementFilter(forms.Form):
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)
    q = forms.CharField(label=_("compound or company"), required=False, max_length=100)
