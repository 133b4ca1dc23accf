"""Remediation and creation: clean-up operations, grid patrols, designations, meetings and
regulations (the seed's 整治 and 创建, and the meetings and rules that hold them together)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from compounds.models import Building, Community, Compound, Grid, PropertyCompany


class Disorder(models.Model):
    """One of the "ten disorders" (十乱). Local lists vary, so the list is data per community."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="disorders", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["community", "position", "code"]
        verbose_name = _("disorder")
        verbose_name_plural = _("disorders")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="disorder_code_unique"),
            models.UniqueConstraint(fields=["community", "name"], name="disorder_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """整治行动: one clean-up operation on one day."""

    class Kind(models.TextChoices):
        FRIDAY = "friday", _("Friday concentrated clean-up")
        ROUTINE = "routine", _("routine clean-up")
        SPECIAL = "special", _("special operation")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    topic = models.CharField(
        _("topic"), max_length=100, blank=True, help_text=_("e.g. zombie cars, basements")
    )
    held_on = models.DateField(_("held on"))
    compounds = models.ManyToManyField(
        Compound, related_name="campaigns", verbose_name=_("compounds")
    )
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="campaigns", verbose_name=_("buildings")
    )
    spots = models.CharField(_("spots"), max_length=200, blank=True)
    disorders = models.ManyToManyField(
        Disorder, blank=True, related_name="campaigns", verbose_name=_("disorders tackled")
    )
    truckloads = models.PositiveIntegerField(_("truckloads"), default=0)
    tonnes = models.DecimalField(_("tonnes removed"), max_digits=8, decimal_places=2, default=0)
    vehicles_handled = models.PositiveIntegerField(_("vehicles handled"), default=0)
    # Person-times, kept in step with the participation rows by the services so that totals
    # aggregate one column.
    person_times = models.PositiveIntegerField(_("person-times"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    is_public = models.BooleanField(_("shown to the public"), default=True)
    is_flagged = models.BooleanField(
        _("flagged for review"),
        default=False,
        help_text=_("Truckloads without tonnes, or tonnes without truckloads."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)
    # Who changed the figures, withdrew or restored the operation, and when: the totals of a
    # period are answerable for. (Bulk writes, such as the bench city's, record none.)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("clean-up operation")
        verbose_name_plural = _("clean-up operations")
        constraints = [
            models.CheckConstraint(condition=Q(tonnes__gte=0), name="campaign_tonnes_not_negative")
        ]
        indexes = [models.Index(fields=["community", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", args=[self.pk])


class Participation(models.Model):
    """How many people of one group took part in an operation."""

    class Group(models.TextChoices):
        STAFF = "staff", _("community staff")
        GRID_WORKERS = "grid_workers", _("grid workers")
        COMPANY = "company", _("property company")
        COMMITTEE = "committee", _("committee members and unit heads")
        RESIDENTS = "residents", pgettext_lazy("participation group", "residents")
        VOLUNTEERS = "volunteers", _("urban-management volunteers")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("operation"),
    )
    group = models.CharField(_("group"), max_length=15, choices=Group.choices)
    persons = models.PositiveIntegerField(_("persons"))

    class Meta:
        ordering = ["campaign", "group"]
        verbose_name = _("participation")
        verbose_name_plural = _("participation")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "group"], name="participation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.persons}"


class CampaignPhoto(models.Model):
    class Stage(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="photos", verbose_name=_("operation")
    )
    stage = models.CharField(_("before or after"), max_length=6, choices=Stage.choices)
    image = models.ImageField(_("photo"), upload_to="campaigns/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="campaigns/thumbs/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    is_public = models.BooleanField(_("shown to the public"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "stage", "pk"]
        verbose_name = _("operation photo")
        verbose_name_plural = _("operation photos")

    def __str__(self) -> str:
        return f"{self.campaign} {self.get_stage_display()}"


class Patrol(models.Model):
    """A grid worker's patrol of a grid (level-3 grids patrol and supervise)."""

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("grid")
    )
    patrolled_on = models.DateField(_("patrolled on"))
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patrols",
        verbose_name=_("grid worker"),
    )
    route = models.CharField(_("route or places"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-patrolled_on", "-pk"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self) -> str:
        return f"{self.grid} {self.patrolled_on}"


class Problem(models.Model):
    """A problem found on patrol: fixed on the spot, or a rectification item for the company.

    This is the problem ledger the scorecards app's rectification flow will join.
    """

    class Status(models.TextChoices):
        FIXED_ON_SPOT = "fixed_on_spot", _("fixed on the spot")
        OPEN = "open", pgettext_lazy("problem status", "open")
        ASSIGNED = "assigned", _("assigned to the property company")
        ANSWERED = "answered", _("answered by the company")
        CLOSED = "closed", _("verified and closed")

    patrol = models.ForeignKey(
        Patrol, on_delete=models.PROTECT, related_name="problems", verbose_name=_("patrol")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="problems", verbose_name=_("compound")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("building"),
    )
    disorder = models.ForeignKey(
        Disorder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("disorder"),
    )
    description = models.TextField(_("description"))
    photo = models.ImageField(_("photo"), upload_to="problems/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices)
    found_on = models.DateField(_("found on"))
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("property company"),
    )
    deadline_on = models.DateField(_("deadline"), null=True, blank=True)
    company_answer = models.TextField(_("company's answer"), blank=True)
    answer_photo = models.ImageField(
        _("evidence photo"), upload_to="problems/answers/%Y/%m/", blank=True
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("patrol problem")
        verbose_name_plural = _("patrol problems")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_on__isnull=True) | Q(deadline_on__gte=F("found_on")),
                name="problem_deadline_after_found",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "answered"]) | Q(company__isnull=False),
                name="problem_assigned_has_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.found_on}"


class DesignationTarget(models.Model):
    """The yearly target rate of premium compounds or model courtyards in a community."""

    class Kind(models.TextChoices):
        PREMIUM = "premium", _("premium compound")
        MODEL_COURTYARD = "model_courtyard", _("self-management model courtyard")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="designation_targets",
        verbose_name=_("community"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target_rate = models.DecimalField(_("target rate"), max_digits=4, decimal_places=3)

    class Meta:
        ordering = ["community", "-year", "kind"]
        verbose_name = _("designation target")
        verbose_name_plural = _("designation targets")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "kind"], name="designation_target_unique"
            ),
            models.CheckConstraint(
                condition=Q(target_rate__gte=0, target_rate__lte=1), name="target_rate_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year} {self.get_kind_display()}"


class Designation(models.Model):
    """精品小区 (managed compound) or 自管示范小区 (courtyard), by year."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", pgettext_lazy("designation status", "candidate")
        CREATED = "created", _("created")
        KEPT = "kept", _("kept")
        WITHDRAWN = "withdrawn", _("withdrawn")

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="designations", verbose_name=_("compound")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    theme = models.CharField(
        _("theme"), max_length=100, blank=True, help_text=_("One courtyard, one theme.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "compound"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.UniqueConstraint(fields=["compound", "year"], name="designation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.year} {self.get_status_display()}"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PROMOTION = "promotion", _("promotion, deployment or assessment meeting")
        TRAINING = "training", _("special training")
        JOINT = "joint", _("joint meeting")
        STUDY_VISIT = "study_visit", _("owners' study visit")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=150)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.FileField(_("minutes"), upload_to="meetings/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class MeetingAttendance(models.Model):
    class Organisation(models.TextChoices):
        COMMUNITY = "community", _("community")
        COMPANY = "company", _("property company")
        COMMITTEE = "committee", _("committee")
        OWNERS = "owners", _("owners and residents")
        OTHER = "other", _("other units")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    organisation = models.CharField(_("organisation"), max_length=12, choices=Organisation.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    persons = models.PositiveIntegerField(_("persons"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.get_organisation_display()} {self.persons}"


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting")
    )
    text = models.TextField(_("decision"))
    responsible = models.CharField(_("responsible"), max_length=100)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # A decision struck from the minutes is still on record, with who struck it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return self.text[:40]


class Regulation(models.Model):
    """A community document such as 物业管理合同, 小区居民公约 or 居民议事制度."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="regulations", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=50)
    title = models.CharField(_("title"), max_length=100)

    class Meta:
        ordering = ["community", "title"]
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="regulation_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class RegulationVersion(models.Model):
    regulation = models.ForeignKey(
        Regulation, on_delete=models.PROTECT, related_name="versions", verbose_name=_("regulation")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    adopted_on = models.DateField(_("adopted on"))
    effective_on = models.DateField(_("effective on"))
    summary = models.TextField(_("what changed"), blank=True)
    file = models.FileField(_("file"), upload_to="regulations/%Y/", blank=True)
    compounds = models.ManyToManyField(
        Compound, blank=True, related_name="regulation_versions", verbose_name=_("adopted by")
    )

    class Meta:
        ordering = ["regulation", "-number"]
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        constraints = [
            models.UniqueConstraint(fields=["regulation", "number"], name="version_unique"),
            models.CheckConstraint(
                condition=Q(effective_on__gte=F("adopted_on")), name="version_effective_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regulation} v{self.number}"


class RegulationOpinion(models.Model):
    """An opinion received in the consultation on a revision, and its answer."""

    version = models.ForeignKey(
        RegulationVersion,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=_("version"),
    )
    received_on = models.DateField(_("received on"))
    opinion = models.TextField(_("opinion"))
    answer = models.TextField(_("answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    class Meta:
        ordering = ["version", "received_on", "pk"]
        verbose_name = _("consultation opinion")
        verbose_name_plural = _("consultation opinions")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=F("received_on")),
                name="regulation_opinion_answered_after",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.received_on}"


class ProblemEvent(models.Model):
    """One step in a patrol problem's life: found, answered, closed or reopened.

    The problem row holds only its current state; a reopening overwrites the deadline and the
    company's answer, so the earlier deadline, answer and the reason for sending it back are kept
    here, in order.
    """

    class Action(models.TextChoices):
        FOUND = "found", _("found")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("verified and closed")
        REOPENED = "reopened", _("reopened")

    problem = models.ForeignKey(
        Problem, on_delete=models.CASCADE, related_name="events", verbose_name=_("problem")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    status = models.CharField(_("status after"), max_length=15, choices=Problem.Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    deadline_on = models.DateField(_("deadline"), null=True, blank=True)

    class Meta:
        ordering = ["problem", "at", "pk"]
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_action_display()}"
