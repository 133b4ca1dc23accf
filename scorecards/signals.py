"""Signals between the parts of the scorecards app.

``list_published`` is sent (on commit) whenever something the public pages show changes: a
red/black list or its correction, a quarterly bulletin, an annual assessment, a summons for talks.
It carries ``community_id`` and ``month`` (the list's month, or ``None``): the public pages clear
their cached renderings on it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.dispatch import Signal

list_published = Signal()


def announce_on_commit(sender: type, community_id: int, month: dt.date | None = None) -> None:
    """Send ``list_published`` once the surrounding transaction commits."""
    transaction.on_commit(
        lambda: list_published.send(sender=sender, community_id=community_id, month=month)
    )
