"""Accessibility on the Tongde Lane demo: every page each role reaches by following links, on a
phone, passes axe-core's WCAG 2.1 A and AA rules with no serious or critical violation, and
never scrolls sideways (WCAG 1.4.10, reflow: a wide table scrolls inside its own frame, the page
does not).

Many residents are elderly and read on a phone; grid workers fill forms outdoors. The checker is
axe-core, vendored in ``tests/browser/vendor/`` (``npm run vendor``), injected into each page as
the browser rendered it (scripts run, so what JavaScript adds is checked too). The pages are
found by following the menu and the lists from each role's start page, one page per address
shape (``/registry/compounds/3/`` stands for every compound), so a new page is checked as soon as
a link leads to it.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser

from compounds.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE
from tests.browser.helpers import phone_overflow
from tests.crawl import PAGES_PER_ROLE, PUBLIC_STARTS, SKIPPED, shape

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
AXE_RUN = """async (rules) => {
  const result = await axe.run(document, {runOnly: rules});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    where: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


def _links(page, here: str, host: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urlparse(urljoin(here, href))
        if url.netloc == host and not SKIPPED.search(url.path):
            found.append(url.path)
    return found


def _crawl(browser: Browser, base: str, username: str | None) -> tuple[int, list[str]]:
    """Scan up to ``PAGES_PER_ROLE`` pages from the role's start; the blocking violations and
    the pages wider than the phone's screen."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    if username:
        page.goto(f"{base}/accounts/login/")
        page.locator("main input[name=username]").fill(username)
        page.locator("main input[name=password]").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        queue = [urlparse(page.url).path]
    else:
        queue = list(PUBLIC_STARTS)
    host = urlparse(base).netloc
    shapes: set[str] = set()
    problems: list[str] = []
    while queue and len(shapes) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if shape(path) in shapes:
            continue
        shapes.add(shape(path))
        response = page.goto(f"{base}{path}")
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        overflow = phone_overflow(page)
        if overflow:
            problems.append(f"{path}: scrolls sideways, {overflow}")
        page.add_script_tag(content=AXE)
        for v in page.evaluate(AXE_RUN, RULES):
            if v["impact"] in BLOCKING:
                problems.append(f"{path}: {v['impact']} {v['id']} ({v['help']}) at {v['where']}")
        queue.extend(_links(page, f"{base}{path}", host))
    context.close()
    return len(shapes), problems


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_every_page_of_every_role_passes_wcag_aa(live_server, browser, demo):
    report = {}
    problems: list[str] = []
    for role in (None, "resident", "staff", "grid", "company", "committee"):
        scanned, found = _crawl(browser, live_server.url, role)
        report[role or "public"] = scanned
        problems += [f"{role or 'public'} {p}" for p in found]
    # Each role reached a real part of the product, not only a login page.
    assert all(n >= 8 for n in report.values()), report
    assert all(n < PAGES_PER_ROLE for n in report.values()), f"raise PAGES_PER_ROLE: {report}"
    assert problems == [], "\n".join(problems)
