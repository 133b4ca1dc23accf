"""Bad input, in every form and every filter of the Tongde Lane demo, gets a clear error and loses
nothing: never a server error, and a form sent back with its errors has written nothing.

The standard (README): "Bad input gets a clear error and loses nothing. Every form validates,
says what is wrong in the user's language, and saves all or nothing." Each form has its own
tests; this sweep covers the ones nobody thought of. It crawls the demo as each role
(``tests.crawl``) and, for each form (one per action shape and set of field names, swept as the
first role that reaches it), sends the untouched data (``Form.data()``) with:

- every field blank;
- a text field of 10,000 characters, and one holding a NUL character;
- a number field (``type=number``) as ``-1``, ``10**12``, ``abc``, ``1e400``, ``NaN``; a hidden or
  text field holding digits (an id, a version) as ``-1``, ``abc``, ``1e400``;
- a date-looking field (``type=date``/``month``, a value like ``2026-10-03``, or a name ending in
  ``_on``, ``month``, ``period``...) as ``2026-02-30``, ``99999-01-01``, ``yesterday``, and a
  month one as ``2026-13`` and ``0000-01`` too;
- a select or radio group as a value not among its options, ``999999999`` and a NUL.

GET forms get the same; the query strings of the links on each page (filters, tabs, months) get
the shorter list of each kind in each parameter; and each list page (a filter form or
pagination) gets ``?page=abc`` and ``?page=99999``, keeping the filters the crawl reached it
with. One row of a formset stands for all of them,
and the blank row a script copies (``__prefix__``) is never sent by a browser, so neither here.

Skipped: file fields (uploads have their own tests, ``tests/*/test_import*.py`` and
``tests/tongde/test_uploads.py``), and the sign-out and language forms (``tests.crawl.SKIPPED``).

Each request runs in a savepoint rolled back afterwards, so a variant that is accepted changes
nothing for the next. The test client raises a view's exception; the sweep records the page,
field, value and exception. A refusal (a 4xx, or a 200 that shows a form's errors) must leave
the row count of every table as it was (but django-axes' record of a failed sign-in and the
session). Every failure is reported at once.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from tests.crawl import ROLES, SKIPPED, Form, crawl, demo_for_module, shape, signed_in

LONG = "同" * 10_000
NUL = "a\x00b"
NUMBERS = ["-1", str(10**12), "abc", "1e400", "NaN"]
CHEAP_NUMBERS = ["-1", "abc", "1e400"]
DATES = ["2026-02-30", "99999-01-01", "yesterday"]
MONTHS = ["2026-13", "0000-01"]
NOT_AN_OPTION = ["not-an-option", "999999999"]
PAGES = ["abc", "99999"]
NOT_SENT = {"submit", "button", "file", "reset", "image", "checkbox"}
# Rows that record an attempt rather than what was sent: a failed sign-in (django-axes) and the
# session of the signed-in client.
NOT_COUNTED = re.compile(r"^(axes_|django_session$)")
# A form's errors, a refusal, or an error message; not the warning banner of a page that worked
# (the printed voting codes).
ERROR_SHOWN = re.compile(
    r'alert-danger" role="alert"|data-refusal|id="form-errors"|is-invalid|invalid-feedback'
    r"|errorlist"
)
DIGITS = re.compile(r"^-?\d+(\.\d+)?$")
DATE_VALUE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
DATE_NAME = re.compile(r"(_on|_at|date|month|period|year|week|quarter|since|until|from|to)$")
MONTH_NAME = re.compile(r"(month|period)$")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with demo_for_module(django_db_blocker):
        yield


@pytest.fixture(autouse=True)
def _photos(demo_media) -> None:
    """The crawl opens the demo's photos."""


def _row_counts() -> dict[str, int]:
    """Rows of every table (one query), but those of ``NOT_COUNTED``."""
    tables = [t for t in connection.introspection.table_names() if not NOT_COUNTED.search(t)]
    sql = " UNION ALL ".join(
        f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}"  # noqa: S608
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def _bad_values(name: str, kind: str, value: str | None, *, cheap: bool = False) -> list[str]:
    """The bad values worth sending in one field, by what the field looks like; ``cheap``, a
    shorter list for the query strings of links (many, and read by fewer lines of code)."""
    value = value or ""
    if kind in {"select", "radio"}:
        return [*NOT_AN_OPTION, NUL]
    month = kind == "month" or re.fullmatch(r"\d{4}-\d{2}", value) or MONTH_NAME.search(name)
    if kind in {"date", "month", "datetime-local"} or DATE_VALUE.match(value):
        return (DATES[:2] if cheap else DATES) + (MONTHS if month else [])
    if kind == "number":
        return CHEAP_NUMBERS if cheap else NUMBERS
    if DIGITS.match(value):  # an id or a version in a hidden field, a page number
        return CHEAP_NUMBERS
    if DATE_NAME.search(name):
        return [*DATES, *(MONTHS if month else []), LONG, NUL]
    return [LONG, NUL]


def _fields(form: Form) -> list[tuple[str, str, str | None]]:
    """(name, kind, value) of each field worth spoiling: one per name shape (the first row of a
    formset stands for every row)."""
    seen: dict[str, tuple[str, str, str | None]] = {}
    for f in form.fields:
        # The blank row a script copies to add one: a browser never sends it.
        if f.kind in NOT_SENT or f.name == "csrfmiddlewaretoken" or "__prefix__" in f.name:
            continue
        seen.setdefault(shape(f.name), (f.name, f.kind, f.value))
    return list(seen.values())


def _base(form: Form) -> dict[str, list[str]]:
    """The untouched data, and the first named submit button (a form with several says which)."""
    data = form.data()
    button = next((f for f in form.fields if f.kind == "submit" and f.name), None)
    if button is not None:
        data[button.name] = [button.value or ""]
    return data


def _refused(response) -> bool:
    """The answer is the form again with its errors: a 4xx, or a page that shows an error."""
    if 400 <= response.status_code < 500:
        return True
    html = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return bool(ERROR_SHOWN.search(html))


def _session(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


class Sweep:
    """Sends the variants as one role and collects what went wrong."""

    def __init__(self, username: str | None):
        self.username = username
        self.client = signed_in(username)
        self.session = _session(self.client)
        self.failures: list[str] = []
        self.before = _row_counts()
        self.who = username or "public"

    def send(self, method: str, path: str, data: dict, where: str) -> None:
        try:
            with transaction.atomic():
                if method == "post":
                    response = self.client.post(path, data)
                else:
                    response = self.client.get(path, data)
                if method == "post" and _refused(response):
                    after = _row_counts()
                    changed = {
                        t: (self.before.get(t), n)
                        for t, n in after.items()
                        if n != self.before.get(t)
                    }
                    if changed:
                        self.failures.append(
                            f"{where}: refused ({response.status_code}) but rows changed {changed}"
                        )
                elif response.status_code >= 500:
                    self.failures.append(f"{where}: status {response.status_code}")
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 - every server error is a finding
            self.failures.append(f"{where}: {type(exc).__name__}: {str(exc)[:200]}")
        # A view that signs the client out (its session rolled back with the savepoint) or in
        # again leaves another cookie: start the next variant afresh.
        if self.username and _session(self.client) != self.session:
            self.client = signed_in(self.username)
            self.session = _session(self.client)

    def form(self, page: str, form: Form) -> None:
        base = _base(form)
        method = "post" if form.method == "post" else "get"
        label = f"{self.who} {method.upper()} {form.action} (on {page})"
        fields = _fields(form)
        blank = {name: [""] for name, *_ in fields}
        self.send(method, form.action, {**base, **blank}, f"{label} all blank")
        for name, kind, value in fields:
            for bad in _bad_values(name, kind, value):
                self.send(
                    method,
                    form.action,
                    {**base, name: [bad]},
                    f"{label} field {name}={_show(bad)}",
                )

    def query(self, path: str, params: dict[str, str], where: str) -> None:
        label = f"{self.who} GET {path}?{urlencode(params)} (on {where})"
        for name, value in params.items():
            for bad in _bad_values(name, "text", value, cheap=True):
                self.send("get", path, {**params, name: bad}, f"{label} param {name}={_show(bad)}")


def _show(value: str) -> str:
    return repr(value[:12] + "…") if len(value) > 12 else repr(value)


def _query_links(html: str, here: str) -> list[tuple[str, dict[str, str]]]:
    """The same-site links of a page that carry a query string: (path, parameters)."""
    found = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"]*\?[^"]*)"', html):
        url = urlparse(urljoin(here, href.replace("&amp;", "&")))
        if url.netloc in {"", "testserver"} and not SKIPPED.search(url.path):
            found.append((url.path, dict(parse_qsl(url.query, keep_blank_values=True))))
    return found


def _is_list(page) -> bool:
    """A page that reads a query string: it has a filter form or pagination."""
    return any(f.method == "get" for f in page.forms) or "page=" in page.html


@pytest.mark.django_db
def test_bad_input_never_errors_and_a_refused_form_writes_nothing(demo):
    # given every page each role reaches, and its forms
    failures: list[str] = []
    forms_done: set[tuple] = set()
    queries_done: set[tuple] = set()
    for username in ROLES:
        # Counted before the crawl: opening a page writes nothing (test_pages_do_not_write.py).
        sweep = Sweep(username)
        pages = crawl(username)
        # when each form and filter is sent bad values
        for path, page in pages.items():
            if page.status != 200 or not page.html:
                continue
            if _is_list(page) and (shape(path), "page") not in queries_done:
                queries_done.add((shape(path), "page"))
                # The page's own filters stay: a list filtered, then paged out of range.
                bare, _, query = path.partition("?")
                params = dict(parse_qsl(query, keep_blank_values=True))
                for bad in PAGES:
                    sweep.send(
                        "get", bare, {**params, "page": bad}, f"{sweep.who} GET {path} page={bad}"
                    )
            for form in page.forms:
                names = tuple(sorted({f.name for f in form.fields}))
                key = (form.method, shape(form.action), names)
                if key in forms_done or SKIPPED.search(urlparse(form.action).path):
                    continue
                forms_done.add(key)
                sweep.form(path, form)
            for link, params in _query_links(page.html, f"http://testserver{path}"):
                key = (shape(link), tuple(sorted(params)))
                if key in queries_done:
                    continue
                queries_done.add(key)
                sweep.query(link, params, path)
        failures += sweep.failures
    # then none answered with a server error, and none refused wrote anything
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
