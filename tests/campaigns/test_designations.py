"""Designations: kind fits the compound, targets with defaults, progress against the registry, and
the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import designations
from campaigns.models import Designation, DesignationTarget
from compounds.models import Compound
from tests import factories

TODAY = dt.date(2020, 8, 17)
Kind = DesignationTarget.Kind
Status = Designation.Status


def _compounds(community, kind: str, n: int, prefix: str) -> list[Compound]:
    return [
        factories.CompoundFactory(
            community=community, kind=kind, code=f"{prefix}{i}", name=f"{prefix}{i}"
        )
        for i in range(n)
    ]


def _designate(compounds: list[Compound], statuses: list[str], year: int = 2020) -> None:
    for compound, status in zip(compounds, statuses, strict=False):
        Designation.objects.create(compound=compound, year=year, status=status)


def _progress(community, year: int = 2020) -> dict[str, designations.Progress]:
    return {p.kind: p for p in designations.designation_progress(community=community, year=year)}


# --- the service ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("compound_kind", "kind", "ok"),
    [
        (Compound.Kind.MANAGED, Kind.PREMIUM, True),
        (Compound.Kind.MANAGED, Kind.MODEL_COURTYARD, False),
        (Compound.Kind.COURTYARD, Kind.MODEL_COURTYARD, True),
        (Compound.Kind.COURTYARD, Kind.PREMIUM, False),
    ],
)
def test_a_designation_fits_the_kind_of_compound(community, staff, compound_kind, kind, ok):
    # given
    compound = factories.CompoundFactory(community=community, kind=compound_kind)
    call = {
        "compound": compound,
        "year": 2020,
        "kind": kind,
        "status": Status.CREATED,
        "user": staff,
        "today": TODAY,
    }
    # when / then
    if ok:
        designation = designations.designation_set(theme="红色物业", **call)
        assert (designation.status, designation.theme) == (Status.CREATED, "红色物业")
        assert designations.designation_kind(compound) == kind
    else:
        with pytest.raises(ValidationError) as caught:
            designations.designation_set(**call)
        assert caught.value.messages == [str(designations.KIND_MISMATCH)]
        assert not Designation.objects.exists()


@pytest.mark.django_db
def test_setting_a_designation_twice_updates_it(community, staff):
    # given
    compound = factories.CompoundFactory(community=community)
    call = {"compound": compound, "year": 2020, "kind": Kind.PREMIUM, "user": staff, "today": TODAY}
    designations.designation_set(status=Status.CANDIDATE, **call)
    # when
    designations.designation_set(status=Status.KEPT, theme="邻里和睦", **call)
    # then
    designation = Designation.objects.get()
    assert (designation.status, designation.theme) == (Status.KEPT, "邻里和睦")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "archived", "who", "message"),
    [
        (1999, False, "staff", designations.YEAR_OUT_OF_RANGE % {"first": 2000, "last": 2021}),
        (2022, False, "staff", designations.YEAR_OUT_OF_RANGE % {"first": 2000, "last": 2021}),
        (2020, True, "staff", None),
        (2020, False, "grid_worker", designations.NOT_STAFF),
        (2020, False, "company_user_a", designations.NOT_STAFF),
        (2020, False, "other_staff", designations.NOT_STAFF),
    ],
)
def test_a_designation_is_refused(
    community, other_community, staff, grid_worker, company_user_a, year, archived, who, message
):
    # given
    users = {
        "staff": staff,
        "grid_worker": grid_worker,
        "company_user_a": company_user_a,
        "other_staff": factories.membership_user("staff", community=other_community),
    }
    compound = factories.CompoundFactory(community=community, is_archived=archived, name="旧小区")
    if archived:
        message = designations.COMPOUND_ARCHIVED % {"compound": "旧小区"}
    # when
    with pytest.raises(ValidationError) as caught:
        designations.designation_set(
            compound=compound,
            year=year,
            kind=Kind.PREMIUM,
            status=Status.CREATED,
            user=users[who],
            today=TODAY,
        )
    # then
    assert caught.value.messages == [str(message)]
    assert not Designation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rate", "ok"),
    [
        (Decimal("0"), True),
        (Decimal("1"), True),
        (Decimal("1.001"), False),
        (Decimal("-0.01"), False),
    ],
)
def test_target_rates_lie_between_0_and_1(community, staff, rate, ok):
    # when / then
    call = {
        "community": community,
        "year": 2020,
        "kind": Kind.PREMIUM,
        "target_rate": rate,
        "user": staff,
        "today": TODAY,
    }
    if ok:
        assert designations.designation_target_set(**call).target_rate == rate
    else:
        with pytest.raises(ValidationError):
            designations.designation_target_set(**call)
        assert not DesignationTarget.objects.exists()


# --- progress -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_for_the_seed_figures(community):
    # given: 5 managed compounds (2 kept + 3 new), 16 courtyards of which 5 model courtyards
    managed = _compounds(community, Compound.Kind.MANAGED, 5, "m")
    courtyards = _compounds(community, Compound.Kind.COURTYARD, 16, "c")
    _designate(managed, [Status.KEPT, Status.KEPT, Status.CREATED, Status.CREATED, Status.CREATED])
    _designate(courtyards, [Status.CREATED] * 5 + [Status.CANDIDATE, Status.WITHDRAWN])
    # when
    progress = _progress(community)
    # then
    premium, model = progress[Kind.PREMIUM], progress[Kind.MODEL_COURTYARD]
    assert (premium.count, premium.eligible, premium.rate, premium.target, premium.met) == (
        5,
        5,
        Decimal("1.0000"),
        Decimal("0.80"),
        True,
    )
    assert (model.count, model.eligible, model.rate, model.target, model.met) == (
        5,
        16,
        Decimal("0.3125"),
        Decimal("0.30"),
        True,
    )
    assert premium.is_default_target
    assert model.is_default_target


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("achieved", "met"),
    [(3, False), (4, True), (5, True)],
)
def test_exactly_at_the_target_is_met(community, achieved, met):
    # given: 5 managed compounds against the default 80%: 4 of 5 is exactly the target
    managed = _compounds(community, Compound.Kind.MANAGED, 5, "m")
    _designate(managed, [Status.CREATED] * achieved)
    # when
    premium = _progress(community)[Kind.PREMIUM]
    # then
    assert premium.met is met


@pytest.mark.django_db
def test_progress_counts_only_that_year_and_live_compounds_and_uses_the_target_row(community):
    # given
    managed = _compounds(community, Compound.Kind.MANAGED, 4, "m")
    _designate(managed[:1], [Status.CREATED])
    _designate(managed[1:2], [Status.KEPT], year=2019)  # another year
    managed[3].is_archived = True  # archived: neither eligible nor achieved
    managed[3].save()
    _designate(managed[3:], [Status.CREATED])
    DesignationTarget.objects.create(
        community=community, year=2020, kind=Kind.PREMIUM, target_rate=Decimal("0.333")
    )
    # when
    premium = _progress(community)[Kind.PREMIUM]
    model = _progress(community)[Kind.MODEL_COURTYARD]
    # then
    assert (premium.count, premium.eligible, premium.target) == (1, 3, Decimal("0.333"))
    assert premium.met is True
    assert premium.is_default_target is False
    assert (model.count, model.eligible, model.rate, model.met) == (0, 0, None, False)


@pytest.mark.django_db
def test_progress_runs_three_queries(community, django_assert_num_queries):
    # given
    _designate(_compounds(community, Compound.Kind.MANAGED, 20, "m"), [Status.CREATED] * 20)
    # when / then: eligible, achieved, targets
    with django_assert_num_queries(3):
        designations.designation_progress(community=community, year=2020)


# --- pages ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "progress", "edit"),
    [
        ("anonymous", 302, 302),
        ("resident", 403, 403),
        ("company_user_a", 403, 403),
        ("committee_member_a", 403, 403),
        ("grid_worker", 200, 403),
        ("staff", 200, 200),
        ("other_staff", 200, 404),
    ],
)
def test_designation_pages_per_role(
    client,
    community,
    other_community,
    compound_a,
    staff,
    grid_worker,
    company_user_a,
    committee_member_a,
    resident,
    who,
    progress,
    edit,
):
    # given
    users = {
        "staff": staff,
        "grid_worker": grid_worker,
        "company_user_a": company_user_a,
        "committee_member_a": committee_member_a,
        "resident": resident,
        "other_staff": factories.membership_user("staff", community=other_community),
    }
    if who != "anonymous":
        client.force_login(users[who])
    edit_url = reverse(
        "campaigns:designation_edit", args=[community.pk, 2020, Kind.PREMIUM, compound_a.pk]
    )
    # when
    progress_response = client.get(reverse("campaigns:designation_list"))
    edit_response = client.get(edit_url)
    targets_response = client.get(
        reverse("campaigns:designation_targets", args=[community.pk, 2020])
    )
    kind_response = client.get(
        reverse("campaigns:designation_kind", args=[community.pk, 2020, Kind.PREMIUM])
    )
    # then
    assert progress_response.status_code == progress
    assert edit_response.status_code == edit
    assert targets_response.status_code == edit
    expected_kind = 404 if who == "other_staff" else progress
    assert kind_response.status_code == expected_kind
    if who == "other_staff":
        # their own community's progress, never this one's
        assert progress_response.context["community"] != community


@pytest.mark.django_db
def test_staff_set_a_designation_and_targets_and_see_the_progress(client, community, staff):
    # given
    managed = _compounds(community, Compound.Kind.MANAGED, 5, "m")
    client.force_login(staff)
    # when
    for compound in managed[:4]:
        response = client.post(
            reverse(
                "campaigns:designation_edit", args=[community.pk, 2020, Kind.PREMIUM, compound.pk]
            ),
            {"status": Status.CREATED, "theme": "一院一主题", "note": ""},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("campaigns:designation_targets", args=[community.pk, 2020]),
        {"premium": "90", "model_courtyard": "30"},
    )
    assert response.status_code == 302
    page = client.get(
        reverse("campaigns:designation_list"), {"community": community.pk, "year": 2020}
    )
    # then
    premium = {p.kind: p for p in page.context["progress"]}[Kind.PREMIUM]
    assert (premium.count, premium.eligible, premium.target, premium.met) == (
        4,
        5,
        Decimal("0.9"),
        False,
    )
    assert "80.0%" in page.content.decode()
    listing = client.get(
        reverse("campaigns:designation_kind", args=[community.pk, 2020, Kind.PREMIUM])
    )
    assert listing.content.decode().count("一院一主题") == 4


@pytest.mark.django_db
def test_a_courtyard_cannot_be_made_premium_through_the_page(client, community, staff):
    # given
    courtyard = factories.CompoundFactory(community=community, kind=Compound.Kind.COURTYARD)
    client.force_login(staff)
    # when
    response = client.post(
        reverse(
            "campaigns:designation_edit", args=[community.pk, 2020, Kind.PREMIUM, courtyard.pk]
        ),
        {"status": Status.CREATED, "theme": "", "note": ""},
    )
    # then
    assert response.status_code == 400
    assert str(designations.KIND_MISMATCH) in response.content.decode()
    assert not Designation.objects.exists()


@pytest.mark.django_db
def test_another_communitys_compound_answers_404(client, community, other_community, staff):
    # given
    stranger = factories.CompoundFactory(community=other_community)
    client.force_login(staff)
    # when
    response = client.get(
        reverse("campaigns:designation_edit", args=[community.pk, 2020, Kind.PREMIUM, stranger.pk])
    )
    # then
    assert response.status_code == 404


@pytest.mark.django_db
def test_designation_rate_rollup_matches_the_demo_year():
    # given the Tongde Lane demo (2020: premium 5 of 5, model courtyards 5 of 16)
    from decimal import Decimal

    from django.core.management import call_command

    from compounds.models import Community
    from tongde import rollups
    from tongde.models import Rollup
    from tongde.periods import parse_period

    call_command("load_demo", stdout=io.StringIO())
    community = Community.objects.get(slug="tongde-lane")

    # when the year's rollup is computed
    rollups.fill_period(rollups.STATS["campaigns.designation_rate"], parse_period("year", "2020"))

    # then
    rates = dict(
        Rollup.objects.filter(
            stat="campaigns.designation_rate", subject_id=community.pk
        ).values_list("dimension", "value")
    )
    assert rates == {"premium": Decimal("1.0000"), "model_courtyard": Decimal("0.3125")}


@pytest.mark.django_db
def test_the_targets_form_saves_as_it_opens(client, community, staff):
    # given targets already set
    url = reverse("campaigns:designation_targets", args=[community.pk, 2020])
    client.force_login(staff)
    assert client.post(url, {"premium": "80", "model_courtyard": "30"}).status_code == 302
    # when the form is opened and sent unchanged
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in ("premium", "model_courtyard")}
    response = client.post(url, data)
    # then it saves
    assert response.status_code == 302, response.context["form"].errors
