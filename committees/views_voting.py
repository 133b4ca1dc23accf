"""Ballots: staff entry and import, online voting with codes, receipts, tracker, tally, results."""

from __future__ import annotations

urlpatterns: list = []
