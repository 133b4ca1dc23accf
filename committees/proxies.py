"""Proxy authorisations (委托投票): who may cast a dwelling's ballot for its owner.

A proxy's paper ballot is accepted only against a recorded authorisation for that dwelling
(``committees.voting.ballot_cast`` checks it). Staff record one while the election is voting,
with the owner's signed authorisation scanned or photographed.

**The document is checked by its content** (``tongde.uploads``), not by its name or the browser's
content type, both of which the uploader controls: a PDF, or a JPEG or PNG that Pillow reads. It is stored under a random name (``proxies/<year>/<hex>.<ext>``) so that
the file name says nothing about the owner, and it is served only through the staff page
(``views_proxies.proxy_document``), never as a public media URL.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongde import uploads

from .models import Ballot, Election, ElectionLogEntry, ProxyAuthorisation, RollEntry

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# What an authorisation may be, read from the file itself.
DOCUMENT_KINDS = ("pdf", "jpg", "png")

# Refusals, as constants so that tests and views say exactly the same thing.
DOCUMENT_REQUIRED = _("Attach the signed authorisation.")
DOCUMENT_BAD_TYPE = _(
    "The file is not a PDF, JPEG or PNG (judged by its content, not its name): scan or "
    "photograph the signed authorisation."
)
PROXY_NOT_VOTING = _("Proxies are recorded while the election is voting.")
PROXY_WINDOW_CLOSED = _("Voting has closed: no proxy can be recorded any more.")
PROXY_WRONG_ELECTION = _("This dwelling is not on the voter roll of this election.")
PROXY_ALREADY_VOTED = _("This dwelling has already voted: a proxy can no longer vote for it.")
PROXY_DUPLICATE = _("%(name)s is already recorded as proxy for this dwelling.")
PROXY_NAME_REQUIRED = _("Write the proxy's name.")


def document_check(data: bytes) -> str:
    """The extension of an acceptable authorisation file, or ``ValidationError``."""
    return uploads.document_kind(
        io.BytesIO(data),
        kinds=DOCUMENT_KINDS,
        limit=MAX_DOCUMENT_BYTES,
        bad_type=DOCUMENT_BAD_TYPE,
    )


@transaction.atomic
def proxy_record(
    *,
    election: Election,
    roll_entry: RollEntry,
    proxy_name: str,
    document: bytes | None,
    user: Any,
    now: dt.datetime | None = None,
) -> ProxyAuthorisation:
    """Record that ``proxy_name`` may vote for ``roll_entry``'s dwelling, with the signed document.

    Refused (``ValidationError``, nothing stored, no file written) outside the voting stage or
    window, for a dwelling of another election's roll, a dwelling that has voted, a proxy already
    recorded for it, or a document that is missing, empty, too large or not a PDF/JPEG/PNG.
    """
    now = now or timezone.now()
    proxy_name = proxy_name.strip()
    # The document first: a bad file is the commonest refusal and needs no lock.
    if document is None:
        raise ValidationError({"document": [DOCUMENT_REQUIRED]})
    try:
        ext = document_check(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.messages}) from exc
    if not proxy_name:
        raise ValidationError({"proxy_name": [PROXY_NAME_REQUIRED]})
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.stage != Election.Stage.VOTING:
        raise ValidationError(PROXY_NOT_VOTING)
    if election.voting_closes_at is not None and now >= election.voting_closes_at:
        raise ValidationError(PROXY_WINDOW_CLOSED)
    entry = RollEntry.objects.select_for_update().filter(pk=roll_entry.pk, election=election)
    entry = entry.select_related("dwelling__unit__building").first()
    if entry is None:
        raise ValidationError(PROXY_WRONG_ELECTION)
    if Ballot.objects.filter(election=election, roll_entry=entry).exists():
        raise ValidationError(PROXY_ALREADY_VOTED)
    if ProxyAuthorisation.objects.filter(roll_entry=entry, proxy_name=proxy_name).exists():
        raise ValidationError({"proxy_name": [PROXY_DUPLICATE % {"name": proxy_name}]})
    proxy = ProxyAuthorisation(roll_entry=entry, proxy_name=proxy_name, recorded_by=user)
    proxy.full_clean(exclude=["document"])
    # A random name: the stored path must not carry the owner's or the uploader's file name.
    proxy.document.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(document), save=False)
    try:
        proxy.save()
        dwelling = entry.dwelling
        ElectionLogEntry.objects.create(
            election=election,
            actor=user if getattr(user, "is_authenticated", False) else None,
            action="proxy.recorded",
            detail={
                "proxy": proxy.pk,
                "dwelling_id": dwelling.pk,
                "dwelling": f"{dwelling.unit.building.code}/{dwelling.unit.code}/{dwelling.code}",
                "proxy_name": proxy_name,
                "at": now.isoformat(),
            },
        )
    except Exception:
        # Nothing saved means no file either: the row is rolled back, so drop the file too.
        proxy.document.storage.delete(proxy.document.name)
        raise
    return proxy


def proxy_list(*, election: Election) -> QuerySet[ProxyAuthorisation]:
    """The proxies recorded for ``election``'s dwellings, newest first."""
    return (
        ProxyAuthorisation.objects.filter(roll_entry__election=election)
        .select_related("roll_entry__dwelling__unit__building", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )
