"""The quarterly bulletin as staff print it and readers read it: the workbook holds every section
of the page with the page's figures, tonnes read with two decimals, quarters, months and days
are said as readers say them (addresses, file names and the data keep 2024-Q2, 2024-06,
2024-06-30), and the ranking keeps its key figures on a phone.

Expected wording comes from the catalog (gettext of the msgids under the page's language), so the
tests hold whatever the translations say."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook

from campaigns.models import Campaign, Meeting
from committees.models import Committee, Consultation, Election
from scorecards import bulletins
from scorecards.models import Bulletin
from tests.scorecards.test_inspections_views import on_a_phone

SH = ZoneInfo("Asia/Shanghai")
APRIL, MAY, JUNE = (dt.date(2024, m, 1) for m in (4, 5, 6))
Q2 = bulletins.quarter_of("2024-Q2")
AFTER_Q2 = dt.date(2024, 7, 1)
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def work(community, compound_a):
    """The community's Q2 2024 beyond the lists: two clean-ups (1.20 + 0.30 tonnes), meetings of
    two kinds, two opinions (one answered), an election closed on 30 June."""
    for day, tonnes in ((dt.date(2024, 5, 10), "1.20"), (dt.date(2024, 6, 14), "0.30")):
        Campaign.objects.create(
            community=community,
            kind=Campaign.Kind.FRIDAY,
            held_on=day,
            truckloads=2,
            tonnes=Decimal(tonnes),
            person_times=15,
        )
    for kind, day in (
        (Meeting.Kind.JOINT, dt.date(2024, 4, 9)),
        (Meeting.Kind.JOINT, dt.date(2024, 6, 3)),
        (Meeting.Kind.TRAINING, dt.date(2024, 5, 20)),
    ):
        Meeting.objects.create(community=community, kind=kind, held_on=day, title="会议")
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
    closes = dt.datetime(2024, 6, 30, 20, tzinfo=SH)
    Election.objects.create(
        committee=committee,
        kind=Election.Kind.ELECTION,
        title="换届选举",
        stage=Election.Stage.CLOSED,
        stage_started_at=closes,
        voting_closes_at=closes,
    )
    # A vote opened in June that was still open when the quarter ended.
    Election.objects.create(
        committee=committee,
        kind=Election.Kind.MOTION,
        title="补选表决",
        stage=Election.Stage.VOTING,
        stage_started_at=dt.datetime(2024, 6, 25, 8, tzinfo=SH),
        voting_opens_at=dt.datetime(2024, 6, 25, 8, tzinfo=SH),
        voting_closes_at=dt.datetime(2024, 7, 2, 18, 30, tzinfo=SH),
    )


@pytest.fixture
def published(community, lists, staff, work):
    return bulletins.bulletin_publish(
        community=community, quarter=Q2, summary="二季度通报", user=staff, today=AFTER_Q2
    )


def _public_url(community, language: str) -> str:
    with translation.override(language):
        return reverse("scorecards:public_bulletin", args=[community.slug, Q2.label])


def _staff_url(community, language: str) -> str:
    with translation.override(language):
        return reverse("scorecards:bulletin_quarter", args=[community.pk, Q2.label])


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _name(item: dict, language: str) -> str:
    return item["name_zh"] if language.startswith("zh") else item["name"]


# --- 1. The workbook holds the whole bulletin ----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_workbook_holds_every_section_of_the_page(client, community, published, language):
    # given the figures of the quarter as the bulletin builds them
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    assert published.figures == figures  # the snapshot is what the builder gives

    # when the published bulletin is downloaded
    response = client.get(_public_url(community, language), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))

    with translation.override(language):
        # then a sheet per section of the page, named as the page heads it
        assert [sheet.title for sheet in book.worksheets] == [
            _("Bulletin"),
            _("Compounds"),
            _("Property companies"),
            _("Clean-ups"),
            _("Meetings"),
            _("Residents' opinions"),
            _("Elections"),
        ]
        *_tables, cleanups, meetings, opinions, elections = book.worksheets

        # clean-ups: numbers as numbers, tonnes with two decimals
        campaigns = figures["campaigns"]
        assert _rows(cleanups) == [
            (_("Operations"), _("Person-times"), _("Truckloads"), _("Tonnes")),
            (
                campaigns["operations"],
                campaigns["person_times"],
                campaigns["truckloads"],
                float(campaigns["tonnes"]),
            ),
        ]
        assert cleanups["D2"].number_format == "0.00"

        # meetings by kind, in the reader's language
        assert _rows(meetings) == [
            (_("Kind"), _("Meetings held")),
            *((_name(m, language), m["count"]) for m in figures["meetings"]),
        ]

        # residents' opinions
        consultations = figures["consultations"]
        assert _rows(opinions) == [
            (_("Received"), _("Answered by the quarter's end")),
            (consultations["received"], consultations["answered"]),
        ]

        # elections: the day as a date cell formatted as a day (not a time at midnight), the
        # local time beside it, and whether voting had closed by the quarter's end
        assert _rows(elections) == [
            (
                _("Voting closes on"),
                _("at"),
                _("At the quarter's end"),
                _("Committee"),
                _("Title"),
                _("Kind"),
                _("Stage"),
            ),
            (
                dt.datetime(2024, 6, 30),
                "20:00",
                _("voting closed"),
                "甲小区业主委员会",
                "换届选举",
                _name(figures["elections"][0]["kind"], language),
                _name(figures["elections"][0]["stage"], language),
            ),
            (
                dt.datetime(2024, 7, 2),
                "18:30",
                _("voting still open"),
                "甲小区业主委员会",
                "补选表决",
                _name(figures["elections"][1]["kind"], language),
                _name(figures["elections"][1]["stage"], language),
            ),
        ]
        assert elections["A2"].is_date
        assert elections["A2"].number_format == "yyyy-mm-dd"


def test_the_fixture_gives_every_section_something_to_show(published):
    figures = published.figures
    assert figures["campaigns"]["operations"] == 2
    assert [(m["code"], m["count"]) for m in figures["meetings"]] == [("joint", 2), ("training", 1)]
    assert figures["consultations"] == {"received": 2, "answered": 1}
    assert [e["closed_on"] for e in figures["elections"]] == ["2024-06-30", None]


def test_a_quarter_without_meetings_or_elections_says_so_in_the_workbook(
    client, community, lists, staff
):
    client.force_login(staff)
    response = client.get(_staff_url(community, "zh-hans"), {"format": "xlsx"})
    book = {sheet.title: sheet for sheet in load_workbook(io.BytesIO(response.content))}
    assert _rows(book[_("Meetings")])[1:] == [(_("None this quarter."), None)]
    assert _rows(book[_("Elections")])[1][0] == _("None this quarter.")
    assert _rows(book[_("Clean-ups")])[1] == (0, 0, 0, 0)


def test_the_workbook_says_the_quarter_and_its_months_as_the_page_does(
    client, community, published
):
    response = client.get(_public_url(community, "zh-hans"), {"format": "xlsx"})
    summary = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert cells[_("Title")] == _("Quarterly bulletin of %(name)s, %(quarter)s") % {
        "name": community.name,
        "quarter": Q2.display,
    }
    assert cells[_("Quarter")] == Q2.display
    assert cells[_("Months")] == bulletins.months_display([APRIL, MAY, JUNE])
    assert "2024-Q2" in response["Content-Disposition"]  # the file name keeps the label


def test_the_open_data_holds_the_same_community_figures(client, community, published):
    document = client.get(
        reverse("scorecards_editions_api:bulletin_json", args=[community.slug, Q2.label])
    ).json()
    figures = published.figures
    assert document["campaigns"] == figures["campaigns"]
    assert document["meetings"] == [
        {"kind": m["code"], "count": m["count"]} for m in figures["meetings"]
    ]
    assert document["consultations"] == figures["consultations"]
    assert [(e["closed_on"], e["kind"], e["stage"]) for e in document["elections"]] == [
        (e["closed_on"], e["kind"]["code"], e["stage"]["code"]) for e in figures["elections"]
    ]


# --- 2. Tonnes to two decimals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summed", "stored"),
    [
        (Decimal("39.70"), "39.70"),  # PostgreSQL: numeric, exact
        (Decimal("1.5"), "1.50"),
        (Decimal("39.7000000000000"), "39.70"),  # SQLite: its float sum as a Decimal
        (39.7, "39.70"),  # SQLite: a float
        (1.5, "1.50"),
        (0.1 + 0.2, "0.30"),  # 0.30000000000000004
        (2.675, "2.68"),  # read as it prints, rounded half up (the binary value is 2.67499...)
        (Decimal("2.675"), "2.68"),
        (Decimal("2.674"), "2.67"),
        ("39.7000000000000", "39.70"),  # a snapshot published before the rounding
        (12, "12.00"),
        (None, "0.00"),  # no operation in the quarter
        (0, "0.00"),
    ],
)
def test_tonnes_are_kept_to_two_decimals(summed, stored):
    assert bulletins.tonnes(summed) == stored


def test_the_bulletin_stores_tonnes_to_two_decimals(community, work):
    Campaign.objects.filter(tonnes=Decimal("0.30")).update(tonnes=Decimal("0.3"))
    figures = bulletins.bulletin_figures(community=community, quarter=Q2)
    assert figures["campaigns"]["tonnes"] == "1.50"


@pytest.mark.parametrize("language", LANGUAGES)
def test_tonnes_read_with_two_decimals_even_from_an_older_snapshot(
    client, community, published, language
):
    # given an edition published before the rounding, with SQLite's sum stored as it came
    figures = {**published.figures, "campaigns": {**published.figures["campaigns"]}}
    figures["campaigns"]["tonnes"] = "1234.5000000000000"
    Bulletin.objects.filter(pk=published.pk).update(figures=figures)

    # then the page shows it in the number format of the language, the data to two decimals
    html = client.get(_public_url(community, language)).content.decode()
    with translation.override(language):  # 1234.50, 1,234.50
        shown = formats.number_format(Decimal("1234.50"), 2, use_l10n=True, force_grouping=True)
    assert f'<dd class="col-5 text-end">{shown}</dd>' in html
    assert "1234.5000000000000" not in html
    document = client.get(
        reverse("scorecards_editions_api:bulletin_json", args=[community.slug, Q2.label])
    ).json()
    assert document["campaigns"]["tonnes"] == "1234.50"


# --- 3. Quarters, months and days as readers say them --------------------------------------------


def _date(moment: dt.datetime | dt.date, fmt: str = "DATE_FORMAT") -> str:
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, fmt)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_staff_page_says_quarters_months_and_days(
    client, community, published, staff, language
):
    client.force_login(staff)
    html = client.get(_staff_url(community, language)).content.decode()
    with translation.override(language):
        # the neighbouring quarters, linked by their labels
        assert f"← {Q2.previous().display}</a>" in html
        assert f"{Q2.next().display} →</a>" in html
        assert "← 2024-Q1" not in html
        assert "/2024-Q1/" in html
        # the months of the average
        sentence = _(
            "Average of the ranked months of %(months)s; the change is against the quarter before."
        )
        assert sentence % {"months": bulletins.months_display([APRIL, MAY, JUNE])} in html
        assert "2024-04, 2024-05" not in html
        # when it was published, and the editions
        by = staff.get_full_name() or staff.username
        published_line = _("Edition %(n)s, published %(date)s by %(by)s.") % {
            "n": 1,
            "date": _date(published.published_at, "DATETIME_FORMAT"),
            "by": by,
        }
        assert published_line in html
        assert f"#1 ({_date(published.published_at)})" in html
        # the day the election closed; the vote still open said to be open, until when
        assert f"{_date(dt.date(2024, 6, 30))} · 甲小区业主委员会 · 换届选举" in html
        still_open = _("voting still open at the quarter's end")
        closes = _("closes %(at)s") % {
            "at": _date(dt.datetime(2024, 7, 2, 18, 30, tzinfo=SH), "DATETIME_FORMAT")
        }
        assert f"{still_open}</span> {closes} · 甲小区业主委员会 · 补选表决" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_bulletin_lists_say_the_day_of_publication(
    client, community, published, staff, language, time_machine
):
    day = timezone.localdate(published.published_at)
    time_machine.move_to(dt.datetime(2024, 7, 16, 10, tzinfo=SH))  # Q2 among the staff's last
    with translation.override(language):
        public = client.get(
            reverse("scorecards:public_bulletins", args=[community.slug])
        ).content.decode()
        assert f'<span class="small text-muted">{_date(published.published_at)}' in public
        assert day.isoformat() not in public
        client.force_login(staff)
        staff_index = client.get(reverse("scorecards:bulletin_index")).content.decode()
        badge = _("published %(date)s, edition %(n)s") % {
            "date": _date(published.published_at),
            "n": 1,
        }
        assert badge in staff_index
        assert Q2.display in staff_index


def test_the_preview_names_the_months_still_to_publish(client, community, compound_a, staff):
    from tests.scorecards.test_public_data import publish, row

    publish(community, APRIL, [row(compound_a, "90", "red", rank=1)])
    client.force_login(staff)
    html = client.get(_staff_url(community, "zh-hans")).content.decode()
    separator = pgettext("list separator", ", ")
    may, june = (_date(m, "YEAR_MONTH_FORMAT") for m in (MAY, JUNE))
    assert f">{may}</a>{separator}<a" in html
    assert f">{june}</a>" in html
    assert "/2024-05/" in html  # the link keeps the label


# --- 4. The ranking on a phone -------------------------------------------------------------------


def test_the_ranking_keeps_its_key_figures_on_a_phone(client, community, published, staff):
    # given the bulletin's staff page
    client.force_login(staff)
    html = client.get(_staff_url(community, "zh-hans")).content.decode()

    # when it is read below the md width
    headers, shown = on_a_phone(html)

    # then the compounds keep rank, name, average and months on each list in columns ...
    compounds_headers = [_("Rank"), _("Compound"), _("Quarter average"), _("Red"), _("Black")]
    companies_headers = [
        _("Rank"),
        _("Property company"),
        _("Quarter average"),
        _("Red"),
        _("Black"),
    ]
    assert headers == compounds_headers + companies_headers
    # ... and the quarter's work and reports fold under each compound's name
    for c in published.figures["compounds"]:
        assert c["name"] in shown
        assert f"{_('Inspections')} {c['inspections']}" in shown
        assert f"{_('Findings')} {c['findings']}" in shown
        assert f"{_('Closed')} {c['closures']}" in shown
        assert f"{_('Overdue')} {c['overdue']}" in shown
        reports = c["reports"]
        assert (
            f"{_('Reports on time / late / missing')} "
            f"{reports['on_time']} / {reports['late']} / {reports['not_submitted']}"
        ) in shown
    for c in published.figures["companies"]:
        assert f"{_('Compounds')} {c['compounds']}" in shown
    # and from md on, the full table is still there
    assert f'class="text-end d-none d-md-table-cell">{_("Inspections")}</th>' in html
