"""Forms of the monthly report pages.

The report form has every field of ``MonthlyReport`` a company fills in, one status (and note)
per commitment of the compound's agreement of the year, and photos and documents. Files are
checked by content in ``scorecards.reports`` (one place for the rule), whose refusals land on the
``photos`` and ``documents`` fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from campaigns.forms import MultipleFileInput
from tongde import uploads
from tongde.concurrency import EDITED_FROM, LINKS_FROM

from . import rules
from .forms_setup import PercentField
from .models import Commitment, CommitmentStatus, MonthlyReport
from .reports import COMPLIANCE_LABELS, COUNT_FIELDS, RESOLVED_ABOVE_RECEIVED

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
BAD_MONTH = _("Give the month as YYYY-MM, e.g. 2026-10.")
RATE_AS_FRACTION = _(
    "Did you mean %(percent)s%%? The rate is asked as a percentage: %(typed)s means "
    "%(typed)s%%. Type %(percent)s, or tick the box below if %(typed)s%% is right."
)
RATE_CONFIRM_LABEL = _("Yes, the fee collection rate really is %(typed)s%%.")


class MonthField(forms.DateField):
    """A month typed as ``YYYY-MM`` (a phone shows a month picker); gives its first day."""

    widget = MONTH_INPUT
    default_error_messages = {"invalid": BAD_MONTH}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


def parse_month(value: str | None) -> dt.date | None:
    try:
        return MonthField(required=False).clean(value)
    except forms.ValidationError:
        return None


class MultiFileField(forms.FileField):
    """Several files in one input; the content checks are the service's."""

    def __init__(self, *args: Any, accept: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


def _files_help() -> str:
    return _("At most %(limit)s each, checked by content.") % {
        "limit": filesizeformat(uploads.max_bytes())
    }


class ReportForm(forms.Form):
    month = MonthField(label=_("month"), help_text=_("A finished month: YYYY-MM."))
    staff_on_duty = forms.IntegerField(label=_("staff on duty"), min_value=0, initial=0)
    cleaning_rounds = forms.IntegerField(label=_("cleaning rounds"), min_value=0, initial=0)
    patrol_rounds = forms.IntegerField(label=_("patrol rounds"), min_value=0, initial=0)
    repairs_done = forms.IntegerField(label=_("repairs done"), min_value=0, initial=0)
    repairs_open = forms.IntegerField(label=_("repairs still open"), min_value=0, initial=0)
    complaints_received = forms.IntegerField(label=_("complaints received"), min_value=0, initial=0)
    complaints_resolved = forms.IntegerField(
        label=_("complaints resolved"),
        min_value=0,
        initial=0,
        help_text=_("At most the number received."),
    )
    complaint_hours = forms.DecimalField(
        label=_("average hours to resolve a complaint"),
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=1,
        required=False,
    )
    fee_collection_rate = PercentField(label=_("fee collection rate (%)"))
    # Shown only when the rate looks typed as a fraction (see ``_check_rate``).
    fee_rate_confirmed = forms.BooleanField(required=False)
    safety_incidents = forms.IntegerField(label=_("safety incidents"), min_value=0, initial=0)
    narrative = forms.CharField(
        label=_("narrative"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultiFileField(label=_("photos"), accept="image/*")
    documents = MultiFileField(label=_("documents (PDF)"), accept=".pdf,application/pdf")

    def __init__(
        self,
        *args: Any,
        commitments: list[Commitment] = (),
        statuses: dict[int, CommitmentStatus] | None = None,
        fixed_month: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.asks_rate_confirmation = False
        for name in COUNT_FIELDS:
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})
        self.fields["photos"].help_text = _files_help()
        self.fields["documents"].help_text = _files_help()
        if fixed_month:
            del self.fields["month"]
        self.commitments = list(commitments)
        statuses = statuses or {}
        for c in self.commitments:
            current = statuses.get(c.pk)
            self.fields[f"status_{c.pk}"] = forms.ChoiceField(
                label=c.text,
                choices=[("", "—"), *CommitmentStatus.Status.choices],
                required=False,
                initial=current.status if current else "",
                help_text=c.standard,
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=_("note"),
                max_length=300,
                required=False,
                initial=current.note if current else "",
            )

    def clean(self) -> dict[str, Any]:
        """The checks across fields, each run when its own fields are valid, whatever else is
        wrong, so that every mistake shows at once next to its field (the service checks the
        same again: it is the rule for every caller, this only says it earlier)."""
        cleaned = super().clean()
        received = cleaned.get("complaints_received")
        resolved = cleaned.get("complaints_resolved")
        if received is not None and resolved is not None and resolved > received:
            self.add_error(
                "complaints_resolved",
                forms.ValidationError(
                    RESOLVED_ABOVE_RECEIVED,
                    code="resolved_above_received",
                    params={"resolved": resolved, "received": received},
                ),
            )
        self._check_rate(cleaned)
        return cleaned

    def _check_rate(self, cleaned: dict[str, Any]) -> None:
        """A rate of 0.9 typed where a percentage is asked is refused once, with the rate it
        most likely means; ticking the box that then shows keeps it. A rate the report already
        has (confirmed when it was saved) is not asked about again."""
        rate = cleaned.get("fee_collection_rate")
        if not rules.rate_typed_as_fraction(rate) or rate == self.initial.get(
            "fee_collection_rate"
        ):
            return
        typed = f"{(rate * 100).normalize():f}"
        self.asks_rate_confirmation = True
        # The bound field was made (and took the field's label) while the fields were cleaned.
        self["fee_rate_confirmed"].label = RATE_CONFIRM_LABEL % {"typed": typed}
        if not cleaned.get("fee_rate_confirmed"):
            self.add_error(
                "fee_collection_rate",
                forms.ValidationError(
                    RATE_AS_FRACTION,
                    code="rate_as_fraction",
                    params={"typed": typed, "percent": f"{(rate * 10_000).normalize():f}"},
                ),
            )

    def commitment_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"status_{c.pk}"], self[f"note_{c.pk}"]) for c in self.commitments]

    def report_fields(self) -> list[forms.BoundField]:
        skip = {"month", "photos", "documents", "fee_rate_confirmed", EDITED_FROM, LINKS_FROM}
        return [
            self[name]
            for name in self.fields
            if name not in skip and not name.startswith(("status_", "note_"))
        ]

    def data_dict(self) -> dict[str, Any]:
        fields = (*COUNT_FIELDS, "complaint_hours", "fee_collection_rate", "narrative")
        return {f: self.cleaned_data.get(f) for f in fields}

    def statuses(self) -> dict[int, dict[str, str]]:
        return {
            c.pk: {
                "status": self.cleaned_data.get(f"status_{c.pk}") or "",
                "note": self.cleaned_data.get(f"note_{c.pk}") or "",
            }
            for c in self.commitments
        }

    @staticmethod
    def initial_from(report: MonthlyReport) -> dict[str, Any]:
        fields = (*COUNT_FIELDS, "complaint_hours", "fee_collection_rate", "narrative")
        return {f: getattr(report, f) for f in fields}


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
        label=_("decision"),
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: say what the company must change."),
    )


class ReportFilter(forms.Form):
    month = MonthField(label=_("month"), required=False)
    compound = forms.CharField(label=_("compound"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("any")), ("none", _("no report")), *MonthlyReport.Status.choices],
    )
    timeliness = forms.ChoiceField(
        label=_("timeliness"),
        required=False,
        choices=[("", _("any")), *[(c.value, label) for c, label in COMPLIANCE_LABELS.items()]],
    )
