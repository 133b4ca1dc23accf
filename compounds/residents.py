"""Residents' accounts (住户认证): a resident registers with the address they live at, and the
community checks the claim against its registry before the account may sign in.

Nobody can check a phone number by text message here, and the registry already knows who owns
and who lives in each dwelling: so a registration waits, inactive, until community staff or the
grid worker compare it with the owner and household of record (the page shows where they match)
and verify it or refuse it with a reason the resident reads when signing in. At the service desk
staff register an elderly resident themselves, verified at once, and hand over a one-time
password link.

Staff and grid workers decide for their own communities only. A residency that ends (moved out,
sold) is ended with a reason, never deleted, and an account left with no verified home and no
role stops signing in: the opinions it gave stay attributable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .accounts import managed_community_ids, new_account, save_new_account
from .accounts import password_link as account_password_link
from .models import AccountEvent, Compound, Dwelling, Household, Residency
from .selectors import by_code, staff_community_ids

User = get_user_model()

# Registrations from one address per hour: enough for a family at one phone, too few for a
# script that would bury the staff's queue.
REGISTRATIONS_PER_HOUR = 5
# Homes one account may claim at once (an owner of a few flats; not a letting agency).
LIVE_CLAIMS_MAX = 5

BAD_PHONE = _("Enter an 11-digit mainland mobile number, e.g. 13812345678.")
COMPOUND_CLOSED = _("This compound is no longer in the registry: choose where you live now.")
ALREADY_CLAIMED = _("You have already registered for this home.")
TOO_MANY_CLAIMS = _("One account may register at most %(limit)s homes at a time.")
TOO_MANY_REGISTRATIONS = _(
    "Too many registrations from this connection in the last hour: try again later or ask at "
    "the community service desk."
)
NOT_PENDING = _("This registration is already decided (%(status)s).")
NOT_VERIFIED = _("Only a verified residency can be ended.")
REASON_REQUIRED = _("Say why: the resident reads it.")
OUT_OF_SCOPE = _("You check the residents of your own communities only.")
NOT_YOURSELF = _("You cannot check your own registration: ask a colleague.")
DESK_STAFF_ONLY = _(
    "Community staff register residents at the desk and hand out their password links."
)
LINK_NOT_VERIFIED = _("A password link is for a verified resident whose account signs in.")
WAITING_LOGIN = _(
    "Your registration of %(date)s is waiting for the community's check; you can sign in once it "
    "is verified. To speed it up, call the community service desk: %(phone)s."
)
REFUSED_LOGIN = _(
    "The community could not verify your registration (reason: %(note)s). Ask at the "
    "community service desk (%(phone)s), or register again under a new login name with the "
    "details the community has."
)
ENDED_LOGIN = _(
    "Your registered home was ended by the community on %(date)s (reason: %(note)s), so this "
    "account no longer signs in. If you live in the community, register your home again under "
    "a new login name, or ask at the community service desk (%(phone)s)."
)

_PHONE_NOISE = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_DIGITS = re.compile(r"(\d+)")


def normalise_phone(text: str) -> str:
    """A mainland mobile number as 11 digits (spaces, dashes and a +86 prefix dropped), or a
    ``ValidationError``."""
    digits = _PHONE_NOISE.sub("", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise ValidationError(BAD_PHONE, code="phone")
    return digits


# --- What the public form offers ------------------------------------------------------------------


def natural_key(text: str) -> tuple:
    """Order names as people count: 2号楼 before 10号楼, 楼院2号 before 楼院14号."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(text or ""))


def compound_choices(compounds: Iterable[Compound]) -> list[Compound]:
    """``compounds`` by community, then in natural order of their names."""
    return sorted(compounds, key=lambda c: (c.community.name, natural_key(c.name)))


# A compound's doors as a tree: [(building id, code, [(unit id, code, [(door id, code), …]), …]), …]
DoorTree = list[tuple[int, str, list[tuple[int, str, list[tuple[int, str]]]]]]


def door_tree(compound: Compound) -> DoorTree:
    """The compound's doors by building and unit, each level in the order people count (the
    stored natural keys, so on SQLite too): what the door picker offers, building → unit →
    door. Codes and ids only. One query, whatever the number of doors."""
    rows = (
        Dwelling.objects.filter(unit__building__compound=compound)
        .order_by(
            *by_code("unit__building__"),
            "unit__building_id",
            *by_code("unit__"),
            "unit_id",
            *by_code(),
            "pk",
        )
        .values_list(
            "unit__building_id", "unit__building__code", "unit_id", "unit__code", "pk", "code"
        )
    )
    tree: DoorTree = []
    for building_id, building, unit_id, unit, pk, code in rows:
        if not tree or tree[-1][0] != building_id:
            tree.append((building_id, building, []))
        units = tree[-1][2]
        if not units or units[-1][0] != unit_id:
            units.append((unit_id, unit, []))
        units[-1][2].append((pk, code))
    return tree


def _registrations_key(address: str) -> str:
    return f"tongde:registrations:{address}"


def registration_allowed(address: str) -> bool:
    """False once ``address`` made ``REGISTRATIONS_PER_HOUR`` registrations in the hour (only
    those that went through count: a mistyped form costs nothing)."""
    return cache.get(_registrations_key(address), 0) < REGISTRATIONS_PER_HOUR


def registration_counted(address: str) -> None:
    key = _registrations_key(address)
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)


# --- Registering -----------------------------------------------------------------------------------


def _check_claim(account: Any, dwelling: Dwelling) -> None:
    if dwelling.unit.building.compound.is_archived:
        raise ValidationError({"dwelling": COMPOUND_CLOSED})
    if account is None or account.pk is None:
        return
    live = Residency.objects.filter(
        account=account, status__in=[Residency.Status.PENDING, Residency.Status.VERIFIED]
    )
    if live.filter(dwelling=dwelling).exists():
        raise ValidationError({"dwelling": ALREADY_CLAIMED})
    if live.count() >= LIVE_CLAIMS_MAX:
        raise ValidationError(TOO_MANY_CLAIMS, params={"limit": LIVE_CLAIMS_MAX})


@transaction.atomic
def register(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    dwelling: Dwelling,
    relation: str,
) -> Residency:
    """A resident's own registration: an account that cannot sign in yet and a pending claim to
    ``dwelling``. The password was checked by the form (Django's validators)."""
    phone = normalise_phone(phone)
    _check_claim(None, dwelling)
    account = new_account(username, full_name)
    account.is_active = False
    account.set_password(password)
    save_new_account(account)
    return Residency.objects.create(
        account=account,
        dwelling=dwelling,
        relation=relation,
        full_name=full_name.strip(),
        phone=phone,
    )


@transaction.atomic
def register_at_desk(
    *, by: Any, username: str, full_name: str, phone: str, dwelling: Dwelling, relation: str
) -> Residency:
    """Staff register a resident who came to the desk, with the papers checked there: the
    account is verified at once and has no password until its owner opens the one-time link.
    Community staff only: the link signs in as the resident (grid workers check, staff hand
    out logins)."""
    _require_in(desk_community_ids(by), dwelling, DESK_STAFF_ONLY)
    phone = normalise_phone(phone)
    _check_claim(None, dwelling)
    account = new_account(username, full_name)
    save_new_account(account)
    AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.CREATED, by=by)
    now = timezone.now()
    return Residency.objects.create(
        account=account,
        dwelling=dwelling,
        relation=relation,
        full_name=full_name.strip(),
        phone=phone,
        status=Residency.Status.VERIFIED,
        applied_at=now,
        decided_by=by,
        decided_at=now,
    )


@transaction.atomic
def claim(*, account: Any, dwelling: Dwelling, relation: str, phone: str) -> Residency:
    """A signed-in resident registers one more home (a second flat, a move): checked like the
    first, while the account keeps working."""
    phone = normalise_phone(phone)
    _check_claim(account, dwelling)
    # The same home sent twice at once passes the check in both requests: the live-claim
    # unique index decides, and the second is told the home is already registered.
    try:
        with transaction.atomic():
            return Residency.objects.create(
                account=account,
                dwelling=dwelling,
                relation=relation,
                full_name=account.get_full_name() or account.get_username(),
                phone=phone,
            )
    except IntegrityError as exc:
        raise ValidationError({"dwelling": ALREADY_CLAIMED}) from exc


# --- Checking ----------------------------------------------------------------------------------------


def checking_community_ids(user: Any) -> set[int] | None:
    """The communities whose registrations ``user`` checks (staff and grid workers); ``None``
    means every one (superuser)."""
    return None if user.is_superuser else staff_community_ids(user)


def is_checker(user: Any) -> bool:
    return checking_community_ids(user) != set()


# Staff (not grid workers) register at the desk and hand out password links: the link signs in
# as the resident. The same communities as those whose accounts they manage.
desk_community_ids = managed_community_ids


def is_desk_staff(user: Any) -> bool:
    return desk_community_ids(user) != set()


def residency_list(*, user: Any) -> QuerySet[Residency]:
    """The registrations ``user`` checks, with what their pages show."""
    qs = Residency.objects.select_related(
        "account", "decided_by", "dwelling__unit__building__compound__community"
    )
    ids = checking_community_ids(user)
    if ids is None:
        return qs
    return qs.filter(dwelling__unit__building__compound__community_id__in=ids)


TABS = ("pending", "verified", "decided")


def residency_search(qs: QuerySet[Residency], *, tab: str, query: str) -> QuerySet[Residency]:
    """The list's tab (waiting, verified, refused or ended) and search (name, phone typed with
    spaces or dashes, login name, compound); the longest waiting first."""
    if tab == "decided":
        qs = qs.filter(status__in=[Residency.Status.REFUSED, Residency.Status.ENDED])
    else:
        qs = qs.filter(status=tab if tab in TABS else Residency.Status.PENDING)
    if query:
        digits = _PHONE_NOISE.sub("", query)
        qs = qs.filter(
            Q(full_name__icontains=query)
            | Q(phone__contains=digits or query)
            | Q(account__username__icontains=query)
            | Q(dwelling__unit__building__compound__name__icontains=query)
        )
    return qs.order_by("applied_at", "pk") if tab == "pending" else qs


def _require_in(ids: set[int] | None, dwelling: Dwelling, message: Any) -> None:
    if ids is not None and dwelling.unit.building.compound.community_id not in ids:
        raise ValidationError(message)


def may_hand_link(user: Any, residency: Residency) -> bool:
    """Whether ``user`` may give this resident a new password link: staff of the home's
    community, for a verified resident whose account signs in."""
    ids = desk_community_ids(user)
    return (
        residency.status == Residency.Status.VERIFIED
        and residency.account.is_active
        and (ids is None or residency.dwelling.unit.building.compound.community_id in ids)
    )


def password_link(request: Any, residency: Residency, *, by: Any) -> str:
    """A one-time password link for a verified resident who forgot theirs (a resident's account
    usually has no email for "Forgot your password?"). Staff of the home's community only, for
    an account with no role elsewhere (``accounts.password_link`` checks that)."""
    _require_in(desk_community_ids(by), residency.dwelling, DESK_STAFF_ONLY)
    if not may_hand_link(by, residency):
        raise ValidationError(LINK_NOT_VERIFIED)
    return account_password_link(request, residency.account, by=by)


def pending_count(*, user: Any) -> int:
    return residency_list(user=user).filter(status=Residency.Status.PENDING).count()


# A decision and the status it may be taken from.
_DECIDED_FROM = {
    Residency.Status.VERIFIED: Residency.Status.PENDING,
    Residency.Status.REFUSED: Residency.Status.PENDING,
    Residency.Status.ENDED: Residency.Status.VERIFIED,
}


def _decide(residency: Residency, by: Any, status: str, note: str = "") -> Residency:
    # Lock the row: two checkers deciding at once must not both pass the status check.
    locked = Residency.objects.select_for_update().get(pk=residency.pk)
    _require_in(checking_community_ids(by), locked.dwelling, OUT_OF_SCOPE)
    if locked.account_id == by.pk:
        raise ValidationError(NOT_YOURSELF)
    if locked.status != _DECIDED_FROM[status]:
        if status == Residency.Status.ENDED:
            raise ValidationError(NOT_VERIFIED)
        raise ValidationError(NOT_PENDING, params={"status": locked.get_status_display()})
    locked.status, locked.note = status, note.strip()
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "note", "decided_by", "decided_at"])
    return locked


def _deactivated_by_staff(account: Any) -> bool:
    last = (
        AccountEvent.objects.filter(
            account=account,
            kind__in=[AccountEvent.Kind.DEACTIVATED, AccountEvent.Kind.REACTIVATED],
        )
        .order_by("-at", "-pk")
        .values_list("kind", flat=True)
        .first()
    )
    return last == AccountEvent.Kind.DEACTIVATED


@transaction.atomic
def verify(*, by: Any, residency: Residency, note: str = "") -> Residency:
    """The claim matches the registry: the account may sign in (again, if its last home had
    ended), unless staff deactivated it for another reason, which stands. ``note`` may say how
    it was checked (a call, the papers)."""
    residency = _decide(residency, by, Residency.Status.VERIFIED, note)
    account = residency.account
    if not account.is_active and not _deactivated_by_staff(account):
        account.is_active = True
        account.save(update_fields=["is_active"])
        if account.account_events.filter(kind=AccountEvent.Kind.HOMES_ENDED).exists():
            AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.REACTIVATED, by=by)
    return residency


@transaction.atomic
def refuse(*, by: Any, residency: Residency, note: str) -> Residency:
    """The claim does not match: the reason is shown to the resident at the login."""
    if not note.strip():
        raise ValidationError({"note": REASON_REQUIRED})
    return _decide(residency, by, Residency.Status.REFUSED, note)


@transaction.atomic
def end(*, by: Any, residency: Residency, note: str) -> Residency:
    """The resident moved out or sold: the residency ends; an account left with no verified
    home and no role stops signing in until another home is verified (``HOMES_ENDED``)."""
    if not note.strip():
        raise ValidationError({"note": REASON_REQUIRED})
    residency = _decide(residency, by, Residency.Status.ENDED, note)
    account = residency.account
    still_home = account.residencies.filter(status=Residency.Status.VERIFIED).exists()
    if account.is_active and not still_home and not _has_role(account):
        account.is_active = False
        account.save(update_fields=["is_active"])
        AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.HOMES_ENDED, by=by)
    return residency


def _has_role(account: Any) -> bool:
    return account.is_superuser or account.is_staff or account.memberships.exists()


# --- What the checker and the resident read ----------------------------------------------------


@dataclass(frozen=True)
class Match:
    """One comparison of the claim with the registry: ``matches`` None when the registry has
    nothing to compare with."""

    label: Any
    registry: str
    matches: bool | None


def _same_name(a: str, b: str) -> bool:
    return bool(a and b) and re.sub(r"\s", "", a) == re.sub(r"\s", "", b)


def registry_matches(residency: Residency) -> list[Match]:
    """The claim beside the registry's owner and current households of the dwelling."""
    if residency.erased_at is not None:
        return []
    dwelling = residency.dwelling
    owner = dwelling.owner
    heads = [
        h.head_name
        for h in Household.objects.filter(dwelling=dwelling, moved_out_on__isnull=True)
        if h.head_name
    ]
    owner_phone = ""
    if owner and owner.phone:
        try:
            owner_phone = normalise_phone(owner.phone)
        except ValidationError:
            owner_phone = owner.phone
    return [
        Match(
            _("Owner of record"),
            owner.name if owner else "",
            _same_name(residency.full_name, owner.name) if owner else None,
        ),
        Match(
            _("Owner's phone of record"),
            owner.phone if owner else "",
            (owner_phone == residency.phone) if owner_phone else None,
        ),
        Match(
            _("Household head now living there"),
            "、".join(heads),
            any(_same_name(residency.full_name, h) for h in heads) if heads else None,
        ),
    ]


def others_on_dwelling(residency: Residency) -> QuerySet[Residency]:
    """Other live or past claims to the same dwelling: a second owner, a tenant who left."""
    return (
        Residency.objects.filter(dwelling_id=residency.dwelling_id)
        .exclude(pk=residency.pk)
        .select_related("account")
        .order_by("-applied_at")
    )


def same_phone_count(residency: Residency) -> int:
    """Other accounts that registered with this phone number (one family, or one person with
    several logins)."""
    if not residency.phone:
        return 0
    return (
        Residency.objects.filter(phone=residency.phone)
        .exclude(account_id=residency.account_id)
        .aggregate(n=Count("account", distinct=True))["n"]
    )


def my_residencies(*, user: Any) -> QuerySet[Residency]:
    if not user.is_authenticated:
        return Residency.objects.none()
    return (
        Residency.objects.filter(account=user)
        .select_related("dwelling__unit__building__compound__community")
        .order_by("-applied_at", "-pk")
    )


def verified_compound_ids(user: Any) -> list[int]:
    """The compounds the account lives in, by the community's check, newest claim first."""
    return list(
        my_residencies(user=user)
        .filter(status=Residency.Status.VERIFIED)
        .values_list("dwelling__unit__building__compound_id", flat=True)
    )


def login_refusal(username: str, password: str) -> str | None:
    """Why a registered resident whose password is right cannot sign in: waiting for the check,
    refused, or their home ended; None for anyone else (the login's usual message stands)."""
    account = User.objects.filter(username__iexact=(username or "").strip()).first()
    if account is None or account.is_active or not account.check_password(password):
        return None
    latest = (
        account.residencies.select_related("dwelling__unit__building__compound__community")
        .order_by("-applied_at", "-pk")
        .first()
    )
    if latest is None or _deactivated_by_staff(account):
        return None
    phone = latest.dwelling.unit.building.compound.community.phone or "—"
    if latest.status == Residency.Status.PENDING:
        applied = formats.date_format(timezone.localtime(latest.applied_at).date())
        return WAITING_LOGIN % {"date": applied, "phone": phone}
    if latest.status == Residency.Status.REFUSED:
        return REFUSED_LOGIN % {"note": latest.note.rstrip("。. "), "phone": phone}
    if latest.status == Residency.Status.ENDED:
        ended = formats.date_format(timezone.localtime(latest.decided_at).date())
        return ENDED_LOGIN % {"date": ended, "note": latest.note.rstrip("。. "), "phone": phone}
    return None
