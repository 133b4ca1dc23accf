"""Every page that edits a saved row carries the fingerprint of the row as shown
(``tongde.concurrency``), so that a save over a colleague's is refused: every page staff and
company users reach on the demo at an edit address, swept.

An edit address is one of ``EDIT_ADDRESS``; a page there answering 200 must have a POST form
with an ``edited_from`` field, unless it is one of ``EXEMPT`` (with why). A new edit page is
swept as soon as a link leads to it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve

from campaigns.models import Designation
from compounds.selectors import company_ids
from scorecards.models import MonthlyReport, ScoringSettings
from tests.crawl import crawl
from tongde.concurrency import EDITED_FROM, LINKS_FROM

EDIT_ADDRESS = re.compile(
    r"/(edit|correct|window|settings|amend|targets|minutes)/$"
    # A compound's designation of a year, edited in place.
    r"|/designations/\d+/\d+/[^/]+/\d+/$"
)

# URL name -> why the page needs no fingerprint.
EXEMPT: dict[str, str] = {
    "rubric_adopt": "the unsaved default of a year with no rubric: its first save creates "
    "version 1 (once one exists the address leads to rubric_edit)",
    "bulletin_correct": "publishes a new edition; the service refuses unless the edition shown "
    "is still the latest",
    "assessment_correct": "makes a new edition; the service refuses unless the edition shown "
    "is still the latest",
    "scoring_correct": "publishes a corrected edition; the service refuses unless the "
    "publication shown is still the latest",
    "meeting_minutes": "serves the minutes' file: nothing to edit",
    "consultation_amend": "carries the answer's version as shown; the service refuses an "
    "amendment of an answer amended meanwhile",
}


def _unsaved_settings(kwargs: dict) -> bool:
    # The settings of a year with none saved: the first save creates the row.
    return not ScoringSettings.objects.filter(
        community__slug=kwargs["slug"], year=kwargs["year"]
    ).exists()


def _no_designation(kwargs: dict) -> bool:
    # A compound with no designation that year: the form creates one.
    return not Designation.objects.filter(
        compound_id=kwargs["compound_pk"], year=kwargs["year"]
    ).exists()


@pytest.mark.parametrize("role", ["staff", "company"])
def test_every_edit_page_carries_the_fingerprint(demo, role):
    # given the company's reports returned for changes (the demo's are all filed, so no
    # report's edit page would be reached), and every page the role reaches at an edit address
    company = get_user_model().objects.get(username="company")
    MonthlyReport.objects.filter(company_id__in=company_ids(company)).update(
        status=MonthlyReport.Status.RETURNED
    )
    pages = {p: page for p, page in crawl(role).items() if EDIT_ADDRESS.search(p)}

    # when each page answering 200 is checked for a POST form with the fingerprint
    unguarded = []
    for path, page in pages.items():
        if page.status != 200:
            continue
        match = resolve(path)
        if match.url_name in EXEMPT:
            continue
        if match.url_name == "settings_edit" and _unsaved_settings(match.kwargs):
            continue
        if match.url_name == "designation_edit" and _no_designation(match.kwargs):
            continue
        guarded = any(
            # A page of links only (the year's target rates, one row per kind or none yet)
            # carries their fingerprint alone.
            f.method == "post"
            and any(field.name in {EDITED_FROM, LINKS_FROM} for field in f.fields)
            for f in page.forms
        )
        if not guarded:
            unguarded.append(f"{path} ({match.url_name})")

    # then every one carries it
    reached = {resolve(p).url_name for p, page in pages.items() if page.status == 200}
    assert reached >= {"company": {"report_edit"}, "staff": {"agreement_edit"}}[role], reached
    assert not unguarded, "\n".join(unguarded)
