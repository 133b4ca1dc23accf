"""Committees, their leaders, and the owners' votes that elect them or decide motions.

A committee belongs to one compound: an owners' committee (业主委员会) for a managed compound, a
self-management committee (自管委员会) for a courtyard. An election or motion runs through the
steps of ``Election.Stage``; every step and objection is appended to ``ElectionLogEntry``, which
nobody can edit. The voter roll is frozen from the registry when voting opens; one dwelling casts
one ballot (a database constraint); the tally arithmetic is ``committees.rules``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from compounds.models import Building, Compound, Dwelling, Owner, Unit

from .rules import Matter


class Committee(models.Model):
    class Kind(models.TextChoices):
        OWNERS = "owners", _("owners' committee")
        SELF_MANAGEMENT = "self_management", _("self-management committee")

    compound = models.OneToOneField(
        Compound, on_delete=models.PROTECT, related_name="committee", verbose_name=_("compound")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    term_starts_on = models.DateField(_("term starts on"), null=True, blank=True)
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    filed_on = models.DateField(_("filed with the street office on"), null=True, blank=True)
    term_reminder_sent_on = models.DateField(_("term reminder sent on"), null=True, blank=True)

    class Meta:
        ordering = ["compound__community__name", "compound__code"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_starts_on__isnull=True)
                | Q(term_ends_on__gt=F("term_starts_on")),
                name="committee_term_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("committees:committee_detail", args=[self.pk])


class CommitteeMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        VICE_CHAIR = "vice_chair", _("vice-chair")
        MEMBER = "member", _("member")

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="members", verbose_name=_("committee")
    )
    name = models.CharField(_("name"), max_length=60)
    owner = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_seats",
        verbose_name=_("owner"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    term_starts_on = models.DateField(_("term starts on"))
    term_ends_on = models.DateField(_("term ends on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    is_party_member = models.BooleanField(_("Party member"), default=False)
    is_veteran = models.BooleanField(_("veteran"), default=False)
    is_cadre = models.BooleanField(_("cadre or retired cadre"), default=False)
    has_company_tie = models.BooleanField(
        _("works at or is related to the serving property company"), default=False
    )

    class Meta:
        ordering = ["committee", "role", "name"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_ends_on__gt=F("term_starts_on")),
                name="member_term_ordered",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("term_starts_on")),
                name="member_left_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class _Head(models.Model):
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    owner = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("owner"),
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        abstract = True


class BuildingHead(_Head):
    """楼院长: one per building, dated."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="heads", verbose_name=_("building")
    )

    class Meta:
        ordering = ["building", "-starts_on"]
        verbose_name = _("building head")
        verbose_name_plural = _("building heads")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="building_head_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["building"],
                condition=Q(ends_on__isnull=True),
                name="one_current_building_head",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building} · {self.name}"


class UnitHead(_Head):
    """单元长: one per unit, dated."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="heads", verbose_name=_("unit")
    )

    class Meta:
        ordering = ["unit", "-starts_on"]
        verbose_name = _("unit head")
        verbose_name_plural = _("unit heads")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="unit_head_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(ends_on__isnull=True), name="one_current_unit_head"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"


class Election(models.Model):
    """A re-election (换届选举) or an owners' assembly motion on one Art. 278 matter."""

    class Kind(models.TextChoices):
        ELECTION = "election", _("committee election")
        MOTION = "motion", _("motion")

    class Stage(models.TextChoices):
        # In order; committees/elections.py holds the minimum durations and the transitions.
        PREPARATION = "preparation", _("preparation group")
        NOMINATION = "nomination", _("nomination")
        VETTING = "vetting", _("candidate vetting")
        PUBLICITY = "publicity", _("publicity of candidates")
        VOTING = "voting", _("voting")
        TALLY = "tally", _("tally")
        RESULT_PUBLICITY = "result_publicity", _("publicity of the result")
        FIRST_MEETING = "first_meeting", _("first meeting")
        FILING = "filing", _("filing")
        CLOSED = "closed", _("closed")

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="elections", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    matter = models.PositiveSmallIntegerField(
        _("matter (Civil Code Art. 278)"),
        choices=[(m.value, f"{m.value}. {m.zh}") for m in Matter],
        default=Matter.ELECT_COMMITTEE,
    )
    title = models.CharField(_("title"), max_length=200)
    # What owners read: the motion put to the vote, or the election notice.
    text = models.TextField(_("motion text / notice"), blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.PREPARATION
    )
    stage_started_at = models.DateTimeField(_("stage started at"))
    voting_opens_at = models.DateTimeField(_("voting opens at"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes at"), null=True, blank=True)
    roll_frozen_at = models.DateTimeField(_("roll frozen at"), null=True, blank=True)
    tally = models.JSONField(_("tally"), null=True, blank=True)
    tallied_at = models.DateTimeField(_("tallied at"), null=True, blank=True)
    tallied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tallied by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("election or motion")
        verbose_name_plural = _("elections and motions")
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_closes_at__isnull=True)
                | Q(voting_opens_at__isnull=True)
                | Q(voting_closes_at__gt=F("voting_opens_at")),
                name="election_voting_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind="motion") | Q(seats__gte=1),
                name="election_has_seats",
            ),
            models.CheckConstraint(condition=Q(matter__gte=1, matter__lte=9), name="matter_1_to_9"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("committees:election_detail", args=[self.pk])


class ElectionStep(models.Model):
    """When each step of an election started and ended."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="steps", verbose_name=_("election")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Election.Stage.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["election", "started_at"]
        verbose_name = _("election step")
        verbose_name_plural = _("election steps")
        constraints = [
            models.UniqueConstraint(fields=["election", "stage"], name="one_step_per_stage"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="step_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election} · {self.get_stage_display()}"


class ElectionLogEntry(models.Model):
    """Append-only: every transition, objection, answer, vetting decision and tally."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="log", verbose_name=_("election")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["election", "at", "pk"]
        verbose_name = _("election log entry")
        verbose_name_plural = _("election log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs) -> None:
        # The log is evidence: once written it is never changed.
        if self.pk is not None:
            raise ValueError("election log entries cannot be edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("election log entries cannot be deleted")


class Objection(models.Model):
    """An objection to the candidate list or result during publicity, answered in writing."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="objections", verbose_name=_("election")
    )
    raised_by = models.CharField(_("raised by"), max_length=100)
    raised_on = models.DateField(_("raised on"))
    content = models.TextField(_("objection"))
    answer = models.TextField(_("written answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        ordering = ["election", "raised_on", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=F("raised_on")),
                name="objection_answered_after_raised",
            )
        ]

    def __str__(self) -> str:
        return f"{self.raised_on} {self.raised_by}"


class Candidate(models.Model):
    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("election")
    )
    name = models.CharField(_("name"), max_length=60)
    owner = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacies",
        verbose_name=_("owner"),
    )
    nominated_on = models.DateField(_("nominated on"))
    is_party_member = models.BooleanField(_("Party member"), default=False)
    is_veteran = models.BooleanField(_("veteran"), default=False)
    is_cadre = models.BooleanField(_("cadre or retired cadre"), default=False)
    statement = models.TextField(_("statement"), blank=True)
    # The candidate's own withdrawal (自愿退出), recorded by staff: the row stays, off the ballot.
    # A refusal by vetting is the vetting's decision instead, not a withdrawal.
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )

    class Meta:
        ordering = ["election", "pk"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["election", "name"], name="candidate_name_unique"),
            # A withdrawal always has its date and its written reason; a standing candidate none.
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True, withdrawal_reason="")
                | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_reason="")),
                name="candidate_withdrawal_has_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class Vetting(models.Model):
    """资格审查 of one candidate: a checklist and a decision with reviewer, time and reason."""

    class Condition(models.TextChoices):
        CIVIL_CAPACITY = "civil_capacity", _("full civil capacity")
        LAW_ABIDING = "law_abiding", _("law-abiding")
        KEEPS_COVENANT = "keeps_covenant", _("keeps the covenant and has no fee arrears")
        PUBLIC_SPIRITED = "public_spirited", _("public-spirited and fair")
        ABLE_TO_ORGANISE = "able_to_organise", _("able to organise")
        HAS_TIME = "has_time", _("has the time")
        NO_COMPANY_TIE = (
            "no_company_tie",
            _("not employed by, nor close kin of staff at, the serving property company"),
        )

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        QUALIFIED = "qualified", _("qualified")
        NOT_QUALIFIED = "not_qualified", _("not qualified")

    candidate = models.OneToOneField(
        Candidate, on_delete=models.PROTECT, related_name="vetting", verbose_name=_("candidate")
    )
    decision = models.CharField(
        _("decision"), max_length=15, choices=Decision.choices, default=Decision.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("vetting")
        verbose_name_plural = _("vettings")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="pending")
                | Q(reviewer__isnull=False, decided_at__isnull=False),
                name="vetting_decision_has_reviewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate} · {self.get_decision_display()}"


class VettingItem(models.Model):
    vetting = models.ForeignKey(
        Vetting, on_delete=models.PROTECT, related_name="items", verbose_name=_("vetting")
    )
    condition = models.CharField(_("condition"), max_length=20, choices=Vetting.Condition.choices)
    is_met = models.BooleanField(_("met"), null=True)
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["vetting", "pk"]
        verbose_name = _("vetting item")
        verbose_name_plural = _("vetting items")
        constraints = [
            models.UniqueConstraint(fields=["vetting", "condition"], name="vetting_item_unique")
        ]

    def __str__(self) -> str:
        return self.get_condition_display()


class RollEntry(models.Model):
    """One dwelling on the frozen voter roll: its registered area and owner when voting opened."""

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="roll", verbose_name=_("election")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="+", verbose_name=_("dwelling")
    )
    area_m2 = models.DecimalField(_("registered area (m²)"), max_digits=9, decimal_places=2)
    owner = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    is_developer_held = models.BooleanField(_("held by the developer"), default=False)
    voting_code_hash = models.CharField(_("voting code (hashed)"), max_length=128, blank=True)
    voting_code_used_at = models.DateTimeField(_("voting code used at"), null=True, blank=True)

    class Meta:
        ordering = ["election", "dwelling"]
        verbose_name = _("voter roll entry")
        verbose_name_plural = _("voter roll")
        constraints = [
            models.UniqueConstraint(fields=["election", "dwelling"], name="roll_dwelling_unique"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="roll_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.election} · {self.dwelling}"


class ProxyAuthorisation(models.Model):
    """A recorded authorisation for someone to vote for a dwelling's owner."""

    roll_entry = models.ForeignKey(
        RollEntry, on_delete=models.PROTECT, related_name="proxies", verbose_name=_("dwelling")
    )
    proxy_name = models.CharField(_("proxy"), max_length=60)
    document = models.FileField(_("signed authorisation"), upload_to="proxies/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proxy authorisation")
        verbose_name_plural = _("proxy authorisations")

    def __str__(self) -> str:
        return f"{self.roll_entry} → {self.proxy_name}"


class Ballot(models.Model):
    """One dwelling's ballot. Never shown joined to its dwelling outside the staff audit."""

    class Channel(models.TextChoices):
        DOOR_TO_DOOR = "door_to_door", _("paper, door to door")
        ON_SITE = "on_site", _("paper, on site")
        ONLINE = "online", _("online with a voting code")

    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("election")
    )
    roll_entry = models.ForeignKey(
        RollEntry, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("dwelling")
    )
    choices = models.JSONField(_("choices"))
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    proxy = models.ForeignKey(
        ProxyAuthorisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("proxy authorisation"),
    )
    receipt_code = models.CharField(_("receipt code"), max_length=20, unique=True)
    cast_at = models.DateTimeField(_("cast at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        ordering = ["election", "cast_at"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            # One dwelling, one ballot.
            models.UniqueConstraint(
                fields=["election", "roll_entry"], name="one_ballot_per_dwelling"
            )
        ]

    def __str__(self) -> str:
        return self.receipt_code


class Consultation(models.Model):
    """民情民意: an opinion gathered from residents, and the answer given."""

    class Channel(models.TextChoices):
        CHAT_GROUP = "chat_group", _("chat group")
        PHONE = "phone", _("phone")
        STAFF_VISIT = "staff_visit", _("staff visit")
        DOOR_TO_DOOR = "door_to_door", _("door to door")
        MEETING = "meeting", _("meeting")
        # Given by the resident through their own account (``recorded_by`` is that account).
        ONLINE = "online", _("online, by the resident")

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("compound")
    )
    topic = models.CharField(_("topic"), max_length=100)
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    resident_name = models.CharField(_("resident"), max_length=60, blank=True)
    opinion = models.TextField(_("opinion"))
    # A photo the resident sent with an online opinion (checked by content, renamed).
    photo = models.ImageField(_("photo"), upload_to="opinions/%Y/%m/", blank=True)
    photo_thumbnail = models.ImageField(
        _("thumbnail"), upload_to="opinions/thumbs/%Y/%m/", blank=True
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    # Bumped by every answer and amendment: the answer form carries the version it was opened
    # with, so that of two staff answering at once the second is refused, not lost.
    answer_version = models.PositiveIntegerField(_("answer version"), default=0)
    # When the answer was last amended (the resident reads that it was); the amendments, with
    # the text each replaced, are ``ConsultationAnswerAmendment`` rows.
    answer_amended_at = models.DateTimeField(_("answer amended at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # An answer may be corrected: the earlier wording stays in the history for the audit.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "pk"]
        verbose_name = _("resident consultation")
        verbose_name_plural = _("resident consultations")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=F("received_on")),
                name="consultation_answered_after_received",
            )
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.topic}"


class ConsultationAnswerAmendment(models.Model):
    """One amendment of an opinion's answer, with the text it replaced: append-only."""

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("resident consultation"),
    )
    previous_answer = models.TextField(_("previous answer"))
    previous_answered_on = models.DateField(_("previous answer given on"), null=True)
    answer = models.TextField(_("amended answer"))
    reason = models.TextField(_("reason for the amendment"))
    amended_at = models.DateTimeField(_("amended at"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amended by"),
    )

    class Meta:
        ordering = ["consultation", "amended_at", "pk"]
        verbose_name = _("answer amendment")
        verbose_name_plural = _("answer amendments")

    def __str__(self) -> str:
        return f"{self.consultation} · {self.amended_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        # Evidence of what the resident was told: once written it is never changed.
        if self.pk is not None:
            raise ValueError("answer amendments cannot be edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("answer amendments cannot be deleted")
