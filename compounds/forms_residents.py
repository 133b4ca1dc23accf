"""Forms of residents' registration and its check (``compounds/residents.py`` holds the rules)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import residents
from .accounts import check_login_name_free
from .choices import ordered_compounds
from .forms_doors import DoorPickerForm
from .models import Compound, Residency
from .selectors import live_compound_list

PASSWORDS_DIFFER = _("The two passwords differ.")
CONSENT_REQUIRED = _("The community needs your consent to check your registration.")
COMPOUND_IN_COMMUNITY = _("%(compound)s (%(community)s)")
CONSENT_LABEL = _(
    "I agree that the community uses my name, phone and address to check that I live there, "
    "and keeps them while I have an account; if my registration is refused, for %(days)s days "
    "after the refusal."
)


class CompoundChoiceForm(forms.Form):
    """First step: where the resident lives (the doors of that compound come next)."""

    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())

    def __init__(self, *args: Any, compounds=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["compound"]
        # Natural order ("2号" before "14号") and the community named: built here, not by the
        # queryset's order.
        field.queryset = compounds if compounds is not None else live_compound_list()
        ordered = ordered_compounds(field.queryset)
        field.choices = [("", _("Choose…"))] + [
            (c.pk, COMPOUND_IN_COMMUNITY % {"compound": c.name, "community": c.community.name})
            for c in ordered
        ]


class _HomeForm(DoorPickerForm):
    """A door of one compound (building → unit → door), the resident's relation to it and a
    phone to call back."""

    relation = forms.ChoiceField(
        label=_("Your relation to the home"),
        choices=Residency.Relation.choices,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("The community calls this number if it needs to check."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return residents.normalise_phone(self.cleaned_data["phone"])


class _NewAccountForm(_HomeForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=60,
        help_text=_(
            "As the community knows you: the owner's or household head's name if it is you."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    username = forms.CharField(
        label=_("Login name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only, e.g. your phone number."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    field_order = ["building", "unit", "dwelling", "relation", "full_name", "phone", "username"]

    def clean_username(self) -> str:
        """Checked here, with the other fields, so every mistake shows at once (the service
        checks again when it saves)."""
        username = self.cleaned_data["username"].strip()
        residents.User._meta.get_field("username").run_validators(username)
        return check_login_name_free(username)


class RegistrationForm(_NewAccountForm):
    """A resident's own registration, on the public page."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(error_messages={"required": CONSENT_REQUIRED})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = CONSENT_LABEL % {
            "days": settings.REFUSED_REGISTRATION_KEEP_DAYS
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", PASSWORDS_DIFFER)
        elif first:
            candidate = residents.User(
                username=data.get("username", ""), first_name=data.get("full_name", "")
            )
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class DeskRegistrationForm(_NewAccountForm):
    """Staff register a resident at the service desk (papers checked there)."""


class ClaimForm(_HomeForm):
    """A signed-in resident registers one more home."""


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to refuse or end (the resident reads it); when verifying, you may note how "
            "you checked."
        ),
    )


class LoginForm(AuthenticationForm):
    """Django's login, which also tells a registered resident why they cannot sign in yet
    (waiting for the community's check, or refused and why) instead of "wrong password".

    That answer needs the right password, and is given before Django's own check so that a
    resident looking up where their registration stands is not counted as a failed login by
    django-axes (five would lock them out); a locked login gets the lockout page as usual."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Login name")
        self.resident_notice = ""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username", "")
        password = self.cleaned_data.get("password", "")
        checkable = username and password and self.request is not None
        if checkable and not AxesProxyHandler.is_locked(self.request, {"username": username}):
            reason = residents.login_refusal(username, password)
            if reason:
                self.resident_notice = reason
                raise ValidationError(reason, code="inactive")
        return super().clean()
