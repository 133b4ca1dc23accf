"""The "waiting for you" page each role lands on: counts scoped to the user (another company's
or community's items never count), every door opens for the role, queries do not grow."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from committees.models import Consultation
from scorecards.models import Rectification
from tests import factories

pytestmark = pytest.mark.django_db

TASK = re.compile(r'href="([^"]+)" data-task-count="(\d+)">\s*<span>([^<]+)</span>')


def _tasks(client) -> dict[str, tuple[int, str]]:
    """label -> (count, url), from the English page."""
    response = client.get("/en/today/")
    assert response.status_code == 200
    return {
        html.unescape(label): (int(count), html.unescape(url))
        for url, count, label in TASK.findall(response.content.decode())
    }


def _item(compound, company, *, status="open", late=False, **extra) -> Rectification:
    today = timezone.localdate()
    return Rectification.objects.create(
        compound=compound,
        company=company,
        description="fire lane blocked",
        created_on=today - dt.timedelta(days=10),
        deadline_on=today - dt.timedelta(days=1) if late else today + dt.timedelta(days=5),
        status=status,
        **extra,
    )


def _opinion(compound, answered: bool) -> Consultation:
    today = timezone.localdate()
    return Consultation.objects.create(
        compound=compound,
        topic="门禁",
        channel=Consultation.Channel.PHONE,
        received_on=today,
        opinion="…",
        answer="已修" if answered else "",
        answered_on=today if answered else None,
    )


@pytest.fixture
def waiting(compound_a, compound_b, company_a, company_b, other_community):
    _opinion(compound_a, answered=False)
    _opinion(compound_a, answered=True)
    _opinion(factories.CompoundFactory(community=other_community), answered=False)
    _item(compound_a, company_a, status="answered")
    _item(compound_a, company_a, late=True)
    _item(compound_a, company_a)
    _item(compound_b, company_b, late=True)


def test_staff_see_their_communitys_work(client, staff, waiting):
    client.force_login(staff)
    tasks = _tasks(client)
    assert tasks["Residents' opinions awaiting an answer"][0] == 1
    assert tasks["Rectification items answered by the company, to verify"][0] == 1
    assert tasks["Rectification items past their deadline"][0] == 2
    assert tasks["Patrol problems past their deadline"][0] == 0


def test_grid_workers_follow_up_but_are_not_asked_to_decide(client, grid_worker, waiting):
    client.force_login(grid_worker)
    tasks = _tasks(client)
    assert tasks["Rectification items past their deadline"][0] == 2
    assert "Residents' opinions awaiting an answer" not in tasks
    assert "Rectification items answered by the company, to verify" not in tasks


def test_staff_of_another_community_see_none_of_it(client, community, other_community, waiting):
    client.force_login(factories.membership_user("staff", community=other_community))
    tasks = _tasks(client)
    assert tasks["Residents' opinions awaiting an answer"][0] == 1  # their own community's
    assert tasks["Rectification items past their deadline"][0] == 0


def test_a_company_sees_only_its_own_items(client, company_user_a, company_user_b, waiting):
    client.force_login(company_user_a)
    tasks = _tasks(client)
    assert tasks["Rectification items to answer"][0] == 2
    assert tasks["Rectification items past their deadline"][0] == 1
    assert "Residents' opinions awaiting an answer" not in tasks
    client.force_login(company_user_b)
    tasks = _tasks(client)
    assert tasks["Rectification items to answer"][0] == 1
    assert tasks["Rectification items past their deadline"][0] == 1


def test_a_company_is_told_of_last_months_report_until_it_is_submitted(
    client, company_user_a, compound_a, company_a
):
    from scorecards.models import MonthlyReport, previous_month

    client.force_login(company_user_a)
    label = "Monthly reports of last month not yet submitted"
    assert _tasks(client)[label][0] == 1
    MonthlyReport.objects.create(
        compound=compound_a,
        company=company_a,
        month=previous_month(timezone.localdate()),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=timezone.now(),
    )
    assert _tasks(client)[label][0] == 0


@pytest.mark.parametrize(
    "role", ["staff", "grid_worker", "company_user_a", "committee_member_a", "superuser"]
)
def test_every_door_opens_for_the_role(client, request, role, waiting):
    client.force_login(request.getfixturevalue(role))
    for _count, url in _tasks(client).values():
        assert client.get(url).status_code == 200, url


def test_a_resident_goes_home_and_the_public_signs_in(client, resident):
    response = client.get("/today/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(resident)
    response = client.get("/today/")
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("role", ["staff", "company_user_a", "committee_member_a"])
def test_the_page_does_not_grow_in_queries(client, request, role, compound_a, company_a):
    client.force_login(request.getfixturevalue(role))
    _item(compound_a, company_a, late=True)
    _opinion(compound_a, answered=False)
    client.get("/en/today/")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/today/")
    for _ in range(20):
        compound = factories.CompoundFactory(community=compound_a.community)
        factories.ServiceContractFactory(compound=compound, company=company_a)
        _item(compound, company_a, late=True)
        _item(compound, company_a, status="answered")
        _opinion(compound, answered=False)
    with CaptureQueriesContext(connection) as many:
        client.get("/en/today/")
    assert len(many) == len(few)


def _publish_task(user, day: dt.date):
    from tongde import attention

    with translation.override("en"):
        tasks = {str(t.label): t for t in attention.staff_tasks(user, day)}
    return tasks["Last month's red/black lists to publish"]


@pytest.mark.parametrize(("day", "urgent"), [(14, False), (15, False), (16, True)])
def test_last_months_list_to_publish_turns_urgent_after_the_publication_day(
    staff, community, compound_a, day, urgent
):
    from scorecards import scoring

    september, october = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
    scoring.draft_month(september, today=october, notify=False)
    task = _publish_task(staff, dt.date(2026, 10, day))
    assert (task.count, task.urgent) == (1, urgent)
    scoring.publish_month(community=community, month=september, user=staff, notify=False)
    task = _publish_task(staff, dt.date(2026, 10, day))
    assert (task.count, task.urgent) == (0, False)


def test_another_communitys_unpublished_month_is_not_yours(compound_a, other_community):
    from scorecards import scoring

    scoring.draft_month(dt.date(2026, 9, 1), today=dt.date(2026, 10, 1), notify=False)
    stranger = factories.membership_user("staff", community=other_community)
    assert _publish_task(stranger, dt.date(2026, 10, 20)).count == 0


@pytest.mark.parametrize(("day", "count", "urgent"), [(3, 1, False), (5, 1, False), (6, 1, True)])
def test_last_months_report_is_a_reminder_until_due_then_urgent(
    company_user_a, compound_a, company_a, day, count, urgent
):
    from tongde import attention

    # A compound taken on this month owes no report for last month.
    newcomer = factories.CompoundFactory(community=compound_a.community)
    factories.ServiceContractFactory(
        compound=newcomer, company=company_a, starts_on=dt.date(2026, 10, 2)
    )
    with translation.override("en"):
        tasks = {
            str(t.label): t for t in attention.company_tasks(company_user_a, dt.date(2026, 10, day))
        }
    task = tasks["Monthly reports of last month not yet submitted"]
    assert (task.count, task.urgent) == (count, urgent)


def test_late_reports_count_what_the_overdue_reports_page_lists(client, staff, compound_a):
    from scorecards.reports import late_and_missing

    client.force_login(staff)
    count, url = _tasks(client)["Monthly reports late or missing (last three months)"]
    assert count == len(late_and_missing(compound_a.community, timezone.localdate())) > 0
    assert client.get(url).status_code == 200


def _rows_of(client, url: str) -> set[str]:
    """The rectification items a list page links to."""
    page = client.get(url).content.decode()
    return set(re.findall(r'href="(?:/en)?/scorecards/rectifications/(\d+)/"', page))


@pytest.mark.parametrize(
    "label", ["Rectification items to answer", "Rectification items past their deadline"]
)
def test_a_companys_row_opens_its_filtered_inbox_with_the_same_count(
    client, company_user_a, staff, waiting, label
):
    client.force_login(company_user_a)
    count, url = _tasks(client)[label]
    assert "show=" in url
    assert len(_rows_of(client, url)) == count
    page = client.get(url).content.decode()
    active = re.search(
        r'nav-link text-nowrap active" aria-current="page" href="[^"]*">[^<]*'
        r'<span class="badge[^"]*">(\d+)</span>',
        page,
    )
    assert int(active.group(1)) == count


def test_answering_moves_the_item_out_of_both_counts(client, company_user_a, compound_a, company_a):
    item = _item(compound_a, company_a)
    client.force_login(company_user_a)
    label = "Rectification items to answer"
    assert _tasks(client)[label][0] == 1
    Rectification.objects.filter(pk=item.pk).update(status=Rectification.Status.ANSWERED)
    count, url = _tasks(client)[label]
    assert count == 0
    assert _rows_of(client, url) == set()


def test_a_committee_member_sees_their_compounds_items(
    client, committee_member_a, waiting, compound_a, company_a
):
    from scorecards.models import MonthlyReport, previous_month

    MonthlyReport.objects.create(
        compound=compound_a,
        company=company_a,
        month=previous_month(timezone.localdate()),
        status=MonthlyReport.Status.SUBMITTED,
    )
    client.force_login(committee_member_a)
    tasks = _tasks(client)
    overdue = tasks["Rectification items of our compound past their deadline"]
    unfinished = tasks["Rectification items of our compound not yet closed"]
    reports = tasks["The company's monthly reports of last month, to read"]
    # 甲's three items (one answered, one late, one open); 乙's late item is not theirs
    assert (overdue[0], unfinished[0], reports[0]) == (1, 3, 1)
    assert len(_rows_of(client, overdue[1])) == 1
    assert len(_rows_of(client, unfinished[1])) == 3
    assert "Rectification items to answer" not in tasks


def test_drafts_open_to_reply_row_opens_only_those_drafts(
    client, company_user_a, compound_a, company_a
):
    from decimal import Decimal

    from scorecards.models import Scorecard
    from scorecards.setup import rubric_for

    today = timezone.localdate()
    rubric = rubric_for(compound_a.community, today.year)

    def card(month: int, due: dt.date) -> Scorecard:
        return Scorecard.objects.create(
            compound=compound_a,
            company=company_a,
            month=dt.date(today.year - 1, month, 1),
            rubric=rubric,
            total=Decimal(80),
            band="none",
            reply_due_on=due,
        )

    open_card = card(1, today)
    closed_card = card(2, today - dt.timedelta(days=1))
    client.force_login(company_user_a)
    count, url = _tasks(client)["Draft scorecards you may still reply to"]
    assert count == 1
    assert "reply=open" in url
    page = client.get(url).content.decode()
    with translation.override("en"):
        open_link = reverse("scorecards:scoring_card", args=[open_card.pk])
        closed_link = reverse("scorecards:scoring_card", args=[closed_card.pk])
    assert f'href="{open_link}"' in page
    # a draft whose reply window has closed is not in the row's list
    assert f'href="{closed_link}"' not in page


@pytest.mark.parametrize(
    ("term_ends_in", "stage", "expected"),
    [
        (90, "voting", (1, 1, 1)),  # the last day of the notice: counted
        (91, "voting", (1, 1, 0)),
        (-1, "closed", (1, 0, 0)),  # a term already over is the staff's (coverage), not a notice
    ],
)
def test_a_committee_member_sees_their_committees_business(
    client, committee_member_a, waiting, compound_a, term_ends_in, stage, expected
):
    from tests.committees.factories import CommitteeFactory, ElectionFactory

    today = timezone.localdate()
    committee = CommitteeFactory(
        compound=compound_a,
        term_starts_on=today - dt.timedelta(days=1800),
        term_ends_on=today + dt.timedelta(days=term_ends_in),
    )
    ElectionFactory(committee=committee, stage=stage)
    client.force_login(committee_member_a)
    tasks = _tasks(client)
    got = (
        tasks["Residents' opinions about our compound awaiting an answer"][0],
        tasks["Elections and motions of our committee under way"][0],
        tasks["Our committee's term ends within three months"][0],
    )
    # 甲's unanswered opinion counts; the other community's does not
    assert got == expected
