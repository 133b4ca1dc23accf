"""Companies are mailed when their drafts are ready (with the reply deadline) and when a list or a
correction naming them is published (with the appeal deadline of a black listing): once, after
the commit, only to their own users, and never for a re-run, a rollback or the demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from scorecards import assessments, notices, scoring, summons
from scorecards.models import Agreement, Scorecard
from tests import factories
from tests.scorecards.test_public_data import publish, row
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def addresses(company_user_a, company_user_b):
    company_user_a.email, company_user_b.email = "a@example.org", "b@example.org"
    company_user_a.save(), company_user_b.save()
    return company_user_a, company_user_b


@pytest.fixture
def month(compound_a, compound_b):
    """A: 100 (red); B: 65 (black)."""
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15")
    finding(compound_b, "parking", "5")


def _to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_each_company_is_told_its_drafts_and_the_reply_deadline(
    month, addresses, compound_a, compound_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)
    (to_a,) = _to("a@example.org")
    (to_b,) = _to("b@example.org")
    card_b = Scorecard.objects.get(compound=compound_b)
    assert "2026年9月" in to_b.subject
    with translation.override("zh-hans"):
        separator = pgettext("label separator", ": ")
    assert f"{compound_b.name}{separator}65.00" in to_b.body
    assert card_b.reply_due_on.isoformat() in to_b.body
    assert compound_a.name not in to_b.body  # nothing of another company
    assert compound_b.name not in to_a.body
    assert "/scorecards/scoring/" in to_a.body


def test_the_drafts_mail_lists_each_deduction_the_veto_and_the_link_to_each_card(
    month, addresses, compound_a, compound_b, django_capture_on_commit_callbacks, settings
):
    # given: B lost points on three criteria and has a veto; A lost nothing
    finding(compound_b, "fire_safety", "1", veto="major_safety_accident")
    settings.SITE_URL = "https://tongde.example.org"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)
    # then
    (to_a,) = _to("a@example.org")
    (to_b,) = _to("b@example.org")
    card_a = Scorecard.objects.get(compound=compound_a)
    card_b = Scorecard.objects.get(compound=compound_b)
    deducted = card_b.lines.filter(deducted__gt=0).select_related("criterion")
    assert deducted.count() == 4
    said = [text.strip() for text in to_b.body.splitlines()]
    with translation.override(notices.settings.LANGUAGE_CODE):
        # one line per criterion with a deduction, naming it and the points; none for the others
        for line in deducted:
            name, points = line.criterion.display_name, str(line.deducted)
            assert any(text.startswith(name) and points in text for text in said), name
        vetoes = [v.veto_item.display_name for v in card_b.vetoes.select_related("veto_item")]
        untouched = card_b.lines.filter(deducted=0).select_related("criterion")
        assert untouched
        for line in untouched:
            assert not any(text.startswith(line.criterion.display_name) for text in said)
    assert vetoes
    assert all(name in to_b.body for name in vetoes)
    assert f"https://tongde.example.org/scorecards/scoring/card/{card_b.pk}/" in to_b.body
    assert f"/scoring/card/{card_a.pk}/" not in to_b.body
    assert f"https://tongde.example.org/scorecards/scoring/card/{card_a.pk}/" in to_a.body


def test_a_lifted_veto_is_not_in_the_drafts_mail(month, addresses, compound_b, staff):
    finding(compound_b, "fire_safety", "1", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    card = Scorecard.objects.get(compound=compound_b)
    veto = card.vetoes.select_related("veto_item").get()
    scoring.veto_lift(veto=veto, reason="Not the company's fault.", user=staff, seen_version=1)
    notices.drafts_ready([card.pk])
    (to_b,) = _to("b@example.org")
    assert veto.veto_item.name_zh not in to_b.body
    assert f"/scoring/card/{card.pk}/" in to_b.body


def test_building_the_drafts_mails_takes_the_same_queries_for_more_cards(
    month, addresses, community, company_b, django_assert_num_queries
):
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    few = list(Scorecard.objects.values_list("pk", flat=True))
    for n in range(3):
        compound = factories.CompoundFactory(community=community, name=f"丙{n}", code=f"c{n}")
        factories.ServiceContractFactory(compound=compound, company=company_b)
        inspect(compound), inspect(compound)
        finding(compound, "cleanliness", "3")
        finding(compound, "fire_safety", "1", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    many = list(Scorecard.objects.values_list("pk", flat=True))
    assert len(many) == len(few) + 3
    # the cards, their lines with deductions, their standing vetoes, the recipients
    with django_assert_num_queries(4):
        assert notices.drafts_ready(few) == 2
    mail.outbox.clear()
    with django_assert_num_queries(4):
        assert notices.drafts_ready(many) == 2
    (to_b,) = _to("b@example.org")
    assert to_b.body.count("/scoring/card/") == 4


def test_a_rerun_a_rollback_or_notify_off_sends_nothing(
    month, addresses, community, django_capture_on_commit_callbacks
):
    def draft_then_fail() -> None:
        with transaction.atomic():
            scoring.draft_month(MONTH, today=TODAY)
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pytest.raises(RuntimeError, draft_then_fail)
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY, notify=False)
    assert mail.outbox == []
    Scorecard.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)  # refresh: no new card
    assert len(mail.outbox) == 2


def test_publication_tells_each_company_and_a_black_listing_its_appeal_deadline(
    month, addresses, community, staff, compound_b, django_capture_on_commit_callbacks
):
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    (to_a,) = _to("a@example.org")
    (to_b,) = _to("b@example.org")
    entry_b = publication.entries.get(compound=compound_b)
    assert entry_b.band == "black"
    assert scoring.appeal_closes_on(entry_b).isoformat() in to_b.body
    assert "/scorecards/scoring/appeals/" in to_b.body
    assert "/scorecards/scoring/appeals/" not in to_a.body  # red: nothing to appeal
    assert f"/scorecards/public/{community.slug}/2026-09/" in to_b.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scoring.publish_correction(
            publication=publication,
            changes={entry_b.pk: scoring.EntryChange(score=Decimal(72), band="none")},
            note="Two findings were recorded twice.",
            user=staff,
        )
    (to_b,) = _to("b@example.org")
    assert "Two findings were recorded twice." in to_b.body
    assert "72" in to_b.body


def test_only_active_users_with_an_address_of_the_company(company_a, company_user_a):
    company_user_a.email = "a@example.org"
    company_user_a.save()
    gone = factories.membership_user("company", company=company_a)
    gone.email, gone.is_active = "gone@example.org", False
    gone.save()
    factories.membership_user("company", company=company_a)  # no address
    assert notices.company_recipients([company_a.pk]) == {
        company_a.pk: {"zh-hans": ["a@example.org"]}
    }


def test_a_mail_server_down_leaves_the_drafts_drafted(
    month, addresses, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notices, "_send", down)
    with django_capture_on_commit_callbacks(execute=True):
        result = scoring.draft_month(MONTH, today=TODAY)
    assert result.created == 2
    assert Scorecard.objects.count() == 2


@pytest.mark.parametrize(("outcome", "says_correction"), [("rejected", False), ("upheld", True)])
def test_the_company_is_told_the_outcome_of_its_appeal(
    month,
    addresses,
    community,
    staff,
    compound_b,
    outcome,
    says_correction,
    django_capture_on_commit_callbacks,
):
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    publication = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    entry = publication.entries.get(compound=compound_b)
    appeal = scoring.appeal_file(
        entry=entry, grounds="The parking finding was a visitor's car.", user=addresses[1]
    )
    with django_capture_on_commit_callbacks(execute=True):
        scoring.appeal_decide(appeal=appeal, status=outcome, decision="复核属实。", user=staff)
    (to_b,) = _to("b@example.org")
    assert _to("a@example.org") == []
    assert compound_b.name in to_b.subject
    assert "复核属实。" in to_b.body
    with translation.override("zh-hans"):
        correction_line = str(
            _(
                "The community will publish a correction of the list; you will be told when it is out."
            )
        )
    assert (correction_line in to_b.body) is says_correction


def test_the_company_gets_the_record_of_the_talks(
    addresses, compound_a, staff, django_capture_on_commit_callbacks
):
    values = {
        "compound": compound_a,
        "held_on": dt.date(2024, 11, 15),
        "staff_present": "王晓梅",
        "company_present": "项目经理",
        "issues": "楼道堆物反复出现",
        "undertakings": "一周内清理",
        "closer_until": dt.date(2024, 12, 31),
        "user": staff,
        "today": dt.date(2024, 11, 20),
    }
    with django_capture_on_commit_callbacks(execute=True):
        summons.summons_record(**values, notify=False)
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        summons.summons_record(**values)
    (sent,) = _to("a@example.org")
    assert "甲小区" in sent.subject
    assert "一周内清理" in sent.body
    assert "2024-12-31" in sent.body
    assert not _to("b@example.org")


def test_the_company_is_told_its_grade(
    addresses,
    community,
    compound_a,
    compound_b,
    company_a,
    staff,
    django_capture_on_commit_callbacks,
):
    agreement = Agreement.objects.create(compound=compound_a, company=company_a, year=2024)
    for m in range(1, 13):
        publish(community, dt.date(2024, m, 1), [row(compound_a, 92, "red", rank=1)])
    with django_capture_on_commit_callbacks(execute=True):
        assessments.assessment_publish(
            agreement=agreement,
            grade="excellent",
            conclusion="全年履约良好。",
            user=staff,
            today=dt.date(2025, 1, 10),
        )
    (sent,) = _to("a@example.org")
    assert "2024" in sent.subject
    assert "全年履约良好。" in sent.body
    assert f"/scorecards/public/{community.slug}/assessments/2024/" in sent.body
    assert not _to("b@example.org")
