"""Fixtures the scorecards tests share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scorecards.models import Scorecard
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
