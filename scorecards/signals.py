"""Signals between the parts of the scorecards app.

``list_published`` is sent (on commit) after a red/black list or a correction is published, with
``community_id`` and ``month``: the public pages clear their cached renderings on it.
"""

from django.dispatch import Signal

list_published = Signal()
