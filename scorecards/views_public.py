"""Public red/black list pages (红黑榜): no login, phone-first, read from publications only.

For an anonymous visitor each page is rendered once per community, language and page and then
served from the cache (``scorecards.public``); the only per-visitor part of the page, the CSRF
token of the language switcher, is put in when the page is served. Logged-in users get the page
rendered for them (the menu names them), from the same selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, re_path
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compounds.models import Community, Compound, PropertyCompany
from tongde.context_processors import language_links

from . import rules
from .models import Publication, PublicationEntry
from .public import (
    bands_for,
    cached_page,
    company_entries,
    compound_trend,
    latest_publication,
    month_publication,
    page_key,
    public_list,
    published_months,
    store_page,
    trend_svg,
)
from .summons import mark_summoned

CSRF_PLACEHOLDER = "@@scorecards-public-csrf@@"
CSRF_BYTES = CSRF_PLACEHOLDER.encode()


def serve_public(request: HttpRequest, slug: str, parts: tuple, build) -> HttpResponse:
    """Render ``build()`` (a template name and context; may raise Http404) or serve it cached."""
    if request.user.is_authenticated or request.GET:
        template, context = build()
        return HttpResponse(render_to_string(template, context, request=request))
    key = page_key(slug, get_language(), *parts)
    body = cached_page(key)
    if body is None:
        template, context = build()
        context = {
            **context,
            "language_links": language_links(request),
            "csrf_token": CSRF_PLACEHOLDER,
        }
        body = store_page(key, render_to_string(template, context, request=request))
    if CSRF_BYTES in body:  # a template that still posts a form gets the visitor's token
        body = body.replace(CSRF_BYTES, str(get_token(request)).encode())
    return HttpResponse(body)


def public_community(slug: str) -> Community:
    return get_object_or_404(Community.objects.only("pk", "slug", "name"), slug=slug)


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def _name(item: dict) -> str:
    return (item.get("name_zh") if _zh() else item.get("name")) or item.get("code", "")


# Said of a compound whose score earns the red list but that is not on it: why it is not.
KEPT_OFF_RED = {
    rules.Reason.OVERDUE_RECTIFICATION: gettext_lazy(
        "A rectification is overdue: not on the red list"
    ),
}


def explain(entry: PublicationEntry) -> None:
    """Attach the public reasons of an entry: band reasons, criteria with counts, veto items.
    An entry on neither list says why when its score reached the red line (a rectification
    overdue keeps it off)."""
    data = entry.reasons if isinstance(entry.reasons, dict) else {"reasons": entry.reasons or []}
    labels = []
    for code in data.get("reasons") or []:
        try:
            reason = rules.Reason(code)
        except ValueError:
            labels.append(code)
            continue
        if entry.band == rules.Band.NONE and reason in KEPT_OFF_RED:
            labels.append(KEPT_OFF_RED[reason])
        else:
            labels.append(reason.label)
    entry.reason_labels = labels
    entry.criteria = [
        {
            "name": _name(c),
            "count": c.get("count", 0),
            "points": c.get("points", ""),
            "adjusted": _adjustment(c),
        }
        for c in data.get("criteria") or []
        if isinstance(c, dict)
    ]
    entry.veto_names = [_name(v) for v in data.get("vetoes") or [] if isinstance(v, dict)]


def _adjustment(criterion: dict) -> str:
    """What staff adjustments did to the criterion's points, as the score reads it: "−3.00"
    (deducted) or "+1.00" (given back); "" when staff did not adjust it. A line published before
    adjustments were stored apart has a deduction with no count, which only an adjustment makes."""
    adjusted = criterion.get("adjusted")
    if adjusted is None and not criterion.get("count"):
        adjusted = criterion.get("points")
    try:
        points = Decimal(str(adjusted)) if adjusted not in (None, "") else Decimal(0)
    except ArithmeticError:
        return ""
    if not points:
        return ""
    return f"−{points:.2f}" if points > 0 else f"+{-points:.2f}"


def _list_context(community: Community, publication) -> dict:
    listing = public_list(publication)
    mark_summoned(listing.entries)
    for entry in listing.entries:
        explain(entry)
    groups = [
        {"band": band.value, "label": band.label, "zh": band.zh, "entries": entries}
        for band, entries in listing.groups
    ]
    months = published_months(community)
    return {
        "community": community,
        "publication": publication,
        "groups": groups,
        # Earlier than the month read, newest first; the archive lists every month.
        "earlier_months": [p for p in months if p.month < publication.month],
        # Reading an older month, a resident is told so and led to the latest list.
        "latest_month": months[0].month if months and months[0].month > publication.month else None,
        "has_other_months": len(months) > 1,
        "total": len(listing.entries),
        "editions": _editions(publication),
    }


def _editions(publication: Publication) -> list[Publication]:
    """Every edition of the publication's month, the first first (none for a lone edition)."""
    if publication.sequence == 1 and not publication.correction_of_id:
        return []
    return list(
        Publication.objects.filter(
            community_id=publication.community_id, month=publication.month
        ).order_by("sequence")
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Public: where the menu's "red/black list" leads. One community (the usual instance) goes
    straight to its latest list; several are listed to choose from."""
    communities = list(Community.objects.order_by("name").only("slug", "name"))
    if len(communities) == 1:
        return redirect("scorecards:public_latest", communities[0].slug)
    return render(request, "scorecards/public/index.html", {"communities": communities})


@require_GET
def latest(request: HttpRequest, slug: str) -> HttpResponse:
    def build():
        community = public_community(slug)
        publication = latest_publication(community)
        if publication is None:
            return "scorecards/public/list.html", {"community": community, "publication": None}
        return "scorecards/public/list.html", _list_context(community, publication)

    return serve_public(request, slug, ("latest",), build)


def _month_start(label: str) -> dt.date:
    """The first day of the address's month; 404 for a label that is none."""
    try:
        return dt.date.fromisoformat(f"{label}-01")
    except ValueError as exc:
        raise Http404(label) from exc


@require_GET
def month(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    day = _month_start(month)

    def build():
        community = public_community(slug)
        publication = month_publication(community, day)
        if publication is None:
            raise Http404(month)
        return "scorecards/public/list.html", _list_context(community, publication)

    return serve_public(request, slug, ("month", month), build)


@require_GET
def edition(request: HttpRequest, slug: str, month: str, sequence: int) -> HttpResponse:
    """One edition of a month's list as it was published, a corrected one included: what a
    correction replaced stays readable, marked as replaced."""
    day = _month_start(month)

    def build():
        community = public_community(slug)
        publication = (
            Publication.objects.filter(community=community, month=day, sequence=sequence)
            .select_related("correction_of")
            .first()
        )
        if publication is None:
            raise Http404(month)
        context = _list_context(community, publication)
        current = month_publication(community, day)
        context["replaced_by"] = current if current and current.pk != publication.pk else None
        return "scorecards/public/list.html", context

    return serve_public(request, slug, ("edition", month, sequence), build)


@require_GET
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    def build():
        community = public_community(slug)
        return "scorecards/public/archive.html", {
            "community": community,
            "months": published_months(community),
        }

    return serve_public(request, slug, ("archive",), build)


def _chart(community: Community, entries: list[PublicationEntry], title: str) -> str:
    if not entries:
        return ""
    points = [(f"{e.publication.month:%Y-%m}", e.score, e.band) for e in entries]
    bands = bands_for(community, entries[-1].publication.month.year)
    chart = trend_svg(points, bands=bands, title=title, legend=True)
    return mark_safe(chart)  # noqa: S308 (escaped inside)


@require_GET
def compound(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def build():
        community = public_community(slug)
        found = get_object_or_404(
            Compound.objects.only("pk", "name", "community_id"), pk=pk, community=community
        )
        entries = compound_trend(community, found.pk)
        if not entries:
            raise Http404("never published")
        for entry in entries:
            explain(entry)
        latest_entry = entries[-1]
        title = _("Score by month: %(name)s") % {"name": latest_entry.compound_name}
        return "scorecards/public/compound.html", {
            "community": community,
            "compound": found,
            "name": latest_entry.compound_name,
            "latest": latest_entry,
            "entries": list(reversed(entries)),
            "chart": _chart(community, entries, title),
        }

    return serve_public(request, slug, ("compound", pk), build)


@require_GET
def company(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def build():
        community = public_community(slug)
        found = get_object_or_404(PropertyCompany.objects.only("pk", "name"), pk=pk)
        entries = company_entries(community, found.pk)
        if not entries:
            raise Http404("never published")
        # The latest line of each compound, and the company's average score of each month. An
        # unranked line (不参评, e.g. no inspection at all) has no score to average: a month with
        # only unranked lines has no average, is shown as "—" and breaks the chart's line.
        compounds: OrderedDict[int, PublicationEntry] = OrderedDict()
        months: OrderedDict[dt.date, list] = OrderedDict()
        for entry in entries:
            compounds[entry.compound_id] = entry
            scores = months.setdefault(entry.publication.month, [])
            if entry.band != rules.Band.UNRANKED.value:
                scores.append(entry.score)
        averages = [(m, rules.average(scores)) for m, scores in months.items()]
        points = [
            (f"{m:%Y-%m}", value, rules.Band.NONE.value)
            if value is not None
            else (f"{m:%Y-%m}", Decimal(0), rules.Band.UNRANKED.value)
            for m, value in averages
        ]
        title = _("Average score by month: %(name)s") % {"name": entries[-1].company_name}
        bands = bands_for(community, entries[-1].publication.month.year)
        return "scorecards/public/company.html", {
            "community": community,
            "company": found,
            "name": entries[-1].company_name,
            "compounds": sorted(compounds.values(), key=lambda e: e.compound_name),
            "averages": list(reversed(averages)),
            "chart": mark_safe(trend_svg(points, bands=bands, title=title)),  # noqa: S308
        }

    return serve_public(request, slug, ("company", pk), build)


urlpatterns = [
    path("public/", index, name="public_index"),
    path("public/<slug:slug>/", latest, name="public_latest"),
    path("public/<slug:slug>/months/", archive, name="public_archive"),
    re_path(
        r"^public/(?P<slug>[-a-zA-Z0-9_]+)/(?P<month>\d{4}-\d{2})/$", month, name="public_month"
    ),
    re_path(
        r"^public/(?P<slug>[-a-zA-Z0-9_]+)/(?P<month>\d{4}-\d{2})/edition/(?P<sequence>[0-9]+)/$",
        edition,
        name="public_edition",
    ),
    path("public/<slug:slug>/compound/<int:pk>/", compound, name="public_compound"),
    path("public/<slug:slug>/company/<int:pk>/", company, name="public_company"),
]
