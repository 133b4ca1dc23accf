"""The scorecards' part of ``load_demo``: a year of the "three solids" that every page can show,
written through the app's own drafting and publishing; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from compounds.models import Compound
from scorecards.demo import KANGSHENG_COMMITMENTS, MOTION_TITLE, TZ
from scorecards.models import (
    Agreement,
    Appeal,
    Finding,
    Inspection,
    MonthlyReport,
    Publication,
    PublicationEntry,
    Rectification,
    Scorecard,
    WeeklyFeedback,
)


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module; roll it back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("load_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_kangsheng_agreement_carries_the_owners_commitments_and_fee_vote(demo):
    agreement = Agreement.objects.get(compound__code="kangsheng-garden", year=2026)
    assert [c.text for c in agreement.commitments.all()] == [t for t, _ in KANGSHENG_COMMITMENTS]
    assert agreement.fee_vote is not None
    assert agreement.fee_vote.title == MOTION_TITLE
    assert "0.60" in agreement.fee_standard
    managed = Compound.objects.filter(kind="managed", community__slug="tongde-lane").count()
    assert Agreement.objects.filter(year=2026).count() == managed == 5


def test_a_year_of_lists_with_red_black_a_correction_and_an_appeal(demo):
    editions = Publication.objects.filter(community__slug="tongde-lane")
    assert sorted({p.month.month for p in editions}) == list(range(1, 11))
    corrections = editions.filter(correction_of__isnull=False)
    assert corrections.count() == 1
    correction = corrections.get()
    assert correction.month.month == 6
    assert correction.correction_note
    bands = dict(PublicationEntry.objects.values_list("band").annotate(n=Count("pk")).order_by())
    assert bands["red"] > 0
    assert bands["black"] > 0
    assert bands["none"] > 0
    assert bands.get("unranked", 0) >= 1
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.REJECTED
    assert appeal.decision
    assert appeal.entry.band == "black"
    # The cards behind the lists are the app's own drafts, published.
    assert not Scorecard.objects.filter(month__month__lte=10, status="draft").exists()


def test_the_first_three_quarters_have_their_bulletin(demo):
    from scorecards.models import Bulletin

    published = Bulletin.objects.filter(community__slug="tongde-lane").order_by("quarter")
    assert [b.label for b in published] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    for bulletin in published:
        ranked = [c for c in bulletin.figures["compounds"] if c["rank"] == 1]
        # The commentary names the compound ranked first, from the bulletin's own figures.
        assert ranked
        assert ranked[0]["name"] in bulletin.summary
        assert len(bulletin.figures["compounds"]) == 5
        assert bulletin.published_at.day == 16


def test_the_latest_black_listing_is_answered_by_talks_and_closer_inspection(demo):
    from scorecards.models import Summons

    latest_black = (
        PublicationEntry.objects.filter(
            band="black", publication__corrected_by__isnull=True, publication__month__year=2026
        )
        .order_by("-publication__month")
        .first()
    )
    summons = Summons.objects.get()
    assert summons.entry == latest_black
    assert summons.company_id == latest_black.company_id
    assert summons.held_on > latest_black.publication.published_at.date()
    assert (summons.closer_until, summons.inspections_per_month) == (dt.date(2026, 12, 31), 4)


def test_the_year_has_reports_inspections_and_rectifications(demo):
    assert MonthlyReport.objects.filter(month__year=2026).count() == 10 * 5 - 1  # one missing
    assert Inspection.objects.filter(inspected_on__month=11).exists()
    assert Finding.objects.filter(is_withdrawn=True).count() == 1  # the June duplicate
    statuses = set(Rectification.objects.values_list("status", flat=True))
    assert {"closed", "open"} <= statuses
    assert WeeklyFeedback.objects.exists()


def test_the_year_before_the_story_has_every_report_on_time(demo):
    earlier = MonthlyReport.objects.filter(month__year=2025)
    assert earlier.count() == 12 * 5
    assert set(earlier.values_list("status", flat=True)) == {"accepted"}
    # Each filed by the 5th of the following month.
    assert all(
        r.first_submitted_at.astimezone(TZ).day <= 5 for r in earlier.only("first_submitted_at")
    )


def test_second_run_changes_nothing(demo):
    before = (Inspection.objects.count(), Publication.objects.count(), Finding.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    after = (Inspection.objects.count(), Publication.objects.count(), Finding.objects.count())
    assert after == before


def test_the_demo_company_has_an_item_to_answer_at_the_storys_end(demo):
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from scorecards.demo import STORY_TODAY
    from scorecards.inspections import COMPANY_TURN, inbox
    from tongde import attention

    company_user = get_user_model().objects.get(username="company")
    waiting = inbox(user=company_user, on=STORY_TODAY).filter(status__in=COMPANY_TURN)
    assert waiting.filter(deadline_on__gte=STORY_TODAY).exists()
    with translation.override("en"):
        tasks = {str(t.label): t.count for t in attention.company_tasks(company_user, STORY_TODAY)}
    assert tasks["Rectification items to answer"] >= 1
