"""Password rules with messages in both languages.

Django 5.2 changed the msgid of ``MinimumLengthValidator``'s error ("%d" for
"%(min_length)d") and its own Chinese catalog still has the old one, so the Chinese set-password
page showed that error in English beside the others in Chinese."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
