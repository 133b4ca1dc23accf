"""The bench's city generator: the shape of Tongde Lane, deterministic, skip-if-exists.

Timings never go here: ``make bench`` measures, the tests only check what is generated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection

from bench import measure_campaigns, measure_tally
from bench.city import (
    CAMPAIGN_TOPIC,
    REGISTRY_COLUMNS,
    apportion,
    campaigns_generate,
    community_slug,
    community_write,
    generate_city,
    plan_community,
    plan_election_community,
    registry_csv,
    write_registry_csv,
)
from bench.measure_api import parse_wrk
from campaigns.models import Campaign
from committees.models import Ballot
from compounds.models import Community, Dwelling, Grid, Household, Owner, ServiceContract
from compounds.selectors import registry_counts
from tongde.models import Rollup

SMALL = 0.1


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (3, [1, 1, 1], [1, 1, 1]),  # exactly one each: the minimum
        (4, [1, 1, 1], [2, 1, 1]),  # one above: the tie goes to the first
        (10, [3, 1], [7, 3]),
        (11, [1, 1, 1, 1, 1], [3, 2, 2, 2, 2]),
    ],
)
def test_apportion_adds_up_and_gives_each_part_at_least_one(total, weights, expected):
    # when
    parts = apportion(total, weights)

    # then
    assert parts == expected
    assert sum(parts) == total


def test_apportion_refuses_fewer_than_one_per_part():
    with pytest.raises(ValueError, match="cannot split 2 into 3"):
        apportion(2, [1, 1, 1])


def test_plan_at_scale_one_has_the_figures_of_the_article():
    # when
    plan = plan_community(7, seed=1)

    # then
    compounds = plan.compounds
    buildings = [b for c in compounds for b in c.buildings]
    units = [u for b in buildings for u in b.units]
    dwellings = [d for u in units for d in u.dwellings]
    lived = [d for d in dwellings if d.residents]
    assert plan.slug == "city-0007"
    assert [c.kind for c in compounds].count("managed") == 5
    assert [c.kind for c in compounds].count("courtyard") == 16
    assert (len(buildings), len(units)) == (110, 411)
    assert (len(lived), sum(d.residents for d in lived)) == (5180, 18519)
    assert all(c.access_control != "none" for c in compounds)
    assert sum(c.access_control == "face" for c in compounds) == 2
    assert sorted({g.level for g in plan.grids}) == [3, 4, 5]
    held = {}
    for d in dwellings:
        held[d.owner_ref] = held.get(d.owner_ref, 0) + 1
    assert any(d.is_developer_held for d in dwellings)
    assert any(n > 1 for ref, n in held.items() if not ref.startswith("DEV-"))


def test_plan_depends_only_on_seed_number_and_scale():
    # given
    first = registry_csv(plan_community(1, seed=1, scale=SMALL))

    # when
    again = registry_csv(plan_community(1, seed=1, scale=SMALL))
    other_seed = registry_csv(plan_community(1, seed=2, scale=SMALL))

    # then
    assert first == again
    assert first != other_seed


def test_registry_csv_has_the_import_columns_and_one_row_per_dwelling():
    # given
    plan = plan_community(1, seed=1, scale=SMALL)

    # when
    rows = list(csv.reader(io.StringIO(registry_csv(plan).decode("utf-8"))))

    # then
    assert tuple(rows[0]) == REGISTRY_COLUMNS
    assert len(rows) - 1 == sum(1 for _ in plan.dwellings())
    assert {row[1] for row in rows[1:]} == {"managed", "courtyard"}


@pytest.mark.django_db
def test_generate_city_writes_the_plan_and_skips_what_exists():
    # given
    plan = plan_community(1, seed=1, scale=SMALL)
    dwellings = [d for *_, d in plan.dwellings()]

    # when
    first = generate_city(communities=1, seed=1, scale=SMALL)
    second = generate_city(communities=1, seed=1, scale=SMALL)

    # then
    assert first == [(community_slug(1), True)]
    assert second == [(community_slug(1), False)]
    community = Community.objects.get(slug="city-0001")
    counts = registry_counts(compounds=community.compounds.all())
    assert counts["managed_compounds"] == 1
    assert counts["courtyards"] == 2
    assert (counts["buildings"], counts["units"]) == (11, 41)
    assert (counts["households"], counts["residents"]) == (518, 1852)
    assert counts["dwellings"] == len(dwellings)
    assert Dwelling.objects.filter(is_developer_held=True).count() == sum(
        d.is_developer_held for d in dwellings
    )
    assert Owner.objects.filter(community=community).count() == len(plan.owners)
    assert Household.objects.count() == 518
    assert ServiceContract.objects.current().filter(compound__community=community).count() == 1
    assert ServiceContract.objects.filter(ends_on__isnull=False).count() == 1
    assert set(Grid.objects.values_list("level", flat=True)) == {3, 4, 5}
    assert not Grid.objects.filter(level__in=[4, 5], parent__isnull=True).exists()


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8765/_bench/hello
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.61ms    1.20ms  30.11ms   90.00%
  Latency Distribution
     50%    5.40ms
     99%   10.02ms
  28911 requests in 10.00s, 7.03MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   2890.54
Transfer/sec:    719.88KB
"""


def test_parse_wrk_reads_rate_latency_and_failures():
    # when
    figures = parse_wrk(WRK_OUTPUT)

    # then
    assert figures["requests_per_second"] == 2890.54
    assert figures["requests"] == 28911
    assert figures["non_2xx"] == 12
    assert (figures["latency_p50"], figures["latency_p99"]) == ("5.40ms", "10.02ms")


def test_write_registry_csv_writes_the_plan(tmp_path):
    # given
    path = tmp_path / "registry.csv"

    # when
    rows = write_registry_csv(path, number=3, seed=1, scale=SMALL)

    # then
    assert path.read_bytes() == registry_csv(plan_community(3, seed=1, scale=SMALL))
    assert rows == path.read_bytes().count(b"\n") - 1


# --- the election community and the operations (issues 4 and 5) -------------------------------


def test_election_plan_has_exactly_the_dwellings_asked_with_shared_and_developer_owners():
    # when
    plan = plan_election_community(99990, dwellings=[1000, 150], seed=1)

    # then
    per_compound = [
        sum(len(u.dwellings) for b in c.buildings for u in b.units) for c in plan.compounds
    ]
    assert per_compound == [1000, 150]
    dwellings = [d for *_, d in plan.dwellings()]
    held: dict[str, int] = {}
    for d in dwellings:
        held[d.owner_ref] = held.get(d.owner_ref, 0) + 1
    assert any(n > 1 for ref, n in held.items() if not ref.startswith("DEV-"))
    assert 0 < sum(d.is_developer_held for d in dwellings) < 100
    assert all(
        plan.owners[d.owner_ref].kind == "organisation" for d in dwellings if d.is_developer_held
    )
    paths = {(c.code, b.code, u.code, d.code) for c, b, u, d in plan.dwellings()}
    assert len(paths) == len(dwellings)  # building/unit/dwelling finds one dwelling per compound


@pytest.mark.django_db
def test_election_community_is_written_like_any_plan():
    # given
    plan = plan_election_community(99990, dwellings=[300], seed=1)

    # when
    community = community_write(plan=plan)

    # then
    assert Dwelling.objects.filter(unit__building__compound__community=community).count() == 300
    assert Owner.objects.filter(community=community).count() == len(plan.owners)


@pytest.mark.django_db
def test_campaigns_generate_spreads_operations_and_skips_a_second_time():
    # given
    generate_city(communities=2, seed=1, scale=SMALL)
    communities = list(Community.objects.filter(slug__in=["city-0001", "city-0002"]))
    first_day, last_day = dt.date(2024, 1, 1), dt.date(2024, 12, 31)

    # when
    written = campaigns_generate(
        communities=communities, count=300, first_day=first_day, last_day=last_day
    )
    again = campaigns_generate(
        communities=communities, count=300, first_day=first_day, last_day=last_day
    )

    # then
    assert (written, again) == (300, 0)
    operations = Campaign.objects.filter(topic=CAMPAIGN_TOPIC)
    assert operations.count() == 300
    assert {c.community_id for c in operations} == {c.pk for c in communities}
    assert all(first_day <= c.held_on <= last_day for c in operations)
    assert all(1 <= c.compounds.count() <= 3 and c.disorders.exists() for c in operations[:20])
    # Compounds and disorders always belong to the operation's own community.
    for operation in operations[:50]:
        assert set(operation.compounds.values_list("community_id", flat=True)) == {
            operation.community_id
        }
        assert set(operation.disorders.values_list("community_id", flat=True)) == {
            operation.community_id
        }
    assert 0 < operations.filter(is_withdrawn=True).count() < 30


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL yardsticks are PostgreSQL SQL"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_tally_sql_counts_what_the_application_counts():
    # given: split owners and developer-held dwellings among 300 ballots
    data = measure_tally.setup(dwellings=400, ballots=300, import_rows=50, seed=1)

    # when: time_tally raises BenchError unless the SQL and the application agree
    tally = measure_tally.time_tally(data["tally_election"])
    imported = measure_tally.time_ballot_import(data["import_election"], rows=50, seed=1)

    # then
    assert (tally["ballots"], tally["roll"]) == (300, 400)
    assert tally["anomalies"] > 0
    assert imported["rows"] == 50
    assert not Ballot.objects.filter(election_id=data["import_election"]).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_campaign_sql_sums_what_the_rollups_hold():
    # given
    generate_city(communities=2, seed=1, scale=SMALL)

    # when: measure raises BenchError unless every rollup value equals the SQL sum
    result = measure_campaigns.measure(communities=2, operations=400, year=2025, seed=1)

    # then
    assert result["community_stats"]["rows"] > 0
    assert result["all_stats"]["rows"] > result["community_stats"]["rows"]
    assert not Rollup.objects.exists()  # rolled back
