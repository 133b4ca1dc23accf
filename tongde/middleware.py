"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path, override

from .views import api_error

PAGE_METHODS = {"GET", "HEAD"}


class MethodNotAllowedPageMiddleware:
    """A 405 answered with an empty body (``require_POST``, ``require_GET``, a class-based view's
    ``http_method_not_allowed``) is a blank white page to someone who follows a stale link to an
    action or reloads after a form. Give it the site's page instead, once for every view; under
    ``/api/`` a JSON error like the open data's other errors. The status and ``Allow`` stay.

    Listed after the middleware whose work the page needs (language, user, messages, CSRF) and
    after the ones that add headers to a response, so they see the page, not the empty answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        if request.path.startswith("/api/"):
            replacement = api_error(
                f"method {request.method} not allowed: use {', '.join(allowed)}", 405
            )
        else:
            replacement = _page(request, allowed)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                replacement[header] = value
        replacement.cookies.update(response.cookies)
        # The decorator logged the refusal once already; the handler would log the page again.
        replacement._has_been_logged = getattr(response, "_has_been_logged", False)
        return replacement


def _page(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    back = _referrer(request)
    return render(
        request,
        "405.html",
        {
            # Nothing to open here: only a form sends to it (the usual case, require_POST).
            "form_only": "POST" in allowed and not PAGE_METHODS & set(allowed),
            "back_url": back or reverse("home"),
            "back_is_referrer": back is not None,
        },
        status=405,
    )


def _referrer(request: HttpRequest) -> str | None:
    """The page the user came from, if it is on this site and not this very address (a reload
    of this page would lead back to it)."""
    referrer = request.headers.get("Referer", "")
    on_site = url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not on_site or urlsplit(referrer).path == request.path:
        return None
    return referrer


class LanguageFollowsMiddleware:
    """A signed-in account that switches the pages' language by the menu's language links gets
    its mail in that language from then on (``AccountPreference``).

    Why the Referer and not a remembered "last language": the links are plain links (see
    ``context_processors.language_links``), so the switch is told by where the request came
    from: this very page in the other language (same path and query, translated). Nothing else
    counts (a link from a mail, the unprefixed Chinese address typed by hand, a redirect), so
    reading one Chinese page never overrides an English choice made on the account page. The
    check is string work on the request; the one query, an upsert, happens only on a switch.
    A browser that sends no Referer keeps the preference as it was, which is safe."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and "Referer" in request.headers
            and request.user.is_authenticated
        ):
            language = _switched_to(request)
            if language is not None:
                from compounds.accounts import account_language_set

                account_language_set(user=request.user, language=language)
        return response


def _switched_to(request: HttpRequest) -> str | None:
    """The language of this page if the Referer is the same page in another language."""
    referrer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    parts = urlsplit(referrer)
    came_from = get_language_from_path(parts.path) or settings.LANGUAGE_CODE
    if came_from == current:
        return None
    here = f"{parts.path}?{parts.query}" if parts.query else parts.path
    # The Referer's address resolves only in its own language (the prefix is the language's).
    with override(came_from):
        same_page = translate_url(here, current) == request.get_full_path()
    return current if same_page else None
