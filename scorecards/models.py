"""Holding companies to account (三实): agreements and rubrics, monthly reports, inspections and
rectifications, weekly feedback, monthly scorecards and the published red/black list (红黑榜).

Months are stored as the first day of the month (a ``DateField``), so that a month compares,
sorts and groups like a date and a ``(compound, month)`` pair can be unique.

Nothing an audit needs is deleted: reports, findings, rectifications and scorecards change state,
every change is logged, and a publication is an immutable snapshot that a correction supersedes
by a new, linked publication.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from compounds.models import Community, Compound, PropertyCompany

from . import rules

RATE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]
POINTS = {"max_digits": 6, "decimal_places": 2}
# A band line is a score out of 100.
PERCENT_POINTS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after the one ``month`` falls in."""
    return (month_start(month) + dt.timedelta(days=32)).replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before the one ``day`` falls in."""
    return (month_start(day) - dt.timedelta(days=1)).replace(day=1)


def _first_of_month() -> Q:
    return Q(month__day=1)


# --- Settings, rubrics and agreements ----------------------------------------------------------


class ScoringSettings(models.Model):
    """Bands and calendar of the monthly evaluation, per community and year (DOMAIN.md defaults)."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="scoring_settings",
        verbose_name=_("community"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    red_at = models.DecimalField(
        _("red list at or above"), default=Decimal(90), validators=PERCENT_POINTS, **POINTS
    )
    black_below = models.DecimalField(
        _("black list below"), default=Decimal(70), validators=PERCENT_POINTS, **POINTS
    )
    min_inspections = models.PositiveSmallIntegerField(
        _("inspections needed to be ranked"), default=2
    )
    report_due_day = models.PositiveSmallIntegerField(
        _("monthly report due on day"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    report_grace_days = models.PositiveSmallIntegerField(
        _("grace days after the due date"),
        default=3,
        help_text=_("A report still missing after the grace period is a veto item."),
    )
    reply_days = models.PositiveSmallIntegerField(_("company reply window (days)"), default=3)
    publish_by_day = models.PositiveSmallIntegerField(
        _("publish by day"), default=15, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=7)
    rectification_days = models.PositiveSmallIntegerField(
        _("default rectification deadline (days)"), default=7
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["community", "-year"]
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="scoring_settings_unique"),
            models.CheckConstraint(
                condition=Q(black_below__lte=F("red_at")), name="scoring_bands_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"

    @property
    def bands(self) -> rules.Bands:
        return rules.Bands(self.red_at, self.black_below, self.min_inspections)

    def report_due_on(self, month: dt.date) -> dt.date:
        """The report for ``month`` is due on the given day of the month after it."""
        return next_month(month).replace(day=self.report_due_day)

    def report_missing_after(self, month: dt.date) -> dt.date:
        return self.report_due_on(month) + dt.timedelta(days=self.report_grace_days)


class Rubric(models.Model):
    """The scoring rubric of a community for a year. Versioned: once a scorecard uses a version it
    is frozen (``is_frozen``) and changes make a new version."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="rubrics", verbose_name=_("community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    is_frozen = models.BooleanField(_("in use (frozen)"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["community", "-year", "-version"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "version"], name="rubric_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year} v{self.version}"

    def as_rules(self) -> rules.Rubric:
        """The plain rubric ``scorecards.rules`` computes with (needs criteria and vetoes loaded)."""
        return rules.Rubric(
            criteria=tuple(
                rules.Criterion(c.code, c.name, c.name_zh, c.max_points)
                for c in self.criteria.all()
            ),
            veto_items=tuple(
                rules.VetoItem(v.code, v.name, v.name_zh) for v in self.veto_items.all()
            ),
        )


class BilingualName:
    """Rubric wording is data in both languages (``name_zh`` and ``name``): each reader sees
    the one of their language (Chinese when the English one is empty)."""

    name: str
    name_zh: str

    @property
    def display_name(self) -> str:
        english = not (get_language() or "zh").startswith("zh")
        return self.name if english and self.name else self.name_zh


class RubricCriterion(BilingualName, models.Model):
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="criteria", verbose_name=_("rubric")
    )
    code = models.SlugField(_("code"), max_length=40)
    # Names are data in both languages: a published rubric keeps the wording it was scored with.
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    max_points = models.DecimalField(
        _("maximum points"), validators=[MinValueValidator(Decimal("0.01"))], **POINTS
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rubric", "position", "pk"]
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.display_name


class DeductionItem(BilingualName, models.Model):
    """A standard deduction under a criterion (e.g. "stairwell clutter found: 2 points")."""

    criterion = models.ForeignKey(
        RubricCriterion,
        on_delete=models.PROTECT,
        related_name="deduction_items",
        verbose_name=_("criterion"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    points = models.DecimalField(
        _("standard deduction"), validators=[MinValueValidator(Decimal("0.01"))], **POINTS
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["criterion", "position", "pk"]
        verbose_name = _("deduction item")
        verbose_name_plural = _("deduction items")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "code"], name="deduction_code_unique"),
            models.CheckConstraint(condition=Q(points__gt=0), name="deduction_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (-{self.points})"


class VetoItem(BilingualName, models.Model):
    """一票否决: happening in the month black-lists the compound whatever its score."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="veto_items", verbose_name=_("rubric")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rubric", "position", "pk"]
        verbose_name = _("veto item")
        verbose_name_plural = _("veto items")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="veto_code_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name


class Agreement(models.Model):
    """目标责任书: a compound's yearly target-responsibility agreement with its company."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("compound")
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("property company"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    scan = models.FileField(_("signed scan"), upload_to="agreements/%Y/", blank=True)
    target_fee_collection_rate = models.DecimalField(
        _("target fee collection rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    target_complaint_days = models.PositiveSmallIntegerField(
        _("complaints resolved within (days)"), null=True, blank=True
    )
    target_satisfaction = models.DecimalField(
        _("target satisfaction rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    fee_standard = models.CharField(
        _("fee standard"), max_length=200, blank=True, help_text=_("e.g. 0.90 yuan/m² per month")
    )
    fee_vote = models.ForeignKey(
        "committees.Election",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owners' vote on the commitments and fee"),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["compound", "-year"]
        verbose_name = _("target-responsibility agreement")
        verbose_name_plural = _("target-responsibility agreements")
        constraints = [
            models.UniqueConstraint(fields=["compound", "year"], name="agreement_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.year}"


class Commitment(models.Model):
    """清单式承诺: one service the company committed to, approved by owners with the fee."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("agreement")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("commitment"), max_length=300)
    standard = models.CharField(_("service standard"), max_length=300, blank=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["agreement", "position", "pk"]
        verbose_name = _("service commitment")
        verbose_name_plural = _("service commitments")

    def __str__(self) -> str:
        return self.text


# --- Monthly reports -----------------------------------------------------------------------------


class MonthlyReport(models.Model):
    """月报: what the company reports of a compound's month. One per compound and month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned for changes")

    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        verbose_name=_("compound"),
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        verbose_name=_("property company"),
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    staff_on_duty = models.PositiveIntegerField(_("staff on duty"), default=0)
    cleaning_rounds = models.PositiveIntegerField(_("cleaning rounds"), default=0)
    patrol_rounds = models.PositiveIntegerField(_("patrol rounds"), default=0)
    repairs_done = models.PositiveIntegerField(_("repairs done"), default=0)
    repairs_open = models.PositiveIntegerField(_("repairs still open"), default=0)
    complaints_received = models.PositiveIntegerField(_("complaints received"), default=0)
    complaints_resolved = models.PositiveIntegerField(_("complaints resolved"), default=0)
    complaint_hours = models.DecimalField(
        _("average hours to resolve a complaint"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    fee_collection_rate = models.DecimalField(
        _("fee collection rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    safety_incidents = models.PositiveIntegerField(_("safety incidents"), default=0)
    narrative = models.TextField(_("narrative"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "compound"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(fields=["compound", "month"], name="report_month_unique"),
            models.CheckConstraint(condition=_first_of_month(), name="report_month_first_day"),
            models.CheckConstraint(
                condition=Q(fee_collection_rate__isnull=True)
                | Q(fee_collection_rate__gte=0, fee_collection_rate__lte=1),
                name="report_fee_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(complaints_resolved__lte=F("complaints_received")),
                name="report_resolved_le_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.month:%Y-%m}"


class CommitmentStatus(models.Model):
    """How the company says it kept one commitment in the month of a report."""

    class Status(models.TextChoices):
        # A commitment is kept (落实), a candidate's condition met (符合): one English word each.
        MET = "met", pgettext_lazy("commitment", "met")
        PARTLY = "partly", pgettext_lazy("commitment", "partly met")
        NOT_MET = "not_met", pgettext_lazy("commitment", "not met")

    report = models.ForeignKey(
        MonthlyReport,
        on_delete=models.CASCADE,
        related_name="commitment_statuses",
        verbose_name=_("monthly report"),
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="+", verbose_name=_("commitment")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["report", "commitment__position", "commitment_id"]
        verbose_name = _("commitment status")
        verbose_name_plural = _("commitment statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "commitment"], name="commitment_status_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.status}"


class ReportAttachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        DOCUMENT = "document", _("document")

    report = models.ForeignKey(
        MonthlyReport,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("monthly report"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="reports/thumbs/%Y/%m/", blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    is_removed = models.BooleanField(_("removed"), default=False)

    class Meta:
        ordering = ["report", "uploaded_at", "pk"]
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")

    def __str__(self) -> str:
        return self.caption or self.file.name


class StepLog(models.Model):
    """An append-only log entry of one step in an object's life: who did what, when, and why."""

    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class ReportEvent(StepLog):
    """Append-only log of a report's transitions (submit, accept, return, resubmit)."""

    report = models.ForeignKey(
        MonthlyReport, on_delete=models.PROTECT, related_name="events", verbose_name=_("report")
    )

    class Meta:
        ordering = ["report", "at", "pk"]
        verbose_name = _("report event")
        verbose_name_plural = _("report events")


# --- Inspections, complaints, findings and rectifications -----------------------------------------


class Inspection(models.Model):
    """A visit by staff or a grid worker that scores what it sees against the rubric."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("compound")
    )
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=300, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["compound", "inspected_on"])]

    def __str__(self) -> str:
        return f"{self.compound} {self.inspected_on}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos", verbose_name=_("inspection")
    )
    image = models.ImageField(_("photo"), upload_to="inspections/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="inspections/thumbs/%Y/%m/", blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        ordering = ["inspection", "pk"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self) -> str:
        return self.caption or self.image.name


class Complaint(models.Model):
    """A resident's complaint logged by staff; it enters the rectification flow like a finding.

    The complainant's contact stays here, staff-only: nothing public reads this model."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("visit to the office")
        PHONE = "phone", _("phone")
        HOTLINE = "hotline", _("12345 hotline")
        ONLINE = "online", _("online")

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("compound")
    )
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    complainant_contact = models.CharField(_("complainant contact"), max_length=100, blank=True)
    is_collective = models.BooleanField(_("collective complaint"), default=False)
    is_verified = models.BooleanField(_("verified"), default=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.compound} {self.received_on}"


class Finding(models.Model):
    """A deduction-worthy fact of a month: found on an inspection, or a verified complaint.

    ``points`` is what the month's scorecard deducts under ``criterion`` (the deduction item's
    standard points unless staff set otherwise); ``found_on`` decides the month."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="findings", verbose_name=_("compound")
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("inspection"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("complaint"),
    )
    found_on = models.DateField(_("found on"))
    criterion = models.ForeignKey(
        RubricCriterion,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("criterion"),
    )
    deduction_item = models.ForeignKey(
        DeductionItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("deduction item"),
    )
    points = models.DecimalField(
        _("points deducted"), validators=[MinValueValidator(Decimal(0))], **POINTS
    )
    veto_item = models.ForeignKey(
        VetoItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("veto item"),
    )
    description = models.TextField(_("description"))
    photo = models.ImageField(_("photo"), upload_to="findings/%Y/%m/", blank=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [models.Index(fields=["compound", "found_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="finding_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.found_on} {self.criterion}"


class Rectification(models.Model):
    """整改: an item the company must put right by a deadline; staff verify or reopen it.

    It comes from an inspection finding, a logged complaint, or a patrol problem assigned to the
    company (``campaigns.Problem``), so the company answers all three in one inbox."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification status", "open")
        ANSWERED = "answered", _("answered, awaiting verification")
        CLOSED = "closed", _("verified and closed")
        REOPENED = "reopened", _("reopened")

    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("compound"),
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("property company"),
    )
    finding = models.OneToOneField(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        verbose_name=_("finding"),
    )
    problem = models.OneToOneField(
        "campaigns.Problem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification",
        verbose_name=_("patrol problem"),
    )
    description = models.TextField(_("what to put right"))
    created_on = models.DateField(_("raised on"))
    deadline_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("company's answer"), blank=True)
    answer_photo = models.ImageField(
        _("evidence photo"), upload_to="rectifications/%Y/%m/", blank=True
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    class Meta:
        ordering = ["deadline_on", "pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        indexes = [
            models.Index(fields=["company", "status", "deadline_on"]),
            models.Index(fields=["compound", "status", "deadline_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_on__gte=F("created_on")),
                name="rectification_deadline_after_raised",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="rectification_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.created_on}"

    def is_overdue(self, on: dt.date | None = None) -> bool:
        """Past its deadline on ``on`` while the company has still to act (``COMPANY_TURN``): an
        answered item waits for staff, so it is not overdue. ``inspections.overdue_q`` is the
        same condition for querysets (lists, to-do counts, the inbox)."""
        on = on or timezone.localdate()
        return self.status in COMPANY_TURN and self.deadline_on < on


# The company's turn: an answered item waits for staff, so it cannot be overdue for the company.
COMPANY_TURN = (Rectification.Status.OPEN, Rectification.Status.REOPENED)


class RectificationEvent(StepLog):
    """Append-only log of a rectification: raised, answered, verified, reopened (with reasons)."""

    rectification = models.ForeignKey(
        Rectification,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("rectification item"),
    )

    class Meta:
        ordering = ["rectification", "at", "pk"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")


class WeeklyFeedback(models.Model):
    """周反馈: a company's week (Monday to Sunday): new findings, overdue items, items closed.

    Built once per company and week by the Monday task; ``items`` holds the ids it listed so the
    inbox shows exactly what was sent."""

    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="weekly_feedback",
        verbose_name=_("property company"),
    )
    week_start = models.DateField(_("week starting"))
    new_findings = models.PositiveIntegerField(_("new items"), default=0)
    overdue = models.PositiveIntegerField(_("overdue items"), default=0)
    closed = models.PositiveIntegerField(_("items closed"), default=0)
    items = models.JSONField(_("items"), default=dict)
    created_at = models.DateTimeField(_("built at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "company"]
        verbose_name = _("weekly feedback")
        verbose_name_plural = _("weekly feedback")
        constraints = [
            models.UniqueConstraint(fields=["company", "week_start"], name="feedback_week_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.week_start}"


# --- Monthly scorecards, publications and appeals ------------------------------------------------


class Scorecard(models.Model):
    """月评比: one compound's score for one month, drafted by the task, reviewed by staff.

    ``version`` guards concurrent edits: every change is an ``UPDATE ... WHERE version = seen``,
    so the second of two staff editing from the same version gets a conflict, not a lost write."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("compound")
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="scorecards",
        verbose_name=_("property company"),
    )
    month = models.DateField(_("month"))
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("rubric")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    total = models.DecimalField(_("score"), **POINTS)
    inspections = models.PositiveIntegerField(_("inspections"), default=0)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    has_veto = models.BooleanField(_("veto"), default=False)
    has_overdue_rectification = models.BooleanField(_("overdue rectification"), default=False)
    report_status = models.CharField(_("monthly report"), max_length=10, blank=True)
    band = models.CharField(
        _("band"), max_length=10, choices=[(b.value, b.label) for b in rules.Band]
    )
    reasons = models.JSONField(_("reasons"), default=list)
    version = models.PositiveIntegerField(_("version"), default=1)
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    reply_due_on = models.DateField(_("company may reply until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "compound"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["compound", "month"], name="scorecard_month_unique"),
            models.CheckConstraint(condition=_first_of_month(), name="scorecard_month_first_day"),
            models.CheckConstraint(condition=Q(total__gte=0), name="scorecard_total_not_negative"),
        ]
        indexes = [models.Index(fields=["month", "status"])]

    def __str__(self) -> str:
        return f"{self.compound} {self.month:%Y-%m}"

    @property
    def reason_labels(self) -> list[str]:
        """Why the card has its band, in the reader's language (codes of ``rules.Reason``)."""
        known = set(rules.Reason)
        return [str(rules.Reason(code).label) for code in self.reasons if code in known]


class ScoreLine(models.Model):
    """One criterion's points on a scorecard (max - deductions, floored at 0)."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="lines", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        RubricCriterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    deducted = models.DecimalField(_("deducted"), **POINTS)
    points = models.DecimalField(_("points"), **POINTS)

    class Meta:
        ordering = ["scorecard", "criterion__position", "criterion_id"]
        verbose_name = _("score line")
        verbose_name_plural = _("score lines")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="score_line_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"


class ScoreDeduction(models.Model):
    """A deduction on a scorecard: from a finding (evidence linked), the report's compliance, or a
    staff adjustment, which needs a written reason. Adjustments are never edited, only added or
    reversed by another adjustment, so the history of a score is its list of deductions."""

    class Source(models.TextChoices):
        FINDING = "finding", _("finding")
        REPORT = "report", _("monthly report")
        ADJUSTMENT = "adjustment", _("staff adjustment")

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="deductions", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        RubricCriterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    points = models.DecimalField(
        _("points"), help_text=_("Negative to give points back."), **POINTS
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deductions",
        verbose_name=_("finding"),
    )
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["scorecard", "criterion__position", "at", "pk"]
        verbose_name = _("score deduction")
        verbose_name_plural = _("score deductions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="adjustment") | ~Q(reason=""),
                name="adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(source="finding") | Q(finding__isnull=False),
                name="finding_deduction_has_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: -{self.points}"


class VetoEvent(models.Model):
    """A veto item that happened in a scorecard's month, with its evidence."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="vetoes", verbose_name=_("scorecard")
    )
    veto_item = models.ForeignKey(
        VetoItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("veto item")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finding"),
    )
    evidence = models.TextField(_("evidence"))
    is_lifted = models.BooleanField(_("lifted"), default=False)
    lifted_reason = models.TextField(_("why lifted"), blank=True)

    class Meta:
        ordering = ["scorecard", "pk"]
        verbose_name = _("veto event")
        verbose_name_plural = _("veto events")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "veto_item"], name="veto_event_unique"),
        ]

    def __str__(self) -> str:
        return str(self.veto_item)


class ScorecardReply(models.Model):
    """The company's reply to its draft scorecard, and staff's answer to it."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="replies", verbose_name=_("scorecard")
    )
    text = models.TextField(_("reply"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    answer = models.TextField(_("staff answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["scorecard", "at", "pk"]
        verbose_name = _("scorecard reply")
        verbose_name_plural = _("scorecard replies")

    def __str__(self) -> str:
        return f"{self.scorecard} {self.at:%Y-%m-%d}"


class Edition(models.Model):
    """Something a community publishes: immutable once saved; a correction is a new edition
    with ``correction_of`` and a note saying what changed and why. Each kind declares its own
    ``community`` (its own name for the community's editions)."""

    sequence = models.PositiveSmallIntegerField(_("edition"), default=1)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    correction_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    correction_note = models.TextField(_("what changed and why"), blank=True)

    class Meta:
        abstract = True


class Publication(Edition):
    """红黑榜: the published list of a community's month."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name=_("community"),
    )
    month = models.DateField(_("month"))
    red_count = models.PositiveIntegerField(_("red list"), default=0)
    black_count = models.PositiveIntegerField(_("black list"), default=0)
    none_count = models.PositiveIntegerField(_("neither list"), default=0)
    unranked_count = models.PositiveIntegerField(_("not ranked"), default=0)

    class Meta:
        ordering = ["community", "-month", "-sequence"]
        verbose_name = _("red/black list")
        verbose_name_plural = _("red/black lists")
        get_latest_by = "published_at"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "month", "sequence"], name="publication_edition_unique"
            ),
            models.CheckConstraint(condition=_first_of_month(), name="publication_month_first_day"),
            models.CheckConstraint(
                condition=Q(correction_of__isnull=True) | ~Q(correction_note=""),
                name="correction_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.month:%Y-%m} #{self.sequence}"


class PublicationEntry(models.Model):
    """One compound's line in a publication, copied from its scorecard when published, so the
    list says what it said then even if names or scores change later."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="entries", verbose_name=_("publication")
    )
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="entries", verbose_name=_("scorecard")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    company = models.ForeignKey(
        PropertyCompany, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    compound_name = models.CharField(_("compound"), max_length=100)
    company_name = models.CharField(_("property company"), max_length=200)
    score = models.DecimalField(_("score"), **POINTS)
    band = models.CharField(
        _("band"), max_length=10, choices=[(b.value, b.label) for b in rules.Band]
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    veto = models.BooleanField(_("veto"), default=False)
    inspections = models.PositiveIntegerField(_("inspections"), default=0)
    # Public reasons: band reason codes and per-criterion deduction counts, no personal data:
    # {"reasons": ["below_black"], "criteria": [{"code", "name", "name_zh", "count", "points",
    #  "adjusted"?}], "vetoes": [{"code", "name", "name_zh"}]}; "count" is of deductions other
    # than staff adjustments, "adjusted" the adjustments' net points (never their reason or who).
    reasons = models.JSONField(_("reasons"), default=dict)

    class Meta:
        ordering = ["publication", "rank", "compound_name"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "compound"], name="publication_entry_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound_name} {self.score}"

    @property
    def public_score(self) -> Decimal | None:
        """The score the public reads: none for an unranked line (不参评), whose computed score
        (say 100.00 from one clean inspection) was not judged and must not read as one."""
        if self.band == rules.Band.UNRANKED:
            return None
        return self.score


class Appeal(models.Model):
    """A company's appeal of a black listing, decided by staff with a reason; the outcome is
    public. An upheld appeal leads to a correction publication."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    entry = models.OneToOneField(
        PublicationEntry,
        on_delete=models.PROTECT,
        related_name="appeal",
        verbose_name=_("list entry"),
    )
    grounds = models.TextField(_("grounds"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decision = models.TextField(_("decision and reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    correction = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resulting correction"),
    )

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | ~Q(decision=""), name="appeal_decision_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} ({self.get_status_display()})"


class Bulletin(Edition):
    """季通报: the quarterly bulletin of a community, published by staff once the quarter's three
    red/black lists are out: the compounds ranked on their quarter, the companies, the work of
    inspection and rectification, clean-ups, meetings, opinions and elections. ``figures`` is
    the snapshot taken when it was published (names included), so the bulletin says what it said
    then; a later correction is a new edition with ``correction_of`` and a note."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="bulletins", verbose_name=_("community")
    )
    quarter = models.DateField(_("quarter"))
    summary = models.TextField(_("commentary"))
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["community", "-quarter", "-sequence"]
        verbose_name = _("quarterly bulletin")
        verbose_name_plural = _("quarterly bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "quarter", "sequence"], name="bulletin_edition_unique"
            ),
            models.CheckConstraint(
                condition=Q(quarter__day=1, quarter__month__in=[1, 4, 7, 10]),
                name="bulletin_quarter_first_day",
            ),
            models.CheckConstraint(
                condition=Q(correction_of__isnull=True) | ~Q(correction_note=""),
                name="bulletin_correction_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.label} #{self.sequence}"

    @property
    def label(self) -> str:
        return f"{self.quarter.year}-Q{(self.quarter.month - 1) // 3 + 1}"

    @property
    def display(self) -> str:
        """The quarter as readers say it ("2026年第3季度"); ``label`` is for addresses."""
        from tongde.periods import PeriodKind, period_containing

        return period_containing(PeriodKind.QUARTER, self.quarter).display


class Assessment(Edition):
    """年考核: the year of one compound's company against its target-responsibility agreement,
    decided by staff once the year's lists are out. The app suggests a grade from the year's
    record (``rules.suggest_grade``); staff give the grade, and a reason when it differs.
    ``figures`` is the year's record as it stood when published."""

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("community"),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("agreement"),
    )
    grade = models.CharField(
        _("grade"), max_length=10, choices=[(g.value, g.label) for g in rules.Grade]
    )
    suggested_grade = models.CharField(
        _("suggested grade"),
        max_length=10,
        blank=True,
        choices=[(g.value, g.label) for g in rules.Grade],
    )
    grade_reason = models.TextField(_("why the grade differs from the suggestion"), blank=True)
    satisfaction = models.DecimalField(
        _("measured satisfaction rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    conclusion = models.TextField(_("conclusion"))
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["community", "agreement", "-sequence"]
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="assessment_edition_unique"
            ),
            models.CheckConstraint(
                condition=Q(correction_of__isnull=True) | ~Q(correction_note=""),
                name="assessment_correction_has_note",
            ),
            models.CheckConstraint(
                condition=Q(suggested_grade="")
                | Q(grade=F("suggested_grade"))
                | ~Q(grade_reason=""),
                name="assessment_other_grade_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} #{self.sequence}"


class Summons(models.Model):
    """约谈: staff summon a property company for talks, usually over a black listing. The record
    says who attended, what the community put to the company and what the company undertook;
    it may put the compound under closer inspection (so many inspections a month) until a date.
    Withdrawn with a reason, never deleted."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="summonses", verbose_name=_("community")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="summonses",
        verbose_name=_("property company"),
    )
    entry = models.ForeignKey(
        PublicationEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="summonses",
        verbose_name=_("black listing"),
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    staff_present = models.CharField(_("for the community"), max_length=300)
    company_present = models.CharField(_("for the company"), max_length=300)
    issues = models.TextField(_("what the community put to the company"))
    undertakings = models.TextField(_("what the company undertook"))
    measures_due_on = models.DateField(_("measures due on"), null=True, blank=True)
    closer_until = models.DateField(_("closer inspection until"), null=True, blank=True)
    inspections_per_month = models.PositiveSmallIntegerField(
        _("inspections a month meanwhile"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_reason = models.TextField(_("why it was withdrawn"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("summons for talks")
        verbose_name_plural = _("summonses for talks")
        constraints = [
            models.CheckConstraint(
                condition=Q(closer_until__isnull=True) | Q(closer_until__gte=F("held_on")),
                name="summons_closer_after_talks",
            ),
            models.CheckConstraint(
                condition=Q(measures_due_on__isnull=True) | Q(measures_due_on__gte=F("held_on")),
                name="summons_measures_after_talks",
            ),
            models.CheckConstraint(
                condition=Q(is_withdrawn=False) | ~Q(withdrawn_reason=""),
                name="summons_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(inspections_per_month__gte=1, inspections_per_month__lte=31),
                name="summons_inspections_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.held_on}"
