"""Who may see the election pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from compounds.selectors import is_registry_reader, staff_community_ids

from .elections import has_election_scope
from .models import Election


def election_reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff, grid workers and committee members; company users get 404 (elections are none of
    their business, and a 403 would confirm that the election exists)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_registry_reader(user):
            raise PermissionDenied
        if not has_election_scope(user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def can_read_ballots(user: Any, election: Election) -> bool:
    """Who may read the ballot list (who voted and how, never what): the staff of the
    election's community (``staff_community_ids``) and superusers."""
    return user.is_superuser or election.committee.compound.community_id in staff_community_ids(
        user
    )
