"""The meeting and regulation pages: every view for every role, wrong ids, the forms end to end,
and query budgets at 10 and 1,000 rows."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from campaigns import meetings as meeting_services
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

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
    "superuser",
]
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False)


def en_url(name: str, *args) -> str:
    """The English page, so assertions on wording hold once the Chinese catalog is filled."""
    with translation.override("en"):
        return reverse(f"campaigns:{name}", args=args)


def en(message, **params) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@dataclass
class World:
    promotion: Meeting
    joint: Meeting
    elsewhere: Meeting
    decision: MeetingDecision
    regulation: Regulation
    version: RegulationVersion
    opinion: RegulationOpinion
    regulation_elsewhere: Regulation


@pytest.fixture
def world(community, other_community, compound_a, compound_b) -> World:
    promotion = Meeting.objects.create(
        community=community, kind="promotion", held_on=dt.date(2026, 3, 4), title="动员部署会"
    )
    joint = Meeting.objects.create(
        community=community, kind="joint", held_on=dt.date(2026, 3, 25), title="物管联席会议"
    )
    joint.minutes.save("m.pdf", ContentFile(PDF))
    elsewhere = Meeting.objects.create(
        community=other_community, kind="joint", held_on=dt.date(2026, 3, 25), title="他处联席会议"
    )
    decision = MeetingDecision.objects.create(
        meeting=promotion, text="签订目标责任书", responsible="城管办", due_on=dt.date(2026, 4, 1)
    )
    regulation = Regulation.objects.create(community=community, code="c", title="小区居民公约")
    version = RegulationVersion.objects.create(
        regulation=regulation,
        number=1,
        adopted_on=dt.date(2020, 6, 20),
        effective_on=dt.date(2020, 6, 21),
        summary="增加楼道杂物条款",
    )
    version.compounds.set([compound_a])
    version.file.save("v.pdf", ContentFile(PDF))
    opinion = RegulationOpinion.objects.create(
        version=version, received_on=dt.date(2020, 6, 1), opinion="建议写清楚清运办法"
    )
    regulation_elsewhere = Regulation.objects.create(
        community=other_community, code="c", title="他处公约"
    )
    return World(
        promotion, joint, elsewhere, decision, regulation, version, opinion, regulation_elsewhere
    )


def login(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


# (view, object, expected status per role in ROLES order)
READ = "302 403 200 200 200 200 200 200"
EDIT_PAGE = "302 403 403 403 403 200 200 200"
TABLE = [
    ("meeting_list", None, READ),
    ("meeting_counts", None, "200 200 200 200 200 200 200 200"),
    ("meeting_detail", "promotion", "302 403 404 404 200 200 404 200"),
    ("meeting_detail", "joint", "302 403 200 200 200 200 404 200"),
    ("meeting_detail", "elsewhere", "302 403 404 404 404 404 200 200"),
    ("meeting_minutes", "joint", "302 403 200 200 200 200 404 200"),
    ("meeting_minutes", "promotion", "302 403 404 404 404 404 404 404"),  # no file
    ("meeting_create", None, EDIT_PAGE),
    ("meeting_update", "promotion", "302 403 404 404 403 200 404 200"),
    ("meeting_update", "joint", "302 403 403 403 403 200 404 200"),
    ("regulation_list", None, "200 200 200 200 200 200 200 200"),
    ("regulation_detail", "regulation", "200 200 200 200 200 200 200 200"),
    ("regulation_create", None, EDIT_PAGE),
    ("regulation_update", "regulation", "302 403 403 403 403 200 404 200"),
    ("regulation_update", "regulation_elsewhere", "302 403 404 404 404 404 200 200"),
    ("version_create", "regulation", "302 403 403 403 403 200 404 200"),
    ("version_update", "version", "302 403 403 403 403 200 404 200"),
    ("version_file", "version", "302 403 200 200 200 200 404 200"),
    ("opinion_create", "version", "302 403 403 403 403 200 404 200"),
    ("opinion_answer", "opinion", "302 403 403 403 403 200 404 200"),
]


@pytest.mark.parametrize(("view", "obj", "expected"), TABLE)
@pytest.mark.parametrize("role", ROLES)
def test_every_view_for_every_role(request, client, world, view, obj, expected, role):
    # given
    login(client, request, role)
    args = [getattr(world, obj).pk] if obj else []

    # when
    response = client.get(en_url(view, *args))

    # then
    assert response.status_code == int(expected.split()[ROLES.index(role)]), response


@pytest.mark.parametrize(
    "view",
    [
        "meeting_detail",
        "meeting_update",
        "meeting_minutes",
        "regulation_update",
        "version_create",
        "version_update",
        "version_file",
        "opinion_create",
        "opinion_answer",
    ],
)
def test_wrong_ids_answer_404(client, staff, world, view):
    # given
    client.force_login(staff)

    # when
    response = client.get(en_url(view, 999_999))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("resident", 403),
        ("company_user_a", 404),
        ("committee_member_a", 404),
        ("grid_worker", 403),
        ("other_staff", 404),
        ("staff", 302),
        ("superuser", 302),
    ],
)
def test_marking_a_decision_done_is_for_staff(request, client, world, role, expected):
    # given
    login(client, request, role)

    # when
    response = client.post(en_url("decision_mark", world.decision.pk), {"done_on": "2026-11-20"})

    # then
    assert response.status_code == expected
    world.decision.refresh_from_db()
    done = expected == 302 and role != "anonymous"
    assert world.decision.done_on == (dt.date(2026, 11, 20) if done else None)


def test_a_company_user_lists_joint_meetings_only(client, company_user_a, world):
    # given
    client.force_login(company_user_a)

    # when
    content = client.get(en_url("meeting_list")).content.decode()

    # then
    assert "物管联席会议" in content
    assert "动员部署会" not in content
    assert "他处联席会议" not in content


@pytest.mark.parametrize(
    ("role", "sees_opinions"),
    [
        ("anonymous", False),
        ("resident", False),
        ("other_staff", False),
        ("company_user_a", True),
        ("committee_member_a", True),
        ("grid_worker", True),
        ("staff", True),
    ],
)
def test_the_public_sees_versions_and_adopters_but_not_opinions_or_files(
    request, client, world, role, sees_opinions
):
    # given
    login(client, request, role)

    # when
    content = client.get(en_url("regulation_detail", world.regulation.pk)).content.decode()

    # then: versions, dates and adopting compounds for everyone
    assert "21 Jun 2020" in content
    assert "甲小区" in content
    assert ("建议写清楚清运办法" in content) is sees_opinions
    assert (en_url("version_file", world.version.pk) in content) is sees_opinions


def test_the_counts_page_shows_counts_only(client, world):
    # when
    response = client.get(en_url("meeting_counts"), {"by": "quarter"})

    # then
    content = response.content.decode()
    assert 'data-period="2026-Q1"' in content
    assert "物管联席会议" not in content


# Forms end to end --------------------------------------------------------------------------------


def _meeting_post(**overrides) -> dict:
    data = {
        "kind": "joint",
        "held_on": "2026-11-20",
        "title": "第四季度物管联席会议",
        "agenda": "停车",
        "attendance-TOTAL_FORMS": "2",
        "attendance-INITIAL_FORMS": "0",
        "attendance-0-organisation": "community",
        "attendance-0-name": "城管办",
        "attendance-0-persons": "4",
        "attendance-1-organisation": "",
        "attendance-1-persons": "",
        "decisions-TOTAL_FORMS": "1",
        "decisions-INITIAL_FORMS": "0",
        "decisions-0-text": "划定停车位",
        "decisions-0-responsible": "物业",
        "decisions-0-due_on": "2026-12-15",
    }
    data.update(overrides)
    return data


def test_staff_record_a_meeting_with_its_minutes(client, staff, community, settings):
    # given
    client.force_login(staff)
    minutes = SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")

    # when
    response = client.post(en_url("meeting_create"), {**_meeting_post(), "minutes": minutes})

    # then
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == en_url("meeting_detail", meeting.pk)
    assert meeting.community == community
    assert list(meeting.attendance.values_list("persons", flat=True)) == [4]
    assert meeting.decisions.get().due_on == dt.date(2026, 12, 15)
    assert meeting.minutes.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": "2026-11-28"}, meeting_services.MEETING_IN_FUTURE),
        ({"attendance-0-persons": "-3"}, meeting_services.PERSONS_NEGATIVE),
        ({"minutes": ("x.pdf", b"not a pdf at all")}, uploads.DOCUMENT_BAD_TYPE),
        ({"decisions-0-due_on": "2026-11-01"}, meeting_services.DECISION_DUE_BEFORE_MEETING),
    ],
)
def test_bad_meeting_input_shows_a_clear_error_and_saves_nothing(
    client, staff, community, settings, overrides, message
):
    # given
    client.force_login(staff)
    data = _meeting_post(**{k: v for k, v in overrides.items() if k != "minutes"})
    if "minutes" in overrides:
        name, content = overrides["minutes"]
        data["minutes"] = SimpleUploadedFile(name, content)

    # when
    response = client.post(en_url("meeting_create"), data)

    # then
    assert response.status_code == 400
    assert en(message) in response.content.decode()
    assert Meeting.objects.count() == MeetingAttendance.objects.count() == 0
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.*")))


@pytest.mark.parametrize(
    ("held_on", "saved"),
    [
        ("1999-12-31", False),  # one day before the earliest
        ("2000-01-01", True),  # the earliest
        ("2026-11-27", True),  # today
        ("2026-11-28", False),  # tomorrow
    ],
)
def test_the_meeting_date_is_between_2000_and_today(client, staff, community, held_on, saved):
    # given: a decision due after any of these days
    client.force_login(staff)
    data = _meeting_post(held_on=held_on, **{"decisions-0-due_on": "2026-12-15"})

    # when
    response = client.post(en_url("meeting_create"), data)

    # then
    assert response.status_code == (302 if saved else 400)
    assert Meeting.objects.count() == int(saved)
    assert MeetingAttendance.objects.count() == MeetingDecision.objects.count() == int(saved)
    if not saved:
        assert "held_on" in response.context["form"].errors


def test_the_meeting_date_input_offers_2000_to_today(client, staff, community):
    client.force_login(staff)
    html = str(client.get(en_url("meeting_create")).context["form"]["held_on"])
    assert 'min="2000-01-01"' in html
    assert 'max="2026-11-27"' in html


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"attendance-0-persons": "0"}, id="nobody-in-the-row"),
        pytest.param(
            {"attendance-0-organisation": "", "attendance-0-name": "", "attendance-0-persons": ""},
            id="no-row",
        ),
    ],
)
def test_a_meeting_nobody_attended_is_refused_on_the_attendance(
    client, staff, community, overrides
):
    # given
    client.force_login(staff)

    # when
    response = client.post(en_url("meeting_create"), _meeting_post(**overrides))

    # then: said in the attendance fieldset (and in the summary at the top), nothing saved
    assert response.status_code == 400
    said = [en(m) for m in response.context["attendance"].non_form_errors()]
    assert said == [en(meeting_services.NO_ATTENDANCE)]
    html = response.content.decode()
    assert html.index('id="form-errors"') < html.index('id="attendance"')
    assert en(meeting_services.NO_ATTENDANCE) in html.split('id="form-errors"', 1)[1]
    assert Meeting.objects.count() == MeetingAttendance.objects.count() == 0
    assert MeetingDecision.objects.count() == 0


@pytest.mark.parametrize(
    "row",
    [
        {"decisions-0-responsible": "物业", "decisions-0-due_on": "2026-12-15"},
        {"decisions-0-done_on": "2026-11-25"},
    ],
)
def test_a_decision_row_without_its_text_is_an_error_on_that_row(client, staff, community, row):
    # given: the row's person or dates are filled, the decision is not
    client.force_login(staff)
    data = _meeting_post(
        **{"decisions-0-text": "", "decisions-0-responsible": "", "decisions-0-due_on": ""}
    )
    data.update(row)

    # when
    response = client.post(en_url("meeting_create"), data)

    # then
    assert response.status_code == 400
    errors = response.context["decisions"].forms[0].errors
    assert [en(m) for m in errors["text"]] == [en(meeting_services.DECISION_TEXT_REQUIRED)]
    assert 'href="#id_decisions-0-text"' in response.content.decode()
    assert Meeting.objects.count() == MeetingAttendance.objects.count() == 0
    assert MeetingDecision.objects.count() == 0


def test_a_meeting_sent_twice_is_saved_once(client, staff, community):
    # given: the form as the page gave it, with its one-time token
    client.force_login(staff)
    html = client.get(en_url("meeting_create")).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', html).group(1)
    data = _meeting_post(once=token)

    # when: Save is pressed twice
    first = client.post(en_url("meeting_create"), data)
    second = client.post(en_url("meeting_create"), data)

    # then: one meeting; the second answer goes to its page
    meeting = Meeting.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == en_url("meeting_detail", meeting.pk)
    assert MeetingAttendance.objects.count() == MeetingDecision.objects.count() == 1


def test_the_edit_form_carries_no_one_time_token(client, staff, world):
    client.force_login(staff)
    html = client.get(en_url("meeting_update", world.promotion.pk)).content.decode()
    assert 'name="once"' not in html


def test_an_oversized_photo_of_the_minutes_is_refused(client, staff, community, settings):
    # given
    settings.PHOTO_MAX_BYTES = 1000
    client.force_login(staff)
    out = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(out, "PNG")
    data = {**_meeting_post(), "minutes": SimpleUploadedFile("m.png", out.getvalue())}

    # when
    response = client.post(en_url("meeting_create"), data)

    # then
    assert response.status_code == 400
    assert (
        "at most 1,000" in response.content.decode() or "at most 1000" in response.content.decode()
    )
    assert Meeting.objects.count() == 0


def test_staff_edit_a_meeting_and_mark_its_decision_done(client, staff, world):
    # given
    client.force_login(staff)
    url = en_url("meeting_update", world.promotion.pk)
    form = client.get(url)
    assert form.status_code == 200
    data = _meeting_post(
        kind="promotion",
        held_on="2026-03-04",
        title="动员部署会（修订）",
        **{
            "decisions-TOTAL_FORMS": "1",
            "decisions-INITIAL_FORMS": "1",
            "decisions-0-pk": str(world.decision.pk),
            "decisions-0-text": "签订目标责任书",
            "decisions-0-responsible": "城管办",
            "decisions-0-due_on": "2026-04-01",
            "decisions-0-done_on": "2026-03-30",
        },
    )

    # when
    response = client.post(url, data)

    # then
    assert response.status_code == 302
    world.promotion.refresh_from_db()
    world.decision.refresh_from_db()
    assert world.promotion.title == "动员部署会（修订）"
    assert world.decision.done_on == dt.date(2026, 3, 30)


def test_an_overdue_decision_is_flagged_on_the_meeting_page(client, staff, world):
    # given: due on 2026-04-01, not done, today 2026-11-27
    client.force_login(staff)

    # when
    content = client.get(en_url("meeting_detail", world.promotion.pk)).content.decode()
    listing = client.get(en_url("meeting_list"), {"overdue": "true"}).content.decode()

    # then
    assert "overdue" in content
    assert "动员部署会" in listing
    assert "物管联席会议" not in listing


def test_staff_add_a_version_with_a_file_and_an_opinion(client, staff, world, compound_a):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        en_url("version_create", world.regulation.pk),
        {
            "adopted_on": "2026-06-01",
            "effective_on": "2026-07-01",
            "summary": "增加文明养犬条款",
            "compounds": [compound_a.pk],
            "file": SimpleUploadedFile("v2.pdf", PDF),
        },
    )
    version = world.regulation.versions.get(number=2)
    answer = client.post(
        en_url("opinion_create", version.pk),
        {
            "received_on": "2026-05-20",
            "opinion": "赞成",
            "answer": "谢谢",
            "answered_on": "2026-05-21",
        },
    )

    # then
    assert response.status_code == answer.status_code == 302
    assert version.file.name.endswith(".pdf")
    assert list(version.compounds.all()) == [compound_a]
    assert version.opinions.get().answer == "谢谢"


def test_a_version_adopted_in_the_future_is_refused_on_the_page(client, staff, world):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        en_url("version_create", world.regulation.pk),
        {"adopted_on": "2026-12-01", "effective_on": "2026-12-01"},
    )

    # then
    from campaigns.regulations import VERSION_ADOPTED_IN_FUTURE

    assert response.status_code == 400
    assert en(VERSION_ADOPTED_IN_FUTURE) in response.content.decode()
    assert world.regulation.versions.count() == 1


# Query budgets -----------------------------------------------------------------------------------


def _bulk_meetings(community, n: int) -> None:
    start = Meeting.objects.count()
    meetings = Meeting.objects.bulk_create(
        Meeting(
            community=community,
            kind=Meeting.Kind.values[i % 4],
            held_on=dt.date(2020, 1, 1) + dt.timedelta(days=i % 2000),
            title=f"会议{i}",
        )
        for i in range(start, start + n)
    )
    MeetingAttendance.objects.bulk_create(
        MeetingAttendance(meeting=m, organisation="community", persons=3) for m in meetings
    )
    MeetingDecision.objects.bulk_create(
        MeetingDecision(meeting=m, text="决定", responsible="物业", due_on=dt.date(2020, 1, 2))
        for m in meetings
    )


def _bulk_regulations(community, compound, n: int) -> None:
    start = Regulation.objects.count()
    regulations = Regulation.objects.bulk_create(
        Regulation(community=community, code=f"r{i}", title=f"制度{i}")
        for i in range(start, start + n)
    )
    versions = RegulationVersion.objects.bulk_create(
        RegulationVersion(
            regulation=r, number=1, adopted_on=dt.date(2020, 1, 1), effective_on=dt.date(2020, 1, 1)
        )
        for r in regulations
    )
    RegulationVersion.compounds.through.objects.bulk_create(
        RegulationVersion.compounds.through(regulationversion=v, compound=compound)
        for v in versions
    )


@pytest.mark.parametrize(
    ("role", "name", "bulk"),
    [
        ("staff", "meeting_list", "meetings"),
        ("grid_worker", "meeting_list", "meetings"),
        ("staff", "meeting_counts", "meetings"),
        ("staff", "regulation_list", "regulations"),
        ("anonymous", "regulation_list", "regulations"),
    ],
)
def test_list_pages_run_the_same_queries_at_10_and_1000_rows(
    request, client, community, compound_a, role, name, bulk
):
    # given
    login(client, request, role)
    counts = []
    for size in (10, 1000):
        if bulk == "meetings":
            _bulk_meetings(community, size - Meeting.objects.count())
        else:
            _bulk_regulations(community, compound_a, size - Regulation.objects.count())
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url(name))
        assert response.status_code == 200
        counts.append(len(queries))

    # then
    model = Meeting if bulk == "meetings" else Regulation
    assert model.objects.count() == 1000
    assert counts[0] == counts[1]


@pytest.mark.parametrize(("role", "offered"), [("staff", True), ("grid_worker", False)])
@pytest.mark.parametrize("view", ["campaigns:meeting_list", "campaigns:regulation_list"])
def test_the_campaigns_menu_offers_disorders_to_staff_on_meeting_pages(
    request, client, world, role, offered, view
):
    login(client, request, role)
    html = client.get(reverse(view)).content.decode()
    assert (reverse("campaigns:disorder_index") in html) == offered
