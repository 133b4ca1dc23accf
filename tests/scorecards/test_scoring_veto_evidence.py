"""The veto line of a scorecard shows its evidence readably: the finding (date, description,
a link the reader may open) or the missing monthly report, never the stored reference."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from scorecards import scoring
from scorecards.models import VetoEvent
from tests.scorecards.test_scoring import AFTER_GRACE, MONTH, card_of, finding, inspect

pytestmark = pytest.mark.django_db


def _en(name, *args):
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


def test_a_finding_veto_shows_the_finding_with_a_link_for_staff(client, compound_a, staff):
    visit = inspect(compound_a)
    found = finding(
        compound_a,
        "fire_safety",
        "3",
        veto="major_safety_accident",
        inspection=visit,
        description="gas explosion in block 3",
    )
    scoring.draft_month(MONTH, today=AFTER_GRACE)
    card = card_of(compound_a)
    assert (
        card.vetoes.get(veto_item__code="major_safety_accident").evidence == f"finding:{found.pk}"
    )
    client.force_login(staff)
    page = client.get(_en("scoring_card", card.pk)).content.decode()
    assert f"finding:{found.pk}" not in page
    assert "10 Sep 2026 gas explosion in block 3" in page
    assert f'href="{_en("inspection_detail", visit.pk)}"' in page


def test_a_company_sees_the_finding_without_the_inspection_link(client, compound_a, company_user_a):
    visit = inspect(compound_a)
    finding(compound_a, "fire_safety", "3", veto="major_safety_accident", inspection=visit)
    scoring.draft_month(MONTH, today=AFTER_GRACE)
    client.force_login(company_user_a)
    page = client.get(_en("scoring_card", card_of(compound_a).pk)).content.decode()
    assert "stairwell clutter" in page
    assert _en("inspection_detail", visit.pk) not in page
    assert "finding:" not in page


def test_the_report_veto_says_the_report_was_not_filed(client, compound_a, staff):
    scoring.draft_month(MONTH, today=AFTER_GRACE)
    card = card_of(compound_a)
    veto = VetoEvent.objects.get(scorecard=card)
    assert veto.evidence.startswith("report:")
    client.force_login(staff)
    page = client.get(_en("scoring_card", card.pk)).content.decode()
    assert "The monthly report of September 2026 was not filed." in page
    assert veto.evidence not in page
