"""Residents' opinions given online (民情民意, the resident's own channel).

A resident with an account writes an opinion about a compound; it enters the same consultation
ledger that staff keep for opinions heard by phone, chat group or door to door (channel
``online``, ``recorded_by`` the resident's account), so staff answer it on the page they already
use and it counts in the same rollups. The resident reads their own opinions and the answers;
nobody else's. When staff answer, the resident gets an email if their account has an address.

Decisions where nothing says otherwise:

- Any signed-in account may give an opinion (most residents have no role); the public first signs
  in, so that every opinion has someone to answer.
- At most ``DAILY_LIMIT`` opinions per account per day: enough for a resident, a brake on a
  script or a flood.
- Only compounds in use (not archived) can be chosen.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from compounds.models import Compound
from compounds.selectors import live_compound_list
from tongde import uploads
from tongde.mail import user_language

from .models import Consultation

DAILY_LIMIT = 5
OPINION_MAX_LENGTH = 2000

SIGN_IN_FIRST = _("Sign in to give an opinion, so that staff can answer you.")
TOPIC_EMPTY = _("Say in a few words what the opinion is about.")
OPINION_EMPTY = _("Write your opinion.")
OPINION_TOO_LONG = _("Keep the opinion to %(limit)d characters at most (it has %(length)d).")
COMPOUND_ARCHIVED = _("This compound is no longer in the registry; choose another.")
COMPANY_ACCOUNT = _(
    "A property company's account does not give residents' opinions: the ledger is the "
    "residents' voice about the companies. Answer through your rectification items and replies, "
    "or give your own opinion from a personal account."
)
TOO_MANY_TODAY = _(
    "You have given %(limit)d opinions today, the most in one day. Please write again tomorrow, "
    "or call your community staff."
)
ANSWERED_SUBJECT = _("Your opinion about %(compound)s has been answered")
AMENDED_SUBJECT = _("The answer to your opinion about %(compound)s has been amended")
ANSWERED_BODY = _(
    "You wrote on %(received_on)s about “%(topic)s”.\n\n"
    "The answer of the community:\n%(answer)s\n\n"
    "All your opinions and their answers: %(url)s"
)


def opinion_compounds() -> QuerySet[Compound]:
    """The compounds a resident may write about: every one still in the registry."""
    return live_compound_list()


def may_give_opinions(user: Any) -> bool:
    """Any signed-in account but a property company's: its opinions would pass as residents'
    about a competitor (or about itself)."""
    from compounds.selectors import company_ids

    return user.is_authenticated and not company_ids(user)


def photo_readable(*, user: Any) -> QuerySet[Consultation]:
    """Opinions whose photo ``user`` may open: their own, and those of the communities whose
    ledger they read (staff and grid workers)."""
    from .selectors import consultation_list

    return consultation_list(user=user) | my_opinions(user=user)


def waiting_count(*, user: Any) -> int:
    """How many of the account's online opinions still wait for an answer."""
    return my_opinions(user=user).filter(answered_on__isnull=True).count()


def opinions_left_today(*, user: Any, today: dt.date | None = None) -> int:
    """How many more opinions the account may give today (``DAILY_LIMIT`` a day)."""
    given = my_opinions(user=user).filter(received_on=today or timezone.localdate()).count()
    return max(DAILY_LIMIT - given, 0)


def default_compound_id(*, user: Any, asked: str = "") -> int | None:
    """The compound the form offers first: the one the link asked for, else a committee
    member's own compound, else the home the community verified, else the one the account last
    wrote about."""
    from compounds.residents import verified_compound_ids
    from compounds.selectors import committee_compound_ids

    open_ids = set(opinion_compounds().values_list("pk", flat=True))
    if asked.isdigit() and int(asked) in open_ids:
        return int(asked)
    own = sorted(committee_compound_ids(user) & open_ids)
    if own:
        return own[0]
    homes = [pk for pk in verified_compound_ids(user) if pk in open_ids]
    if homes:
        return homes[0]
    return (
        my_opinions(user=user)
        .filter(compound_id__in=open_ids)
        .values_list("compound_id", flat=True)
        .first()
    )


def my_opinions(*, user: Any) -> QuerySet[Consultation]:
    """The opinions this account gave online, newest first; nobody else's."""
    if not user.is_authenticated:
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(channel=Consultation.Channel.ONLINE, recorded_by=user)
        .select_related("compound__community")
        .order_by("-received_on", "-pk")
    )


@transaction.atomic
def opinion_submit(
    *,
    user: Any,
    compound: Compound,
    topic: str,
    opinion: str,
    photo: IO[bytes] | None = None,
    today: dt.date | None = None,
) -> Consultation:
    """Record a resident's opinion in the consultation ledger, with an optional photo (checked
    by its content, stored under a random name with a thumbnail); all or nothing."""
    if not user.is_authenticated:
        raise ValidationError(SIGN_IN_FIRST, code="anonymous")
    if not may_give_opinions(user):
        raise ValidationError(COMPANY_ACCOUNT, code="company")
    today = today or timezone.localdate()
    topic, opinion = topic.strip(), opinion.strip()
    errors: dict[str, ValidationError] = {}
    if not topic:
        errors["topic"] = ValidationError(TOPIC_EMPTY, code="required")
    if not opinion:
        errors["opinion"] = ValidationError(OPINION_EMPTY, code="required")
    elif len(opinion) > OPINION_MAX_LENGTH:
        errors["opinion"] = ValidationError(
            OPINION_TOO_LONG,
            code="too_long",
            params={"limit": OPINION_MAX_LENGTH, "length": len(opinion)},
        )
    if compound.is_archived:
        errors["compound"] = ValidationError(COMPOUND_ARCHIVED, code="archived")
    files = None
    if photo is not None:
        try:
            files = uploads.photo_files(photo)
        except ValidationError as exc:
            errors["photo"] = exc
    if errors:
        raise ValidationError(errors)
    # Lock the account's row so that two submissions at once cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    given_today = my_opinions(user=user).filter(received_on=today).count()
    if given_today >= DAILY_LIMIT:
        raise ValidationError(TOO_MANY_TODAY, code="limit", params={"limit": DAILY_LIMIT})
    consultation = Consultation(
        compound=compound,
        topic=topic,
        channel=Consultation.Channel.ONLINE,
        received_on=today,
        resident_name=(user.get_full_name() or user.get_username())[:60],
        opinion=opinion,
        recorded_by=user,
    )
    if files is not None:
        original, thumbnail = files
        consultation.photo.save(original.name, original, save=False)
        consultation.photo_thumbnail.save(thumbnail.name, thumbnail, save=False)
    consultation.full_clean()
    consultation.save()
    return consultation


def notify_answered(consultation: Consultation, *, amended: bool = False) -> bool:
    """Mail the resident who gave an online opinion that it has been answered, or that its
    answer was amended (after the commit, so no mail is sent for an answer that was rolled
    back). Returns whether a mail is due."""
    resident = consultation.recorded_by
    if (
        consultation.channel != Consultation.Channel.ONLINE
        or resident is None
        or not resident.email
        or not consultation.answer
    ):
        return False
    with translation.override(user_language(resident)):
        context = {
            "compound": consultation.compound.name,
            "topic": consultation.topic,
            "received_on": formats.date_format(consultation.received_on, "SHORT_DATE_FORMAT"),
            "answer": consultation.answer,
            "url": settings.SITE_URL + reverse("committees:my_opinions"),
        }
        subject = str(AMENDED_SUBJECT if amended else ANSWERED_SUBJECT) % context
        body = str(ANSWERED_BODY) % context
    address = resident.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))
    return True
