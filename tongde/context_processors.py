from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def roles(request: HttpRequest) -> dict:
    """``nav_roles``: the user's membership roles, so the menu offers only what they may open.
    Lazy: a page that never reads it costs no query. The views check permissions themselves."""

    def load() -> frozenset[str]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return frozenset()
        found = set(user.memberships.values_list("role", flat=True))
        if user.is_superuser:
            found.add("staff")
        return frozenset(found)

    return {"nav_roles": SimpleLazyObject(load)}
