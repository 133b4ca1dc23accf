"""Two people editing the same record: the second save is refused instead of silently undoing
the first.

A form that edits a saved row carries, hidden, a fingerprint of the row as it was when the form
was shown (``EDITED_FROM``): one short hash per field. When the form comes back, the row is read
again under a lock; if any field changed meanwhile, nothing is saved, each changed field the form
shows says what it is now, and the form comes back with the editor's own values and the new
fingerprint, so that saving again replaces the other change knowingly. A form sent without the
fingerprint (an old page, a script) is not checked, as before.

What a page shows outside its row (an operation's compounds, a meeting's attendance, which live
in other tables and change without touching the row) is fingerprinted the same way as *links*
(``LINKS_FROM``): one ``Link`` per thing shown, named as the form field that shows it.

``form_page`` (``tongde.pages``) does this for every model form that edits a saved row, and for
any form given ``edited=`` and ``links=``; a view with its own flow calls ``add_fields`` on show
and ``refuse_if_edited`` in the transaction that saves.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.db import models, transaction
from django.forms import BaseForm
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

T = TypeVar("T")

EDITED_FROM = "edited_from"
LINKS_FROM = "links_from"

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


def _token(values: Mapping[str, Any]) -> str:
    digests = {name: _digest(value) for name, value in values.items()}
    return base64.urlsafe_b64encode(json.dumps(digests, sort_keys=True).encode()).decode()


def fingerprint(instance: models.Model) -> str:
    """The row's fields as short hashes, in a string fit for a hidden input."""
    return _token({f.name: f.value_from_object(instance) for f in _fields(instance)})


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
    _refuse(
        form,
        {f.name: (str(f.verbose_name), lambda f=f: _shown(current, f)) for f in changed},
        EDITED_FROM,
        fingerprint(current),
    )
    return True


def _refuse(
    form: BaseForm, changed: Mapping[str, tuple[str, Callable[[], str]]], token_field: str, now: str
) -> None:
    """Say on ``form`` what changed (``{name: (label, current value)}``): on the field of that
    name when the form shows one, else by its label above the form; and put the fingerprint as
    it is ``now`` in ``token_field``, so a second save goes through."""
    elsewhere = []
    for name, (label, shown) in changed.items():
        if name in form.fields and name not in {EDITED_FROM, LINKS_FROM}:
            form.add_error(name, FIELD_NOW % {"value": shown() or "—"})
        else:
            elsewhere.append(label)
    if str(CHANGED_MEANWHILE) not in form.non_field_errors():
        form.add_error(None, str(CHANGED_MEANWHILE))
    if elsewhere:
        form.add_error(
            None,
            CHANGED_MEANWHILE_FIELDS % {"fields": pgettext("list separator", ", ").join(elsewhere)},
        )
    data = form.data.copy()
    data[form.add_prefix(token_field)] = now
    form.data = data


def locked(instance: models.Model) -> models.Model:
    """``instance``'s row as it is now, locked until the transaction ends."""
    return type(instance)._base_manager.select_for_update().get(pk=instance.pk)


def locking(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` locking the rows it reads when read in the transaction that saves. Showing
    the page reads them plainly: ``select_for_update`` outside a transaction is an error (which
    tests, each run inside one, never see)."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update()
    return queryset


# What a form shows outside its row --------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """What the form shows of one link: ``value`` is compared (JSON-able: ids, numbers, dates),
    ``shown`` is what an error says it is now, ``label`` names it when no form field shows it."""

    value: Any
    shown: str
    label: str


Links = Callable[[], Mapping[str, Link]]


def rows(queryset: models.QuerySet) -> Link:
    """A set of child rows a page edits with its parent (an agreement's commitments in a
    formset) as one link: any row added, removed or changed there is a change, named by the
    rows' plural name. Read fresh, never from rows the queryset cached when the page was shown."""
    values = [
        [row.pk, *(f.value_from_object(row) for f in _fields(row))]
        for row in queryset.all().order_by("pk")
    ]
    return Link(values, "", str(queryset.model._meta.verbose_name_plural))


def names(objects: Any) -> str:
    """Linked rows as an error shows them: "甲小区、乙小区"."""
    return pgettext("list separator", ", ").join(str(o) for o in objects)


def _add_links_field(form: BaseForm, links: Mapping[str, Link]) -> None:
    form.fields[LINKS_FROM] = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        initial=_token({name: link.value for name, link in links.items()}),
    )


def _refuse_if_links_changed(form: BaseForm, links: Mapping[str, Link]) -> bool:
    """``refuse_if_changed`` for ``links``, read under the lock of the row they belong to."""
    token = form.data.get(form.add_prefix(LINKS_FROM)) if form.is_bound else None
    if not token:
        return False
    then = _digests(token)
    changed = [
        name
        for name, link in links.items()
        if then is None or then.get(name) != _digest(link.value)
    ]
    if not changed:
        return False
    _refuse(
        form,
        {name: (links[name].label, lambda name=name: links[name].shown) for name in changed},
        LINKS_FROM,
        _token({n: link.value for n, link in links.items()}),
    )
    return True


def add_fields(form: BaseForm, *, row: models.Model | None, links: Links | None = None) -> None:
    """Give ``form`` the hidden fingerprints of ``row`` and its ``links`` as they are now."""
    if row is not None:
        add_field(form, row)
    if links is not None:
        _add_links_field(form, links())


def refuse_if_edited(form: BaseForm, *, row: models.Model | None, links: Links | None) -> bool:
    """Both checks, inside the transaction that saves: ``row`` is locked first, so the links
    its services change under that lock are read as they stand. Both are checked so that a
    refused form says everything that changed, and a second save goes through."""
    refused = False
    if row is not None:
        refused = refuse_if_changed(form, locked(row))
    if links is not None:
        refused = _refuse_if_links_changed(form, links()) or refused
    return refused


class ChangedMeanwhile(Exception):
    """Raised by ``save_unless_changed``: the form already says what changed; answer 409."""


def save_unless_changed(
    form: BaseForm, *, row: models.Model | None, links: Links | None, save: Callable[[], T]
) -> T:
    """``save()``, in the transaction that first checks ``row`` and ``links`` under lock
    (``refuse_if_edited``): a check and a save apart would let a change slip in between."""
    with transaction.atomic():
        if refuse_if_edited(form, row=row, links=links):
            raise ChangedMeanwhile
        return save()


def pop_tokens(cleaned: dict[str, Any]) -> None:
    """The fingerprints out of a form's cleaned data, before a service reads it."""
    cleaned.pop(EDITED_FROM, None)
    cleaned.pop(LINKS_FROM, None)
