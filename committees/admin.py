"""Django admin for superusers: committees, members, heads, consultations and elections, read-only
(``tongde/admin.py``).

Staff use the committee pages, which go through the services: an election's every step is
logged there, and an edit here would be missing from its log. Every opinion is kept with its
answer. A ballot is shown without its choices, so that not even the admin joins a dwelling to
what it voted.
"""

from __future__ import annotations

from django.contrib import admin

from tongde.admin import ReadOnlyAdmin, ReadOnlyHistoryAdmin, ReadOnlyInline

from .models import (
    Ballot,
    BuildingHead,
    Candidate,
    Committee,
    CommitteeMember,
    Consultation,
    Election,
    ElectionLogEntry,
    ElectionStep,
    Objection,
    ProxyAuthorisation,
    RollEntry,
    UnitHead,
    Vetting,
    VettingItem,
)


class CommitteeMemberInline(ReadOnlyInline):
    model = CommitteeMember
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ["name", "compound", "kind", "term_starts_on", "term_ends_on", "filed_on"]
    list_filter = ["kind", "compound__community"]
    search_fields = ["name", "compound__name"]
    raw_id_fields = ["compound"]
    inlines = [CommitteeMemberInline]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
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
class BuildingHeadAdmin(ReadOnlyAdmin):
    list_display = ["name", "building", "starts_on", "ends_on"]
    search_fields = ["name", "building__compound__name"]
    raw_id_fields = ["building", "owner"]


@admin.register(UnitHead)
class UnitHeadAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "starts_on", "ends_on"]
    search_fields = ["name", "unit__building__compound__name"]
    raw_id_fields = ["unit", "owner"]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["received_on", "compound", "channel", "topic", "answered_on"]
    list_filter = ["channel", "compound__community"]
    search_fields = ["topic", "opinion", "answer"]
    raw_id_fields = ["compound", "recorded_by"]
    date_hierarchy = "received_on"


class ElectionStepInline(ReadOnlyInline):
    model = ElectionStep
    extra = 0


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    list_display = ["title", "committee", "kind", "matter", "stage", "stage_started_at"]
    list_filter = ["kind", "stage", "matter", "committee__compound__community"]
    search_fields = ["title", "committee__name"]
    raw_id_fields = ["committee", "tallied_by"]
    # The tally and the roll are written by the voting services once; the admin shows them.
    readonly_fields = ["roll_frozen_at", "tally", "tallied_at", "tallied_by", "created_at"]
    inlines = [ElectionStepInline]


@admin.register(ElectionStep)
class ElectionStepAdmin(ReadOnlyAdmin):
    list_display = ["election", "stage", "started_at", "ended_at"]
    list_filter = ["stage"]
    raw_id_fields = ["election"]


@admin.register(ElectionLogEntry)
class ElectionLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "election", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["election__title", "action"]
    date_hierarchy = "at"


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["raised_on", "election", "raised_by", "answered_on"]
    search_fields = ["election__title", "raised_by", "content", "answer"]
    raw_id_fields = ["election", "answered_by"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["name", "election", "nominated_on", "is_party_member", "is_veteran"]
    search_fields = ["name", "election__title"]
    raw_id_fields = ["election", "owner"]


class VettingItemInline(ReadOnlyInline):
    model = VettingItem
    extra = 0


@admin.register(Vetting)
class VettingAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "decision", "reviewer", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["candidate__name", "candidate__election__title"]
    raw_id_fields = ["candidate", "reviewer"]
    inlines = [VettingItemInline]


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    list_display = ["election", "dwelling", "area_m2", "owner", "is_developer_held"]
    list_filter = ["is_developer_held"]
    search_fields = ["election__title", "dwelling__code"]
    # The code hash is useless to read and the kind of thing not to put on screens.
    exclude = ["voting_code_hash"]


@admin.register(ProxyAuthorisation)
class ProxyAuthorisationAdmin(ReadOnlyAdmin):
    list_display = ["roll_entry", "proxy_name", "recorded_by", "recorded_at"]
    search_fields = ["proxy_name", "roll_entry__election__title"]
    raw_id_fields = ["roll_entry", "recorded_by"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    # Never ``choices``: the admin must not be the one page that joins a dwelling to its vote.
    list_display = ["receipt_code", "election", "channel", "cast_at"]
    list_filter = ["channel"]
    search_fields = ["receipt_code", "election__title"]
    exclude = ["choices"]
