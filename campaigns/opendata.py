"""The campaigns' sections of the public community document: figures only, never names.

``campaigns`` (operations) lives here; the meetings, regulations and designations sections are
added below by their owners.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from tongde.opendata import section
from tongde.periods import Period

from .designations import designation_progress
from .models import Designation
from .selectors import campaign_figures
from .selectors_meetings import meeting_counts, regulations_revised


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


# Meetings, regulations and designations ----------------------------------------------------------
# (Appended by the meetings part: counts only; no titles, names, opinions or files.)

RATE_PLACES = Decimal("0.0001")


@section("meetings")
def meetings_section(community, period: Period | None) -> dict:
    """Meetings held by kind (promotion/deployment/assessment, training, joint, study visit), in
    the period or ever."""
    return meeting_counts(community=community, period=period)


@section("regulations_revised")
def regulations_revised_section(community, period: Period | None) -> int:
    """Regulations with a revision (version 2 or later) adopted in the period, or ever."""
    return regulations_revised(community=community, period=period)


def _rate(value: Decimal | None) -> str | None:
    # Every rate, achieved or target, with four decimals ("0.3125", "0.8000"): one format.
    return None if value is None else str(Decimal(value).quantize(RATE_PLACES))


@section("designations")
def designations_section(community, period: Period | None) -> dict:
    """Premium compounds and model courtyards: designated (created or kept), eligible (the
    registry's non-archived compounds of the kind), the rate and the target, as decimal strings.

    Designations are yearly: a period gives the year it starts in; without a period, the latest
    year with a designation (this year when there is none)."""
    if period is not None:
        year = period.start.year
    else:
        year = (
            Designation.objects.filter(compound__community=community).aggregate(year=Max("year"))[
                "year"
            ]
            or timezone.localdate().year
        )
    return {
        p.kind: {
            "count": p.count,
            "eligible": p.eligible,
            "rate": _rate(p.rate),
            "target": _rate(p.target),
        }
        for p in designation_progress(community=community, year=year)
    }
