"""Residents' own opinions: give one, read yours and the answers (any signed-in account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tongde import uploads
from tongde.once import submit_once
from tongde.pages import form_page, post_data

from . import opinions
from .forms import OpinionForm

PAGE_SIZE = 20


@login_required
def my_opinions(request: HttpRequest) -> HttpResponse:
    """The account's own opinions, answered or awaiting an answer."""
    page = Paginator(opinions.my_opinions(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "committees/opinions/my_opinions.html", {"page": page})


@login_required
@submit_once
def opinion_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not opinions.may_give_opinions(user):
        # Said before anything is typed; the service refuses it too.
        messages.error(request, opinions.COMPANY_ACCOUNT)
        return redirect("today")
    form = OpinionForm(
        post_data(request),
        request.FILES if request.method == "POST" else None,
        compounds=opinions.opinion_compounds(),
        initial={
            "compound": opinions.default_compound_id(
                user=user, asked=request.GET.get("compound", "")
            )
        },
    )
    left = opinions.opinions_left_today(user=user)

    def save(form: OpinionForm) -> str:
        opinions.opinion_submit(user=user, **form.cleaned_data)
        return reverse("committees:my_opinions")

    return form_page(
        request,
        form,
        save=save,
        template="committees/committee_form.html",
        success=_("Thank you: your opinion has reached the community staff."),
        context={
            "title": _("Give an opinion"),
            "submit_label": _("Send to the community"),
            "cancel_url": reverse("committees:my_opinions"),
            "intro": _(
                "Your opinion goes to the community staff, who answer it here (and by email if "
                "your account has one). Only you and the staff of the community read it."
            ),
            # Said before the resident writes, not only once the sixth is refused.
            "limit_note": (
                _("You may give %(limit)d opinions a day; %(left)d left today.")
                if left
                else opinions.TOO_MANY_TODAY
            )
            % {"limit": opinions.DAILY_LIMIT, "left": left},
        },
    )


@login_required
def opinion_photo(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """An opinion's photo: for the resident who sent it and the staff who read the ledger."""
    opinion = get_object_or_404(opinions.photo_readable(user=request.user), pk=pk)
    field = {"image": opinion.photo, "thumb": opinion.photo_thumbnail}.get(which)
    if not field:
        raise Http404
    return FileResponse(uploads.stored_file(field))
