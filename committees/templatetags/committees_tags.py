from __future__ import annotations

from django import template
from django.utils.translation import get_language

from committees.election_log import matter_label
from committees.elections import stage_label as _stage_label
from committees.models import Election
from committees.rules import Matter

register = template.Library()


@register.filter
def stage_label(election: Election, stage: str | None = None) -> str:
    """``{{ election|stage_label }}``: its current stage by name; ``{{ election|stage_label:s }}``
    names stage ``s``; either as the election's kind calls it (a motion has no candidates)."""
    return _stage_label(election.kind, stage or election.stage)


@register.filter
def matter_text(matter: Matter) -> str:
    """A Civil Code matter by its number: Art. 278's own wording for Chinese readers, the
    translated plain label for others."""
    if (get_language() or "").startswith("zh"):
        return f"{matter.value}. {matter.zh}"
    return matter_label(matter.value)
