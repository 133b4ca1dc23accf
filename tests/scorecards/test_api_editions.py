"""Open data of the quarterly bulletins and annual assessments: the published snapshot (never a
figure computed now), the current edition after a correction, CSV with a BOM, JSON 404 for what
is not published, no personal data, constant queries, and the community document's section."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scorecards import bulletins
from scorecards.api_editions import ASSESSMENT_COLUMNS, BULLETIN_COLUMNS
from scorecards.assessments import assessment_correct
from scorecards.models import Agreement
from tests.scorecards.conftest import YEAR, twelve_lists
from tests.scorecards.test_assessments import publish_assessment

BASE = "/api/v1/communities/tongde-lane/"
Q2 = bulletins.quarter_of("2024-Q2")


@pytest.fixture
def bulletin(community, lists, staff):
    return bulletins.bulletin_publish(
        community=community,
        quarter=Q2,
        summary="本季度甲小区、丙小区并列第一。",
        user=staff,
        today=dt.date(2024, 7, 1),
    )


def rows_of(csv_bytes: bytes) -> list[dict]:
    text = csv_bytes.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_bulletin_json_is_the_published_snapshot(client, bulletin, compound_a, staff):
    compound_a.name = "甲小区（改名）"  # renamed after publishing: the data keeps the old name
    compound_a.save()
    response = client.get(BASE + "bulletins/2024-Q2.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    assert (doc["quarter"], doc["edition"], doc["correction_of"]) == ("2024-Q2", 1, "")
    assert doc["published_at"].endswith("+08:00")
    assert doc["summary"] == "本季度甲小区、丙小区并列第一。"
    assert doc["months"] == ["2024-04", "2024-05", "2024-06"]
    assert doc["columns"] == list(BULLETIN_COLUMNS)
    assert [(r["rank"], r["compound"], r["average"]) for r in doc["compounds"]] == [
        (1, "丙小区", "88.33"),
        (1, "甲小区", "88.33"),
        (3, "乙小区", "66.00"),
    ]
    b = doc["compounds"][2]
    assert (b["red"], b["black"], b["none"], b["unranked"]) == (0, 1, 1, 1)
    assert all(list(r) == list(BULLETIN_COLUMNS) for r in doc["compounds"])
    assert (doc["totals"]["red"], doc["totals"]["black"]) == (4, 1)
    assert [c["company"] for c in doc["companies"]] == [
        c["name"] for c in bulletin.figures["companies"]
    ]
    # Who published it is nobody's business: no account name in the data.
    assert staff.username not in response.content.decode()


def test_a_corrected_bulletin_is_replaced_by_its_correction(client, bulletin, staff):
    bulletins.bulletin_correct(bulletin=bulletin, summary="修订版", note="6月更正", user=staff)
    for url in ("bulletins/2024-Q2.json", "bulletins/latest.json"):
        doc = client.get(BASE + url).json()
        assert (doc["edition"], doc["correction_of"], doc["correction_note"]) == (
            2,
            "2024-Q2#1",
            "6月更正",
        ), url
        assert doc["summary"] == "修订版"


def test_bulletin_csv_has_the_compounds_table(client, bulletin):
    response = client.get(BASE + "bulletins/2024-Q2.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'filename="bulletin-tongde-lane-2024-Q2.csv"' in response["Content-Disposition"]
    rows = rows_of(response.content)
    assert list(rows[0]) == list(BULLETIN_COLUMNS)
    assert [(r["rank"], r["compound"], r["average"], r["black"]) for r in rows] == [
        ("1", "丙小区", "88.33", "0"),
        ("1", "甲小区", "88.33", "0"),
        ("3", "乙小区", "66.00", "1"),
    ]
    assert client.get(BASE + "bulletins/latest.csv").content == response.content


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("bulletins/latest.json", "no bulletin published yet"),
        ("bulletins/latest.csv", "no bulletin published yet"),
        ("bulletins/2024-Q2.json", "no bulletin published for 2024-Q2"),
        ("bulletins/0000-Q1.json", "no quarter 0000-Q1"),
        ("assessments/2024.json", "no assessment published for 2024"),
        ("assessments/0000.csv", "no assessment published for 0000"),
    ],
)
def test_what_is_not_published_is_a_json_404(client, community, lists, url, error):
    # The quarter's lists are out but no bulletin is published: nothing is computed on the fly.
    response = client.get(BASE + url)
    assert response.status_code == 404
    assert response.json() == {"error": error}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_community_is_a_json_404(client, bulletin):
    response = client.get("/api/v1/communities/nowhere/bulletins/2024-Q2.json")
    assert (response.status_code, response.json()) == (404, {"error": "no community nowhere"})


def test_another_communitys_bulletin_is_not_served(client, bulletin, other_community):
    response = client.get(f"/api/v1/communities/{other_community.slug}/bulletins/2024-Q2.json")
    assert response.status_code == 404


def test_assessments_json_and_csv(client, agreement, year_listed, staff):
    first = publish_assessment(agreement, staff, conclusion="全年十二个月均上红榜。")
    doc = client.get(BASE + f"assessments/{YEAR}.json").json()
    assert doc["columns"] == list(ASSESSMENT_COLUMNS)
    [only] = doc["rows"]
    assert list(only) == list(ASSESSMENT_COLUMNS)
    assert {k: only[k] for k in ("compound", "grade", "suggested_grade", "average", "rank")} == {
        "compound": agreement.compound.name,
        "grade": "excellent",
        "suggested_grade": "excellent",
        "average": "92.00",
        "rank": 1,
    }
    assert (only["red"], only["black"], only["vetoes"]) == (12, 0, 0)
    assert (only["fee_rate_target"], only["satisfaction_target"]) == ("0.9000", "0.8500")
    assert (only["edition"], only["correction_of"]) == (1, "")
    assert staff.username not in str(doc)

    assessment_correct(
        assessment=first,
        grade="good",
        conclusion="更正",
        note="补录",
        grade_reason="投诉较多",
        user=staff,
    )
    [corrected] = client.get(BASE + f"assessments/{YEAR}.json").json()["rows"]
    assert (corrected["grade"], corrected["edition"], corrected["correction_of"]) == (
        "good",
        2,
        f"{YEAR}#1",
    )
    response = client.get(BASE + f"assessments/{YEAR}.csv")
    [line] = rows_of(response.content)
    assert (line["grade"], line["edition"], line["conclusion"]) == ("good", "2", "更正")


def test_assessments_json_costs_the_same_queries_at_two_sizes(
    client,
    community,
    compound_a,
    compound_b,
    agreement,
    staff,
):
    twelve_lists(community, compound_a, compound_b)
    publish_assessment(agreement, staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE + f"assessments/{YEAR}.json").status_code == 200
        return len(ctx.captured_queries)

    one = queries()
    other = Agreement.objects.create(compound=compound_b, company=agreement.company, year=YEAR)
    publish_assessment(other, staff, grade="pass")
    assert len(client.get(BASE + f"assessments/{YEAR}.json").json()["rows"]) == 2
    assert queries() == one


def test_the_community_document_names_the_latest_bulletin(client, bulletin, community):
    doc = client.get(BASE).json()
    assert doc["bulletins"]["latest_quarter"] == "2024-Q2"
    assert doc["bulletins"]["edition"] == 1
    doc = client.get(BASE + "?period=2024-Q1").json()
    assert doc["bulletins"] == {"latest_quarter": None, "edition": None, "published_at": None}


def test_public_pages_link_the_data(client, bulletin, community):
    page = client.get(f"/scorecards/public/{community.slug}/bulletins/2024-Q2/").content.decode()
    assert BASE + "bulletins/2024-Q2.json" in page
    assert BASE + "bulletins/2024-Q2.csv" in page
