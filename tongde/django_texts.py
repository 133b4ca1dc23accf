"""Django's own texts that this project says differently, so that ``makemessages`` puts them in
our catalog, which takes precedence over Django's (``LOCALE_PATHS``).

Django's Chinese password messages address the reader as 你; everything else here says 您.
Nothing imports this module: it exists to be read by ``makemessages``.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

PASSWORD_TEXTS = (
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
)

# Django's Chinese says "empty strings are not allowed" (不允许是用空字符串) for a NUL character.
FORM_TEXTS = (gettext_noop("Null characters are not allowed."),)
