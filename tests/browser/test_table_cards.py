"""Wide tables read as cards on a phone, one per row, each value under its column's name, instead
of a table that scrolls sideways: the committee's (the residents' opinions and the rectification
items of their compound, even when someone pasted a long link into one), the registry lists grid
workers use in the field (compounds, buildings, dwellings, households, owners, registrations),
committees and their coverage, grids, property companies, a dwelling's households, a committee's
members and its building and unit heads, patrols, meetings and their counts by kind (one card, a
line per kind), regulations, the staff's monthly scoring, monthly reports, talks, annual
assessment, agreements and ballots, each titled by the row's name where it has one. An empty cell
is left out, label and all. On a desktop they stay ordinary tables.

The proxy authorisations list is a card table too but the demo records no proxy, so it has no row
to check here."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from playwright.sync_api import Browser

from committees.models import Ballot, Committee, Consultation
from compounds.demo import DEMO_PASSWORD
from compounds.models import Community, Dwelling
from scorecards.models import Agreement, Rectification, Scorecard
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
      blank: td.textContent.trim() === "" && !td.querySelector("a, button, img, input"),
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


def _log_in(browser: Browser, base: str, device: dict, username: str):
    context = browser.new_context(**device, base_url=base)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_committee_tables_are_cards_on_a_phone_and_tables_on_a_desktop(
    live_server, browser, step, demo
):
    for consultation in Consultation.objects.all():
        consultation.opinion += LINK
        consultation.save(update_fields=["opinion"])
    item = Rectification.objects.filter(compound__name="康盛花园").order_by("pk").first()
    Rectification.objects.filter(compound=item.compound).update(description=item.description + LINK)
    page = _log_in(browser, live_server.url, PHONE, "committee")
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
    page = _log_in(browser, live_server.url, DESKTOP, "committee")
    for path, selector in TABLES.items():
        page.goto(path)
        _assert_a_table(page, path, selector)
    page.context.close()


def _assert_a_table(page, path: str, selector: str) -> None:
    layout = page.evaluate(LAYOUT, selector)
    assert layout["headerHeight"] > 10, f"{path}: the header row is hidden on a desktop"
    assert {c["display"] for c in layout["cells"]} == {"table-cell"}, (path, layout["cells"])
    assert {c["label"] for c in layout["cells"]} == {"none"}, (path, layout["cells"])


def _tongde_lane() -> Community:
    return Community.objects.get(slug="tongde-lane")


def _assessment_path() -> str:
    community = _tongde_lane()
    year = Agreement.objects.filter(compound__community=community).aggregate(y=Max("year"))["y"]
    return reverse("scorecards:assessment_year", args=[community.pk, year])


def _scoring_path() -> str:
    community = _tongde_lane()
    month = Scorecard.objects.filter(compound__community=community).aggregate(m=Max("month"))["m"]
    return reverse("scorecards:scoring_month", args=[community.pk, f"{month:%Y-%m}"])


def _dwelling_path() -> str:
    dwelling = (
        Dwelling.objects.filter(unit__building__compound__name="康盛花园", households__isnull=False)
        .order_by("pk")
        .first()
    )
    return reverse("compounds:dwelling_detail", args=[dwelling.pk])


def _committee_path() -> str:
    committee = Committee.objects.get(compound__name="康盛花园")
    return reverse("committees:committee_detail", args=[committee.pk])


def _ballots_path() -> str:
    ballot = Ballot.objects.filter(roll_entry__election__committee__compound__name="康盛花园")
    election_id = ballot.values_list("roll_entry__election_id", flat=True).first()
    return reverse("committees:ballot_list", args=[election_id])


# The registry and the lists that staff, grid workers and committee members read on the go: (path,
# the table, whether its first cell is the row's name and so the card's title, shown with no
# label). A page whose address depends on the demo's ids or dates is a function that finds it.
CARD_PAGES = {
    "committee": [
        (_committee_path, "#members", True),
        (_committee_path, "#heads", True),
        ("/campaigns/meetings/", "#meeting-counts", False),
        ("/campaigns/meetings/", "#meetings", True),
    ],
    "grid": [
        ("/registry/compounds/", "#compounds", True),
        ("/registry/buildings/", "#buildings", True),
        ("/registry/dwellings/", "#dwellings", True),
        ("/registry/households/", "#households", True),
        ("/registry/residents/?tab=verified", "#registrations", True),
        ("/registry/grids/", "#grids", True),
        ("/registry/companies/", "#companies", True),
        ("/committees/", "#committees", True),
        ("/committees/coverage/", "#coverage", True),
        ("/campaigns/patrols/", "#patrols", False),
    ],
    "staff": [
        ("/registry/owners/", "#owners", True),
        ("/registry/communities/tongde-lane/", "main table.table-cards", True),
        (_dwelling_path, "#dwelling-households", True),
        (_scoring_path, "#scorecards", True),
        ("/scorecards/reports/", "#reports", True),
        ("/scorecards/summonses/", "#summonses", False),
        (_assessment_path, "#assessments", True),
        ("/scorecards/agreements/", "#agreements", True),
        (_committee_path, "#members", True),
        ("/campaigns/meetings/", "#meeting-counts", False),
        ("/campaigns/meetings/", "#meetings", True),
        ("/campaigns/regulations/", "#regulations", True),
        (_ballots_path, "#ballots", True),
    ],
}


def test_lists_are_cards_on_a_phone_and_tables_on_a_desktop(live_server, browser, step, demo):
    # One demo for every role (loading it is most of this test's time).
    for username, pages in sorted(CARD_PAGES.items()):
        _check_cards_on_a_phone(browser, live_server.url, step, username, pages)
        page = _log_in(browser, live_server.url, DESKTOP, username)
        for where, selector, _titled in pages:
            path = where() if callable(where) else where
            page.goto(path)
            _assert_a_table(page, path, selector)
        page.context.close()


def _check_cards_on_a_phone(browser: Browser, base: str, step, username: str, pages) -> None:
    page = _log_in(browser, base, PHONE, username)
    for where, selector, titled in pages:
        path = where() if callable(where) else where
        with step(page, f"{username}-{path.strip('/').replace('/', '-')}"):
            page.goto(path)
            fits_phone(page)
            layout = page.evaluate(LAYOUT, selector)
            assert layout["scrolls"] is False, f"{path}: the table scrolls sideways"
            assert layout["headerHeight"] <= 1, f"{path}: the header row is still in sight"
            cells = layout["cells"]
            assert len(cells) > 1, f"{path}: the demo shows no row"
            assert {c["display"] for c in cells} <= STACKED, (path, cells)
            assert not [c for c in cells if c["blank"]], (path, "an empty cell is shown", cells)
            if titled:
                # The row's name heads the card: no label before it.
                title, *cells = cells
                assert title["label"] == "none", (path, title)
            labelled = [c for c in cells if c["header"]]
            assert labelled, (path, cells)
            for cell in labelled:
                assert cell["label"] == f'"{cell["header"]}" / ""', (path, cell)
    page.context.close()
