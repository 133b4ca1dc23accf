"""The election lifecycle: every transition allowed or refused with its reason, minimum durations
at the boundary, vetting rules, objections, the append-only log and the overdue deadlines."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from committees import elections
from committees.elections import (
    ItemInput,
    advance_check,
    ballot_candidates,
    candidate_add,
    election_advance,
    election_create,
    election_overdue,
    election_set_voting_window,
    objection_answer,
    objection_record,
    vetting_decide,
)
from committees.models import Election, ElectionLogEntry, ElectionStep, Vetting
from committees.rules import Matter
from tests import factories as registry_factories
from tests.committees.factories import (
    CandidateFactory,
    CommitteeFactory,
    ElectionFactory,
    MotionFactory,
    ObjectionFactory,
    compound_owner,
    qualify,
)

Stage = Election.Stage
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
ALL_MET = {c: ItemInput(is_met=True, evidence="证明") for c in Vetting.Condition.values}


def messages_of(exc_info) -> list[str]:
    return [str(m) for m in exc_info.value.messages]


def actions(election: Election) -> list[str]:
    return list(election.log.order_by("pk").values_list("action", flat=True))


@pytest.fixture
def committee(compound_a):
    return CommitteeFactory(compound=compound_a)


# Flow ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "stage", "expected"),
    [
        ("election", Stage.PREPARATION, Stage.NOMINATION),
        ("election", Stage.NOMINATION, Stage.VETTING),
        ("election", Stage.VETTING, Stage.PUBLICITY),
        ("election", Stage.PUBLICITY, Stage.VOTING),
        ("election", Stage.VOTING, Stage.TALLY),
        ("election", Stage.TALLY, Stage.RESULT_PUBLICITY),
        ("election", Stage.RESULT_PUBLICITY, Stage.FIRST_MEETING),
        ("election", Stage.FIRST_MEETING, Stage.FILING),
        ("election", Stage.FILING, Stage.CLOSED),
        ("election", Stage.CLOSED, None),
        ("motion", Stage.PREPARATION, Stage.PUBLICITY),
        ("motion", Stage.PUBLICITY, Stage.VOTING),
        ("motion", Stage.VOTING, Stage.TALLY),
        ("motion", Stage.TALLY, Stage.RESULT_PUBLICITY),
        ("motion", Stage.RESULT_PUBLICITY, Stage.CLOSED),
        ("motion", Stage.CLOSED, None),
    ],
)
def test_next_stage_follows_the_flow_of_the_kind(kind, stage, expected):
    # given
    election = Election(kind=kind, stage=stage)
    # when / then
    assert elections.next_stage(election) == expected


# Creation -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_starts_in_preparation_with_a_step_and_a_log_entry(committee, staff):
    # when
    election = election_create(
        committee=committee, user=staff, kind="election", title="换届", seats=5, now=T0
    )
    # then
    assert election.stage == Stage.PREPARATION
    assert election.stage_started_at == T0
    step = ElectionStep.objects.get(election=election)
    assert (step.stage, step.started_at, step.ended_at) == (Stage.PREPARATION, T0, None)
    entry = election.log.get()
    assert (entry.action, entry.actor, entry.detail["seats"]) == ("election.created", staff, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "matter", "seats", "field", "message"),
    [
        ("election", Matter.ELECT_COMMITTEE, 4, "seats", elections.SEATS_OUT_OF_RANGE),
        ("election", Matter.ELECT_COMMITTEE, 13, "seats", elections.SEATS_OUT_OF_RANGE),
        ("election", Matter.ELECT_COMMITTEE, 3, "seats", elections.SEATS_OUT_OF_RANGE),
        ("election", Matter.ELECT_COMMITTEE, None, "seats", elections.SEATS_OUT_OF_RANGE),
        ("election", Matter.USE_FUND, 5, "matter", elections.ELECTION_NEEDS_MATTER_3),
        ("motion", Matter.USE_FUND, 5, "seats", elections.MOTION_HAS_NO_SEATS),
    ],
)
def test_create_refuses_bad_seats_and_matters(
    committee, staff, kind, matter, seats, field, message
):
    # when
    with pytest.raises(ValidationError) as exc_info:
        election_create(
            committee=committee, user=staff, kind=kind, title="x", matter=matter, seats=seats
        )
    # then
    expected = str(message) % {"min": 5, "max": 11} if "%(" in str(message) else str(message)
    assert exc_info.value.message_dict[field] == [expected]
    assert not Election.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("seats", [5, 7, 11])
def test_create_accepts_odd_seats_within_the_bounds(committee, staff, seats):
    election = election_create(
        committee=committee, user=staff, kind="election", title="换届", seats=seats
    )
    assert election.seats == seats


@pytest.mark.django_db
def test_a_committee_runs_one_election_at_a_time_but_motions_alongside(committee, staff):
    # given
    first = election_create(committee=committee, user=staff, kind="election", title="甲", seats=5)
    # when
    with pytest.raises(ValidationError) as exc_info:
        election_create(committee=committee, user=staff, kind="election", title="乙", seats=5)
    motion = election_create(
        committee=committee, user=staff, kind="motion", title="物业服务清单", matter=Matter.COVENANT
    )
    # then
    assert messages_of(exc_info) == [str(elections.ELECTION_OPEN_EXISTS) % {"title": first.title}]
    assert motion.kind == "motion"
    # and once the first is closed, a new one may start
    Election.objects.filter(pk=first.pk).update(stage=Stage.CLOSED)
    election_create(committee=committee, user=staff, kind="election", title="乙", seats=5)


# Transitions: allowed and refused --------------------------------------------------------------


def _ready_election(stage: str, *, kind: str = "election", reviewer=None) -> Election:
    """An election in ``stage`` since T0 with every gate of the next transition satisfied."""
    factory = MotionFactory if kind == "motion" else ElectionFactory
    election = factory(stage=stage, stage_started_at=T0)
    if kind == "election" and stage in (Stage.NOMINATION, Stage.VETTING, Stage.PUBLICITY):
        qualify(CandidateFactory(election=election), reviewer or registry_factories.UserFactory())
    election.voting_opens_at = T0 + dt.timedelta(days=20)
    election.voting_closes_at = T0 + dt.timedelta(days=22)
    election.save()
    return election


# Far enough after T0 for every minimum and after the voting window closes.
LATER = T0 + dt.timedelta(days=30)

TRANSITIONS = [
    ("election", Stage.PREPARATION, Stage.NOMINATION),
    ("election", Stage.NOMINATION, Stage.VETTING),
    ("election", Stage.VETTING, Stage.PUBLICITY),
    ("election", Stage.TALLY, Stage.RESULT_PUBLICITY),
    ("election", Stage.RESULT_PUBLICITY, Stage.FIRST_MEETING),
    ("election", Stage.FIRST_MEETING, Stage.FILING),
    ("election", Stage.FILING, Stage.CLOSED),
    ("motion", Stage.PREPARATION, Stage.PUBLICITY),
    ("motion", Stage.TALLY, Stage.RESULT_PUBLICITY),
    ("motion", Stage.RESULT_PUBLICITY, Stage.CLOSED),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "source", "target"), TRANSITIONS)
def test_each_transition_moves_one_stage_and_records_steps_and_log(staff, kind, source, target):
    # given
    election = _ready_election(source, kind=kind, reviewer=staff)
    # when
    election = election_advance(election=election, user=staff, now=LATER)
    # then
    assert election.stage == target
    assert election.stage_started_at == LATER
    old = ElectionStep.objects.get(election=election, stage=source)
    new = ElectionStep.objects.get(election=election, stage=target)
    assert (old.started_at, old.ended_at) == (T0, LATER)
    assert (new.started_at, new.ended_at) == (LATER, None)
    entry = election.log.get(action="election.advanced")
    assert (entry.actor, entry.detail["from"], entry.detail["to"]) == (staff, source, target)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "arrange", "expected"),
    [
        (
            Stage.NOMINATION,
            lambda e, u: e,
            str(elections.NO_CANDIDATE),
        ),
        (
            Stage.VETTING,
            lambda e, u: CandidateFactory(election=e, name="张三"),
            str(elections.VETTING_PENDING) % {"names": "张三"},
        ),
        (
            Stage.VETTING,
            lambda e, u: Vetting.objects.filter(candidate__election=e).update(
                decision=Vetting.Decision.NOT_QUALIFIED, reviewer=u, decided_at=T0
            ),
            str(elections.NO_QUALIFIED_CANDIDATE),
        ),
        (
            Stage.PUBLICITY,
            lambda e, u: ObjectionFactory(election=e),
            elections.OBJECTION_UNANSWERED % {"count": 1},
        ),
        (
            Stage.PUBLICITY,
            lambda e, u: Election.objects.filter(pk=e.pk).update(voting_opens_at=None),
            str(elections.NO_VOTING_WINDOW),
        ),
        (
            Stage.PUBLICITY,
            lambda e, u: Election.objects.filter(pk=e.pk).update(
                voting_closes_at=LATER - dt.timedelta(seconds=1)
            ),
            str(elections.VOTING_WINDOW_OVER),
        ),
        (
            Stage.RESULT_PUBLICITY,
            lambda e, u: ObjectionFactory(election=e),
            elections.OBJECTION_UNANSWERED % {"count": 1},
        ),
        (
            Stage.CLOSED,
            lambda e, u: e,
            str(elections.ALREADY_CLOSED),
        ),
    ],
)
def test_transitions_are_refused_with_the_reason(staff, source, arrange, expected):
    # given
    election = ElectionFactory(stage=source, stage_started_at=T0)
    if source == Stage.VETTING:
        qualify(CandidateFactory(election=election), staff)
    election.voting_opens_at = T0 + dt.timedelta(days=20)
    election.voting_closes_at = LATER + dt.timedelta(days=1)
    election.save()
    arrange(election, staff)
    log_before = election.log.count()
    # when
    with pytest.raises(ValidationError) as exc_info:
        election_advance(election=election, user=staff, now=LATER)
    # then
    assert expected in messages_of(exc_info)
    election.refresh_from_db()
    assert election.stage == source
    assert election.log.count() == log_before
    assert not ElectionStep.objects.filter(election=election, ended_at__isnull=False).exists()


@pytest.mark.django_db
def test_fewer_qualified_than_seats_is_allowed_with_a_warning(staff):
    # given: one qualified candidate for five seats
    election = _ready_election(Stage.VETTING, reviewer=staff)
    # when
    check = advance_check(election, LATER)
    election_advance(election=election, user=staff, now=LATER)
    # then
    warning = str(elections.FEWER_QUALIFIED_THAN_SEATS) % {"qualified": 1, "seats": 5}
    assert check.allowed
    assert check.warnings == [warning]
    logged = election.log.get(action="election.advanced").detail["warnings"]
    assert logged == [{"code": "fewer_qualified_than_seats", "qualified": 1, "seats": 5}]


@pytest.mark.django_db
def test_a_motion_enters_publicity_without_candidates(staff):
    election = _ready_election(Stage.PREPARATION, kind="motion")
    assert election_advance(election=election, user=staff, now=LATER).stage == Stage.PUBLICITY


@pytest.mark.django_db
def test_an_answered_objection_no_longer_blocks_voting_entry(staff):
    # given
    election = _ready_election(Stage.PUBLICITY)
    objection = ObjectionFactory(election=election, raised_on=dt.date(2026, 3, 2))
    assert not advance_check(election, T0 + dt.timedelta(days=16)).allowed
    # when
    objection_answer(
        objection=objection, user=staff, answer="经核实符合条件", answered_on=dt.date(2026, 3, 3)
    )
    # then
    assert advance_check(election, T0 + dt.timedelta(days=16)).reasons == []


# Minimum durations at the boundary ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("stage", [Stage.PUBLICITY, Stage.RESULT_PUBLICITY])
@pytest.mark.parametrize(
    ("elapsed", "allowed"),
    [
        (dt.timedelta(days=15), True),
        (dt.timedelta(days=15, seconds=1), True),
        (dt.timedelta(days=14, hours=23), False),
        (dt.timedelta(days=15) - dt.timedelta(seconds=1), False),
    ],
)
def test_publicity_lasts_fifteen_full_days(staff, stage, elapsed, allowed):
    # given: the voting window is wide enough not to be the reason
    election = ElectionFactory(
        stage=stage,
        stage_started_at=T0,
        voting_opens_at=T0 + dt.timedelta(days=10),
        voting_closes_at=T0 + dt.timedelta(days=60),
    )
    qualify(CandidateFactory(election=election), staff)  # a ballot to vote on
    # when: the clock itself is frozen, no ``now`` passed
    with time_machine.travel(T0 + elapsed, tick=False):
        check = advance_check(election)
        if allowed:
            election_advance(election=election, user=staff)
        else:
            with pytest.raises(ValidationError) as exc_info:
                election_advance(election=election, user=staff)
    # then
    election.refresh_from_db()
    if allowed:
        assert check.allowed
        assert election.stage != stage
    else:
        earliest = timezone.localtime(T0 + dt.timedelta(days=15)).strftime("%Y-%m-%d %H:%M")
        assert messages_of(exc_info) == [
            str(elections.TOO_EARLY) % {"days": 15, "earliest": earliest}
        ]
        assert election.stage == stage


@pytest.mark.django_db
def test_the_publicity_minimum_is_a_setting(settings, staff):
    # given
    settings.COMMITTEE_RULES = {**settings.COMMITTEE_RULES, "publicity_days": 7}
    election = ElectionFactory(stage=Stage.RESULT_PUBLICITY, stage_started_at=T0)
    # then
    assert advance_check(election, T0 + dt.timedelta(days=7)).allowed
    assert not advance_check(election, T0 + dt.timedelta(days=6, hours=23)).allowed


@pytest.mark.django_db
def test_voting_cannot_end_before_the_window_closes(staff):
    # given
    closes = T0 + dt.timedelta(days=2)
    election = ElectionFactory(
        stage=Stage.VOTING, stage_started_at=T0, voting_opens_at=T0, voting_closes_at=closes
    )
    # when
    check = advance_check(election, closes - dt.timedelta(seconds=1))
    # then
    closes_text = timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")
    assert check.reasons == [str(elections.VOTING_STILL_OPEN) % {"closes": closes_text}]
    assert advance_check(election, closes).allowed


@pytest.mark.django_db
def test_entering_voting_freezes_the_roll_and_tally_counts_once(staff, compound_a):
    # given: two dwellings in the compound, a qualified candidate, publicity over
    owner = registry_factories.OwnerFactory()
    registry_factories.DwellingFactory.create_batch(
        2, unit__building__compound=compound_a, owner=owner
    )
    committee = CommitteeFactory(compound=compound_a)
    election = ElectionFactory(
        committee=committee,
        stage=Stage.PUBLICITY,
        stage_started_at=T0,
        voting_opens_at=T0 + dt.timedelta(days=16),
        voting_closes_at=T0 + dt.timedelta(days=18),
    )
    qualify(CandidateFactory(election=election, owner=owner), staff)
    # when
    election = election_advance(election=election, user=staff, now=T0 + dt.timedelta(days=15))
    # then
    assert election.stage == Stage.VOTING
    assert election.roll.count() == 2
    assert election.roll_frozen_at is not None
    assert election.log.get(action="election.advanced").detail["roll_entries"] == 2
    # when: after the window, the tally is taken on entering the tally stage
    election = election_advance(election=election, user=staff, now=T0 + dt.timedelta(days=18))
    # then
    assert election.stage == Stage.TALLY
    assert election.tally["quorum_met"] is False  # nobody voted
    assert election.tallied_by == staff
    assert actions(election)[-2:] == ["tallied", "election.advanced"]


@pytest.mark.django_db
def test_a_refusal_from_the_voting_services_undoes_the_transition(staff):
    # given: the roll was already frozen (e.g. by hand), so the freeze refuses
    election = _ready_election(Stage.PUBLICITY)
    Election.objects.filter(pk=election.pk).update(roll_frozen_at=T0)
    # when
    with pytest.raises(ValidationError):
        election_advance(election=election, user=staff, now=LATER - dt.timedelta(days=10))
    # then
    election.refresh_from_db()
    assert election.stage == Stage.PUBLICITY
    assert not ElectionStep.objects.filter(election=election, stage=Stage.VOTING).exists()


# Voting window -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_voting_window_is_set_before_voting_and_logged(staff):
    # given
    election = ElectionFactory(stage=Stage.PUBLICITY)
    opens, closes = T0, T0 + dt.timedelta(days=1)
    # when
    election_set_voting_window(election=election, user=staff, opens_at=opens, closes_at=closes)
    # then
    election.refresh_from_db()
    assert (election.voting_opens_at, election.voting_closes_at) == (opens, closes)
    assert election.log.get().action == "election.voting_window"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "closes_after", "message"),
    [
        (Stage.PUBLICITY, dt.timedelta(0), elections.WINDOW_ORDER),
        (Stage.PUBLICITY, -dt.timedelta(hours=1), elections.WINDOW_ORDER),
        (Stage.VOTING, dt.timedelta(days=1), elections.WINDOW_CLOSED),
        (Stage.CLOSED, dt.timedelta(days=1), elections.WINDOW_CLOSED),
    ],
)
def test_voting_window_refusals(staff, stage, closes_after, message):
    election = ElectionFactory(stage=stage)
    with pytest.raises(ValidationError) as exc_info:
        election_set_voting_window(
            election=election, user=staff, opens_at=T0, closes_at=T0 + closes_after
        )
    assert messages_of(exc_info) == [str(message)]


# Candidates and vetting -------------------------------------------------------------------------


@pytest.mark.django_db
def test_candidate_add_creates_a_pending_checklist_and_logs(staff):
    # given
    election = ElectionFactory(stage=Stage.NOMINATION)
    # when
    candidate = candidate_add(
        election=election,
        user=staff,
        name="李四",
        owner=compound_owner(election.committee.compound),
        nominated_on=dt.date(2026, 3, 1),
        is_party_member=True,
    )
    # then
    vetting = candidate.vetting
    assert vetting.decision == Vetting.Decision.PENDING
    assert sorted(vetting.items.values_list("condition", flat=True)) == sorted(
        Vetting.Condition.values
    )
    assert set(vetting.items.values_list("is_met", flat=True)) == {None}
    assert election.log.get().detail == {"candidate": candidate.pk, "name": "李四"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "stage", "message"),
    [
        ("election", Stage.PREPARATION, elections.CANDIDATES_CLOSED),
        ("election", Stage.VETTING, elections.CANDIDATES_CLOSED),
        ("election", Stage.PUBLICITY, elections.CANDIDATES_CLOSED),
        ("motion", Stage.PREPARATION, elections.NOT_A_MOTION_STAGE),
    ],
)
def test_candidate_add_refusals(staff, kind, stage, message):
    factory = MotionFactory if kind == "motion" else ElectionFactory
    election = factory(stage=stage)
    with pytest.raises(ValidationError) as exc_info:
        candidate_add(election=election, user=staff, name="王五", nominated_on=dt.date(2026, 3, 1))
    assert messages_of(exc_info) == [str(message)]
    assert not election.candidates.exists()


@pytest.mark.django_db
def test_candidate_names_are_unique_per_election(staff):
    election = ElectionFactory(stage=Stage.NOMINATION)
    compound = election.committee.compound
    candidate_add(
        election=election,
        user=staff,
        name="王五",
        owner=compound_owner(compound),
        nominated_on=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError) as exc_info:
        candidate_add(
            election=election,
            user=staff,
            name="王五",
            owner=compound_owner(compound),
            nominated_on=dt.date(2026, 3, 1),
        )
    assert exc_info.value.message_dict == {"name": [str(elections.CANDIDATE_NAME_TAKEN)]}


@pytest.mark.django_db
def test_an_owner_is_nominated_once_and_never_in_the_future(staff):
    election = ElectionFactory(stage=Stage.NOMINATION)
    owner = compound_owner(election.committee.compound)
    candidate_add(
        election=election, user=staff, name="王五", owner=owner, nominated_on=dt.date(2026, 3, 1)
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc_info:
        candidate_add(
            election=election, user=staff, name="王五二号", owner=owner, nominated_on=tomorrow
        )
    assert exc_info.value.message_dict == {
        "owner": [str(elections.CANDIDATE_OWNER_TAKEN)],
        "nominated_on": [str(elections.NOMINATED_IN_FUTURE)],
    }
    assert election.candidates.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("owner here", None),
        ("nobody", elections.CANDIDATE_OWNER_REQUIRED),
        ("owner of another compound", elections.CANDIDATE_NOT_COMPOUND_OWNER),
        ("owner who sold", elections.CANDIDATE_NOT_COMPOUND_OWNER),
    ],
)
def test_a_candidate_must_be_an_owner_of_the_compound_today(staff, who, error):
    # given
    election = ElectionFactory(stage=Stage.NOMINATION)
    compound = election.committee.compound
    owner = {
        "owner here": lambda: compound_owner(compound),
        "nobody": lambda: None,
        "owner of another compound": lambda: compound_owner(
            registry_factories.CompoundFactory(community=compound.community)
        ),
        "owner who sold": lambda: compound_owner(compound),
    }[who]()
    if who == "owner who sold":
        owner.dwellings.update(owner=registry_factories.OwnerFactory(community=compound.community))
    # when / then
    if error is None:
        candidate_add(
            election=election, user=staff, name="王五", owner=owner, nominated_on=T0.date()
        )
        assert election.candidates.get().owner == owner
        return
    with pytest.raises(ValidationError) as exc_info:
        candidate_add(
            election=election, user=staff, name="王五", owner=owner, nominated_on=T0.date()
        )
    assert exc_info.value.message_dict == {
        "owner": [str(error) % {"compound": compound.name} if "%" in str(error) else str(error)]
    }
    assert not election.candidates.exists()
    assert not election.log.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["qualified", "not_qualified", "pending"])
def test_only_an_owner_of_the_compound_can_be_qualified(staff, decision):
    # given: a candidate recorded before the link was required, and one whose owner sold
    election = ElectionFactory(stage=Stage.VETTING)
    unlinked = CandidateFactory(election=election, owner=None)
    sold = CandidateFactory(election=election)
    sold.owner.dwellings.update(owner=registry_factories.OwnerFactory())
    for candidate in (unlinked, sold):
        # when
        call = {
            "candidate": candidate,
            "user": staff,
            "items": ALL_MET,
            "decision": decision,
            "reason": "不是本小区业主",
        }
        if decision == "qualified":
            with pytest.raises(ValidationError) as exc_info:
                vetting_decide(**call)
            # then
            compound = election.committee.compound
            assert exc_info.value.message_dict == {
                "decision": [
                    str(elections.NOT_OWNER_CANNOT_QUALIFY)
                    % {"name": candidate.name, "compound": compound.name}
                ]
            }
            assert Vetting.objects.get(candidate=candidate).decision == "pending"
        else:
            vetting_decide(**call)
            entry = election.log.filter(detail__candidate=candidate.pk).get()
            assert entry.detail["is_compound_owner"] is False
    # and an owner is qualified, the log saying the registry found them an owner
    owner = CandidateFactory(election=election)
    vetting_decide(candidate=owner, user=staff, items=ALL_MET, decision="qualified")
    assert election.log.get(detail__candidate=owner.pk).detail["is_compound_owner"] is True


@pytest.mark.django_db
def test_the_list_is_not_posted_while_a_candidate_is_not_an_owner(staff):
    # given: two qualified candidates; one of them sold their dwelling after being vetted;
    # a third, not an owner, was found not qualified (so is not on the list)
    election = ElectionFactory(stage=Stage.VETTING, stage_started_at=T0)
    qualify(CandidateFactory(election=election, name="甲"), staff)
    sold = qualify(CandidateFactory(election=election, name="乙"), staff)
    refused = CandidateFactory(election=election, name="丙", owner=None)
    vetting_decide(
        candidate=refused, user=staff, items=ALL_MET, decision="not_qualified", reason="非业主"
    )
    sold.owner.dwellings.update(owner=registry_factories.OwnerFactory())
    # when
    with pytest.raises(ValidationError) as exc_info:
        election_advance(election=election, user=staff, now=T0 + dt.timedelta(days=1))
    # then
    assert messages_of(exc_info) == [str(elections.CANDIDATES_NOT_OWNERS) % {"names": "乙"}]
    election.refresh_from_db()
    assert election.stage == Stage.VETTING
    # when the candidate buys back in, the list is posted
    sold.owner.dwellings.create(
        unit=registry_factories.UnitFactory(building__compound=election.committee.compound),
        code="901",
        area_m2="90.00",
    )
    election = election_advance(election=election, user=staff, now=T0 + dt.timedelta(days=1))
    assert election.stage == Stage.PUBLICITY


def _items(**overrides: bool | None) -> dict[str, ItemInput]:
    return {
        c: ItemInput(is_met=overrides.get(c, True), evidence="证明")
        for c in Vetting.Condition.values
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("items", "decision", "reason", "error"),
    [
        (_items(), "qualified", "", None),
        (_items(has_time=False), "qualified", "", ("decision", elections.QUALIFIED_NEEDS_ALL_MET)),
        (_items(has_time=None), "qualified", "", ("decision", elections.QUALIFIED_NEEDS_ALL_MET)),
        (_items(no_company_tie=False), "not_qualified", "", ("reason", None)),
        (_items(no_company_tie=False), "not_qualified", "   ", ("reason", None)),
        (_items(no_company_tie=False), "not_qualified", "在服务企业任职", None),
        # a candidate may be found not qualified even with every item met (e.g. withdrawn)
        (_items(), "not_qualified", "本人退出", None),
        (_items(has_time=None), "pending", "", None),
    ],
)
def test_vetting_rules(staff, items, decision, reason, error):
    # given
    candidate = CandidateFactory(election__stage=Stage.VETTING)
    # when / then
    if error is None:
        vetting = vetting_decide(
            candidate=candidate, user=staff, items=items, decision=decision, reason=reason, now=T0
        )
        assert vetting.decision == decision
        if decision == "pending":
            assert (vetting.reviewer, vetting.decided_at) == (None, None)
        else:
            assert (vetting.reviewer, vetting.decided_at) == (staff, T0)
        assert candidate.election.log.get().action == "vetting.decided"
    else:
        field, message = error
        message = message or elections.NOT_QUALIFIED_NEEDS_REASON
        with pytest.raises(ValidationError) as exc_info:
            vetting_decide(
                candidate=candidate, user=staff, items=items, decision=decision, reason=reason
            )
        assert exc_info.value.message_dict == {field: [str(message)]}
        # nothing saved, not even the checklist
        assert set(candidate.vetting.items.values_list("is_met", flat=True)) == {None}
        assert not candidate.election.log.exists()


@pytest.mark.django_db
def test_vetting_items_keep_evidence_and_note(staff):
    candidate = CandidateFactory(election__stage=Stage.VETTING)
    items = _items()
    items["keeps_covenant"] = ItemInput(is_met=True, evidence="物业费缴费单", note="2025年已缴清")
    vetting_decide(candidate=candidate, user=staff, items=items, decision="qualified")
    item = candidate.vetting.items.get(condition="keeps_covenant")
    assert (item.evidence, item.note) == ("物业费缴费单", "2025年已缴清")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        (Stage.NOMINATION, True),
        (Stage.VETTING, True),
        (Stage.PUBLICITY, False),
        (Stage.VOTING, False),
        (Stage.CLOSED, False),
    ],
)
def test_vetting_can_be_revised_only_before_publicity(staff, stage, allowed):
    # given: a qualified candidate
    candidate = qualify(CandidateFactory(election__stage=stage), staff)
    # when / then
    if allowed:
        vetting_decide(
            candidate=candidate,
            user=staff,
            items=_items(),
            decision="not_qualified",
            reason="发现欠费",
        )
        entry = candidate.election.log.get()
        assert entry.action == "vetting.revised"
        assert (entry.detail["previous"], entry.detail["decision"]) == (
            "qualified",
            "not_qualified",
        )
    else:
        with pytest.raises(ValidationError) as exc_info:
            vetting_decide(
                candidate=candidate,
                user=staff,
                items=_items(),
                decision="not_qualified",
                reason="x",
            )
        assert messages_of(exc_info) == [str(elections.VETTING_CLOSED)]
        candidate.vetting.refresh_from_db()
        assert candidate.vetting.decision == "qualified"


@pytest.mark.django_db
def test_only_qualified_candidates_are_on_the_ballot(staff):
    # given
    election = ElectionFactory(stage=Stage.VETTING)
    first = qualify(CandidateFactory(election=election), staff)
    CandidateFactory(election=election)  # pending
    refused = CandidateFactory(election=election)
    vetting_decide(
        candidate=refused, user=staff, items=_items(), decision="not_qualified", reason="x"
    )
    last = qualify(CandidateFactory(election=election), staff)
    # then
    assert list(ballot_candidates(election)) == [first, last]


# Objections ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        (Stage.VETTING, False),
        (Stage.PUBLICITY, True),
        (Stage.VOTING, False),
        (Stage.RESULT_PUBLICITY, True),
        (Stage.CLOSED, False),
    ],
)
def test_objections_are_received_during_publicity(staff, stage, allowed):
    election = ElectionFactory(stage=stage)
    kwargs = {"raised_by": "业主甲", "raised_on": dt.date(2026, 3, 2), "content": "异议"}
    if allowed:
        objection = objection_record(election=election, user=staff, **kwargs)
        entry = election.log.get()
        assert (entry.action, entry.detail["objection"]) == ("objection.recorded", objection.pk)
    else:
        with pytest.raises(ValidationError) as exc_info:
            objection_record(election=election, user=staff, **kwargs)
        assert messages_of(exc_info) == [str(elections.OBJECTIONS_CLOSED)]
        assert not election.objections.exists()


@pytest.mark.django_db
def test_an_objection_is_answered_once_in_writing(staff):
    # given
    objection = ObjectionFactory(election__stage=Stage.PUBLICITY, raised_on=dt.date(2026, 3, 2))
    # when
    objection_answer(
        objection=objection, user=staff, answer="已核实", answered_on=dt.date(2026, 3, 4)
    )
    # then
    objection.refresh_from_db()
    assert (objection.answer, objection.answered_by) == ("已核实", staff)
    assert objection.election.log.get().action == "objection.answered"
    with pytest.raises(ValidationError) as exc_info:
        objection_answer(
            objection=objection, user=staff, answer="改", answered_on=dt.date(2026, 3, 5)
        )
    assert messages_of(exc_info) == [str(elections.ALREADY_ANSWERED)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "answered_on", "field", "message"),
    [
        ("  ", dt.date(2026, 3, 4), "answer", elections.ANSWER_REQUIRED),
        ("已核实", dt.date(2026, 3, 1), "answered_on", elections.ANSWER_BEFORE_RAISED),
    ],
)
def test_objection_answer_refusals(staff, answer, answered_on, field, message):
    objection = ObjectionFactory(election__stage=Stage.PUBLICITY, raised_on=dt.date(2026, 3, 2))
    with pytest.raises(ValidationError) as exc_info:
        objection_answer(objection=objection, user=staff, answer=answer, answered_on=answered_on)
    assert exc_info.value.message_dict == {field: [str(message)]}


# The log ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_whole_election_leaves_its_history_in_the_log(staff, compound_a):
    # given
    owner = compound_owner(compound_a)
    committee = CommitteeFactory(compound=compound_a)
    day = dt.timedelta(days=1)
    election = election_create(
        committee=committee, user=staff, kind="election", title="换届", seats=5, now=T0
    )
    election = election_advance(election=election, user=staff, now=T0 + day)
    candidate = candidate_add(
        election=election, user=staff, name="赵六", owner=owner, nominated_on=dt.date(2026, 3, 2)
    )
    election = election_advance(election=election, user=staff, now=T0 + 2 * day)
    vetting_decide(candidate=candidate, user=staff, items=ALL_MET, decision="qualified")
    election = election_advance(election=election, user=staff, now=T0 + 3 * day)
    objection = objection_record(
        election=election, user=staff, raised_by="业主", raised_on=dt.date(2026, 3, 5), content="?"
    )
    objection_answer(
        objection=objection, user=staff, answer="答复", answered_on=dt.date(2026, 3, 6)
    )
    election_set_voting_window(
        election=election, user=staff, opens_at=T0 + 18 * day, closes_at=T0 + 19 * day
    )
    # when
    election = election_advance(election=election, user=staff, now=T0 + 18 * day)
    # then
    assert actions(election) == [
        "election.created",
        "election.advanced",
        "candidate.added",
        "election.advanced",
        "vetting.decided",
        "election.advanced",
        "objection.recorded",
        "objection.answered",
        "election.voting_window",
        "roll_frozen",
        "election.advanced",
    ]
    assert list(ElectionStep.objects.filter(election=election).values_list("stage", flat=True)) == [
        Stage.PREPARATION,
        Stage.NOMINATION,
        Stage.VETTING,
        Stage.PUBLICITY,
        Stage.VOTING,
    ]


@pytest.mark.django_db
def test_log_entries_cannot_be_edited_or_deleted(staff):
    # given
    election = ElectionFactory(stage=Stage.NOMINATION)
    candidate_add(
        election=election,
        user=staff,
        name="钱七",
        owner=compound_owner(election.committee.compound),
        nominated_on=dt.date(2026, 3, 1),
    )
    entry = ElectionLogEntry.objects.get(election=election)
    # when / then
    entry.detail = {"name": "someone else"}
    with pytest.raises(ValueError, match="cannot be edited"):
        entry.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        entry.delete()
    entry.refresh_from_db()
    assert entry.detail["name"] == "钱七"


# Deadlines ------------------------------------------------------------------------------------------


def _after_result(stage: str, final_at: dt.datetime, *, kind: str = "election") -> Election:
    factory = MotionFactory if kind == "motion" else ElectionFactory
    election = factory(stage=Stage.RESULT_PUBLICITY, stage_started_at=final_at - dt.timedelta(15))
    if stage != Stage.RESULT_PUBLICITY:
        ElectionStep.objects.filter(election=election).update(ended_at=final_at)
    order = list(elections.flow(election))
    start = order.index(Stage.RESULT_PUBLICITY) + 1
    for name in order[start : order.index(stage) + 1]:
        ElectionStep.objects.create(election=election, stage=name, started_at=final_at)
    for name in order[start : order.index(stage)]:
        ElectionStep.objects.filter(election=election, stage=name).update(ended_at=final_at)
    Election.objects.filter(pk=election.pk).update(stage=stage)
    return Election.objects.prefetch_related("steps").get(pk=election.pk)


FINAL = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 on 1 April in Asia/Shanghai


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "today", "expected"),
    [
        (Stage.RESULT_PUBLICITY, dt.date(2026, 6, 1), []),
        (Stage.FIRST_MEETING, dt.date(2026, 4, 8), []),  # due on the 8th: in time
        (Stage.FIRST_MEETING, dt.date(2026, 4, 9), [("first_meeting", 1)]),
        (Stage.FIRST_MEETING, dt.date(2026, 5, 2), [("first_meeting", 24), ("filing", 1)]),
        (Stage.FILING, dt.date(2026, 5, 1), []),
        (Stage.FILING, dt.date(2026, 5, 2), [("filing", 1)]),
        (Stage.CLOSED, dt.date(2026, 12, 1), []),
    ],
)
def test_overdue_first_meeting_and_filing(stage, today, expected):
    # given
    election = _after_result(stage, FINAL)
    # when
    overdue = election_overdue(election, today)
    # then
    assert [(o.code, o.days_late) for o in overdue] == expected


@pytest.mark.django_db
def test_a_motion_has_no_meeting_or_filing_deadline():
    # given: a closed motion never had a first-meeting or filing step
    election = _after_result(Stage.CLOSED, FINAL, kind="motion")
    # then
    assert election_overdue(election, dt.date(2027, 1, 1)) == []


@pytest.mark.django_db
def test_a_stale_advance_is_refused_instead_of_skipping_a_stage(staff):
    # given: two clerks loaded the election in its tally stage; one moved it on
    election = ElectionFactory(stage=Stage.TALLY, stage_started_at=T0)
    seen_by_second = Election.objects.get(pk=election.pk)
    election_advance(election=election, user=staff, now=LATER)
    # when
    with pytest.raises(ValidationError) as exc_info:
        election_advance(election=seen_by_second, user=staff, now=LATER)
    # then
    assert messages_of(exc_info) == [str(elections.STAGE_CHANGED)]
    election.refresh_from_db()
    assert election.stage == Stage.RESULT_PUBLICITY


@pytest.mark.django_db(transaction=True)
def test_two_clerks_advancing_at_once_move_the_election_one_stage(staff):
    # given
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    election = ElectionFactory(stage=Stage.FIRST_MEETING, stage_started_at=T0)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        mine = Election.objects.get(pk=election.pk)
        barrier.wait()
        try:
            election_advance(election=mine, user=staff, now=LATER)
            outcomes.append("moved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    election.refresh_from_db()
    assert sorted(outcomes) == ["moved", "refused"]
    assert election.stage == Stage.FILING
    assert election.log.filter(action="election.advanced").count() == 1
