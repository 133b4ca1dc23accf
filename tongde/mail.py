"""Each mail in its recipient's language.

An account's language is ``AccountPreference.language`` (chosen on its language page, or the last
language it switched the pages to); without one, the site's ``LANGUAGE_CODE``. A sender renders
each mail inside ``translation.override(language)``: the subject, the body, the months and dates,
and the links, which ``reverse`` then prefixes as the pages are (``/en/...`` for English, none
for Chinese). A mail to several people is rendered once per language among them, and their
languages are read with their addresses, in the query that finds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

# The lookup, from a user, that reads the preference in the recipients' query (a LEFT JOIN).
LANGUAGE_LOOKUP = "preference__language"


def language_or_default(language: str | None) -> str:
    """``language`` if the site offers it, else the site's."""
    offered = {code for code, _name in settings.LANGUAGES}
    return language if language in offered else settings.LANGUAGE_CODE


def user_language(user: Any, *, default: str | None = None) -> str:
    """The language ``user`` reads mail in: their preference, else ``default`` (e.g. the
    language of the page they asked from), else the site's. One query unless the preference is
    already loaded (``select_related("preference")``)."""
    from compounds.models import AccountPreference

    try:
        chosen = user.preference.language
    except AccountPreference.DoesNotExist:
        chosen = ""
    return language_or_default(chosen or default)


def group_by_language(rows: Iterable[tuple[str, str | None]]) -> dict[str, list[str]]:
    """``(address, language)`` rows as ``{language: sorted addresses}``, languages in order; an
    address asked twice in one language is mailed once."""
    found: dict[str, set[str]] = defaultdict(set)
    for address, language in rows:
        if address:
            found[language_or_default(language)].add(address)
    return {language: sorted(found[language]) for language in sorted(found)}


def addresses_by_language(users: QuerySet) -> dict[str, list[str]]:
    """The addresses of ``users`` (those with one), by language: one query."""
    return group_by_language(users.exclude(email="").values_list("email", LANGUAGE_LOOKUP))
