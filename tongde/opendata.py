"""The public community document, ``/api/v1/communities/<slug>/``.

Each app adds a section with ``@section("name")``; a section function takes the community and the
period filter (``None`` for "now") and returns JSON-able data. No personal data goes here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tongde.periods import Period

SectionFn = Callable[[Any, Period | None], dict]
SECTIONS: dict[str, SectionFn] = {}


def section(name: str) -> Callable[[SectionFn], SectionFn]:
    def decorator(fn: SectionFn) -> SectionFn:
        SECTIONS[name] = fn
        return fn

    return decorator


def community_document(community, period: Period | None = None) -> dict:
    doc: dict[str, Any] = {"slug": community.slug, "name": community.name}
    if period is not None:
        doc["period"] = period.label
    for name, fn in SECTIONS.items():
        doc[name] = fn(community, period)
    return doc
