"""Scoring pages for every role: staff, grid worker, company of the right and of another company,
committee member, resident, anonymous; wrong ids answer 404 and change nothing; forms end to end
(the version carried by the adjust form, the conflict); query counts at two sizes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from scorecards import reports, scoring
from scorecards.models import (
    Appeal,
    MonthlyReport,
    Publication,
    Scorecard,
    ScorecardReply,
    ScoreDeduction,
    VetoEvent,
)
from tests import factories
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db

LABEL = "2026-09"
ROLES = [
    "anonymous",
    "resident",
    "committee_member_a",
    "grid_worker",
    "company_user_a",
    "company_user_b",
    "staff",
    "other_staff",
]


@pytest.fixture
def world(
    community,
    other_community,
    compound_a,
    compound_b,
    staff,
    grid_worker,
    company_user_a,
    company_user_b,
    committee_member_a,
    resident,
):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "fire_safety", "3", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    card = Scorecard.objects.get(compound=compound_a)
    card.reply_due_on = timezone.localdate()
    card.save()
    reply = ScorecardReply.objects.create(scorecard=card, text="we disagree", by=company_user_a)
    return {
        "community": community,
        "card": card,
        "veto": card.vetoes.get(),
        "reply": reply,
        "anonymous": None,
        "resident": resident,
        "committee_member_a": committee_member_a,
        "grid_worker": grid_worker,
        "company_user_a": company_user_a,
        "company_user_b": company_user_b,
        "staff": staff,
        "other_staff": factories.membership_user("staff", community=other_community),
    }


def _login(client, world, who):
    if world[who] is not None:
        client.force_login(world[who])


def _url(world, name):
    c, card = world["community"], world["card"]
    args = {
        "scoring_home": [],
        "scoring_appeals": [],
        "scoring_month": [c.pk, LABEL],
        "scoring_publish": [c.pk, LABEL],
        "scoring_card": [card.pk],
        "scoring_adjust": [card.pk],
        "scoring_reply": [card.pk],
        "scoring_veto_lift": [world["veto"].pk],
        "scoring_reply_answer": [world["reply"].pk],
    }[name]
    return _en(f"scorecards:{name}", args)


def _en(name, args):
    with translation.override("en"):
        return reverse(name, args=args)


# expected GET status per role, in ROLES order
MATRIX = [
    ("scoring_home", [302, 403, 403, 403, 200, 200, 200, 200]),
    ("scoring_appeals", [302, 403, 403, 403, 200, 200, 200, 200]),
    ("scoring_month", [302, 403, 403, 403, 403, 403, 200, 404]),
    ("scoring_publish", [302, 403, 403, 403, 403, 403, 200, 404]),
    ("scoring_card", [302, 403, 403, 403, 200, 404, 200, 404]),
    ("scoring_adjust", [302, 403, 403, 403, 403, 403, 200, 404]),
    ("scoring_reply", [302, 403, 403, 403, 200, 404, 403, 403]),
    ("scoring_veto_lift", [302, 403, 403, 403, 403, 403, 200, 404]),
    ("scoring_reply_answer", [302, 403, 403, 403, 403, 403, 200, 404]),
]


@pytest.mark.parametrize(("name", "statuses"), MATRIX, ids=[m[0] for m in MATRIX])
def test_every_page_for_every_role(client, world, name, statuses):
    got = []
    for who in ROLES:
        client.logout()
        _login(client, world, who)
        got.append(client.get(_url(world, name)).status_code)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, statuses, strict=True))


def _state(world):
    card = Scorecard.objects.get(pk=world["card"].pk)
    return (
        card.version,
        card.total,
        card.status,
        ScoreDeduction.objects.count(),
        ScorecardReply.objects.count(),
        VetoEvent.objects.filter(is_lifted=True).count(),
        Publication.objects.count(),
    )


@pytest.mark.parametrize(
    ("who", "name", "data"),
    [
        ("company_user_b", "scoring_reply", {"text": "not ours"}),
        ("company_user_b", "scoring_card", {}),
        ("company_user_a", "scoring_adjust", {"points": "5", "reason": "x"}),
        ("grid_worker", "scoring_adjust", {"points": "5", "reason": "x"}),
        ("grid_worker", "scoring_publish", {"confirm": "on"}),
        ("company_user_a", "scoring_veto_lift", {"reason": "x"}),
        ("other_staff", "scoring_veto_lift", {"reason": "x"}),
        ("other_staff", "scoring_publish", {"confirm": "on"}),
        ("company_user_b", "scoring_reply_answer", {"answer": "x"}),
    ],
)
def test_wrong_role_or_company_posting_changes_nothing(client, world, who, name, data):
    before = _state(world)
    _login(client, world, who)
    card = world["card"]
    criterion = card.rubric.criteria.get(code="parking")
    payload = {"version": card.version, "criterion": criterion.pk, **data}
    response = client.post(_url(world, name), payload)
    assert response.status_code in (403, 404, 405)
    assert _state(world) == before


def test_staff_adjusts_through_the_form_and_a_stale_form_gets_a_conflict(client, world):
    card = world["card"]
    criterion = card.rubric.criteria.get(code="parking")
    client.force_login(world["staff"])
    page = client.get(_url(world, "scoring_card"))
    assert f'name="version" value="{card.version}"' in page.content.decode()
    data = {"criterion": criterion.pk, "points": "4", "reason": "cars", "version": card.version}
    response = client.post(_url(world, "scoring_adjust"), data)
    assert response.status_code == 302
    # the second staff member posts from the same page: refused, nothing lost
    other = factories.membership_user("staff", community=world["community"])
    client.force_login(other)
    response = client.post(_url(world, "scoring_adjust"), {**data, "points": "9", "reason": "b"})
    assert response.status_code == 400
    assert "Someone changed this scorecard" in response.content.decode()
    assert list(
        ScoreDeduction.objects.filter(source="adjustment").values_list("points", "reason")
    ) == [(Decimal(4), "cars")]


def test_adjust_without_a_reason_is_a_clear_error(client, world):
    card = world["card"]
    client.force_login(world["staff"])
    before = _state(world)
    response = client.post(
        _url(world, "scoring_adjust"),
        {"criterion": card.rubric.criteria.first().pk, "points": "2", "version": card.version},
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert _state(world) == before


@pytest.mark.parametrize("page", ["scoring_card", "scoring_reply"])
def test_a_reply_sent_twice_is_stored_once(client, world, page):
    client.force_login(world["company_user_a"])
    form = client.get(_url(world, page)).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', form).group(1)
    data = {"text": "the accident was not ours", "once": token}
    first = client.post(_url(world, "scoring_reply"), data)
    second = client.post(_url(world, "scoring_reply"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert world["card"].replies.filter(text="the accident was not ours").count() == 1
    assert world["card"].replies.count() == 2


def test_company_replies_and_staff_publish_and_the_company_appeals(client, world):
    client.force_login(world["company_user_a"])
    response = client.post(_url(world, "scoring_reply"), {"text": "the accident was not ours"})
    assert response.status_code == 302
    assert world["card"].replies.count() == 2
    client.force_login(world["staff"])
    response = client.get(_url(world, "scoring_publish"))
    assert "2 draft scorecards will be published" in response.content.decode()
    # the reply waiting for an answer is named before publishing
    unanswered = response.context["unanswered"]
    assert [r.text for r in unanswered] == [
        r.text for r in world["card"].replies.filter(answered_at__isnull=True)
    ]
    assert "the accident was not ours" in response.content.decode()
    assert client.post(_url(world, "scoring_publish"), {}).status_code == 400
    assert not Publication.objects.exists()
    # the reply window is still open (until today): publishing needs the extra confirmation
    response = client.post(_url(world, "scoring_publish"), {"confirm": "on"})
    assert response.status_code == 400
    assert not Publication.objects.exists()
    response = client.post(_url(world, "scoring_publish"), {"confirm": "on", "early": "on"})
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert client.get(response.url).status_code == 200
    entry = publication.entries.get(compound=world["card"].compound)
    assert entry.band == "black"
    # the other company cannot appeal it; the listed company can
    client.force_login(world["company_user_b"])
    url = _en("scorecards:scoring_appeal_file", [entry.pk])
    assert client.post(url, {"grounds": "x"}).status_code == 404
    client.force_login(world["company_user_a"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"grounds": "the accident was on the road"}).status_code == 302
    appeal = Appeal.objects.get()
    # staff uphold and are sent to the correction form
    client.force_login(world["staff"])
    decide = _en("scorecards:scoring_appeal_decide", [appeal.pk])
    response = client.post(decide, {"status": "upheld", "decision": "road accident"})
    assert response.status_code == 302
    correct_page = client.get(response.url)
    assert correct_page.status_code == 200
    data = {"note": "appeal upheld", "appeal": appeal.pk}
    for e in publication.entries.all():
        data[f"band_{e.pk}"] = "red" if e.pk == entry.pk else e.band  # 97 without the veto
        data[f"score_{e.pk}"] = str(e.score)
    response = client.post(response.url, data)
    assert response.status_code == 302
    correction = Publication.objects.get(sequence=2)
    appeal.refresh_from_db()
    assert appeal.correction == correction
    assert correction.entries.get(compound=entry.compound).band == "red"


def _more_compounds(community, n):
    for _ in range(n):
        compound = factories.CompoundFactory(community=community)
        factories.ServiceContractFactory(compound=compound)
        inspect(compound)
        finding(compound, "cleanliness", "1")


def test_month_overview_and_company_home_queries_equal_at_two_sizes(client, world):
    client.force_login(world["staff"])
    url = _url(world, "scoring_month")

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    scoring.draft_month(MONTH, today=TODAY)
    small = count(url)
    _more_compounds(world["community"], 6)
    scoring.draft_month(MONTH, today=TODAY)
    assert count(url) == small
    client.force_login(world["company_user_a"])
    home = _url(world, "scoring_home")
    small = count(home)
    for compound in Scorecard.objects.exclude(company__name="甲物业").values_list(
        "compound", flat=True
    )[:3]:
        Scorecard.objects.filter(compound_id=compound).update(company=world["card"].company)
    assert count(home) == small


# --- Excel download of the month ------------------------------------------------------------------


def _sheet_rows(response) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    (sheet,) = load_workbook(io.BytesIO(response.content), read_only=True).worksheets
    return list(sheet.iter_rows(values_only=True))


def test_the_month_downloads_with_each_criterions_points(client, world):
    client.force_login(world["staff"])
    url = _url(world, "scoring_month") + "?format=xlsx"
    header, *rows = _sheet_rows(client.get(url))
    assert header[:4] == ("Compound", "Company", "Score", "Band")
    assert "Fire safety and fire lanes" in header  # the rubric's criteria, one column each
    by_compound = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    card = world["card"]
    row = by_compound[card.compound.name]
    assert Decimal(str(row["Score"])) == card.total
    assert row["Veto"] == "yes"
    assert (
        Decimal(str(row["Fire safety and fire lanes"]))
        == card.lines.get(criterion__code="fire_safety").points
    )
    assert len(rows) == Scorecard.objects.filter(month=MONTH).count()


@pytest.mark.parametrize("who", ["company_user_a", "grid_worker", "other_staff"])
def test_only_the_communitys_staff_download_the_month(client, world, who):
    _login(client, world, who)
    response = client.get(_url(world, "scoring_month") + "?format=xlsx")
    assert response.status_code in (403, 404)


def test_the_month_download_queries_do_not_grow_with_the_compounds(client, world):
    client.force_login(world["staff"])
    url = _url(world, "scoring_month") + "?format=xlsx"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _more_compounds(world["community"], 6)
    scoring.draft_month(MONTH, today=TODAY)
    with CaptureQueriesContext(connection) as large:
        rows = _sheet_rows(client.get(url))
    assert len(large) == len(small)
    assert len(rows) == 1 + Scorecard.objects.filter(month=MONTH).count()


def test_evidence_links_to_what_each_reader_may_open(client, world, compound_a, company_a):
    from scorecards.models import Rectification

    visit = inspect(compound_a)
    found = finding(compound_a, "cleanliness", "2", inspection=visit, description="bins overflow")
    item = Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        finding=found,
        description=found.description,
        created_on=found.found_on,
        deadline_on=found.found_on,
    )
    scoring.draft_month(MONTH, today=TODAY)
    card_url = _url(world, "scoring_card")
    inspection_url = _en("scorecards:inspection_detail", [visit.pk])
    rectification_url = _en("scorecards:rectification_detail", [item.pk])

    client.force_login(world["staff"])
    page = client.get(card_url).content.decode()
    assert f'href="{inspection_url}"' in page
    assert client.get(inspection_url).status_code == 200

    # The company may not open inspections: its evidence is the rectification item.
    client.force_login(world["company_user_a"])
    page = client.get(card_url).content.decode()
    assert f'href="{inspection_url}"' not in page
    assert f'href="{rectification_url}"' in page
    assert client.get(rectification_url).status_code == 200


def test_a_published_card_says_so_before_an_adjustment_is_typed(client, world):
    card = world["card"]
    scoring.publish_month(community=world["community"], month=card.month, user=world["staff"])
    client.force_login(world["staff"])
    response = client.get(_url(world, "scoring_adjust"))
    assert response.url == reverse("scorecards:scoring_card", args=[card.pk])


def submit_buttons(html: str) -> list[str]:
    """The texts of a page's submit buttons, tags stripped."""
    found = re.findall(r'<button[^>]*type="submit"[^>]*>(.*?)</button>', html, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


@pytest.mark.parametrize(
    ("who", "name", "button"),
    [
        # What goes to someone else says so; staff's own edit of a draft may just save.
        ("company_user_a", "scoring_reply", "Send the reply"),
        ("staff", "scoring_reply_answer", "Send the answer"),
        ("staff", "scoring_adjust", "Save"),
    ],
)
def test_a_form_that_sends_says_so_on_its_button(client, world, who, name, button):
    _login(client, world, who)
    html = client.get(_url(world, name)).content.decode()
    assert button in submit_buttons(html)
    if button != "Save":
        assert "Save" not in submit_buttons(html)


# --- replies on a scorecard -----------------------------------------------------------------------


def _replies(html: str) -> list[str]:
    """Each reply block of the scorecard page (up to the next reply or the next part of the
    page), as text without tags."""
    chunks = html.split('data-figure="reply"')[1:]
    blocks = [re.split(r"<form|<footer|</main>", chunk)[0] for chunk in chunks]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", b)) for b in blocks]


@pytest.mark.parametrize("reader", ["company_user_a", "staff"])
def test_each_reply_says_who_sent_it_and_whether_staff_have_answered(client, world, reader):
    # given: the company's reply waiting, and a second one that staff answered
    author = world["company_user_a"]
    author.first_name, author.last_name = "Lin", "Wei"
    author.save()
    answered = ScorecardReply.objects.create(
        scorecard=world["card"], text="the fire exit was cleared", by=author
    )
    world["staff"].first_name, world["staff"].last_name = "Zhao", "Min"
    world["staff"].save()
    scoring.reply_answer(reply=answered, answer="Checked on site: agreed.", user=world["staff"])
    # when
    client.force_login(world[reader])
    with translation.override("en"):
        html = client.get(_url(world, "scoring_card")).content.decode()
    # then
    waiting, done = _replies(html)
    assert "we disagree" in waiting
    assert author.get_full_name() in waiting
    assert "Waiting for staff's answer" in waiting
    assert "the fire exit was cleared" in done
    assert author.get_full_name() in done
    assert "Waiting for staff's answer" not in done
    assert "Checked on site: agreed." in done
    assert "Answer from Zhao Min" in done or f"Answer from {world['staff'].get_full_name()}" in done


def test_a_reply_by_a_user_without_a_name_shows_the_login_name(client, world):
    author = world["company_user_a"]
    author.first_name = author.last_name = ""
    author.save()
    client.force_login(world["staff"])
    with translation.override("en"):
        html = client.get(_url(world, "scoring_card")).content.decode()
    (waiting,) = _replies(html)
    assert author.get_username() in waiting


# --- the monthly report line of a scorecard -------------------------------------------------------


def _report_line(html: str) -> str:
    found = re.search(r'data-figure="report-line">(.*?)</span>', html, re.S)
    assert found, "no monthly report line on the scorecard"
    return found.group(1)


def _card_page(client, world, who) -> str:
    client.force_login(world[who])
    with translation.override("en"):
        return client.get(_url(world, "scoring_card")).content.decode()


def test_a_saved_draft_report_is_said_on_the_scorecard_with_a_link(client, world, compound_a):
    # given: drafted on 1 October, before the report was due; the company saved a draft since
    card = world["card"]
    assert card.report_status == "not_due"
    draft = MonthlyReport.objects.create(
        compound=compound_a, company=card.company, month=MONTH, status="draft"
    )
    for who in ("company_user_a", "staff"):
        # when
        line = _report_line(_card_page(client, world, who))
        # then
        assert "not due yet · draft saved, not submitted" in line
        assert _en("scorecards:report_detail", [draft.pk]) in line


def test_without_a_report_the_company_is_offered_to_file_it(client, world, compound_a):
    line = _report_line(_card_page(client, world, "company_user_a"))
    assert "draft saved" not in line
    assert "not due yet" in line
    assert f"{_en('scorecards:report_create', [compound_a.pk])}?month=2026-09" in line
    staff_line = _report_line(_card_page(client, world, "staff"))
    assert "/reports/" not in staff_line  # staff do not file reports


def test_a_report_submitted_after_the_card_was_drafted_is_said(client, world, compound_a):
    MonthlyReport.objects.create(
        compound=compound_a,
        company=world["card"].company,
        month=MONTH,
        status="submitted",
        first_submitted_at=dt.datetime(2026, 10, 3, 2, tzinfo=dt.UTC),
    )
    line = _report_line(_card_page(client, world, "company_user_a"))
    assert "not due yet · submitted on 3 Oct 2026" in line
    assert "draft saved" not in line


def test_another_companys_report_is_neither_said_nor_linked(client, world, compound_a, company_b):
    # the report of the month was filed by a company the reader does not belong to
    other = MonthlyReport.objects.create(
        compound=compound_a, company=company_b, month=MONTH, status="draft"
    )
    line = _report_line(_card_page(client, world, "company_user_a"))
    assert _en("scorecards:report_detail", [other.pk]) not in line
    assert "draft saved" not in line


@pytest.mark.parametrize(
    ("status", "report", "text"),
    [
        ("not_due", None, "not due yet"),
        ("not_due", "draft", "not due yet · draft saved, not submitted"),
        ("late", "draft", "late · draft saved, not submitted"),
        ("missing", "draft", "missing · draft saved, not submitted"),
        ("missing", "submitted", "submitted after the grace period (counts as not filed)"),
        ("on_time", "submitted", "on time"),
        ("not_due", "submitted", "not due yet · submitted on 3 Oct 2026"),
        ("", None, "—"),
    ],
)
def test_scorecard_report_text(status, report, text):
    found = None
    if report:
        found = MonthlyReport(
            status=report,
            first_submitted_at=(
                dt.datetime(2026, 10, 3, 2, tzinfo=dt.UTC) if report == "submitted" else None
            ),
        )
    with translation.override("en"):
        assert reports.scorecard_report_text(status, report=found) == text
