"""Accounts pages: community staff (and superusers) only, each seeing the accounts of their own
communities (``compounds.accounts.account_list``); another community's account answers 404.
Every change is a POST through ``compounds.accounts``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongde.forms import SearchForm
from tongde.once import submit_once
from tongde.pages import add_service_errors, post_data

from .. import accounts
from ..forms_accounts import AccountForm, MembershipForm
from ..models import Membership
from ..permissions import staff_required

PAGE_SIZE = 50


def _account(request: HttpRequest, pk: int):
    return get_object_or_404(accounts.account_list(user=request.user), pk=pk)


def _link_page(request: HttpRequest, account, *, created: bool) -> HttpResponse:
    """The one-time link, shown on the POST's answer only (never in an address or a log)."""
    try:
        link = accounts.password_link(request, account, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("compounds:account_detail", pk=account.pk)
    return render(
        request,
        "compounds/accounts/link.html",
        {"account": account, "link": link, "created": created},
    )


@staff_required
def account_list(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    if role not in Membership.Role.values:
        role = ""
    found = accounts.account_list(user=request.user, role=role)
    search = SearchForm(request.GET)
    query = search.query
    if query:
        found = found.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(email__icontains=query)
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compounds/accounts/list.html",
        {
            "page": page,
            "roles": Membership.Role.choices,
            "role": role,
            "q": query,
            "search": search,
        },
    )


@staff_required
@submit_once
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(post_data(request), manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account = accounts.account_create(
                by=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                **form.scope(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _link_page(request, account, created=True)
    return render(
        request,
        "compounds/accounts/form.html",
        {"form": form, "title": _("New account")},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = MembershipForm(post_data(request), manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.membership_grant(
                by=request.user, account=account, role=form.cleaned_data["role"], **form.scope()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The role is granted."))
            return redirect("compounds:account_detail", pk=account.pk)
    # The roles' history here only: another community's roles and staff are theirs.
    here = accounts.in_communities_q(accounts.managed_community_ids(request.user))
    history = (
        Membership.history.filter(here, user_id=account.pk)
        .select_related("history_user", "community", "company", "compound")
        .order_by("-history_date")[:50]
    )
    manages_all = accounts.manages_all_of(request.user, account)
    # Another community's staff are named in the events of an account that works there too.
    events = account.account_events.select_related("by")[:50] if manages_all else []
    return render(
        request,
        "compounds/accounts/detail.html",
        {
            "account": account,
            "form": form,
            "history": history,
            "events": events,
            "manages_all": manages_all,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def account_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _link_page(request, _account(request, pk), created=False)


@staff_required
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    active = request.POST.get("active") == "1"
    try:
        accounts.account_set_active(by=request.user, account=account, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The account is active again.") if active else _("The account is deactivated."),
        )
    return redirect("compounds:account_detail", pk=account.pk)


@staff_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    ids = accounts.managed_community_ids(request.user)
    membership = get_object_or_404(
        Membership.objects.filter(accounts.in_communities_q(ids), user__is_superuser=False), pk=pk
    )
    account_id = membership.user_id
    try:
        deactivated = accounts.membership_end(by=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("compounds:account_detail", args=[account_id]))
    if deactivated:
        messages.success(
            request, _("The role is ended; the account had no other role and is deactivated.")
        )
    else:
        messages.success(request, _("The role is ended."))
    if accounts.account_list(user=request.user).filter(pk=account_id).exists():
        return redirect(reverse("compounds:account_detail", args=[account_id]))
    # Its last role here: the account is no longer one of this community's.
    return redirect(reverse("compounds:account_list"))
