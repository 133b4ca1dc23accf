"""Corrections keep to the rules: a corrected entry's band is what ``rules.classify`` gives for
its corrected score and facts; refusals read with their values; the correction form labels its
band and score fields without repeating the compound name on screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from scorecards import scoring
from scorecards.models import Publication, Scorecard
from tests import factories
from tests.scorecards.conftest import SCORING_STAFF_PAGE
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition(community, compound_a, compound_b, staff):
    """甲: 99 with a veto (black); 乙: 65 (black); 丙: one inspection (not ranked)."""
    compound_c = factories.CompoundFactory(community=community, name="丙小区")
    factories.ServiceContractFactory(compound=compound_c)
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    inspect(compound_c)
    finding(compound_a, "fire_safety", "1", veto="major_safety_accident")
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15")
    finding(compound_b, "parking", "5")
    scoring.draft_month(MONTH, today=TODAY)
    return scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)


def _correct(edition, staff, name, change):
    entry = edition.entries.get(compound_name=name)
    return scoring.publish_correction(
        publication=edition, changes={entry.pk: change}, note="why", user=staff, notify=False
    )


E = scoring.EntryChange


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("乙小区", E(score=Decimal(72), band="none"), None),
        ("乙小区", E(score=Decimal("69.99")), None),  # still black: strictly below 70
        ("乙小区", E(score=Decimal(70)), "Not listed"),  # 70 is not black
        ("乙小区", E(score=Decimal(70), band="none"), None),
        ("乙小区", E(score=Decimal(80), band="black"), "Not listed"),
        ("乙小区", E(score=Decimal(90), band="red"), None),
        ("乙小区", E(score=Decimal("89.99"), band="red"), "Not listed"),
        ("乙小区", E(band="red"), "Black list"),  # 65 stays black whatever is picked
        ("甲小区", E(band="red", veto=False), None),  # the veto lifted: 99 is red
        ("甲小区", E(band="red"), "Black list"),  # the veto stands
        ("甲小区", E(band="none", veto=False), "Red list"),
        ("丙小区", E(score=Decimal(95), band="red"), "Not ranked"),  # one inspection
    ],
)
def test_a_corrected_band_is_what_the_rules_give(edition, staff, name, change, expected):
    if expected is None:
        correction = _correct(edition, staff, name, change)
        entry = correction.entries.get(compound_name=name)
        assert entry.band == (change.band or edition.entries.get(compound_name=name).band)
        return
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _correct(edition, staff, name, change)
    assert exc.value.code == "band_against_rules"
    with translation.override("en"):
        (message,) = exc.value.messages
    assert message.startswith(f"{name}: the rules give {expected} for a score of ")
    assert Publication.objects.count() == 1


def test_an_overdue_rectification_keeps_a_red_score_off_the_red_list(edition, staff):
    entry = edition.entries.get(compound_name="乙小区")
    Scorecard.objects.filter(pk=entry.scorecard_id).update(has_overdue_rectification=True)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _correct(edition, staff, "乙小区", E(score=Decimal(95), band="red"))
    with translation.override("en"):
        assert "the rules give Not listed for a score of 95.00" in exc.value.messages[0]
    correction = _correct(edition, staff, "乙小区", E(score=Decimal(95), band="none"))
    entry = correction.entries.get(compound_name="乙小区")
    assert entry.reasons["reasons"] == ["overdue_rectification"]


def test_a_wrong_recorded_fact_is_corrected_with_the_band_set_by_staff(client, edition, staff):
    """丙 is unranked only because an inspection was never entered: no score makes the rules
    rank it, so staff set the band and say so; the entry is marked as set by staff."""
    with pytest.raises(ValidationError):
        _correct(edition, staff, "丙小区", E(band="none"))
    client.force_login(staff)
    data = {"note": "6日检查漏录，补录后应参评", "band_override": "on"}
    for e in edition.entries.all():
        data[f"band_{e.pk}"], data[f"score_{e.pk}"] = e.band, str(e.score)
    c = edition.entries.get(compound_name="丙小区")
    data[f"band_{c.pk}"] = "none"
    assert client.post(_form_url(edition), data).status_code == 302
    corrected = Publication.objects.get(correction_of=edition).entries.get(compound_name="丙小区")
    assert corrected.band == "none"
    assert corrected.reasons["band_set_by_staff"] is True


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (E(score=Decimal(101)), "score", "A score is between 0 and 100."),
        (E(band="purple"), "band", "Unknown band purple."),
    ],
)
def test_correction_refusals_read_with_their_values(edition, staff, change, field, message):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _correct(edition, staff, "乙小区", change)
    with translation.override("en"):
        assert exc.value.message_dict == {field: [message]}


def _form_url(edition):
    with translation.override("en"):
        return reverse("scorecards:scoring_correct", args=[edition.pk])


def test_the_form_refuses_a_band_against_the_rules_and_names_the_rules_band(client, edition, staff):
    client.force_login(staff)
    data = {"note": "rescored"}
    for e in edition.entries.all():
        data[f"band_{e.pk}"], data[f"score_{e.pk}"] = e.band, str(e.score)
    b = edition.entries.get(compound_name="乙小区")
    data[f"score_{b.pk}"] = "80.00"
    response = client.post(_form_url(edition), data)
    assert response.status_code == 400
    assert "乙小区: the rules give Not listed for a score of 80.00" in response.content.decode()
    assert Publication.objects.count() == 1


def test_the_band_select_has_a_hidden_label_not_the_compound_name(client, edition, staff):
    client.force_login(staff)
    page = client.get(_form_url(edition)).content.decode()
    b = edition.entries.get(compound_name="乙小区")
    label = f'<label for="id_band_{b.pk}" class="visually-hidden">Band of 乙小区</label>'
    assert label in page
    assert f'<label for="id_band_{b.pk}" class="form-label' not in page
    # the compound column and the two hidden labels (band, score)
    assert page.count("乙小区") == 3


@pytest.mark.parametrize(("who", "status"), SCORING_STAFF_PAGE)
def test_the_correction_form_for_every_role(client, edition, request, who, status):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(_form_url(edition)).status_code == status
