"""The staff pages that gather late and missing reports per community (the scoring home and the
overdue reports panel) run as many queries for one community as for four: a superuser sees them
all, and each community's panel still lists its own compounds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

PAGES = ["scorecards:scoring_home", "scorecards:reports_overdue"]
ROWS_KEY = {"scorecards:scoring_home": "late_reports", "scorecards:reports_overdue": "rows"}


def _community_with_unreported_compounds(n: int):
    community = factories.CommunityFactory(name=f"社区{n:02d}")
    for i in range(2):
        compound = factories.CompoundFactory(community=community, name=f"小区{n:02d}-{i}")
        factories.ServiceContractFactory(compound=compound)
    return community


def _queries(client, page: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(page))
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_the_query_count_does_not_grow_with_the_communities(client, superuser, page):
    client.force_login(superuser)
    first = _community_with_unreported_compounds(0)
    client.get(reverse(page))  # warm the session and the caches
    one, response = _queries(client, page)
    assert [p["community"] for p in response.context["panels"]] == [first]
    others = [_community_with_unreported_compounds(n) for n in range(1, 4)]
    four, response = _queries(client, page)
    panels = response.context["panels"]
    assert {p["community"].pk for p in panels} == {first.pk, *(c.pk for c in others)}
    for panel in panels:
        compounds = {row.compound.community_id for row in panel[ROWS_KEY[page]]}
        # No report was ever filed: the months past their grace period are missing.
        assert compounds == {panel["community"].pk}
    assert four == one
