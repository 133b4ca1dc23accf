"""Forms and filters of the patrol, problem and designation pages.

Forms only parse input; the rules (dates not in the future, compounds the grid covers, photos
judged by content, allowed transitions) are the services' (``patrols``, ``designations``), which
refuse with messages the views put back on these forms. Every choice list comes from the user's
own selectors, so a form can never offer (or confirm) another community's or company's object, and
the patrol form offers a grid worker only the compounds of their grids. The date inputs carry the
limits as ``min``/``max``, so the phone's date picker shows them before the service says them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.choices import CompoundChoiceField, CompoundChoiceFilter
from compounds.models import Building
from compounds.residents import natural_key
from compounds.selectors import compound_list, grid_list
from tongde.bounds import EARLIEST, bound

from .models import Designation, Disorder, Patrol, Problem
from .patrols import latest_deadline
from .selectors_patrols import (
    OVERDUE,
    UNRESOLVED,
    age_q,
    is_internal,
    loggable_grids,
    patrol_compounds,
)

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
FIXED = "fixed"
RECTIFY = "rectify"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _photo_field(label: str, *, required: bool = False) -> forms.FileField:
    # A plain FileField: the content check is the service's (photos.photo_format), so that a bad
    # file is refused the same way from a form, a command or a test.
    return forms.FileField(
        label=label,
        required=required,
        help_text=_("JPEG, PNG or WebP, from the phone's camera."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
    )


class BuildingIterator(forms.models.ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # The database sorts codes as text (10号楼 before 1号楼); people count 1, 2, 10.
        buildings = sorted(
            self.queryset, key=lambda b: (natural_key(b.compound.name), natural_key(b.code))
        )
        for building in buildings:
            yield self.choice(building)


class BuildingChoiceField(forms.ModelChoiceField):
    """Buildings by compound, in natural order of their codes (the queryset's order is ignored);
    the queryset must ``select_related("compound")``."""

    iterator = BuildingIterator


class PatrolForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None)
    patrolled_on = forms.DateField(label=_("Patrolled on"), widget=DateInput())
    route = forms.CharField(
        label=_("Route or places"),
        max_length=Patrol._meta.get_field("route").max_length,
        help_text=_("e.g. 同德巷 from the east gate to building 8, the basement of building 3"),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"patrolled_on": today})
        super().__init__(*args, **kwargs)
        # The future is refused by the service, with its own message; here the far past (a slip
        # to 1900 would make every problem of the patrol overdue at once).
        bound(self.fields["patrolled_on"], EARLIEST)
        self.fields["patrolled_on"].widget.attrs["max"] = today.isoformat()
        grids = loggable_grids(user=user).order_by("community__name", "level", "code")
        self.fields["grid"].queryset = grids
        self.fields["grid"].label_from_instance = lambda g: f"{g.name} ({g.get_level_display()})"
        # A grid worker patrols the grid they look after: chosen for them when it is one.
        own = list(grids.filter(worker_id=user.pk).values_list("pk", flat=True)[:2])
        if len(own) == 1:
            self.fields["grid"].initial = own[0]


class ProblemForm(forms.Form):
    compound = CompoundChoiceField(label=_("Compound"), queryset=None)
    building = BuildingChoiceField(label=_("Building"), queryset=None, required=False)
    disorder = forms.ModelChoiceField(label=_("Disorder"), queryset=None, required=False)
    description = forms.CharField(
        label=_("Problem found"), widget=forms.Textarea({"rows": 2}), max_length=2000
    )
    photo = _photo_field(_("Photo"))
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (RECTIFY, _("Send to the property company (or the committee) to rectify")),
            (FIXED, _("Fixed on the spot")),
        ],
        initial=RECTIFY,
        widget=forms.RadioSelect,
    )
    deadline_on = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DateInput(),
        help_text=_("Left empty: three days after the patrol. At most a year after it."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = loggable_grids(user=user).values("community_id")
        # A grid worker chooses among their grids' compounds (the service still checks the one
        # chosen against the patrol's grid); staff among the whole community's.
        compounds = patrol_compounds(user=user)
        self.fields["compound"].queryset = compounds  # by name as read: CompoundChoiceField
        self.fields["building"].queryset = Building.objects.filter(
            compound__in=compounds
        ).select_related("compound")
        # The patrol's day is on another form: the service checks the deadline against it; the
        # picker stops at the latest any patrol (today's) allows.
        self.fields["deadline_on"].widget.attrs["max"] = latest_deadline(
            timezone.localdate()
        ).isoformat()
        self.fields["disorder"].queryset = Disorder.objects.filter(
            community_id__in=communities, is_active=True
        )


class BaseProblemFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[ProblemForm]:
        """The problem forms the worker filled in (untouched extra blocks are ignored)."""
        return [f for f in self.forms if f.has_changed() and f.cleaned_data]


ProblemFormSet = forms.formset_factory(
    ProblemForm,
    formset=BaseProblemFormSet,
    extra=1,
    max_num=30,
    validate_max=True,
    absolute_max=30,
)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("What was done"), widget=forms.Textarea({"rows": 3}), max_length=4000
    )
    photo = _photo_field(_("Evidence photo"), required=True)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea({"rows": 2})
    )


class ReopenForm(forms.Form):
    deadline_on = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why the fix is not accepted"), widget=forms.Textarea({"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The service refuses a deadline outside these, saying which; the picker shows them.
        today = timezone.localdate()
        attrs = self.fields["deadline_on"].widget.attrs
        attrs["min"] = today.isoformat()
        attrs["max"] = latest_deadline(today).isoformat()


class DesignationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Designation.Status.choices)
    theme = forms.CharField(
        label=_("Theme"),
        required=False,
        max_length=Designation._meta.get_field("theme").max_length,
        help_text=_("One courtyard, one theme (一院一主题)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=Designation._meta.get_field("note").max_length
    )


class TargetForm(forms.Form):
    premium = forms.DecimalField(
        label=_("Premium compounds: target (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=1,
    )
    model_courtyard = forms.DecimalField(
        label=_("Model courtyards: target (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=1,
    )


# --- filters --------------------------------------------------------------------------------------


class PatrolFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q")
    grid = filters.ModelChoiceFilter(
        label=_("grid"), queryset=lambda request: grid_list(user=request.user)
    )
    since = filters.DateFilter(
        label=_("from"), field_name="patrolled_on", lookup_expr="gte", widget=DateInput()
    )
    until = filters.DateFilter(
        label=_("to"), field_name="patrolled_on", lookup_expr="lte", widget=DateInput()
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(route__icontains=value) | Q(notes__icontains=value))


STATUS_CHOICES = [("unresolved", _("not yet resolved")), *Problem.Status.choices]
# Labels of the age buckets of ``selectors_patrols.AGE_BUCKETS``, in the same order.
AGE_CHOICES = [
    ("0-3", _("0–3 days")),
    ("4-7", _("4–7 days")),
    ("8-30", _("8–30 days")),
    ("31+", _("over 30 days")),
    (OVERDUE, _("overdue")),
]


class ProblemFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q")
    status = filters.ChoiceFilter(label=_("status"), choices=STATUS_CHOICES, method="filter_status")
    age = filters.ChoiceFilter(label=_("age"), choices=AGE_CHOICES, method="filter_age")
    grid = filters.ModelChoiceFilter(
        label=_("grid"),
        field_name="patrol__grid",
        queryset=lambda request: grid_list(user=request.user),
    )
    compound = CompoundChoiceFilter(
        label=_("compound"),
        queryset=lambda request: compound_list(user=request.user).filter(is_archived=False),
    )

    mine = filters.BooleanFilter(
        label=_("only mine"), method="filter_mine", widget=forms.CheckboxInput
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if request is not None and not is_internal(request.user):
            # Grids and patrols are internal; a company or committee filters by compound only
            # (and a ``mine`` in their address is ignored: they log no patrols).
            del self.filters["grid"]
            del self.filters["mine"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(description__icontains=value) if value else queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        """Problems found on the user's own patrols (a grid worker's, or staff's who patrolled)."""
        if not value or self.request is None:
            return queryset
        return queryset.filter(patrol__worker=self.request.user)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "unresolved":
            return queryset.filter(status__in=UNRESOLVED)
        return queryset.filter(status=value)

    def filter_age(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(age_q(value, today=timezone.localdate()))
