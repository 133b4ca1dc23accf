"""Django admin for superusers: every scorecards model, read-only (``tongde/admin.py``).

Every write goes through the services (transitions logged, rubrics frozen once used, publications
immutable, adjustments with a reason), so the admin shows the rows and changes none of them;
the settings of a year are edited on the setup page.
"""

from __future__ import annotations

from django.contrib import admin

from tongde.admin import ReadOnlyAdmin, ReadOnlyInline

from . import models as m


@admin.register(m.ScoringSettings)
class ScoringSettingsAdmin(ReadOnlyAdmin):
    list_display = ["community", "year", "red_at", "black_below", "min_inspections"]
    list_filter = ["year", "community"]


class CriterionInline(ReadOnlyInline):
    model = m.RubricCriterion


class VetoItemInline(ReadOnlyInline):
    model = m.VetoItem


@admin.register(m.Rubric)
class RubricAdmin(ReadOnlyAdmin):
    list_display = ["community", "year", "version", "is_frozen", "created_at"]
    list_filter = ["year", "is_frozen", "community"]
    inlines = [CriterionInline, VetoItemInline]


class DeductionItemInline(ReadOnlyInline):
    model = m.DeductionItem


@admin.register(m.RubricCriterion)
class RubricCriterionAdmin(ReadOnlyAdmin):
    list_display = ["rubric", "code", "name_zh", "max_points", "position"]
    list_filter = ["rubric__year"]
    search_fields = ["code", "name", "name_zh"]
    inlines = [DeductionItemInline]


class CommitmentInline(ReadOnlyInline):
    model = m.Commitment


@admin.register(m.Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["compound", "company", "year", "signed_on"]
    list_filter = ["year"]
    search_fields = ["compound__name", "company__name"]
    inlines = [CommitmentInline]


class CommitmentStatusInline(ReadOnlyInline):
    model = m.CommitmentStatus


class ReportAttachmentInline(ReadOnlyInline):
    model = m.ReportAttachment


class ReportEventInline(ReadOnlyInline):
    model = m.ReportEvent


@admin.register(m.MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["compound", "company", "month", "status", "first_submitted_at"]
    list_filter = ["status", "month"]
    search_fields = ["compound__name", "company__name"]
    date_hierarchy = "month"
    inlines = [CommitmentStatusInline, ReportAttachmentInline, ReportEventInline]


@admin.register(m.Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["community", "month", "sequence", "published_at", "correction_of"]
    list_filter = ["community"]


@admin.register(m.Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["community", "quarter", "sequence", "published_at", "correction_of"]
    list_filter = ["community"]


@admin.register(m.Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "sequence", "grade", "published_at", "correction_of"]
    list_filter = ["community", "grade"]


@admin.register(m.Summons)
class SummonsAdmin(ReadOnlyAdmin):
    list_display = ["compound", "company", "held_on", "closer_until", "is_withdrawn"]
    list_filter = ["community", "is_withdrawn"]


@admin.register(m.Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["compound", "company", "month", "status", "total", "has_veto"]
    list_filter = ["status", "month"]


# Every other model: read-only with its default display (registered after the ones above).
for _model in [
    m.DeductionItem,
    m.VetoItem,
    m.Commitment,
    m.CommitmentStatus,
    m.ReportAttachment,
    m.ReportEvent,
    m.Inspection,
    m.InspectionPhoto,
    m.Complaint,
    m.Finding,
    m.Rectification,
    m.RectificationEvent,
    m.WeeklyFeedback,
    m.ScoreLine,
    m.ScoreDeduction,
    m.VetoEvent,
    m.ScorecardReply,
    m.PublicationEntry,
    m.Appeal,
]:
    admin.site.register(_model, ReadOnlyAdmin)
