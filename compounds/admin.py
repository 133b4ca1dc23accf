"""Django admin for superusers: every registry model, searchable, with history where kept.

Staff use the registry pages, which go through the services (household moves mark the rollups
stale, archiving keeps a compound's past); the admin shows those rows read-only
(``tongde/admin.py``), with raw ids for the large foreign keys and django-simple-history's
"History" button on the models that have a history. Districts, streets, communities and
memberships have no page of their own: the admin adds and changes them, and deletes nothing.
"""

from __future__ import annotations

from django.contrib import admin

from tongde.admin import NoDeleteAdmin, ReadOnlyAdmin, ReadOnlyHistoryAdmin, ReadOnlyInline

from .models import (
    Building,
    Community,
    Compound,
    District,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    RegistryImport,
    Residency,
    ServiceContract,
    Street,
    Unit,
)


@admin.register(District)
class DistrictAdmin(NoDeleteAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Street)
class StreetAdmin(NoDeleteAdmin):
    list_display = ["name", "code", "district"]
    list_filter = ["district"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["district"]


@admin.register(Community)
class CommunityAdmin(NoDeleteAdmin):
    list_display = ["name", "slug", "street", "area_km2", "phone"]
    list_filter = ["street__district", "street"]
    search_fields = ["name", "slug", "address"]
    autocomplete_fields = ["street"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "credit_code", "contact_name", "contact_phone"]
    search_fields = ["name", "credit_code", "contact_name"]


class ServiceContractInline(ReadOnlyInline):
    model = ServiceContract
    extra = 0
    autocomplete_fields = ["company"]


@admin.register(Compound)
class CompoundAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "name",
        "code",
        "community",
        "kind",
        "access_control",
        "parking_spaces",
        "is_archived",
    ]
    list_filter = ["community", "kind", "access_control", "is_archived"]
    search_fields = ["name", "code", "address"]
    autocomplete_fields = ["community"]
    inlines = [ServiceContractInline]


@admin.register(ServiceContract)
class ServiceContractAdmin(ReadOnlyHistoryAdmin):
    list_display = ["compound", "company", "starts_on", "ends_on"]
    list_filter = ["compound__community", "company"]
    search_fields = ["compound__name", "company__name", "note"]
    autocomplete_fields = ["compound", "company"]
    date_hierarchy = "starts_on"


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "community", "level", "parent", "worker"]
    list_filter = ["community", "level"]
    search_fields = ["name", "code", "worker__username"]
    autocomplete_fields = ["community", "parent", "worker", "compounds"]
    raw_id_fields = ["buildings"]


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "compound", "code", "floors", "built_year"]
    list_filter = ["compound__community", "compound__kind"]
    search_fields = ["code", "compound__name"]
    autocomplete_fields = ["compound"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "building", "code"]
    list_filter = ["building__compound__community"]
    search_fields = ["code", "building__code", "building__compound__name"]
    autocomplete_fields = ["building"]
    list_select_related = ["building__compound"]


@admin.register(Owner)
class OwnerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["owner_ref", "name", "kind", "community", "phone"]
    list_filter = ["community", "kind"]
    search_fields = ["owner_ref", "name", "phone"]
    autocomplete_fields = ["community"]


@admin.register(Dwelling)
class DwellingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "code", "area_m2", "owner", "is_developer_held"]
    list_filter = ["is_developer_held", "unit__building__compound__community"]
    search_fields = ["code", "owner__owner_ref", "owner__name", "unit__building__compound__name"]
    raw_id_fields = ["unit", "owner"]
    list_select_related = ["unit__building__compound", "owner"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "__str__",
        "head_name",
        "residents",
        "is_owner_occupied",
        "moved_in_on",
        "moved_out_on",
    ]
    list_filter = ["is_owner_occupied", "dwelling__unit__building__compound__community"]
    search_fields = ["head_name", "dwelling__code", "dwelling__unit__building__compound__name"]
    raw_id_fields = ["dwelling"]
    list_select_related = ["dwelling__unit__building__compound"]


@admin.register(Residency)
class ResidencyAdmin(ReadOnlyHistoryAdmin):
    """Decisions go through the residents' pages (they keep the rules); here for reading."""

    list_display = ["full_name", "dwelling", "relation", "phone", "status", "applied_at"]
    list_filter = ["status", "relation", "dwelling__unit__building__compound__community"]
    search_fields = ["full_name", "phone", "account__username"]
    raw_id_fields = ["account", "dwelling", "decided_by"]
    list_select_related = ["dwelling__unit__building__compound"]


@admin.register(Membership)
class MembershipAdmin(NoDeleteAdmin):
    list_display = ["user", "role", "community", "company", "compound"]
    list_filter = ["role", "community"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "community", "company", "compound"]


@admin.register(RegistryImport)
class RegistryImportAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "community",
        "status",
        "row_count",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["status", "community"]
    search_fields = ["original_name"]
    raw_id_fields = ["uploaded_by", "cancelled_by"]
    autocomplete_fields = ["community"]
    readonly_fields = ["uploaded_at", "applied_at", "cancelled_at", "errors", "summary"]
    date_hierarchy = "uploaded_at"
