"""Status badges on the public pages read at a phone's body size: at least 7/8 of the text
(14 px on a 16 px body), not Bootstrap's 3/4 of an already small line (10.5-12 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from tests.scorecards.test_public_data import publish, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = """() => [...document.querySelectorAll("main .badge")]
  .filter(b => b.offsetParent !== null)
  .map(b => [b.textContent.trim(), parseFloat(getComputedStyle(b).fontSize)])"""


def test_public_badges_are_readable_on_a_phone(
    live_server, page: Page, step, community, compound_a, compound_b
):
    # given a published red/black list
    publish(
        community,
        dt.date(2024, 5, 1),
        [row(compound_a, "92.25", "red", rank=1), row(compound_b, "80.00", "none", rank=2)],
    )
    for name, path in [("home", "/"), ("list", f"/scorecards/public/{community.slug}/")]:
        # when a resident opens the page on a phone
        with step(page, name):
            page.goto(f"{live_server.url}{path}")
            sizes = page.evaluate(SIZES)
        # then every badge is at least 7/8 of the 16 px body text
        assert sizes, f"{path} shows no badge"
        small = [(text, size) for text, size in sizes if size < 12.25]
        assert not small, f"{path}: badges too small {small}"
