"""The menu a phone user opens: its links on the red bar pass WCAG AA contrast. The site-wide
accessibility crawl reads pages with the menu folded away, so it never checks them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CONTRAST = """async () => {
  const result = await axe.run("#nav", {runOnly: ["color-contrast"]});
  return result.violations.flatMap(v => v.nodes.map(n => n.target.join(" ")));
}"""


def test_the_opened_menu_reads_clearly_on_a_phone(live_server, page: Page):
    # given a visitor on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/committees/results/")

    # when the menu is opened
    page.locator(".navbar-toggler").click()
    page.locator("#nav.show").wait_for()
    page.wait_for_timeout(400)  # the collapse animation ends

    # then every link in it has enough contrast, the current page's included
    page.add_script_tag(content=AXE)
    assert page.evaluate(CONTRAST) == []
    assert page.locator("#nav a.nav-link.active").count() == 1
