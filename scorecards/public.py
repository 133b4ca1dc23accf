"""What the public may read of the red/black lists (红黑榜), and the cache of its pages.

Only publications are public: a draft scorecard, or a month nobody has published, has no
publication and so appears nowhere here. A corrected publication is replaced by its correction:
the *current* publication of a month is the one no later publication corrects (``corrected_by``
empty); if a month somehow has two current editions, the higher edition wins.

The public pages are rendered once per community, language and page and kept in the cache. Every
key of a community carries a version token; a receiver of ``scorecards.signals.list_published``
(sent on commit of a publication or a correction) drops the token, so every page of the community
is rendered afresh on its next request, while the old renderings expire on their own.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext

from compounds.models import Community

from . import rules
from .models import Appeal, Publication, PublicationEntry, ScoringSettings
from .signals import list_published

# Rendered pages stay a day at most; a publication invalidates them at once.
PAGE_SECONDS = 24 * 3600
BAND_ORDER = (rules.Band.RED, rules.Band.BLACK, rules.Band.NONE, rules.Band.UNRANKED)


# --- Selectors ---------------------------------------------------------------------------------


def current_publications(community: Community | int) -> QuerySet[Publication]:
    """Publications of the community that no correction has replaced, newest month first."""
    community_id = getattr(community, "pk", community)
    return Publication.objects.filter(
        community_id=community_id, corrected_by__isnull=True
    ).order_by("-month", "-sequence")


def latest_publication(community: Community | int) -> Publication | None:
    """The current publication of the latest published month, or ``None``."""
    return current_publications(community).select_related("correction_of").first()


def month_publication(community: Community | int, month: dt.date) -> Publication | None:
    """The current publication of ``month`` (any day of it), or ``None`` if it is unpublished."""
    return (
        current_publications(community)
        .filter(month=month.replace(day=1))
        .select_related("correction_of")
        .first()
    )


def published_months(community: Community | int) -> list[Publication]:
    """One current publication per published month, newest first (the month archive)."""
    seen: set[dt.date] = set()
    months = []
    for publication in current_publications(community):
        if publication.month not in seen:
            seen.add(publication.month)
            months.append(publication)
    return months


def listing_order() -> list[Any]:
    """``rules.listing_key`` as an ``order_by``: by rank, unranked last; within a tie red, then
    neither, then black, a veto after no veto; then compound name and id."""
    tie = Case(
        *(When(band=band.value, then=Value(i)) for i, band in enumerate(rules.TIE_ORDER)),
        default=Value(len(rules.TIE_ORDER)),
        output_field=IntegerField(),
    )
    return [F("rank").asc(nulls_last=True), tie.asc(), "veto", "compound_name", "compound_id"]


def entries_of(publication: Publication) -> list[PublicationEntry]:
    """The lines of a publication in list order (``listing_order``)."""
    return list(publication.entries.order_by(*listing_order()))


def appeals_of(publication: Publication) -> dict[int, Appeal]:
    """Appeals filed on the month's lists (any edition), by compound: the latest per compound.

    An appeal is filed against an entry of the edition it contests; an upheld one leads to a
    correction, whose own entry should still show the outcome."""
    appeals = Appeal.objects.filter(
        entry__publication__community_id=publication.community_id,
        entry__publication__month=publication.month,
    ).order_by("filed_at", "pk")
    return {appeal.entry.compound_id: appeal for appeal in appeals.select_related("entry")}


@dataclass
class PublicList:
    publication: Publication
    entries: list[PublicationEntry]
    groups: list[tuple[rules.Band, list[PublicationEntry]]] = field(default_factory=list)
    appeals: dict[int, Appeal] = field(default_factory=dict)


def public_list(publication: Publication) -> PublicList:
    """A publication with its entries grouped by band (red, black, neither, unranked) and the
    appeal outcome on each entry (``entry.public_appeal``). Three queries whatever the size."""
    entries = entries_of(publication)
    appeals = appeals_of(publication)
    by_band: dict[str, list[PublicationEntry]] = {band.value: [] for band in BAND_ORDER}
    for entry in entries:
        entry.public_appeal = appeals.get(entry.compound_id)
        by_band.setdefault(entry.band, []).append(entry)
    groups = [(band, by_band[band.value]) for band in BAND_ORDER]
    return PublicList(publication, entries, groups, appeals)


def current_entries(community: Community | int) -> QuerySet[PublicationEntry]:
    """Entries of the community's current publications, oldest month first."""
    community_id = getattr(community, "pk", community)
    return (
        PublicationEntry.objects.filter(
            publication__community_id=community_id, publication__corrected_by__isnull=True
        )
        .select_related("publication")
        .order_by("publication__month", "publication__sequence", "pk")
    )


def _one_per_month(entries) -> list[PublicationEntry]:
    # Ordered by month then edition: a later edition of the same month replaces the earlier.
    by_month: dict[tuple[int, dt.date], PublicationEntry] = {}
    for entry in entries:
        by_month[(entry.compound_id, entry.publication.month)] = entry
    return list(by_month.values())


def compound_trend(community: Community | int, compound_id: int) -> list[PublicationEntry]:
    """The compound's published line of each month, oldest first."""
    return _one_per_month(current_entries(community).filter(compound_id=compound_id))


def company_entries(community: Community | int, company_id: int) -> list[PublicationEntry]:
    """Every published line of the company's compounds in the community, oldest month first."""
    return _one_per_month(current_entries(community).filter(company_id=company_id))


def bands_for(community: Community | int, year: int) -> rules.Bands:
    """The bands of ``year`` (or the latest earlier year) without creating settings on a read."""
    community_id = getattr(community, "pk", community)
    found = (
        ScoringSettings.objects.filter(community_id=community_id, year__lte=year)
        .order_by("-year")
        .first()
    )
    return found.bands if found else rules.DEFAULT_BANDS


# --- Trend chart (server-side SVG, no script) -------------------------------------------------

BAND_COLOURS = {
    rules.Band.RED.value: "#dc3545",
    rules.Band.BLACK.value: "#212529",
    rules.Band.NONE.value: "#0d6efd",
    rules.Band.UNRANKED.value: "#adb5bd",
}


# Font size 16 plus a little air: two line values closer than this would overlap.
LINE_VALUE_GAP = 18
# The view box's width, and so the chart's largest width in pixels. A phone shows the chart about
# 360 px wide: at this width its text (font size 16 to 18) is drawn 12 to 13 px high there.
CHART_WIDTH = 480


def _plain(value: Decimal) -> str:
    """A line's value as people write it: 90, 59.5 (not 90.00, which the margin would cut)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text_width(text: str, size: int) -> int:
    """About how wide ``text`` is drawn at font size ``size``: a Chinese character is square, a
    Latin letter or digit about half as wide."""
    return sum(size if ord(ch) > 0x2E7F else size * 6 // 10 for ch in text)


def trend_svg(
    points: list[tuple[str, Decimal, str]],
    *,
    bands: rules.Bands,
    title: str = "",
    legend: bool = False,
) -> str:
    """A line chart of ``(label, score, band)`` points as an inline SVG: each point coloured by
    its band, dashed lines at the red and black lines (labelled). An unranked month (不参评) has
    no point and breaks the line. At most ``CHART_WIDTH`` px wide, so its text neither balloons on
    a wide screen nor shrinks below about 12 px on a phone; with ``legend``, what the colours
    mean."""
    width, height = CHART_WIDTH, 240 + (30 if legend else 0)
    # The right margin holds the red and black lines' values, clear of the latest month's point.
    left, right, top, bottom = 44, 48, 12, 30 + (30 if legend else 0)
    top_value = max([Decimal(100), *[score for _, score, _ in points]])
    plot_w, plot_h = width - left - right, height - top - bottom
    unranked = rules.Band.UNRANKED.value

    def y(value: Decimal) -> float:
        return round(top + plot_h * (1 - float(value) / float(top_value)), 1)

    def x(i: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return round(left + plot_w * i / (len(points) - 1), 1)

    label = escape(title, {chr(34): "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="w-100 h-auto d-block" style="max-width: {width}px" role="img" '
        f'aria-label="{label}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#6c757d"/>',
    ]
    for value in (Decimal(0), Decimal(50), top_value):
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 5}" font-size="18" text-anchor="end" '
            f'fill="#6c757d">{value:g}</text>'
        )
    # Each line's value sits in the right margin, pushed apart when the lines are close; the
    # full wording is its tooltip and the figure caption's.
    red_text_y = y(bands.red_at) + 5
    black_text_y = max(y(bands.black_below) + 5, red_text_y + LINE_VALUE_GAP)
    lines = (
        (bands.red_at, "#dc3545", gettext("Red list line %(n)s"), red_text_y),
        (bands.black_below, "#212529", gettext("Black list line %(n)s"), black_text_y),
    )
    for value, colour, text, text_y in lines:
        parts.append(
            f'<line x1="{left}" y1="{y(value)}" x2="{width - right}" y2="{y(value)}" '
            f'stroke="{colour}" stroke-dasharray="4 4" stroke-width="1"/>'
            f'<text x="{width - right + 6}" y="{round(text_y, 1)}" font-size="16" '
            f'fill="{colour}"><title>{escape(text % {"n": _plain(value)})}</title>'
            f"{_plain(value)}</text>"
        )
    # The line joins consecutive ranked months only.
    segment: list[str] = []
    for i, (_, score, band) in enumerate([*points, ("", Decimal(0), unranked)]):
        if band == unranked:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="#6c757d" '
                    'stroke-width="2"/>'
                )
            segment = []
        else:
            segment.append(f"{x(i)},{y(score)}")
    # At most four month labels, evenly spaced and counted back from the latest month, which is
    # always labelled. A label ("2026-10" at font size 18) is about 72 units wide and the last one
    # ends at its point, so the one before it must sit at least one and a half labels away.
    step = max(1, math.ceil(len(points) / 4), math.ceil(110 * (len(points) - 1) / plot_w))
    last = len(points) - 1
    for i, (month, score, band) in enumerate(points):
        if band != unranked:
            colour = BAND_COLOURS.get(band, "#6c757d")
            parts.append(
                f'<circle cx="{x(i)}" cy="{y(score)}" r="5" fill="{colour}">'
                f"<title>{escape(month)}: {score}</title></circle>"
            )
        if (last - i) % step == 0:
            # The last month's label ends at its point, so the chart's edge does not cut it.
            anchor = "end" if i == last and i else ("start" if i == 0 and last else "middle")
            parts.append(
                f'<text x="{x(i)}" y="{top + plot_h + 22}" font-size="18" '
                f'text-anchor="{anchor}" fill="#6c757d">{escape(month)}</text>'
            )
    if legend:
        legend_x = left
        for band in (rules.Band.RED, rules.Band.BLACK, rules.Band.NONE):
            text = escape(str(band.label))
            parts.append(
                f'<rect x="{legend_x + 1}" y="{height - 17}" width="10" height="10" rx="5" '
                f'fill="{BAND_COLOURS[band.value]}"/>'
                f'<text x="{legend_x + 16}" y="{height - 6}" font-size="16" '
                f'fill="#495057">{text}</text>'
            )
            legend_x += 24 + _text_width(str(band.label), 16)
    parts.append("</svg>")
    return "".join(parts)


# --- Cache of rendered pages -------------------------------------------------------------------


def _version_key(slug: str) -> str:
    return f"scorecards:public:{slug}:version"


# Each worker process also keeps the pages it served last (keyed with the version, so a new
# version misses them) and the versions it read, for ``SCORECARDS_PUBLIC_VERSION_SECONDS`` (1 s
# by default): most hits then touch no shared cache at all. Another worker may so serve the old
# list for up to that second after a publication; the worker that published drops it at once.
LOCAL_PAGES = 256
_local: OrderedDict[str, bytes] = OrderedDict()
_versions: dict[str, tuple[float, str]] = {}


def _version_seconds() -> float:
    return float(getattr(settings, "SCORECARDS_PUBLIC_VERSION_SECONDS", 1.0))


def community_version(slug: str) -> str:
    """The community's current cache token, created on first use."""
    now = time.monotonic()
    known = _versions.get(slug)
    if known is not None and known[0] > now:
        return known[1]
    key = _version_key(slug)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        # add: two first requests at once agree on one token. It expires with the pages.
        if not cache.add(key, version, PAGE_SECONDS):
            version = cache.get(key) or version
    seconds = _version_seconds()
    if seconds > 0:
        _versions[slug] = (now + seconds, version)
    return version


def page_key(slug: str, language: str, *parts: object) -> str:
    bits = ":".join(str(p) for p in parts)
    # ":b": the value is encoded bytes (a worker of an older release reading it would fail).
    return f"scorecards:public:{slug}:{community_version(slug)}:{language}:{bits}:b"


def cached_page(key: str) -> bytes | None:
    """The rendering stored under ``key``, encoded: this process's copy, else the shared
    cache's. Kept as bytes so that a hit does not encode 7 KB of Chinese text again."""
    body = _local.get(key)
    if body is not None:
        _local.move_to_end(key)
        return body
    body = cache.get(key)
    if body is not None:
        _remember(key, body)
    return body


def store_page(key: str, html: str) -> bytes:
    """Keep a rendering in the shared cache and this process's copy; returns it encoded."""
    body = html.encode()
    cache.set(key, body, PAGE_SECONDS)
    _remember(key, body)
    return body


def _remember(key: str, body: bytes) -> None:
    _local[key] = body
    while len(_local) > LOCAL_PAGES:
        _local.popitem(last=False)


def invalidate(slug: str) -> None:
    """Forget every rendered page of the community (they expire later on their own)."""
    cache.delete(_version_key(slug))
    _versions.pop(slug, None)
    prefix = f"scorecards:public:{slug}:"
    for key in [k for k in _local if k.startswith(prefix)]:
        _local.pop(key, None)


def forget_local(**kwargs) -> None:
    """Drop this process's copies (on any settings change: a test starts with a fresh cache)."""
    _local.clear()
    _versions.clear()


def on_list_published(sender, community_id: int, month=None, **kwargs) -> None:
    slug = Community.objects.filter(pk=community_id).values_list("slug", flat=True).first()
    if slug:
        invalidate(slug)
    # The community's open-data document (tongde.views) is cached too: drop its "now" rendering.
    cache.delete(f"opendata:community:{community_id}:now")


list_published.connect(on_list_published, dispatch_uid="scorecards.public.on_list_published")
setting_changed.connect(forget_local, dispatch_uid="scorecards.public.forget_local")
