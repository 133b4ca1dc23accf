"""Every filter link is honoured: each query key a page is linked with changes what it shows.

A link such as a committee page's "Elections" (``/committees/elections/?committee=3``) promises
a narrower page; a view that never reads ``committee`` shows every election instead, and no
test fails. This sweep crawls the demo as each role and, for every page a link with a query
string leads to, asks for it again with each key removed in turn, comparing what ``<main>``
shows: its text and the state of its visible controls (a filter read shows as chosen).

A key whose removal changes nothing is a suspect, cleared when the key is shown to be read:
another value of it (one a link or the page's own control offers, or an id that matches
nothing) changes the page, or the page offers that value as its only choice. Then the link
merely names what the page shows anyway: this year, the reader's one community, a date range
that holds every row. A key still unexplained is dead, unless ``ALLOWED`` says why it is not a
filter at all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from campaigns.views_patrols import _internal_communities
from tests.crawl import ROLES, crawl, same_site, shape, signed_in

# Keys that only choose a page of a list: on a one-page list, ``?page=1`` is the list.
PAGING = {"page"}
# Per-request tokens, never content.
TOKENS = {"csrfmiddlewaretoken", "once"}
# (page shape as ``tests.crawl.shape`` writes it, key) -> why the key changes no content.
ALLOWED: dict[tuple[str, str], str] = {
    # Where signing in leads afterwards: carried in a hidden field of the sign-in form.
    ("/accounts/login/?next=", "next"): "a redirect target, not a filter",
}
# (page shape, key) -> the value the page shows when the key is missing, for the reader. A link
# naming it is honoured even though the page offers no other value to try the key with.
DEFAULTS: dict[tuple[str, str], Callable[[Any], str]] = {
    # Designations of the reader's first community (the choice is shown only to a reader of two).
    ("/campaigns/designations/?community=&year=", "community"): lambda user: str(
        _internal_communities(user)[0].pk
    ),
}
# Other values of a key tried before a suspect is called dead; each is one more request.
PROBES = 3
# Links with a query string the crawl met but did not open (``tests.crawl.QUERIES_PER_PATH``
# caps the filters of one path) are opened here too, up to this many per role.
EXTRA_LINKS = 40


@dataclass
class View:
    """What a page's ``<main>`` shows."""

    text: str
    controls: tuple[tuple[str, str], ...]  # visible controls' names and chosen values
    options: dict[str, set[str]] = field(default_factory=dict)  # values a control offers

    @property
    def seen(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.text, self.controls


class _MainParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        # Inside <main> until its end tag: counting every tag would trip on optional end tags.
        self.inside = False
        self.parts: list[str] = []
        self.controls: list[tuple[str, str]] = []
        self.options: dict[str, set[str]] = defaultdict(set)
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.inside = True
        if not self.inside:
            return
        a = dict(attrs)
        name = a.get("name")
        if tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            self.options[self._select].add(value)
            if "selected" in a:
                self.controls.append((self._select, value))
        elif tag == "input" and name and name not in TOKENS:
            kind = (a.get("type") or "text").lower()
            value = a.get("value") or ""
            if kind in {"checkbox", "radio"}:
                self.options[name].add(value)
                if "checked" in a:
                    self.controls.append((name, value))
            elif kind not in {"hidden", "submit", "button", "reset", "image", "file"}:
                self.controls.append((name, value))

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside = False
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def view_of(html: str) -> View:
    parser = _MainParser()
    parser.feed(html)
    text = re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
    return View(text, tuple(sorted(parser.controls)), dict(parser.options))


def query_of(path: str) -> list[tuple[str, str]]:
    return parse_qsl(path.partition("?")[2], keep_blank_values=True)


def with_query(path: str, query: list[tuple[str, str]]) -> str:
    bare = path.partition("?")[0]
    return bare + (f"?{urlencode(query)}" if query else "")


def test_the_view_of_a_page_is_its_mains_text_and_chosen_filters():
    # given two answers of one page: other tokens, other text outside <main>, another filter
    page = (
        '<nav>{nav}</nav><main><h1>Reports</h1><form><input type="hidden" name="once" '
        'value="{once}"><select name="compound"><option value="">all</option>'
        '<option value="3"{sel}>甲</option></select><br><input name="q" value="">'
        "</form><p>2 rows</p></main>"
    )
    one = view_of(page.format(nav="a", once="1", sel=""))
    two = view_of(page.format(nav="b", once="2", sel=""))
    chosen = view_of(page.format(nav="a", once="1", sel=" selected"))

    # then
    assert one.seen == two.seen
    assert one.seen != chosen.seen
    assert one.text == "Reports all 甲 2 rows"
    assert one.options["compound"] == {"", "3"}


def _view(client, path: str) -> View | None:
    response = client.get(path)
    if response.status_code != 200 or "text/html" not in response.headers.get("Content-Type", ""):
        return None
    return view_of(response.content.decode())


def _is_read(client, reader, path: str, key: str, view: View, values: set[str]) -> bool:
    """Whether another value of ``key`` changes the page, or the page offers none other, or
    the value is the page's default."""
    current = dict(query_of(path))[key]
    if default := DEFAULTS.get((shape(path), key)):
        return current == default(reader)
    offered = view.options.get(key, set()) - {""}
    if offered == {current}:
        return True
    others = sorted((values | offered) - {current, ""})[:PROBES]
    if current.isdigit():
        # An id no row has (a read filter lists nothing, or says why); the number before
        # (the year before, another row).
        others += ["0", str(int(current) - 1)]
    for other in others:
        query = [(k, other if k == key else v) for k, v in query_of(path)]
        probed = _view(client, with_query(path, query))
        if probed is None or probed.seen != view.seen:
            return True
    return False


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "public")
def test_every_query_key_of_a_link_changes_the_page(demo, role):
    # given every page the role reaches by a link with a query string
    pages = crawl(role)
    client = signed_in(role)
    reader = get_user_model().objects.filter(username=role).first() or AnonymousUser()
    linked = {
        link
        for page in pages.values()
        for href in page.links
        if "?" in href and (link := same_site(href, f"http://testserver{page.path}"))
    }
    # the values each key takes in links to one path: other choices to try a suspect with
    values: dict[tuple[str, str], set[str]] = defaultdict(set)
    for link in linked:
        for k, v in query_of(link):
            values[shape(link.partition("?")[0]), k].add(v)
    crawled = {shape(p) for p in pages}
    extra = sorted({shape(link): link for link in linked if shape(link) not in crawled}.values())
    filtered = {
        p.path: view_of(p.html)
        for p in pages.values()
        if "?" in p.path and p.status == 200 and "<main" in p.html
    }
    for link in extra[:EXTRA_LINKS]:
        if (view := _view(client, link)) is not None:
            filtered[link] = view

    # when each key is removed in turn
    dead = []
    for path, view in filtered.items():
        for key in sorted({k for k, _ in query_of(path)} - PAGING):
            if (shape(path), key) in ALLOWED:
                continue
            bare = _view(client, with_query(path, [(k, v) for k, v in query_of(path) if k != key]))
            if bare is None or bare.seen != view.seen:
                continue
            if not _is_read(
                client, reader, path, key, view, values[shape(path.partition("?")[0]), key]
            ):
                dead.append(f"{path}: ?{key}= changes nothing ({shape(path)})")

    # then every key the role follows is read
    assert filtered, "the crawl reached no page by a link with a query string"
    assert not dead, "\n".join(dead)
