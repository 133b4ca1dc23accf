"""Publishing the red/black list, corrections as new linked editions, and the public selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from scorecards import public, scoring
from scorecards.models import Publication, PublicationEntry, Scorecard
from scorecards.setup import rubric_for
from scorecards.signals import list_published
from tests import factories
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_three(community, compound_a, compound_b):
    """A: 100 (red); B: 65 (black, below the line); C: one inspection (not ranked)."""
    compound_c = factories.CompoundFactory(community=community, name="丙小区")
    factories.ServiceContractFactory(compound=compound_c)
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    inspect(compound_c)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15", description="名字 138-0000-0000 personal note")
    finding(compound_b, "parking", "5")
    scoring.draft_month(MONTH, today=TODAY)
    return compound_a, compound_b, compound_c


def test_publish_snapshots_ranks_counts_and_marks_cards(
    month_of_three, community, staff, django_capture_on_commit_callbacks
):
    a, b, c = month_of_three
    sent = []
    list_published.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t-publish")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    finally:
        list_published.disconnect(dispatch_uid="t-publish")
    assert (publication.sequence, publication.correction_of) == (1, None)
    assert (publication.red_count, publication.black_count, publication.unranked_count) == (1, 1, 1)
    entries = {e.compound_id: e for e in publication.entries.all()}
    assert (entries[a.pk].rank, entries[a.pk].band, entries[a.pk].score) == (1, "red", 100)
    assert (entries[b.pk].rank, entries[b.pk].band, entries[b.pk].score) == (2, "black", 65)
    assert (entries[c.pk].rank, entries[c.pk].band) == (None, "unranked")
    assert entries[b.pk].compound_name == b.name
    assert entries[b.pk].company_name == b.contracts.get().company.name
    reasons = entries[b.pk].reasons
    assert reasons["reasons"] == ["below_black"]
    assert {(c["code"], c["count"], c["points"]) for c in reasons["criteria"]} == {
        ("cleanliness", 1, "15.00"),
        ("building_upkeep", 1, "15.00"),
        ("parking", 1, "5.00"),
    }
    assert "138" not in str(reasons)  # no finding text (personal data) in the public reasons
    assert set(Scorecard.objects.values_list("status", flat=True)) == {"published"}
    assert sent == [
        {
            "signal": list_published,
            "sender": Publication,
            "community_id": community.pk,
            "month": MONTH,
        }
    ]


def test_public_reasons_say_what_staff_adjusted_without_their_reason(
    month_of_three, community, staff, client
):
    # given: B's findings, plus staff deducting 3 under fire safety (no finding there) and giving
    # 2 back under parking (one 5-point finding), each with a reason naming a person
    _a, b, _c = month_of_three
    card = Scorecard.objects.get(compound=b)
    for code, points in (("fire_safety", "3"), ("parking", "-2")):
        card = scoring.scorecard_adjust(
            scorecard=card,
            criterion=card.rubric.criteria.get(code=code),
            points=Decimal(points),
            reason="业主张三 13900000000 投诉",
            user=staff,
            seen_version=card.version,
        )
    # when
    publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    # then: counts are of findings only; the adjustment is its net points, nothing else
    entry = publication.entries.get(compound=b)
    assert (entry.score, entry.band) == (64, "black")
    criteria = {c["code"]: c for c in entry.reasons["criteria"]}
    assert {code: (c["count"], c["points"], c.get("adjusted")) for code, c in criteria.items()} == {
        "cleanliness": (1, "15.00", None),
        "building_upkeep": (1, "15.00", None),
        "fire_safety": (0, "3.00", "3.00"),
        "parking": (1, "3.00", "-2.00"),
    }
    assert "张三" not in str(entry.reasons)
    assert "139" not in str(entry.reasons)
    html = client.get(f"/en/scorecards/public/{community.slug}/").content.decode()
    assert "Fire safety and fire lanes: adjusted by staff (−3.00)" in html
    assert "Parking order: 1 finding, adjusted by staff +2.00 (−3.00)" in html
    assert "Cleanliness: 1 finding (−15.00)" in html
    assert "0 findings" not in html
    assert "张三" not in html
    assert staff.username not in html


def test_publish_refusals(month_of_three, community, other_community, staff):
    with pytest.raises(ValidationError) as exc:
        scoring.publish_month(community=other_community, month=MONTH, user=staff)
    assert exc.value.code == "empty"
    scoring.publish_month(community=community, month=MONTH, user=staff)
    with pytest.raises(ValidationError) as exc:
        scoring.publish_month(community=community, month=MONTH, user=staff)
    assert exc.value.code == "published"
    assert Publication.objects.count() == 1


def test_a_correction_is_a_new_linked_edition_and_the_old_one_stays(
    month_of_three, community, staff
):
    a, b, _c = month_of_three
    first = scoring.publish_month(community=community, month=MONTH, user=staff)
    old_b = first.entries.get(compound=b)
    correction = scoring.publish_correction(
        publication=first,
        changes={old_b.pk: scoring.EntryChange(score=Decimal(72), band="none")},
        note="Two findings were recorded twice.",
        user=staff,
    )
    assert (correction.sequence, correction.correction_of) == (2, first)
    assert (correction.red_count, correction.black_count, correction.none_count) == (1, 0, 1)
    new_b = correction.entries.get(compound=b)
    assert (new_b.score, new_b.band, new_b.rank) == (72, "none", 2)
    assert new_b.reasons["corrected"] == {"score": "65.00", "band": "black"}
    assert "corrected" not in correction.entries.get(compound=a).reasons
    # the first edition is untouched
    old_b.refresh_from_db()
    assert (old_b.score, old_b.band) == (65, "black")
    assert first.entries.count() == correction.entries.count() == 3
    # the public sees the latest edition only
    assert list(scoring.public_publication_list(community=community)) == [correction]


@pytest.mark.parametrize(
    ("change", "note", "code_or_field"),
    [
        (scoring.EntryChange(band="black"), "no change", "unchanged"),
        (scoring.EntryChange(band="purple"), "bad band", "band"),
        (scoring.EntryChange(score=Decimal(101)), "bad score", "score"),
        (scoring.EntryChange(band="none"), "  ", "note"),
    ],
)
def test_correction_refusals_publish_nothing(
    month_of_three, community, staff, change, note, code_or_field
):
    _a, b, _c = month_of_three
    first = scoring.publish_month(community=community, month=MONTH, user=staff)
    with pytest.raises(ValidationError) as exc:
        scoring.publish_correction(
            publication=first,
            changes={first.entries.get(compound=b).pk: change},
            note=note,
            user=staff,
        )
    if hasattr(exc.value, "error_dict"):
        assert code_or_field in exc.value.error_dict
    else:
        assert exc.value.code == code_or_field
    assert Publication.objects.count() == 1


def test_only_the_latest_edition_is_corrected(month_of_three, community, staff):
    _a, b, _c = month_of_three
    first = scoring.publish_month(community=community, month=MONTH, user=staff)
    entry = first.entries.get(compound=b)
    scoring.publish_correction(
        publication=first,
        changes={entry.pk: scoring.EntryChange(score=Decimal(72), band="none")},
        note="x",
        user=staff,
    )
    with pytest.raises(ValidationError) as exc:
        scoring.publish_correction(
            publication=first,
            changes={entry.pk: scoring.EntryChange(band="red")},
            note="y",
            user=staff,
        )
    assert exc.value.code == "superseded"
    assert Publication.objects.count() == 2


def test_unpublished_scorecards_appear_in_no_public_selector(month_of_three, community, staff):
    # drafts only: nothing public
    assert not scoring.public_publication_list(community=community).exists()
    assert not PublicationEntry.objects.exists()
    publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    # a later month drafted, not published: still only September is public
    a, _b, _c = month_of_three
    inspect(a, dt.date(2026, 10, 5))
    scoring.draft_month(dt.date(2026, 10, 1), today=dt.date(2026, 11, 1))
    assert Scorecard.objects.filter(month=dt.date(2026, 10, 1), status="draft").count() == 3
    assert list(scoring.public_publication_list(community=community)) == [publication]
    entries = list(scoring.public_entry_list(publication=publication))
    assert [e.rank for e in entries] == [1, 2, None]
    assert {e.scorecard.month for e in entries} == {MONTH}


def test_a_tie_shares_the_rank_and_a_vetoed_compound_never_tops_a_red_one(
    community, compound_a, compound_b, compound_c, staff
):
    # given 乙 vetoed (black) at 95, 甲 red at 95, 丙 at 90: 乙's name sorts before 甲's
    rubric = rubric_for(community, MONTH.year)
    for compound, total, band, veto in (
        (compound_b, "95", "black", True),
        (compound_a, "95", "red", False),
        (compound_c, "90", "none", False),
    ):
        Scorecard.objects.create(
            compound=compound,
            company=compound.contracts.first().company,
            month=MONTH,
            rubric=rubric,
            total=Decimal(total),
            band=band,
            has_veto=veto,
            inspections=2,
        )

    # when
    publication = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)

    # then the tie shares #1, the next is #3, and the red line comes first on every reading
    expected = [(compound_a.pk, 1), (compound_b.pk, 1), (compound_c.pk, 3)]
    assert [(e.compound_id, e.rank) for e in public.entries_of(publication)] == expected
    staff_list = scoring.public_entry_list(publication=publication)
    assert [(e.compound_id, e.rank) for e in staff_list] == expected
