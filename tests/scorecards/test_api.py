"""Open data of the red/black lists: exact columns, decimal strings, Beijing time, corrections,
CSV with a BOM, 404 JSON for what is not published, CORS everywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from scorecards.api import COLUMNS
from scorecards.models import Publication, Scorecard
from scorecards.setup import rubric_for
from tests.scorecards.test_public_data import BLACK_REASONS, SHANGHAI, bulk_publish, publish, row
from tongde.views import page_not_found

APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)
BASE = "/api/v1/communities/tongde-lane/redblack/"


@pytest.fixture
def lists(community, compound_a, compound_b):
    april = publish(
        community,
        APRIL,
        [row(compound_a, "89.99", "none", rank=1), row(compound_b, "70", "none", rank=2)],
        published_at=dt.datetime(2024, 5, 14, 10, 0, tzinfo=dt.UTC),
    )
    may1 = publish(
        community,
        MAY,
        [
            row(compound_a, "90.00", "red", rank=1),
            row(compound_b, "69.99", "black", rank=2, veto=True, reasons=BLACK_REASONS),
        ],
        published_at=dt.datetime(2024, 6, 12, 9, 30, tzinfo=SHANGHAI),
    )
    may2 = publish(
        community,
        MAY,
        [row(compound_a, "90.00", "red", rank=1), row(compound_b, "71.00", "none", rank=2)],
        sequence=2,
        correction_of=may1,
        note="复核后更正",
        published_at=dt.datetime(2024, 6, 20, 16, 5, tzinfo=SHANGHAI),
    )
    Scorecard.objects.create(
        compound=compound_a,
        company=compound_a.contracts.first().company,
        month=JUNE,
        rubric=rubric_for(community, 2024),
        total=Decimal("55.55"),
        band="black",
    )
    return {"april": april, "may1": may1, "may2": may2}


def test_month_json_rows_and_columns(client, lists, compound_a, compound_b):
    response = client.get(BASE + "2024-04.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    assert doc["columns"] == list(COLUMNS)
    assert doc["month"] == "2024-04"
    assert doc["edition"] == 1
    assert doc["correction_of"] == ""
    assert doc["rows"] == [
        {
            "compound": compound_a.name,
            "company": "甲物业",
            "score": "89.99",
            "band": "none",
            "veto": False,
            "inspections": 2,
            "published_at": "2024-05-14T18:00:00+08:00",
            "correction_of": "",
        },
        {
            "compound": compound_b.name,
            "company": "乙物业",
            "score": "70.00",
            "band": "none",
            "veto": False,
            "inspections": 2,
            "published_at": "2024-05-14T18:00:00+08:00",
            "correction_of": "",
        },
    ]
    assert all(list(r) == list(COLUMNS) for r in doc["rows"])


def test_corrected_month_serves_the_correction(client, lists):
    doc = client.get(BASE + "2024-05.json").json()
    assert doc["edition"] == 2
    assert doc["correction_of"] == "2024-05#1"
    assert doc["correction_note"] == "复核后更正"
    assert [(r["score"], r["band"], r["veto"]) for r in doc["rows"]] == [
        ("90.00", "red", False),
        ("71.00", "none", False),
    ]
    assert {r["correction_of"] for r in doc["rows"]} == {"2024-05#1"}
    assert {r["published_at"] for r in doc["rows"]} == {"2024-06-20T16:05:00+08:00"}
    assert doc["counts"] == {"red": 1, "black": 0, "none": 1, "unranked": 0}


def test_latest_json_is_the_latest_published_month_not_the_draft(client, lists):
    doc = client.get(BASE + "latest.json").json()
    assert doc["month"] == "2024-05"
    assert doc["edition"] == 2
    assert "55.55" not in client.get(BASE + "latest.json").content.decode()


def test_csv_has_bom_header_and_rows(client, lists, compound_b):
    response = client.get(BASE + "2024-05.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'filename="redblack-tongde-lane-2024-05.csv"' in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert parsed[0] == list(COLUMNS)
    assert parsed[2] == [
        compound_b.name,
        "乙物业",
        "71.00",
        "none",
        "false",
        "2",
        "2024-06-20T16:05:00+08:00",
        "2024-05#1",
    ]
    assert client.get(BASE + "latest.csv").content == body


@pytest.mark.parametrize(
    "path",
    [
        "2024-06.json",  # scorecards drafted, nothing published
        "2024-06.csv",
        "2023-01.json",
        "2024-13.json",
        "2024-00.csv",
    ],
)
def test_unpublished_or_unknown_month_is_404_json(client, lists, path):
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["latest.json", "latest.csv", "2024-05.json"])
def test_unknown_community_is_404_json(client, lists, path):
    response = client.get(f"/api/v1/communities/nowhere/redblack/{path}")
    assert response.status_code == 404
    assert response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/communities/nope/",
        "/api/v1/communities/tongde-lane/redblack/2026-1.json",
        "/api/v1/communities/tongde-lane/redblack/bogus.json",
        "/api/v1/communities/tongde-lane/redblack/latest.xml",
        "/api/v1/communities/tongde-lane/nothing-here/",
        "/api/v2/",
        "/api/",
    ],
)
def test_every_404_under_api_is_json_with_cors(client, lists, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_view_under_api_that_raises_http404_answers_json(rf):
    response = page_not_found(rf.get("/api/v1/communities/x/bulletins/"), Http404("gone"))
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "error" in response.content.decode()
    assert page_not_found(rf.get("/registry/nowhere/"), Http404("gone"))["Content-Type"].startswith(
        "text/html"
    )


def test_bad_period_is_400_json_with_cors(client, community):
    response = client.get(f"/api/v1/communities/{community.slug}/?period=last-year")
    assert response.status_code == 400
    assert response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_published_at_to_the_second(client, lists):
    Publication.objects.update(
        published_at=dt.datetime(2024, 6, 12, 9, 30, 5, 33077, tzinfo=SHANGHAI)
    )
    assert client.get(BASE + "2024-05.json").json()["published_at"] == "2024-06-12T09:30:05+08:00"


def test_nothing_published_yet(client, community):
    response = client.get(BASE + "latest.json")
    assert response.status_code == 404
    assert response.json() == {"error": "no list published yet"}


def test_drafts_in_no_export(client, lists):
    for path in ("latest.json", "latest.csv", "2024-04.json", "2024-05.csv"):
        assert "55.55" not in client.get(BASE + path).content.decode("utf-8-sig")


def test_post_refused(client, lists):
    assert client.post(BASE + "latest.json").status_code == 405


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_query_count_does_not_grow(client, community, other_community, company_a, suffix):
    bulk_publish(community, company_a, MAY, 10)
    bulk_publish(other_community, company_a, MAY, 1000)
    small = _count(client, f"{BASE}2024-05.{suffix}")
    large = _count(client, f"/api/v1/communities/other/redblack/2024-05.{suffix}")
    assert small == large
    rows = client.get(f"/api/v1/communities/other/redblack/2024-05.{suffix}").content
    assert rows.count("批量小区".encode()) == 1000


@pytest.mark.parametrize(
    ("band", "inspections", "json_score", "csv_score"),
    [
        ("red", 2, "95.00", "95.00"),
        ("none", 2, "95.00", "95.00"),
        ("black", 1, "95.00", "95.00"),  # a veto black-lists even with too few inspections
        # Unranked: its computed score was not judged, so it is no score at all, as on the page.
        ("unranked", 1, None, ""),
        ("unranked", 0, None, ""),
    ],
)
def test_only_a_ranked_compound_has_a_score(
    client, community, compound_a, band, inspections, json_score, csv_score
):
    # given
    publish(community, MAY, [row(compound_a, "95", band, inspections=inspections)])
    # when
    doc = client.get(BASE + "2024-05.json").json()
    body = client.get(BASE + "2024-05.csv").content.decode("utf-8-sig")
    # then
    assert [(r["score"], r["band"]) for r in doc["rows"]] == [(json_score, band)]
    parsed = list(csv.DictReader(io.StringIO(body)))
    assert [(r["score"], r["band"]) for r in parsed] == [(csv_score, band)]
