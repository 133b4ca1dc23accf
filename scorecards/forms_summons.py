"""Forms of the summons for talks (约谈); the rules are in ``scorecards.summons``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.forms_patrols import DateInput
from compounds.choices import CompoundChoiceField
from compounds.models import Compound
from compounds.selectors import staff_community_ids

TEXT_MAX = 4000


class SummonsForm(forms.Form):
    compound = CompoundChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    staff_present = forms.CharField(
        label=_("For the community"),
        max_length=300,
        help_text=_("Names and posts of the staff who held the talks."),
    )
    company_present = forms.CharField(
        label=_("For the company"),
        max_length=300,
        help_text=_("Names and posts of the company's people who attended."),
    )
    issues = forms.CharField(
        label=_("What the community put to the company"),
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 4}),
    )
    undertakings = forms.CharField(
        label=_("What the company undertook"),
        max_length=TEXT_MAX,
        widget=forms.Textarea({"rows": 4}),
    )
    measures_due_on = forms.DateField(
        label=_("Measures due on"), required=False, widget=DateInput()
    )
    closer_until = forms.DateField(
        label=_("Closer inspection until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for no closer inspection."),
    )
    inspections_per_month = forms.IntegerField(
        label=_("Inspections a month meanwhile"), min_value=1, max_value=31, initial=4
    )

    def __init__(self, *args: Any, user: Any, fixed_compound: Compound | None = None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        compounds = Compound.objects.filter(kind=Compound.Kind.MANAGED, is_archived=False)
        if not user.is_superuser:
            compounds = compounds.filter(
                community_id__in=staff_community_ids(user, include_grid_workers=False)
            )
        if fixed_compound is not None:
            compounds = Compound.objects.filter(pk=fixed_compound.pk)
            self.fields["compound"].initial = fixed_compound.pk
            self.fields["compound"].disabled = True
        self.fields["compound"].queryset = compounds


class SummonsWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the summons is withdrawn"),
        widget=forms.Textarea({"rows": 2}),
        max_length=300,
    )
