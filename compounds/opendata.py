from __future__ import annotations

from tongde.opendata import section
from tongde.periods import Period

from .models import Community
from .selectors import registry_counts


@section("registry")
def registry_section(community: Community, period: Period | None) -> dict:
    """Counts of the registry as it stands, computed from the rows (no personal data)."""
    counts = registry_counts(compounds=community.compounds.filter(is_archived=False))
    counts["area_km2"] = str(community.area_km2) if community.area_km2 is not None else None
    return counts
