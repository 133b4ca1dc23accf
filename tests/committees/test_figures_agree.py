"""The same election figure, wherever it is shown, says the same thing.

An election of two seats among three qualified candidates (a fourth withdrew before voting) is
voted on a roll of six dwellings: one owner holds two of them (one head), the developer holds
one. A dwelling votes online with its code and then again on paper (refused: one counts), one
votes by proxy, one casts a blank ballot, one comes from an imported ballot file. Voting closes
at 23:30 Beijing time (15:30 UTC). Then every place that shows a figure is read and compared:
the tally stored once, its recomputation, the staff tally page, the printable sheet, the public
result page, the tally command, the voting page's ballot count, the election page's count of
ballots recorded, and the quarterly bulletin's election row.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from committees import ballot_import, proxies, voting
from committees.models import Ballot, Election, RollEntry
from scorecards import bulletins
from tests import factories
from tests.committees.factories import CandidateFactory, CommitteeFactory, ElectionFactory, qualify

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
OPENS = dt.datetime(2026, 9, 1, 8, 0, tzinfo=SH)
CLOSES = dt.datetime(2026, 9, 30, 23, 30, tzinfo=SH)
DURING = dt.datetime(2026, 9, 30, 23, 0, tzinfo=SH)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def voted(community, compound_a, staff):
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a, code="1"))
    shared = factories.OwnerFactory(community=community, name="张共有")
    areas = ("100.00", "80.00", "120.00", "90.00", "60.00", "75.50")
    dwellings = [
        factories.DwellingFactory(
            unit=unit,
            code=str(101 + i),
            area_m2=Decimal(area),
            owner=None if i == 4 else (shared if i < 2 else None),
            is_developer_held=i == 4,
        )
        for i, area in enumerate(areas)
    ]
    for d in dwellings[2:4] + dwellings[5:]:
        d.owner = factories.OwnerFactory(community=community)
        d.save()
    election = ElectionFactory(
        committee=CommitteeFactory(compound=compound_a),
        stage=Election.Stage.VOTING,
        seats=2,
        voting_opens_at=OPENS,
        voting_closes_at=CLOSES,
    )
    for name in ("甲", "乙", "丙", "丁"):
        qualify(CandidateFactory(election=election, name=name, owner=None), staff)
    gone = election.candidates.get(name="丁")
    gone.withdrawn_on = dt.date(2026, 8, 20)
    gone.withdrawal_reason = "本人申请退出"
    gone.save()
    voting.roll_freeze(election=election, user=staff, now=OPENS - dt.timedelta(days=1))
    entries = {e.dwelling_id: e for e in RollEntry.objects.filter(election=election)}
    entry = [entries[d.pk] for d in dwellings]

    def cast(i, choices, **kw):
        kw.setdefault("channel", Ballot.Channel.ON_SITE)
        return voting.ballot_cast(
            election=election, roll_entry=entry[i], choices=choices, now=DURING, user=staff, **kw
        )

    # The shared owner's two dwellings agree: one head approving 甲 and 乙.
    cast(0, ["甲", "乙"])
    cast(1, ["甲", "乙"])
    # Online with the code, then the same dwelling on paper: refused, the online one counts.
    codes = dict(voting.voting_codes_issue(election=election, user=staff))
    voting.ballot_cast_with_code(
        election=election, code=codes[dwellings[2]], choices=["乙", "丙"], now=DURING
    )
    with pytest.raises(voting.VotingError):
        cast(2, ["甲"])
    # A proxy, and a blank ballot (takes part, approves nobody).
    auth = proxies.proxy_record(
        election=election,
        roll_entry=entry[3],
        proxy_name="李代",
        document=PDF,
        user=staff,
        now=DURING,
    )
    cast(3, ["甲"], proxy=auth)
    cast(4, [])
    # One ballot from a file.
    data = f"dwelling,choices,channel,proxy_for\n{dwellings[5].code},甲,door_to_door,\n"
    ballot_import.ballot_import(
        election=election, data=data.encode(), filename="ballots.csv", user=staff, now=DURING
    )
    voting.election_tally(election=election, user=staff, now=CLOSES + dt.timedelta(minutes=5))
    election.refresh_from_db()
    return election


def test_the_tally_counts_each_dwelling_once_and_each_head_once(voted):
    tally = voted.tally
    # 6 dwellings, 5 heads (the shared owner once; the developer once); all voted.
    assert tally["participation"] == {
        "area_m2": "525.50",
        "area_total_m2": "525.50",
        "headcount": 5,
        "headcount_total": 5,
    }
    results = {r["name"]: r for r in tally["results"]}
    assert set(results) == {"甲", "乙", "丙"}  # the withdrawn candidate is on no ballot
    assert results["甲"]["approve_area_m2"] == "345.50"
    assert results["甲"]["approve_headcount"] == 3
    assert results["乙"]["approve_headcount"] == 2
    assert [r["name"] for r in tally["results"] if r["elected"]] == ["甲"]
    assert Ballot.objects.filter(election=voted).count() == 6
    assert voting.tally_verify(election=voted)


def test_every_page_shows_the_stored_tally(client, staff, voted):
    client.force_login(staff)
    detail = client.get(reverse("committees:tally_detail", args=[voted.pk]))
    sheet = client.get(reverse("committees:tally_sheet", args=[voted.pk]))
    client.logout()
    public = client.get(reverse("committees:result_detail", args=[voted.pk]))
    for response in (detail, sheet, public):
        assert response.status_code == 200
        assert response.context["tally"] == voted.tally
        assert [
            (r["name"], r["approve_headcount"], r["elected"]) for r in response.context["rows"]
        ] == [(r["name"], r["approve_headcount"], r["elected"]) for r in voted.tally["results"]]
        body = response.content.decode()
        assert "525.50 / 525.50" in body
        assert "345.50" in body
        assert "丁" not in body.replace(voted.title, "")
    assert detail.context["unchanged"] is True


def test_the_ballot_counts_agree_on_the_voting_page_the_election_page_and_the_log(
    client, staff, voted
):
    client.force_login(staff)
    voting_page = client.get(reverse("committees:voting_detail", args=[voted.pk]))
    election_page = client.get(reverse("committees:election_detail", args=[voted.pk]))
    counted = voted.log.get(action="tallied").detail["ballots_counted"]
    assert voting_page.context["ballots"] == counted == 6
    assert election_page.context["ballots_logged"] == counted
    channels = dict(voting_page.context["channels"])
    assert sum(channels.values()) == 6


def test_the_tally_command_says_the_local_time_of_the_tally(voted):
    out = io.StringIO()
    call_command("tally", str(voted.pk), stdout=out)
    text = out.getvalue()
    assert "tallied at 2026-09-30 23:35" in text
    assert "525.50 of 525.50" in text


def test_the_bulletin_dates_a_2330_close_on_its_local_day(community, voted):
    figures = bulletins.bulletin_figures(
        community=community, quarter=bulletins.quarter_of("2026-Q3")
    )
    (row,) = [e for e in figures["elections"] if e["title"] == voted.title]
    assert row["closed_on"] == "2026-09-30"
    assert row["closes_at"] == "2026-09-30T23:30:00+08:00"
