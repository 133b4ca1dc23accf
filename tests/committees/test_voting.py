"""Voting services: roll, codes, ballots, tally; and the tally command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from committees import voting
from committees.models import Ballot, Election, ElectionLogEntry, ProxyAuthorisation, RollEntry
from tests import factories
from tests.committees.factories import (
    CandidateFactory,
    CommitteeFactory,
    ElectionFactory,
    MotionFactory,
    qualify,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=TZ)
OPENS = dt.datetime(2026, 3, 1, 8, 0, tzinfo=TZ)
CLOSES = dt.datetime(2026, 3, 20, 18, 0, tzinfo=TZ)


def build_compound(compound, *, areas=("100.00", "80.00", "120.00", "90.00", "60.00")):
    """Dwellings 101.. in one building and unit; the first two share an owner; the last is the
    developer's."""
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound, code="1"))
    shared = factories.OwnerFactory(community=compound.community, name="张共有")
    dwellings = []
    for i, area in enumerate(areas):
        owner = shared if i < 2 else factories.OwnerFactory(community=compound.community)
        developer = i == len(areas) - 1
        dwellings.append(
            factories.DwellingFactory(
                unit=unit,
                code=str(101 + i),
                area_m2=Decimal(area),
                owner=None if developer else owner,
                is_developer_held=developer,
            )
        )
    return dwellings


def voting_election(compound, staff, *, motion=False, seats=2, names=("甲", "乙", "丙")):
    committee = getattr(compound, "committee", None) or CommitteeFactory(compound=compound)
    factory = MotionFactory if motion else ElectionFactory
    extra = {} if motion else {"seats": seats}
    election = factory(
        committee=committee,
        stage=Election.Stage.VOTING,
        voting_opens_at=OPENS,
        voting_closes_at=CLOSES,
        **extra,
    )
    if not motion:
        for name in names:
            # Unlinked (owner=None): a linked owner's dwelling would join the roll.
            qualify(CandidateFactory(election=election, name=name, owner=None), staff)
        CandidateFactory(election=election, name="未审", owner=None)  # pending: never on ballot
    voting.roll_freeze(election=election, user=staff)
    return election


@pytest.fixture
def dwellings(compound_a):
    return build_compound(compound_a)


@pytest.fixture
def election(compound_a, dwellings, staff):
    return voting_election(compound_a, staff)


def entry_of(election, dwelling) -> RollEntry:
    return RollEntry.objects.get(election=election, dwelling=dwelling)


def cast(election, dwelling, choices, **kwargs):
    kwargs.setdefault("channel", Ballot.Channel.ON_SITE)
    kwargs.setdefault("now", NOW)
    return voting.ballot_cast(
        election=election, roll_entry=entry_of(election, dwelling), choices=choices, **kwargs
    )


# --- roll -------------------------------------------------------------------------------------


def test_roll_freeze_copies_the_compound_and_nothing_else(compound_a, compound_b, staff):
    # given two compounds with dwellings, and an election of the first
    dwellings = build_compound(compound_a)
    build_compound(compound_b)
    committee = CommitteeFactory(compound=compound_a)
    election = ElectionFactory(committee=committee, stage=Election.Stage.PUBLICITY)

    # when
    count = voting.roll_freeze(election=election, user=staff)

    # then every dwelling of compound a is on the roll with its area, owner and developer flag
    assert count == 5
    election.refresh_from_db()
    assert election.roll_frozen_at is not None
    roll = {e.dwelling_id: e for e in RollEntry.objects.filter(election=election)}
    assert set(roll) == {d.pk for d in dwellings}
    for d in dwellings:
        assert (roll[d.pk].area_m2, roll[d.pk].owner_id, roll[d.pk].is_developer_held) == (
            d.area_m2,
            d.owner_id,
            d.is_developer_held,
        )
    assert ElectionLogEntry.objects.filter(election=election, action="roll_frozen").count() == 1


def test_roll_freeze_twice_is_refused(election, staff):
    # when / then
    with pytest.raises(voting.VotingError) as exc:
        voting.roll_freeze(election=election, user=staff)
    assert exc.value.message == str(voting.ROLL_ALREADY_FROZEN)
    assert RollEntry.objects.filter(election=election).count() == 5


def test_registry_edits_after_freeze_do_not_reach_the_roll(election, dwellings):
    # given
    dwellings[0].area_m2 = Decimal("999.00")
    dwellings[0].save()

    # then
    assert entry_of(election, dwellings[0]).area_m2 == Decimal("100.00")


@pytest.mark.parametrize(
    ("stage", "opens_at", "is_refused"),
    [
        (Election.Stage.PUBLICITY, NOW + dt.timedelta(days=1), False),
        (Election.Stage.PUBLICITY, NOW - dt.timedelta(minutes=1), True),  # opening time passed
        (Election.Stage.VOTING, NOW + dt.timedelta(days=1), True),
        (Election.Stage.TALLY, None, True),
    ],
)
def test_roll_cannot_change_once_voting_is_open(
    compound_a, dwellings, staff, stage, opens_at, is_refused
):
    # given
    election = ElectionFactory(
        committee=CommitteeFactory(compound=compound_a), stage=stage, voting_opens_at=opens_at
    )
    voting.roll_freeze(election=election, user=staff)
    entry = entry_of(election, dwellings[0])

    # when
    def correct():
        return voting.roll_entry_update(
            roll_entry=entry, user=staff, area_m2=Decimal("101.50"), now=NOW
        )

    # then
    if is_refused:
        with pytest.raises(voting.VotingError) as exc:
            correct()
        assert exc.value.message == str(voting.ROLL_LOCKED)
        assert entry_of(election, dwellings[0]).area_m2 == Decimal("100.00")
    else:
        correct()
        assert entry_of(election, dwellings[0]).area_m2 == Decimal("101.50")


# --- codes ------------------------------------------------------------------------------------


def test_codes_are_random_hashed_and_returned_once(election, dwellings, staff):
    # when
    issued = voting.voting_codes_issue(election=election, user=staff)

    # then one code per dwelling, in the XXXXX-XXXXX form, and only a hash is stored
    assert [d.pk for d, _ in issued] == [d.pk for d in dwellings]
    codes = [code for _, code in issued]
    assert len(set(codes)) == 5
    for code in codes:
        assert len(code) == 11
        assert code[5] == "-"
        assert set(code.replace("-", "")) <= set(voting.CODE_ALPHABET)
    stored = set(
        RollEntry.objects.filter(election=election).values_list("voting_code_hash", flat=1)
    )
    assert not stored & set(codes)
    assert voting.voting_code_entry(election=election, code=codes[2]).dwelling_id == dwellings[2].pk
    # typed in lower case without the dash, the code still works
    assert voting.voting_code_entry(election=election, code=codes[2].replace("-", "").lower())


def test_reissuing_codes_invalidates_the_old_ones_and_is_logged(election, staff):
    # given
    old = voting.voting_codes_issue(election=election, user=staff)

    # when
    new = voting.voting_codes_issue(election=election, user=staff)

    # then
    assert voting.voting_code_entry(election=election, code=old[0][1]) is None
    assert voting.voting_code_entry(election=election, code=new[0][1]) is not None
    actions = list(ElectionLogEntry.objects.filter(election=election).values_list("action", flat=1))
    assert actions[-2:] == ["codes_issued", "codes_reissued"]


def test_a_code_of_one_election_does_not_open_another(compound_a, compound_b, staff, election):
    # given
    build_compound(compound_b)
    other = voting_election(compound_b, staff)
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]

    # then
    assert voting.voting_code_entry(election=other, code=code) is None


def test_a_code_votes_once(election, staff):
    # given
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]

    # when
    ballot = voting.ballot_cast_with_code(election=election, code=code, choices=["甲"], now=NOW)

    # then
    assert ballot.channel == Ballot.Channel.ONLINE
    assert ballot.roll_entry.voting_code_used_at == NOW
    with pytest.raises(voting.VotingError) as exc:
        voting.ballot_cast_with_code(election=election, code=code, choices=["乙"], now=NOW)
    assert exc.value.message == str(voting.CODE_USED)
    assert Ballot.objects.filter(election=election).count() == 1


def test_a_wrong_code_casts_nothing(election, staff):
    voting.voting_codes_issue(election=election, user=staff)
    with pytest.raises(voting.VotingError) as exc:
        voting.ballot_cast_with_code(election=election, code="AAAAA-AAAAA", choices=[], now=NOW)
    assert exc.value.message == str(voting.CODE_INVALID)
    assert not Ballot.objects.exists()


# --- ballots ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "stage", "message"),
    [
        (OPENS - dt.timedelta(seconds=1), Election.Stage.VOTING, voting.BEFORE_OPENING),
        (CLOSES, Election.Stage.VOTING, voting.AFTER_CLOSING),
        (CLOSES + dt.timedelta(days=1), Election.Stage.VOTING, voting.AFTER_CLOSING),
        (NOW, Election.Stage.PUBLICITY, voting.NOT_VOTING),
        (NOW, Election.Stage.TALLY, voting.NOT_VOTING),
    ],
)
def test_ballots_outside_the_window_are_refused_with_nothing_stored(
    election, dwellings, now, stage, message
):
    # given
    Election.objects.filter(pk=election.pk).update(stage=stage)
    logged = ElectionLogEntry.objects.count()

    # when
    with pytest.raises(voting.VotingError) as exc:
        cast(election, dwellings[0], ["甲"], now=now)

    # then
    # The message constant, with its time filled in (compare the text before the placeholder).
    assert exc.value.message.startswith(str(message).split("%(")[0])
    assert not Ballot.objects.exists()
    assert ElectionLogEntry.objects.count() == logged


def test_ballot_at_the_opening_instant_is_accepted(election, dwellings):
    assert cast(election, dwellings[0], ["甲"], now=OPENS).cast_at == OPENS


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        (["丁"], voting.UNKNOWN_CANDIDATE % {"name": "丁"}),
        (["未审"], voting.UNKNOWN_CANDIDATE % {"name": "未审"}),  # not qualified
        (["甲", "乙", "丙"], voting.TOO_MANY_CHOICES % {"count": 3, "seats": 2}),
        (["甲", "甲"], voting.DUPLICATE_CHOICE % {"name": "甲"}),
        (["yes"], voting.UNKNOWN_CANDIDATE % {"name": "yes"}),
    ],
)
def test_invalid_election_choices_are_refused(election, dwellings, choices, message):
    with pytest.raises(voting.VotingError) as exc:
        cast(election, dwellings[0], choices)
    assert exc.value.message == str(message)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("choices", "stored"),
    [([], []), (["丙", "甲"], ["甲", "丙"]), ([" 乙 "], ["乙"])],
)
def test_valid_election_choices_are_stored_in_ballot_order(election, dwellings, choices, stored):
    assert cast(election, dwellings[0], choices).choices == stored


@pytest.mark.parametrize(
    ("choices", "ok"),
    [(["yes"], True), (["No"], True), (["abstain"], True), ([], False), (["yes", "no"], False)],
)
def test_motion_ballot_is_exactly_one_of_yes_no_abstain(compound_a, dwellings, staff, choices, ok):
    motion = voting_election(compound_a, staff, motion=True)
    if ok:
        assert cast(motion, dwellings[0], choices).choices == [choices[0].lower()]
    else:
        with pytest.raises(voting.VotingError):
            cast(motion, dwellings[0], choices)


def test_second_ballot_for_a_dwelling_is_refused(election, dwellings):
    # given
    cast(election, dwellings[0], ["甲"])

    # when / then
    with pytest.raises(voting.VotingError) as exc:
        cast(election, dwellings[0], ["乙"], channel=Ballot.Channel.DOOR_TO_DOOR)
    assert exc.value.message == str(voting.ALREADY_VOTED)
    assert list(Ballot.objects.values_list("choices", flat=True)) == [["甲"]]


def test_direct_duplicate_insert_violates_the_constraint(election, dwellings):
    # given
    first = cast(election, dwellings[0], ["甲"])

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            election=election,
            roll_entry=first.roll_entry,
            choices=["乙"],
            channel=Ballot.Channel.ON_SITE,
            receipt_code="XXXX-XXXX-XXXX",
            cast_at=NOW,
        )


def test_proxy_needs_an_authorisation_for_that_dwelling(election, dwellings, staff):
    # given an authorisation recorded for dwelling 1 only
    auth = ProxyAuthorisation.objects.create(
        roll_entry=entry_of(election, dwellings[1]), proxy_name="李代", recorded_by=staff
    )

    # when it is used for dwelling 0: refused
    with pytest.raises(voting.VotingError) as exc:
        cast(election, dwellings[0], ["甲"], proxy=auth)
    assert exc.value.message == str(voting.PROXY_NOT_AUTHORISED)

    # when it is used for dwelling 1: accepted
    assert cast(election, dwellings[1], ["甲"], proxy=auth).proxy == auth


def test_a_dwelling_of_another_roll_is_refused(election, compound_b, staff):
    build_compound(compound_b)
    other = voting_election(compound_b, staff)
    foreign = RollEntry.objects.filter(election=other).first()
    with pytest.raises(voting.VotingError) as exc:
        voting.ballot_cast(
            election=election, roll_entry=foreign, choices=[], channel="on_site", now=NOW
        )
    assert exc.value.message == str(voting.NOT_ON_ROLL)


def test_receipt_says_which_election_and_nothing_else(election, dwellings):
    ballot = cast(election, dwellings[0], ["甲"])
    assert voting.receipt_lookup(code=ballot.receipt_code.lower().replace("-", " ")) == election
    assert voting.receipt_lookup(code="AAAA-AAAA-AAAA") is None
    assert voting.receipt_lookup(code="short") is None


def test_the_log_records_a_ballot_without_dwelling_or_choice(election, dwellings):
    cast(election, dwellings[0], ["甲"])
    entry = ElectionLogEntry.objects.get(election=election, action="ballot_cast")
    assert entry.detail == {"channel": "on_site"}


# --- tally ------------------------------------------------------------------------------------


def vote_all(election, dwellings):
    # dwellings 0 and 1 share an owner (one head); 4 is the developer's
    for dwelling, choices in zip(
        dwellings, [["甲", "乙"], ["甲", "乙"], ["甲"], ["乙", "丙"], ["甲", "乙"]], strict=True
    ):
        cast(election, dwelling, choices)


def test_tally_is_stored_once_with_who_and_when(election, dwellings, staff):
    # given
    vote_all(election, dwellings)

    # when
    data = voting.election_tally(election=election, user=staff)

    # then
    election.refresh_from_db()
    assert election.tally == data
    assert election.tallied_by == staff
    assert election.tallied_at is not None
    assert data["participation"] == {
        "area_m2": "450.00",
        "area_total_m2": "450.00",
        "headcount": 4,
        "headcount_total": 4,
    }
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["甲"]["approve_area_m2"] == "360.00"
    assert by_name["甲"]["approve_headcount"] == 3
    assert [r["name"] for r in data["results"] if r["elected"]] == ["甲", "乙"]
    assert "未审" not in by_name
    assert ElectionLogEntry.objects.filter(election=election, action="tallied").count() == 1

    # and a second tally is refused
    with pytest.raises(voting.VotingError) as exc:
        voting.election_tally(election=election, user=staff)
    assert exc.value.message == str(voting.ALREADY_TALLIED)


def test_tally_verify_recomputes_and_detects_a_change(election, dwellings, staff):
    # given
    vote_all(election, dwellings)
    voting.election_tally(election=election, user=staff)
    election.refresh_from_db()
    assert voting.tally_verify(election=election) is True

    # when someone alters a ballot behind the services' back
    Ballot.objects.filter(roll_entry__dwelling=dwellings[2]).update(choices=["丙"])

    # then
    assert voting.tally_verify(election=election) is False


def test_motion_tally_uses_the_matter(compound_a, dwellings, staff):
    # given matter 8 needs 3/4: 300 of 450 m² approving is not enough
    motion = voting_election(compound_a, staff, motion=True)
    Election.objects.filter(pk=motion.pk).update(matter=8)
    for dwelling, choice in zip(dwellings, ["yes", "yes", "yes", "no", "no"], strict=True):
        cast(motion, dwelling, [choice])

    # when
    data = voting.election_tally(election=motion, user=staff)

    # then
    assert data["quorum_met"] is True
    yes = data["results"][0]
    assert (yes["name"], yes["approve_area_m2"], yes["passed"]) == ("yes", "300.00", False)


def test_tracker_shows_what_quorum_still_needs(election, dwellings):
    # given one ballot of 100 m² out of 450 m²; quorum needs 300 m² and 3 of 4 heads
    cast(election, dwellings[0], ["甲"])

    # when
    tracker = voting.voting_tracker(election=election)

    # then
    assert tracker.ballots == 1
    assert tracker.needed.quorum.area_m2 == Decimal("200.00")
    assert tracker.needed.quorum.headcount == 2
    assert set(tracker.needed.choices) == {"甲", "乙", "丙"}


# --- the tally command ------------------------------------------------------------------------


def test_tally_command_json_shape_for_a_tallied_election(election, dwellings, staff):
    # given
    vote_all(election, dwellings)
    voting.election_tally(election=election, user=staff)
    out = io.StringIO()

    # when
    call_command("tally", str(election.pk), "--json", stdout=out)

    # then
    data = json.loads(out.getvalue())
    assert set(data) == {"quorum_met", "participation", "results", "ties"}
    assert set(data["participation"]) == {
        "area_m2",
        "area_total_m2",
        "headcount",
        "headcount_total",
    }
    assert isinstance(data["participation"]["area_m2"], str)
    assert isinstance(data["participation"]["headcount"], int)
    for result in data["results"]:
        assert set(result) == {"name", "approve_area_m2", "approve_headcount", "passed", "elected"}
        assert isinstance(result["approve_area_m2"], str)
    assert isinstance(data["ties"], list)
    election.refresh_from_db()
    assert data == election.tally


def test_tally_command_on_an_untallied_election_computes_without_storing(election, dwellings):
    # given
    cast(election, dwellings[0], ["甲"])
    out, err = io.StringIO(), io.StringIO()

    # when
    call_command("tally", str(election.pk), "--json", stdout=out, stderr=err)

    # then
    assert json.loads(out.getvalue())["participation"]["headcount"] == 1
    assert "not stored" in err.getvalue()
    election.refresh_from_db()
    assert election.tally is None


def test_tally_command_text_and_unknown_election(election, dwellings):
    out = io.StringIO()
    call_command("tally", str(election.pk), stdout=out)
    assert "quorum NOT met" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("tally", "999999")
