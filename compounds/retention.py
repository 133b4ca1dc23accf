"""How long the community keeps a refused resident's personal data (个人信息保护法: no longer
than the purpose needs).

A registration the community refused served its purpose once the resident had time to read why
and ask again, and staff to notice the same phone trying other doors. After
``settings.REFUSED_REGISTRATION_KEEP_DAYS`` its name and phone are erased, in the claim and in its
history; the claim itself stays (which door, who refused it, when and why) for the audit.

An account whose every claim was refused and erased, that has no role and cannot sign in, never
belonged to a resident: it loses its login name, names, e-mail and password and records an
``ERASED`` event. Accounts that were ever verified keep their data: their opinions stay
attributable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import AccountEvent, Membership, Residency


@dataclass(frozen=True)
class Erased:
    registrations: int
    accounts: int

    def as_dict(self) -> dict[str, int]:
        return {"registrations": self.registrations, "accounts": self.accounts}


def erasure_due_at(residency: Residency) -> dt.datetime | None:
    """When a refused claim's name and phone go (``None``: not refused, or already gone)."""
    if residency.status != Residency.Status.REFUSED or residency.erased_at is not None:
        return None
    return residency.decided_at + dt.timedelta(days=settings.REFUSED_REGISTRATION_KEEP_DAYS)


def erased_login_name(account: Any) -> str:
    """``erased-<id>``; should an older account hold that name (registration refuses it since),
    a suffix keeps the erasure going rather than stopping every erasure after it."""
    User = get_user_model()
    name, n = f"erased-{account.pk}", 1
    while User.objects.filter(username__iexact=name).exclude(pk=account.pk).exists():
        n += 1
        name = f"erased-{account.pk}-{n}"
    return name


@transaction.atomic
def erase_refused_registrations(
    *, now: dt.datetime | None = None, keep_days: int | None = None
) -> Erased:
    """Erase what the keeping rule no longer allows; running it twice erases nothing twice."""
    now = now or timezone.now()
    keep_days = settings.REFUSED_REGISTRATION_KEEP_DAYS if keep_days is None else keep_days
    due = Residency.objects.select_for_update().filter(
        status=Residency.Status.REFUSED,
        erased_at__isnull=True,
        decided_at__lte=now - dt.timedelta(days=keep_days),
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return Erased(0, 0)
    account_ids = set(due.values_list("account_id", flat=True))
    Residency.objects.filter(pk__in=ids).update(full_name="", phone="", erased_at=now)
    Residency.history.filter(id__in=ids).update(full_name="", phone="")
    return Erased(len(ids), _erase_accounts(account_ids))


def _erase_accounts(account_ids: set[int]) -> int:
    """Accounts that never had anything but erased refusals, and no role."""
    User = get_user_model()
    kept_claim = Residency.objects.filter(account=OuterRef("pk"), erased_at__isnull=True)
    role = Membership.objects.filter(user=OuterRef("pk"))
    accounts = (
        User.objects.select_for_update()
        .filter(pk__in=account_ids, is_active=False, is_staff=False, is_superuser=False)
        .exclude(Exists(kept_claim))
        .exclude(Exists(role))
    )
    count = 0
    for account in accounts:
        account.username = erased_login_name(account)
        account.first_name = account.last_name = account.email = ""
        account.set_unusable_password()
        account.save(update_fields=["username", "first_name", "last_name", "email", "password"])
        AccountEvent.objects.create(account=account, kind=AccountEvent.Kind.ERASED, by=None)
        count += 1
    return count
