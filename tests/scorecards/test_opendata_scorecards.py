"""The ``redblack`` section of the community document: latest current month and band counts;
drafts and unpublished months never count; the period filter picks the latest month in it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from scorecards.models import Scorecard
from scorecards.setup import rubric_for
from scorecards.signals import list_published
from tests.scorecards.test_public_data import publish, row

APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)
URL = "/api/v1/communities/tongde-lane/"


def test_empty_section(client, community):
    doc = client.get(URL).json()
    assert doc["redblack"] == {
        "latest_month": None,
        "edition": None,
        "published_at": None,
        "counts": {"red": 0, "black": 0, "none": 0, "unranked": 0},
    }


def test_latest_current_month_and_counts(client, community, compound_a, compound_b):
    publish(community, APRIL, [row(compound_a, "95", "red", rank=1)])
    may1 = publish(
        community,
        MAY,
        [row(compound_a, "95", "red", rank=1), row(compound_b, "60", "black", rank=2)],
    )
    publish(
        community,
        MAY,
        [row(compound_a, "95", "red", rank=1), row(compound_b, "75", "none", rank=2)],
        sequence=2,
        correction_of=may1,
        note="corrected",
    )
    # A June draft: not published, not counted.
    Scorecard.objects.create(
        compound=compound_a,
        company=compound_a.contracts.first().company,
        month=JUNE,
        rubric=rubric_for(community, 2024),
        total=Decimal(10),
        band="black",
    )
    section = client.get(URL).json()["redblack"]
    assert section["latest_month"] == "2024-05"
    assert section["edition"] == 2
    assert section["published_at"].endswith("+08:00")
    assert section["counts"] == {"red": 1, "black": 0, "none": 1, "unranked": 0}
    april = client.get(URL + "?period=2024-04").json()["redblack"]
    assert april["latest_month"] == "2024-04"
    assert april["counts"]["red"] == 1
    assert client.get(URL + "?period=2024-06").json()["redblack"]["latest_month"] is None
    assert client.get(URL + "?period=2024").json()["redblack"]["latest_month"] == "2024-05"


def test_publication_refreshes_the_cached_document(client, community, compound_a, settings):
    settings.OPENDATA_CACHE_SECONDS = 600
    assert client.get(URL).json()["redblack"]["latest_month"] is None
    publish(community, APRIL, [row(compound_a, "95", "red", rank=1)])
    # Cached for ten minutes...
    assert client.get(URL).json()["redblack"]["latest_month"] is None
    # ...unless a list is published.
    list_published.send(sender=None, community_id=community.pk, month=APRIL)
    assert client.get(URL).json()["redblack"]["latest_month"] == "2024-04"
