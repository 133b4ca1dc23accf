"""A range query is compiled once per kind and database and its dates put in (``_range_sql``):
for every registered statistic and group, and every kind, that gives exactly the SQL and
parameters of compiling the queryset for those dates; a query whose dates are not its bare
parameters is compiled every time, and its figures stay right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from campaigns.models import Campaign
from tests.campaigns.factories import CampaignFactory
from tongde import rollups
from tongde.models import Rollup
from tongde.periods import Period, PeriodKind

RANGES = [
    (dt.date(2020, 3, 1), dt.date(2020, 4, 1)),
    (dt.date(2025, 12, 29), dt.date(2027, 1, 4)),
    (dt.date(2024, 2, 29), dt.date(2024, 3, 1)),
]


def _range_queries():
    for stat in rollups.STATS.values():
        if stat.range_query is not None:
            yield stat.name, stat.range_query
    for group in rollups.GROUPS.values():
        yield f"group {group.name}", group.range_query


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(PeriodKind))
def test_the_compiled_query_equals_the_queryset_compiled_for_those_dates(kind):
    checked = 0
    for name, range_query in _range_queries():
        for start, end in RANGES:
            expected = range_query(kind, start, end).query.sql_with_params()
            sql, params = rollups._range_sql(range_query, kind, start, end)
            assert (sql, tuple(params)) == (expected[0], tuple(expected[1])), name
            checked += 1
    # The apps' event statistics are registered (the monthly-report ones are filled period by
    # period: their figures come from the report compliance rule, not from a range query).
    assert checked >= 3 * 18


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["campaigns.community"])
def test_the_campaign_groups_are_compiled_once_not_per_fill(group):
    range_query = rollups.GROUPS[group].range_query
    rollups._range_sql(range_query, PeriodKind.MONTH, *RANGES[0])
    assert rollups._COMPILED[range_query, PeriodKind.MONTH, connection.vendor] is not None


def _shifted(start: dt.date, end: dt.date):
    # The day before the period counts too: its dates are not the query's parameters.
    return Campaign.objects.filter(
        is_withdrawn=False, held_on__gte=start - dt.timedelta(days=1), held_on__lt=end
    )


@pytest.mark.django_db
def test_a_query_whose_dates_are_transformed_is_compiled_every_time(community):
    stat = rollups.event_stat(
        "test.shifted",
        "community",
        rows=_shifted,
        date_field="held_on",
        subject="community_id",
        value=rollups.Count("pk"),
    )
    assert rollups._template(stat.range_query, PeriodKind.MONTH) is None
    CampaignFactory(community=community, held_on=dt.date(2026, 2, 28))
    CampaignFactory(community=community, held_on=dt.date(2026, 3, 5))
    rollups.fill_range(
        stat,
        Period(PeriodKind.MONTH, dt.date(2026, 3, 1)),
        Period(PeriodKind.MONTH, dt.date(2026, 3, 1)),
    )
    # The operation of 28 February is in the rows, in February's period.
    assert sorted(
        Rollup.objects.filter(stat="test.shifted").values_list("period_start", "value")
    ) == [(dt.date(2026, 2, 1), 1), (dt.date(2026, 3, 1), 1)]
