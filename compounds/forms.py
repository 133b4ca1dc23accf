"""Forms of the registry's edit pages.

Forms only validate input and narrow choices to what the user may touch; the writes and the
rules that span rows (contract overlap, owner's community, grid levels) live in ``services``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongde.bounds import (
    EARLIEST,
    EARLIEST_BUILT,
    MAX_COUNT,
    MAX_FLOORS,
    MAX_HOUSEHOLD,
    bound,
    latest_build_year,
    today,
)

from .choices import CompoundIterator, PersonIterator, display_name
from .models import (
    Building,
    Community,
    Compound,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    ServiceContract,
    Unit,
)
from .services import AREA_NOT_POSITIVE, CONTRACT_DATES_ORDER

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OWNER_REF_UNKNOWN = _("No owner with this reference in the community. Register the owner first.")


class CompoundForm(forms.ModelForm):
    class Meta:
        model = Compound
        fields = [
            "community",
            "code",
            "name",
            "kind",
            "address",
            "access_control",
            "parking_spaces",
            "fire_lanes",
            "cameras",
            "registered_on",
        ]
        widgets = {"registered_on": DATE_INPUT}

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A compound never moves between communities: its history belongs to one.
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
            if len(communities) == 1:
                self.fields["community"].initial = communities[0]
        for name in ("parking_spaces", "fire_lanes", "cameras"):
            bound(self.fields[name], 0, MAX_COUNT)
        bound(self.fields["registered_on"], EARLIEST, today())


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["code", "floors", "built_year"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound(self.fields["floors"], 1, MAX_FLOORS)
        bound(self.fields["built_year"], EARLIEST_BUILT, latest_build_year())


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code"]


class DwellingForm(forms.ModelForm):
    # Typed, not chosen from a list: a community has thousands of owners.
    owner_ref = forms.CharField(
        label=_("owner reference"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for a dwelling with no registered owner."),
    )

    class Meta:
        model = Dwelling
        fields = ["code", "area_m2", "owner_ref", "is_developer_held"]

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        self.community = community
        super().__init__(*args, **kwargs)
        if self.instance.owner_id:
            self.fields["owner_ref"].initial = self.instance.owner.owner_ref

    def clean_area_m2(self) -> Decimal:
        area = self.cleaned_data["area_m2"]
        if area is not None and area <= 0:
            raise forms.ValidationError(AREA_NOT_POSITIVE)
        return area

    def clean_owner_ref(self) -> Owner | None:
        ref = self.cleaned_data["owner_ref"].strip()
        if not ref:
            return None
        owner = Owner.objects.filter(community=self.community, owner_ref=ref).first()
        if owner is None:
            raise forms.ValidationError(OWNER_REF_UNKNOWN)
        return owner

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["owner"] = data.pop("owner_ref")
        return data


class OwnerForm(forms.ModelForm):
    class Meta:
        model = Owner
        fields = ["community", "owner_ref", "name", "kind", "phone"]

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
            if len(communities) == 1:
                self.fields["community"].initial = communities[0]


MOVED_IN_AFTER_TODAY = _("The move-in date cannot be after today.")
MOVED_OUT_AFTER_TODAY = _("The move-out date cannot be after today.")


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["head_name", "residents", "is_owner_occupied", "moved_in_on"]
        widgets = {"moved_in_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound(self.fields["residents"], 1, MAX_HOUSEHOLD)
        bound(self.fields["moved_in_on"], EARLIEST, today(), too_late=MOVED_IN_AFTER_TODAY)
        if self.instance.pk is None and not self.is_bound:
            # A household entered today moved in recently, not on the model's historic default.
            self.initial.setdefault("moved_in_on", today())


class MoveOutForm(forms.Form):
    moved_out_on = forms.DateField(label=_("moved out on"), widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bound(self.fields["moved_out_on"], EARLIEST, today(), too_late=MOVED_OUT_AFTER_TODAY)


class CompanyForm(forms.ModelForm):
    class Meta:
        model = PropertyCompany
        fields = ["name", "credit_code", "contact_name", "contact_phone", "address"]


class ContractForm(forms.ModelForm):
    end_current = forms.BooleanField(
        label=_("End the current contract the day before"),
        required=False,
        initial=True,
        help_text=_("Switching companies: the open-ended contract now in force ends then."),
    )

    class Meta:
        model = ServiceContract
        fields = ["company", "starts_on", "ends_on", "note"]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any registered company may be contracted: companies are public businesses, and a
        # newly registered one serves no compound yet.
        self.fields["company"].queryset = PropertyCompany.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Checked here too so the user reads a sentence, not the constraint's name; the overlap
        # rule needs the other contracts and so lives in the service.
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", CONTRACT_DATES_ORDER)
        return data

    def _get_validation_exclusions(self):
        # The compound is set by the service, so skip model checks that need it.
        return {*super()._get_validation_exclusions(), "compound"}


class ContractEndForm(forms.Form):
    ends_on = forms.DateField(label=_("ends on"), widget=DATE_INPUT)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class GridForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = [
            "community",
            "code",
            "name",
            "level",
            "parent",
            "worker",
            "compounds",
            "buildings",
        ]
        widgets = {
            "compounds": forms.CheckboxSelectMultiple,
            "buildings": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
            community_ids = [self.instance.community_id]
        else:
            self.fields["community"].queryset = communities
            if len(communities) == 1:
                self.fields["community"].initial = communities[0]
            community_ids = [c.pk for c in communities]
        self.fields["parent"].queryset = Grid.objects.filter(
            community_id__in=community_ids, level__lt=Grid.Level.FIVE
        ).exclude(pk=self.instance.pk)
        self.fields["worker"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__community_id__in=community_ids,
                memberships__role__in=[Membership.Role.GRID_WORKER, Membership.Role.STAFF],
            )
            .distinct()
            .order_by("first_name", "last_name", "username", "pk")
        )
        # Listed and labelled by the name shown, as the grid list's worker filter.
        self.fields["worker"].iterator = PersonIterator
        self.fields["worker"].label_from_instance = display_name
        # By community and name as people read them; the iterator first, as the queryset's
        # setter hands the widget its choices.
        self.fields["compounds"].iterator = CompoundIterator
        self.fields["compounds"].queryset = Compound.objects.filter(
            community_id__in=community_ids, is_archived=False
        )
        self.fields["buildings"].queryset = Building.objects.filter(
            compound__community_id__in=community_ids
        ).select_related("compound")

    def service_data(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in {"community", "compounds", "buildings"}
        }
