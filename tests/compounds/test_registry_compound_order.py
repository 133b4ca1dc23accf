"""The room and household lists name compounds as people read them: 西环北路楼院8号 before
西环北路楼院14号, 帝豪花园 before 供电局家属院 (pinyin), sorted and paged in SQL through the
``tongde_zh`` collation on PostgreSQL; on SQLite (``make run``) as plain text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compounds.models import Dwelling, Household
from compounds.selectors import dwelling_order
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = ["西环北路楼院14号", "供电局家属院", "西环北路楼院8号", "帝豪花园"]
AS_READ = ["帝豪花园", "供电局家属院", "西环北路楼院8号", "西环北路楼院14号"]

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pinyin order comes from PostgreSQL's ICU"
)


@pytest.fixture
def one_room_each(community):
    """One room with one household in each compound, created in the wrong order."""
    for name in NAMES:
        compound = factories.CompoundFactory(community=community, name=name)
        unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
        factories.HouseholdFactory(dwelling=factories.DwellingFactory(unit=unit), head_name=name)


def _compounds(rows, path) -> list[str]:
    names = []
    for row in rows:
        obj = row
        for part in path:
            obj = getattr(obj, part)
        names.append(obj.name)
    return names


@postgres_only
def test_the_room_list_names_compounds_as_read(client, staff, one_room_each):
    client.force_login(staff)
    page = client.get(reverse("compounds:dwelling_list")).context["page"]
    assert _compounds(page.object_list, ["unit", "building", "compound"]) == AS_READ


@postgres_only
def test_the_household_list_names_compounds_as_read(client, staff, one_room_each):
    client.force_login(staff)
    page = client.get(reverse("compounds:household_list")).context["page"]
    assert [h.head_name for h in page.object_list] == AS_READ


@postgres_only
def test_the_lists_keep_their_query_counts(client, staff, one_room_each, community):
    client.force_login(staff)
    counts = {}
    for name in ["dwelling_list", "household_list"]:
        with CaptureQueriesContext(connection) as few:
            client.get(reverse(f"compounds:{name}"))
        compound = factories.CompoundFactory(community=community, name=f"楼院{name}")
        for _ in range(3):
            unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound))
            factories.HouseholdFactory(dwelling=factories.DwellingFactory(unit=unit))
        with CaptureQueriesContext(connection) as more:
            client.get(reverse(f"compounds:{name}"))
        counts[name] = (len(few), len(more))
    assert all(a == b for a, b in counts.values()), counts


def test_the_compound_name_falls_back_to_text_order_on_sqlite():
    # make run's embedded database has no tongde_zh collation: the lists must still render.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    sqlite = DatabaseWrapper({**settings.DATABASES["default"], "NAME": ":memory:"}, "sqlite-check")
    for model, prefix in [(Dwelling, ""), (Household, "dwelling__")]:
        query = model.objects.order_by(*dwelling_order(prefix)).query
        sql, _params = query.get_compiler(connection=sqlite).as_sql()
        assert "COLLATE" not in sql
        assert 'ORDER BY "compounds_compound"."name" ASC' in sql


@postgres_only
def test_the_compound_name_uses_the_chinese_collation_on_postgresql():
    sql = str(Dwelling.objects.order_by(*dwelling_order()).query)
    assert 'COLLATE "tongde_zh"' in sql
