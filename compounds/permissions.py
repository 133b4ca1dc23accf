"""Who may see a view. Every view in the registry wears one of these."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .selectors import is_registry_reader, is_staff_anywhere


def role_required(predicate):
    """A view decorator: anonymous users go to the login page; a user for whom ``predicate``
    is false gets 403. Apps build their own decorators from their own predicates with it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Staff, grid workers, company users and committee members: each sees only their own scope,
# which the selectors enforce.
registry_reader_required = role_required(is_registry_reader)
# Community staff (and superusers): those who edit the registry and import files.
staff_required = role_required(is_staff_anywhere)
