"""The community registry: where everything else stands.

District → Street → Community → Grid, and Community → Compound → Building → Unit → Dwelling, with
owners (who hold dwellings) and households (who live in them) kept apart, because the law counts
owners and the community counts residents. Property companies serve compounds through dated
service contracts so that history survives a change of company.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

# --- Natural order of codes ---------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d+")
SORT_KEY_DIGITS = 10


def natural_sort_key(code: str) -> str:
    """``code`` as a text that sorts the way people count: every run of digits padded with zeros
    to ten places (longer runs keep their length), so "2号楼" < "10号楼" and "101" < "1001" < "1101"
    compare correctly as plain text. Full-width digits count as the same digits. Codes with the
    same number ("01" and "1") get the same key; lists break the tie by the code itself."""
    return _DIGIT_RUN.sub(lambda m: str(int(m.group())).zfill(SORT_KEY_DIGITS), code or "")


def fill_sort_keys(objs: Iterable[Any]) -> None:
    """Set ``sort_key`` from ``code`` on rows about to be written without ``save()``."""
    for obj in objs:
        obj.sort_key = natural_sort_key(obj.code)


class CodeSortedQuerySet(models.QuerySet):
    """``bulk_create`` and ``bulk_update`` keep ``sort_key`` in step with ``code``, as ``save()``
    does, so that rows written in bulk (demo data, generators) sort like the others."""

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        fill_sort_keys(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kwargs: Any):
        fields = list(fields)
        if "code" in fields:
            objs = list(objs)
            fill_sort_keys(objs)
            if "sort_key" not in fields:
                fields.append("sort_key")
        return super().bulk_update(objs, fields, *args, **kwargs)


class CodeSorted(models.Model):
    """A registry level whose ``code`` people count (buildings, units, dwellings): the stored,
    indexed ``sort_key`` lets lists sort in that order in SQL and page there."""

    # A code of 30 characters has at most 15 runs of digits: 15 × 10 + 15 characters.
    sort_key = models.CharField(_("sort key"), max_length=200, editable=False, default="")

    objects = CodeSortedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_key = natural_sort_key(self.code)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "code" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)


class District(models.Model):
    """区/县: e.g. 肃州区."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """街道: the street office above communities."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50)

    class Meta:
        ordering = ["district__name", "name"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="street_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区: the unit one team of staff runs; one instance may hold many."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gt=0),
                name="community_area_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("compounds:community_detail", args=[self.slug])


class PropertyCompany(models.Model):
    """物业服务企业."""

    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        help_text=_("The 18-character code on the business licence."),
    )
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("compounds:company_detail", args=[self.pk])


class Compound(models.Model):
    """小区: a managed compound (物管小区) or a self-managed courtyard (散居楼院)."""

    class Kind(models.TextChoices):
        MANAGED = "managed", _("managed compound")
        COURTYARD = "courtyard", _("self-managed courtyard")

    class AccessControl(models.TextChoices):
        NONE = "none", _("none")
        CARD = "card", _("card")
        FACE = "face", _("face recognition")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    access_control = models.CharField(
        _("access control"),
        max_length=10,
        choices=AccessControl.choices,
        default=AccessControl.NONE,
    )
    parking_spaces = models.PositiveIntegerField(_("parking spaces"), default=0)
    fire_lanes = models.PositiveIntegerField(_("fire lanes"), default=0)
    cameras = models.PositiveIntegerField(_("cameras"), default=0)
    registered_on = models.DateField(_("registered on"), default=dt.date(2020, 1, 1))
    is_archived = models.BooleanField(_("archived"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["community__name", "kind", "code"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="compound_code_unique"),
            models.UniqueConstraint(fields=["community", "name"], name="compound_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("compounds:compound_detail", args=[self.pk])

    @property
    def has_access_control(self) -> bool:
        return self.access_control != self.AccessControl.NONE


class ServiceContractQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None) -> ServiceContractQuerySet:
        """Contracts in force on ``on`` (today in Asia/Shanghai by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class ServiceContract(models.Model):
    """A property company serving a managed compound from one date to another.

    Never edited to switch companies: the old contract gets an end date and a new one starts, so
    the scores and reports of past months stay tied to the company that served then.
    """

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("compound")
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("property company"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = ServiceContractQuerySet.as_manager()

    class Meta:
        ordering = ["compound", "-starts_on"]
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="contract_dates_ordered",
            ),
            models.UniqueConstraint(fields=["compound", "starts_on"], name="contract_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.compound} · {self.company} ({self.starts_on:%Y-%m-%d})"


class Grid(models.Model):
    """网格. Level 3 patrols and supervises; levels 4 and 5 are assigned buildings and see that
    fixes happen."""

    class Level(models.IntegerChoices):
        THREE = 3, _("level 3")
        FOUR = 4, _("level 4")
        FIVE = 5, _("level 5")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent grid"),
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids",
        verbose_name=_("grid worker"),
    )
    compounds = models.ManyToManyField(
        Compound, blank=True, related_name="grids", verbose_name=_("compounds")
    )
    buildings = models.ManyToManyField(
        "Building", blank=True, related_name="grids", verbose_name=_("buildings")
    )

    class Meta:
        ordering = ["community__name", "level", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="grid_code_unique"),
            models.CheckConstraint(condition=Q(level__in=[3, 4, 5]), name="grid_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"

    def get_absolute_url(self) -> str:
        return reverse("compounds:grid_detail", args=[self.pk])


class Building(CodeSorted):
    """楼栋."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("compound")
    )
    code = models.CharField(_("code"), max_length=30)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)

    class Meta:
        ordering = ["compound", "sort_key", "code"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["compound", "code"], name="building_code_unique")
        ]
        indexes = [models.Index(fields=["compound", "sort_key"], name="building_sort_key")]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("compounds:building_detail", args=[self.pk])


class Unit(CodeSorted):
    """单元: a stairwell of a building."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    code = models.CharField(_("code"), max_length=30)

    class Meta:
        ordering = ["building", "sort_key", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["building", "code"], name="unit_code_unique")
        ]
        indexes = [models.Index(fields=["building", "sort_key"], name="unit_sort_key")]

    def __str__(self) -> str:
        return f"{self.building} {self.code}"


class Owner(models.Model):
    """业主: a person or an organisation, identified by the community's own ``owner_ref``.

    One owner may hold several dwellings; under Art. 278 such an owner counts once by head.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="owners", verbose_name=_("community")
    )
    owner_ref = models.CharField(_("owner reference"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["community", "owner_ref"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        constraints = [
            models.UniqueConstraint(fields=["community", "owner_ref"], name="owner_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.owner_ref} {self.name}"


class Dwelling(CodeSorted):
    """户 / 专有部分: the exclusive part whose registered area counts in owners' votes."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("unit")
    )
    code = models.CharField(_("code"), max_length=30)
    area_m2 = models.DecimalField(_("registered area (m²)"), max_digits=9, decimal_places=2)
    owner = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dwellings",
        verbose_name=_("owner"),
    )
    is_developer_held = models.BooleanField(_("held by the developer"), default=False)
    # The sort key follows the code: its history says nothing the code's does not.
    history = HistoricalRecords(excluded_fields=["sort_key"])

    class Meta:
        ordering = ["unit", "sort_key", "code"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="dwelling_code_unique"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="dwelling_area_positive"),
        ]
        indexes = [models.Index(fields=["unit", "sort_key"], name="dwelling_sort_key")]

    def __str__(self) -> str:
        return f"{self.unit} {self.code}"


class Household(models.Model):
    """住户: the people living in a dwelling, who may not be its owners.

    A household that moves out gets ``moved_out_on`` instead of being deleted, so past counts
    stay true.
    """

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="households", verbose_name=_("dwelling")
    )
    residents = models.PositiveSmallIntegerField(_("residents"))
    head_name = models.CharField(_("head of household"), max_length=100, blank=True)
    is_owner_occupied = models.BooleanField(_("owner lives here"), default=True)
    moved_in_on = models.DateField(_("moved in on"), default=dt.date(2020, 1, 1))
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["dwelling"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.CheckConstraint(condition=Q(residents__gte=1), name="household_has_residents"),
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=F("moved_in_on")),
                name="household_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.residents})"


class Membership(models.Model):
    """What a user may do, and where.

    Staff and grid workers belong to a community; a company user to a property company (and so
    sees only the compounds that company serves); a committee member to the committee of one
    compound. A user may hold several memberships. The public needs none.
    """

    class Role(models.TextChoices):
        STAFF = "staff", _("community staff")
        GRID_WORKER = "grid_worker", _("grid worker")
        COMPANY = "company", _("property company user")
        COMMITTEE = "committee", _("committee member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("community"),
    )
    company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("property company"),
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("compound"),
    )
    # Who granted or ended a role, and when: accounts pages show it; the audit needs it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=["staff", "grid_worker"],
                        community__isnull=False,
                        company__isnull=True,
                        compound__isnull=True,
                    )
                    | Q(
                        role="company",
                        company__isnull=False,
                        community__isnull=True,
                        compound__isnull=True,
                    )
                    | Q(
                        role="committee",
                        compound__isnull=False,
                        community__isnull=True,
                        company__isnull=True,
                    )
                ),
                name="membership_scope_matches_role",
            ),
            *(
                models.UniqueConstraint(
                    fields=["user", "role", scope],
                    condition=Q(**{f"{scope}__isnull": False}),
                    name=f"membership_{scope}_unique",
                )
                for scope in ("community", "company", "compound")
            ),
        ]

    def __str__(self) -> str:
        scope = self.community or self.company or self.compound
        return f"{self.user} · {self.get_role_display()} · {scope}"


class Residency(models.Model):
    """住户认证: an account's claim to live in, or own, a dwelling, which the community checks
    against its registry before the account can sign in.

    A resident registers with the name, phone and address the community can check (the owner of
    record, the household head, a call); staff or the grid worker verify or refuse it with a
    reason. A claim that ends (moved out, sold) is ended, never deleted: the opinions the
    account gave stay attributable.
    """

    class Relation(models.TextChoices):
        OWNER = "owner", _("owner")
        FAMILY = "family", _("family member of the owner")
        TENANT = "tenant", _("tenant")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the community's check")
        VERIFIED = "verified", pgettext_lazy("residency", "verified")
        REFUSED = "refused", _("not verified")
        ENDED = "ended", pgettext_lazy("residency", "ended")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="residencies",
        verbose_name=_("account"),
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="residencies", verbose_name=_("dwelling")
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    full_name = models.CharField(_("full name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why a claim was refused or ended: the resident reads it when signing in.
    note = models.TextField(_("reason"), blank=True)
    # A refused claim keeps its name and phone only REFUSED_REGISTRATION_KEEP_DAYS (see
    # compounds/retention.py); the decision, its reason and the dwelling stay for the audit.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-applied_at", "-pk"]
        verbose_name = _("resident registration")
        verbose_name_plural = _("resident registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "dwelling"],
                condition=Q(status__in=["pending", "verified"]),
                name="residency_live_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="residency_decision_dated",
            ),
        ]
        indexes = [models.Index(fields=["status", "dwelling"], name="residency_status_dwelling")]

    def __str__(self) -> str:
        return f"{self.display_name} · {self.dwelling} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("compounds:residency_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return str(_("(name erased)"))
        return self.full_name


class AccountEvent(models.Model):
    """What staff did to an account beyond its roles (which keep their own history): a password
    link handed out, a deactivation, a reactivation. Kept for the audit: a password link lets
    whoever holds it sign in as the account's owner."""

    class Kind(models.TextChoices):
        CREATED = "created", _("account created")
        PASSWORD_LINK = "password_link", _("password link issued")
        DEACTIVATED = "deactivated", _("deactivated")
        REACTIVATED = "reactivated", _("reactivated")
        # Not a staff decision about the account: its last verified home ended (see
        # compounds/residents.py); verifying another home lets it sign in again.
        HOMES_ENDED = "homes_ended", _("signing in stopped: no verified home left")
        # Done on schedule, by nobody (``by`` is empty): see compounds/retention.py.
        ERASED = "erased", _("personal data erased: refused registration kept its full time")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="account_events",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    # Empty for what the system does on schedule (the erasure of a refused registration).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")

    def __str__(self) -> str:
        return f"{self.account} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class RegistryImport(models.Model):
    """One uploaded registry file, kept for the audit trail whether or not it was applied."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        INVALID = "invalid", _("rejected: errors found")
        APPLIED = "applied", _("applied")
        # Staff chose not to apply it: kept with its file for the audit, never confirmed.
        CANCELLED = "cancelled", _("cancelled")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="imports", verbose_name=_("community")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="registry_imports",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class AccountPreference(models.Model):
    """What an account chose for itself: the language its mail is written in (and its links
    lead to). No row, or no language, is the site's ``LANGUAGE_CODE``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("account"),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("account preference")
        verbose_name_plural = _("account preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or settings.LANGUAGE_CODE}"
