"""Display helpers of the patrol and problem pages."""

from __future__ import annotations

import datetime as dt

from django import template

from campaigns.models import Problem
from campaigns.rules import Countdown, deadline_countdown
from campaigns.selectors_patrols import OVERDUE_STATUSES

register = template.Library()


@register.simple_tag
def problem_countdown(problem: Problem, today: dt.date) -> Countdown | None:
    """The deadline countdown of a problem still waiting for the company or the committee; None
    once it is answered (staff's turn), closed or fixed on the spot, or when it has no deadline."""
    if problem.status not in OVERDUE_STATUSES or problem.deadline_on is None:
        return None
    return deadline_countdown(problem.deadline_on, today=today)
