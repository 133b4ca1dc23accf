"""FilterSets of the registry lists.

Every choice list is built from the user's own selectors, so a filter can never offer (or
confirm the existence of) a compound, grid or community the user may not see. Search boxes are
named ``q`` and hit a few text columns with ``icontains``.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField as ModelChoiceFilterField

from .choices import CompoundChoiceFilter, PersonChoiceMixin
from .models import (
    Building,
    Compound,
    Dwelling,
    Grid,
    Household,
    Owner,
    PropertyCompany,
    ServiceContract,
)
from .selectors import (
    community_list,
    company_list,
    compound_list,
    grid_list,
    staff_community_ids,
)

YES_NO = [("true", _("yes")), ("false", _("no"))]


def _communities(request) -> QuerySet:
    return community_list(user=request.user)


def _compounds(request) -> QuerySet:
    # Listed by community and name as people read them (``CompoundChoiceFilter``).
    return compound_list(user=request.user).filter(is_archived=False)


def _search(queryset: QuerySet, value: str, fields: list[str]) -> QuerySet:
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class SearchFilterSet(filters.FilterSet):
    search_fields: list[str] = []
    q = filters.CharFilter(label=_("Search"), method="filter_q")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _search(queryset, value, self.search_fields)


class CompoundFilter(SearchFilterSet):
    search_fields = ["name", "address", "code"]
    community = filters.ModelChoiceFilter(label=_("community"), queryset=_communities)
    kind = filters.ChoiceFilter(label=_("kind"), choices=Compound.Kind.choices)
    access_control = filters.ChoiceFilter(
        label=_("access control"), choices=Compound.AccessControl.choices
    )
    company = filters.ModelChoiceFilter(
        label=_("property company"),
        queryset=lambda request: company_list(user=request.user),
        method="filter_company",
    )
    archived = filters.ChoiceFilter(
        label=_("archived"),
        choices=YES_NO,
        method="filter_archived",
        empty_label=_("not archived"),
    )

    class Meta:
        model = Compound
        fields: list[str] = []

    def filter_company(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if not value:
            return queryset
        served = ServiceContract.objects.current().filter(company=value).values("compound_id")
        return queryset.filter(pk__in=served)

    def filter_archived(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_archived=value == "true")

    @property
    def qs(self) -> QuerySet:
        # Archived compounds stay out of sight unless asked for, even with no filter at all.
        qs = super().qs
        if not self.form.cleaned_data.get("archived"):
            qs = qs.filter(is_archived=False)
        return qs


class BuildingFilter(SearchFilterSet):
    search_fields = ["code", "compound__name"]
    community = filters.ModelChoiceFilter(
        label=_("community"), queryset=_communities, field_name="compound__community"
    )
    compound = CompoundChoiceFilter(label=_("compound"), queryset=_compounds)

    class Meta:
        model = Building
        fields: list[str] = []


class DwellingFilter(SearchFilterSet):
    compound = CompoundChoiceFilter(
        label=_("compound"), queryset=_compounds, field_name="unit__building__compound"
    )
    is_developer_held = filters.ChoiceFilter(
        label=_("held by the developer"), choices=YES_NO, method="filter_developer"
    )
    owner_ref = filters.CharFilter(label=_("owner reference"), field_name="owner__owner_ref")

    class Meta:
        model = Dwelling
        fields: list[str] = []

    def __init__(self, *args: Any, can_see_owners: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search_fields = ["code", "unit__building__code"]
        if can_see_owners:
            self.search_fields += ["owner__name", "owner__owner_ref"]
        else:
            # Without the right to see owners, filtering by owner would reveal who owns what.
            del self.filters["owner_ref"]

    def filter_developer(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_developer_held=value == "true")


class OwnerFilter(SearchFilterSet):
    search_fields = ["owner_ref", "name", "phone"]
    community = filters.ModelChoiceFilter(label=_("community"), queryset=_communities)
    kind = filters.ChoiceFilter(label=_("kind"), choices=Owner.Kind.choices)
    several = filters.ChoiceFilter(
        label=_("holds several dwellings"), choices=YES_NO, method="filter_several"
    )

    class Meta:
        model = Owner
        fields: list[str] = []

    def filter_several(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Needs the ``dwelling_count`` annotation the owner list adds.
        return (
            queryset.filter(dwelling_count__gt=1)
            if value == "true"
            else queryset.filter(dwelling_count__lte=1)
        )


class HouseholdFilter(SearchFilterSet):
    compound = CompoundChoiceFilter(
        label=_("compound"), queryset=_compounds, field_name="dwelling__unit__building__compound"
    )
    status = filters.ChoiceFilter(
        label=_("status"),
        choices=[("moved_out", _("moved out")), ("all", _("all"))],
        empty_label=_("living here"),
        method="filter_status",
    )
    is_owner_occupied = filters.ChoiceFilter(
        label=_("owner lives here"), choices=YES_NO, method="filter_owner_occupied"
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def __init__(self, *args: Any, can_see_owners: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search_fields = ["dwelling__code", "dwelling__unit__building__code"]
        if can_see_owners:
            self.search_fields.append("head_name")

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "moved_out":
            return queryset.filter(moved_out_on__isnull=False)
        return queryset

    def filter_owner_occupied(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_owner_occupied=value == "true")

    @property
    def qs(self) -> QuerySet:
        # By default only the households living here now, like every count on the site.
        qs = super().qs
        if not self.form.cleaned_data.get("status"):
            qs = qs.filter(moved_out_on__isnull=True)
        return qs


class CompanyFilter(SearchFilterSet):
    search_fields = ["name", "credit_code", "contact_name"]

    class Meta:
        model = PropertyCompany
        fields: list[str] = []


def _grid_workers(request) -> QuerySet:
    ids = staff_community_ids(request.user)
    users = get_user_model().objects.filter(grids__isnull=False)
    if not request.user.is_superuser:
        users = users.filter(grids__community_id__in=ids)
    # Listed by the name shown, then id (``PersonFilterField``); this order is for other readers.
    return users.distinct().order_by("first_name", "last_name", "username", "pk")


class PersonFilterField(PersonChoiceMixin, ModelChoiceFilterField):
    pass


class PersonChoiceFilter(filters.ModelChoiceFilter):
    field_class = PersonFilterField


class GridFilter(SearchFilterSet):
    search_fields = ["code", "name"]
    community = filters.ModelChoiceFilter(label=_("community"), queryset=_communities)
    level = filters.ChoiceFilter(label=_("level"), choices=Grid.Level.choices)
    parent = filters.ModelChoiceFilter(
        label=_("parent grid"),
        queryset=lambda request: grid_list(user=request.user).filter(level__lt=Grid.Level.FIVE),
    )
    worker = PersonChoiceFilter(label=_("grid worker"), queryset=_grid_workers)

    class Meta:
        model = Grid
        fields: list[str] = []
