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
    expected = {"staff": 13, "grid_worker": 4, "company_user_a": 6}
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


NAVBAR = re.compile(r'<nav class="navbar.*?</nav>', re.S)
NAV_LINK = re.compile(
    r'class="(?:nav-link|dropdown-item)[^"]*"(?: aria-current="page")? href="(/[^"]*)"'
)
ACTIVE = re.compile(r'class="nav-link active" aria-current="page" href="(/[^"]*)"')
ROLES = ["staff", "grid_worker", "company_user_a", "committee_member_a", "resident"]


def _opens(client, link: str) -> bool:
    response = client.get(link, follow=True)
    return response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_every_link_of_the_top_menu_opens_for_the_role_that_sees_it(role, client, request):
    client.force_login(request.getfixturevalue(role))
    navbar = NAVBAR.search(client.get("/").content.decode()).group(0)
    links = NAV_LINK.findall(navbar)
    assert links, "the menu offers something to every role"
    refused = [link for link in links if not _opens(client, link)]
    assert refused == []


@pytest.mark.parametrize(
    ("role", "offered", "withheld"),
    [
        ("staff", ["/registry/", "/committees/", "/committees/elections/", "/campaigns/"], []),
        ("committee_member_a", ["/registry/", "/committees/", "/committees/elections/"], []),
        (
            "company_user_a",
            ["/registry/", "/campaigns/"],
            ["/committees/", "/committees/elections/"],
        ),
        ("resident", [], ["/registry/", "/committees/", "/committees/elections/", "/campaigns/"]),
    ],
)
def test_the_top_menu_follows_the_role(role, offered, withheld, client, request):
    client.force_login(request.getfixturevalue(role))
    links = NAV_LINK.findall(NAVBAR.search(client.get("/").content.decode()).group(0))
    for prefix in offered:
        assert any(link.startswith(prefix) for link in links), prefix
    for path in withheld:
        # The public "vote online" and "results" pages live under /committees/ too.
        assert not any(link == path or link.startswith(f"{path}?") for link in links), path
    if role == "resident":
        assert not any(link.startswith(("/registry/", "/campaigns/")) for link in links)


PILLS = re.compile(r'<ul class="nav nav-pills.*?</ul>', re.S)
PILL_LINK = re.compile(r'class="nav-link[^"]*" href="(/[^"]*)"')


@pytest.mark.parametrize("role", ["staff", "grid_worker", "company_user_a", "committee_member_a"])
def test_every_link_of_the_campaigns_menu_opens_for_the_role(role, client, request):
    client.force_login(request.getfixturevalue(role))
    page = client.get("/campaigns/operations/")
    assert page.status_code == 200
    links = PILL_LINK.findall(PILLS.search(page.content.decode()).group(0))
    assert links
    assert [link for link in links if not _opens(client, link)] == []


def test_a_refused_page_says_why_in_the_sites_layout(client, resident):
    client.force_login(resident)
    response = client.get("/registry/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert 'name="viewport"' in page
    assert 'href="/"' in page


def test_a_missing_page_has_the_sites_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("role", "page", "marked"),
    [
        ("staff", "/today/", "/today/"),
        ("staff", "/registry/compounds/", "/registry/"),
        ("staff", "/committees/consultations/", "/committees/"),
        ("staff", "/committees/elections/", "/committees/elections/"),
        ("staff", "/campaigns/totals/", "/campaigns/operations/"),
        ("resident", "/committees/opinions/new/", "/committees/opinions/"),
        (None, "/committees/results/", "/committees/results/"),
    ],
)
def test_the_menu_marks_the_section_of_the_page(role, page, marked, client, request, community):
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get(page)
    assert response.status_code == 200
    navbar = NAVBAR.search(response.content.decode()).group(0)
    assert ACTIVE.findall(navbar) == [marked]


@pytest.mark.parametrize(
    ("role", "offered", "withheld"),
    [
        (
            "staff",
            ["/committees/opinions/new/", "/committees/opinions/", "/committees/consultations/"],
            [],
        ),
        (
            "grid_worker",
            ["/committees/opinions/new/", "/committees/opinions/", "/committees/consultations/"],
            [],
        ),
        (
            "committee_member_a",
            ["/committees/opinions/new/", "/committees/opinions/", "/committees/consultations/"],
            [],
        ),
        (
            # a company's account gives no residents' opinions (committees/opinions.py)
            "company_user_a",
            [],
            ["/committees/opinions/new/", "/committees/consultations/"],
        ),
        ("resident", ["/committees/opinions/"], ["/committees/consultations/"]),
        (None, ["/committees/opinions/new/"], ["/committees/consultations/"]),
    ],
)
def test_every_role_finds_the_opinion_pages_it_may_use(role, offered, withheld, client, request):
    if role:
        client.force_login(request.getfixturevalue(role))
    links = set(NAV_LINK.findall(NAVBAR.search(client.get("/").content.decode()).group(0)))
    assert set(offered) <= links
    assert not set(withheld) & links


@pytest.mark.parametrize("role", ["committee_member_a", "company_user_a", "resident"])
def test_the_refusal_page_speaks_to_every_role(role, client, request, settings):
    # given a page no role here may open
    settings.DEBUG = False
    client.force_login(request.getfixturevalue(role))

    # when
    response = client.get("/en/committees/coverage/")

    # then it names no other role's rights
    page = response.content.decode()
    assert response.status_code == 403
    assert "Each account sees only the part of Tongde its role needs." in page
    assert "property company its own compounds" not in page


def test_a_committee_member_reaches_their_compounds_company_from_the_menu(
    client, committee_member_a
):
    client.force_login(committee_member_a)
    page = client.get("/").content.decode()
    assert 'href="/scorecards/reports/compound/"' in page
    assert client.get("/scorecards/reports/compound/").status_code == 200
