"""Forms of the monthly scoring pages: each validates its own input; the rules are in
``scorecards.scoring``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tongde.text import long_date

from . import rules
from .models import Appeal, Publication, RubricCriterion, Scorecard

BAND_CHOICES = [(b.value, b.label) for b in rules.Band]


class VersionForm(forms.Form):
    """Carries the version the user saw; the service refuses the change if it moved since."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AdjustForm(VersionForm):
    criterion = forms.ModelChoiceField(
        label=_("Criterion"), queryset=RubricCriterion.objects.none(), empty_label=None
    )
    points = forms.DecimalField(
        label=_("Points to deduct"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-100"),
        max_value=Decimal("100"),
        help_text=_("Positive deducts more; negative gives points back."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, scorecard: Scorecard, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = scorecard.rubric.criteria.all()
        self.fields["criterion"].label_from_instance = lambda c: c.display_name

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(
                _("Enter the points to deduct (positive) or give back (negative), not 0.")
            )
        return points


class VetoLiftForm(VersionForm):
    reason = forms.CharField(
        label=_("Why is the veto lifted?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublishForm(forms.Form):
    """With ``reply_until`` still to come (the companies may still reply), publishing needs a
    second, explicit confirmation."""

    confirm = forms.BooleanField(
        label=_("I have reviewed the drafts and the replies: publish the list."), required=True
    )

    def __init__(self, *args, reply_until: dt.date | None = None, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.reply_until = reply_until
        self.reply_open = reply_until is not None and today <= reply_until
        if self.reply_open:
            self.fields["early"] = forms.BooleanField(
                label=_("Publish before the reply window closes (%(date)s).")
                % {"date": long_date(reply_until)},
                required=False,
            )

    def clean_early(self):
        early = self.cleaned_data.get("early")
        if self.reply_open and not early:
            raise forms.ValidationError(
                _(
                    "The companies may reply until %(date)s: tick “Publish before the reply "
                    "window closes” to publish now."
                ),
                code="reply_open",
                params={"date": long_date(self.reply_until)},
            )
        return early


class CorrectionForm(forms.Form):
    """One band and one score field per entry of the edition, plus the note."""

    note = forms.CharField(
        label=_("What changed and why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the correction."),
    )
    appeal = forms.ModelChoiceField(
        label=_("Upheld appeal this correction answers"),
        queryset=Appeal.objects.none(),
        required=False,
    )
    band_override = forms.BooleanField(
        label=_("Publish bands the rules do not give for the recorded figures"),
        help_text=_(
            "Only when a recorded fact was wrong (an inspection not entered, a rectification "
            "wrongly marked overdue): the note must say which."
        ),
        required=False,
    )

    def __init__(self, *args, publication: Publication, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(publication.entries.order_by("compound_name"))
        self.fields["appeal"].queryset = Appeal.objects.filter(
            entry__publication=publication, status=Appeal.Status.UPHELD, correction__isnull=True
        )
        for entry in self.entries:
            # The template labels both fields visually hidden ("Band of 甲小区"): on screen the
            # compound column says which row they belong to.
            self.fields[f"band_{entry.pk}"] = forms.ChoiceField(
                label=_("Band"),
                choices=BAND_CHOICES,
                initial=entry.band,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"score_{entry.pk}"] = forms.DecimalField(
                label=_("Score"),
                max_digits=6,
                decimal_places=2,
                min_value=Decimal(0),
                max_value=Decimal(100),
                initial=entry.score,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self):
        return [
            (entry, self[f"band_{entry.pk}"], self[f"score_{entry.pk}"]) for entry in self.entries
        ]

    def changes(self):
        from .scoring import EntryChange

        out = {}
        for entry in self.entries:
            band = self.cleaned_data[f"band_{entry.pk}"]
            score = self.cleaned_data[f"score_{entry.pk}"]
            if band != entry.band or score != entry.score:
                out[entry.pk] = EntryChange(
                    score=score if score != entry.score else None,
                    band=band if band != entry.band else None,
                    veto=False if entry.veto and band != rules.Band.BLACK else None,
                )
        return out


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the appeal"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class DecideForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Appeal.Status.UPHELD, _("upheld")), (Appeal.Status.REJECTED, _("rejected"))],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("Reason (public)"), widget=forms.Textarea(attrs={"rows": 3}))
