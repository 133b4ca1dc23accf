"""Project-wide views: the public home page, open data, health."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from committees import opinions
from committees.forms_voting import open_elections
from compounds.models import Community
from compounds.selectors import is_registry_reader

from . import attention
from .mail import user_language
from .opendata import community_document
from .periods import PeriodKind, parse_period

logger = logging.getLogger(__name__)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's, with each mail in its account's language (``tongde.mail``), else in the language
    of the page the request was made from (active while the view runs); the link inside then
    leads to the page in that language."""

    def send_mail(self, *args: Any, **kwargs: Any) -> None:
        context = args[2] if len(args) > 2 else kwargs["context"]
        with translation.override(user_language(context["user"], default=get_language())):
            super().send_mail(*args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with the link in the mail on the site's address (``SITE_URL``) like every other
    mail of the product, not on whatever host and scheme the request came by (``testserver``,
    plain http behind the proxy, or a forged Host header)."""

    form_class = PasswordResetForm

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        site = urlsplit(settings.SITE_URL)
        return {"site_name": settings.SITE_NAME, "protocol": site.scheme, "domain": site.netloc}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Public: the communities on this instance, with their open figures (the cached open-data
    documents: the home page is the most visited page and must not recount the registry)."""
    communities = Community.objects.select_related("street__district").order_by("name")
    documents = [_home_document(_cached_document(c, None)) for c in communities]
    # Owners learn of a vote here first: what takes ballots now (one small query).
    context = {"documents": documents, "opinions_waiting": None, "voting_now": open_elections()}
    if request.user.is_authenticated and not is_registry_reader(request.user):
        # A resident's own corner: how many of their opinions still wait for an answer.
        context["opinions_waiting"] = opinions.waiting_count(user=request.user)
    return render(request, "home.html", context)


def _home_document(document: dict) -> dict:
    """An open-data document as the home page reads it: beside the ``2026-10`` of the data, the
    month of the latest red/black list as a date (``redblack_month``), which the page says in
    the reader's language ("2026年10月")."""
    latest = (document.get("redblack") or {}).get("latest_month")
    month = parse_period(PeriodKind.MONTH, latest).start if latest else None
    return {**document, "redblack_month": month}


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where signing in leads: a role's work starts at what is waiting for it; a resident's
    account (no role) at the public home page, whose menu offers their opinions and the vote."""
    if is_registry_reader(request.user):
        return redirect("today")
    return redirect("home")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Any role: what is waiting for the user (see ``tongde.attention``); a resident's account,
    which has nothing to do here, goes to the home page."""
    if not is_registry_reader(request.user):
        return redirect("home")
    tasks = attention.tasks_for(request.user, timezone.localdate())
    return render(
        request,
        "today.html",
        {"tasks": tasks, "waiting": sum(task.count for task in tasks)},
    )


@require_GET
def community_api(request: HttpRequest, slug: str) -> JsonResponse:
    """Public, no login: the open-data document of one community.

    ``?period=2020`` (or ``2020-Q3``, ``2020-08``) limits period-based sections to that period.
    """
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        return api_error(f"no community {slug}", 404)
    period = None
    if label := request.GET.get("period"):
        period = _parse_any_period(label)
        if period is None:
            return api_error("period must look like 2020, 2020-Q3, 2020-08 or 2020-W33", 400)
    response = JsonResponse(
        _cached_document(community, period), json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def api_error(message: str, status: int) -> JsonResponse:
    """An open-data error: ``{"error": ...}``, readable from any origin like the data."""
    response = JsonResponse({"error": message}, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any address under ``/api/`` that names nothing: a JSON 404, not the HTML page. An address
    missing only its trailing slash is sent on to it, as APPEND_SLASH did before this catch-all
    matched everything under ``/api/``."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return api_error(f"no such resource: {request.path}", 404)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: JSON under ``/api/`` (a view there that raises Http404), the HTML page
    elsewhere."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def _cached_document(community: Community, period) -> dict:
    """The document, computed at most once per OPENDATA_CACHE_SECONDS per community and period:
    it aggregates tens of thousands of rows, and open data a minute old is fresh enough."""
    seconds = settings.OPENDATA_CACHE_SECONDS
    if not seconds:
        return community_document(community, period)
    key = f"opendata:community:{community.pk}:{period.label if period else 'now'}"
    return cache.get_or_set(key, lambda: community_document(community, period), seconds)


def _parse_any_period(label: str):
    for kind in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.WEEK):
        try:
            return parse_period(kind, label)
        except ValueError:
            continue
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Public: database, cache and broker checked separately. 503 when the database is down,
    because nothing works without it; a cache or broker outage degrades and answers 200."""
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "broker": _check(_broker),
    }
    status = 200 if checks["database"]["ok"] else 503
    return JsonResponse({"ok": status == 200, "checks": checks}, status=status)


def _check(fn) -> dict:
    try:
        detail = fn()
    except Exception as exc:  # a health check reports every failure instead of raising
        logger.warning("health check %s failed: %s", fn.__name__, exc)
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "detail": detail}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return what was stored")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from tongde.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport.driver_name


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the static icon (at
    request time: the hashed name exists only once collectstatic has run)."""
    return redirect(static("favicon.svg"))


@require_GET
def hello(request: HttpRequest) -> JsonResponse:
    """The bench's baseline: the cheapest JSON view, behind the same middleware."""
    if not settings.BENCH_HELLO:
        raise Http404
    return JsonResponse({"hello": "world"})
