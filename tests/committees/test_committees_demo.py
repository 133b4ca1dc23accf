"""The committees' part of ``load_demo``: the seed's figures, from the rows, and idempotent."""

from __future__ import annotations

import io
import random

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q

from committees import selectors
from committees.demo import committee_sizes, member_plan
from committees.models import Committee, CommitteeMember
from compounds.models import Compound, Dwelling

SEED_FIGURES = {
    "committees": 21,
    "members": 111,
    "party_members": 52,
    "veterans": 33,
    "building_heads": 110,
    "unit_heads": 411,
}


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


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_app_config("committees").get_models()
    }


def test_the_community_document_has_the_seeds_committee_figures(demo, client):
    # when
    response = client.get("/api/v1/communities/tongde-lane/")

    # then
    assert response.status_code == 200
    assert response.json()["committees"] == SEED_FIGURES


def test_a_second_run_changes_nothing(demo):
    # given
    before = _row_counts()
    out = io.StringIO()

    # when
    call_command("load_demo", stdout=out)

    # then
    assert _row_counts() == before
    assert before["committees.Committee"] == 21


def test_every_committee_follows_the_rules_with_a_chair_and_a_vice_chair(demo):
    # when
    committees = Committee.objects.annotate(
        n=Count("members"),
        chairs=Count("members", filter=Q(members__role="chair")),
        vices=Count("members", filter=Q(members__role="vice_chair")),
    ).select_related("compound")

    # then
    assert committees.count() == 21
    for committee in committees:
        assert 5 <= committee.n <= 11, committee
        assert committee.n % 2 == 1, committee
        assert (committee.chairs, committee.vices) == (1, 1), committee
        expected = (
            "owners" if committee.compound.kind == Compound.Kind.MANAGED else "self_management"
        )
        assert committee.kind == expected
    assert committees.filter(kind="owners").count() == 5


def test_the_seeds_named_chair_and_the_demo_committee_account(demo):
    # when
    chair = CommitteeMember.objects.get(
        committee__compound__name="西环北路楼院8号", role=CommitteeMember.Role.CHAIR
    )
    vice = CommitteeMember.objects.get(
        committee__compound__code="kangsheng-garden", role=CommitteeMember.Role.VICE_CHAIR
    )

    # then
    assert chair.name == "韩建新"
    assert vice.name == "陈德明"


def test_every_member_is_an_owner_there_the_named_ones_too(demo):
    # when
    members = CommitteeMember.objects.select_related("committee")
    owned = set(
        Dwelling.objects.filter(owner__isnull=False).values_list(
            "owner_id", "unit__building__compound_id"
        )
    )

    # then
    assert members.count() == 111
    assert all((m.owner_id, m.committee.compound_id) in owned for m in members)
    assert all(m.name == m.owner.name for m in members.select_related("owner"))


def test_coverage_of_the_demo_is_complete_and_flags_the_company_tie(demo):
    # when
    result = selectors.coverage(compounds=Compound.objects.filter(community__slug="tongde-lane"))

    # then
    totals = result["totals"]
    assert (totals["buildings_with_head"], totals["buildings"]) == (110, 110)
    assert (totals["units_with_head"], totals["units"]) == (411, 411)
    assert (totals["short"], totals["even"], totals["past_term"]) == (0, 0, 0)
    assert totals["company_ties"] == 1
    flagged = [row.name for row in result["rows"] if row.flags]
    assert flagged == ["金水湾"]


def test_the_plan_adds_up_to_the_seed_without_a_database():
    # when
    plan = member_plan(random.Random(1))

    # then: the figures hold for any draw
    assert sum(committee_sizes().values()) == len(plan) == 111
    assert sum(1 for seat in plan if seat[3]) == 52
    assert sum(1 for seat in plan if seat[4]) == 33
    assert all(size % 2 == 1 and 5 <= size <= 11 for size in committee_sizes().values())


def test_the_demo_prints_what_it_created(demo_output):
    assert "111" in demo_output


def test_the_demo_resident_has_one_answered_and_one_waiting_online_opinion(demo, client):
    from django.contrib.auth import get_user_model

    from committees import opinions

    resident = get_user_model().objects.get(username="resident")
    given = list(opinions.my_opinions(user=resident))
    assert len(given) == 2
    assert sorted(bool(o.answer) for o in given) == [False, True]
    client.force_login(resident)
    page = client.get("/committees/opinions/").content.decode()
    assert all(o.topic in page for o in given)
