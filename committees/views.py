"""Staff pages for committees, leaders, coverage and resident consultations."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from compounds.permissions import registry_reader_required


@registry_reader_required
def committee_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


@registry_reader_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
