"""The month page: once published it shows what the latest edition lists (a correction changes
the entry, not the card), and it offers drafting only for a month that has ended and whose list
is not published."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from scorecards import scoring
from tests.scorecards.conftest import SCORING_STAFF_PAGE
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db


def _url(community, label):
    with translation.override("en"):
        return reverse("scorecards:scoring_month", args=[community.pk, label])


def _row(page: str, name: str) -> str:
    """The table row of the compound ``name`` (the only one that names it)."""
    (row,) = [r for r in re.findall(r"<tr\b[^>]*>.*?</tr>", page, re.S) if name in r]
    return row


@pytest.fixture
def corrected(community, compound_a, compound_b, staff):
    """乙 drafted at 65 (black), published, then corrected to 72 (not listed)."""
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15")
    finding(compound_b, "parking", "5")
    scoring.draft_month(MONTH, today=TODAY)
    first = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    entry = first.entries.get(compound=compound_b)
    scoring.publish_correction(
        publication=first,
        changes={entry.pk: scoring.EntryChange(score=Decimal(72), band="none")},
        note="two findings recorded twice",
        user=staff,
        notify=False,
    )
    return compound_b


def test_the_month_page_shows_the_latest_edition(client, community, corrected, staff):
    client.force_login(staff)
    page = client.get(_url(community, "2026-09")).content.decode()
    row = _row(page, corrected.name)
    assert "72.00" in row
    # in the score's own cell, which names its column on a phone
    assert re.search(r'data-label="Score"[^>]*>72\.00</td>', row)
    assert "65.00" not in row
    assert "Not listed" in row
    assert "Black list" not in row
    assert "corrected" in row


def test_the_month_download_shows_the_latest_edition(client, community, corrected, staff):
    import io

    from openpyxl import load_workbook

    client.force_login(staff)
    response = client.get(_url(community, "2026-09") + "?format=xlsx")
    (sheet,) = load_workbook(io.BytesIO(response.content), read_only=True).worksheets
    header, *rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(header, next(r for r in rows if r[0] == corrected.name), strict=True))
    assert (Decimal(str(row["Score"])), row["Band"]) == (72, "Not listed")


@pytest.mark.parametrize(
    ("today", "label", "offered"),
    [
        (dt.datetime(2026, 9, 30, 12), "2026-09", False),  # the month's last day
        (dt.datetime(2026, 10, 1, 1), "2026-09", True),  # the 1st of the next month
        (dt.datetime(2026, 10, 1, 1), "2026-12", False),
    ],
)
def test_draft_now_only_for_a_month_that_has_ended(
    client, community, compound_a, staff, time_machine, today, label, offered
):
    time_machine.move_to(today.replace(tzinfo=dt.UTC), tick=False)
    client.force_login(staff)
    page = client.get(_url(community, label)).content.decode()
    assert ("Draft now" in page) is offered
    first = dt.date.fromisoformat(f"{label}-01")
    opens = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    said = f"scorecards can be drafted from {opens.day} {opens:%b %Y}"
    assert (said in page) is not offered


def test_no_drafting_offered_once_the_list_is_published(client, community, corrected, staff):
    client.force_login(staff)
    page = client.get(_url(community, "2026-09")).content.decode()
    assert "Draft now" not in page
    assert "can be drafted from" not in page


@pytest.mark.parametrize(("who", "status"), SCORING_STAFF_PAGE)
def test_the_month_page_for_every_role(client, community, corrected, request, who, status):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(_url(community, "2026-09")).status_code == status


def test_the_card_page_says_what_the_corrected_list_shows(client, community, corrected, staff):
    from scorecards.models import Publication, Scorecard

    card = Scorecard.objects.get(compound=corrected)
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("scorecards:scoring_card", args=[card.pk])
    page = client.get(url).content.decode()
    assert "Corrected in edition 2 of the list: it now shows 72.00" in page
    latest = Publication.objects.get(sequence=2)
    with translation.override("en"):
        assert reverse("scorecards:scoring_publication", args=[latest.pk]) in page
    # a card the correction left as it was says nothing
    other = Scorecard.objects.exclude(pk=card.pk).get()
    with translation.override("en"):
        url = reverse("scorecards:scoring_card", args=[other.pk])
    assert 'data-figure="listed"' not in client.get(url).content.decode()
