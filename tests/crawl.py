"""Following links through the product as one role with Django's test client.

The sweeps that must cover every page, not a chosen few (queries per page, another tenant's
ids, bad input in every form), start here: ``crawl`` signs a role in, follows the links of each
page it reaches and the redirects it answers, one page per address shape
(``/registry/compounds/3/`` stands for every compound, ``?month=2026-09&band=red`` for every
month and band), and returns what each page answered, with its forms. A new page, or a new
filter on a page, is swept as soon as a link leads to it. The browser crawl
(``tests/browser/test_accessibility.py``) skips the same addresses.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlparse

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Above what any role reaches on the demo (staff about 155 shapes); the bound only stops a
# runaway crawl.
PAGES_PER_ROLE = 250
# Filter links of one page in more combinations than this (a list whose every column filters and
# sorts) are the same code read with other keys: the first few stand for the rest, and the crawl
# stays within the CI budget.
QUERIES_PER_PATH = 4
REDIRECTS = {301, 302, 303, 307, 308}
PUBLIC_STARTS = [
    "/",
    "/scorecards/public/",
    "/scorecards/bulletins/",
    "/scorecards/assessments/",
    "/committees/results/",
    "/committees/vote/",
    "/accounts/login/",
    "/accounts/register/",
]
# Not pages to read: downloads (a list's ``?format=xlsx`` too), the admin, machine endpoints,
# another language, signing out. Matched against the path and its query.
SKIPPED = re.compile(
    r"^/(admin|api|en|i18n|media|static)/|^/accounts/logout/|\.(csv|xlsx|pdf|json|png|jpe?g)$"
    r"|/(export|download)|[?&]format="
)
ROLES = (None, "resident", "staff", "grid", "company", "committee")


def shape(path: str) -> str:
    """The address with its numbers blanked and its query reduced to its sorted keys: one page
    of each kind, and one of each filter, is enough (``?month=2026-09&band=red`` and
    ``?band=black&month=2026-08`` are one, ``?band=`` and ``?compound=`` two)."""
    path, _, query = path.partition("?")
    blanked = re.sub(r"\d+", "N", path)
    if not query:
        return blanked
    keys = sorted({re.sub(r"\d+", "N", k) for k, _ in parse_qsl(query, keep_blank_values=True)})
    return blanked + "?" + "&".join(f"{k}=" for k in keys)


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = False
    multiple: bool = False  # a select of many: ``chosen`` holds what is selected
    chosen: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """What a browser would send untouched: each field's value (checked boxes only; a
        select's chosen or first option)."""
        sent: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in {"submit", "button", "file", "reset", "image"}:
                continue
            if f.kind in {"checkbox", "radio"} and f.value is None:
                continue
            if f.multiple:
                # Only the options selected; none selected sends nothing at all.
                if f.chosen:
                    sent.setdefault(f.name, []).extend(f.chosen)
                continue
            sent.setdefault(f.name, []).append(f.value or "")
        return sent


@dataclass
class Page:
    path: str  # with its query string, if any
    status: int
    content_type: str
    html: str
    forms: list[Form]
    links: list[str]
    sql: list[str]  # the queries the page ran, in order
    # Where a redirect sent the client: a page of the site as its path and query, else as sent.
    location: str | None = None


class _Parser(HTMLParser):
    def __init__(self, here: str):
        super().__init__(convert_charrefs=True)
        self.here = here
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = urljoin(self.here, a.get("action") or self.here)
            self.forms.append(
                Form(
                    urlparse(action).path + (f"?{urlparse(action).query}" if "?" in action else ""),
                    (a.get("method") or "get").lower(),
                    a.get("enctype") or "application/x-www-form-urlencoded",
                )
            )
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or self._select.value is None:
                self._select.value = value
            if "selected" in a:
                self._select.chosen.append(value)
        elif not self.forms or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            checked = "checked" in a
            value = a.get("value", "on" if kind in {"checkbox", "radio"} else "")
            if kind in {"checkbox", "radio"} and not checked:
                value = None
            self.forms[-1].fields.append(Field(a["name"], kind, value, required="required" in a))
        elif tag == "select":
            self._select = Field(
                a["name"], "select", None, required="required" in a, multiple="multiple" in a
            )
            self.forms[-1].fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea", "", required="required" in a)
            self.forms[-1].fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # A browser drops the one line break that opens a textarea's content.
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None


def same_site(href: str, here: str) -> str | None:
    """The path and query an address leads to on this site, if it is a page to read."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urlparse(urljoin(here, href))
    path = url.path + (f"?{url.query}" if url.query else "")
    if url.netloc not in {"", "testserver"} or SKIPPED.search(path):
        return None
    return path


def parse(html: str, here: str) -> tuple[list[str], list[Form]]:
    """The same-site page links (paths with their query strings) and the forms of a page."""
    parser = _Parser(here)
    parser.feed(html)
    links = [link for href in parser.links if (link := same_site(href, here))]
    return links, parser.forms


def signed_in(username: str | None) -> Client:
    """A client signed in as the demo account ``username`` (none: the public)."""
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def start_of(client: Client, username: str | None) -> list[str]:
    if not username:
        return list(PUBLIC_STARTS)
    # Where signing in leads the role (``start`` sends each role on), and the home page.
    response = client.get(reverse("start"))
    landing = response.headers.get("Location") if response.status_code == 302 else None
    return [p for p in (landing, "/") if p]


def crawl(
    username: str | None, *, client: Client | None = None, limit: int = PAGES_PER_ROLE
) -> dict[str, Page]:
    """Every page (one per address shape) the role reaches from its start by following links
    and redirects, by path and query, with the queries each ran."""
    client = client or signed_in(username)
    queue = start_of(client, username)
    shapes: set[str] = set()
    queries_of: dict[str, int] = {}  # path shape -> query shapes crawled
    pages: dict[str, Page] = {}
    while queue and len(shapes) < limit:
        path = queue.pop(0)
        if shape(path) in shapes:
            continue
        if "?" in path:
            bare = shape(path.partition("?")[0])
            if queries_of.get(bare, 0) >= QUERIES_PER_PATH:
                continue
            queries_of[bare] = queries_of.get(bare, 0) + 1
        shapes.add(shape(path))
        here = f"http://testserver{path}"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        content_type = response.headers.get("Content-Type", "")
        html = response.content.decode() if "text/html" in content_type else ""
        links, forms = parse(html, here) if html else ([], [])
        location = None
        if response.status_code in REDIRECTS and response.headers.get("Location"):
            location = response.headers["Location"]
            # The page a redirect leads to ("this month" to a dated month) is a page too.
            if target := same_site(location, here):
                location, links = target, [target]
        pages[path] = Page(
            path,
            response.status_code,
            content_type,
            html,
            forms,
            links,
            [q["sql"] for q in queries.captured_queries],
            location,
        )
        queue.extend(links)
    return pages


@contextmanager
def demo_for_module(django_db_blocker) -> Iterator[None]:
    """The demo loaded once for a module's sweep (in a module-scoped fixture), and rolled back
    after its last test. Its photos land in the session's media folder: the module's tests read
    them there through the ``demo_media`` fixture (``tests/conftest.py``)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
