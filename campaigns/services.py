"""Writes for clean-up operations and the disorder list.

Every service is atomic and refuses bad input with ``ValidationError`` keyed by the form field it
concerns, using the message constants below (tests reuse them). Photos are checked before any row
or file is written, so one bad photo saves nothing. ``person_times`` is always the sum of the
participation rows, written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community
from tongde import rollups, uploads
from tongde.history import history_actor
from tongde.text import long_date

from .models import Campaign, CampaignPhoto, Disorder, Participation
from .rollups import OPERATION_STATS
from .rules import is_mismatched_load

FUTURE_DATE = _("The operation cannot be in the future: today is %(today)s.")
NEGATIVE = _("Cannot be negative.")
NEGATIVE_PERSONS = _("The number of %(group)s cannot be negative.")
NO_PERSONS = _("Say how many people took part.")
NO_COMPOUND = _("Choose at least one compound or courtyard.")
FOREIGN_COMPOUND = _("%(name)s is not a compound of this community.")
FOREIGN_BUILDING = _("Building %(name)s is not in the compounds chosen.")
FOREIGN_DISORDER = _("%(name)s is not on this community's list of disorders.")
INACTIVE_DISORDER = _("%(name)s is no longer in use.")
UNKNOWN_GROUP = _("Unknown participant group %(group)s.")
UNKNOWN_STAGE = _("A photo is either before or after.")
TOO_MANY_PHOTOS = _("At most %(limit)s photos at a time.")
BAD_PHOTO = _("%(file)s: %(reason)s")
ALREADY_WITHDRAWN = _("The operation is already withdrawn.")
NOT_WITHDRAWN = _("The operation is not withdrawn.")
WITHDRAWN_READ_ONLY = _("This operation is withdrawn: restore it before editing it.")
FLAGGED_WARNING = _(
    "Truckloads without tonnes, or tonnes without truckloads: the operation is saved and "
    "flagged for review."
)
DISORDER_IN_USE = _(
    "%(name)s is used by %(count)s operations or problems: deactivate it instead of deleting it."
)
DISORDER_NAME_TAKEN = _("This community already has a disorder named %(name)s.")
DISORDER_CODE_TAKEN = _("This community already has a disorder with code %(code)s.")

MAX_PHOTOS = 12

# The ten disorders (十乱) most lists share, with ASCII codes; local lists differ, so staff edit
# this seed afterwards.
COMMON_DISORDERS: tuple[tuple[str, str], ...] = (
    ("piling", "乱堆乱放"),
    ("building", "乱搭乱建"),
    ("posting", "乱贴乱画"),
    ("parking", "乱停乱放"),
    ("hanging", "乱拉乱挂"),
    ("dumping", "乱扔乱倒"),
    ("stalls", "乱摆摊点"),
    ("stairwell", "楼道杂物"),
    ("basement", "地下室废弃家具"),
    ("zombie_cars", "僵尸车"),
)

CAMPAIGN_FIELDS = (
    "kind",
    "topic",
    "held_on",
    "spots",
    "truckloads",
    "tonnes",
    "vehicles_handled",
    "notes",
    "is_public",
)

PhotoUpload = tuple[str, IO[bytes]]


def _user_or_none(user: Any) -> Any:
    # Commands (the demo loader) record without a user.
    return user if getattr(user, "is_authenticated", False) else None


# Disorders ---------------------------------------------------------------------------------------


@transaction.atomic
def disorders_seed(*, community: Community) -> list[Disorder]:
    """Add the common disorders the community does not have yet (by code); never renames,
    reorders or reactivates one staff have changed. Safe to run twice."""
    existing = Disorder.objects.filter(community=community)
    codes = set(existing.values_list("code", flat=True))
    names = set(existing.values_list("name", flat=True))
    created = []
    for position, (code, name) in enumerate(COMMON_DISORDERS, start=1):
        if code in codes or name in names:
            continue
        disorder = Disorder(community=community, code=code, name=name, position=position * 10)
        disorder.full_clean()
        disorder.save()
        created.append(disorder)
    return created


def _disorder_unique(*, community: Community, name: str, code: str, pk: int | None) -> None:
    others = Disorder.objects.filter(community=community).exclude(pk=pk)
    errors: dict[str, list] = {}
    if others.filter(name=name).exists():
        errors["name"] = [DISORDER_NAME_TAKEN % {"name": name}]
    if others.filter(code=code).exists():
        errors["code"] = [DISORDER_CODE_TAKEN % {"code": code}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def disorder_create(
    *, community: Community, name: str, code: str = "", position: int | None = None, user: Any
) -> Disorder:
    """A new disorder at the end of the list (or at ``position``). Without a code, one is made
    up (``d<n>``), since names are Chinese and codes are ASCII."""
    name = name.strip()
    code = code.strip()
    if not code:
        count = Disorder.objects.filter(community=community).count() + 1
        code = f"d{count}"
        while Disorder.objects.filter(community=community, code=code).exists():
            count += 1
            code = f"d{count}"
    if position is None:
        last = Disorder.objects.filter(community=community).aggregate(m=Max("position"))["m"]
        position = (last or 0) + 10
    _disorder_unique(community=community, name=name, code=code, pk=None)
    disorder = Disorder(community=community, name=name, code=code, position=position)
    disorder.full_clean()
    disorder.save()
    return disorder


@transaction.atomic
def disorder_update(
    *, disorder: Disorder, name: str, position: int, is_active: bool, user: Any
) -> Disorder:
    """Rename, move or (de)activate. The code stays: rollups and open data key on it."""
    disorder = Disorder.objects.select_for_update().get(pk=disorder.pk)
    name = name.strip()
    _disorder_unique(community=disorder.community, name=name, code=disorder.code, pk=disorder.pk)
    disorder.name = name
    disorder.position = position
    disorder.is_active = is_active
    disorder.full_clean()
    disorder.save()
    return disorder


@transaction.atomic
def disorder_move(*, disorder: Disorder, up: bool, user: Any) -> None:
    """Swap with the neighbour above or below; renumbers the list in tens first so that equal
    positions (a seed edited by hand) still move."""
    items = list(
        Disorder.objects.select_for_update()
        .filter(community_id=disorder.community_id)
        .order_by("position", "code")
    )
    index = next(i for i, d in enumerate(items) if d.pk == disorder.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        if item.position != position * 10:
            item.position = position * 10
            item.save(update_fields=["position"])


@transaction.atomic
def disorder_delete(*, disorder: Disorder, user: Any) -> None:
    """Only a disorder nothing refers to; one in use is deactivated instead, so past operations
    and problems keep their label."""
    disorder = Disorder.objects.select_for_update().get(pk=disorder.pk)
    if refusal := disorder_delete_refusal(disorder):
        raise ValidationError(refusal)
    disorder.delete()


def disorder_delete_refusal(disorder: Disorder) -> str:
    """Why ``disorder`` cannot be deleted (it is in use), or "" when it can."""
    used = disorder.campaigns.count() + disorder.problems.count()
    return DISORDER_IN_USE % {"name": disorder.name, "count": used} if used else ""


# Operations --------------------------------------------------------------------------------------


def _check_photos(photos: Iterable[PhotoUpload]) -> list[tuple[str, Any, Any]]:
    """Check every photo before anything is written; return (stage, original, thumbnail)."""
    photos = list(photos)
    errors: dict[str, list] = {}
    checked = []
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [TOO_MANY_PHOTOS % {"limit": MAX_PHOTOS}]})
    for stage, file in photos:
        key = f"photos_{stage}"
        if stage not in CampaignPhoto.Stage.values:
            raise ValidationError({"photos": [UNKNOWN_STAGE]})
        try:
            original, thumbnail = uploads.photo_files(file)
        except ValidationError as exc:
            name = getattr(file, "name", "") or "?"
            errors.setdefault(key, []).extend(
                BAD_PHOTO % {"file": name, "reason": message} for message in exc.messages
            )
            continue
        checked.append((stage, original, thumbnail))
    if errors:
        raise ValidationError(errors)
    return checked


def _clean(
    *,
    community: Community,
    data: Mapping[str, Any],
    participations: Mapping[str, int],
    current: Campaign | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Validate everything the form cannot know, collecting every error at once."""
    errors: dict[str, list] = {}
    today = timezone.localdate()
    held_on = data.get("held_on")
    if held_on is not None and held_on > today:
        errors.setdefault("held_on", []).append(FUTURE_DATE % {"today": long_date(today)})
    for field in ("truckloads", "tonnes", "vehicles_handled"):
        value = data.get(field)
        if value is not None and value < 0:
            errors.setdefault(field, []).append(NEGATIVE)

    persons: dict[str, int] = {}
    for group, count in participations.items():
        if group not in Participation.Group.values:
            errors.setdefault("participations", []).append(UNKNOWN_GROUP % {"group": group})
            continue
        count = count or 0
        if count < 0:
            label = Participation.Group(group).label
            errors.setdefault(f"persons_{group}", []).append(NEGATIVE_PERSONS % {"group": label})
            continue
        if count:
            persons[group] = count
    if not persons and not any(k.startswith("persons_") for k in errors):
        errors.setdefault("participations", []).append(NO_PERSONS)

    compounds = list(data.get("compounds") or [])
    if not compounds:
        errors.setdefault("compounds", []).append(NO_COMPOUND)
    for compound in compounds:
        if compound.community_id != community.pk:
            errors.setdefault("compounds", []).append(FOREIGN_COMPOUND % {"name": compound.name})
    compound_ids = {c.pk for c in compounds}
    buildings = list(data.get("buildings") or [])
    for building in buildings:
        if building.compound_id not in compound_ids:
            errors.setdefault("buildings", []).append(
                FOREIGN_BUILDING % {"name": f"{building.compound.name} {building.code}"}
            )
    disorders = list(data.get("disorders") or [])
    kept = set(current.disorders.values_list("pk", flat=True)) if current else set()
    for disorder in disorders:
        if disorder.community_id != community.pk:
            errors.setdefault("disorders", []).append(FOREIGN_DISORDER % {"name": disorder.name})
        elif not disorder.is_active and disorder.pk not in kept:
            errors.setdefault("disorders", []).append(INACTIVE_DISORDER % {"name": disorder.name})
    if errors:
        raise ValidationError(errors)
    return {
        **{f: data[f] for f in CAMPAIGN_FIELDS if f in data},
        "compounds": compounds,
        "buildings": buildings,
        "disorders": disorders,
    }, persons


def _write(
    campaign: Campaign,
    cleaned: dict[str, Any],
    persons: dict[str, int],
    checked: list[tuple[str, Any, Any]],
    *,
    user: Any,
    publish_photos: bool,
) -> Campaign:
    for field in CAMPAIGN_FIELDS:
        if field in cleaned:
            setattr(campaign, field, cleaned[field])
    campaign.tonnes = Decimal(campaign.tonnes or 0)
    campaign.person_times = sum(persons.values())
    campaign.is_flagged = is_mismatched_load(campaign.truckloads, campaign.tonnes)
    campaign.full_clean(exclude=["compounds", "buildings", "disorders"])
    campaign._history_user = history_actor(user)
    campaign.save()
    campaign.compounds.set(cleaned["compounds"])
    campaign.buildings.set(cleaned["buildings"])
    campaign.disorders.set(cleaned["disorders"])
    campaign.participations.all().delete()
    Participation.objects.bulk_create(
        Participation(campaign=campaign, group=group, persons=count)
        for group, count in sorted(persons.items())
    )
    stored: list[CampaignPhoto] = []
    try:
        for stage, original, thumbnail in checked:
            photo = CampaignPhoto(
                campaign=campaign,
                stage=stage,
                uploaded_by=_user_or_none(user),
                is_public=publish_photos,
            )
            photo.image.save(original.name, original, save=False)
            photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
            photo.save()
            stored.append(photo)
    except Exception:
        # The transaction rolls the rows back; the files written so far must go too.
        for photo in stored:
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
        raise
    return campaign


@transaction.atomic
def campaign_record(
    *,
    community: Community,
    data: Mapping[str, Any],
    participations: Mapping[str, int],
    photos: Iterable[PhotoUpload] = (),
    user: Any,
    publish_photos: bool = False,
) -> Campaign:
    """Record one clean-up operation with its participation and before/after photos.

    ``data`` holds the Campaign fields (``compounds``, ``buildings`` and ``disorders`` as lists
    of objects); ``participations`` maps a ``Participation.Group`` to its persons; ``photos``
    are (stage, file) pairs. Refused with every error at once, and nothing saved, for a date in
    the future, negative figures, no participant, no compound, a compound, building or disorder
    of another community, or any photo that is not an acceptable image. Truckloads without
    tonnes (or the reverse) are saved and flagged.
    """
    checked = _check_photos(photos)
    cleaned, persons = _clean(community=community, data=data, participations=participations)
    campaign = Campaign(community=community, recorded_by=_user_or_none(user))
    campaign = _write(campaign, cleaned, persons, checked, user=user, publish_photos=publish_photos)
    # Recorded late, into a period already rolled up.
    rollups.mark_stale(OPERATION_STATS, campaign.held_on)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    data: Mapping[str, Any],
    participations: Mapping[str, int],
    photos: Iterable[PhotoUpload] = (),
    user: Any,
    publish_photos: bool = False,
) -> Campaign:
    """Change an operation (same checks as ``campaign_record``); new photos are added to the
    ones it has. A disorder deactivated since may stay on the operation that already had it.
    A withdrawn operation is a record of what was claimed: refused until it is restored."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.is_withdrawn:
        raise ValidationError(WITHDRAWN_READ_ONLY)
    checked = _check_photos(photos)
    cleaned, persons = _clean(
        community=campaign.community,
        data=data,
        participations=participations,
        current=campaign,
    )
    was_held_on = campaign.held_on
    campaign = _write(campaign, cleaned, persons, checked, user=user, publish_photos=publish_photos)
    # Its figures leave the period of its old date and enter that of its new one.
    rollups.mark_stale(OPERATION_STATS, min(was_held_on, campaign.held_on))
    return campaign


@transaction.atomic
def campaign_withdraw(*, campaign: Campaign, user: Any) -> Campaign:
    """Take an operation out of lists, totals and open data without deleting it (the record
    of what was claimed stays)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.is_withdrawn:
        raise ValidationError(ALREADY_WITHDRAWN)
    campaign.is_withdrawn = True
    campaign._history_user = history_actor(user)
    campaign.save(update_fields=["is_withdrawn"])
    rollups.mark_stale(OPERATION_STATS, campaign.held_on)
    return campaign


@transaction.atomic
def campaign_restore(*, campaign: Campaign, user: Any) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_withdrawn:
        raise ValidationError(NOT_WITHDRAWN)
    campaign.is_withdrawn = False
    campaign._history_user = history_actor(user)
    campaign.save(update_fields=["is_withdrawn"])
    rollups.mark_stale(OPERATION_STATS, campaign.held_on)
    return campaign


@transaction.atomic
def campaign_photo_publish(*, photo: CampaignPhoto, is_public: bool, user: Any) -> CampaignPhoto:
    """Staff decide which photos the public sees (faces and number plates are their call)."""
    photo = CampaignPhoto.objects.select_for_update().get(pk=photo.pk)
    photo.is_public = is_public
    photo.save(update_fields=["is_public"])
    return photo
