from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext

import tongde.urls
from compounds.models import Compound
from tests import factories


@pytest.mark.django_db
def test_healthz_reports_each_service(client):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is True
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("tongde.views.connection.cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["cache"]["ok"] is True


@pytest.mark.django_db
def test_healthz_stays_200_when_only_the_cache_fails(client, monkeypatch):
    def broken_set(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("tongde.views.cache.set", broken_set)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["ok"] is False


@pytest.mark.django_db
def test_community_api_counts_from_the_rows(client, community):
    # given two compounds of each kind, one with face recognition
    face = factories.CompoundFactory(
        community=community,
        kind=Compound.Kind.COURTYARD,
        access_control=Compound.AccessControl.FACE,
    )
    factories.CompoundFactory(community=community, kind=Compound.Kind.MANAGED)
    unit = factories.UnitFactory(building__compound=face)
    owner = factories.OwnerFactory(community=community, name="张三")
    factories.HouseholdFactory(dwelling__unit=unit, dwelling__owner=owner, residents=3)
    factories.HouseholdFactory(dwelling__unit=unit, residents=2)

    response = client.get(reverse("community_api", args=[community.slug]))

    assert response.status_code == 200
    doc = response.json()
    assert doc["slug"] == "tongde-lane"
    assert doc["name"] == "同德巷社区"
    registry = doc["registry"]
    assert registry["managed_compounds"] == 1
    assert registry["courtyards"] == 1
    assert registry["buildings"] == 1
    assert registry["units"] == 1
    assert registry["households"] == 2
    assert registry["residents"] == 5
    assert registry["access_controlled_compounds"] == 1
    assert registry["face_recognition_compounds"] == 1
    # no personal data in public output
    assert "张三" not in response.content.decode()


@pytest.mark.django_db
def test_community_api_is_public_and_refuses_a_bad_period(client, community):
    assert client.get(f"/api/v1/communities/{community.slug}/?period=2020").status_code == 200
    bad = client.get(f"/api/v1/communities/{community.slug}/?period=last-year")
    assert bad.status_code == 400
    assert client.get("/api/v1/communities/nowhere/").status_code == 404


@pytest.mark.django_db
def test_community_api_query_count_does_not_grow_with_the_registry(
    client, community, django_assert_max_num_queries, settings
):
    settings.OPENDATA_CACHE_SECONDS = 0  # measure the computation, not the cache
    for _ in range(3):
        factories.HouseholdFactory(dwelling__unit__building__compound__community=community)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("community_api", args=[community.slug]))
    for _ in range(30):
        factories.HouseholdFactory(dwelling__unit__building__compound__community=community)
    with django_assert_max_num_queries(20) as large:
        client.get(reverse("community_api", args=[community.slug]))

    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "lang", "text"),
    [("/", "zh-hans", "物业"), ("/en/", "en", "property management")],
)
def test_home_is_chinese_first_with_english_second(client, community, path, lang, text):
    response = client.get(path)

    assert response.status_code == 200
    content = response.content.decode()
    assert f'lang="{lang}"' in content
    assert text in content
    assert community.name in content


@pytest.mark.django_db
def test_language_switcher_sets_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/en/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "chinese", "english"),
    [
        ("/en/", "/", "/en/"),
        ("/", "/", "/en/"),
        ("/en/committees/vote/", "/committees/vote/", "/en/committees/vote/"),
        ("/committees/results/", "/committees/results/", "/en/committees/results/"),
        ("/en/committees/receipt/?code=x", "/committees/receipt/?code=x", None),
    ],
)
def test_every_page_links_itself_in_each_language(client, path, chinese, english):
    """Both ways: Django's set_language cannot turn an /en/ address back into the unprefixed
    Chinese one, so the menu links each language's address instead."""
    html = client.get(path).content.decode()
    assert f'href="{chinese}" hreflang="zh-hans"' in html
    if english:
        assert f'href="{english}" hreflang="en"' in html


@pytest.mark.django_db
def test_bench_hello_is_off_unless_enabled(client, settings):
    assert client.get("/_bench/hello").status_code == 404
    settings.BENCH_HELLO = True
    assert json.loads(client.get("/_bench/hello").content) == {"hello": "world"}


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account(client, settings):
    # given a real account and django-axes with its default limit
    user = factories.UserFactory(username="wang")
    settings.AXES_FAILURE_LIMIT = 3

    # when the wrong password is tried three times
    for _ in range(3):
        client.post(reverse("login"), {"username": "wang", "password": "wrong"})

    # then even the right password is refused for now
    response = client.post(reverse("login"), {"username": "wang", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert user.is_active


@pytest.mark.django_db
def test_login_with_the_right_password_works(client):
    factories.UserFactory(username="li")

    response = client.post(reverse("login"), {"username": "li", "password": factories.PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        ("resident", "/"),
        ("staff", "/today/"),
        ("grid_worker", "/today/"),
        ("company_user_a", "/today/"),
        ("committee_member_a", "/today/"),
    ],
)
def test_signing_in_leads_each_role_to_a_page_it_may_open(client, request, role, lands_on):
    user = request.getfixturevalue(role)
    response = client.post(
        reverse("login"), {"username": user.username, "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


@pytest.mark.django_db
def test_community_api_is_cached_for_a_minute(client, community, settings):
    # given a fetched document
    url = reverse("community_api", args=[community.slug])
    assert client.get(url).json()["registry"]["managed_compounds"] == 0
    factories.CompoundFactory(community=community, kind=Compound.Kind.MANAGED)

    # then within the cache period the same document is served, and a new one after it
    assert client.get(url).json()["registry"]["managed_compounds"] == 0
    from django.core.cache import cache

    cache.clear()
    assert client.get(url).json()["registry"]["managed_compounds"] == 1
    settings.OPENDATA_CACHE_SECONDS = 0
    factories.CompoundFactory(community=community, kind=Compound.Kind.MANAGED)
    assert client.get(url).json()["registry"]["managed_compounds"] == 2


@pytest.mark.django_db
def test_home_shows_the_latest_red_black_list_and_the_clean_up_totals(
    client, community, compound_a, compound_b
):
    from tests.campaigns.factories import CampaignFactory
    from tests.scorecards.test_public_data import publish, row

    content = client.get("/").content.decode()
    assert 'data-figure="redblack"' not in content  # nothing published yet
    assert 'data-figure="campaigns"' not in content

    publish(
        community,
        dt.date(2026, 9, 1),
        [row(compound_a, 95, "red", rank=1), row(compound_b, 60, "black", rank=2)],
    )
    CampaignFactory(community=community, persons={"residents": 12})
    cache.clear()  # the home page reads the cached open-data documents

    content = client.get("/").content.decode()
    # the month as readers say it; the link and the data keep 2026-09
    assert gettext("Red/black list of %(month)s") % {"month": "2026年9月"} in content
    assert "红榜 1" in content
    assert "黑榜 1" in content
    assert "1 次整治行动" in content
    english = client.get("/en/").content.decode()
    with translation.override("en"):
        assert gettext("Red/black list of %(month)s") % {"month": "September 2026"} in english
    assert "Red list 1" in english
    assert "Black list 1" in english


@pytest.mark.django_db
def test_home_queries_do_not_grow_with_the_communities(client, community):
    client.get("/")  # fills the documents' cache
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    factories.CommunityFactory()
    factories.CommunityFactory()
    client.get("/")
    with CaptureQueriesContext(connection) as three:
        client.get("/")
    assert len(three) == len(one)


@pytest.mark.django_db
def test_the_favicon_is_linked_and_the_old_address_finds_it(client):
    from django.contrib.staticfiles import finders

    page = client.get("/").content.decode()
    assert 'rel="icon"' in page
    assert "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")


@pytest.mark.django_db
def test_home_invites_the_public_and_tells_a_resident_what_waits(client, community, resident):
    from committees import opinions

    page = client.get("/en/").content.decode()
    assert 'data-figure="opinions"' in page
    assert "/en/committees/opinions/new/" in page
    compound = factories.CompoundFactory(community=community)
    opinions.opinion_submit(user=resident, compound=compound, topic="t", opinion="o")
    client.force_login(resident)
    page = client.get("/en/").content.decode()
    assert "1 of your opinions is waiting for an answer." in page
    assert "/en/committees/opinions/" in page


@pytest.mark.django_db
def test_home_has_no_opinion_corner_for_staff(client, staff):
    client.force_login(staff)
    assert 'data-figure="opinions"' not in client.get("/en/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["//evil.example/a", "/\\evil.example/a"])
def test_language_links_never_leave_the_site(rf, path):
    """translate_url gives back an address it cannot resolve as it came (a 404 page's)."""
    from tongde.context_processors import language_links

    request = rf.get("/")
    request.path = path
    assert [link["url"] for link in language_links(request)] == ["/", "/en/"]


@pytest.mark.django_db
def test_an_api_address_without_its_slash_is_sent_on(client, community):
    response = client.get(f"/api/v1/communities/{community.slug}?period=2020")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/communities/{community.slug}/?period=2020"
    assert client.get("/api/v1/nothing/here").status_code == 404


def test_uploads_have_no_address_even_with_debug(client, settings):
    # uploads hold personal data: each goes out through a view that checks who asks
    settings.DEBUG = True
    try:
        patterns = importlib.reload(tongde.urls).urlpatterns
        assert not [p for p in patterns if "media" in str(getattr(p, "pattern", ""))]
    finally:
        settings.DEBUG = False
        importlib.reload(tongde.urls)
        clear_url_caches()
    assert client.get("/media/imports/2026/11/registry.csv").status_code == 404
    with pytest.raises(Resolver404):
        resolve("/media/imports/2026/11/registry.csv")


@pytest.mark.django_db
def test_home_tells_everyone_what_is_being_voted_on_now(client, compound_a, staff):
    from tests.committees.test_voting import NOW, build_compound, voting_election

    # given no vote open: the home page says nothing of voting
    assert 'id="voting-now"' not in client.get("/en/").content.decode()

    # when an election takes ballots
    build_compound(compound_a)
    election = voting_election(compound_a, staff)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/en/").content.decode()

    # then the home page names it, when voting closes, and leads to the vote
    corner = page.split('id="voting-now"', 1)[1].split("</div>", 1)[0]
    assert election.title in corner
    assert "voting closes" in corner
    assert 'href="/en/committees/vote/"' in corner


@pytest.mark.django_db
def test_home_keeps_open_data_out_of_the_residents_way(client, community):
    # The cards speak to residents; the machine-readable data is one small line at the end.
    html = client.get("/en/").content.decode()
    api = reverse("community_api", args=[community.slug])
    cards, _sep, tail = html.partition('id="open-data"')
    assert api not in cards
    assert "Open data" in tail.split("</p>")[0]
    assert f'href="{api}"' in tail.split("</p>")[0]
