"""Display helpers of the scorecards pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from scorecards.reports import Compliance

register = template.Library()


@register.filter
def percent(rate: Decimal | None, places: int = 1) -> str:
    """A stored rate (0.925) as a localised percentage ("92.5%"); "—" when there is none."""
    if rate is None or rate == "":
        return "—"
    return f"{number_format(Decimal(rate) * 100, decimal_pos=places)}%"


@register.filter
def compliance_label(code: str) -> str:
    """A report timeliness code (``on_time``...) as its translated label."""
    try:
        return str(Compliance(code).label)
    except ValueError:
        return code or "—"
