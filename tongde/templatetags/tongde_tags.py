"""Template tags every app shares."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from compounds.choices import display_name
from tongde import once

register = template.Library()


@register.simple_tag
def once_field() -> str:
    """The one-time token of a form whose view is ``@submit_once`` (see tongde/once.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_token())


@register.filter
def person(user) -> str:
    """A user as people know them: the full name, else the login name; "—" for nobody."""
    return "—" if user is None else display_name(user)
