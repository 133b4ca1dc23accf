"""Setup pages: every view for every role, another community's objects by id (404, nothing
changes), the settings, rubric and agreement forms end to end, and the list's query budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from scorecards.models import Agreement, Commitment, Rubric, ScoringSettings
from scorecards.setup import rubric_for
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
    "superuser",
]
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


@pytest.fixture
def agreement(compound_a, company_a) -> Agreement:
    agreement = Agreement.objects.create(
        compound=compound_a,
        company=company_a,
        year=2026,
        fee_standard="0.90元/㎡·月",
        target_fee_collection_rate=Decimal("0.95"),
    )
    agreement.scan.save("x.pdf", SimpleUploadedFile("x.pdf", PDF))
    Commitment.objects.create(agreement=agreement, text="每日清扫楼道")
    return agreement


def login(client, request, role) -> None:
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


# Non-staff roles are refused by the staff gate (403); staff of another community get 404 for
# this community's objects; pages without an object are fine for any staff.
DENIED = {"anonymous": 302, "resident": 403, "company_user_a": 403, "committee_member_a": 403}
DENIED["grid_worker"] = 403


def expected(role: str, *, scoped: bool) -> int:
    if role in DENIED:
        return DENIED[role]
    if role == "other_staff" and scoped:
        return 404
    return 200


# Pages the company that signed the agreement and the compound's committee members also read.
READ_BY_SIGNATORIES = {"agreement_detail", "agreement_scan"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "view",
    [
        "setup_home",
        "settings_edit",
        "rubric_detail",
        "rubric_edit",
        "agreement_list",
        "agreement_detail",
        "agreement_edit",
        "agreement_create",
        "agreement_scan",
    ],
)
def test_get_permissions(client, request, community, compound_a, agreement, role, view):
    rubric = rubric_for(community, 2026)
    args = {
        "settings_edit": [community.slug, 2026],
        "rubric_detail": [community.slug, 2026],
        "rubric_edit": [rubric.pk],
        "agreement_detail": [agreement.pk],
        "agreement_edit": [agreement.pk],
        "agreement_create": [compound_a.pk],
        "agreement_scan": [agreement.pk],
    }.get(view, [])
    login(client, request, role)
    response = client.get(en_url(view, *args))
    code = expected(role, scoped=bool(args))
    if view in READ_BY_SIGNATORIES and role in ("company_user_a", "committee_member_a"):
        code = 200  # the signing company and the compound's committee read, never edit
    assert response.status_code == code


@pytest.mark.parametrize("role", ROLES)
def test_post_permissions_nothing_changes_when_refused(
    client, request, community, compound_b, agreement, role
):
    rubric = rubric_for(community, 2026)
    criteria_before = rubric.as_rules()
    login(client, request, role)
    responses = [
        client.post(en_url("settings_edit", community.slug, 2026), {"red_at": "80"}),
        client.post(en_url("rubric_new_version", rubric.pk)),
        client.post(en_url("agreement_edit", agreement.pk), {"fee_standard": "改"}),
        client.post(
            en_url("rubric_edit", rubric.pk),
            {"c-TOTAL_FORMS": "0", "c-INITIAL_FORMS": "0", "d-TOTAL_FORMS": "0"},
        ),
        client.post(
            en_url("agreement_create", compound_b.pk),
            {"year": "2026", "k-TOTAL_FORMS": "0", "k-INITIAL_FORMS": "0"},
        ),
    ]
    code = expected(role, scoped=True)
    if code != 200:
        assert [r.status_code for r in responses] == [code] * 5
        assert rubric.as_rules() == criteria_before
        assert not Agreement.objects.filter(compound=compound_b).exists()
        assert not ScoringSettings.objects.filter(red_at=80).exists()
        assert Rubric.objects.filter(community=community).count() == 1
        agreement.refresh_from_db()
        assert agreement.fee_standard == "0.90元/㎡·月"
    else:
        assert responses[1].status_code == 302


def test_settings_form_end_to_end(client, staff, community):
    client.force_login(staff)
    url = en_url("settings_edit", community.slug, 2026)
    form = client.get(url).content.decode()
    assert 'value="90' in form
    data = {
        "red_at": "88",
        "black_below": "65",
        "min_inspections": "3",
        "report_due_day": "6",
        "report_grace_days": "2",
        "reply_days": "3",
        "publish_by_day": "15",
        "appeal_days": "7",
        "rectification_days": "7",
    }
    assert client.post(url, data).status_code == 302
    row = ScoringSettings.objects.get(community=community, year=2026)
    assert (row.red_at, row.black_below, row.report_due_day) == (88, 65, 6)
    response = client.post(url, {**data, "black_below": "95"})
    assert response.status_code == 400
    assert "cannot be above the red-list line" in response.content.decode()
    row.refresh_from_db()
    assert row.black_below == 65
    refused = [
        ({"red_at": "100.01"}, "less than or equal to 100"),
        ({"black_below": "-0.01"}, "greater than or equal to 0"),
        ({"report_due_day": "10", "report_grace_days": "5", "publish_by_day": "15"}, "day 16"),
    ]
    for change, message in refused:
        response = client.post(url, {**data, **change})
        assert response.status_code == 400, change
        assert message in response.content.decode(), change
    row.refresh_from_db()
    assert (row.red_at, row.black_below, row.publish_by_day) == (88, 65, 15)
    assert client.post(url, {**data, "red_at": "100"}).status_code == 302


def _rubric_post(rubric: Rubric, **changes) -> dict:
    data = {}
    criteria = list(rubric.criteria.prefetch_related("deduction_items"))
    data.update({"c-TOTAL_FORMS": len(criteria), "c-INITIAL_FORMS": len(criteria)})
    items = []
    for i, c in enumerate(criteria):
        data.update(
            {
                f"c-{i}-code": c.code,
                f"c-{i}-name": c.name,
                f"c-{i}-name_zh": c.name_zh,
                f"c-{i}-max_points": str(c.max_points),
            }
        )
        items += [(c.code, d) for d in c.deduction_items.all()]
    data.update({"d-TOTAL_FORMS": len(items), "d-INITIAL_FORMS": len(items)})
    for i, (code, d) in enumerate(items):
        data.update(
            {
                f"d-{i}-criterion": code,
                f"d-{i}-code": d.code,
                f"d-{i}-name": d.name,
                f"d-{i}-name_zh": d.name_zh,
                f"d-{i}-points": str(d.points),
            }
        )
    vetoes = list(rubric.veto_items.all())
    data.update({"v-TOTAL_FORMS": len(vetoes), "v-INITIAL_FORMS": len(vetoes)})
    for i, v in enumerate(vetoes):
        data.update({f"v-{i}-code": v.code, f"v-{i}-name": v.name, f"v-{i}-name_zh": v.name_zh})
    data.update(changes)
    return data


def test_rubric_editor_end_to_end(client, staff, community):
    rubric = rubric_for(community, 2026)
    client.force_login(staff)
    page = client.get(en_url("rubric_detail", community.slug, 2026)).content.decode()
    assert "100" in page  # the total
    # A total other than 100 is refused, with the total.
    data = _rubric_post(rubric, **{"c-7-max_points": "5", "v-2-DELETE": "on", "note": "停车减分"})
    response = client.post(en_url("rubric_edit", rubric.pk), data)
    assert response.status_code == 400
    assert "add up to 95.00; they must add up to 100" in response.content.decode()
    # Edit: parking to 5 points, its 5 to the first criterion, and delete the last veto item.
    data["c-0-max_points"] = str(rubric.criteria.first().max_points + 5)
    response = client.post(en_url("rubric_edit", rubric.pk), data)
    assert response.status_code == 302
    assert rubric.as_rules().max_total == 100
    assert rubric.criteria.get(code="parking").max_points == 5
    assert rubric.veto_items.count() == 2
    # A duplicate code is refused, nothing changes.
    bad = _rubric_post(rubric, **{"c-1-code": rubric.criteria.first().code})
    response = client.post(en_url("rubric_edit", rubric.pk), bad)
    assert response.status_code == 400
    assert "is used twice" in response.content.decode()
    assert rubric.as_rules().max_total == 100
    assert rubric.criteria.get(code="parking").max_points == 5


def test_rubric_page_query_count_equal_at_two_sizes(client, staff, community):
    client.force_login(staff)
    url = en_url("rubric_detail", community.slug, 2026)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    # given the unsaved default of a year with no rubric: read, never written
    unsaved = queries()
    assert not [q for q in unsaved if q.lstrip().startswith(("INSERT", "UPDATE", "DELETE"))]
    # when version 1 is saved, then grows to more rows and versions
    rubric = rubric_for(community, 2026)
    small = len(queries())
    for i in range(6):
        criterion = rubric.criteria.create(code=f"extra{i}", name=f"Extra {i}", max_points=1)
        for j in range(3):
            criterion.deduction_items.create(code=f"x{i}{j}", name="x", points=1, position=j)
        rubric.veto_items.create(code=f"veto{i}", name=f"Veto {i}", position=10 + i)
    Rubric.objects.create(community=community, year=2026, version=2)
    Rubric.objects.filter(pk=rubric.pk).update(version=3)  # still the newest
    # then the count does not grow with the rows (the versions, the criteria with their items,
    # the veto items: a query each); the unsaved default reads only the versions
    assert len(queries()) == small
    assert len(unsaved) == small - 3


def test_frozen_rubric_editor_refuses_and_new_version_copies(client, staff, community):
    rubric = rubric_for(community, 2026)
    Rubric.objects.filter(pk=rubric.pk).update(is_frozen=True)
    client.force_login(staff)
    page = client.get(en_url("rubric_edit", rubric.pk)).content.decode()
    assert "already used by scorecards" in page
    response = client.post(
        en_url("rubric_edit", rubric.pk), _rubric_post(rubric, **{"c-0-max_points": "1"})
    )
    assert response.status_code == 400
    assert "already used by scorecards" in response.content.decode()
    assert rubric.criteria.first().max_points == 15
    response = client.post(en_url("rubric_new_version", rubric.pk))
    new = Rubric.objects.get(community=community, year=2026, version=2)
    assert response.url == en_url("rubric_edit", new.pk)
    assert new.as_rules() == rubric.as_rules()


def test_agreement_create_and_edit_end_to_end(client, staff, compound_a, company_a):
    client.force_login(staff)
    url = en_url("agreement_create", compound_a.pk)
    base = {
        "year": "2026",
        "signed_on": "2026-01-10",
        "target_fee_collection_rate": "95.5",
        "target_complaint_days": "3",
        "target_satisfaction": "90",
        "fee_standard": "0.90元/㎡·月",
        "k-TOTAL_FORMS": "2",
        "k-INITIAL_FORMS": "0",
        "k-0-text": "每日清扫楼道两次",
        "k-0-standard": "无堆物",
        "k-1-text": "",
    }
    response = client.post(url, {**base, "scan": SimpleUploadedFile("s.pdf", PDF)})
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.company == company_a
    assert agreement.target_fee_collection_rate == Decimal("0.955")
    assert list(agreement.commitments.values_list("text", flat=True)) == ["每日清扫楼道两次"]
    assert client.get(en_url("agreement_scan", agreement.pk))["Content-Type"] == "application/pdf"
    # The edit form shows the percentage again, not the fraction.
    page = client.get(en_url("agreement_edit", agreement.pk)).content.decode()
    assert 'value="95.5"' in page
    commitment = agreement.commitments.get()
    response = client.post(
        en_url("agreement_edit", agreement.pk),
        {
            **base,
            "k-TOTAL_FORMS": "2",
            "k-INITIAL_FORMS": "1",
            "k-0-id": commitment.pk,
            "k-0-is_withdrawn": "on",
            "k-1-text": "门岗24小时值守",
        },
    )
    assert response.status_code == 302
    assert list(agreement.commitments.values_list("text", "is_withdrawn")) == [
        ("每日清扫楼道两次", True),
        ("门岗24小时值守", False),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_fee_collection_rate": "101"}, "less than or equal to 100"),
        # A target of 1% or less was typed as a fraction; 0 and 1.01 are taken as typed.
        ({"target_fee_collection_rate": "0.9"}, "Did you mean 90%?"),
        ({"target_fee_collection_rate": "1"}, "Did you mean 100%?"),
        ({"target_satisfaction": "0.85"}, "Did you mean 85%?"),
        ({"scan": SimpleUploadedFile("s.jpg", b"MZ\x90\x00" * 40)}, "judged by its content"),
    ],
)
def test_agreement_bad_input(client, staff, compound_a, changes, message):
    client.force_login(staff)
    data = {"year": "2026", "k-TOTAL_FORMS": "1", "k-INITIAL_FORMS": "0", "k-0-text": "承诺"}
    response = client.post(en_url("agreement_create", compound_a.pk), {**data, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Agreement.objects.count() == 0
    assert Commitment.objects.count() == 0


@pytest.mark.parametrize("rate", ["0", "1.01", "90"])
def test_agreement_targets_above_one_percent_or_zero_are_taken_as_typed(
    client, staff, compound_a, rate
):
    client.force_login(staff)
    data = {"year": "2026", "k-TOTAL_FORMS": "1", "k-INITIAL_FORMS": "0", "k-0-text": "承诺"}
    data["target_fee_collection_rate"] = rate
    response = client.post(en_url("agreement_create", compound_a.pk), data)
    assert response.status_code == 302
    assert Agreement.objects.get().target_fee_collection_rate == Decimal(rate) / 100


def test_agreement_list_query_count_equal_at_two_sizes(client, staff, community, company_a):
    client.force_login(staff)
    counts = []
    for n in (3, 30):
        for _i in range(n):
            compound = factories.CompoundFactory(community=community)
            factories.ServiceContractFactory(compound=compound, company=company_a)
            agreement = Agreement.objects.create(compound=compound, company=company_a, year=2026)
            Commitment.objects.create(agreement=agreement, text="x")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url("agreement_list"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_admin_lists_every_scorecards_model_read_only(client, superuser, agreement):
    from django.apps import apps
    from django.contrib import admin

    client.force_login(superuser)
    for model in apps.get_app_config("scorecards").get_models():
        if model.__name__.startswith("Historical"):
            continue
        assert admin.site.is_registered(model), model
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, model
    page = client.get(reverse("admin:scorecards_agreement_change", args=[agreement.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:scorecards_agreement_add")).status_code == 403


# --- Reading by the company and the committee -------------------------------------------------


@pytest.fixture
def agreement_b(compound_b, company_b) -> Agreement:
    return Agreement.objects.create(compound=compound_b, company=company_b, year=2026)


@pytest.fixture
def committee_member_b(compound_b):
    return factories.membership_user("committee", compound=compound_b)


# Every role against the agreements of 甲 (company A, committee A) and of 乙 (company B): each
# reader sees only its own, another's id answers 404; the others keep the staff gate.
READ_TABLE = [
    # role, code for 甲's agreement, code for 乙's agreement
    ("anonymous", 302, 302),
    ("resident", 403, 403),
    ("grid_worker", 403, 403),
    ("company_user_a", 200, 404),
    ("company_user_b", 404, 200),
    ("committee_member_a", 200, 404),
    ("committee_member_b", 404, 200),
    ("staff", 200, 200),
    ("other_staff", 404, 404),
    ("superuser", 200, 200),
]


@pytest.mark.parametrize(("role", "code_a", "code_b"), READ_TABLE)
@pytest.mark.parametrize("view", ["agreement_detail", "agreement_scan"])
def test_readers_see_only_their_own_agreements(
    client, request, agreement, agreement_b, role, code_a, code_b, view
):
    agreement_b.scan.save("y.pdf", SimpleUploadedFile("y.pdf", PDF))
    login(client, request, role)
    assert client.get(en_url(view, agreement.pk)).status_code == code_a
    assert client.get(en_url(view, agreement_b.pk)).status_code == code_b


@pytest.mark.parametrize("role", ["company_user_a", "committee_member_a"])
def test_readers_cannot_edit_and_see_no_staff_links(client, request, agreement, role):
    login(client, request, role)
    page = client.get(en_url("agreement_detail", agreement.pk)).content.decode()
    assert "每日清扫楼道" in page  # the commitments
    assert en_url("agreement_edit", agreement.pk) not in page
    assert f'href="{en_url("agreement_list")}"' not in page
    assert client.get(en_url("agreement_edit", agreement.pk)).status_code == 403
    response = client.post(en_url("agreement_edit", agreement.pk), {"fee_standard": "改"})
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.fee_standard == "0.90元/㎡·月"


def test_staff_still_see_the_edit_link(client, staff, agreement):
    client.force_login(staff)
    page = client.get(en_url("agreement_detail", agreement.pk)).content.decode()
    assert en_url("agreement_edit", agreement.pk) in page


def test_company_reads_the_agreement_it_signed_after_its_contract_ended(
    client, company_user_a, compound_a, agreement
):
    # given the company no longer serves the compound
    compound_a.contracts.update(ends_on=dt.date(2026, 6, 30))
    client.force_login(company_user_a)
    # then it still reads the agreement it signed for that year
    assert client.get(en_url("agreement_detail", agreement.pk)).status_code == 200


def test_english_year_has_no_thousands_separator(client, staff, agreement, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    client.force_login(staff)
    page = client.get(en_url("agreement_detail", agreement.pk)).content.decode()
    assert "2,026" not in page
    assert "2026" in page
