"""Two people editing the same operation, meeting, version or targets: the second save is
refused, as ``tongde.concurrency`` does for one row, also when what changed meanwhile is not a
column of the row.

An operation's compounds, buildings, disorders and participants, a meeting's attendance and
decisions, a version's adopting compounds live in other tables, and a decision is marked done
without touching its meeting: the row's fingerprint alone would let a second save silently put
back what a colleague just changed there. So the page also carries, hidden, a fingerprint of
those *links* (``LINKS_FROM``): one short hash per link, named as the form field that shows it
when there is one. A version counter bumped on the parent would catch the change too, but could
only say "something changed"; this names the field and shows its current value.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tongde import concurrency
from tongde.concurrency import CHANGED_MEANWHILE, CHANGED_MEANWHILE_FIELDS, FIELD_NOW
from tongde.pages import add_service_errors, note_files_not_kept

LINKS_FROM = "links_from"


@dataclass(frozen=True)
class Link:
    """What the form shows of one link: ``value`` is compared (JSON-able: ids, numbers, dates),
    ``shown`` is what an error says it is now, ``label`` names it when no form field shows it."""

    value: Any
    shown: str
    label: str


# The same short hashes as the row's fingerprint, so both tokens read alike.
_digest = concurrency._digest


def names(objects: Any) -> str:
    """Linked rows as an error shows them: "甲小区、乙小区"."""
    return "、".join(str(o) for o in objects)


def links_fingerprint(links: Mapping[str, Link]) -> str:
    digests = {name: _digest(link.value) for name, link in links.items()}
    return base64.urlsafe_b64encode(json.dumps(digests, sort_keys=True).encode()).decode()


def add_links_field(form: BaseForm, links: Mapping[str, Link]) -> None:
    """Give ``form`` the hidden fingerprint of ``links`` (as they are now)."""
    form.fields[LINKS_FROM] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=links_fingerprint(links)
    )


def refuse_if_links_changed(form: BaseForm, links: Mapping[str, Link]) -> bool:
    """If a link changed since ``form`` was shown, say so on the form (on the field that shows
    it, else above the form), put the current fingerprint in it and return True. ``links`` must
    be read under the lock of the row they belong to. A form sent without the fingerprint is not
    checked; one that cannot be read counts as every link changed."""
    token = form.data.get(form.add_prefix(LINKS_FROM)) if form.is_bound else None
    if not token:
        return False
    then = concurrency._digests(token)
    changed = [
        name
        for name, link in links.items()
        if then is None or then.get(name) != _digest(link.value)
    ]
    if not changed:
        return False
    elsewhere = []
    for name in changed:
        if name in form.fields:
            form.add_error(name, FIELD_NOW % {"value": links[name].shown or "—"})
        else:
            elsewhere.append(links[name].label)
    if str(CHANGED_MEANWHILE) not in form.non_field_errors():
        form.add_error(None, str(CHANGED_MEANWHILE))
    if elsewhere:
        form.add_error(
            None,
            CHANGED_MEANWHILE_FIELDS % {"fields": pgettext("list separator", ", ").join(elsewhere)},
        )
    data = form.data.copy()
    data[form.add_prefix(LINKS_FROM)] = links_fingerprint(links)
    form.data = data
    return True


def refuse_if_edited(
    form: BaseForm,
    *,
    row: models.Model | None,
    links: Callable[[], Mapping[str, Link]] | None = None,
) -> bool:
    """Both checks at once, inside the transaction that saves: ``row`` is locked first, so the
    links its services change under that lock are read as they stand. Both are checked so that
    a refused form says everything that changed, and a second save goes through."""
    refused = False
    if row is not None:
        refused = concurrency.refuse_if_changed(form, concurrency.locked(row))
    if links is not None:
        refused = refuse_if_links_changed(form, links()) or refused
    return refused


def add_fields(
    form: BaseForm, *, row: models.Model | None, links: Callable[[], Mapping[str, Link]] | None
) -> None:
    if row is not None:
        concurrency.add_field(form, row)
    if links is not None:
        add_links_field(form, links())


def pop_tokens(cleaned: dict[str, Any]) -> None:
    cleaned.pop(concurrency.EDITED_FROM, None)
    cleaned.pop(LINKS_FROM, None)


def edit_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    row: models.Model | None,
    links: Callable[[], Mapping[str, Link]] | None = None,
    save: Callable[[BaseForm], str],
    template: str,
    context: dict[str, Any],
    render_page: Callable[..., HttpResponse] = render,
) -> HttpResponse:
    """``tongde.pages.form_page`` for a form that edits ``row`` and its ``links``: the same
    answers (redirect, 400 on a refusal, 409 if someone else changed either meanwhile)."""
    add_fields(form, row=row, links=links)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    if refuse_if_edited(form, row=row, links=links):
                        status = 409
                    else:
                        pop_tokens(form.cleaned_data)
                        url = save(form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if status != 409:
                    messages.success(request, _("Saved."))
                    return redirect(url)
        note_files_not_kept(request, form)
    return render_page(request, template, {"form": form, **context}, status=status)
