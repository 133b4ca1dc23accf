"""Forms of the annual assessment (年考核); the rules are in ``scorecards.assessments``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .forms_setup import PercentField

TEXT_MAX = 5000


class AssessmentForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=[(g.value, g.label) for g in rules.Grade],
        widget=forms.RadioSelect,
    )
    satisfaction = PercentField(
        label=_("Owners' satisfaction measured this year (%)"),
        help_text=_("From the year's survey of owners; leave empty if none was made."),
    )
    conclusion = forms.CharField(
        label=_("Conclusion"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published with the grade: what the company did well, what it must improve."),
    )
    grade_reason = forms.CharField(
        label=_("Why the grade differs from the suggestion"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssessmentCorrectForm(AssessmentForm):
    note = forms.CharField(
        label=_("What changed and why"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the corrected edition; the earlier edition stays readable."),
    )
