"""Pages of the summons for talks (约谈). Who may do what (anonymous users are sent to log in;
an account with no role, or a committee member, gets 403):

| page | staff | grid worker | company user |
|---|---|---|---|
| list, detail | their communities | their communities | their company's |
| record (from a black listing or not), withdraw | their communities | 403 | 403 |

Objects come through ``summons.summons_list``, so another community's or another company's id
answers 404 and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.permissions import role_required
from tongde.pages import form_page, post_data

from . import summons as services
from .forms_summons import SummonsForm, SummonsWithdrawForm
from .inspections import can_manage, is_company_user, is_internal, is_staff_anywhere
from .models import PublicationEntry, Summons

PAGE_SIZE = 50

reader_required = role_required(lambda user: is_internal(user) or is_company_user(user))
staff_required = role_required(is_staff_anywhere)


def _is_id(text: str) -> bool:
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    return text.isascii() and text.isdecimal()


def _summons(request: HttpRequest, pk: int) -> Summons:
    return get_object_or_404(services.summons_list(user=request.user), pk=pk)


@reader_required
def summons_list(request: HttpRequest) -> HttpResponse:
    qs = services.summons_list(user=request.user)
    if request.GET.get("show") != "withdrawn":
        qs = qs.filter(is_withdrawn=False)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    waiting, short = [], []
    if is_internal(request.user):
        communities = services.inspecting_communities(request.user)
        short = services.closer_inspection_short(communities, today)
        if is_staff_anywhere(request.user):
            waiting = (
                services.black_without_summons(
                    [c for c in communities if can_manage(request.user, c.pk)], today
                )
                .select_related("publication")
                .order_by("-publication__month", "compound_name")
            )
    return render(
        request,
        "scorecards/summons/list.html",
        {
            "page": page,
            "can_record": is_staff_anywhere(request.user),
            "waiting": waiting,
            "short": short,
        },
    )


@reader_required
def summons_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _summons(request, pk)
    return render(
        request,
        "scorecards/summons/detail.html",
        {
            "summons": found,
            "can_withdraw": not found.is_withdrawn and can_manage(request.user, found.community_id),
        },
    )


@staff_required
def summons_create(request: HttpRequest) -> HttpResponse:
    entry = None
    if request.GET.get("entry"):
        entry = get_object_or_404(
            PublicationEntry.objects.select_related("compound", "publication"),
            pk=int(request.GET["entry"]) if _is_id(request.GET["entry"]) else 0,
            band="black",
        )
        if not can_manage(request.user, entry.publication.community_id):
            raise PermissionDenied
    form = SummonsForm(
        post_data(request),
        user=request.user,
        fixed_compound=entry.compound if entry else None,
    )

    def save(form) -> str:
        recorded = services.summons_record(
            compound=form.cleaned_data["compound"],
            entry=entry,
            held_on=form.cleaned_data["held_on"],
            place=form.cleaned_data["place"],
            staff_present=form.cleaned_data["staff_present"],
            company_present=form.cleaned_data["company_present"],
            issues=form.cleaned_data["issues"],
            undertakings=form.cleaned_data["undertakings"],
            measures_due_on=form.cleaned_data["measures_due_on"],
            closer_until=form.cleaned_data["closer_until"],
            inspections_per_month=form.cleaned_data["inspections_per_month"],
            user=request.user,
        )
        return reverse("scorecards:summons_detail", args=[recorded.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/summons/form.html",
        context={"entry": entry},
        success=_("The summons is recorded."),
    )


@staff_required
def summons_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    found = _summons(request, pk)
    if not can_manage(request.user, found.community_id):
        raise PermissionDenied
    form = SummonsWithdrawForm(post_data(request))

    def save(form) -> str:
        services.summons_withdraw(
            summons=found, reason=form.cleaned_data["reason"], user=request.user
        )
        return reverse("scorecards:summons_detail", args=[found.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/summons/withdraw.html",
        context={"summons": found},
        success=_("The summons is withdrawn."),
    )


urlpatterns = [
    path("summonses/", summons_list, name="summons_list"),
    path("summonses/new/", summons_create, name="summons_create"),
    path("summonses/<int:pk>/", summons_detail, name="summons_detail"),
    path("summonses/<int:pk>/withdraw/", summons_withdraw, name="summons_withdraw"),
]
