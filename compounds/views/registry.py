"""Staff pages to browse, search, filter and edit the registry."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..permissions import registry_reader_required
from ..selectors import community_list, compound_list, registry_counts


@registry_reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Anyone with a role: the counts of each level for the compounds they may see."""
    counts = registry_counts(compounds=compound_list(user=request.user))
    communities = community_list(user=request.user)
    return render(
        request, "compounds/dashboard.html", {"counts": counts, "communities": communities}
    )
