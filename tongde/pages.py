"""Small helpers that every app's form pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


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
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service and redirects to the URL it returns
    with ``success`` (default "Saved.") as a message; a refusal by the service is shown on the
    form with status 400 and nothing is saved (services are atomic)."""
    if request.method == "POST" and form.is_valid():
        try:
            url = save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success or _("Saved."))
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    return render_page(request, template, {"form": form, **context}, status=status)
