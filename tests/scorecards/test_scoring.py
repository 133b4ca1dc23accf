"""Drafting the month's scorecards (scorecards.scoring.draft_month) and editing drafts.

Helpers here (``finding``, ``inspect``) are reused by the publication and appeal tests.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from scorecards import rules, scoring
from scorecards.models import (
    Finding,
    Inspection,
    MonthlyReport,
    Rectification,
    Scorecard,
    ScoreDeduction,
    ScoreLine,
    VetoEvent,
)
from scorecards.setup import rubric_for
from tests import factories

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 10, 1)  # the task's day: the 1st of the month after
AFTER_GRACE = dt.date(2026, 10, 9)  # report due 5 Oct, grace 3 days: missing after 8 Oct


def inspect(compound, on=dt.date(2026, 9, 10), *, withdrawn=False):
    user = factories.UserFactory()
    return Inspection.objects.create(
        compound=compound, inspected_on=on, inspector=user, is_withdrawn=withdrawn
    )


def finding(compound, code="cleanliness", points="2", on=dt.date(2026, 9, 10), **extra):
    rubric = rubric_for(compound.community, on.year)
    criterion = rubric.criteria.get(code=code)
    veto = extra.pop("veto", None)
    return Finding.objects.create(
        compound=compound,
        found_on=on,
        criterion=criterion,
        points=Decimal(points),
        veto_item=rubric.veto_items.get(code=veto) if veto else None,
        description=extra.pop("description", "stairwell clutter"),
        **extra,
    )


def submitted_report(compound, company, at=dt.datetime(2026, 10, 3, 9, tzinfo=dt.UTC)):
    return MonthlyReport.objects.create(
        compound=compound, company=company, month=MONTH, status="submitted", first_submitted_at=at
    )


def card_of(compound, month=MONTH) -> Scorecard:
    return Scorecard.objects.get(compound=compound, month=month)


# --- drafting ------------------------------------------------------------------------------------


def test_a_card_per_served_managed_compound_with_lines_deductions_and_band(
    compound_a, compound_b, company_a
):
    # given two inspections and three findings in September for A, one withdrawn, one in October
    inspect(compound_a), inspect(compound_a, dt.date(2026, 9, 20))
    inspect(compound_a, withdrawn=True)
    f1 = finding(compound_a, "cleanliness", "2")
    f2 = finding(compound_a, "cleanliness", "3", on=dt.date(2026, 9, 30))
    finding(compound_a, "parking", "2", is_withdrawn=True)
    finding(compound_a, "parking", "2", on=dt.date(2026, 10, 1))
    courtyard = factories.CompoundFactory(community=compound_a.community, kind="courtyard")
    unserved = factories.CompoundFactory(community=compound_a.community)

    # when
    result = scoring.draft_month(MONTH, today=TODAY)

    # then one card per served managed compound, none for the courtyard or the unserved one
    assert (result.created, result.refreshed, result.published) == (2, 0, 0)
    assert not Scorecard.objects.filter(compound__in=[courtyard, unserved]).exists()
    card = card_of(compound_a)
    assert card.company == company_a
    assert card.total == Decimal(95)
    assert (card.inspections, card.findings) == (2, 2)
    assert card.band == "red"
    assert card.reasons == ["at_or_above_red"]
    assert card.reply_due_on == timezone.localdate() + dt.timedelta(days=3)
    assert card.report_status == "not_due"
    line = card.lines.get(criterion__code="cleanliness")
    assert (line.max_points, line.deducted, line.points) == (15, 5, 10)
    assert card.lines.count() == 8
    assert set(card.deductions.values_list("finding_id", flat=True)) == {f1.pk, f2.pk}
    assert card.rubric.is_frozen
    # B: no inspections -> not ranked
    b = card_of(compound_b)
    assert (b.total, b.band, b.reasons) == (100, "unranked", ["too_few_inspections"])


def test_a_rerun_creates_nothing_twice_and_keeps_adjustments_and_lifted_vetoes(compound_a, staff):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "2")
    finding(compound_a, "fire_safety", "3", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    card = card_of(compound_a)
    assert card.has_veto
    assert card.band == "black"
    criterion = card.rubric.criteria.get(code="parking")
    card = scoring.scorecard_adjust(
        scorecard=card,
        criterion=criterion,
        points=Decimal(4),
        reason="cars on the fire lane",
        user=staff,
        seen_version=card.version,
    )
    card = scoring.veto_lift(
        veto=card.vetoes.get(),
        reason="the accident was a traffic one",
        user=staff,
        seen_version=card.version,
    )
    assert card.total == Decimal(91)
    assert card.band == "red"
    counts = (
        Scorecard.objects.count(),
        ScoreLine.objects.count(),
        ScoreDeduction.objects.count(),
        VetoEvent.objects.count(),
    )

    # when drafted again (a new finding meanwhile)
    finding(compound_a, "greening", "1")
    result = scoring.draft_month(MONTH, today=TODAY)
    scoring.draft_month(MONTH, today=TODAY)

    # then the card is refreshed, the adjustment and the lift are kept, nothing doubled
    assert (result.created, result.refreshed) == (0, 1)
    card = card_of(compound_a)
    assert card.total == Decimal(90)
    assert card.band == "red"
    assert not card.has_veto
    assert card.deductions.filter(source="adjustment").count() == 1
    assert card.vetoes.get().is_lifted
    assert (
        Scorecard.objects.count(),
        ScoreLine.objects.count(),
        ScoreDeduction.objects.count(),
        VetoEvent.objects.count(),
    ) == (counts[0], counts[1], counts[2] + 1, counts[3])


def _lines_follow_the_rules(card: Scorecard) -> None:
    """The stored lines and total are what ``rules.score`` makes of the card's stored deductions
    (summed per criterion, a negative sum counting as 0)."""
    card.refresh_from_db()
    criteria = list(card.rubric.criteria.order_by("position", "pk"))
    sums: dict[str, Decimal] = {}
    for deduction in card.deductions.select_related("criterion"):
        code = deduction.criterion.code
        sums[code] = sums.get(code, Decimal(0)) + deduction.points
    expected = rules.score(
        {c.code: c.max_points for c in criteria},
        [rules.Deduction(code, max(p, Decimal(0)), "stored") for code, p in sums.items()],
    )
    stored = {
        line.criterion.code: (line.max_points, line.deducted, line.points)
        for line in card.lines.select_related("criterion")
    }
    assert stored == {
        line.code: (line.max_points, line.deducted, line.points) for line in expected.lines
    }
    assert card.total == expected.total


@pytest.mark.parametrize(
    ("findings", "adjustments", "line", "total"),
    [
        ([], [], (0, 15), 100),
        ([("0")], [], (0, 15), 100),  # a finding noted without a deduction
        (["0.01"], [], ("0.01", "14.99"), "99.99"),
        (["14.99"], [], ("14.99", "0.01"), "85.01"),
        (["10", "5"], [], (15, 0), 85),  # exactly the maximum
        (["10", "5.5"], [], (15, 0), 85),  # beyond the maximum: floored at 0, no spill-over
        (["20"], [], (15, 0), 85),
        (["14"], ["1"], (15, 0), 85),  # an adjustment on top, up to the maximum
        (["2"], ["-2"], (0, 15), 100),  # given back in full
        (["2.5"], ["-1"], ("1.5", "13.5"), "98.5"),
        (["16"], ["-3"], (13, 2), 87),  # give back from above the maximum
    ],
)
def test_drafted_lines_are_what_rules_score_makes_of_the_deductions(
    compound_a, staff, findings, adjustments, line, total
):
    for points in findings:
        finding(compound_a, "cleanliness", points)
    scoring.draft_month(MONTH, today=TODAY)
    card = card_of(compound_a)
    _lines_follow_the_rules(card)
    for points in adjustments:
        card = _adjust(card, staff, points=points)
    # a refresh (a finding elsewhere meanwhile) keeps the adjustments in the lines
    finding(compound_a, "greening", "1")
    scoring.draft_month(MONTH, today=TODAY)
    card = card_of(compound_a)
    _lines_follow_the_rules(card)
    cleanliness = card.lines.get(criterion__code="cleanliness")
    assert (cleanliness.deducted, cleanliness.points) == tuple(Decimal(v) for v in line)
    assert card.total == Decimal(total) - 1


def test_a_negative_sum_after_a_withdrawn_finding_counts_as_nothing(compound_a, staff):
    f = finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    _adjust(card_of(compound_a), staff, points="-2")
    Finding.objects.filter(pk=f.pk).update(is_withdrawn=True)

    scoring.draft_month(MONTH, today=TODAY)

    card = card_of(compound_a)
    line = card.lines.get(criterion__code="cleanliness")
    assert (line.deducted, line.points) == (0, 15)
    assert card.total == 100
    assert not card.deductions.filter(source="finding").exists()
    _lines_follow_the_rules(card)


WRITES = re.compile(
    r'(INSERT INTO|DELETE FROM|UPDATE)\s+"?scorecards_(scorecard|scoreline|scorededuction|vetoevent)\b',
    re.IGNORECASE,
)


def _stored(compound):
    card = card_of(compound)
    return (
        (card.pk, card.version, card.updated_at, card.total, card.band),
        sorted(card.lines.values_list("pk", "criterion_id", "deducted", "points")),
        sorted(card.deductions.values_list("pk", "finding_id", "points", "at")),
        sorted(card.vetoes.values_list("pk", "veto_item_id", "finding_id", "is_lifted")),
    )


def test_a_refresh_with_nothing_new_writes_nothing(compound_a, compound_b, staff):
    inspect(compound_a), inspect(compound_a), inspect(compound_b)
    finding(compound_a, "cleanliness", "2"), finding(compound_a, "parking", "1.5")
    finding(compound_b, "fire_safety", "3", veto="major_safety_accident")
    finding(compound_b, "greening", "2", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    _adjust(card_of(compound_a), staff, points="1")
    before = _stored(compound_a), _stored(compound_b)

    with CaptureQueriesContext(connection) as ctx:
        result = scoring.draft_month(MONTH, today=TODAY)

    assert (result.created, result.refreshed) == (0, 2)
    assert (_stored(compound_a), _stored(compound_b)) == before
    writes = [q["sql"] for q in ctx.captured_queries if WRITES.search(q["sql"])]
    assert writes == []


def test_a_refresh_rewrites_only_what_changed(compound_a, compound_b, staff):
    inspect(compound_a), inspect(compound_a), inspect(compound_b), inspect(compound_b)
    kept = finding(compound_a, "cleanliness", "2")
    changed = finding(compound_a, "parking", "1")
    withdrawn = finding(compound_a, "greening", "3")
    veto = finding(compound_a, "fire_safety", "1", veto="major_safety_accident")
    finding(compound_b, "cleanliness", "4")
    scoring.draft_month(MONTH, today=TODAY)
    a = card_of(compound_a)
    assert (a.has_veto, a.band) == (True, "black")
    stored_a, stored_b = _stored(compound_a), _stored(compound_b)
    kept_row = a.deductions.get(finding=kept)

    # when a finding's points change, one is withdrawn (a veto one too), one is new
    Finding.objects.filter(pk=changed.pk).update(points=Decimal("2.5"))
    Finding.objects.filter(pk__in=[withdrawn.pk, veto.pk]).update(is_withdrawn=True)
    new = finding(compound_a, "order_access", "1")
    result = scoring.draft_month(MONTH, today=TODAY)

    # then A is rewritten where it changed and gets a new version; B is untouched
    assert (result.created, result.refreshed) == (0, 2)
    assert _stored(compound_b) == stored_b
    a = card_of(compound_a)
    assert a.version == stored_a[0][1] + 1
    assert (a.has_veto, a.findings, a.total) == (False, 3, Decimal("94.5"))
    assert a.band == "red"
    assert not a.vetoes.exists()
    assert dict(a.deductions.values_list("finding_id", "points")) == {
        kept.pk: Decimal(2),
        changed.pk: Decimal("2.5"),
        new.pk: Decimal(1),
    }
    assert a.deductions.get(finding=kept) == kept_row  # same row, not rewritten
    assert a.deductions.get(finding=kept).at == kept_row.at
    # only the lines of the criteria that changed were rewritten, the others kept their rows
    codes = dict(a.rubric.criteria.values_list("pk", "code"))
    still = set(a.lines.values_list("pk", "criterion_id", "deducted", "points"))
    assert {codes[row[1]] for row in set(stored_a[1]) - still} == {
        "parking",
        "greening",
        "fire_safety",
        "order_access",
    }
    assert a.lines.count() == 8
    _lines_follow_the_rules(a)


def test_new_cards_and_refreshed_ones_in_one_run(compound_a, community):
    finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    late = factories.CompoundFactory(community=community)
    factories.ServiceContractFactory(compound=late)
    finding(late, "parking", "3")
    finding(compound_a, "parking", "1")

    result = scoring.draft_month(MONTH, today=TODAY)

    assert (result.created, result.refreshed) == (1, 1)
    assert dict(card_of(late).deductions.values_list("criterion__code", "points")) == {
        "parking": Decimal(3)
    }
    assert sorted(card_of(compound_a).deductions.values_list("points", flat=True)) == [1, 2]
    for compound in (compound_a, late):
        _lines_follow_the_rules(card_of(compound))
        assert card_of(compound).lines.count() == 8


def test_published_cards_are_never_touched(compound_a, staff):
    inspect(compound_a), inspect(compound_a)
    scoring.draft_month(MONTH, today=TODAY)
    scoring.publish_month(community=compound_a.community, month=MONTH, user=staff)
    before = card_of(compound_a)
    finding(compound_a, "cleanliness", "5")
    result = scoring.draft_month(MONTH, today=TODAY)
    after = card_of(compound_a)
    assert (result.created, result.refreshed, result.published) == (0, 0, 1)
    assert (after.total, after.version, after.status) == (before.total, before.version, "published")
    assert not after.deductions.exists()


def test_a_compound_added_after_the_list_is_out_gets_no_draft(
    compound_a, community, company_b, staff
):
    inspect(compound_a), inspect(compound_a)
    scoring.draft_month(MONTH, today=TODAY)
    scoring.publish_month(community=community, month=MONTH, user=staff)
    late = factories.CompoundFactory(community=community, name="新小区", code="new")
    factories.ServiceContractFactory(compound=late, company=company_b, starts_on=MONTH)
    result = scoring.draft_month(MONTH, [community], today=TODAY)
    assert (result.created, result.refreshed) == (0, 0)
    assert not Scorecard.objects.filter(compound=late).exists()


@pytest.mark.parametrize(
    ("submitted_at", "today", "status", "veto"),
    [
        (None, TODAY, "not_due", False),
        (None, dt.date(2026, 10, 8), "late", False),
        (None, AFTER_GRACE, "missing", True),
        (dt.datetime(2026, 10, 5, 8, tzinfo=dt.UTC), AFTER_GRACE, "on_time", False),
        (dt.datetime(2026, 10, 8, 8, tzinfo=dt.UTC), AFTER_GRACE, "late", False),
        (dt.datetime(2026, 10, 9, 8, tzinfo=dt.UTC), AFTER_GRACE, "missing", True),
    ],
)
def test_report_compliance_and_the_missing_report_veto(
    compound_a, company_a, submitted_at, today, status, veto
):
    inspect(compound_a), inspect(compound_a)
    if submitted_at:
        submitted_report(compound_a, company_a, submitted_at)
    scoring.draft_month(MONTH, today=today)
    card = card_of(compound_a)
    assert card.report_status == status
    assert card.has_veto is veto
    assert card.vetoes.filter(veto_item__code="missing_monthly_report").exists() is veto
    assert (card.band == "black") is veto


@pytest.mark.parametrize(
    ("deadline", "closed_on", "overdue"),
    [
        (dt.date(2026, 9, 30), None, True),  # deadline on the last day, still open
        (dt.date(2026, 10, 1), None, False),  # deadline after the month
        (dt.date(2026, 9, 20), dt.date(2026, 9, 30), False),  # closed within the month
        (dt.date(2026, 9, 20), dt.date(2026, 10, 2), True),  # closed only after the month
    ],
)
def test_overdue_rectification_at_the_end_of_the_month(
    compound_a, company_a, deadline, closed_on, overdue
):
    inspect(compound_a), inspect(compound_a)
    Rectification.objects.create(
        compound=compound_a,
        company=company_a,
        description="fix the gate",
        created_on=dt.date(2026, 9, 1),
        deadline_on=deadline,
        status="closed" if closed_on else "open",
        closed_on=closed_on,
    )
    scoring.draft_month(MONTH, today=TODAY)
    card = card_of(compound_a)
    assert card.has_overdue_rectification is overdue
    # 100 points: red unless the overdue item keeps it off
    assert card.band == ("none" if overdue else "red")


def test_the_company_serving_at_the_end_of_the_month_is_scored(compound_a, company_b):
    contract = compound_a.contracts.get()
    contract.ends_on = dt.date(2026, 9, 14)
    contract.save()
    factories.ServiceContractFactory(
        compound=compound_a, company=company_b, starts_on=dt.date(2026, 9, 15)
    )
    scoring.draft_month(MONTH, today=TODAY)
    assert card_of(compound_a).company == company_b


def test_a_month_not_over_is_refused(compound_a):
    with pytest.raises(ValidationError) as exc:
        scoring.draft_month(dt.date(2026, 10, 1), today=dt.date(2026, 10, 31))
    assert exc.value.messages == [str(scoring.FUTURE_MONTH)]
    assert not Scorecard.objects.exists()


def test_a_run_that_fails_half_way_leaves_nothing(compound_a, monkeypatch):
    # given a month with a finding, and a fault in the run's last step (after cards and lines)
    inspect(compound_a), inspect(compound_a, dt.date(2026, 9, 20))
    finding(compound_a, "cleanliness", "2")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scoring, "_update_cards", fail)
    # when drafting runs, then the cards and lines written before the fault are rolled back
    with pytest.raises(RuntimeError):
        scoring.draft_month(MONTH, today=TODAY)
    assert not Scorecard.objects.exists()
    assert not ScoreLine.objects.exists()


def test_only_the_communities_asked_for(compound_a, other_community):
    other = factories.CompoundFactory(community=other_community)
    factories.ServiceContractFactory(compound=other)
    scoring.draft_month(MONTH, [other_community], today=TODAY)
    assert list(Scorecard.objects.values_list("compound_id", flat=True)) == [other.pk]


def _city(community, n):
    compounds = []
    for _ in range(n):
        compound = factories.CompoundFactory(community=community)
        factories.ServiceContractFactory(compound=compound)
        inspect(compound)
        finding(compound, "cleanliness", "1")
        finding(compound, "parking", "2", veto="major_safety_accident")
        compounds.append(compound)
    return compounds


def test_drafting_runs_the_same_number_of_queries_at_two_sizes(community, other_community):
    rubric_for(community, 2026), rubric_for(other_community, 2026)
    _city(community, 2)
    _city(other_community, 8)

    def queries(communities):
        with CaptureQueriesContext(connection) as ctx:
            scoring.draft_month(MONTH, communities, today=TODAY)
        return len(ctx.captured_queries)

    small = queries([community])
    large = queries([other_community])
    assert small == large
    # a refresh too
    assert queries([community]) == queries([other_community])


# --- adjusting -----------------------------------------------------------------------------------


@pytest.fixture
def draft(compound_a):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "cleanliness", "2")
    scoring.draft_month(MONTH, today=TODAY)
    return card_of(compound_a)


def _adjust(card, user, points="1", reason="stairs blocked again", code="cleanliness", seen=None):
    return scoring.scorecard_adjust(
        scorecard=card,
        criterion=card.rubric.criteria.get(code=code),
        points=Decimal(points),
        reason=reason,
        user=user,
        seen_version=card.version if seen is None else seen,
    )


def test_adjust_recomputes_lines_total_band_and_keeps_the_reason(draft, staff):
    seen = draft.version
    card = _adjust(draft, staff, "15", code="building_upkeep")
    assert card.total == Decimal(83)  # 100 - 2 - 15 (the criterion's whole maximum)
    assert card.band == "none"
    line = card.lines.get(criterion__code="building_upkeep")
    assert (line.deducted, line.points) == (15, 0)
    adjustment = card.deductions.get(source="adjustment")
    assert (adjustment.reason, adjustment.by) == ("stairs blocked again", staff)
    assert card.version == seen + 1
    assert card.updated_by == staff
    # giving points back
    card = _adjust(card, staff, "-2", reason="the clutter was a delivery")
    assert card.lines.get(criterion__code="cleanliness").deducted == 0


@pytest.mark.parametrize(
    ("points", "reason", "message"),
    [
        ("1", "  ", scoring.REASON_REQUIRED),
        ("0", "why", scoring.ZERO_POINTS),
        ("-3", "why", "Cannot give back 3.00 points: only 2.00 are deducted here."),
    ],
)
def test_adjust_refusals_save_nothing(draft, staff, points, reason, message):
    seen = draft.version
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            _adjust(draft, staff, points, reason)
        assert exc.value.messages == [str(message)]
    draft.refresh_from_db()
    assert draft.version == seen
    assert not ScoreDeduction.objects.filter(source="adjustment").exists()
    assert draft.total == Decimal(98)


def test_adjust_refuses_a_criterion_of_another_rubric(draft, staff, other_community):
    foreign = rubric_for(other_community, 2026).criteria.first()
    with pytest.raises(ValidationError) as exc:
        scoring.scorecard_adjust(
            scorecard=draft,
            criterion=foreign,
            points=Decimal(1),
            reason="x",
            user=staff,
            seen_version=draft.version,
        )
    assert exc.value.message_dict["criterion"] == [str(scoring.FOREIGN_CRITERION)]


def test_second_staff_from_the_same_version_gets_a_conflict_and_nothing_is_lost(draft, staff):
    other_staff = factories.membership_user("staff", community=draft.compound.community)
    seen = draft.version
    _adjust(draft, staff, "3", reason="first", seen=seen)
    with pytest.raises(scoring.Conflict) as exc:
        _adjust(draft, other_staff, "5", reason="second", seen=seen)
    assert exc.value.messages == [str(scoring.CONFLICT)]
    card = card_of(draft.compound)
    assert card.total == Decimal(95)
    assert list(card.deductions.filter(source="adjustment").values_list("reason", flat=True)) == [
        "first"
    ]
    assert card.version == seen + 1


def test_a_published_card_cannot_be_adjusted(draft, staff):
    scoring.publish_month(community=draft.compound.community, month=MONTH, user=staff)
    card = card_of(draft.compound)
    with pytest.raises(ValidationError) as exc:
        _adjust(card, staff)
    assert exc.value.messages == [str(scoring.PUBLISHED_CARD)]
    assert not ScoreDeduction.objects.filter(source="adjustment").exists()


def test_veto_lift_needs_a_reason_and_only_once(compound_a, staff):
    inspect(compound_a), inspect(compound_a)
    finding(compound_a, "fire_safety", "3", veto="major_safety_accident")
    scoring.draft_month(MONTH, today=TODAY)
    card = card_of(compound_a)
    veto = card.vetoes.get()
    assert veto.finding is not None
    assert card.band == "black"
    with pytest.raises(ValidationError) as exc:
        scoring.veto_lift(veto=veto, reason="", user=staff, seen_version=card.version)
    assert exc.value.message_dict["reason"] == [str(scoring.REASON_REQUIRED)]
    card = scoring.veto_lift(
        veto=veto, reason="not a safety accident", user=staff, seen_version=card.version
    )
    assert (card.band, card.has_veto) == ("red", False)
    veto.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        scoring.veto_lift(veto=veto, reason="again", user=staff, seen_version=card.version)
    assert exc.value.messages == [str(scoring.VETO_LIFTED)]


# --- replies -------------------------------------------------------------------------------------


def test_company_replies_within_the_window_and_staff_answer(draft, company_user_a, staff):
    due = draft.reply_due_on
    reply = scoring.reply_create(
        scorecard=draft, text="we fixed it", user=company_user_a, today=due
    )
    assert reply.by == company_user_a
    with pytest.raises(ValidationError) as exc:
        scoring.reply_create(
            scorecard=draft, text="late", user=company_user_a, today=due + dt.timedelta(days=1)
        )
    assert exc.value.code == "closed"
    reply = scoring.reply_answer(reply=reply, answer="noted, see the adjustment", user=staff)
    assert reply.answered_by == staff
    assert reply.answered_at
    with pytest.raises(ValidationError) as exc:
        scoring.reply_answer(reply=reply, answer="again", user=staff)
    assert exc.value.messages == [str(scoring.ALREADY_ANSWERED)]
    assert draft.replies.count() == 1


def test_another_company_cannot_reply(draft, company_user_b):
    with pytest.raises(ValidationError) as exc:
        scoring.reply_create(scorecard=draft, text="not ours", user=company_user_b)
    assert exc.value.messages == [str(scoring.NOT_YOUR_COMPANY)]
    assert not draft.replies.exists()


def test_empty_reply_is_refused(draft, company_user_a):
    with pytest.raises(ValidationError) as exc:
        scoring.reply_create(
            scorecard=draft, text="   ", user=company_user_a, today=draft.reply_due_on
        )
    assert exc.value.message_dict["text"] == [str(scoring.REPLY_EMPTY)]


# --- selectors -----------------------------------------------------------------------------------


def test_scorecard_list_by_role(
    draft,
    compound_b,
    staff,
    grid_worker,
    company_user_a,
    company_user_b,
    committee_member_a,
    resident,
):
    from django.contrib.auth.models import AnonymousUser

    ids = {draft.pk}
    assert set(scoring.scorecard_list(user=staff).values_list("pk", flat=True)) >= ids
    assert set(scoring.scorecard_list(user=company_user_a).values_list("pk", flat=True)) == ids
    for user in (grid_worker, company_user_b, committee_member_a, resident, AnonymousUser()):
        assert draft.pk not in scoring.scorecard_list(user=user).values_list("pk", flat=True)
