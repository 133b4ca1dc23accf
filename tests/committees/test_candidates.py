"""Correcting and withdrawing candidates: allowed or refused in every stage, with the nomination's
checks, the election log's before/after, and a withdrawn candidate off the ballot, the posted
list and the counts that gate the stages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from committees import candidates, elections, voting
from committees.candidates import candidate_correct, candidate_withdraw
from committees.election_log import log_detail
from committees.elections import ItemInput, advance_check, ballot_candidates, vetting_decide
from committees.models import Candidate, Election, Vetting
from tests import factories as registry_factories
from tests.committees.factories import (
    CandidateFactory,
    ElectionFactory,
    compound_owner,
    qualify,
)

pytestmark = pytest.mark.django_db

Stage = Election.Stage
# 10:00 in Asia/Shanghai: the local date is the 15th, whatever the test machine's zone.
NOW = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 15)
NOMINATED = dt.date(2026, 3, 5)
ALL_MET = {c: ItemInput(is_met=True, evidence="证明") for c in Vetting.Condition.values}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def messages_of(exc_info) -> list[str]:
    return [str(m) for m in exc_info.value.messages]


def _candidate(stage: str, **kwargs) -> Candidate:
    election = ElectionFactory(stage=stage, stage_started_at=NOW - dt.timedelta(days=20))
    return CandidateFactory(election=election, name="张叁", nominated_on=NOMINATED, **kwargs)


def _correction(candidate: Candidate, **changes) -> dict:
    """The candidate as recorded, with ``changes``: what the correction form would send."""
    data = {field: getattr(candidate, field) for field in candidates.CORRECTED_FIELDS}
    return {**data, **changes}


def _withdrawn(candidate: Candidate, user, **kwargs) -> Candidate:
    params = {"reason": "本人书面申请退出：工作调动", "withdrawn_on": TODAY, **kwargs}
    return candidate_withdraw(candidate=candidate, user=user, **params)


# Which stages allow what -------------------------------------------------------------------------

STAGES_AFTER_PREPARATION = [s for s in elections.ELECTION_FLOW if s != Stage.PREPARATION]


@pytest.mark.parametrize(
    ("stage", "refusal"),
    [
        (
            stage,
            None if stage in (Stage.NOMINATION, Stage.VETTING) else candidates.CORRECTION_CLOSED,
        )
        for stage in STAGES_AFTER_PREPARATION
    ],
)
def test_a_candidate_is_corrected_only_until_the_list_is_posted(staff, stage, refusal):
    # given
    candidate = _candidate(stage)
    log_before = candidate.election.log.count()
    data = _correction(candidate, name="张三")
    # when / then
    if refusal is None:
        candidate_correct(candidate=candidate, user=staff, **data)
        candidate.refresh_from_db()
        assert candidate.name == "张三"
        assert candidate.election.log.count() == log_before + 1
    else:
        with pytest.raises(ValidationError) as exc_info:
            candidate_correct(candidate=candidate, user=staff, **data)
        assert messages_of(exc_info) == [str(refusal)]
        candidate.refresh_from_db()
        assert candidate.name == "张叁"
        assert candidate.election.log.count() == log_before


@pytest.mark.parametrize(
    ("stage", "refusal"),
    [
        (
            stage,
            None
            if stage in (Stage.NOMINATION, Stage.VETTING, Stage.PUBLICITY)
            else candidates.WITHDRAWAL_CLOSED,
        )
        for stage in STAGES_AFTER_PREPARATION
    ],
)
def test_a_candidate_withdraws_only_until_voting_opens(staff, stage, refusal):
    # given
    candidate = _candidate(stage)
    log_before = candidate.election.log.count()
    # when / then
    if refusal is None:
        _withdrawn(candidate, staff)
        candidate.refresh_from_db()
        assert (candidate.withdrawn_on, candidate.withdrawn_by) == (TODAY, staff)
        assert candidate.election.log.count() == log_before + 1
    else:
        with pytest.raises(ValidationError) as exc_info:
            _withdrawn(candidate, staff)
        assert messages_of(exc_info) == [str(refusal)]
        candidate.refresh_from_db()
        assert candidate.withdrawn_on is None
        assert candidate.election.log.count() == log_before


# Corrections -------------------------------------------------------------------------------------


def test_a_correction_logs_each_changed_field_before_and_after(staff):
    # given
    # given: a record from before candidates had to be linked to their owner record
    candidate = _candidate(Stage.VETTING, statement="愿意为大家服务", owner=None)
    owner = compound_owner(candidate.election.committee.compound, name="张三")
    # when
    candidate_correct(
        candidate=candidate,
        user=staff,
        **_correction(candidate, name="张三", owner=owner, is_party_member=True),
    )
    # then
    entry = candidate.election.log.get()
    assert (entry.action, entry.actor) == ("candidate.corrected", staff)
    assert entry.detail == {
        "candidate": candidate.pk,
        "name": "张三",
        "changes": {
            "name": {"before": "张叁", "after": "张三"},
            "owner": {"before": None, "after": {"id": owner.pk, "name": "张三"}},
            "is_party_member": {"before": False, "after": True},
        },
    }
    with translation.override("en"):
        shown = dict(log_detail(entry))
    assert shown["Candidate"] == "张三"
    assert shown["Changes"] == "Full name: 张叁 → 张三 · Owner: — → 张三 · Party member: no → yes"


def test_a_corrected_nomination_date_is_logged_as_a_date(staff):
    candidate = _candidate(Stage.NOMINATION)
    candidate_correct(
        candidate=candidate, user=staff, **_correction(candidate, nominated_on=dt.date(2026, 3, 4))
    )
    entry = candidate.election.log.get()
    assert entry.detail["changes"] == {
        "nominated_on": {"before": "2026-03-05", "after": "2026-03-04"}
    }
    with translation.override("en"):
        assert ("Changes", "Nominated on: 5 March 2026 → 4 March 2026") in log_detail(entry)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name": "李四"}, {"name": [str(elections.CANDIDATE_NAME_TAKEN)]}),
        ({"name": "已退出者"}, {"name": [str(elections.CANDIDATE_NAME_TAKEN)]}),
        ({"owner": "taken"}, {"owner": [str(elections.CANDIDATE_OWNER_TAKEN)]}),
        ({"owner": None}, {"owner": [str(elections.CANDIDATE_OWNER_REQUIRED)]}),
        ({"owner": "elsewhere"}, {"owner": ["not an owner of 小区甲"]}),
        ({"owner": "sold"}, {"owner": ["not an owner of 小区甲"]}),
        (
            {"nominated_on": TODAY + dt.timedelta(days=1)},
            {"nominated_on": [str(elections.NOMINATED_IN_FUTURE)]},
        ),
    ],
)
def test_a_correction_is_checked_like_a_nomination(staff, changes, errors):
    # given: 李四 stands with an owner; 已退出者 has withdrawn but keeps the name in this election
    # 另一业主 owns a dwelling of another compound only; 已售业主 sold theirs (the dwelling is
    # relinked to its buyer)
    candidate = _candidate(Stage.NOMINATION)
    compound = candidate.election.committee.compound
    compound.name = "小区甲"
    compound.save()
    owner = compound_owner(compound)
    CandidateFactory(election=candidate.election, name="李四", owner=owner)
    _withdrawn(CandidateFactory(election=candidate.election, name="已退出者"), staff)
    sold = compound_owner(compound, name="已售业主")
    sold.dwellings.update(owner=registry_factories.OwnerFactory(community=compound.community))
    owners = {
        "taken": owner,
        "elsewhere": compound_owner(
            registry_factories.CompoundFactory(community=compound.community), name="另一业主"
        ),
        "sold": sold,
    }
    if "owner" in changes:
        changes = {"owner": owners.get(changes["owner"])}
    if errors.get("owner") == ["not an owner of 小区甲"]:
        errors = {"owner": [str(elections.CANDIDATE_NOT_COMPOUND_OWNER) % {"compound": "小区甲"}]}
    linked = candidate.owner
    log_before = candidate.election.log.count()
    # when
    with pytest.raises(ValidationError) as exc_info:
        candidate_correct(candidate=candidate, user=staff, **_correction(candidate, **changes))
    # then
    assert exc_info.value.message_dict == errors
    candidate.refresh_from_db()
    assert (candidate.name, candidate.owner, candidate.nominated_on) == ("张叁", linked, NOMINATED)
    assert candidate.election.log.count() == log_before


@pytest.mark.parametrize("nominated_on", [TODAY, NOMINATED])
def test_a_nomination_dated_today_or_unchanged_is_accepted(staff, nominated_on):
    candidate = _candidate(Stage.NOMINATION)
    candidate_correct(
        candidate=candidate,
        user=staff,
        **_correction(candidate, nominated_on=nominated_on, is_veteran=True),
    )
    candidate.refresh_from_db()
    assert (candidate.nominated_on, candidate.is_veteran) == (nominated_on, True)


def test_a_correction_that_changes_nothing_is_refused_and_not_logged(staff):
    candidate = _candidate(Stage.NOMINATION)
    with pytest.raises(ValidationError) as exc_info:
        candidate_correct(candidate=candidate, user=staff, **_correction(candidate))
    assert messages_of(exc_info) == [str(candidates.NOTHING_CHANGED)]
    assert not candidate.election.log.exists()


def test_linking_another_owner_sends_a_decided_vetting_back_to_pending(staff):
    # given: qualified as one owner
    candidate = qualify(_candidate(Stage.VETTING), staff)
    other = compound_owner(candidate.election.committee.compound)
    # when
    candidate_correct(candidate=candidate, user=staff, **_correction(candidate, owner=other))
    # then
    vetting = Vetting.objects.get(candidate=candidate)
    assert (vetting.decision, vetting.reviewer, vetting.decided_at) == ("pending", None, None)
    # every condition is to be checked again, for the new owner
    items = set(vetting.items.values_list("is_met", "evidence", "note"))
    assert items == {(None, "", "")}
    entry = candidate.election.log.get()
    assert entry.detail["vetting_reopened"] == "qualified"
    cleared = entry.detail["vetting_items_cleared"]
    assert len(cleared) == vetting.items.count()
    assert {(c["is_met"], c["evidence"]) for c in cleared} == {(True, "核查记录")}
    with translation.override("en"):
        assert ("Vetting reopened, it was", "qualified") in log_detail(entry)
        assert "Checked conditions cleared" in dict(log_detail(entry))
    # and the election cannot be posted until the candidate is vetted again
    assert (
        str(elections.VETTING_PENDING) % {"names": candidate.name}
        in advance_check(candidate.election, now=NOW).reasons
    )


def test_a_typo_in_the_name_keeps_the_vetting(staff):
    candidate = qualify(_candidate(Stage.VETTING), staff)
    candidate_correct(candidate=candidate, user=staff, **_correction(candidate, name="张三"))
    assert Vetting.objects.get(candidate=candidate).decision == "qualified"
    assert "vetting_reopened" not in candidate.election.log.get().detail


def test_a_withdrawn_candidate_is_neither_corrected_nor_vetted(staff):
    # given
    candidate = _withdrawn(_candidate(Stage.VETTING), staff)
    # when / then
    with pytest.raises(ValidationError) as exc_info:
        candidate_correct(candidate=candidate, user=staff, **_correction(candidate, name="张三"))
    assert messages_of(exc_info) == [str(elections.CANDIDATE_WITHDRAWN)]
    with pytest.raises(ValidationError) as exc_info:
        vetting_decide(candidate=candidate, user=staff, items=ALL_MET, decision="qualified")
    assert messages_of(exc_info) == [str(elections.CANDIDATE_WITHDRAWN)]
    assert Vetting.objects.get(candidate=candidate).decision == "pending"


# Withdrawals -------------------------------------------------------------------------------------


def test_a_withdrawal_is_logged_with_its_date_reason_and_what_was_lost(staff):
    # given: a qualified candidate during publicity
    candidate = qualify(_candidate(Stage.PUBLICITY), staff)
    # when
    _withdrawn(candidate, staff, reason="  本人书面申请退出  ")
    # then
    candidate.refresh_from_db()
    assert candidate.withdrawal_reason == "本人书面申请退出"
    entry = candidate.election.log.get()
    assert (entry.action, entry.actor) == ("candidate.withdrawn", staff)
    assert entry.detail == {
        "candidate": candidate.pk,
        "name": "张叁",
        "stage": "publicity",
        "withdrawn_on": "2026-03-15",
        "reason": "本人书面申请退出",
        "decision": "qualified",
    }
    with translation.override("en"):
        # (jsonb keeps its own key order, so compare the pairs as a mapping)
        assert dict(log_detail(entry, kind="election")) == {
            "Candidate": "张叁",
            "Stage": "publicity of candidates",
            "Withdrawn on": "15 March 2026",
            "Reason": "本人书面申请退出",
            "Vetting decision": "qualified",
        }
    # and the row is kept
    assert Candidate.objects.filter(pk=candidate.pk).exists()


@pytest.mark.parametrize("stage", [Stage.VETTING, Stage.VOTING])
def test_withdrawing_twice_says_it_is_already_withdrawn(staff, stage):
    # given: withdrawn during vetting; in the second case the election has moved on to voting
    candidate = _withdrawn(_candidate(Stage.VETTING), staff)
    Election.objects.filter(pk=candidate.election_id).update(stage=stage)
    # when
    with pytest.raises(ValidationError) as exc_info:
        _withdrawn(candidate, staff, reason="再次申请", withdrawn_on=TODAY)
    # then
    assert messages_of(exc_info) == [str(candidates.ALREADY_WITHDRAWN)]
    candidate.refresh_from_db()
    assert candidate.withdrawal_reason == "本人书面申请退出：工作调动"
    assert candidate.election.log.count() == 1


@pytest.mark.parametrize(
    ("reason", "withdrawn_on", "errors"),
    [
        ("", TODAY, {"reason": [str(candidates.WITHDRAWAL_REASON_REQUIRED)]}),
        ("   ", TODAY, {"reason": [str(candidates.WITHDRAWAL_REASON_REQUIRED)]}),
        (
            "退出",
            TODAY + dt.timedelta(days=1),
            {"withdrawn_on": [str(candidates.WITHDRAWN_IN_FUTURE)]},
        ),
        (
            "退出",
            NOMINATED - dt.timedelta(days=1),
            {"withdrawn_on": [str(candidates.WITHDRAWN_BEFORE_NOMINATION)]},
        ),
    ],
)
def test_a_withdrawal_needs_a_reason_and_a_date_between_nomination_and_today(
    staff, reason, withdrawn_on, errors
):
    # given
    candidate = _candidate(Stage.VETTING)
    # when
    with pytest.raises(ValidationError) as exc_info:
        _withdrawn(candidate, staff, reason=reason, withdrawn_on=withdrawn_on)
    # then
    assert exc_info.value.message_dict == errors
    candidate.refresh_from_db()
    assert (candidate.withdrawn_on, candidate.withdrawal_reason) == (None, "")
    assert not candidate.election.log.exists()


@pytest.mark.parametrize("withdrawn_on", [NOMINATED, TODAY])
def test_a_withdrawal_on_the_nomination_day_or_today_is_accepted(staff, withdrawn_on):
    candidate = _withdrawn(_candidate(Stage.VETTING), staff, withdrawn_on=withdrawn_on)
    assert candidate.withdrawn_on == withdrawn_on


def test_the_database_refuses_a_withdrawal_without_a_reason():
    candidate = _candidate(Stage.VETTING)
    candidate.withdrawn_on = TODAY
    with pytest.raises(ValidationError):
        candidate.full_clean()


# A withdrawn candidate drops off the ballot, the posted list and the counts ------------------------


def test_a_withdrawn_candidate_is_off_the_ballot(staff):
    # given: two qualified candidates during publicity, one of whom withdraws
    election = ElectionFactory(stage=Stage.PUBLICITY)
    stays = qualify(CandidateFactory(election=election, name="留下者"), staff)
    leaves = qualify(CandidateFactory(election=election, name="退出者"), staff)
    # when
    _withdrawn(leaves, staff)
    # then
    assert list(ballot_candidates(election)) == [stays]
    assert voting.qualified_candidate_names(election=election) == ["留下者"]
    assert list(elections.candidates_with_vetting(election)) == [stays, leaves]


def test_nomination_cannot_end_with_only_withdrawn_candidates(staff):
    candidate = _withdrawn(_candidate(Stage.NOMINATION), staff)
    check = advance_check(candidate.election, now=NOW)
    assert check.target == Stage.VETTING
    assert str(elections.NO_CANDIDATE) in check.reasons


def test_a_withdrawn_candidate_neither_holds_up_nor_fills_the_list(staff):
    # given: 7 seats; one qualified, one withdrawn while pending, one withdrawn once qualified
    election = ElectionFactory(
        stage=Stage.VETTING, seats=7, stage_started_at=NOW - dt.timedelta(days=1)
    )
    qualify(CandidateFactory(election=election), staff)
    _withdrawn(CandidateFactory(election=election, nominated_on=NOMINATED), staff)
    _withdrawn(qualify(CandidateFactory(election=election, nominated_on=NOMINATED), staff), staff)
    # when
    check = advance_check(election, now=NOW)
    # then: nothing pending, and one qualified candidate for seven seats
    assert check.reasons == []
    assert check.warnings == [
        str(elections.FEWER_QUALIFIED_THAN_SEATS) % {"qualified": 1, "seats": 7}
    ]


def test_when_every_qualified_candidate_withdraws_the_list_cannot_be_posted(staff):
    election = ElectionFactory(stage=Stage.VETTING, stage_started_at=NOW - dt.timedelta(days=1))
    _withdrawn(qualify(CandidateFactory(election=election, nominated_on=NOMINATED), staff), staff)
    assert advance_check(election, now=NOW).reasons == [str(elections.NO_QUALIFIED_CANDIDATE)]


@pytest.mark.parametrize(
    ("withdrawals", "reasons"),
    [
        (0, []),  # both standing, five seats: warned only
        (1, []),  # one left: still a ballot, still warned
        (2, [str(elections.NO_QUALIFIED_CANDIDATE)]),  # nobody left to vote for
    ],
)
def test_voting_cannot_open_once_every_candidate_has_withdrawn(staff, withdrawals, reasons):
    # given: the list posted 15 days ago with two qualified candidates, a voting window ahead
    election = ElectionFactory(
        stage=Stage.PUBLICITY,
        stage_started_at=NOW - dt.timedelta(days=15),
        voting_opens_at=NOW + dt.timedelta(days=1),
        voting_closes_at=NOW + dt.timedelta(days=2),
    )
    standing = [
        qualify(CandidateFactory(election=election, nominated_on=NOMINATED), staff)
        for _ in range(2)
    ]
    for candidate in standing[:withdrawals]:
        _withdrawn(candidate, staff)
    # when
    check = advance_check(election, now=NOW)
    # then
    assert check.target == Stage.VOTING
    assert check.reasons == reasons
    qualified = 2 - withdrawals
    expected = str(elections.FEWER_QUALIFIED_THAN_SEATS) % {"qualified": qualified, "seats": 5}
    assert (expected in check.warnings) == (qualified > 0)
