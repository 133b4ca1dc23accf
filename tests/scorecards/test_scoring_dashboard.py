"""The staff's scorecards dashboard flags late and missing monthly reports and overdue
rectifications per community, with links to the lists that hold them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from scorecards import scoring
from scorecards.models import Appeal, MonthlyReport, Rectification, Scorecard

pytestmark = pytest.mark.django_db


def _home(client):
    with translation.override("en"):
        return client.get(reverse("scorecards:scoring_home")).content.decode()


def _figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]+)<', page)
    assert match, name
    return match.group(1)


def _late(page: str) -> int:
    text = _figure(page, "late-reports")
    return int(text.split()[0]) if "late" in text else 0


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_missing_reports_and_overdue_items_are_flagged(client, staff, compound_a, company_a):
    # compound_a's contract starts long before; no report for the last three months
    client.force_login(staff)
    today = timezone.localdate()
    Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        description="fire lane blocked",
        created_on=today - dt.timedelta(days=10),
        deadline_on=today - dt.timedelta(days=1),
    )
    Rectification.objects.create(  # not overdue: due today
        compound=compound_a,
        company=company_a,
        description="stairwell light",
        created_on=today - dt.timedelta(days=3),
        deadline_on=today,
    )
    page = _home(client)
    late = _figure(page, "late-reports")
    assert "late or missing" in late
    assert late.strip().split()[0] in {"2", "3"}  # the current month's last report may be not due
    assert _figure(page, "overdue-rectifications").strip() == "1 rectification overdue"
    assert f"{reverse('scorecards:rectification_list')}?overdue=on" in page


def test_nothing_to_flag_says_so(client, staff, community):
    client.force_login(staff)
    page = _home(client)
    assert "on time" in _figure(page, "late-reports")
    assert "No rectification is overdue" in _figure(page, "overdue-rectifications")


def test_a_report_in_on_time_is_not_flagged(client, staff, compound_a, company_a):
    client.force_login(staff)
    month = _last_month()
    before = _home(client)
    MonthlyReport.objects.create(
        compound=compound_a,
        company=company_a,
        month=month,
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=timezone.make_aware(dt.datetime.combine(month, dt.time(12))),
        submitted_at=timezone.make_aware(dt.datetime.combine(month, dt.time(12))),
    )
    after = _home(client)
    assert _late(after) == _late(before) - 1


def test_the_month_goes_from_not_drafted_to_drafts_to_published(
    client, staff, compound_a, compound_b, company_user_a
):
    client.force_login(staff)
    month = _last_month()
    with translation.override("en"):
        label = date_format(month, "YEAR_MONTH_FORMAT")
    assert _figure(_home(client), "month-status").startswith(f"{label}: not drafted yet")

    scoring.draft_month(month, [compound_a.community])
    page = _home(client)
    assert _figure(page, "month-status") == f"{label}: 2 draft scorecards to review and publish"
    assert 'data-figure="replies"' not in page

    card = Scorecard.objects.get(compound=compound_a, month=month)
    scoring.reply_create(scorecard=card, text="第3项已整改", user=company_user_a)
    assert _figure(_home(client), "replies").strip() == "1 company reply to answer"

    scoring.publish_month(community=compound_a.community, month=month, user=staff)
    page = _home(client)
    assert _figure(page, "month-status") == f"{label}: the list is published."


def test_a_pending_appeal_is_flagged_until_decided(client, staff, compound_a, company_user_a):
    from tests.scorecards.test_public_data import publish, row

    client.force_login(staff)
    publication = publish(compound_a.community, _last_month(), [row(compound_a, 60, "black")])
    entry = publication.entries.get()
    appeal = Appeal.objects.create(entry=entry, grounds="检查当天停水", filed_by=company_user_a)
    assert _figure(_home(client), "appeals").strip() == "1 appeal to decide"
    appeal.status, appeal.decision = Appeal.Status.REJECTED, "停水不影响保洁"
    appeal.save()
    assert 'data-figure="appeals"' not in _home(client)
