"""Fixtures the scorecards tests share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scorecards.models import Agreement, Commitment, Scorecard
from scorecards.setup import rubric_for
from tests import factories
from tests.scorecards.test_public_data import publish, row

# What each role gets from a page only the community's scoring staff may open: anonymous
# visitors are sent to log in, other roles are refused.
SCORING_STAFF_PAGE = [
    (None, 302),
    ("resident", 403),
    ("company_user_a", 403),
    ("committee_member_a", 403),
    ("grid_worker", 403),
    ("staff", 200),
    ("superuser", 200),
]
APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)
YEAR = 2024  # the year of the assessment fixtures


@pytest.fixture
def compound_c(community, company_a):
    compound = factories.CompoundFactory(community=community, name="丙小区", code="c")
    factories.ServiceContractFactory(compound=compound, company=company_a)
    return compound


@pytest.fixture
def lists(community, compound_a, compound_b, compound_c):
    """The lists of Q2 2024: 甲 and 丙 tie every month; 乙's May black listing is corrected to
    72 and its June is unranked; July is drafted, never published."""
    publish(
        community,
        APRIL,
        [
            row(compound_a, "95", "red", rank=1),
            row(compound_c, "95", "red", rank=1),
            row(compound_b, "60", "black", rank=3),
        ],
    )
    may1 = publish(
        community,
        MAY,
        [
            row(compound_a, "80", "none", rank=1),
            row(compound_c, "80", "none", rank=1),
            row(compound_b, "50", "black", rank=3),
        ],
    )
    publish(
        community,
        MAY,
        [
            row(compound_a, "80", "none", rank=1),
            row(compound_c, "80", "none", rank=1),
            row(compound_b, "72", "none", rank=3),
        ],
        sequence=2,
        correction_of=may1,
        note="corrected",
    )
    publish(
        community,
        JUNE,
        [
            row(compound_a, "90", "red", rank=1),
            row(compound_c, "90", "red", rank=1),
            row(compound_b, "40", "unranked", inspections=1),
        ],
    )
    # July drafted, not published: counts nowhere.
    Scorecard.objects.create(
        compound=compound_a,
        company=compound_a.contracts.first().company,
        month=dt.date(2024, 7, 1),
        rubric=rubric_for(community, 2024),
        total=Decimal(1),
        band="black",
    )


@pytest.fixture
def agreement(compound_a, company_a):
    agreement = Agreement.objects.create(
        compound=compound_a,
        company=company_a,
        year=YEAR,
        target_fee_collection_rate=Decimal("0.9000"),
        target_complaint_days=2,
        target_satisfaction=Decimal("0.8500"),
    )
    Commitment.objects.create(agreement=agreement, position=1, text="24小时门岗值守")
    Commitment.objects.create(agreement=agreement, position=2, text="每周清洗垃圾桶")
    Commitment.objects.create(agreement=agreement, position=3, text="已撤回", is_withdrawn=True)
    return agreement


def twelve_lists(community, compound_a, compound_b, *, a_scores=None, veto_month=None):
    """A year of lists: 甲 scores ``a_scores`` (default 92 every month), 乙 75."""
    for m in range(1, 13):
        score = (a_scores or [92] * 12)[m - 1]
        band = "red" if score >= 90 else "black" if score < 70 else "none"
        publish(
            community,
            dt.date(YEAR, m, 1),
            [
                row(compound_a, score, band, rank=1, veto=m == veto_month),
                row(compound_b, 75, "none", rank=2),
            ],
        )


@pytest.fixture
def year_listed(community, compound_a, compound_b, agreement):
    twelve_lists(community, compound_a, compound_b)  # 甲: 92 every month, suggested excellent
