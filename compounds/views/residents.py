"""Residents' registration and its check.

- ``register``: public (anonymous; a signed-in account goes to its homes), throttled per address.
- ``my_homes``: any signed-in account, its own registrations only.
- The check pages: community staff and grid workers (and superusers), each seeing the
  registrations of their own communities (``residents.residency_list``); another community's
  registration answers 404. Every decision is a POST through ``compounds.residents``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongde.forms import SearchForm
from tongde.once import submit_once
from tongde.pages import add_service_errors, post_data

from .. import accounts, residents, retention
from ..forms_residents import (
    ClaimForm,
    CompoundChoiceForm,
    DecisionForm,
    DeskRegistrationForm,
    RegistrationForm,
)
from ..models import Compound, Residency
from ..permissions import role_required
from ..selectors import live_compound_list

PAGE_SIZE = 50

checker_required = role_required(residents.is_checker)
desk_required = role_required(residents.is_desk_staff)


def _chosen_compound(request: HttpRequest, compounds) -> Compound | None:
    """The compound picked in the first step (in the address, or carried by the form)."""
    raw = request.POST.get("compound") or request.GET.get("compound")
    if not raw or not str(raw).isdigit():
        return None
    return compounds.filter(pk=int(raw)).first()


def _home_form(form_class, request: HttpRequest, compound: Compound):
    """The form of a home of ``compound``: as sent, to be checked; or, when a "next" button of
    the door picker was pressed (no JavaScript), as sent but unchecked, the next list filled."""
    step = form_class.next_step(request, compound=compound)
    return step if step is not None else form_class(post_data(request), compound=compound)


def _client_address(request: HttpRequest) -> str:
    # Behind the proxy the settings trust, REMOTE_ADDR is the client's (see SECURE_PROXY_*).
    return request.META.get("REMOTE_ADDR", "")


# --- Public ------------------------------------------------------------------------------------


@submit_once
def register(request: HttpRequest) -> HttpResponse:
    """Public: a resident registers; the account signs in once the community has checked it."""
    if request.user.is_authenticated:
        return redirect("my_homes")
    compound = _chosen_compound(request, live_compound_list())
    if compound is None:
        return render(
            request,
            "compounds/residents/register.html",
            {"choice": CompoundChoiceForm(request.GET or None)},
        )
    form = _home_form(RegistrationForm, request, compound)
    address = _client_address(request)
    if form.is_bound and form.is_valid():
        if not residents.registration_allowed(address):
            form.add_error(None, residents.TOO_MANY_REGISTRATIONS)
        else:
            try:
                residency = residents.register(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                    phone=form.cleaned_data["phone"],
                    dwelling=form.cleaned_data["dwelling"],
                    relation=form.cleaned_data["relation"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                residents.registration_counted(address)
                request.session["registered_residency"] = residency.pk
                return redirect("register_done")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "compounds/residents/register.html",
        {"compound": compound, "form": form},
        status=status,
    )


def register_done(request: HttpRequest) -> HttpResponse:
    """Public: what happens next, for the registration just made in this browser (shown once:
    on a shared phone the next person must not read it)."""
    pk = request.session.pop("registered_residency", None)
    residency = (
        Residency.objects.select_related("dwelling__unit__building__compound__community")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if residency is None:
        return redirect("register")
    return render(request, "compounds/residents/registered.html", {"residency": residency})


@login_required
@submit_once
def my_homes(request: HttpRequest) -> HttpResponse:
    """The account's registered homes and where their checks stand; one more can be added."""
    compound = _chosen_compound(request, live_compound_list())
    form = None
    if compound is not None:
        form = _home_form(ClaimForm, request, compound)
        if form.is_bound and form.is_valid():
            try:
                residents.claim(account=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Registered: the community will check it."))
                return redirect("my_homes")
    status = 400 if form is not None and form.is_bound else 200
    return render(
        request,
        "compounds/residents/mine.html",
        {
            "residencies": residents.my_residencies(user=request.user),
            "compound": compound,
            "form": form,
            "choice": CompoundChoiceForm(initial={"compound": compound}),
        },
        status=status,
    )


# --- The community's check ----------------------------------------------------------------------


@checker_required
def residency_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "pending")
    if tab not in residents.TABS:
        tab = "pending"
    search = SearchForm(request.GET)
    query = search.query
    scoped = residents.residency_list(user=request.user)
    found = residents.residency_search(scoped, tab=tab, query=query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compounds/residents/list.html",
        {
            "page": page,
            "tab": tab,
            "q": query,
            "search": search,
            "waiting": scoped.filter(status=Residency.Status.PENDING).count(),
            "can_desk": residents.is_desk_staff(request.user),
        },
    )


def _residency(request: HttpRequest, pk: int) -> Residency:
    return get_object_or_404(residents.residency_list(user=request.user), pk=pk)


@checker_required
def residency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    residency = _residency(request, pk)
    return _detail_page(request, residency, DecisionForm())


def _detail_page(
    request: HttpRequest, residency: Residency, form: DecisionForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "compounds/residents/detail.html",
        {
            "residency": residency,
            "matches": residents.registry_matches(residency),
            "others": residents.others_on_dwelling(residency),
            "same_phone": residents.same_phone_count(residency),
            "history": residency.history.select_related("history_user").order_by("history_date"),
            "form": form,
            "can_link": residents.may_hand_link(request.user, residency),
            "erasure_due_at": retention.erasure_due_at(residency),
        },
        status=status,
    )


def _decision(request: HttpRequest, pk: int, decide, done: str) -> HttpResponse:
    residency = _residency(request, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        decide(by=request.user, residency=residency, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):  # the reason is missing: keep what was typed
            add_service_errors(form, exc)
            return _detail_page(request, residency, form, status=400)
        # Decided meanwhile by someone else, or not theirs to decide: the page as it stands now.
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("compounds:residency_detail", pk=residency.pk)


@checker_required
@require_POST
def residency_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, residents.verify, _("Verified: the resident can now sign in."))


@checker_required
@require_POST
def residency_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request, pk, residents.refuse, _("Refused: the resident reads your reason at the login.")
    )


@checker_required
@require_POST
def residency_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, residents.end, _("The residency is ended."))


@desk_required
@require_POST
def residency_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new one-time password link for a verified resident who forgot their password."""
    residency = _residency(request, pk)
    try:
        link = residents.password_link(request, residency, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("compounds:residency_detail", pk=residency.pk)
    return render(
        request,
        "compounds/residents/link.html",
        {"residency": residency, "link": link, "created": False},
    )


@desk_required
@submit_once
def residency_create(request: HttpRequest) -> HttpResponse:
    """At the service desk (staff): register a resident whose papers were checked there, then
    hand over the one-time password link."""
    ids = residents.desk_community_ids(request.user)
    compounds = live_compound_list()
    if ids is not None:
        compounds = compounds.filter(community_id__in=ids)
    compound = _chosen_compound(request, compounds)
    choice = CompoundChoiceForm(request.GET or None, compounds=compounds)
    if compound is None:
        return render(request, "compounds/residents/create.html", {"choice": choice})
    form = _home_form(DeskRegistrationForm, request, compound)
    if form.is_bound and form.is_valid():
        try:
            residency = residents.register_at_desk(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            link = accounts.password_link(request, residency.account, by=request.user)
            return render(
                request,
                "compounds/residents/link.html",
                {"residency": residency, "link": link, "created": True},
            )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "compounds/residents/create.html",
        {"choice": choice, "compound": compound, "form": form},
        status=status,
    )
