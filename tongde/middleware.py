"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

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
