"""The ``redblack`` and ``bulletins`` sections of the public community document: the latest
published month and how many compounds each band holds (from its current publication; a
correction replaces what it corrects), and the latest quarterly bulletin. Figures only, no names:
the lists themselves are at ``/redblack/<YYYY-MM>.json``, the bulletins at
``/bulletins/<YYYY-Qn>.json``."""

from __future__ import annotations

from tongde.opendata import section
from tongde.periods import Period

from .api import published_at
from .bulletins import current_bulletins
from .public import current_publications


@section("redblack")
def redblack_section(community, period: Period | None) -> dict:
    """The latest month published (within the period, if one is given), its edition, when it was
    published and its counts per band; ``latest_month`` is ``None`` when there is none."""
    publications = current_publications(community)
    if period is not None:
        publications = publications.filter(month__gte=period.start, month__lt=period.end)
    publication = publications.first()
    if publication is None:
        return {
            "latest_month": None,
            "edition": None,
            "published_at": None,
            "counts": {"red": 0, "black": 0, "none": 0, "unranked": 0},
        }
    return {
        "latest_month": f"{publication.month:%Y-%m}",
        "edition": publication.sequence,
        "published_at": published_at(publication),
        "counts": {
            "red": publication.red_count,
            "black": publication.black_count,
            "none": publication.none_count,
            "unranked": publication.unranked_count,
        },
    }


@section("bulletins")
def bulletins_section(community, period: Period | None) -> dict:
    """The latest quarterly bulletin published (for a quarter within the period, if one is
    given): its quarter, edition and when it was published; the bulletin itself is at
    ``/bulletins/<YYYY-Qn>.json``."""
    bulletins = current_bulletins(community)
    if period is not None:
        bulletins = bulletins.filter(quarter__gte=period.start, quarter__lt=period.end)
    bulletin = bulletins.first()
    if bulletin is None:
        return {"latest_quarter": None, "edition": None, "published_at": None}
    return {
        "latest_quarter": bulletin.label,
        "edition": bulletin.sequence,
        "published_at": published_at(bulletin),
    }
