"""The campaigns' sections of the public community document: figures only, never names.

``campaigns`` (operations) lives here; the meetings, regulations and designations sections are
added below by their owners.
"""

from __future__ import annotations

from tongde.opendata import section
from tongde.periods import Period

from .selectors import campaign_figures


@section("campaigns")
def campaigns_section(community, period: Period | None) -> dict:
    """Operations held (in the period, or ever), their person-times, truckloads and tonnes
    (tonnes as a decimal string)."""
    figures = campaign_figures(community=community, period=period)
    return {
        "operations": figures["operations"],
        "person_times": figures["person_times"],
        "truckloads": figures["truckloads"],
        "tonnes": str(figures["tonnes"]),
    }
