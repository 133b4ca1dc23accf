"""Two people editing the same record: the second save is refused instead of silently undoing
the first.

A form that edits a saved row carries, hidden, a fingerprint of the row as it was when the form
was shown (``EDITED_FROM``): one short hash per field. When the form comes back, the row is read
again under a lock; if any field changed meanwhile, nothing is saved, each changed field the form
shows says what it is now, and the form comes back with the editor's own values and the new
fingerprint, so that saving again replaces the other change knowingly. A form sent without the
fingerprint (an old page, a script) is not checked, as before.

``form_page`` (``tongde.pages``) does this for every model form that edits a saved row; a view
with its own form calls ``fingerprint`` on show and ``refuse_if_changed`` on save.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from django import forms
from django.db import models
from django.forms import BaseForm
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

EDITED_FROM = "edited_from"

CHANGED_MEANWHILE = gettext_lazy(
    "Someone else changed this record since you opened it. Nothing was saved: your changes "
    "are still in the form. Check them against what changed and save again to keep them."
)
CHANGED_MEANWHILE_FIELDS = gettext_lazy("Changed meanwhile: %(fields)s.")
FIELD_NOW = gettext_lazy("Someone else changed this meanwhile; it is now: %(value)s")


def _fields(instance: models.Model) -> list[models.Field]:
    # A timestamp a save refreshes is no change of its own: the fields it stamps are compared.
    return [
        f
        for f in instance._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
    ]


def _digest(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def fingerprint(instance: models.Model) -> str:
    """The row's fields as short hashes, in a string fit for a hidden input."""
    digests = {f.name: _digest(f.value_from_object(instance)) for f in _fields(instance)}
    return base64.urlsafe_b64encode(json.dumps(digests, sort_keys=True).encode()).decode()


def _digests(token: str) -> dict[str, str] | None:
    try:
        found = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, UnicodeError):
        return None
    return found if isinstance(found, dict) else None


def changed_fields(instance: models.Model, token: str) -> list[models.Field]:
    """The fields of ``instance`` (as read now) that differ from the row ``token`` was made
    from. A token that cannot be read counts as every field changed: the check must not pass
    on garbage."""
    then = _digests(token)
    fields = _fields(instance)
    if then is None:
        return fields
    return [f for f in fields if then.get(f.name) != _digest(f.value_from_object(instance))]


def add_field(form: BaseForm, instance: models.Model) -> None:
    """Give ``form`` the hidden fingerprint of ``instance`` (shown: the row as it is now)."""
    form.fields[EDITED_FROM] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=fingerprint(instance)
    )


def _shown(instance: models.Model, field: models.Field) -> str:
    value = getattr(instance, field.name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, models.fields.files.FieldFile):
        return value.name.rsplit("/", 1)[-1]
    return Truncator(str(formats.localize(value))).chars(80)


def refuse_if_changed(form: BaseForm, current: models.Model) -> bool:
    """If the row changed since ``form`` was shown, say so on the form, put the current
    fingerprint in it (a second save then goes through) and return True. ``current`` must be
    read under a lock (``select_for_update``) in the transaction that saves."""
    token = form.data.get(form.add_prefix(EDITED_FROM)) if form.is_bound else None
    if not token:
        return False
    changed = changed_fields(current, token)
    if not changed:
        return False
    elsewhere = []
    for field in changed:
        if field.name in form.fields and field.name != EDITED_FROM:
            form.add_error(field.name, FIELD_NOW % {"value": _shown(current, field)})
        else:
            elsewhere.append(str(field.verbose_name))
    form.add_error(None, str(CHANGED_MEANWHILE))
    if elsewhere:
        form.add_error(
            None,
            CHANGED_MEANWHILE_FIELDS % {"fields": pgettext("list separator", ", ").join(elsewhere)},
        )
    data = form.data.copy()
    data[form.add_prefix(EDITED_FROM)] = fingerprint(current)
    form.data = data
    return True


def locked(instance: models.Model) -> models.Model:
    """``instance``'s row as it is now, locked until the transaction ends."""
    return type(instance)._base_manager.select_for_update().get(pk=instance.pk)
