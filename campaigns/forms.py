"""Forms and filters of the clean-up pages.

The operation form is built for a phone in the field: plain labelled inputs, a date picker, number
inputs that refuse negatives, and photo inputs that open the camera. It validates input and narrows
every choice to the community's own compounds, buildings and disorders; the rules that span
fields (future dates, flags, participation sums) are the service's.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compounds.choices import CompoundChoiceFilter, CompoundMultipleChoiceField
from compounds.models import Building, Community, Compound
from tongde import uploads
from tongde.bounds import EARLIEST, MAX_COUNT, bound
from tongde.periods import PeriodKind

from .models import Campaign, Disorder, Participation
from .selectors import sees_withdrawn, visible_compounds
from .services import BAD_PHOTO, MAX_PHOTOS, TOO_MANY_PHOTOS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("true", _("yes")), ("false", _("no"))]


def _label(field: str) -> Any:
    return Campaign._meta.get_field(field).verbose_name


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", **attrs})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Several photos in one input, each checked by content (``tongde.uploads``)."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS % {"limit": MAX_PHOTOS})
        errors = []
        for file in files:
            try:
                uploads.photo_check(file)
            except ValidationError as exc:
                errors += [BAD_PHOTO % {"file": file.name, "reason": m} for m in exc.messages]
        if errors:
            raise ValidationError(errors)
        return files


class BuildingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Building) -> str:
        return f"{obj.compound.name} {obj.code}"


GROUP_FIELDS = [(f"persons_{value}", value, label) for value, label in Participation.Group.choices]


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(
        label=_label("kind"), choices=Campaign.Kind.choices, initial=Campaign.Kind.FRIDAY
    )
    # Not the model's "held on" (召开日期), which is a meeting's word: an operation is carried out.
    held_on = forms.DateField(
        label=pgettext_lazy("clean-up operation", "date of the operation"), widget=DATE_INPUT
    )
    topic = forms.CharField(
        label=_label("topic"),
        max_length=100,
        required=False,
        help_text=_("For a special operation: e.g. zombie cars, basements."),
    )
    compounds = CompoundMultipleChoiceField(
        label=_("Compounds and courtyards covered"),
        queryset=Compound.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    buildings = BuildingChoiceField(
        label=_("Buildings (optional)"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    spots = forms.CharField(
        label=_label("spots"),
        max_length=200,
        required=False,
        help_text=_("Places outside a building: a lane, a corner, a basement."),
    )
    disorders = forms.ModelMultipleChoiceField(
        label=_label("disorders"),
        queryset=Disorder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    truckloads = forms.IntegerField(
        label=_label("truckloads"), min_value=0, initial=0, widget=_number()
    )
    tonnes = forms.DecimalField(
        label=_label("tonnes"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        initial=0,
        widget=_number(step="0.01", inputmode="decimal"),
    )
    vehicles_handled = forms.IntegerField(
        label=_label("vehicles_handled"), min_value=0, initial=0, widget=_number()
    )
    notes = forms.CharField(
        label=_label("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(
        label=_("Show this operation's public photos on the public pages"),
        required=False,
        initial=True,
    )
    photos_before = PhotoField(label=_("Photos before"))
    photos_after = PhotoField(label=_("Photos after"))
    publish_photos = forms.BooleanField(
        label=_("Show the new photos to the public"),
        required=False,
        help_text=_("Only photos without faces or number plates."),
    )

    def __init__(
        self,
        *args: Any,
        community: Community,
        campaign: Campaign | None = None,
        can_publish: bool = False,
        **kwargs: Any,
    ) -> None:
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = _initial(campaign)
        super().__init__(*args, **kwargs)
        for name, _group, label in GROUP_FIELDS:
            self.fields[name] = bound(
                forms.IntegerField(
                    label=label, min_value=0, initial=0, required=False, widget=_number()
                ),
                high=MAX_COUNT,
            )
        for name in ("truckloads", "tonnes", "vehicles_handled"):
            bound(self.fields[name], high=MAX_COUNT)
        # The future is refused by the service, with its own message; here the far past.
        bound(self.fields["held_on"], EARLIEST)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if campaign is None:
            self.fields["held_on"].initial = timezone.localdate()
        self.fields["compounds"].queryset = Compound.objects.filter(
            community=community, is_archived=False
        )
        self.fields["buildings"].queryset = (
            Building.objects.filter(compound__community=community, compound__is_archived=False)
            .select_related("compound")
            .order_by("compound__kind", "compound__name", "code")
        )
        # Inactive disorders drop out of new operations but stay on those that have them.
        active = Q(is_active=True)
        if campaign is not None:
            active |= Q(pk__in=campaign.disorders.values("pk"))
        self.fields["disorders"].queryset = Disorder.objects.filter(
            active, community=community
        ).order_by("position", "code")
        if not can_publish:
            del self.fields["publish_photos"]

    @property
    def group_fields(self) -> list:
        return [self[name] for name, _group, _label in GROUP_FIELDS]

    def service_kwargs(self) -> dict[str, Any]:
        """What ``campaign_record`` / ``campaign_update`` take, from the cleaned data."""
        data = dict(self.cleaned_data)
        participations = {group: data.pop(name) or 0 for name, group, _label in GROUP_FIELDS}
        photos = [("before", f) for f in data.pop("photos_before")]
        photos += [("after", f) for f in data.pop("photos_after")]
        publish = data.pop("publish_photos", False)
        return {
            "data": data,
            "participations": participations,
            "photos": photos,
            "publish_photos": publish,
        }


def _initial(campaign: Campaign) -> dict[str, Any]:
    initial: dict[str, Any] = {
        field: getattr(campaign, field)
        for field in (
            "kind",
            "held_on",
            "topic",
            "spots",
            "truckloads",
            "tonnes",
            "vehicles_handled",
            "notes",
            "is_public",
        )
    }
    initial["compounds"] = list(campaign.compounds.values_list("pk", flat=True))
    initial["buildings"] = list(campaign.buildings.values_list("pk", flat=True))
    initial["disorders"] = list(campaign.disorders.values_list("pk", flat=True))
    for participation in campaign.participations.all():
        initial[f"persons_{participation.group}"] = participation.persons
    return initial


class DisorderForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    code = forms.SlugField(
        label=_("code"),
        max_length=40,
        required=False,
        help_text=_("Letters, digits and dashes; left empty, one is made up."),
    )
    position = forms.IntegerField(label=_("position"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("in use"), required=False, initial=True)

    def __init__(self, *args: Any, disorder: Disorder | None = None, **kwargs: Any) -> None:
        if disorder is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": disorder.name,
                    "position": disorder.position,
                    "is_active": disorder.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if disorder is not None:
            # The code never changes: rollups and open data key on it.
            del self.fields["code"]
            self.fields["position"].required = True
        else:
            del self.fields["is_active"]


class TotalsForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("by"),
        choices=[
            (PeriodKind.WEEK.value, _("week")),
            (PeriodKind.MONTH.value, _("month")),
            (PeriodKind.QUARTER.value, _("quarter")),
            (PeriodKind.YEAR.value, _("year")),
        ],
        initial=PeriodKind.MONTH.value,
        required=False,
    )
    year = forms.TypedChoiceField(label=_("year"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years or [timezone.localdate().year]
        self.fields["year"].choices = [(y, str(y)) for y in self.years]

    def choice(self) -> tuple[PeriodKind, int]:
        """The kind and year asked for, falling back to months of the latest year."""
        kind, year = PeriodKind.MONTH, self.years[0]
        if self.is_valid():
            kind = PeriodKind(self.cleaned_data.get("kind") or PeriodKind.MONTH)
            year = self.cleaned_data.get("year") or year
        return kind, year


DATES_REVERSED = _("“From” is after “to”: swap the two dates.")


class CampaignFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        after, before = data.get("held_after"), data.get("held_before")
        if after and before and after > before:
            # Said above the rows (the live filter swaps only them); listed from "from" on.
            self.add_error(None, DATES_REVERSED)
            data.pop("held_before")
        return data


class CampaignFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(label=_("kind"), choices=Campaign.Kind.choices)
    compound = CompoundChoiceFilter(
        label=_("compound"),
        queryset=lambda request: visible_compounds(user=request.user),
        field_name="compounds",
    )
    disorder = filters.ModelChoiceFilter(
        label=_("disorder"),
        queryset=lambda request: _visible_disorders(request),
        field_name="disorders",
    )
    held_after = filters.DateFilter(
        label=_("from"), field_name="held_on", lookup_expr="gte", widget=DATE_INPUT
    )
    held_before = filters.DateFilter(
        label=_("to"), field_name="held_on", lookup_expr="lte", widget=DATE_INPUT
    )
    flagged = filters.ChoiceFilter(
        label=_("flagged for review"), choices=YES_NO, method="filter_flagged"
    )
    # Withdrawn operations stay on record and can be restored: staff and grid workers find them
    # here (the queryset holds them only for those who see them, see ``sees_withdrawn``).
    withdrawn = filters.ChoiceFilter(
        label=_("record"),
        choices=[("true", _("withdrawn operations"))],
        empty_label=_("current operations"),
        method="filter_withdrawn",
    )

    class Meta:
        model = Campaign
        fields: list[str] = []
        form = CampaignFilterForm

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if request is None or not sees_withdrawn(request.user):
            del self.filters["withdrawn"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("withdrawn") != "true":
            queryset = queryset.filter(is_withdrawn=False)
        return queryset

    def filter_flagged(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_flagged=value == "true")

    def filter_withdrawn(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_withdrawn=True)


def _visible_disorders(request: Any) -> QuerySet[Disorder]:
    communities = visible_compounds(user=request.user).values("community_id")
    return Disorder.objects.filter(community_id__in=communities).order_by(
        "community", "position", "code"
    )
