"""Mail to property companies at the two moments with a deadline for them: their month's draft
scorecards are ready (they may reply within the reply window), and a red/black list or a
correction naming them is published (a black listing may be appealed within the appeal period);
when staff decide their appeal; when the record of talks they were summoned to is kept (with
what they undertook, by when, and the closer inspection); and when their year is assessed.

Each is sent once, after the commit of what it announces (``transaction.on_commit`` with
``robust``: a mail server down is logged, the drafting or publication stands), one mail per
company user with an address, in that user's language (``tongde.mail``). A re-run of the drafting creates no card,
so it announces nothing again; the demo and the bench draft and publish with ``notify=False``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from compounds.models import Membership
from tongde.mail import LANGUAGE_LOOKUP, group_by_language
from tongde.text import month_name

from . import rules
from .models import Appeal, Assessment, Publication, Scorecard, ScoreLine, Summons, VetoEvent

logger = logging.getLogger(__name__)


def company_recipients(company_ids: Iterable[int]) -> dict[int, dict[str, list[str]]]:
    """The addresses of each company's active users, by language (``{company: {language:
    addresses}}``): one query, the languages read with the addresses."""
    found: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for company_id, email, language in (
        Membership.objects.filter(
            role=Membership.Role.COMPANY, company_id__in=set(company_ids), user__is_active=True
        )
        .exclude(user__email="")
        .values_list("company_id", "user__email", f"user__{LANGUAGE_LOOKUP}")
    ):
        found[company_id].append((email, language))
    return {company_id: group_by_language(rows) for company_id, rows in found.items()}


def _send(mails: list[tuple[str, str, list[str]]]) -> int:
    if not mails:
        return 0
    connection = get_connection()
    messages = [
        EmailMessage(subject=subject, body=body, to=[address], connection=connection)
        for subject, body, addresses in mails
        for address in addresses
    ]
    return connection.send_messages(messages) or 0


def _in_languages(
    recipients: dict[str, list[str]], write: Callable[[], tuple[str, str]]
) -> list[tuple[str, str, list[str]]]:
    """The mail ``write`` makes (subject, body), once per language among ``recipients``
    (``{language: addresses}``), each to the addresses that read it."""
    mails = []
    for language, addresses in recipients.items():
        with translation.override(language):
            mails.append((*write(), addresses))
    return mails


def _to_company(company_id: int, write: Callable[[], tuple[str, str]]) -> int:
    """Send a company's users the mail ``write`` makes, each in their language."""
    return _send(_in_languages(company_recipients([company_id]).get(company_id, {}), write))


def drafts_ready(card_ids: list[int]) -> int:
    """Tell each company which of its compounds have a new draft: per compound the score and
    band, each criterion with points deducted, any veto, and the link to the scorecard, where it
    may reply until the date said. Returns the number of mails sent.

    Four queries whatever the number of cards: the cards, their lines with a deduction, their
    vetoes still standing, the recipients."""
    by_company: dict[int, list[Scorecard]] = defaultdict(list)
    for card in (
        Scorecard.objects.filter(pk__in=card_ids, status=Scorecard.Status.DRAFT)
        .select_related("compound", "company")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ScoreLine.objects.filter(deducted__gt=0)
                .select_related("criterion")
                .order_by("criterion__position", "criterion_id"),
                to_attr="deducted_lines",
            ),
            Prefetch(
                "vetoes",
                queryset=VetoEvent.objects.filter(is_lifted=False)
                .select_related("veto_item")
                .order_by("veto_item__position", "pk"),
                to_attr="standing_vetoes",
            ),
        )
        .order_by("company_id", "compound__name")
    ):
        by_company[card.company_id].append(card)
    recipients = company_recipients(by_company)
    return _send(
        [
            mail
            for company_id, cards in by_company.items()
            for mail in _in_languages(
                recipients.get(company_id, {}), partial(_drafts_ready_mail, cards)
            )
        ]
    )


def _drafts_ready_mail(cards: list[Scorecard]) -> tuple[str, str]:
    """The subject and body of a company's drafts, in the active language."""
    for card in cards:
        card.url = settings.SITE_URL + reverse("scorecards:scoring_card", args=[card.pk])
    first = cards[0]
    context = {
        "company": first.company,
        "month": first.month,
        "cards": cards,
        "reply_due_on": max((c.reply_due_on for c in cards if c.reply_due_on), default=None),
        "url": settings.SITE_URL + reverse("scorecards:scoring_home"),
    }
    subject = _("Draft scorecards of %(month)s for %(company)s") % {
        "month": month_name(first.month),
        "company": first.company.name,
    }
    return subject, render_to_string("scorecards/email/drafts_ready.txt", context)


def list_published(publication_id: int) -> int:
    """Tell each company named in a list (or a correction) its entries, and for a black listing
    until when it may appeal. Returns the number of mails sent."""
    publication = Publication.objects.select_related("community", "correction_of").get(
        pk=publication_id
    )
    by_company = defaultdict(list)
    for entry in publication.entries.select_related("publication").order_by("compound_name"):
        by_company[entry.company_id].append(entry)
    recipients = company_recipients(by_company)
    return _send(
        [
            mail
            for company_id, entries in by_company.items()
            for mail in _in_languages(
                recipients.get(company_id, {}),
                partial(_list_published_mail, publication, entries),
            )
        ]
    )


def _list_published_mail(publication: Publication, entries: list) -> tuple[str, str]:
    """The subject and body for the company of ``entries``, in the active language."""
    from .scoring import appeal_closes_on

    label = f"{publication.month:%Y-%m}"
    black = [e for e in entries if e.band == rules.Band.BLACK]
    context = {
        "publication": publication,
        "company_name": entries[0].company_name,
        "entries": entries,
        "appeal_until": appeal_closes_on(black[0]) if black else None,
        "public_url": settings.SITE_URL
        + reverse("scorecards:public_month", args=[publication.community.slug, label]),
        "appeals_url": settings.SITE_URL + reverse("scorecards:scoring_appeals"),
    }
    if publication.correction_of_id:
        subject = _("Correction of the red/black list of %(month)s, %(community)s")
    else:
        subject = _("Red/black list of %(month)s published, %(community)s")
    subject %= {"month": month_name(publication.month), "community": publication.community.name}
    return subject, render_to_string("scorecards/email/list_published.txt", context)


def appeal_decided(appeal_id: int) -> int:
    """Tell the company the outcome of its appeal and the reason. Returns the mails sent."""
    appeal = Appeal.objects.select_related("entry__publication__community").get(pk=appeal_id)
    entry = appeal.entry
    return _to_company(entry.company_id, partial(_appeal_decided_mail, appeal))


def _appeal_decided_mail(appeal: Appeal) -> tuple[str, str]:
    entry = appeal.entry
    context = {
        "appeal": appeal,
        "entry": entry,
        "upheld": appeal.status == Appeal.Status.UPHELD,
        "url": settings.SITE_URL + reverse("scorecards:scoring_appeals"),
    }
    subject = _("Your appeal about %(compound)s, %(month)s: %(outcome)s") % {
        "compound": entry.compound_name,
        "month": month_name(entry.publication.month),
        "outcome": appeal.get_status_display(),
    }
    body = render_to_string("scorecards/email/appeal_decided.txt", context)
    return subject, body


def summons_recorded(summons_id: int) -> int:
    """Send the company the record of the talks: what it undertook, by when, and the closer
    inspection. Returns the mails sent."""
    summons = Summons.objects.select_related("compound", "company").get(pk=summons_id)
    return _to_company(summons.company_id, partial(_summons_recorded_mail, summons))


def _summons_recorded_mail(summons: Summons) -> tuple[str, str]:
    context = {
        "summons": summons,
        "url": settings.SITE_URL + reverse("scorecards:summons_detail", args=[summons.pk]),
    }
    subject = _("Record of the talks about %(compound)s, %(date)s") % {
        "compound": summons.compound.name,
        "date": formats.date_format(summons.held_on, "SHORT_DATE_FORMAT"),
    }
    body = render_to_string("scorecards/email/summons_recorded.txt", context)
    return subject, body


def assessment_published(assessment_id: int) -> int:
    """Tell the company the grade and conclusion of its year at a compound. Returns the mails
    sent."""
    assessment = Assessment.objects.select_related(
        "agreement__compound", "agreement__company", "community", "correction_of"
    ).get(pk=assessment_id)
    agreement = assessment.agreement
    return _to_company(agreement.company_id, partial(_assessment_published_mail, assessment))


def _assessment_published_mail(assessment: Assessment) -> tuple[str, str]:
    agreement = assessment.agreement
    context = {
        "assessment": assessment,
        "agreement": agreement,
        "grade": rules.Grade(assessment.grade).label,
        "url": settings.SITE_URL
        + reverse(
            "scorecards:public_assessment",
            args=[assessment.community.slug, agreement.year, assessment.pk],
        ),
    }
    subject = _("Annual assessment of %(compound)s, %(year)s: %(grade)s") % {
        "compound": agreement.compound.name,
        "year": agreement.year,
        "grade": context["grade"],
    }
    body = render_to_string("scorecards/email/assessment_published.txt", context)
    return subject, body


def on_commit(send, *args) -> None:
    """Run ``send(*args)`` once the surrounding transaction commits; a failure is logged, and
    what it announces stays saved."""
    transaction.on_commit(lambda: send(*args), robust=True)
