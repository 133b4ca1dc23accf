"""Staff pages for the election lifecycle: steps, candidates, vetting, objections, log."""

from __future__ import annotations

urlpatterns: list = []
