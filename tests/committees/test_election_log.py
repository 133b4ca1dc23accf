"""The election log's details as readable, translated text, old entries included."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from committees import voting
from committees.election_log import log_detail
from committees.models import Election, ElectionLogEntry, RollEntry
from tests.committees.test_voting import NOW, build_compound, voting_election


@pytest.mark.parametrize(
    ("action", "detail", "shown"),
    [
        (
            "election.created",
            {"kind": "motion", "matter": 4, "seats": None},
            [
                ("Kind", "motion"),
                ("Matter", "4. Engage or dismiss the property company or another manager"),
            ],
        ),
        (
            "election.advanced",
            {"from": "preparation", "to": "publicity", "at": "2020-06-29T09:00:00+08:00"},
            [
                ("From stage", "preparation group"),
                ("To stage", "publicity of candidates"),
                ("At", "29 June 2020, 09:00"),
            ],
        ),
        # An instant logged in UTC is shown in Beijing time.
        (
            "election.voting_window",
            {"opens_at": "2020-06-29T01:30:00+00:00"},
            [
                ("Opens at", "29 June 2020, 09:30"),
            ],
        ),
        ("election.advanced", {"quorum_met": True}, [("Quorum met", "yes")]),
        # A warning kept as its code and figures reads in the reader's language; one kept as
        # text before that, as it was written.
        (
            "election.advanced",
            {"warnings": [{"code": "fewer_qualified_than_seats", "qualified": 1, "seats": 5}]},
            [
                (
                    "Warnings",
                    "Only 1 qualified candidates for 5 seats: not every seat can be filled.",
                )
            ],
        ),
        (
            "election.advanced",
            {"warnings": ["只有1名合格候选人", {"code": "gone", "n": 1}]},
            [("Warnings", "只有1名合格候选人 · {'code': 'gone', 'n': 1}")],
        ),
        ("election.advanced", {"quorum_met": False}, [("Quorum met", "no")]),
        ("vetting.decided", {"unmet": []}, []),
        (
            "vetting.revised",
            {"unmet": ["law_abiding"]},
            [("Conditions not met", "law-abiding")],
        ),
        (
            "vetting.decided",
            {"candidate": 7, "name": "张三", "decision": "qualified", "previous": "pending"},
            [
                ("Candidate", "张三"),
                ("Vetting decision", "qualified"),
                ("Earlier decision", "pending"),
            ],
        ),
        (
            "objection.answered",
            {"objection": 3, "answered_on": "2020-07-01", "answer": "好"},
            [
                ("Answered on", "1 July 2020"),
                ("Answer", "好"),
            ],
        ),
        (
            "roll_frozen",
            {"dwellings": 1234, "area_m2": "88053.04"},
            [
                ("Dwellings on the roll", "1,234"),
                ("Area (m²)", "88053.04"),
            ],
        ),
        (
            "ballots_imported",
            {"file": "a.xlsx", "ballots": 3, "channels": {"on_site": 3}},
            [
                ("File", "a.xlsx"),
                ("Ballots", "3"),
                ("Channels", "paper, on site 3"),
            ],
        ),
        # A tally logged before the counts were named: "ballots" was the owners' headcount.
        (
            "tallied",
            {"quorum_met": True, "ballots": 627, "anomalies": 0},
            [
                ("Quorum met", "yes"),
                ("Participating owners", "627"),
                ("Anomalies", "0"),
            ],
        ),
        (
            "tallied",
            {"ballots_counted": 650, "participating_owners": 627},
            [
                ("Ballots counted", "650"),
                ("Participating owners", "627"),
            ],
        ),
        # A key nobody taught the page is shown as it is, not hidden.
        ("future", {"novel": "x"}, [("novel", "x")]),
    ],
)
def test_log_details_read_as_labelled_translated_text(action, detail, shown):
    entry = ElectionLogEntry(action=action, detail=detail)
    with translation.override("en"):
        assert log_detail(entry) == shown


def test_log_details_in_chinese_use_the_chinese_labels_of_stages():
    entry = ElectionLogEntry(action="election.advanced", detail={"from": "voting", "to": "tally"})
    with translation.override("zh-hans"):
        values = [value for _label, value in log_detail(entry)]
    assert values == [str(Election.Stage.VOTING.label), str(Election.Stage.TALLY.label)]
    assert "voting" not in values


@pytest.mark.django_db
def test_the_tally_logs_ballots_and_owners_each_by_its_name(compound_a, staff):
    # given three ballots, two of them from the owner of the first two dwellings
    dwellings = build_compound(compound_a)
    with time_machine.travel(NOW, tick=False):
        election = voting_election(compound_a, staff)
        for dwelling in dwellings[:3]:
            voting.ballot_cast(
                election=election,
                roll_entry=RollEntry.objects.get(election=election, dwelling=dwelling),
                choices=["甲"],
                channel="on_site",
                now=NOW,
            )
        Election.objects.filter(pk=election.pk).update(stage=Election.Stage.TALLY)
        election.refresh_from_db()

        # when
        voting.election_tally(election=election, user=staff)

    # then
    detail = election.log.get(action="tallied").detail
    assert detail["ballots_counted"] == 3
    assert detail["participating_owners"] == 2
    assert "ballots" not in detail


@pytest.mark.django_db
def test_the_election_page_shows_the_log_as_text(client, compound_a, staff):
    # given
    build_compound(compound_a)
    with time_machine.travel(NOW, tick=False):
        election = voting_election(compound_a, staff)
    election.log.create(action="tallied", detail={"quorum_met": True, "ballots": 627})
    client.force_login(staff)

    # when
    with translation.override("en"):
        url = reverse("committees:election_detail", args=[election.pk])
    content = client.get(url).content.decode()

    # then
    assert "Quorum met: yes" in content
    assert "Participating owners: 627" in content
    assert "quorum_met" not in content
    assert "ballots=" not in content
