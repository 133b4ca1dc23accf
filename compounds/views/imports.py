"""Staff upload of registry files: upload, preview with every error, confirm, template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..permissions import staff_required


@staff_required
def upload(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


@staff_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


@staff_required
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    raise NotImplementedError
