"""The meetings, regulations and designations sections of the public community document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from campaigns.models import (
    Designation,
    DesignationTarget,
    Meeting,
    Regulation,
    RegulationOpinion,
    RegulationVersion,
)
from compounds.models import Compound
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cache(settings) -> None:
    settings.OPENDATA_CACHE_SECONDS = 0


def doc(client, community, period: str | None = None) -> dict:
    url = f"/api/v1/communities/{community.slug}/"
    response = client.get(url, {"period": period} if period else {})
    assert response.status_code == 200
    return response.json()


def _meeting(community, kind: str, day: dt.date, title: str = "会议") -> Meeting:
    return Meeting.objects.create(community=community, kind=kind, held_on=day, title=title)


def test_meetings_are_counted_by_kind_in_the_period_without_titles(
    client, community, other_community
):
    # given
    _meeting(community, "promotion", dt.date(2020, 3, 4), "秘密的动员会")
    _meeting(community, "promotion", dt.date(2020, 12, 31))
    _meeting(community, "joint", dt.date(2020, 7, 1))
    _meeting(community, "training", dt.date(2021, 1, 1))
    _meeting(other_community, "joint", dt.date(2020, 5, 1))

    # when
    year = doc(client, community, "2020")
    quarter = doc(client, community, "2020-Q3")
    ever = doc(client, community)

    # then
    assert year["meetings"] == {"promotion": 2, "training": 0, "joint": 1, "study_visit": 0}
    assert quarter["meetings"] == {"promotion": 0, "training": 0, "joint": 1, "study_visit": 0}
    assert ever["meetings"] == {"promotion": 2, "training": 1, "joint": 1, "study_visit": 0}
    assert "秘密" not in str(ever)


def test_regulations_revised_counts_revisions_in_the_period_and_never_opinions(client, community):
    # given
    regulation = Regulation.objects.create(community=community, code="c", title="小区居民公约")
    RegulationVersion.objects.create(
        regulation=regulation,
        number=1,
        adopted_on=dt.date(2016, 3, 1),
        effective_on=dt.date(2016, 3, 1),
    )
    v2 = RegulationVersion.objects.create(
        regulation=regulation,
        number=2,
        adopted_on=dt.date(2020, 6, 20),
        effective_on=dt.date(2020, 6, 21),
    )
    RegulationOpinion.objects.create(
        version=v2, received_on=dt.date(2020, 6, 1), opinion="李四家的狗太吵"
    )

    # when / then
    assert doc(client, community, "2020")["regulations_revised"] == 1
    assert doc(client, community, "2019")["regulations_revised"] == 0
    assert doc(client, community, "2020-06")["regulations_revised"] == 1
    assert doc(client, community)["regulations_revised"] == 1
    assert "李四" not in str(doc(client, community))


@pytest.fixture
def registry(community):
    """Five managed compounds, sixteen courtyards and one archived courtyard."""
    managed = [
        factories.CompoundFactory(community=community, code=f"m{i}", kind=Compound.Kind.MANAGED)
        for i in range(5)
    ]
    courtyards = [
        factories.CompoundFactory(community=community, code=f"c{i}", kind=Compound.Kind.COURTYARD)
        for i in range(16)
    ]
    archived = factories.CompoundFactory(
        community=community, code="gone", kind=Compound.Kind.COURTYARD, is_archived=True
    )
    return managed, courtyards, archived


def _designate(compounds, year: int, status: str = "created") -> None:
    for compound in compounds:
        Designation.objects.create(compound=compound, year=year, status=status)


def test_designations_exactly_at_the_target_with_the_default_targets(client, community, registry):
    # given: 4 of 5 premium (exactly 80%), 5 of 16 courtyards; an archived courtyard designated,
    # a candidate and a withdrawn one, none of which count
    managed, courtyards, archived = registry
    _designate(managed[:4], 2020)
    _designate(courtyards[:5], 2020)
    _designate([archived], 2020)
    _designate([courtyards[5]], 2020, "candidate")
    _designate([courtyards[6]], 2020, "withdrawn")

    # when
    designations = doc(client, community, "2020")["designations"]

    # then
    assert designations == {
        "premium": {"count": 4, "eligible": 5, "rate": "0.8000", "target": "0.8000"},
        "model_courtyard": {"count": 5, "eligible": 16, "rate": "0.3125", "target": "0.3000"},
    }


def test_a_target_set_by_staff_replaces_the_default(client, community, registry):
    # given
    managed, _courtyards, _archived = registry
    _designate(managed[:3], 2021, "kept")
    DesignationTarget.objects.create(
        community=community, year=2021, kind="premium", target_rate=Decimal("0.6")
    )

    # when
    premium = doc(client, community, "2021")["designations"]["premium"]

    # then
    assert premium == {"count": 3, "eligible": 5, "rate": "0.6000", "target": "0.6000"}


def test_without_a_period_the_latest_year_with_designations(client, community, registry):
    # given
    managed, courtyards, _archived = registry
    _designate(managed[:2], 2019)
    _designate(managed[:5], 2020)
    _designate(courtyards[:1], 2020)

    # when
    designations = doc(client, community)["designations"]

    # then
    assert designations["premium"]["count"] == 5
    assert designations["model_courtyard"]["rate"] == "0.0625"


def test_nothing_eligible_gives_no_rate_rather_than_zero(client, community):
    # when: a community without compounds
    designations = doc(client, community, "2020")["designations"]

    # then
    assert designations["premium"] == {
        "count": 0,
        "eligible": 0,
        "rate": None,
        "target": "0.8000",
    }
