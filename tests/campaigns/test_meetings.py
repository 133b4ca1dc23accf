"""Meetings, decisions and the regulations library: the services' rules and refusals, counts by
kind and period, and the "regulations revised" rule."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from campaigns import meetings, regulations
from campaigns import selectors_meetings as selectors
from campaigns.models import (
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Regulation,
    RegulationOpinion,
    RegulationVersion,
)
from tests import factories
from tongde import uploads
from tongde.periods import PeriodKind, parse_period

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared in English, so the tests hold once the Chinese catalog is filled.
    with translation.override("en"):
        yield


def en(message, **params) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes(*, with_document: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "minutes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# A meeting somebody attended: every meeting needs one such row.
ATTENDED = ({"organisation": "community", "name": "城管办", "persons": 3},)


def meeting_data(**overrides) -> dict:
    return {
        "kind": Meeting.Kind.JOINT,
        "held_on": dt.date(2026, 11, 20),
        "title": "物管联席会议",
        "agenda": "停车秩序",
        **overrides,
    }


# Meetings ----------------------------------------------------------------------------------------


def test_a_meeting_is_recorded_with_attendance_decisions_and_minutes(community, staff, settings):
    # when
    meeting = meetings.meeting_create(
        community=community,
        data=meeting_data(),
        attendance=[
            {"organisation": "community", "name": "城管办", "persons": 3},
            {"organisation": "company", "name": "甲物业", "persons": 2},
            {"organisation": "committee", "name": "", "persons": None},  # an empty row
        ],
        decisions=[
            {"text": "划定临时停车位", "responsible": "甲物业", "due_on": dt.date(2026, 12, 1)},
            {"text": "", "responsible": ""},  # an empty row
        ],
        minutes=upload(pdf_bytes(), "张三的会议纪要.pdf"),
        user=staff,
    )

    # then
    meeting.refresh_from_db()
    assert meeting.recorded_by == staff
    assert sorted(meeting.attendance.values_list("organisation", "persons")) == [
        ("community", 3),
        ("company", 2),
    ]
    assert list(meeting.decisions.values_list("text", flat=True)) == ["划定临时停车位"]
    # stored under a random name: the uploader's file name (with a person's name) is gone
    assert meeting.minutes.name.endswith(".pdf")
    assert "张三" not in meeting.minutes.name
    assert len(media_files(settings)) == 1


@pytest.mark.parametrize(
    ("data", "minutes_name"),
    [
        (pdf_bytes(), "pdf"),
        (docx_bytes(), "docx"),
        (png_bytes(), "png"),
    ],
)
def test_minutes_are_accepted_by_content(community, staff, data, minutes_name):
    # when: the file's name says nothing true about it
    meeting = meetings.meeting_create(
        community=community,
        data=meeting_data(),
        attendance=ATTENDED,
        minutes=upload(data, "x.txt"),
        user=staff,
    )

    # then
    assert meeting.minutes.name.endswith("." + minutes_name)


@pytest.mark.parametrize(
    ("overrides", "kwargs", "field", "message"),
    [
        ({"held_on": TODAY + dt.timedelta(days=1)}, {}, "held_on", meetings.MEETING_IN_FUTURE),
        ({"title": "  "}, {}, "title", meetings.MEETING_TITLE_REQUIRED),
        (
            {},
            {"attendance": [{"organisation": "community", "name": "", "persons": -1}]},
            "attendance",
            meetings.PERSONS_NEGATIVE,
        ),
        (
            {},
            {
                "decisions": [
                    {"text": "清理", "responsible": "物业", "due_on": dt.date(2026, 11, 19)}
                ]
            },
            "decisions",
            meetings.DECISION_DUE_BEFORE_MEETING,
        ),
        (
            {},
            {
                "decisions": [
                    {"text": "清理", "responsible": "物业", "done_on": TODAY + dt.timedelta(1)}
                ]
            },
            "decisions",
            meetings.DECISION_DONE_IN_FUTURE,
        ),
        (
            {},
            {"decisions": [{"text": "清理", "responsible": " "}]},
            "decisions",
            meetings.DECISION_RESPONSIBLE_REQUIRED,
        ),
        ({}, {"minutes": b"just some text"}, None, uploads.DOCUMENT_BAD_TYPE),
        ({}, {"minutes": b""}, None, uploads.DOCUMENT_EMPTY),
        ({}, {"minutes": docx_bytes(with_document=False)}, None, uploads.DOCUMENT_BAD_TYPE),
        ({}, {"minutes": b"PK\x03\x04 not really a zip"}, None, uploads.DOCUMENT_BAD_TYPE),
        ({}, {"minutes": b"\x89PNG\r\n\x1a\n truncated"}, None, uploads.DOCUMENT_BAD_TYPE),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    community, staff, settings, overrides, kwargs, field, message
):
    # given
    if "minutes" in kwargs:
        kwargs = {**kwargs, "minutes": upload(kwargs["minutes"])}

    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(
            community=community,
            data=meeting_data(**overrides),
            user=staff,
            **{"attendance": ATTENDED, **kwargs},
        )

    # then
    if field is not None:
        assert en(message) in [en(m) for m in caught.value.message_dict[field]]
    else:
        assert en(message) in [en(m) for m in caught.value.messages]
    assert Meeting.objects.count() == 0
    assert MeetingAttendance.objects.count() == MeetingDecision.objects.count() == 0
    assert media_files(settings) == []


@pytest.mark.parametrize(
    "attendance",
    [
        pytest.param((), id="no-row"),
        pytest.param(
            [{"organisation": "community", "name": "", "persons": None}], id="rows-without-persons"
        ),
        pytest.param(
            [
                {"organisation": "community", "name": "", "persons": 0},
                {"organisation": "company", "name": "甲物业", "persons": 0},
            ],
            id="nobody-in-any-row",
        ),
    ],
)
def test_a_meeting_nobody_attended_is_refused(community, staff, attendance):
    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(
            community=community,
            data=meeting_data(),
            attendance=attendance,
            decisions=[{"text": "清理", "responsible": "物业"}],
            user=staff,
        )

    # then
    assert [en(m) for m in caught.value.message_dict["attendance"]] == [en(meetings.NO_ATTENDANCE)]
    assert Meeting.objects.count() == 0
    assert MeetingAttendance.objects.count() == MeetingDecision.objects.count() == 0


def test_an_update_cannot_empty_the_attendance(community, staff):
    # given
    meeting = meetings.meeting_create(
        community=community, data=meeting_data(), attendance=ATTENDED, user=staff
    )

    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_update(
            meeting=meeting, data=meeting_data(title="改"), attendance=[], user=staff
        )

    # then
    assert "attendance" in caught.value.message_dict
    meeting.refresh_from_db()
    assert meeting.title == "物管联席会议"
    assert list(meeting.attendance.values_list("persons", flat=True)) == [3]


@pytest.mark.parametrize(
    "row",
    [
        {"text": "", "responsible": "物业", "due_on": dt.date(2026, 12, 1)},
        {"text": "  ", "responsible": "物业"},
        {"text": "", "responsible": "", "done_on": dt.date(2026, 11, 25)},
    ],
)
def test_a_decision_row_without_its_text_is_refused_not_dropped(community, staff, row):
    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(
            community=community,
            data=meeting_data(),
            attendance=ATTENDED,
            decisions=[{"text": "清理", "responsible": "物业"}, row],
            user=staff,
        )

    # then
    assert en(meetings.DECISION_TEXT_REQUIRED) in [
        en(m) for m in caught.value.message_dict["decisions"]
    ]
    assert Meeting.objects.count() == 0
    assert MeetingDecision.objects.count() == 0


def test_an_oversized_minutes_file_is_refused_with_the_limit(community, staff, settings):
    # given
    settings.PHOTO_MAX_BYTES = 100
    data = pdf_bytes() + b"0" * 100

    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(
            community=community,
            data=meeting_data(),
            attendance=ATTENDED,
            minutes=upload(data),
            user=staff,
        )

    # then
    with translation.override("en"):
        assert "at most 100" in " ".join(caught.value.messages)
    assert Meeting.objects.count() == 0
    assert media_files(settings) == []


def test_the_same_organisation_twice_is_refused(community, staff):
    # when
    with pytest.raises(ValidationError) as caught:
        meetings.meeting_create(
            community=community,
            data=meeting_data(),
            attendance=[
                {"organisation": "company", "name": "甲物业", "persons": 2},
                {"organisation": "company", "name": "甲物业", "persons": 3},
            ],
            user=staff,
        )

    # then
    assert "attendance" in caught.value.message_dict
    assert Meeting.objects.count() == 0


def test_an_update_replaces_attendance_keeps_decisions_by_id_and_swaps_the_minutes(
    community, staff, settings, django_capture_on_commit_callbacks
):
    # given
    meeting = meetings.meeting_create(
        community=community,
        data=meeting_data(),
        attendance=[{"organisation": "community", "name": "", "persons": 3}],
        decisions=[
            {"text": "甲", "responsible": "物业", "due_on": dt.date(2026, 12, 1)},
            {"text": "乙", "responsible": "业委会"},
        ],
        minutes=upload(pdf_bytes()),
        user=staff,
    )
    first, second = meeting.decisions.order_by("pk")
    old_minutes = meeting.minutes.name

    # when
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_update(
            meeting=meeting,
            data=meeting_data(title="物管联席会议（第二次）"),
            attendance=[{"organisation": "owners", "name": "", "persons": 12}],
            decisions=[
                {
                    "pk": first.pk,
                    "text": "甲",
                    "responsible": "物业",
                    "due_on": dt.date(2026, 12, 1),
                    "done_on": dt.date(2026, 11, 25),
                },
                {"text": "丙", "responsible": "社区"},
            ],
            minutes=upload(docx_bytes()),
            user=staff,
        )

    # then
    meeting.refresh_from_db()
    assert meeting.title == "物管联席会议（第二次）"
    assert list(meeting.attendance.values_list("organisation", "persons")) == [("owners", 12)]
    decisions = {d.text: d for d in meeting.decisions.all()}
    assert set(decisions) == {"甲", "丙"}
    assert decisions["甲"].pk == first.pk
    assert decisions["甲"].done_on == dt.date(2026, 11, 25)
    assert not MeetingDecision.objects.filter(pk=second.pk).exists()
    assert meeting.minutes.name.endswith(".docx")
    # the replaced file is gone from the disk, the new one is there
    names = {p.name for p in media_files(settings)}
    assert names == {meeting.minutes.name.rsplit("/", 1)[-1]}
    assert old_minutes.rsplit("/", 1)[-1] not in names


@pytest.mark.parametrize(
    ("done_on", "ok"),
    [
        (dt.date(2026, 11, 19), False),  # before the meeting
        (dt.date(2026, 11, 20), True),  # the meeting's day
        (TODAY, True),
        (TODAY + dt.timedelta(days=1), False),  # in the future
        (None, True),  # undone again
    ],
)
def test_a_decision_is_marked_done_between_the_meeting_and_today(community, staff, done_on, ok):
    # given
    meeting = meetings.meeting_create(
        community=community,
        data=meeting_data(),
        attendance=ATTENDED,
        decisions=[{"text": "清理楼道", "responsible": "物业"}],
        user=staff,
    )
    decision = meeting.decisions.get()

    # when / then
    if ok:
        meetings.decision_mark(decision=decision, done_on=done_on, user=staff)
        decision.refresh_from_db()
        assert decision.done_on == done_on
    else:
        with pytest.raises(ValidationError):
            meetings.decision_mark(decision=decision, done_on=done_on, user=staff)
        decision.refresh_from_db()
        assert decision.done_on is None


def test_overdue_decisions_are_counted_per_meeting(community, staff):
    # given: due yesterday and open (overdue), due today and open (not yet), done late (not)
    meeting = meetings.meeting_create(
        community=community,
        data=meeting_data(),
        attendance=ATTENDED,
        decisions=[
            {"text": "甲", "responsible": "物业", "due_on": TODAY - dt.timedelta(days=1)},
            {"text": "乙", "responsible": "物业", "due_on": TODAY},
            {
                "text": "丙",
                "responsible": "物业",
                "due_on": dt.date(2026, 11, 21),
                "done_on": dt.date(2026, 11, 26),
            },
        ],
        user=staff,
    )

    # when
    row = selectors.annotate_meetings(Meeting.objects.filter(pk=meeting.pk), today=TODAY).get()

    # then
    assert (row.decision_count, row.open_decisions, row.overdue_decisions) == (3, 2, 1)


def _meeting(community, kind: str, held_on: dt.date) -> Meeting:
    return Meeting.objects.create(community=community, kind=kind, held_on=held_on, title="会")


def test_counts_by_kind_and_period_add_up_to_the_rows(community, other_community):
    # given
    days = [
        ("promotion", dt.date(2020, 3, 6)),
        ("promotion", dt.date(2020, 3, 31)),
        ("training", dt.date(2020, 4, 1)),
        ("joint", dt.date(2020, 12, 31)),
        ("joint", dt.date(2021, 1, 1)),
        ("study_visit", dt.date(2021, 6, 30)),
    ]
    for kind, day in days:
        _meeting(community, kind, day)
    _meeting(other_community, "joint", dt.date(2020, 5, 5))
    qs = Meeting.objects.filter(community=community)

    # when
    by_year = selectors.meeting_period_counts(qs, kind=PeriodKind.YEAR)
    by_quarter = selectors.meeting_period_counts(qs, kind="quarter")
    by_month = selectors.meeting_period_counts(qs, kind="month")

    # then
    assert [(r["period"].label, r["counts"], r["total"]) for r in by_year] == [
        ("2021", {"promotion": 0, "training": 0, "joint": 1, "study_visit": 1}, 2),
        ("2020", {"promotion": 2, "training": 1, "joint": 1, "study_visit": 0}, 4),
    ]
    assert [(r["period"].label, r["total"]) for r in by_quarter] == [
        ("2021-Q2", 1),
        ("2021-Q1", 1),
        ("2020-Q4", 1),
        ("2020-Q2", 1),
        ("2020-Q1", 2),
    ]
    assert [r["period"].label for r in by_month] == [
        "2021-06",
        "2021-01",
        "2020-12",
        "2020-04",
        "2020-03",
    ]
    for rows in (by_year, by_quarter, by_month):
        assert sum(r["total"] for r in rows) == len(days)
    assert selectors.meeting_counts(community=community, period=parse_period("year", "2020")) == {
        "promotion": 2,
        "training": 1,
        "joint": 1,
        "study_visit": 0,
    }
    assert selectors.meeting_counts(community=community, period=None)["joint"] == 2


def test_counts_are_not_taken_by_week():
    with pytest.raises(ValueError, match="year, quarter or month"):
        selectors.meeting_period_counts(Meeting.objects.all(), kind="week")


# Regulations -------------------------------------------------------------------------------------


def version_data(adopted: dt.date, effective: dt.date | None = None, summary: str = "") -> dict:
    return {"adopted_on": adopted, "effective_on": effective or adopted, "summary": summary}


@pytest.fixture
def regulation(community, staff) -> Regulation:
    return regulations.regulation_create(
        community=community, data={"code": "convention", "title": "小区居民公约"}, user=staff
    )


def test_versions_are_numbered_in_order_and_adopted_by_compounds(
    regulation, compound_a, compound_b, staff
):
    # when
    v1 = regulations.version_create(
        regulation=regulation,
        data=version_data(dt.date(2018, 5, 1)),
        compounds=[compound_a],
        user=staff,
    )
    v2 = regulations.version_create(
        regulation=regulation,
        data=version_data(dt.date(2020, 6, 1), dt.date(2020, 7, 1), "增加文明养犬条款"),
        compounds=[compound_a, compound_b],
        file=upload(pdf_bytes()),
        user=staff,
    )

    # then
    assert (v1.number, v2.number) == (1, 2)
    assert set(v2.compounds.values_list("code", flat=True)) == {"a", "b"}
    assert v2.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("data", "compound_fixture", "field", "message"),
    [
        (
            version_data(TODAY + dt.timedelta(1)),
            None,
            "adopted_on",
            regulations.VERSION_ADOPTED_IN_FUTURE,
        ),
        (
            version_data(dt.date(2020, 6, 1), dt.date(2020, 5, 31)),
            None,
            "effective_on",
            regulations.VERSION_EFFECTIVE_BEFORE_ADOPTED,
        ),
        (version_data(dt.date(2018, 4, 30)), None, "adopted_on", None),  # before v1
        (version_data(dt.date(2020, 6, 1)), "foreign_compound", "compounds", None),
    ],
)
def test_a_bad_version_is_refused_and_nothing_is_saved(
    request, regulation, staff, data, compound_fixture, field, message
):
    # given
    regulations.version_create(regulation=regulation, data=version_data(dt.date(2018, 5, 1)))
    compounds = []
    if compound_fixture:
        other = factories.CommunityFactory()
        compounds = [factories.CompoundFactory(community=other, code="far")]

    # when
    with pytest.raises(ValidationError) as caught:
        regulations.version_create(
            regulation=regulation,
            data=data,
            compounds=compounds,
            file=upload(pdf_bytes()),
            user=staff,
        )

    # then
    assert field in caught.value.message_dict
    if message is not None:
        assert en(message) in [en(m) for m in caught.value.message_dict[field]]
    assert RegulationVersion.objects.count() == 1


def test_a_version_cannot_be_moved_after_the_next_one(regulation, staff):
    # given
    v1 = regulations.version_create(regulation=regulation, data=version_data(dt.date(2018, 5, 1)))
    regulations.version_create(regulation=regulation, data=version_data(dt.date(2020, 6, 1)))

    # when
    with pytest.raises(ValidationError) as caught:
        regulations.version_update(version=v1, data=version_data(dt.date(2020, 7, 1)))

    # then
    assert "adopted_on" in caught.value.message_dict
    v1.refresh_from_db()
    assert v1.adopted_on == dt.date(2018, 5, 1)


def test_a_regulation_code_is_unique_in_its_community(regulation, community, other_community):
    # when
    with pytest.raises(ValidationError) as caught:
        regulations.regulation_create(
            community=community, data={"code": "convention", "title": "另一个"}
        )
    elsewhere = regulations.regulation_create(
        community=other_community, data={"code": "convention", "title": "小区居民公约"}
    )

    # then
    assert en(regulations.REGULATION_CODE_TAKEN) in [
        en(m) for m in caught.value.message_dict["code"]
    ]
    assert elsewhere.pk


@pytest.mark.parametrize(
    ("answer", "answered_on", "field"),
    [
        ("已采纳", dt.date(2020, 5, 9), "answered_on"),  # before it was received
        ("已采纳", TODAY + dt.timedelta(1), "answered_on"),  # in the future
        ("已采纳", None, "answered_on"),  # an answer needs its date
        ("", dt.date(2020, 5, 12), "answer"),  # a date needs its answer
    ],
)
def test_opinions_are_answered_after_they_are_received(regulation, answer, answered_on, field):
    # given
    version = regulations.version_create(
        regulation=regulation, data=version_data(dt.date(2020, 6, 1))
    )
    opinion = regulations.opinion_add(
        version=version,
        data={"received_on": dt.date(2020, 5, 10), "opinion": "建议增加停车条款"},
    )

    # when
    with pytest.raises(ValidationError) as caught:
        regulations.opinion_answer(opinion=opinion, answer=answer, answered_on=answered_on)

    # then
    assert field in caught.value.message_dict
    opinion.refresh_from_db()
    assert (opinion.answer, opinion.answered_on) == ("", None)


def test_an_opinion_with_its_answer(regulation):
    # given
    version = regulations.version_create(
        regulation=regulation, data=version_data(dt.date(2020, 6, 1))
    )

    # when
    opinion = regulations.opinion_add(
        version=version,
        data={
            "received_on": dt.date(2020, 5, 10),
            "opinion": "建议增加停车条款",
            "answer": "已采纳",
            "answered_on": dt.date(2020, 5, 10),
        },
    )
    with pytest.raises(ValidationError):
        regulations.opinion_add(
            version=version, data={"received_on": TODAY + dt.timedelta(1), "opinion": "x"}
        )

    # then
    assert RegulationOpinion.objects.get() == opinion
    assert opinion.answered_on == dt.date(2020, 5, 10)


def _versions(community, code: str, *days: dt.date) -> None:
    regulation = Regulation.objects.create(community=community, code=code, title=code)
    for number, day in enumerate(days, start=1):
        RegulationVersion.objects.create(
            regulation=regulation, number=number, adopted_on=day, effective_on=day
        )


@pytest.mark.parametrize(
    ("days", "revised_2020"),
    [
        ([dt.date(2020, 3, 1)], 0),  # a first version is not a revision
        ([dt.date(2018, 1, 1), dt.date(2020, 1, 1)], 1),  # first day of the year
        ([dt.date(2018, 1, 1), dt.date(2020, 12, 31)], 1),  # last day of the year
        ([dt.date(2018, 1, 1), dt.date(2019, 12, 31)], 0),  # the day before
        ([dt.date(2018, 1, 1), dt.date(2021, 1, 1)], 0),  # the day after
        ([dt.date(2018, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 9, 1)], 1),  # twice: once
    ],
)
def test_a_regulation_counts_as_revised_in_a_year_with_a_version_2_or_later(
    community, days, revised_2020
):
    # given
    _versions(community, "r", *days)

    # when
    count = selectors.regulations_revised(community=community, period=parse_period("year", "2020"))

    # then
    assert count == revised_2020


def test_regulations_revised_counts_regulations_of_the_community_only(community, other_community):
    # given
    _versions(community, "a", dt.date(2018, 1, 1), dt.date(2020, 5, 1))
    _versions(community, "b", dt.date(2018, 1, 1), dt.date(2019, 5, 1))
    _versions(other_community, "a", dt.date(2018, 1, 1), dt.date(2020, 5, 1))

    # when / then
    assert selectors.regulations_revised(community=community, period=None) == 2
    assert (
        selectors.regulations_revised(community=community, period=parse_period("month", "2020-05"))
        == 1
    )


def test_the_meetings_rollup_query_fills_one_row_per_community_and_kind(community, other_community):
    # given
    from tongde.models import Rollup
    from tongde.rollups import Stat, fill_period

    _meeting(community, "joint", dt.date(2020, 3, 25))
    _meeting(community, "joint", dt.date(2020, 8, 12))
    _meeting(community, "training", dt.date(2020, 5, 20))
    _meeting(community, "training", dt.date(2021, 1, 5))  # another year
    _meeting(other_community, "joint", dt.date(2020, 4, 1))
    stat = Stat("test.meetings", "community", selectors.meetings_by_kind, has_dimension=True)

    # when: filled twice, as a re-run would
    fill_period(stat, parse_period("year", "2020"))
    fill_period(stat, parse_period("year", "2020"))

    # then
    rows = Rollup.objects.filter(stat="test.meetings").values_list(
        "subject_id", "dimension", "value"
    )
    assert sorted(rows) == sorted(
        [
            (community.pk, "joint", 2),
            (community.pk, "training", 1),
            (other_community.pk, "joint", 1),
        ]
    )
