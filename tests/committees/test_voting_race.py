"""Ten voters racing for one dwelling leave exactly one ballot (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from committees import voting
from committees.models import Ballot, RollEntry
from tests.committees.test_voting import NOW, build_compound, voting_election

THREADS = 10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every write on one file lock, so there is no race to test; "
        "run with DATABASE_URL=postgres://... for the real one",
    ),
]


def test_ten_threads_voting_for_one_dwelling_leave_one_ballot(compound_a, staff):
    # given one dwelling on the roll and ten clerks entering its ballot at the same instant
    dwellings = build_compound(compound_a)
    election = voting_election(compound_a, staff)
    entry = RollEntry.objects.get(election=election, dwelling=dwellings[0])
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote(i: int) -> None:
        try:
            start.wait()
            voting.ballot_cast(
                election=election,
                roll_entry=entry,
                choices=["甲"] if i % 2 else ["乙"],
                channel=Ballot.Channel.ON_SITE,
                now=NOW,
            )
            outcome = "cast"
        except voting.VotingError as exc:
            outcome = exc.message
        except Exception as exc:  # anything else is a bug the assertion below shows
            outcome = repr(exc)
        finally:
            # Each thread had its own connection: close it, or the test database cannot drop.
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    # when
    threads = [threading.Thread(target=vote, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then exactly one ballot; every other thread was told the dwelling has voted
    assert Ballot.objects.filter(election=election).count() == 1
    assert sorted(outcomes) == sorted(["cast"] + [str(voting.ALREADY_VOTED)] * (THREADS - 1))


def test_ten_threads_using_one_code_leave_one_ballot(compound_a, staff):
    # given one voting code typed on ten phones at once
    build_compound(compound_a)
    election = voting_election(compound_a, staff)
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def vote() -> None:
        try:
            start.wait()
            voting.ballot_cast_with_code(election=election, code=code, choices=["甲"], now=NOW)
            outcome = "cast"
        except voting.VotingError as exc:
            outcome = exc.message
        except Exception as exc:
            outcome = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    # when
    threads = [threading.Thread(target=vote) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then
    assert Ballot.objects.filter(election=election).count() == 1
    assert sorted(outcomes) == sorted(["cast"] + [str(voting.CODE_USED)] * (THREADS - 1))
