from __future__ import annotations

from django import template

from committees.elections import stage_label as _stage_label
from committees.models import Election

register = template.Library()


@register.filter
def stage_label(election: Election, stage: str | None = None) -> str:
    """``{{ election|stage_label }}``: its current stage by name; ``{{ election|stage_label:s }}``
    names stage ``s``; either as the election's kind calls it (a motion has no candidates)."""
    return _stage_label(election.kind, stage or election.stage)


@register.filter
def person(user) -> str:
    """A user as people know them: the full name, else the login name; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
