from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info, override

from compounds.selectors import membership_roles


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def language_links(request: HttpRequest, *, query: bool = False) -> list[dict]:
    """The page in each language, as plain links (i18n URLs carry the language). Links, not
    Django's ``set_language`` form: that view cannot turn an ``/en/`` address back into the
    unprefixed Chinese one (it resolves the address in the language it is switching to), and a
    public page without a form needs no CSRF token, so its cached HTML is served as it is."""
    current = get_language()
    here = request.get_full_path() if query else request.path
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": _local(translate_url(here, code), code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


def _local(url: str, code: str) -> str:
    """``url`` if it stays on this site, else the home page in that language: ``translate_url``
    returns an address it cannot resolve as it came (``//other.example/`` on a 404 page)."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    with override(code):
        return reverse("home")


def languages(request: HttpRequest) -> dict:
    """``language_links`` on every page (lazy: computed only when the menu shows them)."""
    return {"language_links": SimpleLazyObject(lambda: language_links(request, query=True))}


def roles(request: HttpRequest) -> dict:
    """``nav_roles``: the user's membership roles, so the menu offers only what they may open.
    Lazy, and it reuses the memberships the view's permission checks already read, so the menu
    costs no query on a page that checked a role. The views check permissions themselves."""

    def load() -> frozenset[str]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return frozenset()
        found = membership_roles(user)
        if user.is_superuser:
            found.add("staff")
        return frozenset(found)

    return {"nav_roles": SimpleLazyObject(load)}


# Committee pages that are the public's or the resident's, not the committees' work.
PUBLIC_COMMITTEE_PAGES = {
    "vote": "vote",
    "receipt_check": "vote",
    "result_list": "results",
    "result_detail": "results",
    "election_public_candidates": "results",
    "opinion_create": "opinions",
    "my_opinions": "opinions",
}
ELECTION_WORDS = (
    "election",
    "candidate",
    "vetting",
    "objection",
    "ballot",
    "proxy",
    "tally",
    "voting",
)


def section(request: HttpRequest) -> dict:
    """``nav_section``: which menu entry the page belongs to, so the menu marks where one is."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"nav_section": ""}
    name, namespace = match.url_name or "", match.namespace
    if namespace == "committees":
        found = PUBLIC_COMMITTEE_PAGES.get(name) or (
            "elections" if any(word in name for word in ELECTION_WORDS) else "committees"
        )
    elif namespace == "scorecards":
        found = "redblack" if name.startswith("public") else "scorecards"
    else:
        found = {"compounds": "registry", "campaigns": "campaigns"}.get(namespace, name)
    return {"nav_section": found}
