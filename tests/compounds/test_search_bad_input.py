"""A list's search box refuses what PostgreSQL cannot search for (a NUL character) and a text
longer than any name, with Django's translated message under the box, instead of a server error;
the list then shows unfiltered."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tongde.forms import SEARCH_MAX_LENGTH

LISTS = ["compounds:account_list", "compounds:residency_list"]


def _message(content: bytes) -> str:
    return html.unescape(content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_a_nul_character_in_the_search_is_refused_with_a_message(client, staff, name):
    client.force_login(staff)
    response = client.get(reverse(name), {"q": "王\x00"})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = gettext("Null characters are not allowed.")
    page = _message(response.content)
    assert expected in page
    assert 'class="form-control is-invalid" id="q"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_an_over_long_search_is_refused_with_a_message(client, staff, name):
    client.force_login(staff)
    response = client.get(reverse(name), {"q": "王" * (SEARCH_MAX_LENGTH + 1)})
    assert response.status_code == 200
    page = _message(response.content)
    assert 'class="form-control is-invalid" id="q"' in page
    assert "王" * (SEARCH_MAX_LENGTH + 1) not in page


@pytest.mark.django_db
def test_an_ordinary_search_still_filters(client, staff):
    client.force_login(staff)
    response = client.get(reverse("compounds:account_list"), {"q": staff.username})
    page = _message(response.content)
    assert "is-invalid" not in page
    assert staff.username in page
