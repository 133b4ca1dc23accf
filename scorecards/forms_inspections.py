"""Forms and filters of the inspection, complaint, rectification and weekly-feedback pages.

Forms only parse input; the rules (dates not in the future, criteria of the year's rubric, points
between 0 and the criterion's maximum, photos judged by content and size, allowed transitions) are
the services' (``scorecards.inspections``), which refuse with messages the views put back on these
forms. Choice lists come from the user's own communities, so a form never offers another
community's compound or rubric.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as ModelChoiceFilterField

from campaigns.forms_patrols import PHOTO_ACCEPT, DateInput
from compounds.choices import (
    ManagedFirstCompoundChoiceField,
    ManagedFirstCompoundChoiceFilter,
    PersonChoiceMixin,
)
from compounds.models import Compound, PropertyCompany
from compounds.selectors import company_list, staff_community_ids

from .inspections import UNFINISHED, due_soon_q, overdue_q
from .models import Complaint, DeductionItem, Rectification, RubricCriterion, VetoItem
from .setup import newest_rubrics, rubric_for


def _photo_field(label: str, *, required: bool = False) -> forms.FileField:
    # A plain FileField: the content and size checks are the service's (tongde.uploads).
    return forms.FileField(
        label=label,
        required=required,
        help_text=_("JPEG, PNG or WebP, from the phone's camera."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
    )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _communities(user: Any) -> list[int]:
    if user.is_superuser:
        return list(Compound.objects.values_list("community_id", flat=True).distinct())
    return sorted(staff_community_ids(user))


def _compounds(user: Any) -> QuerySet[Compound]:
    """The compounds a form offers. Its field lists the managed ones first (a company serves
    them, they are scored, and they are what inspections and complaints are mostly about), then
    the courtyards, each by name as people read them (``ManagedFirstCompoundChoiceField``)."""
    return Compound.objects.filter(
        community_id__in=_communities(user), is_archived=False
    ).select_related("community")


def _rubric_ids(user: Any, *, create: bool = False) -> list[int]:
    """The rubric of this year of each of the user's communities, so the form offers this
    year's criteria; for a date in another year the service takes the items of the same codes
    from that year's rubric (``inspections._in_rubric``).

    Showing the form creates nothing: a community with no rubric this year offers its newest
    earlier one, mapped by code the same way. Sending it (``create``) makes this year's from the
    defaults where there is none (``rubric_for``, in the request's transaction, see
    ``views_inspections``), and still accepts the earlier one the page offered.

    One exception: a community that has never had a rubric gets this year's default when the
    form is first shown. There is no earlier one to offer, and a form offering no criteria could
    record only a clean visit; the default is what its first save would make anyway."""
    year = timezone.localdate().year
    communities = _communities(user)
    newest = newest_rubrics(communities, year)
    offered = {pk for pk, _year in newest.values()}
    # Made now: a community with no rubric at all, and on sending, one with none this year.
    missing = [c for c in communities if c not in newest or (create and newest[c][1] != year)]
    return sorted(offered | {rubric_for(c, year).pk for c in missing})


def _criterion_label(c: RubricCriterion) -> str:
    return f"{c.display_name} ({c.max_points})"


class InspectionForm(forms.Form):
    compound = ManagedFirstCompoundChoiceField(
        label=_("Compound"), queryset=Compound.objects.none()
    )
    inspected_on = forms.DateField(label=_("Inspected on"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2})
    )
    photos = MultiplePhotoField(
        label=_("Photos of the visit"),
        required=False,
        help_text=_("Up to ten photos: JPEG, PNG or WebP."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"inspected_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = _compounds(user)
        # The phone's date picker stops at today; the earliest day depends on the compound and
        # is the service's to say (``inspections.earliest_inspection_day``).
        self.fields["inspected_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class FindingForm(forms.Form):
    criterion = forms.ModelChoiceField(
        label=_("Criterion"), queryset=RubricCriterion.objects.none()
    )
    deduction_item = forms.ModelChoiceField(
        label=_("Standard deduction"), queryset=DeductionItem.objects.none(), required=False
    )
    points = forms.DecimalField(
        label=_("Points deducted"),
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text=_("Left empty: the standard deduction's points."),
    )
    description = forms.CharField(
        label=_("What was found"), widget=forms.Textarea({"rows": 2}), max_length=4000
    )
    photo = _photo_field(_("Photo"))
    veto_item = forms.ModelChoiceField(
        label=_("Veto item (一票否决)"), queryset=VetoItem.objects.none(), required=False
    )
    deadline_on = forms.DateField(
        label=_("Rectification deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Left empty: the community's default number of days from today."),
    )

    def __init__(self, *args: Any, rubric_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria = RubricCriterion.objects.filter(rubric_id__in=rubric_ids).select_related("rubric")
        self.fields["criterion"].queryset = criteria
        self.fields["criterion"].label_from_instance = _criterion_label
        self.fields["deduction_item"].queryset = DeductionItem.objects.filter(
            criterion__rubric_id__in=rubric_ids
        ).select_related("criterion")
        self.fields["deduction_item"].label_from_instance = lambda d: (
            f"{d.criterion.display_name}: {d.display_name} (-{d.points})"
        )
        self.fields["veto_item"].queryset = VetoItem.objects.filter(rubric_id__in=rubric_ids)
        self.fields["veto_item"].label_from_instance = lambda v: v.display_name


class BaseFindingFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[FindingForm]:
        """The finding blocks filled in (untouched extra blocks are ignored)."""
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


FindingFormSet = forms.formset_factory(
    FindingForm,
    formset=BaseFindingFormSet,
    extra=1,
    max_num=30,
    validate_max=True,
    absolute_max=30,
)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the inspection is withdrawn"),
        widget=forms.Textarea({"rows": 2}),
        max_length=300,
    )


class ComplaintForm(forms.Form):
    compound = ManagedFirstCompoundChoiceField(
        label=_("Compound"), queryset=Compound.objects.none()
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=Complaint.Channel.choices)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea({"rows": 3}), max_length=4000
    )
    complainant_contact = forms.CharField(
        label=_("Complainant contact"),
        required=False,
        max_length=100,
        help_text=_("Staff only: never shown to the company or the public."),
    )
    is_collective = forms.BooleanField(label=_("Collective complaint"), required=False)
    verified = forms.BooleanField(
        label=_("Verified: send to the property company as a rectification item"),
        required=False,
    )
    deduction_item = forms.ModelChoiceField(
        label=_("Standard deduction"), queryset=DeductionItem.objects.none(), required=False
    )
    points = forms.DecimalField(
        label=_("Points deducted"), required=False, max_digits=6, decimal_places=2
    )
    deadline_on = forms.DateField(
        label=_("Rectification deadline"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = _compounds(user)
        self.fields["deduction_item"].queryset = DeductionItem.objects.filter(
            criterion__rubric_id__in=_rubric_ids(user, create=self.is_bound)
        ).select_related("criterion")
        self.fields["deduction_item"].label_from_instance = lambda d: (
            f"{d.criterion.display_name}: {d.display_name} (-{d.points})"
        )


class VerifyComplaintForm(forms.Form):
    deduction_item = forms.ModelChoiceField(
        label=_("Standard deduction"), queryset=DeductionItem.objects.none(), required=False
    )
    points = forms.DecimalField(
        label=_("Points deducted"), required=False, max_digits=6, decimal_places=2
    )
    deadline_on = forms.DateField(
        label=_("Rectification deadline"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deduction_item"].queryset = DeductionItem.objects.filter(
            criterion__rubric_id__in=_rubric_ids(user, create=self.is_bound)
        ).select_related("criterion")
        self.fields["deduction_item"].label_from_instance = lambda d: (
            f"{d.criterion.display_name}: {d.display_name} (-{d.points})"
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("What was done"), widget=forms.Textarea({"rows": 3}), max_length=4000
    )
    photo = _photo_field(_("Evidence photo"), required=True)


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea({"rows": 2})
    )


class ReopenForm(forms.Form):
    deadline_on = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why the fix is not accepted"), widget=forms.Textarea({"rows": 2}), max_length=2000
    )


# --- filters ---------------------------------------------------------------------------------------

STATUS_CHOICES = [("unfinished", _("not yet closed")), *Rectification.Status.choices]


class RectificationFilter(filters.FilterSet):
    """The staff's list of items. With no status asked for, the items not yet closed: a year's
    verified items would otherwise bury what still needs someone; "all" (the empty choice)
    shows them too."""

    status = filters.ChoiceFilter(
        label=_("status"),
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label=_("all, closed ones included"),
    )
    overdue = filters.BooleanFilter(
        label=_("overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_soon = filters.BooleanFilter(
        label=_("due within three days"), method="filter_due_soon", widget=forms.CheckboxInput
    )
    compound = ManagedFirstCompoundChoiceFilter(
        label=_("compound"),
        queryset=lambda request: _compounds(request.user) if request else Compound.objects.none(),
    )
    company = filters.ModelChoiceFilter(
        label=_("property company"),
        queryset=lambda request: (
            company_list(user=request.user).order_by("name")
            if request
            else PropertyCompany.objects.none()
        ),
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = "unfinished"
        super().__init__(data, *args, **kwargs)

    def summary(self) -> list[str]:
        """The filters in force, as the reader would say them ("not yet closed", a compound,
        "due within three days"...): said above the list, since on a phone the filter panel is
        folded away and the default (items not yet closed) would otherwise go unnoticed."""
        if not self.is_valid():
            return []
        data = self.form.cleaned_data
        status = data.get("status") or ""
        said = [str(dict(STATUS_CHOICES).get(status, self.filters["status"].extra["empty_label"]))]
        said += [obj.name for obj in (data.get("compound"), data.get("company")) if obj]
        said += [
            str(self.filters[flag].label) for flag in ("overdue", "due_soon") if data.get(flag)
        ]
        return said

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "unfinished":
            return queryset.filter(status__in=UNFINISHED)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(overdue_q(timezone.localdate()))

    def filter_due_soon(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(due_soon_q(timezone.localdate()))


class _PersonFilterField(PersonChoiceMixin, ModelChoiceFilterField):
    pass


class _PersonChoiceFilter(filters.ModelChoiceFilter):
    field_class = _PersonFilterField


def _inspectors(request: Any) -> QuerySet:
    """The people who recorded an inspection in the user's communities, withdrawn ones included."""
    if request is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            inspections__compound__community_id__in=_communities(request.user),
        )
        .distinct()
    )


class InspectionFilter(filters.FilterSet):
    """The inspections of the staff's communities, narrowed to a compound, an inspector (or the
    user's own) and a span of days, as a grid worker looks back at their rounds. The compound is
    typed, part of its name will do: a list of hundreds of compounds is no choice on a phone."""

    compound = filters.CharFilter(
        label=_("compound"), field_name="compound__name", lookup_expr="icontains"
    )
    inspector = _PersonChoiceFilter(label=_("inspector"), queryset=_inspectors)
    mine = filters.BooleanFilter(
        label=_("only mine"), method="filter_mine", widget=forms.CheckboxInput
    )
    since = filters.DateFilter(
        label=_("from"), field_name="inspected_on", lookup_expr="gte", widget=DateInput()
    )
    until = filters.DateFilter(
        label=_("to"), field_name="inspected_on", lookup_expr="lte", widget=DateInput()
    )

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value or self.request is None:
            return queryset
        return queryset.filter(inspector=self.request.user)


VERIFIED_CHOICES = [("no", _("not verified yet")), ("yes", _("verified"))]


class ComplaintFilter(filters.FilterSet):
    """The complaints of the staff's communities: those still to be verified, by compound and
    by the day they came in."""

    verified = filters.ChoiceFilter(
        label=_("verified"),
        choices=VERIFIED_CHOICES,
        method="filter_verified",
        empty_label=_("all"),
    )
    compound = filters.CharFilter(
        label=_("compound"), field_name="compound__name", lookup_expr="icontains"
    )
    since = filters.DateFilter(
        label=_("from"), field_name="received_on", lookup_expr="gte", widget=DateInput()
    )
    until = filters.DateFilter(
        label=_("to"), field_name="received_on", lookup_expr="lte", widget=DateInput()
    )

    def filter_verified(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_verified=value == "yes")
