from __future__ import annotations

from django.utils import timezone

from tongde.opendata import section
from tongde.periods import Period

from .selectors import committee_figures


@section("committees")
def committees_section(community, period: Period | None) -> dict:
    """Committees, their current members (with Party members and veterans) and current building
    and unit heads: counts only, never names. With a period, as they stood on its last day."""
    on = period.last_day if period is not None else timezone.localdate()
    # One query, so the public document's cost does not grow with the registry.
    communities = type(community).objects.filter(pk=community.pk)
    return committee_figures(communities=communities, on=on)[community.pk]
