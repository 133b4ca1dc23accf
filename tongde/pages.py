"""Small helpers that every app's form pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import concurrency

# Lazy: a module constant is made before any request chooses the language.
FILE_NOT_KEPT = gettext_lazy(
    "Choose this file again: the files chosen are not kept when a form is refused."
)


def post_data(request: HttpRequest) -> Any:
    """The POST data for a bound form, or None to show an unbound one."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """Show a service's refusal on the form, on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], str],
    template: str,
    context: dict[str, Any],
    render_page: Callable[..., HttpResponse] = render,
    success: str | None = None,
    edited: models.Model | None = None,
    links: concurrency.Links | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service and redirects to the URL it returns
    with ``success`` (default "Saved.") as a message; a refusal by the service is shown on the
    form with status 400 and nothing is saved (services are atomic).

    A form that edits a saved row (``edited``, else a model form's saved instance) and what it
    shows outside the row (``links``) is refused with status 409 if someone else changed either
    since it was shown (``tongde.concurrency``); the row stays locked from that check until the
    service has saved."""
    edited = edited if edited is not None else _edited_row(form)
    concurrency.add_fields(form, row=edited, links=links)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            concurrency.pop_tokens(form.cleaned_data)
            try:
                url = concurrency.save_unless_changed(
                    form, row=edited, links=links, save=lambda: save(form)
                )
            except concurrency.ChangedMeanwhile:
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, success or _("Saved."))
                return redirect(url)
    if status != 200:
        note_files_not_kept(request, form)
    return render_page(request, template, {"form": form, **context}, status=status)


def _edited_row(form: BaseForm) -> models.Model | None:
    instance = getattr(form, "instance", None)
    if isinstance(instance, models.Model) and not instance._state.adding:
        return instance
    return None


def note_files_not_kept(request: HttpRequest, form: BaseForm, *, refused: bool = False) -> None:
    """After a refused POST, say next to each file input that had a file that it must be chosen
    again: the page comes back with empty file inputs (no browser refills them), and someone who
    took a photo on a phone would otherwise send the form again without it. ``refused`` says the
    page was refused for another form's errors (a formset's block, say), this one having none."""
    if request.method != "POST" or not request.FILES or not (form.errors or refused):
        return
    for name, field in form.fields.items():
        sent = [f for f in request.FILES.getlist(form.add_prefix(name)) if f]
        if isinstance(field, forms.FileField) and sent and name not in form.errors:
            form.add_error(name, FILE_NOT_KEPT)
