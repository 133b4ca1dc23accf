"""Forms of the accounts pages (``compounds/accounts.py`` checks what they may grant)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .accounts import check_login_name_free, scope_choices
from .choices import CompoundChoiceField
from .models import Membership


class MembershipForm(forms.Form):
    """A role and where it applies: a community (staff, grid worker), a property company
    (company user) or a compound (committee member); only the one the role takes is kept."""

    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=None,
        required=False,
        help_text=_("For community staff and grid workers."),
    )
    company = forms.ModelChoiceField(
        label=_("Property company"),
        queryset=None,
        required=False,
        help_text=_("For company users: a company serving one of your compounds."),
    )
    compound = CompoundChoiceField(
        label=_("Compound"),
        queryset=None,
        required=False,
        help_text=_("For committee members."),
    )

    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in scope_choices(manager).items():
            self.fields[name].queryset = queryset
        communities = self.fields["community"].queryset
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]

    def scope(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in ("community", "company", "compound")}


class AccountForm(MembershipForm):
    username = forms.CharField(
        label=_("Login name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only, e.g. a phone number."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional: with an address, the person can reset a forgotten password."),
    )
    field_order = ["username", "full_name", "email", "role", "community", "company", "compound"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        get_user_model().username_validator(username)
        return check_login_name_free(username)


class LanguageForm(forms.Form):
    """The language an account reads its mail in. Each language is named in itself, as the
    language links of the menu name them, so whoever cannot read the page still finds theirs."""

    language = forms.ChoiceField(
        label=_("Language of your mail"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        help_text=_(
            "Mail from the community is written in this language, and its links open the pages "
            "in it. Switching the pages to the other language changes it too."
        ),
    )
