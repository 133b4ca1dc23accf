"""What is waiting for a user, across the apps: the page each role lands on after signing in.

Each task is a count and the filtered list that shows its rows, so the page is a list of doors
rather than a copy of the lists. Every count goes through the app's own scoped selector (a
company counts only its own items, staff only their communities'), one query each, however many
rows there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from campaigns import selectors_patrols as patrols
from campaigns.models import Problem
from committees.models import Committee, Election
from committees.selectors import consultation_list, consultation_readable
from compounds import residents
from compounds.models import ServiceContract
from compounds.selectors import committee_compound_ids, company_ids, staff_community_ids
from scorecards import assessments, bulletins, inspections, scoring, summons
from scorecards.inspections import complaint_list, due_soon_q, overdue_q, rectification_list
from scorecards.models import (
    Rectification,
    Scorecard,
    ScoringSettings,
    next_month,
    previous_month,
)
from scorecards.reports import Compliance, committee_report_list, report_compliance_rows


@dataclass(frozen=True)
class Task:
    label: Any  # a lazy translation
    count: int
    url: str
    urgent: bool = False


def _url(name: str, **query: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def follow_up_tasks(user: Any, today: dt.date) -> list[Task]:
    """Staff and grid workers, who see that fixes happen: items past their deadline."""
    return [
        Task(
            _("Rectification items past their deadline"),
            rectification_list(user=user).filter(overdue_q(today)).count(),
            _url("scorecards:rectification_list", overdue="on"),
            urgent=True,
        ),
        Task(
            _("Rectification items due within three days, to check"),
            rectification_list(user=user).filter(due_soon_q(today)).count(),
            _url("scorecards:rectification_list", due_soon="on"),
        ),
        Task(
            _("Complaints not yet verified"),
            complaint_list(user=user).filter(is_verified=False).count(),
            _url("scorecards:complaint_list", verified="no"),
        ),
        Task(
            _("Patrol problems past their deadline"),
            patrols.problem_list(user=user)
            .filter(patrols.age_q(patrols.OVERDUE, today=today))
            .count(),
            _url("campaigns:problem_list", age=patrols.OVERDUE),
            urgent=True,
        ),
        Task(
            _("Resident registrations waiting for a check"),
            residents.pending_count(user=user),
            _url("compounds:residency_list", tab="pending"),
        ),
        Task(
            _("Compounds under closer inspection, short of this month's inspections"),
            len(summons.closer_inspection_short(summons.inspecting_communities(user), today)),
            reverse("scorecards:summons_list"),
        ),
    ]


def staff_tasks(user: Any, today: dt.date) -> list[Task]:
    """Community staff, who decide (grid workers do not): opinions to answer, fixes to verify,
    and what the scoring home shows per community (``scoring.staff_attention``) summed over
    their communities: the list to publish, late reports, the companies' replies and appeals."""
    home = reverse("scorecards:scoring_home")
    communities = scoring.scoring_communities(user)
    panels = scoring.staff_attention(communities, today)
    return [
        Task(
            _("Residents' opinions awaiting an answer"),
            consultation_list(user=user).filter(answered_on__isnull=True).count(),
            _url("committees:consultation_list", answered="false"),
        ),
        Task(
            _("Rectification items answered by the company, to verify"),
            rectification_list(user=user).filter(status=Rectification.Status.ANSWERED).count(),
            _url("scorecards:rectification_list", status=Rectification.Status.ANSWERED),
        ),
        Task(
            _("Patrol problems answered by the company, to verify"),
            patrols.problem_list(user=user).filter(status=Problem.Status.ANSWERED).count(),
            _url("campaigns:problem_list", status=Problem.Status.ANSWERED),
        ),
        _lists_to_publish(panels, today, home),
        Task(
            _("Monthly reports late or missing (last three months)"),
            sum(len(panel["late_reports"]) for panel in panels),
            reverse("scorecards:reports_overdue"),
            urgent=True,
        ),
        Task(
            _("Companies' replies to scorecards, to answer"),
            sum(panel["replies_to_answer"] for panel in panels),
            home,
        ),
        Task(
            _("Appeals against a black listing, to decide"),
            sum(panel["appeals_to_decide"] for panel in panels),
            reverse("scorecards:scoring_appeals"),
            urgent=True,
        ),
        Task(
            _("Black listings awaiting talks with the company"),
            summons.black_without_summons(communities, today).count(),
            reverse("scorecards:summons_list"),
        ),
        Task(
            _("Last quarter's bulletins to publish"),
            bulletins.bulletins_to_publish(communities, today),
            reverse("scorecards:bulletin_index"),
        ),
        Task(
            _("Last year's agreements to assess"),
            assessments.assessments_to_publish(communities, today),
            reverse("scorecards:assessment_index"),
        ),
    ]


def _lists_to_publish(panels: list[dict], today: dt.date, home: str) -> Task:
    """Communities whose last month is drafted and none of it published; urgent once a
    community's publication day (the 15th by default) has passed."""
    waiting = {p["community"].pk for p in panels if p["drafts"] and not p["published"]}
    by_day = dict(
        ScoringSettings.objects.filter(
            community_id__in=waiting, year=previous_month(today).year
        ).values_list("community_id", "publish_by_day")
    )
    default = ScoringSettings._meta.get_field("publish_by_day").default
    late = any(today.day > by_day.get(pk, default) for pk in waiting)
    return Task(_("Last month's red/black lists to publish"), len(waiting), home, urgent=late)


def drafts_open_to_reply_q(today: dt.date) -> Q:
    """A company's draft scorecards it may still reply to: the to-do row counts these and the
    scorecard list shows them under ``?reply=open``."""
    return Q(status=Scorecard.Status.DRAFT, reply_due_on__gte=today, replies__isnull=True)


def company_tasks(user: Any, today: dt.date) -> list[Task]:
    """A company: items to answer, draft scorecards it may still reply to, reports to file."""
    companies = company_ids(user)
    # The inbox's own counts, so that a row and the tab it opens always say the same number.
    counts = inspections.inbox_counts(user=user, on=today)
    month = previous_month(today)
    served = set(
        ServiceContract.objects.filter(company_id__in=companies, starts_on__lt=next_month(month))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=month))
        .values_list("compound_id", flat=True)
    )
    unfiled = [
        row
        for row in report_compliance_rows(served, month, today=today).values()
        if row.first_submitted_at is None
    ]
    # Red once a report is past its due day; before that it is a reminder.
    overdue_report = any(row.status != Compliance.NOT_DUE for row in unfiled)
    return [
        Task(
            _("Rectification items to answer"),
            counts[inspections.STATE_TURN],
            _url("scorecards:rectification_inbox", show=inspections.STATE_TURN),
        ),
        Task(
            _("Rectification items past their deadline"),
            counts[inspections.STATE_OVERDUE],
            _url("scorecards:rectification_inbox", show=inspections.STATE_OVERDUE),
            urgent=True,
        ),
        Task(
            _("Patrol problems to answer"),
            patrols.problem_list(user=user)
            .filter(company_id__in=companies, status=Problem.Status.ASSIGNED)
            .count(),
            _url("campaigns:problem_list", status=Problem.Status.ASSIGNED),
        ),
        Task(
            _("Draft scorecards you may still reply to"),
            scoring.scorecard_list(user=user)
            .filter(drafts_open_to_reply_q(today), company_id__in=companies)
            .count(),
            _url("scorecards:scoring_home", reply="open"),
        ),
        Task(
            # The appeal period is a week: a company that misses the black listing misses it.
            _("Black listings you may still appeal"),
            len(scoring.company_appealable_entries(user=user, today=today)),
            reverse("scorecards:scoring_appeals"),
            urgent=True,
        ),
        Task(
            _("Monthly reports of last month not yet submitted"),
            len(unfiled),
            reverse("scorecards:my_reports"),
            urgent=overdue_report,
        ),
    ]


TERM_NOTICE_DAYS = 90  # a re-election takes months: the committee hears of its term's end early


def committee_tasks(user: Any, today: dt.date) -> list[Task]:
    """An owners' committee member, who watches how the company serves the compound: the
    company's items still open and past their deadline, and last month's filed report; and the
    committee's own business: residents' opinions still unanswered, elections under way, a term
    ending within ``TERM_NOTICE_DAYS``."""
    compound_ids = committee_compound_ids(user)
    items = rectification_list(user=user).filter(compound_id__in=compound_ids)
    ending = today + dt.timedelta(days=TERM_NOTICE_DAYS)
    return [
        Task(
            _("Residents' opinions about our compound awaiting an answer"),
            consultation_readable(user=user)
            .filter(compound_id__in=compound_ids, answered_on__isnull=True)
            .count(),
            _url("committees:consultation_list", answered="false"),
        ),
        Task(
            _("Elections and motions of our committee under way"),
            Election.objects.filter(committee__compound_id__in=compound_ids)
            .exclude(stage=Election.Stage.CLOSED)
            .count(),
            reverse("committees:election_list"),
        ),
        Task(
            _("Our committee's term ends within three months"),
            Committee.objects.filter(
                compound_id__in=compound_ids, term_ends_on__gte=today, term_ends_on__lte=ending
            ).count(),
            reverse("committees:committee_list"),
            urgent=True,
        ),
        Task(
            _("Rectification items of our compound past their deadline"),
            items.filter(inspections.state_q(inspections.STATE_OVERDUE, today)).count(),
            _url("scorecards:committee_rectifications", show=inspections.STATE_OVERDUE),
            urgent=True,
        ),
        Task(
            _("Rectification items of our compound not yet closed"),
            items.filter(inspections.state_q(inspections.STATE_UNFINISHED, today)).count(),
            reverse("scorecards:committee_rectifications"),
        ),
        Task(
            _("The company's monthly reports of last month, to read"),
            committee_report_list(user=user).filter(month=previous_month(today)).count(),
            reverse("scorecards:committee_reports"),
        ),
    ]


def tasks_for(user: Any, today: dt.date) -> list[Task]:
    """Every task the user's roles bring, those with something waiting first."""
    tasks: list[Task] = []
    if user.is_superuser or staff_community_ids(user):
        tasks += follow_up_tasks(user, today)
    if scoring.is_scoring_staff(user):
        tasks += staff_tasks(user, today)
    if company_ids(user):
        tasks += company_tasks(user, today)
    if committee_compound_ids(user):
        tasks += committee_tasks(user, today)
    return sorted(tasks, key=lambda task: task.count == 0)
