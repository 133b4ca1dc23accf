"""Django admin for superusers: committees, members, heads and consultations.

Staff use the committee pages (which go through services and selectors); the admin is the
superuser's repair tool, with raw ids for the large foreign keys.
"""

from __future__ import annotations

from django.contrib import admin

from .models import BuildingHead, Committee, CommitteeMember, Consultation, UnitHead


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "kind", "term_starts_on", "term_ends_on", "filed_on"]
    list_filter = ["kind", "compound__community"]
    search_fields = ["name", "compound__name"]
    raw_id_fields = ["compound"]
    inlines = [CommitteeMemberInline]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "committee",
        "role",
        "term_starts_on",
        "term_ends_on",
        "left_on",
        "is_party_member",
        "is_veteran",
        "is_cadre",
        "has_company_tie",
    ]
    list_filter = ["role", "is_party_member", "is_veteran", "is_cadre", "has_company_tie"]
    search_fields = ["name", "committee__name"]
    raw_id_fields = ["committee", "owner"]


@admin.register(BuildingHead)
class BuildingHeadAdmin(admin.ModelAdmin):
    list_display = ["name", "building", "starts_on", "ends_on"]
    search_fields = ["name", "building__compound__name"]
    raw_id_fields = ["building", "owner"]


@admin.register(UnitHead)
class UnitHeadAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "starts_on", "ends_on"]
    search_fields = ["name", "unit__building__compound__name"]
    raw_id_fields = ["unit", "owner"]


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["received_on", "compound", "channel", "topic", "answered_on"]
    list_filter = ["channel", "compound__community"]
    search_fields = ["topic", "opinion", "answer"]
    raw_id_fields = ["compound", "recorded_by"]
    date_hierarchy = "received_on"
