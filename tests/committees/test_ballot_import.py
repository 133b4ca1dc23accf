"""Ballot files: every bad row reported with row and column, nothing saved; good files save all."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from committees import ballot_import, voting
from committees.models import Ballot, ElectionLogEntry, ProxyAuthorisation, RollEntry
from tests import factories
from tests.committees.test_voting import NOW, build_compound, voting_election

HEADER = "dwelling,choices,channel,proxy_for\n"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def dwellings(compound_a):
    return build_compound(compound_a)


@pytest.fixture
def election(compound_a, dwellings, staff):
    return voting_election(compound_a, staff)


def run(election, text: str, *, encoding="utf-8", filename="ballots.csv"):
    return ballot_import.ballot_file_check(
        election=election, data=text.encode(encoding), filename=filename
    )


def errors_of(check) -> list[tuple[int | None, str]]:
    return [(e.row, e.column) for e in check.errors]


@pytest.mark.parametrize(
    ("rows", "expected", "fragment"),
    [
        ("999,甲,on_site,\n", [(2, "dwelling")], "no dwelling 999"),
        ("101,丁,on_site,\n", [(2, "choices")], "丁 is not a qualified candidate"),
        ("101,甲;乙;丙,on_site,\n", [(2, "choices")], "3 names for 2 seats"),
        ("101,甲;甲,on_site,\n", [(2, "choices")], "chosen twice"),
        ("101,甲,on_site,\n101,乙,on_site,\n", [(3, "dwelling")], "already on row 2"),
        ("101,甲,online,\n", [(2, "channel")], "unknown channel online"),
        ("101,甲,,\n", [(2, "channel")], "missing value"),
        (",甲,on_site,\n", [(2, "dwelling")], "missing value"),
        ("101,甲,on_site,王某\n", [(2, "proxy_for")], "no proxy authorisation"),
        (
            "101,甲,on_site,\n999,丁,online,\n102,甲;乙;丙,on_site,\n",
            [(3, "dwelling"), (3, "choices"), (3, "channel"), (4, "choices")],
            "",
        ),
    ],
)
def test_bad_rows_are_reported_by_row_and_column(election, rows, expected, fragment):
    # when
    check = run(election, HEADER + rows)

    # then
    assert errors_of(check) == expected
    assert fragment in " ".join(e.message for e in check.errors)
    assert not check.is_valid


def test_a_file_with_one_bad_row_saves_nothing(election):
    # given two good rows and one bad
    text = HEADER + "101,甲,on_site,\n102,乙,door_to_door,\n103,丁,on_site,\n"

    # when
    with pytest.raises(ballot_import.BallotImportInvalid) as exc:
        ballot_import.ballot_import(
            election=election, data=text.encode(), filename="b.csv", user=None
        )

    # then
    assert [(e.row, e.column) for e in exc.value.errors] == [(4, "choices")]
    assert not Ballot.objects.exists()
    assert not ElectionLogEntry.objects.filter(action="ballots_imported").exists()


def test_dwelling_that_already_voted_is_reported(election, dwellings):
    voting.ballot_cast(
        election=election,
        roll_entry=RollEntry.objects.get(election=election, dwelling=dwellings[0]),
        choices=["甲"],
        channel="on_site",
        now=NOW,
    )
    check = run(election, HEADER + "101,乙,on_site,\n")
    assert errors_of(check) == [(2, "dwelling")]
    assert "already voted" in check.errors[0].message


def test_a_gbk_file_with_chinese_headers_imports(election, staff):
    # given a CSV saved by Excel on a Chinese Windows: GBK, Chinese headers, full-width ；
    text = "户号,选票,渠道,代理人\n101,甲；乙,入户,\n102,,现场,\n103,丙,on_site,\n"

    # when
    count = ballot_import.ballot_import(
        election=election, data=text.encode("gbk"), filename="选票.csv", user=staff
    )

    # then
    assert count == 3
    stored = dict(Ballot.objects.values_list("roll_entry__dwelling__code", "choices"))
    assert stored == {"101": ["甲", "乙"], "102": [], "103": ["丙"]}
    assert set(Ballot.objects.values_list("channel", flat=True)) == {"door_to_door", "on_site"}
    assert set(Ballot.objects.values_list("entered_by", flat=True)) == {staff.pk}
    log = ElectionLogEntry.objects.get(action="ballots_imported")
    assert log.detail["ballots"] == 3


def test_undecodable_bytes_are_a_file_error(election):
    check = ballot_import.ballot_file_check(
        election=election, data=HEADER.encode() + b"\xff\xfe\x00\x81", filename="b.csv"
    )
    assert errors_of(check) == [(None, "")]
    assert "neither UTF-8 nor GBK" in check.errors[0].message


def test_an_xlsx_file_imports_with_a_proxy(election, dwellings, staff):
    # given an authorisation for 李代 on dwelling 102, and a workbook
    ProxyAuthorisation.objects.create(
        roll_entry=RollEntry.objects.get(election=election, dwelling=dwellings[1]),
        proxy_name="李代",
        recorded_by=staff,
    )
    wb = Workbook()
    ws = wb.active
    ws.append(["dwelling", "choices", "channel", "proxy_for"])
    ws.append([101, "甲", "on_site", None])
    ws.append([102.0, "乙", "door_to_door", "李代"])
    buffer = io.BytesIO()
    wb.save(buffer)

    # when
    count = ballot_import.ballot_import(
        election=election, data=buffer.getvalue(), filename="b.xlsx", user=staff
    )

    # then
    assert count == 2
    assert Ballot.objects.get(roll_entry__dwelling=dwellings[1]).proxy.proxy_name == "李代"


def test_repeated_codes_need_the_building_unit_dwelling_form(compound_b, staff):
    # given dwelling 101 in two units of one building
    building = factories.BuildingFactory(compound=compound_b, code="3号楼")
    for unit_code in ("1单元", "2单元"):
        factories.DwellingFactory(
            unit=factories.UnitFactory(building=building, code=unit_code), code="101"
        )
    election = voting_election(compound_b, staff)

    # when
    ambiguous = run(election, HEADER + "101,甲,on_site,\n")
    precise = run(election, HEADER + "3号楼/2单元/101,甲,on_site,\n")

    # then
    assert errors_of(ambiguous) == [(2, "dwelling")]
    assert "building/unit/dwelling" in ambiguous.errors[0].message
    assert precise.is_valid


def test_a_motion_file_takes_yes_no_abstain(compound_a, dwellings, staff):
    motion = voting_election(compound_a, staff, motion=True)
    check = run(motion, HEADER + "101,同意,on_site,\n102,NO,on_site,\n103,甲,on_site,\n")
    assert errors_of(check) == [(4, "choices")]
    assert [r.choices for r in check.rows] == [["yes"], ["no"]]


def test_missing_columns_are_reported_on_the_header_row(election):
    check = run(election, "dwelling,colour\n101,red\n")
    assert errors_of(check) == [(1, ""), (1, "choices"), (1, "channel")]
    # The unknown column by its header and letter; the missing ones by a header they may take.
    with translation.override("en"):
        shown = [(e.column, e.message) for e in ballot_import.described(check.errors)]
    assert shown[0][0] == "column B (colour)"
    assert [column for column, _ in shown[1:]] == ["column choices", "column channel"]


def test_the_columns_are_named_in_the_readers_language_and_each_name_is_taken(election):
    with translation.override("zh-hans"):
        check = run(election, "房屋编号,颜色\n101,红\n")
        labels = ballot_import.column_labels()
    assert labels == ["户号", "选票", "投票方式", "代理人"]
    assert "户号, 选票, 投票方式, 代理人" in check.errors[0].message
    with translation.override("en"):
        assert ballot_import.column_labels() == ["dwelling", "choices", "channel", "proxy_for"]
    # Every name the page gives is a header the import accepts.
    assert run(election, ",".join(labels) + "\n101,甲,现场,\n").is_valid


def test_errors_name_the_column_as_the_file_wrote_it_in_the_readers_language(election):
    check = run(election, "户号,选票,投票方式,代理人\n101,丁,现场,\n")
    assert [(e.header, e.letter) for e in check.errors] == [("选票", "B")]
    with translation.override("en"):
        (line,) = ballot_import.described(check.errors)
        assert str(line).startswith("row 2, column B (选票): ")
    with translation.override("zh-hans"):
        (line,) = ballot_import.described(check.errors)
        expected = translation.gettext("row %(row)d, %(column)s") % {
            "row": 2,
            "column": translation.gettext("column %(letter)s (%(name)s)")
            % {"letter": "B", "name": "选票"},
        }
        assert line.where == expected


def test_import_outside_the_voting_window_is_refused(election):
    with time_machine.travel(election.voting_closes_at, tick=False):
        check = run(election, HEADER + "101,甲,on_site,\n")
    assert errors_of(check) == [(None, "")]
    assert "closed" in check.errors[0].message


def test_import_ballots_command(election, tmp_path, staff):
    # given a bad file and a good one
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "101,丁,on_site,\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "101,甲,on_site,\n", encoding="utf-8")
    err = io.StringIO()

    # when / then the bad one is refused with its row and column
    with pytest.raises(CommandError), translation.override("en"):
        call_command("import_ballots", str(election.pk), str(bad), stderr=err)
    assert "row 2, column B (choices)" in err.getvalue()
    assert not Ballot.objects.exists()

    # and the good one imports
    out = io.StringIO()
    call_command(
        "import_ballots", str(election.pk), str(good), "--user", staff.username, stdout=out
    )
    assert "1 ballots imported" in out.getvalue()
    assert Ballot.objects.get().entered_by == staff
