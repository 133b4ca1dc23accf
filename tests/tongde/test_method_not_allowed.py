"""A 405 is a page, not a blank screen: opening a POST-only action (a stale link, a reload after
a form) shows the site's page in the user's language with a way back; under /api/ it is JSON."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, HttpResponseNotAllowed

from tongde.middleware import MethodNotAllowedPageMiddleware

pytestmark = pytest.mark.django_db

FORM_ONLY_ZH = "此地址只接受表单提交"
FORM_ONLY_EN = "This address only takes a form submission"


def post_only_urls(grid_worker) -> list[str]:
    # Three require_POST actions of the registry: a staff member may post to each.
    return [
        f"/registry/accounts/{grid_worker.pk}/active/",
        f"/registry/accounts/{grid_worker.pk}/link/",
        f"/registry/memberships/{grid_worker.memberships.get().pk}/end/",
    ]


def test_a_post_only_action_opened_is_a_chinese_page_with_the_allow_header(
    client, staff, grid_worker
):
    # given a staff member signed in
    client.force_login(staff)

    for url in post_only_urls(grid_worker):
        # when they open an action that only takes a form
        response = client.get(url)

        # then the 405 stays, says what the address takes, in the site's layout, in Chinese
        html = response.content.decode()
        assert response.status_code == 405, url
        assert response["Allow"] == "POST"
        assert response["Content-Type"].startswith("text/html")
        assert '<html lang="zh-hans">' in html
        assert FORM_ONLY_ZH in html
        assert 'class="navbar' in html
        assert "返回首页" in html
    assert grid_worker.memberships.count() == 1
    grid_worker.refresh_from_db()
    assert grid_worker.is_active


def test_a_post_only_action_opened_under_en_is_an_english_page(client, staff, grid_worker):
    client.force_login(staff)

    response = client.get(f"/en/registry/accounts/{grid_worker.pk}/active/")

    html = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert '<html lang="en">' in html
    assert FORM_ONLY_EN in html
    assert 'href="/en/">Back to the home page</a>' in html


def test_the_way_back_is_the_referring_page_when_it_is_on_this_site(client, staff, grid_worker):
    client.force_login(staff)
    url = f"/en/registry/accounts/{grid_worker.pk}/active/"
    came_from = f"http://testserver/en/registry/accounts/{grid_worker.pk}/"

    html = client.get(url, headers={"referer": came_from}).content.decode()

    assert f'href="{came_from}">Back to the previous page</a>' in html


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        # The address itself (a reload of this page): going back there would come here again.
        "http://testserver/en/registry/accounts/{pk}/active/?x=1",
    ],
)
def test_the_way_back_is_home_otherwise(client, staff, grid_worker, referer):
    client.force_login(staff)
    url = f"/en/registry/accounts/{grid_worker.pk}/active/"

    response = client.get(url, headers={"referer": referer.format(pk=grid_worker.pk)})

    html = response.content.decode()
    assert 'href="/en/">Back to the home page</a>' in html
    assert "evil.example" not in html.split("<main", 1)[1]
    assert "javascript:" not in html


def test_a_form_sent_to_a_page_gets_the_general_message(client, community):
    # The public home page takes GET only; a form posted to it is not "an action to submit to".
    response = client.post("/en/")

    html = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "This address does not take this kind of request" in html
    assert FORM_ONLY_EN not in html


def test_an_api_405_is_json_readable_from_any_origin(client, community):
    response = client.post(f"/api/v1/communities/{community.slug}/")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {"error": "method POST not allowed: use GET"}


def test_a_405_that_already_says_something_is_left_alone(rf):
    said = HttpResponseNotAllowed(["POST"], content=b"use the form")
    middleware = MethodNotAllowedPageMiddleware(lambda request: said)

    assert middleware(rf.get("/registry/")) is said


def test_other_answers_are_left_alone(rf):
    empty = HttpResponse(status=204)
    middleware = MethodNotAllowedPageMiddleware(lambda request: empty)

    assert middleware(rf.get("/registry/")) is empty
