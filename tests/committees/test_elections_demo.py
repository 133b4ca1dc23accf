"""The elections part of ``load_demo``: a finished election with its whole history, Kangsheng
Garden's motion, an election open for voting with printed codes; idempotent. Also the admin's
view of the election records, and the motion text on the pages."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from committees import demo_elections, elections, voting
from committees.forms_voting import open_elections
from committees.models import Ballot, Election, ElectionLogEntry, Vetting
from committees.rules import YES, Matter

CODE_LINE = re.compile(r"^\s+(\S+)\s+([3-9A-HJ-NP-Y]{5}-[3-9A-HJ-NP-Y]{5})$", re.MULTILINE)


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module; roll it back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("load_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("committees").get_models()
    }


def _finished() -> Election:
    return Election.objects.get(
        kind=Election.Kind.ELECTION, stage=Election.Stage.CLOSED, tally__isnull=False
    )


# --- 1. the finished election ------------------------------------------------------------------


def test_one_finished_election_with_a_verified_tally_that_met_quorum(demo):
    # when
    election = _finished()

    # then
    assert election.title == demo_elections.FINISHED_TITLE
    assert election.committee.compound.code == demo_elections.FINISHED_COMPOUND
    assert voting.tally_verify(election=election) is True
    assert election.tally["quorum_met"] is True
    elected = [r["name"] for r in election.tally["results"] if r["elected"]]
    assert len(elected) == election.seats == demo_elections.FINISHED_SEATS
    assert election.tally["ties"] == []
    # the members standing again are the ones re-elected
    members = set(election.committee.members.values_list("name", flat=True))
    assert set(elected) == members


def test_the_finished_elections_log_covers_every_stage(demo):
    # given
    election = _finished()

    # when
    log = list(ElectionLogEntry.objects.filter(election=election).order_by("pk"))
    actions = {entry.action for entry in log}
    reached = [e.detail["to"] for e in log if e.action == "election.advanced"]

    # then every transition of the flow is logged in order, and every kind of event once at least
    assert reached == list(elections.ELECTION_FLOW[1:])
    assert {
        "election.created",
        "candidate.added",
        "vetting.decided",
        "election.voting_window",
        "objection.recorded",
        "objection.answered",
        "roll_frozen",
        "codes_issued",
        "ballot_cast",
        "tallied",
    } <= actions
    # and every step is dated in the past, in the order of the flow, each ended but the last
    steps = list(election.steps.order_by("started_at"))
    assert [s.stage for s in steps] == list(elections.ELECTION_FLOW)
    assert all(s.started_at.year == 2025 for s in steps)
    assert all(s.ended_at is not None for s in steps[:-1])
    assert election.tallied_at.year == 2025
    assert election.roll_frozen_at.year == 2025


def test_the_finished_election_vetted_one_out_and_answered_its_objection(demo):
    # given
    election = _finished()

    # when
    decisions = list(
        Vetting.objects.filter(candidate__election=election).values_list("decision", "reason")
    )
    objection = election.objections.get()

    # then
    unqualified = [r for d, r in decisions if d == Vetting.Decision.NOT_QUALIFIED]
    assert len(decisions) == 7
    assert len(unqualified) == 1
    assert "欠费" in unqualified[0]
    assert objection.answer
    assert objection.answered_on >= objection.raised_on


def test_ballots_came_through_every_channel_inside_the_window(demo):
    # given
    election = _finished()

    # when
    ballots = Ballot.objects.filter(election=election)

    # then
    assert set(ballots.values_list("channel", flat=True)) == set(Ballot.Channel.values)
    assert all(election.voting_opens_at <= b.cast_at < election.voting_closes_at for b in ballots)


# --- 2. the motion -----------------------------------------------------------------------------


def test_kangsheng_gardens_motion_passed_in_2020(demo, client):
    # when
    motion = Election.objects.get(kind=Election.Kind.MOTION)

    # then
    assert motion.committee.compound.code == demo_elections.MOTION_COMPOUND
    assert motion.matter == Matter.ENGAGE_MANAGER
    assert motion.stage == Election.Stage.CLOSED
    assert motion.tallied_at.year == 2020
    assert voting.tally_verify(election=motion) is True
    yes = next(r for r in motion.tally["results"] if r["name"] == YES)
    assert motion.tally["quorum_met"]
    assert yes["passed"]
    assert "清单" in motion.text
    assert "收费标准" in motion.text

    # and the public result page shows the motion's text with the totals
    html = client.get(reverse("committees:result_detail", args=[motion.pk])).content.decode()
    assert "清单式承诺" in html


# --- 3. the election open now ------------------------------------------------------------------


def _open() -> Election:
    return Election.objects.get(stage=Election.Stage.VOTING)


def test_one_election_is_open_for_voting_now_with_a_frozen_roll_and_codes(demo):
    # when
    election = _open()

    # then
    assert election.committee.compound.code == demo_elections.OPEN_COMPOUND
    assert election.roll_frozen_at is not None
    assert election.voting_opens_at < timezone.now() < election.voting_closes_at
    assert list(open_elections()) == [election]
    assert not election.roll.filter(voting_code_hash="").exists()
    assert 0 < election.ballots.count() < election.roll.count()
    tracker = voting.voting_tracker(election=election)
    assert tracker is not None
    assert tracker.ballots == election.ballots.count()


def test_the_first_run_prints_five_working_codes_of_dwellings_that_have_not_voted(demo):
    # given
    election = _open()

    # when
    printed = CODE_LINE.findall(demo)

    # then
    assert len(printed) == demo_elections.CODES_PRINTED
    for _label, code in printed:
        entry = voting.voting_code_entry(election=election, code=code)
        assert entry is not None
        assert entry.voting_code_used_at is None
        assert not entry.ballots.exists()

    # and a person trying the demo can vote with one of them
    names = voting.qualified_candidate_names(election=election)
    ballot = voting.ballot_cast_with_code(election=election, code=printed[0][1], choices=names[:3])
    assert ballot.channel == Ballot.Channel.ONLINE


# --- idempotence -------------------------------------------------------------------------------


def test_a_second_run_changes_nothing_and_prints_no_code(demo):
    # given
    before = _row_counts()
    out = io.StringIO()

    # when
    call_command("load_demo", stdout=out)

    # then
    assert _row_counts() == before
    assert before["committees.Election"] == 3
    assert not CODE_LINE.findall(out.getvalue())
    assert reverse("committees:voting_detail", args=[_open().pk]) in out.getvalue()


# --- admin -------------------------------------------------------------------------------------


def test_admin_shows_a_ballot_without_its_choices_and_keeps_the_log_read_only(demo, client):
    # given a superuser and a ballot whose choices name candidates
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    ballot = Ballot.objects.filter(election=_finished()).exclude(choices=[]).first()
    entry = ElectionLogEntry.objects.filter(election=ballot.election).first()

    # when
    page = client.get(reverse("admin:committees_ballot_change", args=[ballot.pk]))
    changelist = client.get(reverse("admin:committees_ballot_changelist"))
    log_add = client.get(reverse("admin:committees_electionlogentry_add"))
    log_change = client.post(
        reverse("admin:committees_electionlogentry_change", args=[entry.pk]), {"action": "x"}
    )

    # then the ballot is shown, never its choices; the log cannot be added to or changed
    assert page.status_code == 200
    assert ballot.receipt_code in page.content.decode()
    for name in ballot.choices:
        assert name not in page.content.decode()
    assert changelist.status_code == 200
    assert log_add.status_code == 403
    assert log_change.status_code == 403
    entry.refresh_from_db()
    assert entry.action != "x"


# --- the motion text on the create page --------------------------------------------------------


def test_the_create_page_saves_the_motion_text(demo, client):
    # given the demo's staff account and a committee of its community
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="staff")
    committee = _finished().committee
    client.force_login(staff)

    # when they create a motion with its text
    response = client.post(
        reverse("committees:election_create"),
        {
            "committee": committee.pk,
            "kind": Election.Kind.MOTION,
            "matter": Matter.ENGAGE_MANAGER,
            "title": "停车收费标准",
            "text": "一、服务清单……\n二、收费标准……",
        },
    )

    # then the text is stored as written
    assert response.status_code == 302
    assert Election.objects.get(title="停车收费标准").text == "一、服务清单……\n二、收费标准……"
