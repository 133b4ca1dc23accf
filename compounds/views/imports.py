"""Staff upload of registry files: upload, preview with every error, confirm, template."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import imports
from ..models import Community, RegistryImport
from ..permissions import staff_required
from ..selectors import staff_community_ids

# Enough to tell the file format apart; the full check happens in the service.
_HEAD_BYTES = 4096


def _editable_communities(user) -> QuerySet[Community]:
    """Communities where ``user`` may import: staff there (grid workers not), or superuser."""
    if user.is_superuser:
        return Community.objects.all()
    return Community.objects.filter(pk__in=staff_community_ids(user, include_grid_workers=False))


class RegistryUploadForm(forms.Form):
    community = forms.ModelChoiceField(
        label=gettext_lazy("Community"), queryset=Community.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=gettext_lazy("Registry file"),
        help_text=gettext_lazy("Excel (.xlsx) or CSV (UTF-8 or GBK), one row per dwelling."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = _editable_communities(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTRY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                imports.FILE_TOO_LARGE % {"size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        if upload.size == 0:
            raise forms.ValidationError(imports.FILE_EMPTY)
        head = upload.read(_HEAD_BYTES)
        upload.seek(0)
        # A zip's directory sits at its end, so the head alone cannot prove an xlsx: read it all
        # when it looks like one (the size is already bounded).
        data = upload.read() if head[:4] == b"PK\x03\x04" else head
        upload.seek(0)
        _fmt, error = imports.detect_format(data, upload.name)
        if error:
            raise forms.ValidationError(error)
        return upload


@staff_required
def upload(request: HttpRequest) -> HttpResponse:
    """Staff: upload a file; it is checked and kept, and the preview shows the outcome."""
    if request.method == "POST":
        form = RegistryUploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            file = form.cleaned_data["file"]
            record = imports.registry_import_upload(
                community=form.cleaned_data["community"],
                filename=file.name,
                data=file.read(),
                user=request.user,
            )
            return redirect("compounds:import_preview", pk=record.pk)
    else:
        form = RegistryUploadForm(user=request.user)
    recent = (
        RegistryImport.objects.filter(community__in=_editable_communities(request.user))
        .select_related("community", "uploaded_by")
        .order_by("-uploaded_at")[:10]
    )
    return render(
        request,
        "compounds/import_upload.html",
        {"form": form, "recent": recent, "columns": _column_labels()},
    )


@staff_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the import's community: the rows, the counts and every error; POST applies."""
    # Another community's import is not found rather than forbidden: its existence is private.
    record = get_object_or_404(
        RegistryImport.objects.select_related("community", "uploaded_by", "cancelled_by"),
        pk=pk,
        community__in=_editable_communities(request.user),
    )
    if request.method == "POST":
        try:
            summary = imports.registry_import_apply(registry_import_id=record.pk, user=request.user)
        except imports.RegistryImportInvalid as exc:
            messages.error(request, exc.message)
        except imports.ImportRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Import applied: %(changes)d changes from %(rows)d rows.")
                % {"changes": summary.changes, "rows": summary.rows},
            )
        return redirect("compounds:import_preview", pk=record.pk)

    summary = {k: v for k, v in record.summary.items() if k != "sample"}
    return render(
        request,
        "compounds/import_preview.html",
        {
            "record": record,
            "columns": _column_labels(),
            "sample": record.summary.get("sample", []),
            "counts": [(k, _summary_label(k), v) for k, v in summary.items() if k != "rows"],
            # Told now, in the reader's language, whoever uploaded the file.
            "errors": [imports.describe_error(e) for e in record.errors],
            "can_apply": record.status == RegistryImport.Status.PENDING,
        },
    )


@staff_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the import's community: cancel a pending import (it stays, marked cancelled)."""
    record = get_object_or_404(
        RegistryImport, pk=pk, community__in=_editable_communities(request.user)
    )
    try:
        imports.registry_import_cancel(registry_import_id=record.pk, user=request.user)
    except imports.ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("compounds:import_preview", pk=record.pk)
    messages.success(
        request, _("Import cancelled: nothing was applied. The file is kept in the records.")
    )
    return redirect("compounds:import_upload")


_SUMMARY_LABELS = {
    "compounds_created": gettext_lazy("compounds created"),
    "buildings_created": gettext_lazy("buildings created"),
    "units_created": gettext_lazy("units created"),
    "owners_created": gettext_lazy("owners created"),
    "owners_updated": gettext_lazy("owners renamed"),
    "dwellings_created": gettext_lazy("dwellings created"),
    "dwellings_updated": gettext_lazy("dwellings updated"),
    "households_created": gettext_lazy("households created"),
    "households_updated": gettext_lazy("households updated"),
    "households_closed": gettext_lazy("households moved out"),
}


def _summary_label(key: str) -> str:
    return str(_SUMMARY_LABELS.get(key, key))


@staff_required
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    """Staff: the template with the header and one example row, as xlsx or csv."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content, content_type, filename = imports.registry_template(fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _column_labels() -> list[str]:
    """The columns as the reader names them (each one also a header the import accepts)."""
    return [str(imports.COLUMN_LABELS[column]) for column in imports.COLUMNS]
