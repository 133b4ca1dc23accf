"""Who changed a clean-up operation or a meeting's minutes, and when: the figures of a period and
the decisions of a meeting are answerable for, so every change is kept and shown to those who may
edit them (it names accounts), never to others."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from campaigns import meetings, services
from campaigns.models import Campaign, Meeting, MeetingDecision
from campaigns.selectors import campaign_history
from campaigns.selectors_meetings import meeting_history
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


def _operation(compound, **overrides) -> dict:
    return {
        "kind": Campaign.Kind.FRIDAY,
        "held_on": TODAY,
        "topic": "",
        "compounds": [compound],
        "buildings": [],
        "spots": "",
        "disorders": [],
        "truckloads": 3,
        "tonnes": Decimal("7.50"),
        "vehicles_handled": 0,
        "notes": "",
        "is_public": True,
        **overrides,
    }


def _fields(*names: str) -> list[str]:
    return sorted(str(Campaign._meta.get_field(n).verbose_name) for n in names)


def test_every_change_of_an_operation_is_kept_with_who_made_it(community, compound_a, staff):
    # given an operation recorded by staff
    other = factories.membership_user("staff", community=community)
    data = _operation(compound_a)
    campaign = services.campaign_record(
        community=community, data=data, participations={"staff": 5}, user=staff
    )

    # when another staff member raises its figures, withdraws it and restores it
    services.campaign_update(
        campaign=campaign,
        data={**data, "tonnes": Decimal("9.00")},
        participations={"staff": 8},
        user=other,
    )
    services.campaign_withdraw(campaign=campaign, user=other)
    services.campaign_restore(campaign=campaign, user=staff)

    # then the history says who did what, newest first
    history = campaign_history(campaign)
    assert [(e["user"], sorted(e["fields"])) for e in history] == [
        (staff, _fields("is_withdrawn")),
        (other, _fields("is_withdrawn")),
        (other, _fields("tonnes", "person_times")),
        (staff, []),
    ]


@pytest.mark.parametrize(
    ("role", "sees"),
    [("staff", True), ("recorder", True), ("grid_worker", False), ("company", False)],
)
def test_the_history_of_an_operation_is_shown_to_those_who_may_edit_it(
    client, community, compound_a, company_a, staff, role, sees
):
    recorder = factories.membership_user("grid_worker", community=community)
    data = _operation(compound_a)
    campaign = services.campaign_record(
        community=community, data=data, participations={"staff": 5}, user=recorder
    )
    services.campaign_update(
        campaign=campaign, data={**data, "truckloads": 4}, participations={"staff": 5}, user=staff
    )
    reader = {
        "staff": staff,
        "recorder": recorder,
        "grid_worker": factories.membership_user("grid_worker", community=community),
        "company": factories.membership_user("company", company=company_a),
    }[role]
    client.force_login(reader)

    response = client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))

    assert response.status_code == 200
    with translation.override("zh-hans"):
        heading = gettext("History")
        changed = str(Campaign._meta.get_field("truckloads").verbose_name)
    page = response.content.decode()
    assert (heading in page and changed in page and staff.get_full_name() in page) is sees


def _meeting(community, staff) -> Meeting:
    return meetings.meeting_create(
        community=community,
        data={"kind": "joint", "held_on": TODAY, "title": "物管联席会议", "agenda": ""},
        attendance=[{"organisation": "community", "name": "", "persons": 4}],
        decisions=[
            {"text": "划定停车位", "responsible": "物业", "due_on": None, "done_on": None},
            {"text": "清理楼道", "responsible": "网格员", "due_on": None, "done_on": None},
        ],
        user=staff,
    )


def test_a_decision_struck_from_the_minutes_stays_on_record(community, staff):
    meeting = _meeting(community, staff)
    editor = factories.membership_user("staff", community=community)
    kept = meeting.decisions.get(text="划定停车位")

    meetings.meeting_update(
        meeting=meeting,
        data={"kind": "joint", "held_on": TODAY, "title": "物管联席会议", "agenda": ""},
        decisions=[{"pk": kept.pk, "text": "划定停车位", "responsible": "物业"}],
        user=editor,
    )

    assert list(meeting.decisions.values_list("text", flat=True)) == ["划定停车位"]
    struck = MeetingDecision.history.get(text="清理楼道", history_type="-")
    created = MeetingDecision.history.get(text="清理楼道", history_type="+")
    assert struck.history_user == editor
    assert [
        (e["user"], e["action"]) for e in meeting_history(meeting) if "清理楼道" in e["subject"]
    ] == [(editor, struck.get_history_type_display()), (staff, created.get_history_type_display())]


@pytest.mark.parametrize(("role", "sees"), [("staff", True), ("committee", False)])
def test_the_history_of_a_meeting_is_for_those_who_may_edit_it(
    client, community, compound_a, staff, role, sees
):
    meeting = _meeting(community, staff)
    reader = (
        staff if role == "staff" else factories.membership_user("committee", compound=compound_a)
    )
    client.force_login(reader)

    response = client.get(reverse("campaigns:meeting_detail", args=[meeting.pk]))

    if response.status_code == 404:  # a reader who may not open the meeting sees no history
        assert not sees
        return
    with translation.override("zh-hans"):
        heading = gettext("History")
    assert (heading in response.content.decode()) is sees
