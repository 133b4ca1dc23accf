"""One submission, one record (tongde/once.py): what a second sending of the same form does in
each state of its token, and the token the template tag renders."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import Context, Template

from tongde import once
from tongde.once import submit_once

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Only this module's keys: in CI the cache's Redis also carries Celery's queues.
    keys = [f"once:{who}:{TOKEN}" for who in ("anonymous", 1, 2)]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


class Saver:
    """A view that creates record n on each run, or shows its form again when told to."""

    def __init__(self, *, valid: bool = True) -> None:
        self.runs = 0
        self.valid = valid

    def __call__(self, request):
        self.runs += 1
        if not self.valid:
            return HttpResponse("form with errors", status=400)
        return redirect(f"/records/{self.runs}/")


def post(rf, view, token=TOKEN, user=None, content=None):
    """Each test's content is its own unless given, so remembered contents never cross tests."""
    data = {"note": content if content is not None else uuid.uuid4().hex}
    if token is not None:
        data["once"] = token
    request = rf.post("/records/new/?from=list", data)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request, submit_once(view)(request)


def notes(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_a_form_sent_twice_saves_once_and_the_second_goes_where_the_first_went(rf):
    view = Saver()
    _, first = post(rf, view)
    second_request, second = post(rf, view)
    assert view.runs == 1
    assert first.url == second.url == "/records/1/"
    assert notes(second_request) == [str(once.ALREADY_SAVED)]


def test_a_form_with_errors_frees_its_token_so_the_corrected_one_goes_through(rf):
    view = Saver(valid=False)
    _, first = post(rf, view)
    assert first.status_code == 400
    view.valid = True
    _, second = post(rf, view)
    assert (view.runs, second.url) == (2, "/records/2/")


def test_a_second_sending_while_the_first_is_still_saving_is_sent_back(rf):
    view = Saver()
    cache.add(f"once:anonymous:{TOKEN}", once.PENDING, 60)
    request, response = post(rf, view)
    assert view.runs == 0
    assert response.url == "/records/new/?from=list"
    assert notes(request) == [str(once.STILL_SAVING)]


@pytest.mark.parametrize("token", [None, "", "not-a-token", TOKEN.upper(), TOKEN + "0"])
def test_without_a_well_formed_token_the_view_runs_every_time(rf, token):
    view = Saver()
    post(rf, view, token=token)
    post(rf, view, token=token)
    assert view.runs == 2


def test_tokens_belong_to_their_user(rf, django_user_model):
    view = Saver()
    first = django_user_model(pk=1, username="a")
    second = django_user_model(pk=2, username="b")
    post(rf, view, user=first)
    post(rf, view, user=second)
    assert view.runs == 2


def test_with_the_cache_down_the_guard_steps_aside(rf, monkeypatch):
    # django-redis with IGNORE_EXCEPTIONS answers None when Redis is unreachable.
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: None)
    view = Saver()
    post(rf, view)
    post(rf, view)
    assert view.runs == 2


def test_the_tag_renders_a_fresh_token_each_time():
    template = Template("{% load tongde_tags %}{% once_field %}")
    rendered = [template.render(Context()) for _ in range(2)]
    tokens = [
        re.fullmatch(r'<input type="hidden" name="once" value="([0-9a-f]{32})">', r)
        for r in rendered
    ]
    assert all(tokens)
    assert tokens[0].group(1) != tokens[1].group(1)


# Back, then send again: a fresh token, the same content -----------------------------------------


def _tokens(n: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(n)]


def test_the_same_content_sent_again_with_a_fresh_token_saves_once(rf):
    view, content = Saver(), uuid.uuid4().hex
    first_token, second_token = _tokens(2)
    _, first = post(rf, view, token=first_token, content=content)
    request, second = post(rf, view, token=second_token, content=content)
    assert view.runs == 1
    assert first.url == second.url == "/records/1/"
    assert notes(request) == [str(once.SAME_CONTENT_SAVED)]


@pytest.mark.parametrize("change", ["content", "user", "errors"])
def test_other_content_another_user_or_a_refused_first_form_saves_again(
    rf, django_user_model, change
):
    view, content = Saver(valid=change != "errors"), uuid.uuid4().hex
    first_token, second_token = _tokens(2)
    first_user = django_user_model(pk=1, username="a")
    post(rf, view, token=first_token, content=content, user=first_user)
    view.valid = True
    post(
        rf,
        view,
        token=second_token,
        content=content + "!" if change == "content" else content,
        user=django_user_model(pk=2, username="b") if change == "user" else first_user,
    )
    assert view.runs == 2


def test_an_attached_file_is_part_of_the_content(rf):
    note = uuid.uuid4().hex  # the same for both, and this run's own

    def send(token, photo: bytes):
        request = rf.post(
            "/records/new/",
            {"once": token, "note": note, "photo": SimpleUploadedFile("p.jpg", photo)},
        )
        request.user = AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        return submit_once(view)(request)

    view = Saver()
    first_token, second_token = _tokens(2)
    send(first_token, b"x" * 10)
    send(second_token, b"x" * 11)  # another photo: another record
    assert view.runs == 2
