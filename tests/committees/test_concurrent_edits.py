"""Two people editing the same committee, election window or candidate: the second save is
refused (409), nothing of it is saved, and saving the page it comes back with goes through
(``tongde.concurrency``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from committees import candidates, elections, services
from committees.models import Candidate, Election
from tests import factories
from tests.committees.factories import CandidateFactory, CommitteeFactory, ElectionFactory, qualify
from tests.crawl import parse
from tongde import concurrency

pytestmark = pytest.mark.django_db

Stage = Election.Stage


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"committees:{name}", args=args)


def form_data(response, path: str) -> dict[str, list[str]]:
    """What the browser sends back untouched from the page's POST form."""
    _, found = parse(response.content.decode(), f"http://testserver{path}")
    (form,) = [f for f in found if f.method == "post" and f.action.startswith(path)]
    return form.data()


@pytest.fixture
def colleague(community):
    return factories.membership_user("staff", community=community)


@pytest.fixture
def committee(compound_a):
    return CommitteeFactory(compound=compound_a, name="甲小区业主委员会")


def _election(committee, stage) -> Election:
    return ElectionFactory(
        committee=committee, stage=stage, stage_started_at=timezone.now() - dt.timedelta(days=2)
    )


def test_committee_update_refused_when_changed_meanwhile(client, staff, colleague, committee):
    # given: staff opens the committee; a colleague then records its filing
    client.force_login(staff)
    path = en_url("committee_update", committee.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    services.committee_update(
        committee=committee, data={"filed_on": dt.date(2026, 3, 2)}, user=colleague
    )
    # when: staff saves a new name on the page as it was
    data["name"] = ["甲小区第二届业主委员会"]
    response = client.post(path, data)
    # then: refused, the name unchanged, the filing date named as it is now
    assert response.status_code == 409
    committee.refresh_from_db()
    assert (committee.name, committee.filed_on) == ("甲小区业主委员会", dt.date(2026, 3, 2))
    assert response.context["form"].errors["filed_on"]
    # when: saved again, knowingly
    assert client.post(path, form_data(response, path)).status_code == 302
    committee.refresh_from_db()
    assert committee.name == "甲小区第二届业主委员会"


def test_voting_window_refused_when_the_election_changed_meanwhile(
    client, staff, colleague, committee
):
    # given: staff opens the window page; a colleague then sets another window
    election = _election(committee, Stage.PUBLICITY)
    client.force_login(staff)
    path = en_url("election_window", election.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    opens = timezone.make_aware(dt.datetime(2026, 12, 20, 9))
    elections.election_set_voting_window(
        election=election,
        user=colleague,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=1),
    )
    # when: staff sends their own window
    data |= {"voting_opens_at": ["2026-12-27T08:00"], "voting_closes_at": ["2026-12-28T18:00"]}
    response = client.post(path, data)
    # then: refused; the colleague's window stands and each field says what it is now
    assert response.status_code == 409
    election.refresh_from_db()
    assert election.voting_opens_at == opens
    form = response.context["form"]
    assert form.errors["voting_opens_at"]
    assert form.errors["voting_closes_at"]
    # when: saved again, knowingly
    assert client.post(path, form_data(response, path)).status_code == 302
    election.refresh_from_db()
    assert timezone.localtime(election.voting_opens_at).day == 27


def test_candidate_correction_refused_when_the_candidate_changed_meanwhile(
    client, staff, colleague, committee
):
    # given: staff opens the correction page; a colleague then corrects the statement
    election = _election(committee, Stage.VETTING)
    candidate = qualify(
        CandidateFactory(election=election, name="张叁", nominated_on=timezone.localdate()), staff
    )
    client.force_login(staff)
    path = en_url("candidate_correct", candidate.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    fields = {f: getattr(candidate, f) for f in candidates.CORRECTED_FIELDS}
    candidates.candidate_correct(
        candidate=candidate, user=colleague, **(fields | {"statement": "同事补录的陈述"})
    )
    # when: staff corrects the name on the page as it was
    data["name"] = ["张三"]
    response = client.post(path, data)
    # then: refused; the name is unchanged and the statement says what it is now
    assert response.status_code == 409
    candidate.refresh_from_db()
    assert (candidate.name, candidate.statement) == ("张叁", "同事补录的陈述")
    assert "同事补录的陈述" in " ".join(response.context["form"].errors["statement"])
    # when: saved again, knowingly (staff's statement, the old one, replaces the colleague's)
    assert client.post(path, form_data(response, path)).status_code == 302
    assert Candidate.objects.get(pk=candidate.pk).name == "张三"
