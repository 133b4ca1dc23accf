"""An account's own page ("my account"): any signed-in account, only its own settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tongde.mail import user_language
from tongde.pages import add_service_errors, post_data

from .. import accounts
from ..forms_accounts import LanguageForm


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """The account's login name and the language of its mail, which it may change here."""
    form = LanguageForm(post_data(request), initial={"language": user_language(request.user)})
    if form.is_bound and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            accounts.account_language_set(user=request.user, language=language)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # The page answers in the language just chosen, as the mail will.
            with translation.override(language):
                messages.success(request, _("Saved."))
                return redirect(reverse("my_account"))
    status = 400 if form.is_bound else 200
    return render(request, "compounds/my_account.html", {"form": form}, status=status)
