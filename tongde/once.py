"""One submission, one record: a form sent twice (a double tap on a slow phone connection, a
browser's resend) saves once.

A form that creates something carries a one-time token (``{% load tongde_tags %}{% once_field %}``
inside the ``<form>``), and its view is decorated with ``@submit_once``:

- the first POST with a token claims it in the cache and runs the view;
- when the view answers with a redirect (it saved), the token remembers where it sent the user,
  for a day; when it answers otherwise (the form came back with errors), the token is released,
  so the corrected form goes through;
- a later POST with the same token does not run the view again: it is sent where the first one
  went, with a note that it was saved once; one that arrives while the first is still being
  saved is sent back to the page it came from.

A browser's Back button brings the form page back with a fresh token and the fields the user
typed: sent again, it would pass the token check. So a guarded form also remembers what it
saved, by content (every field but the tokens, and each file's name and size), for
``SAME_CONTENT_SECONDS``: the same user sending the same content to the same page within that
time is sent to what the first one saved, with a note that says so. A second record identical
to the first in every field within minutes is a resend, not a new fact; after the window, or
with any field changed, it saves.

Without a token (an API client, a test posting by hand) the view runs as before. If the cache is
down, the guard steps aside rather than refuse every form. ``static/js/submit-once.js`` also
disables a form's buttons once it is sent, but a script is a courtesy: this is the guarantee.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

FIELD = "once"
# Long enough for a resend after a night's sleep; a token is random and never reused.
REMEMBER_SECONDS = 24 * 3600
# How long a submission may take before its token is free again (a crashed worker).
PENDING_SECONDS = 120
PENDING = "pending"
# Back and send again is minutes, not hours.
SAME_CONTENT_SECONDS = 15 * 60
NOT_FINGERPRINTED = frozenset({FIELD, "csrfmiddlewaretoken"})
_TOKEN = re.compile(r"^[0-9a-f]{32}$")

ALREADY_SAVED = _("This form was already sent and saved once; here is what it saved.")
STILL_SAVING = _(
    "This form is already being saved; wait a moment, then check before sending it again."
)
SAME_CONTENT_SAVED = _(
    "The same form, with the same content, was saved a few minutes ago; here is what it saved. "
    "To record another one, change what differs and send it again."
)


def new_token() -> str:
    return uuid.uuid4().hex


def _key(request: HttpRequest, token: str) -> str:
    user = getattr(request, "user", None)
    who = user.pk if user is not None and user.is_authenticated else "anonymous"
    return f"once:{who}:{token}"


def _content_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    who = user.pk if user is not None and user.is_authenticated else "anonymous"
    fields = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_FINGERPRINTED
        for value in values
    )
    files = sorted(
        (name, upload.name, upload.size)
        for name, uploads in request.FILES.lists()
        for upload in uploads
    )
    digest = hashlib.sha256(json.dumps([fields, files], ensure_ascii=False).encode()).hexdigest()
    return f"once-same:{who}:{request.path}:{digest}"


def submit_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` at most once per token; see the module's docstring."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not _TOKEN.match(token):
            return view(request, *args, **kwargs)
        key = _key(request, token)
        claimed = cache.add(key, PENDING, PENDING_SECONDS)
        if claimed is False:
            return _replay(request, cache.get(key))
        same = _content_key(request)
        if claimed and isinstance(saved := cache.get(same), str):
            cache.delete(key)
            messages.info(request, SAME_CONTENT_SAVED)
            return redirect(saved)
        response = view(request, *args, **kwargs)
        if claimed is None:  # the cache is down: nothing to remember
            return response
        if isinstance(response, HttpResponseRedirect):
            cache.set(key, response.url, REMEMBER_SECONDS)
            cache.set(same, response.url, SAME_CONTENT_SECONDS)
        else:
            cache.delete(key)
        return response

    return wrapper


def _replay(request: HttpRequest, remembered: Any) -> HttpResponse:
    if isinstance(remembered, str) and remembered != PENDING:
        messages.info(request, ALREADY_SAVED)
        return redirect(remembered)
    messages.warning(request, STILL_SAVING)
    return redirect(request.get_full_path())
