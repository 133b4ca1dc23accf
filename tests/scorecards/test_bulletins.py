"""The quarterly bulletin (季通报): its figures from the quarter's current lists and daily work,
the publication rules (quarter ended, three lists out, commentary, one first edition), corrected
editions, the snapshot, and who may see which page."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from campaigns.models import Campaign, Meeting
from committees.models import Committee, Consultation, Election
from scorecards import bulletins
from scorecards.models import (
    Bulletin,
    Finding,
    Inspection,
    MonthlyReport,
    Publication,
    Rectification,
)
from scorecards.setup import rubric_for
from tests import factories
from tests.scorecards.conftest import SCORING_STAFF_PAGE
from tests.scorecards.test_public_data import publish, row

SH = ZoneInfo("Asia/Shanghai")
JAN, APRIL, MAY, JUNE = (dt.date(2024, m, 1) for m in (1, 4, 5, 6))
Q2 = bulletins.quarter_of("2024-Q2")
AFTER_Q2 = dt.date(2024, 7, 1)


def by_name(figures: dict) -> dict[str, dict]:
    return {c["name"]: c for c in figures["compounds"]}


# --- Figures -------------------------------------------------------------------------------------


def test_compounds_ranked_on_the_quarters_current_lists(community, lists):
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    rows = by_name(figures)
    assert [c["name"] for c in figures["compounds"]] == ["丙小区", "甲小区", "乙小区"]
    # (95 + 80 + 90) / 3 = 88.33: ties share rank 1, the next is 3 ("1224").
    assert rows["甲小区"]["average"] == rows["丙小区"]["average"] == "88.33"
    assert rows["甲小区"]["rank"] == rows["丙小区"]["rank"] == 1
    # The corrected May (72, not 50) counts; the unranked June does not: (60 + 72) / 2.
    assert rows["乙小区"]["average"] == "66.00"
    assert rows["乙小区"]["rank"] == 3
    assert rows["乙小区"]["bands"] == {"red": 0, "black": 1, "none": 1, "unranked": 1}
    assert rows["甲小区"]["bands"] == {"red": 2, "black": 0, "none": 1, "unranked": 0}
    assert figures["totals"]["red"] == 4
    assert figures["totals"]["black"] == 1
    assert figures["months"] == ["2024-04", "2024-05", "2024-06"]


def test_a_tie_on_the_quarter_puts_a_compound_with_a_black_month_after(
    community, compound_a, compound_b, compound_c
):
    # given 乙 and 甲 tie on 87.50, 乙 (whose name sorts first) with a vetoed black month
    publish(
        community,
        APRIL,
        [row(compound_b, "95", "red", rank=1), row(compound_a, "95", "red", rank=1)],
    )
    publish(
        community,
        MAY,
        [
            row(compound_b, "80", "black", rank=1, veto=True),
            row(compound_a, "80", "none", rank=1),
            row(compound_c, "70", "none", rank=3),
        ],
    )

    # when
    compounds = bulletins.bulletin_figures(community=community, quarter=Q2)["compounds"]

    # then they share the rank, 甲 first; 丙 is third
    assert [(c["name"], c["rank"]) for c in compounds] == [
        ("甲小区", 1),
        ("乙小区", 1),
        ("丙小区", 3),
    ]


@pytest.mark.parametrize(
    ("before", "now", "change"),
    [
        (None, "88.33", None),  # no quarter before: no change shown
        ("80", "88.33", "8.33"),
        ("88.33", "88.33", "0.00"),
        ("90", "88.33", "-1.67"),
    ],
)
def test_change_against_the_quarter_before(community, compound_a, before, now, change):
    if before is not None:
        publish(community, dt.date(2024, 3, 1), [row(compound_a, before, "none", rank=1)])
    publish(community, APRIL, [row(compound_a, now, "none", rank=1)])
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    assert figures["compounds"][0]["change"] == change
    assert figures["compounds"][0]["previous_average"] == (
        None if before is None else str(Decimal(before).quantize(Decimal("0.01")))
    )


@pytest.mark.parametrize(
    ("before", "now", "change"),
    [
        # 278/3 = 92.666.. and 271/3 = 90.333..: -2.33 (92.67 - 90.33 would give -2.34).
        (("92", "93", "93"), ("90", "90", "91"), "-2.33"),
        # 269/3 = 89.666.. and 280/3 = 93.333..: 3.67 (93.33 - 89.67 would give 3.66).
        (("89", "90", "90"), ("93", "93", "94"), "3.67"),
    ],
)
def test_change_from_the_exact_averages(community, compound_a, before, now, change):
    for months, scores in ((range(1, 4), before), (range(4, 7), now)):
        for month, score in zip(months, scores, strict=True):
            publish(community, dt.date(2024, month, 1), [row(compound_a, score, "red", rank=1)])
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    assert figures["compounds"][0]["change"] == change


def test_companies_averaged_over_their_compounds_months(community, lists, company_a, company_b):
    companies = {
        c["name"]: c
        for c in bulletins.bulletin_figures(community=community, quarter=Q2)["companies"]
    }
    # 甲物业 serves 甲 and 丙: six ranked months averaging 88.33.
    assert companies["甲物业"]["compounds"] == 2
    assert companies["甲物业"]["average"] == "88.33"
    assert companies["甲物业"]["rank"] == 1
    assert companies["甲物业"]["bands"]["red"] == 4
    assert companies["乙物业"]["average"] == "66.00"
    assert companies["乙物业"]["rank"] == 2


def test_work_of_the_quarter_counts_only_the_quarter_and_the_community(
    community, other_community, lists, compound_a, company_a, staff
):
    criterion = rubric_for(community, 2024).criteria.first()
    elsewhere = factories.CompoundFactory(community=other_community, name="外小区", code="x")
    for compound, day, withdrawn in (
        (compound_a, dt.date(2024, 4, 2), False),
        (compound_a, dt.date(2024, 6, 30), False),
        (compound_a, dt.date(2024, 5, 3), True),  # withdrawn
        (compound_a, dt.date(2024, 7, 1), False),  # next quarter
        (elsewhere, dt.date(2024, 5, 3), False),
    ):
        Inspection.objects.create(
            compound=compound, inspected_on=day, inspector=staff, is_withdrawn=withdrawn
        )
        Finding.objects.create(
            compound=compound,
            found_on=day,
            criterion=criterion,
            points=Decimal(2),
            description="楼道堆物",
            is_withdrawn=withdrawn,
        )
    Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        description="清理楼道",
        created_on=dt.date(2024, 5, 1),
        deadline_on=dt.date(2024, 5, 10),
        status=Rectification.Status.OPEN,
    )
    for month, submitted in (
        (APRIL, dt.datetime(2024, 5, 5, 23, 30, tzinfo=SH)),  # on the due day
        (MAY, dt.datetime(2024, 6, 6, 0, 30, tzinfo=SH)),  # a day late
        (JUNE, None),
    ):
        MonthlyReport.objects.create(
            compound=compound_a,
            company=company_a,
            month=month,
            first_submitted_at=submitted,
            status=MonthlyReport.Status.SUBMITTED if submitted else MonthlyReport.Status.DRAFT,
        )
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    a = by_name(figures)["甲小区"]
    assert (a["inspections"], a["findings"], a["closures"], a["overdue"]) == (2, 2, 0, 1)
    assert a["reports"] == {"on_time": 1, "late": 1, "not_submitted": 1}
    assert figures["totals"]["inspections"] == 2
    assert figures["totals"]["reports_late"] == 1


def test_clean_ups_meetings_opinions_and_elections_of_the_community(
    community, other_community, lists, compound_a, staff
):
    for where, day, withdrawn in (
        (community, dt.date(2024, 5, 10), False),
        (community, dt.date(2024, 5, 17), True),
        (community, dt.date(2024, 7, 5), False),
        (other_community, dt.date(2024, 5, 10), False),
    ):
        Campaign.objects.create(
            community=where,
            kind=Campaign.Kind.FRIDAY,
            held_on=day,
            truckloads=3,
            tonnes=Decimal("4.50"),
            person_times=20,
            is_withdrawn=withdrawn,
        )
    Meeting.objects.create(
        community=community, kind=Meeting.Kind.JOINT, held_on=dt.date(2024, 6, 3), title="联席会议"
    )
    for received, answered in ((dt.date(2024, 4, 3), dt.date(2024, 4, 5)), (JUNE, None)):
        Consultation.objects.create(
            compound=compound_a,
            topic="停车",
            channel=Consultation.Channel.PHONE,
            received_on=received,
            opinion="车位不够",
            answered_on=answered,
        )
    committee = Committee.objects.create(
        compound=compound_a, kind=Committee.Kind.OWNERS, name="甲小区业主委员会"
    )
    # (title, voting opens, voting closes): closed in the quarter (at its first minute, at its
    # last evening); open at its end (closing at the first minute of the next); opened and closed
    # before it; opening after it
    for title, opens, closes in (
        ("季初关闭", dt.datetime(2024, 3, 20, 8, tzinfo=SH), dt.datetime(2024, 4, 1, 0, tzinfo=SH)),
        ("换届选举", None, dt.datetime(2024, 6, 30, 20, tzinfo=SH)),
        (
            "下季度表决",
            dt.datetime(2024, 6, 20, 8, tzinfo=SH),
            dt.datetime(2024, 7, 1, 0, tzinfo=SH),
        ),
        (
            "上季度表决",
            dt.datetime(2024, 3, 1, 8, tzinfo=SH),
            dt.datetime(2024, 3, 31, 23, 59, tzinfo=SH),
        ),
        ("未开始", dt.datetime(2024, 7, 1, 0, tzinfo=SH), dt.datetime(2024, 7, 9, 0, tzinfo=SH)),
    ):
        Election.objects.create(
            committee=committee,
            kind=Election.Kind.ELECTION,
            title=title,
            stage=Election.Stage.CLOSED,
            stage_started_at=closes,
            voting_opens_at=opens,
            voting_closes_at=closes,
        )
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    assert figures["campaigns"] == {
        "operations": 1,
        "person_times": 20,
        "truckloads": 3,
        "tonnes": "4.50",
    }
    assert [(m["code"], m["name_zh"], m["count"]) for m in figures["meetings"]] == [
        ("joint", "联席会议", 1)
    ]
    assert figures["consultations"] == {"received": 2, "answered": 1}
    assert [
        (e["title"], e["closed_on"], e["closes_at"], e["is_open_at_quarter_end"])
        for e in figures["elections"]
    ] == [
        ("季初关闭", "2024-04-01", "2024-04-01T00:00:00+08:00", False),
        ("换届选举", "2024-06-30", "2024-06-30T20:00:00+08:00", False),
        ("下季度表决", None, "2024-07-01T00:00:00+08:00", True),
    ]
    assert figures["elections"][0]["stage"]["code"] == "closed"


def test_figures_cost_the_same_queries_at_two_sizes(community, company_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            bulletins.bulletin_figures(community=community, quarter=Q2)
        return len(ctx.captured_queries)

    def add(n: int, start: int) -> None:
        compounds = []
        for i in range(start, start + n):
            compound = factories.CompoundFactory(community=community, code=f"k{i}")
            factories.ServiceContractFactory(compound=compound, company=company_a)
            compounds.append(compound)
        for month in (APRIL, MAY, JUNE):
            publish(
                community,
                month,
                [row(c, 80 + i % 10, "none") for i, c in enumerate(compounds)],
                sequence=start + 1,
            )

    add(2, 0)
    small = queries()
    add(20, 2)
    assert queries() == small


# --- Publishing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "ok"),
    [
        (dt.date(2024, 6, 30), False),  # the quarter's last day: not ended yet
        (dt.date(2024, 7, 1), True),
        (dt.date(2024, 7, 2), True),
    ],
)
def test_publishing_waits_for_the_quarters_end(community, lists, staff, today, ok):
    publish_it = lambda: bulletins.bulletin_publish(  # noqa: E731
        community=community, quarter=Q2, summary="本季度情况", user=staff, today=today
    )
    if ok:
        assert publish_it().sequence == 1
    else:
        with pytest.raises(ValidationError) as exc:
            publish_it()
        # the quarter as readers say it ("2024年第2季度"), not its address
        assert exc.value.messages == [bulletins.QUARTER_NOT_ENDED % {"quarter": Q2.display}]
        assert not Bulletin.objects.exists()


def test_publishing_needs_the_three_lists(community, compound_a, staff):
    publish(community, APRIL, [row(compound_a, "90", "red", rank=1)])
    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_publish(
            community=community, quarter=Q2, summary="x", user=staff, today=AFTER_Q2
        )
    months = bulletins.months_display([MAY, JUNE])  # "2024年5月、2024年6月"
    assert exc.value.messages == [bulletins.LISTS_MISSING % {"months": months}]
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("summary", ["", "   \n "])
def test_publishing_needs_a_commentary(community, lists, staff, summary):
    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_publish(
            community=community, quarter=Q2, summary=summary, user=staff, today=AFTER_Q2
        )
    assert exc.value.message_dict == {"summary": [bulletins.SUMMARY_REQUIRED]}
    assert not Bulletin.objects.exists()


def test_a_quarter_is_published_once(community, lists, staff):
    bulletins.bulletin_publish(
        community=community, quarter=Q2, summary="一", user=staff, today=AFTER_Q2
    )
    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_publish(
            community=community, quarter=Q2, summary="二", user=staff, today=AFTER_Q2
        )
    assert exc.value.code == "published"
    assert Bulletin.objects.count() == 1


def test_the_snapshot_stays_and_a_corrected_edition_says_why(community, lists, staff, compound_a):
    first = bulletins.bulletin_publish(
        community=community, quarter=Q2, summary="初版", user=staff, today=AFTER_Q2
    )
    compound_a.name = "甲小区（改名）"
    compound_a.save()
    # June is corrected after the bulletin: 甲 drops to 60, black.
    june = Publication.objects.get(community=community, month=JUNE)
    publish(
        community,
        JUNE,
        [row(compound_a, "60", "black")],
        sequence=2,
        correction_of=june,
        note="更正",
    )
    first.refresh_from_db()
    assert by_name(first.figures)["甲小区"]["average"] == "88.33"  # the snapshot stands

    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_correct(bulletin=first, summary="修订", note=" ", user=staff)
    assert exc.value.message_dict == {"note": [bulletins.NOTE_REQUIRED]}

    second = bulletins.bulletin_correct(
        bulletin=first, summary="修订版", note="6月榜单更正后重算", user=staff
    )
    assert (second.sequence, second.correction_of, second.correction_note) == (
        2,
        first,
        "6月榜单更正后重算",
    )
    assert bulletins.quarter_bulletin(community, Q2) == second
    # Recomputed: June's correction and the new name count; (95 + 80 + 60) / 3.
    assert by_name(second.figures)["甲小区（改名）"]["average"] == "78.33"
    with pytest.raises(ValidationError) as exc:
        bulletins.bulletin_correct(bulletin=first, summary="再改", note="再改", user=staff)
    assert exc.value.code == "corrected"
    assert Bulletin.objects.count() == 2


def test_staff_quarters_say_what_is_ready(community, lists, compound_a):
    # Q1 has January only; Q2 has its three lists; Q3 has not ended on 20 August.
    publish(community, JAN, [row(compound_a, "80", "none", rank=1)])
    quarters = bulletins.staff_quarters([community], dt.date(2024, 8, 20))[community.pk]
    assert [(q["quarter"].label, q["bulletin"], q["missing"]) for q in quarters] == [
        ("2024-Q2", None, []),
        ("2024-Q1", None, [dt.date(2024, 2, 1), dt.date(2024, 3, 1)]),
    ]


# --- Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def published(community, lists, staff):
    return bulletins.bulletin_publish(
        community=community,
        quarter=Q2,
        summary="本季度甲小区、丙小区并列第一。",
        user=staff,
        today=AFTER_Q2,
    )


def staff_url(community, label="2024-Q2") -> str:
    return reverse("scorecards:bulletin_quarter", args=[community.pk, label])


@pytest.mark.parametrize(("who", "status"), SCORING_STAFF_PAGE)
def test_staff_pages_are_for_the_communitys_scoring_staff(
    client, request, community, published, who, status
):
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("scorecards:bulletin_index"),
        staff_url(community),
        reverse("scorecards:bulletin_correct", args=[published.pk]),
    ):
        assert client.get(url).status_code == status, url


def test_staff_of_another_community_get_404(client, community, other_community, published):
    client.force_login(factories.membership_user("staff", community=other_community))
    assert client.get(staff_url(community)).status_code == 404
    url = reverse("scorecards:bulletin_correct", args=[published.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"summary": "x", "note": "y"}).status_code == 404
    assert Bulletin.objects.count() == 1


def test_staff_publish_from_the_preview(client, community, lists, staff, time_machine):
    time_machine.move_to(dt.datetime(2024, 7, 16, 10, tzinfo=SH))
    client.force_login(staff)
    page = client.get(staff_url(community))
    assert "预览" in page.content.decode()
    assert client.post(staff_url(community), {"summary": "  "}).status_code == 400
    assert not Bulletin.objects.exists()
    response = client.post(staff_url(community), {"summary": "二季度通报"})
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert (bulletin.summary, bulletin.published_by) == ("二季度通报", staff)
    assert "二季度通报" in client.get(staff_url(community)).content.decode()


def test_public_pages_show_published_bulletins_only(
    client, community, lists, staff, django_capture_on_commit_callbacks
):
    url = reverse("scorecards:public_bulletin", args=[community.slug, "2024-Q2"])
    assert client.get(url).status_code == 404  # previewed by staff, never published
    index = client.get(reverse("scorecards:public_bulletins", args=[community.slug]))
    assert "2024-Q2" not in index.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # drops the cached index
        bulletins.bulletin_publish(
            community=community, quarter=Q2, summary="公开的评语", user=staff, today=AFTER_Q2
        )
    page = client.get(url).content.decode()
    assert "公开的评语" in page
    assert "丙小区" in page
    index = client.get(reverse("scorecards:public_bulletins", args=[community.slug]))
    assert "2024-Q2" in index.content.decode()


def test_a_correction_replaces_the_cached_public_page(
    client, community, published, staff, django_capture_on_commit_callbacks
):
    url = reverse("scorecards:public_bulletin", args=[community.slug, "2024-Q2"])
    assert "并列第一" in client.get(url).content.decode()  # rendered and cached
    with django_capture_on_commit_callbacks(execute=True):
        bulletins.bulletin_correct(
            bulletin=published, summary="修订后的评语", note="评语笔误", user=staff
        )
    page = client.get(url).content.decode()
    assert "修订后的评语" in page
    assert "评语笔误" in page
    assert "并列第一" not in page
    first = client.get(
        reverse("scorecards:public_bulletin_edition", args=[community.slug, "2024-Q2", 1])
    ).content.decode()
    assert "并列第一" in first
    assert "此版已被后来的一版更正。" in first


def test_bulletin_downloads_as_excel(client, community, published):
    url = reverse("scorecards:public_bulletin", args=[community.slug, "2024-Q2"])
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2024-Q2" in response["Content-Disposition"]


def test_bulletin_workbook_says_what_it_is_and_formats_points(client, community, published):
    url = reverse("scorecards:public_bulletin", args=[community.slug, "2024-Q2"])
    book = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    summary, compounds, companies, *_community = book.worksheets
    cells = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    values = list(cells.values())
    assert Q2.display in values  # "2024年第2季度": the file name keeps 2024-Q2
    assert "2024-Q2" not in values
    assert 1 in values  # the edition
    assert "本季度甲小区、丙小区并列第一。" in values
    assert published.published_at.astimezone(SH).replace(tzinfo=None, microsecond=0) in values
    assert 4 in values  # red list months in the totals
    # Averages read with two decimals; names have room.
    header = [c.value for c in compounds[1]]
    average = header.index(str(_("Quarter average"))) + 1
    for cells_ in compounds.iter_rows(min_row=2, min_col=average, max_col=average):
        assert cells_[0].number_format == "0.00"
    assert compounds.column_dimensions["B"].width >= 20
    assert compounds.column_dimensions["C"].width >= 20
    assert companies.column_dimensions["B"].width >= 20
    assert companies["D2"].number_format == "0.00"


def test_staff_preview_workbook_says_unpublished(client, community, lists, staff):
    client.force_login(staff)
    response = client.get(staff_url(community), {"format": "xlsx"})
    summary = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [row[1] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert str(_("Not published yet (preview)")) in values


def test_a_fall_uses_the_minus_sign_as_the_lists_do(client, community, compound_a, staff):
    publish(community, dt.date(2024, 3, 1), [row(compound_a, "92", "red", rank=1)])
    publish(community, APRIL, [row(compound_a, "90", "red", rank=1)])
    for month in (MAY, JUNE):
        publish(community, month, [row(compound_a, "90", "red", rank=1)])
    bulletins.bulletin_publish(
        community=community, quarter=Q2, summary="评语", user=staff, today=AFTER_Q2
    )
    page = client.get(reverse("scorecards:public_bulletin", args=[community.slug, "2024-Q2"]))
    html = page.content.decode()
    assert "▼ −2.00" in html
    assert "-2.00" not in html


def test_bulletin_tables_print_whole():
    """The bulletin's tables sit in scrolling frames: printed, the frame must not clip them."""
    css = (settings.BASE_DIR / "static" / "css" / "tongde.css").read_text()
    screen, _sep, printed = css.partition("@media print")
    assert printed, "no print rules"
    assert re.search(r"\.table-responsive\s*\{[^}]*overflow:\s*visible", printed)
    assert re.search(r"\.table-responsive > \.table\s*\{[^}]*font-size", printed)
    assert "overflow: visible" not in screen  # the screen keeps its scrolling frame
    assert re.search(r"@page landscape\s*\{[^}]*landscape", css)
    body = (settings.BASE_DIR / "templates/scorecards/bulletins/_body.html").read_text()
    assert 'class="print-landscape"' in body


@pytest.mark.parametrize(
    "label", ["2024-Q5", "2024-q2", "Q2-2024", "0000-Q1", "0001-Q1", "9999-Q4"]
)
def test_bad_quarter_labels_are_404(client, community, staff, label):
    client.force_login(staff)
    assert client.get(f"/scorecards/bulletins/{community.pk}/{label}/").status_code == 404
    assert client.get(f"/scorecards/public/{community.slug}/bulletins/{label}/").status_code == 404


def test_the_to_do_page_counts_quarters_ready_for_a_bulletin(
    community, other_community, compound_a, staff
):
    from tongde.attention import staff_tasks

    def count() -> int:
        tasks = {str(t.label): t for t in staff_tasks(staff, dt.date(2024, 8, 20))}
        return tasks["待发布的上季度季通报"].count

    other = factories.CompoundFactory(community=other_community, code="o")
    factories.ServiceContractFactory(compound=other)
    for month in (APRIL, MAY, JUNE):
        publish(other_community, month, [row(other, "90", "red", rank=1)])  # not staff's
    publish(community, APRIL, [row(compound_a, "90", "red", rank=1)])
    publish(community, MAY, [row(compound_a, "90", "red", rank=1)])
    assert count() == 0  # two lists of three
    publish(community, JUNE, [row(compound_a, "90", "red", rank=1)])
    assert count() == 1
    bulletins.bulletin_publish(
        community=community, quarter=Q2, summary="二季度", user=staff, today=AFTER_Q2
    )
    assert count() == 0


def test_a_company_that_served_part_of_the_quarter_keeps_its_months(
    community, compound_a, company_a, company_b
):
    # 甲小区 changes company in June: 乙物业 serves it in June only, after a black April-May.
    publish(community, APRIL, [row(compound_a, "60", "black", rank=1, company=company_a)])
    publish(community, MAY, [row(compound_a, "65", "black", rank=1, company=company_a)])
    publish(community, JUNE, [row(compound_a, "91", "red", rank=1, company=company_b)])
    companies = {
        c["name"]: c
        for c in bulletins.bulletin_figures(community=community, quarter=Q2)["companies"]
    }
    assert companies["甲物业"]["bands"]["black"] == 2
    assert companies["甲物业"]["average"] == "62.50"
    assert companies["乙物业"]["bands"]["red"] == 1
    assert (companies["乙物业"]["rank"], companies["甲物业"]["rank"]) == (1, 2)
    assert companies["甲物业"]["compounds"] == companies["乙物业"]["compounds"] == 1


def test_the_staff_index_costs_the_same_queries_for_one_or_many_communities(
    client, community, compound_a, superuser
):
    publish(community, APRIL, [row(compound_a, "90", "red", rank=1)])
    client.force_login(superuser)
    url = reverse("scorecards:bulletin_index")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    for i in range(5):
        other = factories.CommunityFactory(slug=f"more-{i}")
        compound = factories.CompoundFactory(community=other, code=f"m{i}")
        factories.ServiceContractFactory(compound=compound)
        publish(other, APRIL, [row(compound, "90", "red", rank=1)])
    assert queries() == one


def test_the_public_index_costs_the_same_queries_at_two_sizes(client, community, staff):
    url = reverse("scorecards:public_bulletins", args=[community.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"fresh": 1}).status_code == 200  # a query skips the cache
        return len(ctx.captured_queries)

    def add(years: range) -> None:
        for year in years:
            for month in (1, 4, 7, 10):
                Bulletin.objects.create(
                    community=community,
                    quarter=dt.date(year, month, 1),
                    summary="季度通报",
                    published_by=staff,
                )

    add(range(2020, 2021))
    small = queries()
    add(range(2021, 2026))
    assert queries() == small
