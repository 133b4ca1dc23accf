"""Two people editing the same operation, disorder, meeting, regulation, version, designation or
targets: the second save is refused (409) and saves nothing, the refused page says what changed,
and sending it again saves (``tongde.concurrency``).

Each test opens the real page, lets a colleague change the record through its service (or its
own page), sends the first user's edit as the browser would, then sends the page that came back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns import designations, meetings, regulations, services
from campaigns.models import (
    Campaign,
    Designation,
    DesignationTarget,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Regulation,
    RegulationVersion,
)
from tests import factories
from tests.campaigns.factories import CampaignFactory, DisorderFactory
from tests.crawl import parse
from tongde import concurrency

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2020, 11, 27, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def colleague(community):
    return factories.membership_user("staff", community=community)


def _open(client: Client, path: str) -> dict[str, list[str]]:
    """The page's edit form as the browser would send it back untouched."""
    response = client.get(path)
    assert response.status_code == 200
    return _sent(response, path)


def _sent(response, path: str) -> dict[str, list[str]]:
    _, found = parse(response.content.decode(), f"http://testserver{path}")
    (form,) = [f for f in found if f.method == "post" and f.action.startswith(path)]
    return form.data()


def _refused(response, path: str, sent: dict[str, list[str]]) -> dict[str, list[str]]:
    """Checks a 409 that keeps the editor's values, and returns the page to send again."""
    assert response.status_code == 409
    form = response.context["form"]
    assert str(concurrency.CHANGED_MEANWHILE) in form.non_field_errors()
    again = _sent(response, path)
    for name, values in sent.items():
        if name not in {
            concurrency.EDITED_FROM,
            concurrency.LINKS_FROM,
            "once",
            "csrfmiddlewaretoken",
        }:
            assert again.get(name, []) == values, name
    return again


def test_operation_whose_compounds_changed_meanwhile(
    client, staff, colleague, community, compound_a, compound_b
):
    # given: staff opens the operation; a colleague adds a compound on their own page
    operation = CampaignFactory(community=community, compounds=[compound_a])
    path = reverse("campaigns:campaign_update", args=[operation.pk])
    client.force_login(staff)
    data = _open(client, path)
    other = Client()
    other.force_login(colleague)
    theirs = _open(other, path)
    theirs["compounds"] = [str(compound_a.pk), str(compound_b.pk)]
    assert other.post(path, theirs).status_code == 302
    # when: staff saves the tonnes, with the compounds as they saw them
    data["tonnes"] = ["4.00"]
    response = client.post(path, data)
    # then: nothing of staff's saved; the compounds say what they are now
    again = _refused(response, path, data)
    operation.refresh_from_db()
    assert operation.tonnes == Decimal("2.50")
    assert set(operation.compounds.all()) == {compound_a, compound_b}
    assert compound_b.name in " ".join(response.context["form"].errors["compounds"])
    # when: staff saves again, knowingly
    assert client.post(path, again).status_code == 302
    # then: staff's page stands, the compounds included
    operation.refresh_from_db()
    assert operation.tonnes == Decimal("4.00")
    assert list(operation.compounds.all()) == [compound_a]


def test_operation_whose_figures_changed_meanwhile(client, staff, colleague, community, compound_a):
    operation = CampaignFactory(community=community, compounds=[compound_a])
    path = reverse("campaigns:campaign_update", args=[operation.pk])
    client.force_login(staff)
    data = _open(client, path)
    Campaign.objects.filter(pk=operation.pk).update(truckloads=7)
    data["notes"] = ["东墙"]
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert "7" in " ".join(response.context["form"].errors["truckloads"])
    assert Campaign.objects.get(pk=operation.pk).notes == ""
    assert client.post(path, again).status_code == 302
    operation.refresh_from_db()
    assert (operation.notes, operation.truckloads) == ("东墙", 1)


def test_disorder(client, staff, colleague, community):
    disorder = DisorderFactory(community=community, name="乱堆乱放")
    path = reverse("campaigns:disorder_update", args=[disorder.pk])
    client.force_login(staff)
    data = _open(client, path)
    services.disorder_update(
        disorder=disorder,
        name="乱堆杂物",
        position=disorder.position,
        is_active=True,
        user=colleague,
    )
    data["is_active"] = []
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert "乱堆杂物" in " ".join(response.context["form"].errors["name"])
    disorder.refresh_from_db()
    assert (disorder.name, disorder.is_active) == ("乱堆杂物", True)
    assert client.post(path, again).status_code == 302
    disorder.refresh_from_db()
    assert (disorder.name, disorder.is_active) == ("乱堆乱放", False)


def test_meeting_whose_decision_was_marked_done_meanwhile(client, staff, colleague, community):
    # given: staff opens the meeting; a colleague marks its decision done from the meeting page
    meeting = Meeting.objects.create(
        community=community, kind="promotion", held_on=dt.date(2020, 3, 4), title="动员部署会"
    )
    MeetingAttendance.objects.create(meeting=meeting, organisation="community", persons=12)
    decision = MeetingDecision.objects.create(
        meeting=meeting, text="签订目标责任书", responsible="城管办", due_on=dt.date(2020, 4, 1)
    )
    path = reverse("campaigns:meeting_update", args=[meeting.pk])
    client.force_login(staff)
    data = _open(client, path)
    meetings.decision_mark(decision=decision, done_on=dt.date(2020, 3, 30), user=colleague)
    # when: staff retitles the meeting, the decision as they saw it (not done)
    data["title"] = ["动员部署会（修订）"]
    response = client.post(path, data)
    # then: refused, the decisions named above the form
    again = _refused(response, path, data)
    assert _("Decisions") in " ".join(response.context["form"].non_field_errors())
    meeting.refresh_from_db()
    assert meeting.title == "动员部署会"
    # when sent again, staff's page stands, the decision's date included
    assert client.post(path, again).status_code == 302
    meeting.refresh_from_db()
    decision.refresh_from_db()
    assert (meeting.title, decision.done_on) == ("动员部署会（修订）", None)


def test_regulation(client, staff, colleague, community):
    regulation = Regulation.objects.create(community=community, code="gy", title="小区居民公约")
    path = reverse("campaigns:regulation_update", args=[regulation.pk])
    client.force_login(staff)
    data = _open(client, path)
    regulations.regulation_update(
        regulation=regulation, data={"code": "gy", "title": "居民公约"}, user=colleague
    )
    data["code"] = ["covenant"]
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert "居民公约" in " ".join(response.context["form"].errors["title"])
    assert Regulation.objects.get(pk=regulation.pk).code == "gy"
    assert client.post(path, again).status_code == 302
    regulation.refresh_from_db()
    assert (regulation.code, regulation.title) == ("covenant", "小区居民公约")


def test_version_whose_adopting_compounds_changed_meanwhile(
    client, staff, colleague, community, compound_a, compound_b
):
    regulation = Regulation.objects.create(community=community, code="gy", title="小区居民公约")
    version = RegulationVersion.objects.create(
        regulation=regulation,
        number=1,
        adopted_on=dt.date(2020, 6, 20),
        effective_on=dt.date(2020, 6, 21),
    )
    version.compounds.set([compound_a])
    path = reverse("campaigns:version_update", args=[version.pk])
    client.force_login(staff)
    data = _open(client, path)
    regulations.version_update(
        version=version,
        data={"adopted_on": version.adopted_on, "effective_on": version.effective_on},
        compounds=[compound_a, compound_b],
        user=colleague,
    )
    data["summary"] = ["增加楼道杂物条款"]
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert compound_b.name in " ".join(response.context["form"].errors["compounds"])
    version.refresh_from_db()
    assert version.summary == ""
    assert client.post(path, again).status_code == 302
    version.refresh_from_db()
    assert version.summary == "增加楼道杂物条款"
    assert list(version.compounds.all()) == [compound_a]


def test_designation(client, staff, colleague, community, compound_a):
    Designation.objects.create(compound=compound_a, year=2020, status="candidate")
    kind = DesignationTarget.Kind.PREMIUM
    path = reverse("campaigns:designation_edit", args=[community.pk, 2020, kind, compound_a.pk])
    client.force_login(staff)
    data = _open(client, path)
    designations.designation_set(
        compound=compound_a, year=2020, kind=kind, status="created", user=colleague
    )
    data["theme"] = ["红色物业"]
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert response.context["form"].errors["status"]
    designation = Designation.objects.get(compound=compound_a, year=2020)
    assert (designation.status, designation.theme) == ("created", "")
    assert client.post(path, again).status_code == 302
    designation.refresh_from_db()
    assert (designation.status, designation.theme) == ("candidate", "红色物业")


def test_targets_set_meanwhile_where_none_was(client, staff, colleague, community):
    # given: no targets set yet, the page shows the defaults (80 and 30)
    path = reverse("campaigns:designation_targets", args=[community.pk, 2020])
    client.force_login(staff)
    data = _open(client, path)
    designations.designation_target_set(
        community=community,
        year=2020,
        kind=DesignationTarget.Kind.PREMIUM,
        target_rate=Decimal("0.9"),
        user=colleague,
    )
    data["model_courtyard"] = ["40"]
    response = client.post(path, data)
    again = _refused(response, path, data)
    assert "90.0" in " ".join(response.context["form"].errors["premium"])
    assert "model_courtyard" not in response.context["form"].errors
    assert not DesignationTarget.objects.filter(kind=DesignationTarget.Kind.MODEL_COURTYARD)
    assert client.post(path, again).status_code == 302
    rates = dict(DesignationTarget.objects.values_list("kind", "target_rate"))
    assert rates == {"premium": Decimal("0.800"), "model_courtyard": Decimal("0.400")}


def test_a_target_set_again_to_what_the_page_showed_is_no_change(
    client, staff, colleague, community
):
    path = reverse("campaigns:designation_targets", args=[community.pk, 2020])
    client.force_login(staff)
    data = _open(client, path)
    designations.designation_target_set(
        community=community,
        year=2020,
        kind=DesignationTarget.Kind.PREMIUM,
        target_rate=Decimal("0.8"),
        user=colleague,
    )
    data["model_courtyard"] = ["40"]
    assert client.post(path, data).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_pages_that_lock_rows_open_outside_a_transaction(client, staff, community):
    # Every other test runs inside a transaction, where reading rows for update is allowed; a
    # real GET runs in autocommit, where it is an error.
    meeting = Meeting.objects.create(
        community=community, kind="promotion", held_on=dt.date(2020, 3, 4), title="动员部署会"
    )
    MeetingDecision.objects.create(meeting=meeting, text="签订目标责任书", responsible="城管办")
    client.force_login(staff)
    for path in (
        reverse("campaigns:meeting_update", args=[meeting.pk]),
        reverse("campaigns:designation_targets", args=[community.pk, 2020]),
    ):
        assert client.get(path).status_code == 200, path
