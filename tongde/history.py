"""The change history of rows kept by django-simple-history, as pages show it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def change_entries(records: Iterable[Any], label: Callable[[Any], str]) -> list[dict[str, Any]]:
    """Who changed what, when, newest first, for ``templates/_history.html``: consecutive
    django-simple-history records of each object diffed in Python. ``label`` names the object a
    record is of (several objects' records may be mixed)."""
    by_object: dict[int, list[Any]] = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    entries = []
    for versions in by_object.values():
        # Two changes in the same instant (a task, a test's frozen clock) keep their order.
        versions.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
        for newer, older in zip(versions, [*versions[1:], None], strict=True):
            fields: list[str] = []
            if older is not None and newer.history_type == "~":
                delta = newer.diff_against(older)
                model = newer.instance_type
                fields = [str(model._meta.get_field(c.field).verbose_name) for c in delta.changes]
            entries.append(
                {
                    "at": newer.history_date,
                    "order": newer.history_id,
                    "user": newer.history_user,
                    "action": newer.get_history_type_display(),
                    "subject": label(newer),
                    "fields": fields,
                    "reason": newer.history_change_reason,
                }
            )
    entries.sort(key=lambda e: (e["at"], e["order"]), reverse=True)
    return entries


def history_actor(user: Any) -> Any:
    """Whom a change made by a service names in the history (set as ``obj._history_user``
    before saving): the account, or nobody when the system acts. The request's user, which
    django-simple-history's middleware would give, is missing when a task or command acts."""
    return user if getattr(user, "is_authenticated", False) else None
