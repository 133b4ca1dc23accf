"""Forms and filters of the meeting and regulation pages.

Forms check the shape of the input and narrow choices to what the user may touch; the rules that
need the clock or other rows (no future dates, decisions after their meeting, version order, file
content) live in ``meetings`` and ``regulations``.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.choices import CompoundMultipleChoiceField
from compounds.models import Community, Compound
from tongde import uploads
from tongde.bounds import EARLIEST, LATEST_YEAR, MAX_COUNT, MAX_ROWS, bound
from tongde.periods import PeriodKind

from . import meetings
from .models import Meeting, MeetingAttendance, Regulation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FILE_ACCEPT = ".pdf,.docx,.jpg,.jpeg,.png,.webp"


def _file_help() -> str:
    return _("PDF, Word (.docx) or a photo (JPEG, PNG, WebP), at most %(limit)s.") % {
        "limit": filesizeformat(uploads.max_bytes())
    }


class DocumentField(forms.FileField):
    """A minutes or regulation file: refused here by its declared size, then by its content."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": FILE_ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            uploads.document_kind(upload)
        return upload


class CommunityChoiceMixin:
    """A community field shown only to those who edit more than one community."""

    only_community: Community | None = None

    def _set_communities(self, communities: QuerySet[Community] | None) -> None:
        """``None``: no choice (an edit); one community: chosen without asking."""
        if communities is not None and len(communities) == 1:
            self.only_community = communities[0]
        if communities is None or self.only_community is not None:
            del self.fields["community"]
            return
        self.fields["community"].queryset = communities

    def chosen_community(self) -> Community:
        return self.cleaned_data.get("community") or self.only_community


# Meetings ----------------------------------------------------------------------------------------


class MeetingForm(CommunityChoiceMixin, forms.Form):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    kind = forms.ChoiceField(label=_("kind"), choices=Meeting.Kind.choices)
    held_on = forms.DateField(label=_("held on"), widget=DATE_INPUT)
    title = forms.CharField(label=_("title"), max_length=150)
    agenda = forms.CharField(label=_("agenda"), required=False, widget=forms.Textarea({"rows": 4}))
    minutes = DocumentField(label=_("minutes"))
    clear_minutes = forms.BooleanField(label=_("remove the minutes file"), required=False)

    def __init__(
        self,
        *args: Any,
        communities: QuerySet[Community] | None = None,
        has_minutes: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_communities(communities)
        # As on the operation form: the far past here, the future by the service with its own
        # message; the input's max keeps the phone's date picker to today.
        bound(self.fields["held_on"], EARLIEST)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["minutes"].help_text = _file_help()
        if not has_minutes:
            del self.fields["clear_minutes"]


class AttendanceForm(forms.Form):
    organisation = forms.ChoiceField(
        label=_("organisation"),
        choices=[("", "---------"), *MeetingAttendance.Organisation.choices],
        required=False,
    )
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    persons = bound(
        forms.IntegerField(
            label=_("persons"),
            required=False,
            min_value=0,
            error_messages={"min_value": meetings.PERSONS_NEGATIVE},
        ),
        high=MAX_COUNT,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("persons") is not None and not data.get("organisation"):
            self.add_error("organisation", _("Choose the organisation."))
        # A number refused already (negative, too large) has said what is wrong with it.
        if (
            data.get("organisation")
            and data.get("persons") is None
            and "persons" not in self.errors
        ):
            self.add_error("persons", _("Give the number of persons."))
        return data


class DecisionForm(forms.Form):
    pk = forms.IntegerField(widget=forms.HiddenInput(), required=False)
    text = forms.CharField(label=_("decision"), required=False, widget=forms.Textarea({"rows": 2}))
    responsible = forms.CharField(label=_("responsible"), max_length=100, required=False)
    due_on = forms.DateField(label=_("due on"), required=False, widget=DATE_INPUT)
    done_on = forms.DateField(label=_("done on"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Said on the row itself: the service refuses such a row too, but only in a list.
        if (
            not data.get("DELETE")
            and not (data.get("text") or "").strip()
            and "text" not in self.errors
            and meetings.decision_has_content(data)
        ):
            self.add_error("text", meetings.DECISION_TEXT_REQUIRED)
        return data


# Bounded (MAX_ROWS): a tampered management form cannot make the page build thousands of rows.
AttendanceFormSet = forms.formset_factory(
    AttendanceForm, extra=3, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)
DecisionFormSet = forms.formset_factory(
    DecisionForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)


def attendance_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("persons") is not None]


def decision_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """Rows with anything typed in them that are not marked for deletion (deleted and empty
    rows are left out, and the service deletes what is left out; it refuses a row without
    text)."""
    return [
        f.cleaned_data
        for f in formset.forms
        if meetings.decision_has_content(f.cleaned_data) and not f.cleaned_data.get("DELETE")
    ]


class DecisionDoneForm(forms.Form):
    done_on = forms.DateField(label=_("done on"), required=False, widget=DATE_INPUT)


class MeetingFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("search"), method="filter_q")
    kind = filters.ChoiceFilter(label=_("kind"), choices=Meeting.Kind.choices)
    # Bounded: a year lookup builds dates, and year -1 or 10**12 would make none.
    year = filters.NumberFilter(
        label=_("year"),
        field_name="held_on",
        lookup_expr="year",
        min_value=EARLIEST.year,
        max_value=LATEST_YEAR,
        decimal_places=0,
    )
    overdue = filters.BooleanFilter(
        label=_("with overdue decisions"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", "---------"), ("true", _("yes"))]),
    )

    class Meta:
        model = Meeting
        fields = ["q", "kind", "year", "overdue"]

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(title__icontains=value) | Q(agenda__icontains=value))

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        # ``overdue_decisions`` is annotated by the view (selectors_meetings.annotate_meetings).
        return qs.filter(overdue_decisions__gt=0) if value else qs


class PeriodCountsForm(forms.Form):
    by = forms.ChoiceField(
        label=_("by"),
        required=False,
        choices=[
            (PeriodKind.YEAR.value, _("year")),
            (PeriodKind.QUARTER.value, _("quarter")),
            (PeriodKind.MONTH.value, _("month")),
        ],
    )
    community = forms.ModelChoiceField(
        label=_("community"),
        required=False,
        queryset=Community.objects.order_by("name"),
        to_field_name="slug",
    )


# Regulations -------------------------------------------------------------------------------------


class RegulationForm(CommunityChoiceMixin, forms.Form):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    code = forms.SlugField(
        label=_("code"), max_length=50, help_text=_("A short code, e.g. residents-convention.")
    )
    title = forms.CharField(label=_("title"), max_length=100)

    def __init__(
        self, *args: Any, communities: QuerySet[Community] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_communities(communities)


class VersionForm(forms.Form):
    adopted_on = forms.DateField(label=_("adopted on"), widget=DATE_INPUT)
    effective_on = forms.DateField(label=_("effective on"), widget=DATE_INPUT)
    summary = forms.CharField(
        label=_("what changed"), required=False, widget=forms.Textarea({"rows": 4})
    )
    compounds = CompoundMultipleChoiceField(
        label=_("adopted by"),
        queryset=Compound.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    file = DocumentField(label=_("file"))
    clear_file = forms.BooleanField(label=_("remove the file"), required=False)

    def __init__(
        self, *args: Any, community: Community, has_file: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compounds"].queryset = community.compounds.filter(is_archived=False)
        self.fields["file"].help_text = _file_help()
        if not has_file:
            del self.fields["clear_file"]


class OpinionForm(forms.Form):
    received_on = forms.DateField(label=_("received on"), widget=DATE_INPUT)
    opinion = forms.CharField(label=_("opinion"), widget=forms.Textarea({"rows": 3}))
    answer = forms.CharField(label=_("answer"), required=False, widget=forms.Textarea({"rows": 3}))
    answered_on = forms.DateField(label=_("answered on"), required=False, widget=DATE_INPUT)


class OpinionAnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), required=False, widget=forms.Textarea({"rows": 3}))
    answered_on = forms.DateField(label=_("answered on"), required=False, widget=DATE_INPUT)


class RegulationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("search"), method="filter_q")
    community = filters.ModelChoiceFilter(
        label=_("community"),
        queryset=Community.objects.order_by("name"),
        field_name="community",
        to_field_name="slug",
    )

    class Meta:
        model = Regulation
        fields = ["q", "community"]

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(title__icontains=value) | Q(code__icontains=value))
