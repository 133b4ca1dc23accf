"""Display helpers of the scorecards pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from scorecards.reports import Compliance
from scorecards.rules import Grade

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


@register.filter
def grade_label(code: str) -> str:
    """An assessment grade code (``good``...) as its translated label; "—" when there is none."""
    try:
        return str(Grade(code).label)
    except ValueError:
        return "—"
