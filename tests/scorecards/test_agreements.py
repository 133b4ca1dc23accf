"""Setup services: settings (bands in order), rubric versions (copy, edit, frozen refusal, rows
cited by findings kept), agreements with commitments and a content-checked scan."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from scorecards import agreements
from scorecards.models import (
    Agreement,
    Commitment,
    DeductionItem,
    Finding,
    Rubric,
    ScoringSettings,
)
from scorecards.setup import rubric_for, settings_for
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(_default_language):
    with translation.override("en"):
        yield


def rows_of(rubric: Rubric) -> tuple[list, list, list]:
    criteria = [
        {"code": c.code, "name": c.name, "name_zh": c.name_zh, "max_points": c.max_points}
        for c in rubric.criteria.all()
    ]
    deductions = [
        {
            "criterion": d.criterion.code,
            "code": d.code,
            "name": d.name,
            "name_zh": d.name_zh,
            "points": d.points,
        }
        for d in DeductionItem.objects.filter(criterion__rubric=rubric).select_related("criterion")
    ]
    vetoes = [
        {"code": v.code, "name": v.name, "name_zh": v.name_zh} for v in rubric.veto_items.all()
    ]
    return criteria, deductions, vetoes


# --- Settings ----------------------------------------------------------------------------------


def test_settings_update_changes_bands_and_calendar(community):
    row = agreements.settings_update(
        community=community, year=2026, data={"red_at": Decimal(85), "report_due_day": 10}
    )
    assert (row.red_at, row.report_due_day, row.black_below) == (85, 10, 70)
    assert ScoringSettings.objects.filter(community=community).count() == 1


@pytest.mark.parametrize(
    ("red", "black", "ok"),
    [
        (Decimal(90), Decimal(90), True),
        (Decimal(90), Decimal("90.01"), False),
        (Decimal(70), Decimal(69), True),
    ],
)
def test_settings_bands_must_be_ordered(community, red, black, ok):
    data = {"red_at": red, "black_below": black}
    if ok:
        assert agreements.settings_update(community=community, year=2026, data=data).red_at == red
    else:
        with pytest.raises(ValidationError) as exc:
            agreements.settings_update(community=community, year=2026, data=data)
        assert "black_below" in exc.value.error_dict
        assert not ScoringSettings.objects.filter(community=community, red_at=red).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"red_at": Decimal(100)}, None),
        ({"red_at": Decimal("100.01")}, "red_at"),
        ({"black_below": Decimal(0)}, None),
        ({"black_below": Decimal("-0.01")}, "black_below"),
        ({"red_at": Decimal(0), "black_below": Decimal(0)}, None),
        ({"red_at": Decimal("-0.01"), "black_below": Decimal(-1)}, "red_at"),
        ({"black_below": Decimal("100.01"), "red_at": Decimal("100.01")}, "black_below"),
        # Due on the 5th with 3 grace days: a missing report is known after the 8th.
        ({"report_due_day": 5, "report_grace_days": 3, "publish_by_day": 9}, None),
        ({"report_due_day": 5, "report_grace_days": 3, "publish_by_day": 8}, "publish_by_day"),
        ({"report_due_day": 5, "report_grace_days": 0, "publish_by_day": 5}, "publish_by_day"),
        ({"report_due_day": 20, "report_grace_days": 10, "publish_by_day": 28}, "publish_by_day"),
    ],
)
def test_settings_bounds(community, data, field):
    if field is None:
        row = agreements.settings_update(community=community, year=2026, data=data)
        assert all(getattr(row, k) == v for k, v in data.items())
        return
    with pytest.raises(ValidationError) as exc:
        agreements.settings_update(community=community, year=2026, data=data)
    assert field in exc.value.error_dict
    row = settings_for(community, 2026)
    assert (row.red_at, row.black_below, row.publish_by_day) == (90, 70, 15)


def test_publication_day_message_names_the_first_day_allowed(community):
    data = {"report_due_day": 5, "report_grace_days": 3, "publish_by_day": 8}
    with pytest.raises(ValidationError, match="day 9 or later"):
        agreements.settings_update(community=community, year=2026, data=data)


def test_settings_due_day_limited_to_28(community):
    with pytest.raises(ValidationError) as exc:
        agreements.settings_update(community=community, year=2026, data={"report_due_day": 29})
    assert "report_due_day" in exc.value.error_dict


# --- Rubrics -----------------------------------------------------------------------------------


def test_new_version_copies_the_latest(community, staff):
    v1 = rubric_for(community, 2026)
    v2 = agreements.rubric_new_version(rubric=v1, by=staff, note="调整停车")
    assert v2.version == 2
    assert not v2.is_frozen
    assert v2.created_by == staff
    assert v2.as_rules() == v1.as_rules()
    assert rows_of(v2) == rows_of(v1)
    # The copy has its own rows.
    assert not set(v2.criteria.values_list("pk", flat=True)) & set(
        v1.criteria.values_list("pk", flat=True)
    )
    # A new version made from an older one still copies the newest.
    v3 = agreements.rubric_new_version(rubric=v1, by=staff)
    assert v3.version == 3


def test_update_edits_an_unused_version(community):
    rubric = rubric_for(community, 2026)
    criteria, deductions, vetoes = rows_of(rubric)
    kept_pk = rubric.criteria.get(code="cleanliness").pk
    criteria[0]["max_points"] = Decimal(25)  # takes the 10 points of parking, removed
    criteria = [c for c in criteria if c["code"] != "parking"]
    deductions = [d for d in deductions if d["criterion"] != "parking"]
    deductions.append(
        {
            "criterion": "cleanliness",
            "code": "dog_mess",
            "name": "Dog mess",
            "name_zh": "犬只粪便",
            "points": Decimal(1),
        }
    )
    vetoes = vetoes[:2]
    agreements.rubric_update(
        rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes, note="v1 修订"
    )
    rubric.refresh_from_db()
    assert rubric.as_rules().max_total == 100
    assert not rubric.criteria.filter(code="parking").exists()
    assert rubric.criteria.get(code="cleanliness").pk == kept_pk
    assert rubric.criteria.get(code="cleanliness").deduction_items.filter(code="dog_mess").exists()
    assert rubric.veto_items.count() == 2
    assert rubric.note == "v1 修订"


def test_frozen_rubric_refuses_edits(community):
    rubric = rubric_for(community, 2026)
    Rubric.objects.filter(pk=rubric.pk).update(is_frozen=True)
    criteria, deductions, vetoes = rows_of(rubric)
    criteria[0]["max_points"] = Decimal(1)
    with pytest.raises(ValidationError, match="already used by scorecards"):
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
    assert rubric.criteria.first().max_points == 15


def test_only_the_newest_version_is_edited(community):
    v1 = rubric_for(community, 2026)
    agreements.rubric_new_version(rubric=v1)
    with pytest.raises(ValidationError, match="newest version"):
        agreements.rubric_update(
            rubric=v1,
            **dict(zip(("criteria", "deductions", "vetoes"), rows_of(v1), strict=True)),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c, d, v: (c + [dict(c[0])], d, v), "used twice"),
        (lambda c, d, v: (c, d, v + [dict(v[0])]), "used twice"),
        (lambda c, d, v: ([], [], v), "at least one criterion"),
        (lambda c, d, v: (c[1:], d, v), "not listed"),
        (lambda c, d, v: ([{**c[0], "max_points": Decimal(0)}, *c[1:]], d, v), "more than zero"),
        (lambda c, d, v: (c, [{**d[0], "points": Decimal(-1)}, *d[1:]], v), "more than zero"),
    ],
)
def test_bad_rubric_edits_refused_and_nothing_changes(community, change, message):
    rubric = rubric_for(community, 2026)
    before = rows_of(rubric)
    criteria, deductions, vetoes = change(*rows_of(rubric))
    with pytest.raises(ValidationError, match=message):
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
    assert rows_of(rubric) == before


@pytest.mark.parametrize(
    ("first_max", "ok"),
    [(Decimal("14.99"), False), (Decimal(15), True), (Decimal("15.01"), False)],
)
def test_rubric_criteria_must_total_100(community, first_max, ok):
    # The default criteria total 100 with 15 for the first one: 99.99 / 100 / 100.01.
    rubric = rubric_for(community, 2026)
    before = rows_of(rubric)
    criteria, deductions, vetoes = rows_of(rubric)
    criteria[0]["max_points"] = first_max
    if ok:
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
        assert rubric.as_rules().max_total == 100
        return
    total = Decimal(100) - Decimal(15) + first_max
    with pytest.raises(ValidationError, match=f"add up to {total}; they must add up to 100"):
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
    assert rows_of(rubric) == before


@pytest.mark.parametrize(("over", "ok"), [(Decimal(0), True), (Decimal("0.01"), False)])
def test_a_deduction_item_cannot_take_off_more_than_its_criterion(community, over, ok):
    rubric = rubric_for(community, 2026)
    before = rows_of(rubric)
    criteria, deductions, vetoes = rows_of(rubric)
    maxima = {c["code"]: c["max_points"] for c in criteria}
    deductions[0]["points"] = maxima[deductions[0]["criterion"]] + over
    if ok:
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
        return
    with pytest.raises(ValidationError, match="more than the .* points of its criterion") as exc:
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
    assert "deductions" in exc.value.error_dict
    assert rows_of(rubric) == before


def test_a_row_cited_by_a_finding_cannot_be_removed(community, compound_a):
    rubric = rubric_for(community, 2026)
    item = DeductionItem.objects.get(criterion__rubric=rubric, code="parking_disorder")
    Finding.objects.create(
        compound=compound_a,
        found_on=dt.date(2026, 10, 3),
        criterion=item.criterion,
        deduction_item=item,
        points=item.points,
        description="乱停车",
    )
    criteria, deductions, vetoes = rows_of(rubric)
    before = rows_of(rubric)
    deductions = [d for d in deductions if d["code"] != "parking_disorder"]
    with pytest.raises(ValidationError, match="cited by findings"):
        agreements.rubric_update(
            rubric=rubric, criteria=criteria, deductions=deductions, vetoes=vetoes
        )
    assert rows_of(rubric) == before


# --- Agreements --------------------------------------------------------------------------------


def pdf_scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def png_scan() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "PNG")
    return SimpleUploadedFile("scan.png", out.getvalue(), content_type="image/png")


def test_create_agreement_with_commitments_and_scan(compound_a, company_a):
    agreement = agreements.agreement_create(
        compound=compound_a,
        year=2026,
        data={
            "signed_on": dt.date(2026, 1, 10),
            "target_fee_collection_rate": Decimal("0.95"),
            "fee_standard": "0.90元/㎡·月",
        },
        commitments=[
            {"text": "每日清扫楼道两次", "standard": "无堆物"},
            {"text": "", "standard": ""},  # an empty extra form
            {"text": "门岗24小时值守"},
        ],
        scan=pdf_scan(),
    )
    assert agreement.company == company_a
    assert agreement.scan.name.endswith(".pdf")
    assert "scan" not in agreement.scan.name.rsplit("/", 1)[-1]
    assert list(agreement.commitments.values_list("text", "position")) == [
        ("每日清扫楼道两次", 0),
        ("门岗24小时值守", 1),
    ]


def test_image_scan_accepted(compound_a):
    agreement = agreements.agreement_create(
        compound=compound_a, year=2026, data={}, scan=png_scan()
    )
    assert agreement.scan.name.endswith(".png")


@pytest.mark.parametrize(
    "scan",
    [
        SimpleUploadedFile("scan.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf"),
        SimpleUploadedFile("scan.jpg", b"", content_type="image/jpeg"),
    ],
)
def test_bad_scan_refused_and_nothing_saved(compound_a, scan):
    with pytest.raises(ValidationError) as exc:
        agreements.agreement_create(
            compound=compound_a, year=2026, data={}, commitments=[{"text": "x"}], scan=scan
        )
    assert "scan" in exc.value.error_dict
    assert Agreement.objects.count() == 0
    assert Commitment.objects.count() == 0


def test_duplicate_agreement_refused(compound_a):
    agreements.agreement_create(compound=compound_a, year=2026, data={})
    with pytest.raises(ValidationError, match="already has an agreement"):
        agreements.agreement_create(compound=compound_a, year=2026, data={})


def test_agreement_needs_a_company_serving_that_year(community, compound_a, company_a, company_b):
    courtyard = factories.CompoundFactory(community=community)
    with pytest.raises(ValidationError, match="No property company"):
        agreements.agreement_create(compound=courtyard, year=2026, data={})
    # The company serving at the end of the year is the party.
    contract = compound_a.contracts.get()
    contract.ends_on = dt.date(2026, 6, 30)
    contract.save()
    factories.ServiceContractFactory(
        compound=compound_a, company=company_b, starts_on=dt.date(2026, 7, 1)
    )
    assert agreements.agreement_create(compound=compound_a, year=2026, data={}).company == company_b
    assert agreements.agreement_create(compound=compound_a, year=2025, data={}).company == company_a


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target_fee_collection_rate": Decimal("1.01")}, "target_fee_collection_rate"),
        ({"target_satisfaction": Decimal("-0.1")}, "target_satisfaction"),
        ({"signed_on": dt.date(2024, 12, 31)}, "signed_on"),
    ],
)
def test_bad_agreement_data_refused(compound_a, data, field):
    with pytest.raises(ValidationError) as exc:
        agreements.agreement_create(compound=compound_a, year=2026, data=data)
    assert field in exc.value.error_dict
    assert Agreement.objects.count() == 0


def test_update_withdraws_instead_of_deleting(compound_a):
    agreement = agreements.agreement_create(
        compound=compound_a, year=2026, data={}, commitments=[{"text": "A"}, {"text": "B"}]
    )
    a, b = agreement.commitments.all()
    agreements.agreement_update(
        agreement=agreement,
        data={"notes": "业主大会表决通过"},
        commitments=[
            {"id": a.pk, "text": "A2"},
            {"id": b.pk, "text": "B", "is_withdrawn": True},
            {"text": "C"},
        ],
    )
    agreement.refresh_from_db()
    assert agreement.notes == "业主大会表决通过"
    assert list(agreement.commitments.values_list("text", "is_withdrawn")) == [
        ("A2", False),
        ("B", True),
        ("C", False),
    ]


def test_fee_vote_must_be_an_election_of_the_compound(compound_a, compound_b):
    from tests.committees.factories import CommitteeFactory, ElectionFactory

    own = ElectionFactory(committee=CommitteeFactory(compound=compound_a))
    other = ElectionFactory(committee=CommitteeFactory(compound=compound_b))
    agreement = agreements.agreement_create(compound=compound_a, year=2026, data={"fee_vote": own})
    assert agreement.fee_vote == own
    with pytest.raises(ValidationError) as exc:
        agreements.agreement_update(agreement=agreement, data={"fee_vote": other})
    assert "fee_vote" in exc.value.error_dict
    agreement.refresh_from_db()
    assert agreement.fee_vote == own


def test_a_commitment_with_a_standard_but_no_text_is_refused_not_dropped(compound_a):
    with pytest.raises(ValidationError) as refused:
        agreements.agreement_create(
            compound=compound_a,
            year=2026,
            data={},
            commitments=[{"text": "A"}, {"text": " ", "standard": "每月 0.8 元/㎡"}, {}],
        )
    assert refused.value.message_dict["commitments"] == [str(agreements.COMMITMENT_EMPTY)]
    assert Agreement.objects.count() == 0


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "scan",
    [
        lambda: SimpleUploadedFile("a.pdf", b"MZ\x90\x00not a pdf"),
        lambda: SimpleUploadedFile("a.docx", docx_bytes()),
    ],
)
def test_a_scan_that_is_not_a_pdf_or_photo_says_exactly_that(compound_a, scan):
    with pytest.raises(ValidationError) as refused:
        agreements.agreement_create(compound=compound_a, year=2026, data={}, scan=scan())
    assert refused.value.message_dict["scan"] == [str(agreements.SCAN_NOT_DOCUMENT)]
