"""Proxy authorisations: the staff list per election, recording one, and its signed document.

Who sees what (as for the ballot list, which names dwellings too):

- staff of the compound's community: read and record;
- grid workers of that community: read (list and documents), 403 on recording;
- members of the compound's committee: 403 (which owners gave a proxy is not theirs to read);
- company users: 404 (committee internals are not theirs; a 404 does not confirm an election
  exists); accounts without a role: 403; anonymous: sent to log in;
- staff of another community: 404 (elections are fetched through ``election_list``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compounds.selectors import dwelling_rooms, staff_community_ids
from tongde import uploads

from . import proxies
from .elections import can_edit_election, election_list
from .forms_voting import roll_entry_find
from .models import Election, ProxyAuthorisation, RollEntry
from .permissions import election_reader_required

MATCHES = 10


# --- access -------------------------------------------------------------------------------------


def _readable(request: HttpRequest, pk: int) -> Election:
    """The election, if the user may read its proxies: staff and grid workers of its community."""
    election = get_object_or_404(election_list(user=request.user), pk=pk)
    user = request.user
    community_id = election.committee.compound.community_id
    if not (user.is_superuser or community_id in staff_community_ids(user)):
        raise PermissionDenied
    return election


def _editable(request: HttpRequest, pk: int) -> Election:
    election = _readable(request, pk)
    if not can_edit_election(request.user, election):
        raise PermissionDenied
    return election


# --- form ---------------------------------------------------------------------------------------


class ProxyForm(forms.Form):
    dwelling = forms.CharField(
        label=gettext_lazy("Dwelling"),
        max_length=100,
        help_text=gettext_lazy("Its code, e.g. 101; building/unit/dwelling where codes repeat."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    proxy_name = forms.CharField(
        label=gettext_lazy("Proxy"),
        max_length=60,
        help_text=gettext_lazy("The name as written on the signed authorisation."),
    )
    document = forms.FileField(
        label=gettext_lazy("Signed authorisation"),
        help_text=gettext_lazy("A scan or photo: PDF, JPEG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.election = election

    def clean_dwelling(self) -> RollEntry:
        return roll_entry_find(election=self.election, text=self.cleaned_data["dwelling"])

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        # Refuse an oversized upload by its declared size before reading it into memory.
        if upload.size > proxies.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                uploads.DOCUMENT_TOO_LARGE
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(proxies.MAX_DOCUMENT_BYTES),
                }
            )
        data = upload.read()
        proxies.document_check(data)
        return data


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- views --------------------------------------------------------------------------------------


@election_reader_required
def proxy_list(request: HttpRequest, pk: int) -> HttpResponse:
    election = _readable(request, pk)
    return render(
        request,
        "committees/proxy_list.html",
        {
            "election": election,
            "proxies": proxies.proxy_list(election=election),
            "can_record": can_edit_election(request.user, election)
            and election.stage == Election.Stage.VOTING,
        },
    )


@election_reader_required
def proxy_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a proxy: the dwelling, the proxy's name and the signed authorisation."""
    election = _editable(request, pk)
    form = ProxyForm(request.POST or None, request.FILES or None, election=election)
    form.fields["dwelling"].widget.attrs.update(
        {
            "hx-get": reverse("committees:proxy_dwelling_search", args=[election.pk]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#dwelling-matches",
        }
    )
    if request.method == "POST" and form.is_valid():
        try:
            proxy = proxies.proxy_record(
                election=election,
                roll_entry=form.cleaned_data["dwelling"],
                proxy_name=form.cleaned_data["proxy_name"],
                document=form.cleaned_data["document"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Proxy %(name)s recorded for dwelling %(dwelling)s.")
                % {"name": proxy.proxy_name, "dwelling": _label(proxy.roll_entry)},
            )
            return redirect("committees:proxy_list", pk=election.pk)
    return render(
        request,
        "committees/proxy_form.html",
        {
            "election": election,
            "form": form,
            "is_voting": election.stage == Election.Stage.VOTING,
        },
        status=400 if request.method == "POST" else 200,
    )


@election_reader_required
def proxy_dwelling_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Dwellings of the roll whose code starts with what staff typed (htmx), with whether they
    voted already and how many proxies they have."""
    election = _editable(request, pk)
    q = request.GET.get("dwelling", "").strip()
    entries = []
    if q:
        entries = list(
            RollEntry.objects.filter(election=election, dwelling__code__istartswith=q)
            .select_related("dwelling__unit__building")
            .annotate(voted=Count("ballots", distinct=True), proxy_count=Count("proxies"))
            .order_by(*dwelling_rooms("dwelling__"))[:MATCHES]
        )
    return render(request, "committees/proxy_dwelling_matches.html", {"entries": entries})


@election_reader_required
def proxy_document(request: HttpRequest, pk: int) -> FileResponse:
    """The signed authorisation, to staff and grid workers of the election's community only."""
    proxy = get_object_or_404(
        ProxyAuthorisation.objects.select_related("roll_entry"), pk=pk, document__gt=""
    )
    _readable(request, proxy.roll_entry.election_id)
    ext = proxy.document.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        uploads.stored_file(proxy.document),
        content_type=uploads.content_type(proxy.document.name),
        as_attachment=False,
        filename=f"proxy-{proxy.pk}.{ext}",
    )
    # The stored type was checked on upload; never let a browser guess another one.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _label(entry: RollEntry) -> str:
    d = entry.dwelling
    return f"{d.unit.building.code}/{d.unit.code}/{d.code}"


urlpatterns = [
    path("elections/<int:pk>/proxies/", proxy_list, name="proxy_list"),
    path("elections/<int:pk>/proxies/new/", proxy_create, name="proxy_create"),
    path(
        "elections/<int:pk>/proxies/dwellings/",
        proxy_dwelling_search,
        name="proxy_dwelling_search",
    ),
    path("proxies/<int:pk>/document/", proxy_document, name="proxy_document"),
]
