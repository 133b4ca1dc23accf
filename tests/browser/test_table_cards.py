"""Wide tables read as cards on a phone, one per row, each value under its column's name, instead
of a table that scrolls sideways: the committee's (the residents' opinions and the rectification
items of their compound, even when someone pasted a long link into one), the registry lists grid
workers use in the field (compounds, buildings, dwellings, households, owners, registrations),
committees and their coverage, and the staff's monthly reports, talks and annual assessment, each
of these titled by the row's name. On a desktop they stay ordinary tables."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from playwright.sync_api import Browser

from committees.models import Consultation
from compounds.demo import DEMO_PASSWORD
from compounds.models import Community
from scorecards.models import Agreement, Rectification
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import fits_phone, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What people paste: a link with no place to break a line.
LINK = " https://mp.weixin.qq.com/s/" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 3

TABLES = {
    "/committees/consultations/": "#consultations",
    "/scorecards/rectifications/compound/": "#rectifications",
}

# For the table's first row: how the cells are laid out, the label each shows before its value
# (``none`` when it shows none) and the column header it stands for; whether the table's frame
# scrolls; whether the header row is in sight.
LAYOUT = """(selector) => {
  const table = document.querySelector(selector);
  const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
  const cells = [...table.querySelectorAll("tbody tr:first-child td")]
    .filter(td => getComputedStyle(td).display !== "none")
    .map(td => ({
      display: getComputedStyle(td).display,
      label: getComputedStyle(td, "::before").content,
      header: headers[td.cellIndex],
    }));
  const frame = table.closest(".table-responsive");
  return {
    cells,
    scrolls: frame.scrollWidth > frame.clientWidth,
    headerHeight: table.querySelector("thead").getBoundingClientRect().height,
  };
}"""

# A card's cells stack: a cell with a label contains it (flow-root), the others are plain blocks.
STACKED = {"block", "flow-root"}


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def _committee_page(browser: Browser, base: str, device: dict):
    context = browser.new_context(**device, base_url=base)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill("committee")
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_committee_tables_read_as_cards_on_a_phone(live_server, browser, step, demo):
    for consultation in Consultation.objects.all():
        consultation.opinion += LINK
        consultation.save(update_fields=["opinion"])
    item = Rectification.objects.filter(compound__name="康盛花园").order_by("pk").first()
    Rectification.objects.filter(compound=item.compound).update(description=item.description + LINK)
    page = _committee_page(browser, live_server.url, PHONE)
    with step(page, "rectification"):
        page.goto(f"/scorecards/rectifications/{item.pk}/")
        fits_phone(page)
    for path, selector in TABLES.items():
        with step(page, path.strip("/").replace("/", "-")):
            page.goto(path)
            fits_phone(page)
            layout = page.evaluate(LAYOUT, selector)
            assert layout["scrolls"] is False, f"{path}: the table scrolls sideways"
            assert layout["headerHeight"] <= 1, f"{path}: the header row is still in sight"
            cells = layout["cells"]
            assert cells, f"{path}: the demo shows no row"
            assert {c["display"] for c in cells} <= STACKED, cells
            # Every cell with a header shows it as its label; the label is no text of its own
            # for a screen reader (the alternative text after "/" is empty).
            labelled = [c for c in cells if c["header"]]
            assert labelled, cells
            for cell in labelled:
                assert cell["label"] == f'"{cell["header"]}" / ""', (path, cell)
            assert zh("Compound") in [c["header"] for c in labelled]
    page.context.close()


def test_committee_tables_stay_tables_on_a_desktop(live_server, browser, demo):
    page = _committee_page(browser, live_server.url, DESKTOP)
    for path, selector in TABLES.items():
        page.goto(path)
        layout = page.evaluate(LAYOUT, selector)
        assert layout["headerHeight"] > 10, f"{path}: the header row is hidden on a desktop"
        assert {c["display"] for c in layout["cells"]} == {"table-cell"}, (path, layout["cells"])
        assert {c["label"] for c in layout["cells"]} == {"none"}, (path, layout["cells"])
    page.context.close()


# The registry and the lists that staff and grid workers read on the go: (path, the table, whether
# its first cell is the row's name and so the card's title, shown with no label). The annual
# assessment's address depends on the demo's year: ``None`` stands for it.
CARD_PAGES = {
    "grid": [
        ("/registry/compounds/", "#compounds", True),
        ("/registry/buildings/", "#buildings", True),
        ("/registry/dwellings/", "#dwellings", True),
        ("/registry/households/", "#households", True),
        ("/registry/residents/?tab=verified", "#registrations", True),
        ("/committees/", "#committees", True),
        ("/committees/coverage/", "#coverage", True),
    ],
    "staff": [
        ("/registry/owners/", "#owners", True),
        ("/registry/communities/tongde-lane/", "main table.table-cards", True),
        ("/scorecards/reports/", "#reports", True),
        ("/scorecards/summonses/", "#summonses", False),
        (None, "#assessments", True),
    ],
}


def _log_in(browser: Browser, base: str, device: dict, username: str):
    context = browser.new_context(**device, base_url=base)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def _assessment_path() -> str:
    community = Community.objects.get(slug="tongde-lane")
    year = Agreement.objects.filter(compound__community=community).aggregate(y=Max("year"))["y"]
    return reverse("scorecards:assessment_year", args=[community.pk, year])


@pytest.mark.parametrize("username", sorted(CARD_PAGES))
def test_lists_read_as_cards_on_a_phone(live_server, browser, step, demo, username):
    page = _log_in(browser, live_server.url, PHONE, username)
    for path, selector, titled in CARD_PAGES[username]:
        path = path or _assessment_path()
        with step(page, f"{username}-{path.strip('/').replace('/', '-')}"):
            page.goto(path)
            fits_phone(page)
            layout = page.evaluate(LAYOUT, selector)
            assert layout["scrolls"] is False, f"{path}: the table scrolls sideways"
            assert layout["headerHeight"] <= 1, f"{path}: the header row is still in sight"
            cells = layout["cells"]
            assert len(cells) > 1, f"{path}: the demo shows no row"
            assert {c["display"] for c in cells} <= STACKED, (path, cells)
            if titled:
                # The row's name heads the card: no label before it.
                title, *cells = cells
                assert title["label"] == "none", (path, title)
            labelled = [c for c in cells if c["header"]]
            assert labelled, (path, cells)
            for cell in labelled:
                assert cell["label"] == f'"{cell["header"]}" / ""', (path, cell)
    page.context.close()


@pytest.mark.parametrize("username", sorted(CARD_PAGES))
def test_lists_stay_tables_on_a_desktop(live_server, browser, demo, username):
    page = _log_in(browser, live_server.url, DESKTOP, username)
    for path, selector, _titled in CARD_PAGES[username]:
        path = path or _assessment_path()
        page.goto(path)
        layout = page.evaluate(LAYOUT, selector)
        assert layout["headerHeight"] > 10, f"{path}: the header row is hidden on a desktop"
        assert {c["display"] for c in layout["cells"]} == {"table-cell"}, (path, layout["cells"])
        assert {c["label"] for c in layout["cells"]} == {"none"}, (path, layout["cells"])
    page.context.close()
