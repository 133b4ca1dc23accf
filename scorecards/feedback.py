"""Weekly feedback (周反馈): each company's week, Monday to Sunday, built once and mailed once.

For the week and a company it lists the rectification items raised that week, those overdue at the
week's end (the deadline passed by Sunday and the item was not closed by then) and those closed
that week. Items of withdrawn findings are left out. A company with nothing in any of the three
gets no feedback that week.

One ``WeeklyFeedback`` row per company and week (a unique constraint): a re-run finds the row and
neither rebuilds it nor mails again (``emailed_at`` is stamped under a row lock, so two workers
racing on the same week send one mail). The mail goes to the company's users (``Membership`` role
company) with an address, each in their own language (``tongde.mail``), from
``templates/scorecards/email/weekly_feedback.txt``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from compounds.models import PropertyCompany, ServiceContract
from compounds.selectors import AnyUser, company_ids, staff_community_ids

from .models import Rectification, WeeklyFeedback
from .notices import company_recipients


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def last_full_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the week that ended last Sunday (today in Asia/Shanghai by default); on a
    Sunday the week still running is not over, so it is the week before."""
    today = today or timezone.localdate()
    return week_of(today) - dt.timedelta(days=7)


@dataclass
class CompanyWeek:
    new: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.overdue or self.closed)


def _not_withdrawn() -> Q:
    return Q(finding__isnull=True) | Q(finding__is_withdrawn=False)


def week_items(week_start: dt.date) -> dict[int, CompanyWeek]:
    """Ids of each company's new, overdue and closed items of the week, in one query."""
    week_end = week_start + dt.timedelta(days=6)
    new = Q(created_on__gte=week_start, created_on__lte=week_end)
    closed = Q(closed_on__gte=week_start, closed_on__lte=week_end)
    open_at_end = Q(closed_on__isnull=True) | Q(closed_on__gt=week_end)
    overdue = Q(created_on__lte=week_end, deadline_on__lte=week_end) & open_at_end
    rows = (
        Rectification.objects.filter(_not_withdrawn())
        .filter(new | closed | overdue)
        .order_by("deadline_on", "pk")
        .values_list("pk", "company_id", "created_on", "deadline_on", "closed_on")
    )
    out: dict[int, CompanyWeek] = {}
    for pk, company_id, created_on, deadline_on, closed_on in rows:
        week = out.setdefault(company_id, CompanyWeek())
        if week_start <= created_on <= week_end:
            week.new.append(pk)
        if closed_on is not None and week_start <= closed_on <= week_end:
            week.closed.append(pk)
        if (
            created_on <= week_end
            and deadline_on <= week_end
            and (closed_on is None or closed_on > week_end)
        ):
            week.overdue.append(pk)
    return out


def _recipients(company_id: int) -> dict[str, list[str]]:
    return company_recipients([company_id]).get(company_id, {})


def feedback_context(feedback: WeeklyFeedback) -> dict:
    """What the mail and the detail page list: the items by group, each with its compound."""
    ids = [pk for key in ("new", "overdue", "closed") for pk in feedback.items.get(key, [])]
    # One query whatever the number of items (``in_bulk`` splits its ids into batches of 999 on
    # SQLite: a query more per 999 items).
    by_id = {
        r.pk: r
        for r in Rectification.objects.select_related("compound", "finding__criterion").filter(
            pk__in=set(ids)
        )
    }
    groups = {
        key: [by_id[pk] for pk in feedback.items.get(key, []) if pk in by_id]
        for key in ("new", "overdue", "closed")
    }
    return {
        "feedback": feedback,
        "week_end": feedback.week_start + dt.timedelta(days=6),
        **groups,
    }


def _send(feedback: WeeklyFeedback, connection) -> int:
    messages = []
    # The items are read once; each language among the recipients gets its own rendering.
    context = feedback_context(feedback)
    for language, addresses in _recipients(feedback.company_id).items():
        with translation.override(language):
            subject, body = _mail(feedback, context)
        messages += [
            EmailMessage(subject=subject, body=body, to=[address], connection=connection)
            for address in addresses
        ]
    return (connection.send_messages(messages) or 0) if messages else 0


def _mail(feedback: WeeklyFeedback, context: dict) -> tuple[str, str]:
    """The subject and body of ``feedback``, in the active language."""
    context = {
        **context,
        "site_url": settings.SITE_URL,
        # The feedback's own page: the company opening it from the mail is what staff read as
        # "read" on the feedback list.
        "url": settings.SITE_URL + reverse("scorecards:feedback_detail", args=[feedback.pk]),
    }
    subject = _("Weekly feedback for %(company)s, week of %(week)s") % {
        "company": feedback.company.name,
        "week": formats.date_format(feedback.week_start, "SHORT_DATE_FORMAT"),
    }
    return subject, render_to_string("scorecards/email/weekly_feedback.txt", context)


def _row(company_id: int, week_start: dt.date, week: CompanyWeek) -> tuple[WeeklyFeedback, bool]:
    try:
        with transaction.atomic():
            feedback = WeeklyFeedback.objects.create(
                company_id=company_id,
                week_start=week_start,
                new_findings=len(week.new),
                overdue=len(week.overdue),
                closed=len(week.closed),
                items={"new": week.new, "overdue": week.overdue, "closed": week.closed},
            )
            return feedback, True
    except IntegrityError:  # built meanwhile, or on an earlier run
        return WeeklyFeedback.objects.get(company_id=company_id, week_start=week_start), False


def weekly_feedback_build(week_start: dt.date) -> list[tuple[WeeklyFeedback, bool]]:
    """The feedback rows of the week starting ``week_start``, one per company with something to
    say, each with whether this call created it (an existing row is left as it is)."""
    weeks = week_items(week_start)
    return [_row(company_id, week_start, weeks[company_id]) for company_id in sorted(weeks)]


def weekly_feedback_send(
    week_start: dt.date | None = None, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """Build and mail the feedback of the week starting ``week_start`` (a Monday; default: the
    week that ended last Sunday). Safe to rerun: returns how many rows were built and mails sent
    by this run."""
    week_start = week_of(week_start) if week_start else last_full_week()
    rows = weekly_feedback_build(week_start)
    companies = PropertyCompany.objects.in_bulk([feedback.company_id for feedback, _ in rows])
    connection = get_connection()
    sent = 0
    for feedback, _created in rows:
        with transaction.atomic():
            locked = (
                WeeklyFeedback.objects.select_for_update()
                .filter(pk=feedback.pk, emailed_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            locked.company = companies[feedback.company_id]
            sent += _send(locked, connection)
            locked.emailed_at = now or timezone.now()
            locked.save(update_fields=["emailed_at"])
    return {"built": sum(created for _, created in rows), "sent": sent}


def feedback_list(*, user: AnyUser) -> QuerySet[WeeklyFeedback]:
    """Company users: their own company's feedback; community staff (not grid workers): the
    feedback of every company that serves or served a compound of their communities."""
    qs = WeeklyFeedback.objects.select_related("company")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    serving = ServiceContract.objects.filter(
        compound__community_id__in=staff_community_ids(user, include_grid_workers=False)
    ).values("company_id")
    return qs.filter(Q(company_id__in=company_ids(user)) | Q(company_id__in=serving))


def feedback_mark_read(
    feedback: WeeklyFeedback, *, user: AnyUser, now: dt.datetime | None = None
) -> bool:
    """A company user opening the feedback marks it read (once); staff reading it do not."""
    if feedback.read_at is not None or feedback.company_id not in company_ids(user):
        return False
    updated = WeeklyFeedback.objects.filter(pk=feedback.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    return bool(updated)
