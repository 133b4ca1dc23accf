"""The consultation form and the consultation list's filter offer compounds as people read them
(帝豪花园 before 供电局家属院, 楼院2号 before 楼院14号), like every other compound choice, not in
the order of their character codes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from compounds.models import Compound
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pinyin order comes from PostgreSQL's ICU"
    ),
]

NAMES = ["供电局家属院", "西环北路楼院14号", "帝豪花园", "西环北路楼院2号", "康盛花园"]
AS_READ = ["帝豪花园", "供电局家属院", "康盛花园", "西环北路楼院2号", "西环北路楼院14号"]


@pytest.fixture
def compounds(community):
    for name in NAMES:
        factories.CompoundFactory(community=community, name=name, kind=Compound.Kind.COURTYARD)


def offered(html: str) -> list[str]:
    """The compounds' names in the order the page's compound menu offers them."""
    menu = re.search(r'<select name="compound"[^>]*>(.*?)</select>', html, re.S).group(1)
    names = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', menu)
    return [name.split(" / ")[-1].strip() for name in names]


def test_the_consultation_form_lists_compounds_as_read(client, staff, compounds):
    client.force_login(staff)
    html = client.get(reverse("committees:consultation_create")).content.decode()
    assert [n for n in offered(html) if n in NAMES] == AS_READ


def test_the_consultation_filter_lists_compounds_as_read(client, staff, compounds):
    client.force_login(staff)
    html = client.get(reverse("committees:consultation_list")).content.decode()
    assert [n for n in offered(html) if n in NAMES] == AS_READ
