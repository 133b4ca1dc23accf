"""Forms of the quarterly bulletin (季通报); the rules are in ``scorecards.bulletins``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

SUMMARY_MAX = 5000


class BulletinPublishForm(forms.Form):
    summary = forms.CharField(
        label=_("Commentary"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Published above the figures: what went well, what did not, who is summoned for talks "
            "and what the community will do next quarter."
        ),
    )


class BulletinCorrectForm(BulletinPublishForm):
    note = forms.CharField(
        label=_("What changed and why"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the corrected edition; the earlier edition stays readable."),
    )
