"""The to-do page tells the people who follow fixes up what falls due in the next days and which
complaints still wait to be verified, and each line opens the list with the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scorecards import inspections
from scorecards.models import Rectification
from tests.tongde.test_today import _tasks

pytestmark = pytest.mark.django_db

DUE = "Rectification items due within three days, to check"
COMPLAINTS = "Complaints not yet verified"


def _item(compound, company, deadline_in: int, status: str = "open") -> Rectification:
    today = timezone.localdate()
    return Rectification.objects.create(
        compound=compound,
        company=company,
        description="fire lane blocked",
        created_on=today - dt.timedelta(days=10),
        deadline_on=today + dt.timedelta(days=deadline_in),
        status=status,
    )


def _rows(client, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row.pk for row in response.context["page"].object_list}


@pytest.mark.parametrize("who", ["staff", "grid_worker"])
def test_items_due_today_to_three_days_ahead_are_counted_and_listed(
    client, request, compound_a, company_a, who
):
    # given: due yesterday (overdue), today, in 3 days, in 4 days; and one due today already
    # answered (the company's part is done, it waits for staff)
    _item(compound_a, company_a, -1)
    today = _item(compound_a, company_a, 0)
    last = _item(compound_a, company_a, 3)
    _item(compound_a, company_a, 4)
    _item(compound_a, company_a, 0, status="answered")
    client.force_login(request.getfixturevalue(who))

    # when
    count, url = _tasks(client)[DUE]

    # then
    assert count == 2
    assert _rows(client, url) == {today.pk, last.pk}


def test_another_communitys_items_are_not_due_for_you(client, staff, other_community):
    from tests import factories

    compound = factories.CompoundFactory(community=other_community)
    company = factories.PropertyCompanyFactory()
    _item(compound, company, 1)
    client.force_login(staff)
    assert _tasks(client)[DUE][0] == 0


def test_complaints_to_verify_are_counted_and_listed(client, grid_worker, compound_a, staff):
    def log(verified: bool):
        return inspections.complaint_log(
            compound=compound_a,
            received_on=timezone.localdate(),
            channel="phone",
            summary="夜间施工噪音",
            verified=verified,
            user=staff,
        )

    waiting = log(False)
    log(True)
    client.force_login(grid_worker)
    count, url = _tasks(client)[COMPLAINTS]
    assert count == 1
    assert _rows(client, url) == {waiting.pk}
