"""Template tags every app shares."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from tongde import once

register = template.Library()


@register.simple_tag
def once_field() -> str:
    """The one-time token of a form whose view is ``@submit_once`` (see tongde/once.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token())
