"""Django admin for superusers: every campaigns model, read-only (``tongde/admin.py``). Staff use
the pages, which go through the services: person-times, flags, photo checks, withdrawals instead
of deletions, and the rollups each change makes stale are kept there."""

from __future__ import annotations

from django.contrib import admin

from tongde.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Campaign,
    CampaignPhoto,
    Designation,
    DesignationTarget,
    Disorder,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Participation,
    Patrol,
    Problem,
    Regulation,
    RegulationOpinion,
    RegulationVersion,
)


@admin.register(Disorder)
class DisorderAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "community", "position", "is_active"]
    list_filter = ["community", "is_active"]
    search_fields = ["name", "code"]


class ParticipationInline(ReadOnlyInline):
    model = Participation
    extra = 0


class CampaignPhotoInline(ReadOnlyInline):
    model = CampaignPhoto
    extra = 0
    raw_id_fields = ["uploaded_by"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = [
        "held_on",
        "kind",
        "community",
        "person_times",
        "truckloads",
        "tonnes",
        "is_flagged",
        "is_withdrawn",
    ]
    list_filter = ["community", "kind", "is_flagged", "is_withdrawn"]
    date_hierarchy = "held_on"
    search_fields = ["topic", "spots", "notes"]
    raw_id_fields = ["compounds", "buildings", "recorded_by"]
    filter_horizontal = ["disorders"]
    inlines = [ParticipationInline, CampaignPhotoInline]


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin):
    list_display = ["patrolled_on", "grid", "worker", "route"]
    list_filter = ["grid__community"]
    raw_id_fields = ["grid", "worker"]


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["found_on", "compound", "status", "company", "deadline_on"]
    list_filter = ["status"]
    search_fields = ["description"]
    raw_id_fields = ["patrol", "compound", "building", "disorder", "company"]


@admin.register(DesignationTarget)
class DesignationTargetAdmin(ReadOnlyAdmin):
    list_display = ["community", "year", "kind", "target_rate"]
    list_filter = ["community", "kind"]


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    list_display = ["compound", "year", "status", "theme"]
    list_filter = ["year", "status"]
    raw_id_fields = ["compound"]


class AttendanceInline(ReadOnlyInline):
    model = MeetingAttendance
    extra = 0


class DecisionInline(ReadOnlyInline):
    model = MeetingDecision
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "kind", "title", "community"]
    list_filter = ["community", "kind"]
    search_fields = ["title", "agenda"]
    inlines = [AttendanceInline, DecisionInline]


class VersionInline(ReadOnlyInline):
    model = RegulationVersion
    extra = 0
    fields = ["number", "adopted_on", "effective_on", "summary", "file"]


@admin.register(Regulation)
class RegulationAdmin(ReadOnlyAdmin):
    list_display = ["title", "code", "community"]
    list_filter = ["community"]
    inlines = [VersionInline]


@admin.register(RegulationVersion)
class RegulationVersionAdmin(ReadOnlyAdmin):
    list_display = ["regulation", "number", "adopted_on", "effective_on"]
    raw_id_fields = ["compounds"]


@admin.register(RegulationOpinion)
class RegulationOpinionAdmin(ReadOnlyAdmin):
    list_display = ["version", "received_on", "answered_on"]
