from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from compounds.selectors import membership_roles


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def roles(request: HttpRequest) -> dict:
    """``nav_roles``: the user's membership roles, so the menu offers only what they may open.
    Lazy, and it reuses the memberships the view's permission checks already read, so the menu
    costs no query on a page that checked a role. The views check permissions themselves."""

    def load() -> frozenset[str]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return frozenset()
        found = membership_roles(user)
        if user.is_superuser:
            found.add("staff")
        return frozenset(found)

    return {"nav_roles": SimpleLazyObject(load)}
