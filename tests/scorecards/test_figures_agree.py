"""The same figure, wherever it is shown, says the same thing.

A quarter (2026-Q3) of three compounds is drafted and published through the services: 甲 is
ranked every month, 乙 is black-listed in August and cleared by an upheld appeal (a correction),
丙 has one inspection a month (not ranked). Findings sit on the last day of a month and the
first of the next; a complaint found true after its month's list was out counts in the month it
was verified. Then every place that shows a figure is read and compared with the others: the
scorecard, the current list entry, the list's JSON and CSV, the community document, the
bulletin, the stored rollups, and, for rectifications, the to-do page, the filtered list, the
company's inbox and the item's own pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scorecards import bulletins, inspections, rules, scoring
from scorecards.models import (
    Appeal,
    MonthlyReport,
    PublicationEntry,
    Rectification,
    Scorecard,
)
from scorecards.public import month_publication
from tests import factories
from tests.scorecards.test_public_data import company_of
from tests.scorecards.test_scoring import finding, inspect
from tongde import rollups
from tongde.attention import follow_up_tasks
from tongde.periods import PeriodKind, parse_period

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
JULY, AUGUST, SEPTEMBER = (dt.date(2026, m, 1) for m in (7, 8, 9))
MONTHS = (JULY, AUGUST, SEPTEMBER)
Q3 = bulletins.quarter_of("2026-Q3")
TODAY = dt.date(2026, 10, 20)


def _last_day(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@pytest.fixture
def quarter(settings, community, compound_a, compound_b, staff):
    settings.ROLLUP_START = dt.date(2026, 1, 1)
    compound_c = factories.CompoundFactory(community=community, name="丙小区", code="c")
    factories.ServiceContractFactory(compound=compound_c, starts_on=dt.date(2020, 1, 1))
    for month in MONTHS:
        last = _last_day(month)
        inspect(compound_a, month.replace(day=3)), inspect(compound_a, last)
        inspect(compound_b, month.replace(day=4)), inspect(compound_b, month.replace(day=20))
        inspect(compound_c, month.replace(day=5))
        # The month's last day and the next month's first: each counts in its own month.
        finding(compound_a, "cleanliness", "2", on=last)
        finding(compound_b, "parking", "3", on=month.replace(day=1))
        for compound in (compound_a, compound_b, compound_c):
            MonthlyReport.objects.create(
                compound=compound,
                company=company_of(compound),
                month=month,
                status="submitted",
                # 23:30 on the 5th, Beijing time (15:30 UTC): on time, the due day.
                first_submitted_at=dt.datetime.combine(
                    _last_day(month) + dt.timedelta(days=5), dt.time(23, 30), tzinfo=SH
                ),
            )
    finding(compound_b, "cleanliness", "15", on=dt.date(2026, 8, 12))
    finding(compound_b, "building_upkeep", "15", on=dt.date(2026, 8, 13))
    finding(compound_a, "greening", "1", on=dt.date(2026, 9, 9), is_withdrawn=True)
    for month in MONTHS:
        scoring.draft_month(month, today=TODAY)
        scoring.publish_month(community=community, month=month, user=staff, notify=False)
    # 乙's August black listing is appealed and the appeal upheld: a correction clears it.
    august = month_publication(community, AUGUST)
    entry = august.entries.get(compound=compound_b)
    assert entry.band == rules.Band.BLACK
    appeal = Appeal.objects.create(entry=entry, grounds="两项扣分重复", filed_by=staff)
    scoring.appeal_decide(
        appeal=appeal, status=Appeal.Status.UPHELD, decision="重复扣分", user=staff, notify=False
    )
    scoring.publish_correction(
        publication=august,
        changes={entry.pk: scoring.EntryChange(score=Decimal(85), band=rules.Band.NONE)},
        note="申诉成立：重复扣分",
        user=staff,
        appeal=Appeal.objects.get(pk=appeal.pk),
        notify=False,
    )
    return {"a": compound_a, "b": compound_b, "c": compound_c}


def _api(client, community, month: dt.date, fmt: str):
    url = f"/api/v1/communities/{community.slug}/redblack/{month:%Y-%m}.{fmt}"
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_each_compounds_month_reads_the_same_on_the_list_the_api_and_the_csv(
    client, community, quarter
):
    for month in MONTHS:
        publication = month_publication(community, month)
        entries = {e.compound_name: e for e in publication.entries.all()}
        document = _api(client, community, month, "json").json()
        body = _api(client, community, month, "csv").content.decode("utf-8-sig")
        csv_rows = {r["compound"]: r for r in csv.DictReader(io.StringIO(body))}
        json_rows = {r["compound"]: r for r in document["rows"]}
        assert set(entries) == set(json_rows) == set(csv_rows) == {"甲小区", "乙小区", "丙小区"}
        for name, entry in entries.items():
            score = None if entry.public_score is None else str(entry.public_score)
            assert json_rows[name]["score"] == score
            assert csv_rows[name]["score"] == (score or "")
            assert json_rows[name]["band"] == csv_rows[name]["band"] == entry.band
            assert json_rows[name]["inspections"] == entry.inspections
            assert int(csv_rows[name]["inspections"]) == entry.inspections
        # The counts of the document are the rows' bands.
        counted = dict.fromkeys(("red", "black", "none", "unranked"), 0)
        for r in document["rows"]:
            counted[r["band"]] += 1
        assert document["counts"] == counted
        # A card that no correction changed reads as its entry.
        for entry in publication.entries.select_related("scorecard"):
            if "corrected" in entry.reasons:
                continue
            card = entry.scorecard
            assert (card.total, card.band, card.inspections) == (
                entry.score,
                entry.band,
                entry.inspections,
            )


def test_the_corrected_month_is_read_everywhere_as_corrected(client, community, quarter):
    document = _api(client, community, AUGUST, "json").json()
    row = next(r for r in document["rows"] if r["compound"] == "乙小区")
    assert (row["score"], row["band"]) == ("85.00", "none")
    assert document["correction_of"] == "2026-08#1"
    figures = bulletins.bulletin_figures(community=community, quarter=Q3)
    b = next(c for c in figures["compounds"] if c["name"] == "乙小区")
    assert b["bands"]["black"] == 0
    # The staff's overview shows the list's figure for the card, not the card's own.
    card = Scorecard.objects.get(compound=quarter["b"], month=AUGUST)
    assert scoring.listed_entries(community=community, month=AUGUST)[card.pk].score == 85


def test_the_community_document_counts_the_latest_lists_bands(client, community, quarter):
    document = client.get(f"/api/v1/communities/{community.slug}/").json()
    latest = _api(client, community, SEPTEMBER, "json").json()
    assert document["redblack"]["latest_month"] == "2026-09"
    assert document["redblack"]["counts"] == latest["counts"]


def _current_entries(compound) -> list[PublicationEntry]:
    return list(
        PublicationEntry.objects.filter(
            compound=compound,
            publication__corrected_by__isnull=True,
            publication__month__gte=Q3.start,
            publication__month__lt=Q3.end,
        )
    )


def test_the_bulletin_adds_up_the_quarters_lists_and_cards(community, quarter):
    figures = bulletins.bulletin_figures(community=community, quarter=Q3)
    rows = {c["id"]: c for c in figures["compounds"]}
    for key, compound in quarter.items():
        row = rows[compound.pk]
        entries = _current_entries(compound)
        bands = dict.fromkeys(bulletins.BANDS, 0)
        for entry in entries:
            bands[entry.band] += 1
        assert row["bands"] == bands, key
        ranked = [e.score for e in entries if e.band != rules.Band.UNRANKED]
        expected = rules.average(ranked)
        assert row["average"] == (None if expected is None else str(expected)), key
        cards = Scorecard.objects.filter(compound=compound, month__in=MONTHS)
        assert row["inspections"] == sum(c.inspections for c in cards), key
        assert row["findings"] == sum(c.findings for c in cards), key
    # 丙 was never ranked: no average, no rank.
    assert rows[quarter["c"].pk]["average"] is None
    assert rows[quarter["c"].pk]["rank"] is None
    for what in bulletins.WORK:
        assert figures["totals"][what] == sum(c[what] for c in figures["compounds"])


def test_the_stored_rollups_say_what_the_bulletin_says(community, quarter):
    with time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=SH), tick=False):
        rollups.run_all(PeriodKind.MONTH)
        rollups.run_all(PeriodKind.QUARTER)
    figures = bulletins.bulletin_figures(community=community, quarter=Q3)
    for row in figures["compounds"]:
        stored = {
            r.stat: r.value
            for r in rollups.Rollup.objects.filter(
                period_kind=PeriodKind.QUARTER,
                period_start=Q3.start,
                subject_kind="compound",
                subject_id=row["id"],
                dimension="",
            )
        }
        for what in bulletins.WORK:
            assert stored.get(f"scorecards.compound_{what}", 0) == row[what], what
        average = stored.get("scorecards.compound_average")
        assert bulletins.cents(average) == row["average"]
        assert stored.get("scorecards.compound_rank") == row["rank"]
        # The months add up to the quarter.
        for what in ("inspections", "findings"):
            months = rollups.Rollup.objects.filter(
                stat=f"scorecards.compound_{what}",
                period_kind=PeriodKind.MONTH,
                period_start__in=MONTHS,
                subject_id=row["id"],
            )
            assert sum(m.value for m in months) == row[what]


def test_a_report_sent_at_2330_on_its_due_day_is_on_time_on_the_card_and_in_the_bulletin(
    community, quarter
):
    """Each month's report went in at 23:30 Beijing time on the 5th (15:30 UTC, the same day):
    on time on every card and in the bulletin; a finding on a month's last day and one on the
    next month's first each count in their own month."""
    figures = bulletins.bulletin_figures(community=community, quarter=Q3)
    for row in figures["compounds"]:
        cards = Scorecard.objects.filter(compound_id=row["id"], month__in=MONTHS)
        assert {c.report_status for c in cards} == {"on_time"}
        assert row["reports"] == {"on_time": 3, "late": 0, "not_submitted": 0}
    for month in MONTHS:
        period = parse_period(PeriodKind.MONTH, f"{month:%Y-%m}")
        ids = [quarter["a"].pk, quarter["b"].pk]
        counted = bulletins.stat_by_subject("scorecards.compound_findings", period, ids)
        cards = Scorecard.objects.filter(compound_id__in=ids, month=month)
        assert counted == {c.compound_id: c.findings for c in cards}


# --- rectifications: one meaning of "overdue" ---------------------------------------------------


@pytest.fixture
def items(compound_a, company_a):
    """Four items of 甲 whose deadline (1 October) has passed on 5 October: one open, one
    answered on time and awaiting verification, one reopened with a deadline also passed, one
    closed."""
    made = {}
    for status in ("open", "answered", "reopened", "closed"):
        made[status] = Rectification.objects.create(
            compound=compound_a,
            company=company_a,
            description=status,
            created_on=dt.date(2026, 9, 20),
            deadline_on=dt.date(2026, 10, 1),
            status=status,
            answered_at=(
                dt.datetime(2026, 9, 30, 23, 30, tzinfo=SH)
                if status in ("answered", "closed")
                else None
            ),
            closed_on=dt.date(2026, 10, 3) if status == "closed" else None,
        )
    return made


def test_overdue_items_are_the_same_on_the_todo_the_list_the_inbox_and_the_item(
    client, items, staff, company_user_a
):
    on = dt.date(2026, 10, 5)
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, tzinfo=SH), tick=False):
        task = follow_up_tasks(staff, on)[0]
        listed = set(
            inspections.rectification_list(user=staff)
            .filter(inspections.overdue_q(on))
            .values_list("description", flat=True)
        )
        inbox = inspections.inbox_counts(user=company_user_a, on=on)
        client.force_login(staff)
        page = client.get(task.url)
    assert listed == {"open", "reopened"}
    assert task.count == len(listed) == inbox[inspections.STATE_OVERDUE]
    assert page.status_code == 200
    assert {r.description for r in page.context["page"].object_list} == listed
    # The item's own flag (shown above the answer, verify and reopen forms) agrees.
    assert {k for k, r in items.items() if r.is_overdue(on)} == listed


def test_an_item_answered_on_time_does_not_keep_a_compound_off_the_red_list(
    compound_a, company_a, staff
):
    """At the month's end an item the company answered before its deadline waits for staff:
    the company is not late, on the card as on the to-do page and the list."""
    inspect(compound_a, dt.date(2026, 9, 3)), inspect(compound_a, dt.date(2026, 9, 10))
    Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        description="answered on time",
        created_on=dt.date(2026, 9, 20),
        deadline_on=dt.date(2026, 9, 28),
        status=Rectification.Status.ANSWERED,
        answered_at=dt.datetime(2026, 9, 27, 23, 30, tzinfo=SH),
    )
    scoring.draft_month(SEPTEMBER, today=dt.date(2026, 10, 1))
    card = Scorecard.objects.get(compound=compound_a, month=SEPTEMBER)
    assert not card.has_overdue_rectification
    assert card.band == rules.Band.RED
