"""The menu offers each role the scorecards pages it may open, and nothing it may not."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

MENU_LINK = re.compile(r'class="dropdown-item" href="(/scorecards/[^"]+)"')


@pytest.mark.parametrize(
    "role", ["staff", "grid_worker", "company_user_a", "committee_member_a", "resident"]
)
def test_every_menu_link_opens_for_the_role_that_sees_it(role, client, request):
    client.force_login(request.getfixturevalue(role))
    links = MENU_LINK.findall(client.get("/").content.decode())
    for link in links:
        assert client.get(link).status_code == 200, link
    expected = {"staff": 10, "grid_worker": 3, "company_user_a": 5}
    assert len(links) == expected.get(role, 0)


def test_anonymous_home_links_to_the_public_list(client, community):
    page = client.get("/").content.decode()
    assert f"/scorecards/public/{community.slug}/" in page


@pytest.mark.parametrize(
    "role", [None, "staff", "grid_worker", "company_user_a", "committee_member_a", "resident"]
)
def test_every_menu_has_the_red_black_list(role, client, request, community):
    if role:
        client.force_login(request.getfixturevalue(role))
    page = client.get("/").content.decode()
    assert 'href="/scorecards/public/"' in page
    # One community: straight to its latest list.
    response = client.get("/scorecards/public/")
    assert response.status_code == 302
    assert response["Location"] == f"/scorecards/public/{community.slug}/"


def test_several_communities_are_listed_to_choose_from(client, community, other_community):
    response = client.get("/scorecards/public/")
    assert response.status_code == 200
    page = response.content.decode()
    for c in (community, other_community):
        assert f'href="/scorecards/public/{c.slug}/"' in page


def test_the_list_of_communities_does_not_grow_in_queries(client, community, other_community):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    with CaptureQueriesContext(connection) as two:
        client.get("/scorecards/public/")
    for _ in range(5):
        factories.CommunityFactory()
    with CaptureQueriesContext(connection) as seven:
        assert (
            client.get("/scorecards/public/").content.decode().count("list-group-item-action") == 7
        )
    assert len(seven) == len(two)
