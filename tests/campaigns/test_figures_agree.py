"""The same clean-up figure, wherever it is shown, says the same thing.

A summer of 2026 is recorded through the services: a Friday and a Saturday in ISO week 31 that
straddle July and August, an operation covering two compounds, one recorded at 00:30 Beijing
time on 1 September (still 31 August in UTC) for that day, one withdrawn, and patrol problems of
several ages in two grids. Then every place that shows a figure is read and compared: the staff
totals page (by month and by week), the public totals page, the spreadsheet download, the stored
rollups (week, month, year), the community document's sections, designation progress and the
open problems by grid and age. Totals must equal the sum of their rows.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from campaigns import designations, patrols, rollups_patrols, services
from campaigns.models import Campaign, Designation, Disorder
from campaigns.selectors_patrols import AGE_BUCKETS, OVERDUE, problem_ages
from compounds.models import Compound
from tests import factories
from tongde import rollups
from tongde.models import Rollup
from tongde.periods import PeriodKind, parse_period

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
YEAR = 2026
TODAY = dt.date(2026, 9, 20)
FIGURES = ("operations", "person_times", "truckloads", "tonnes")


def _record(community, staff, held_on, compounds, disorders, *, truckloads, tonnes, persons):
    data = {
        "kind": Campaign.Kind.FRIDAY,
        "held_on": held_on,
        "topic": "",
        "compounds": compounds,
        "buildings": [],
        "spots": "",
        "disorders": disorders,
        "truckloads": truckloads,
        "tonnes": Decimal(tonnes),
        "vehicles_handled": 0,
        "notes": "",
        "is_public": True,
    }
    return services.campaign_record(
        community=community, data=data, participations={"staff": persons}, user=staff
    )


@pytest.fixture
def summer(settings, community, compound_a, compound_b, staff):
    settings.ROLLUP_START = dt.date(2026, 1, 1)
    courtyard = factories.CompoundFactory(
        community=community, name="西环北路楼院", code="xh", kind=Compound.Kind.COURTYARD
    )
    piling = Disorder.objects.create(community=community, code="piling", name="乱堆乱放")
    cars = Disorder.objects.create(community=community, code="cars", name="乱停乱放")
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, 0, tzinfo=SH), tick=False):
        # ISO week 2026-W31 runs from Monday 27 July to Sunday 2 August.
        _record(
            community,
            staff,
            dt.date(2026, 7, 31),
            [compound_a],
            [piling],
            truckloads=2,
            tonnes="4.50",
            persons=12,
        )
        _record(
            community,
            staff,
            dt.date(2026, 8, 1),
            [compound_b, courtyard],
            [piling, cars],
            truckloads=3,
            tonnes="6.25",
            persons=20,
        )
    with time_machine.travel(dt.datetime(2026, 8, 14, 18, 0, tzinfo=SH), tick=False):
        _record(
            community,
            staff,
            dt.date(2026, 8, 14),
            [compound_a, compound_b],
            [cars],
            truckloads=1,
            tonnes="1.75",
            persons=7,
        )
        withdrawn = _record(
            community,
            staff,
            dt.date(2026, 8, 14),
            [courtyard],
            [piling],
            truckloads=9,
            tonnes="99.00",
            persons=99,
        )
        services.campaign_withdraw(campaign=withdrawn, user=staff)
    # 00:30 on 1 September in Beijing is 16:30 on 31 August in UTC: the operation is the
    # community's 1 September and is accepted as today's.
    with time_machine.travel(dt.datetime(2026, 9, 1, 0, 30, tzinfo=SH), tick=False):
        _record(
            community,
            staff,
            dt.date(2026, 9, 1),
            [courtyard],
            [piling],
            truckloads=4,
            tonnes="8.00",
            persons=15,
        )
    # 23:30 on 30 September in Beijing, for that day: September's, not October's.
    with time_machine.travel(dt.datetime(2026, 9, 30, 23, 30, tzinfo=SH), tick=False):
        _record(
            community,
            staff,
            dt.date(2026, 9, 30),
            [compound_a],
            [cars],
            truckloads=0,
            tonnes="0.00",
            persons=3,
        )
    return {"courtyard": courtyard, "a": compound_a, "b": compound_b}


def _fill_rollups():
    with time_machine.travel(dt.datetime(2027, 1, 2, 4, 0, tzinfo=SH), tick=False):
        for kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR):
            rollups.run_all(kind)


def _stored(stat: str, kind: PeriodKind, subject_id: int) -> dict[dt.date, Decimal]:
    return {
        r.period_start: Decimal(str(r.value))
        for r in Rollup.objects.filter(stat=stat, period_kind=kind, subject_id=subject_id)
    }


def _figures(row: dict) -> tuple:
    """A row's figures, without the link each page gives it (the staff page links a row to the
    operations list, the public page to the compound's own operations)."""
    return tuple(row[f] for f in FIGURES)


def _sum(rows, figure):
    return sum((row[figure] for row in rows), start=Decimal(0) if figure == "tonnes" else 0)


def test_the_totals_pages_add_up_and_agree_with_each_other(client, community, staff, summer):
    client.force_login(staff)
    for kind in ("month", "week", "quarter"):
        staff_page = client.get(reverse("campaigns:totals"), {"kind": kind, "year": YEAR})
        assert staff_page.status_code == 200
        rows, total = staff_page.context["rows"], staff_page.context["total"]
        for figure in FIGURES:
            assert _sum(rows, figure) == total[figure], (kind, figure)
    assert (total["operations"], total["person_times"], total["truckloads"]) == (5, 57, 10)
    assert total["tonnes"] == Decimal("20.50")

    client.logout()
    public = client.get(reverse("campaigns:public_totals", args=[community.slug]), {"year": YEAR})
    assert public.status_code == 200
    client.force_login(staff)
    monthly = client.get(reverse("campaigns:totals"), {"kind": "month", "year": YEAR})
    for key in ("total",):
        assert public.context[key] == monthly.context[key]
    assert [(r["period"], *(r[f] for f in FIGURES)) for r in public.context["rows"]] == [
        (r["period"], *(r[f] for f in FIGURES)) for r in monthly.context["rows"]
    ]
    by_compound = {r["compound__name"]: _figures(r) for r in monthly.context["by_compound"]}
    assert {r["compound__name"]: _figures(r) for r in public.context["by_compound"]} == by_compound
    assert {r["disorder__name"]: r for r in public.context["by_disorder"]} == {
        r["disorder__name"]: r for r in monthly.context["by_disorder"]
    }
    # An operation covering two compounds counts for each: a compound counts what covered it.
    assert by_compound[summer["a"].name][0] == 3  # operations
    assert by_compound[summer["courtyard"].name][0] == 2


def test_the_spreadsheet_is_the_page(client, staff, summer):
    client.force_login(staff)
    params = {"kind": "week", "year": YEAR}
    page = client.get(reverse("campaigns:totals"), params)
    response = client.get(reverse("campaigns:totals"), {**params, "format": "xlsx"})
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    by_period, by_compound, by_disorder = (
        list(ws.iter_rows(values_only=True))[1:] for ws in book.worksheets
    )
    rows, total = page.context["rows"], page.context["total"]
    assert len(by_period) == len(rows) + 1
    for line, row in zip(by_period, rows, strict=False):
        assert line[0] == row["period"].display
        assert list(line[1:5]) == [float(row[f]) if f == "tonnes" else row[f] for f in FIGURES]
    assert list(by_period[-1][1:5]) == [
        float(total[f]) if f == "tonnes" else total[f] for f in FIGURES
    ]
    assert {line[0]: line[1] for line in by_compound} == {
        r["compound__name"]: r["operations"] for r in page.context["by_compound"]
    }
    assert {line[0]: line[1] for line in by_disorder} == {
        r["disorder__name"]: r["operations"] for r in page.context["by_disorder"]
    }


def test_the_rollups_and_the_community_document_read_as_the_totals_page(
    client, community, staff, summer
):
    _fill_rollups()
    client.force_login(staff)
    for kind in (PeriodKind.WEEK, PeriodKind.MONTH):
        page = client.get(reverse("campaigns:totals"), {"kind": kind.value, "year": YEAR})
        stored = {f: _stored(f"campaigns.{f}", kind, community.pk) for f in FIGURES}
        for row in page.context["rows"]:
            start = row["period"].start
            if start.year != YEAR or row["period"].end > dt.date(YEAR, 12, 31):
                continue  # a week that straddles a year is the page's part of it only
            for figure in FIGURES:
                assert stored[figure].get(start, Decimal(0)) == Decimal(row[figure]), (
                    kind,
                    start,
                    figure,
                )
    # The week that straddles July and August is one row, both days in it.
    w31 = parse_period(PeriodKind.WEEK, "2026-W31")
    assert _stored("campaigns.operations", PeriodKind.WEEK, community.pk)[w31.start] == 2

    yearly = client.get(reverse("campaigns:totals"), {"kind": "month", "year": YEAR}).context
    url = f"/api/v1/communities/{community.slug}/"
    document = client.get(url, {"period": str(YEAR)}).json()["campaigns"]
    assert document == {
        "operations": yearly["total"]["operations"],
        "person_times": yearly["total"]["person_times"],
        "truckloads": yearly["total"]["truckloads"],
        "tonnes": str(yearly["total"]["tonnes"]),
    }
    for row in yearly["rows"]:
        month = client.get(url, {"period": row["period"].start.strftime("%Y-%m")}).json()
        assert month["campaigns"]["operations"] == row["operations"], row["period"]
        assert month["campaigns"]["tonnes"] == str(row["tonnes"]), row["period"]
    year_start = dt.date(YEAR, 1, 1)
    for figure in FIGURES:
        stored = _stored(f"campaigns.{figure}", PeriodKind.YEAR, community.pk)[year_start]
        assert stored == Decimal(document[figure])
    # Per compound, the stored operations are the page's by-compound rows.
    for row in yearly["by_compound"]:
        stored = _stored("campaigns.compound_operations", PeriodKind.YEAR, row["compound_id"])
        assert stored[year_start] == row["operations"]


def test_designation_progress_reads_the_same_on_the_page_the_document_and_the_rollup(
    client, community, staff, summer
):
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SH), tick=False):
        designations.designation_set(
            compound=summer["a"],
            year=YEAR,
            kind="premium",
            status=Designation.Status.KEPT,
            user=staff,
        )
        designations.designation_set(
            compound=summer["b"],
            year=YEAR,
            kind="premium",
            status=Designation.Status.CANDIDATE,
            user=staff,
        )
        designations.designation_set(
            compound=summer["courtyard"],
            year=YEAR,
            kind="model_courtyard",
            status=Designation.Status.CREATED,
            user=staff,
        )
    _fill_rollups()
    progress = {
        p.kind: p for p in designations.designation_progress(community=community, year=YEAR)
    }
    assert (progress["premium"].count, progress["premium"].eligible) == (1, 2)
    document = client.get(f"/api/v1/communities/{community.slug}/", {"period": str(YEAR)}).json()[
        "designations"
    ]
    stored = {
        r.dimension: Decimal(str(r.value))
        for r in Rollup.objects.filter(
            stat="campaigns.designation_rate", period_kind=PeriodKind.YEAR, subject_id=community.pk
        )
    }
    for kind, p in progress.items():
        assert document[kind]["count"] == p.count
        assert document[kind]["eligible"] == p.eligible
        assert Decimal(document[kind]["rate"]) == p.rate.quantize(Decimal("0.0001"))
        assert stored[kind].quantize(Decimal("0.0001")) == p.rate.quantize(Decimal("0.0001"))
    client.force_login(staff)
    page = client.get(reverse("campaigns:designation_list"), {"year": YEAR})
    assert page.status_code == 200


@pytest.fixture
def problems(community, compound_a, compound_b, staff, grid_worker, summer):
    grid = factories.GridFactory(community=community, name="一网格", worker=grid_worker)
    grid.compounds.add(compound_a, summer["courtyard"])
    other = factories.GridFactory(community=community, name="二网格", worker=grid_worker)
    other.compounds.add(compound_b)

    def log(grid, day, *items):
        problems = [
            patrols.ProblemInput(compound=c, description="楼道堆放杂物", fixed_on_spot=fixed)
            for c, fixed in items
        ]
        return patrols.patrol_log(
            grid=grid,
            patrolled_on=day,
            route="东门",
            problems=problems,
            user=grid_worker,
            today=day,
        )

    # Ages on TODAY: 0, 3 and 4 (each side of a bucket edge), 30 and 31, 45 (overdue).
    log(grid, TODAY, (compound_a, False), (summer["courtyard"], True))
    log(grid, TODAY - dt.timedelta(days=3), (compound_a, False))
    log(grid, TODAY - dt.timedelta(days=4), (summer["courtyard"], False))
    log(other, TODAY - dt.timedelta(days=30), (compound_b, False))
    log(other, TODAY - dt.timedelta(days=31), (compound_b, False), (compound_b, True))
    log(other, TODAY - dt.timedelta(days=45), (compound_b, False))
    return {"grid": grid, "other": other}


def test_open_problems_by_grid_and_age_add_up(client, staff, problems):
    rows = {r.grid_name: r for r in problem_ages(user=staff, today=TODAY)}
    buckets = [name for name, _low, _high in AGE_BUCKETS]
    for row in rows.values():
        assert sum(row.counts[b] for b in buckets) == row.total, row.grid_name
    assert rows["一网格"].total == 3
    assert rows["二网格"].total == 3
    assert rows["二网格"].counts["31+"] == 2
    # Each count is the filtered problem list's length.
    client.force_login(staff)
    with time_machine.travel(dt.datetime(2026, 9, 20, 23, 30, tzinfo=SH), tick=False):
        page = client.get(reverse("campaigns:problem_ages"))
        assert page.status_code == 200
        for row in rows.values():
            for bucket in [*buckets, OVERDUE]:
                listed = client.get(
                    reverse("campaigns:problem_list"), {"grid": row.grid_id, "age": bucket}
                )
                assert listed.status_code == 200
                assert listed.context["page"].paginator.count == row.counts[bucket], (
                    row.grid_name,
                    bucket,
                )


def test_problems_found_rollups_add_up_to_the_patrols(problems):
    with time_machine.travel(dt.datetime(2026, 10, 5, 4, 0, tzinfo=SH), tick=False):
        for kind in (PeriodKind.WEEK, PeriodKind.MONTH):
            rollups.run_all(kind)
    assert rollups_patrols.PATROL_STATS
    for grid, found in ((problems["grid"], 4), (problems["other"], 4)):
        for kind in (PeriodKind.MONTH,):
            stored = _stored("campaigns.problems_found", kind, grid.pk)
            assert sum(stored.values()) == found, grid.name
