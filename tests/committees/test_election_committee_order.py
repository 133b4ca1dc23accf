"""The new-election form offers committees by their compound's name as people read it (帝豪花园
before 供电局家属院, 楼院2号 before 楼院14号), like every compound choice, not by the compounds'
codes or kinds, nor by the order of the names' character codes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from compounds.models import Compound
from tests import factories
from tests.committees.factories import CommitteeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pinyin order comes from PostgreSQL's ICU"
    ),
]

# (compound name, kind, code): created in this scrambled order, codes and kinds against the names.
SCRAMBLED = [
    ("西环北路楼院14号", Compound.Kind.COURTYARD, "a1"),
    ("供电局家属院", Compound.Kind.COURTYARD, "z9"),
    ("康盛花园", Compound.Kind.MANAGED, "b2"),
    ("西环北路楼院2号", Compound.Kind.COURTYARD, "c3"),
    ("帝豪花园", Compound.Kind.MANAGED, "y8"),
]
AS_READ = ["帝豪花园", "供电局家属院", "康盛花园", "西环北路楼院2号", "西环北路楼院14号"]


@pytest.fixture
def committees(community, other_community):
    for name, kind, code in SCRAMBLED:
        compound = factories.CompoundFactory(community=community, name=name, kind=kind, code=code)
        CommitteeFactory(compound=compound, name=f"{name}委员会")
    # Another community's committee is not offered (staff_community scoping still applies).
    elsewhere = factories.CompoundFactory(community=other_community, name="阿房小区", code="0")
    CommitteeFactory(compound=elsewhere, name="阿房小区委员会")


def offered(html: str) -> list[str]:
    menu = re.search(r'<select name="committee"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', menu)


def test_the_election_form_lists_committees_by_compound_name_as_read(client, staff, committees):
    # given
    client.force_login(staff)
    # when
    html = client.get(reverse("committees:election_create")).content.decode()
    # then
    assert offered(html) == [f"{name}委员会" for name in AS_READ]
