"""Builders for the public-list tests: publications made directly from model objects (no tests
here). ``publish`` writes a publication with one entry per row, and its published scorecards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from compounds.models import Compound, PropertyCompany
from scorecards.models import Publication, PublicationEntry, Scorecard
from scorecards.setup import rubric_for
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")

BLACK_REASONS = {
    "reasons": ["veto", "below_black"],
    "criteria": [
        {
            "code": "cleanliness",
            "name": "Cleanliness",
            "name_zh": "环境卫生",
            "count": 3,
            "points": "6.00",
        },
        {
            "code": "fire_safety",
            "name": "Fire safety and fire lanes",
            "name_zh": "消防安全与消防通道",
            "count": 1,
            "points": "3.00",
        },
    ],
    "vetoes": [
        {
            "code": "missing_monthly_report",
            "name": "No monthly report after the grace period",
            "name_zh": "宽限期满仍未报送月报",
        }
    ],
}


def row(compound, score, band, *, rank=None, inspections=2, veto=False, reasons=None, company=None):
    return {
        "compound": compound,
        "company": company,
        "score": Decimal(str(score)),
        "band": band,
        "rank": rank,
        "inspections": inspections,
        "veto": veto,
        "reasons": reasons if reasons is not None else {},
    }


def company_of(compound: Compound) -> PropertyCompany:
    return compound.contracts.current(dt.date(2030, 1, 1)).first().company


def publish(
    community,
    month: dt.date,
    rows: list[dict],
    *,
    by=None,
    sequence: int = 1,
    correction_of: Publication | None = None,
    note: str = "",
    published_at: dt.datetime | None = None,
) -> Publication:
    by = by or factories.UserFactory()
    rubric = rubric_for(community, month.year)
    publication = Publication.objects.create(
        community=community,
        month=month,
        sequence=sequence,
        published_by=by,
        correction_of=correction_of,
        correction_note=note,
        published_at=published_at
        or dt.datetime(month.year, month.month, 12, 9, 30, tzinfo=SHANGHAI) + dt.timedelta(days=31),
        red_count=sum(r["band"] == "red" for r in rows),
        black_count=sum(r["band"] == "black" for r in rows),
        none_count=sum(r["band"] == "none" for r in rows),
        unranked_count=sum(r["band"] == "unranked" for r in rows),
    )
    for r in rows:
        compound = r["compound"]
        company = r["company"] or company_of(compound)
        card, _ = Scorecard.objects.update_or_create(
            compound=compound,
            month=month,
            defaults={
                "company": company,
                "rubric": rubric,
                "status": Scorecard.Status.PUBLISHED,
                "total": r["score"],
                "band": r["band"],
                "inspections": r["inspections"],
                "has_veto": r["veto"],
            },
        )
        PublicationEntry.objects.create(
            publication=publication,
            scorecard=card,
            compound=compound,
            company=company,
            compound_name=compound.name,
            company_name=company.name,
            score=r["score"],
            band=r["band"],
            rank=r["rank"],
            veto=r["veto"],
            inspections=r["inspections"],
            reasons=r["reasons"],
        )
    return publication


def bulk_publish(community, company, month: dt.date, count: int, *, by=None) -> Publication:
    """A publication of ``count`` fresh compounds, written in a few statements."""
    by = by or factories.UserFactory()
    rubric = rubric_for(community, month.year)
    compounds = Compound.objects.bulk_create(
        Compound(
            community=community,
            code=f"bulk-{month:%Y%m}-{i}",
            name=f"批量小区{month:%Y%m}-{i:04d}",
            kind=Compound.Kind.MANAGED,
        )
        for i in range(count)
    )
    bands = ["red", "black", "none", "unranked"]
    cards = Scorecard.objects.bulk_create(
        Scorecard(
            compound=c,
            company=company,
            month=month,
            rubric=rubric,
            status=Scorecard.Status.PUBLISHED,
            total=Decimal(60 + i % 40),
            band=bands[i % 4],
        )
        for i, c in enumerate(compounds)
    )
    publication = Publication.objects.create(
        community=community, month=month, published_by=by, red_count=count // 4
    )
    PublicationEntry.objects.bulk_create(
        PublicationEntry(
            publication=publication,
            scorecard=card,
            compound=card.compound,
            company=company,
            compound_name=card.compound.name,
            company_name=company.name,
            score=card.total,
            band=card.band,
            rank=i + 1 if card.band != "unranked" else None,
            inspections=2,
            reasons=BLACK_REASONS if card.band == "black" else {},
            veto=card.band == "black",
        )
        for i, card in enumerate(cards)
    )
    return publication
