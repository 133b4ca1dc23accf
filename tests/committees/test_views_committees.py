"""The committee pages: who may see and edit what, edits through the forms, filters and query
budgets."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committees import services
from committees.models import (
    BuildingHead,
    Committee,
    CommitteeMember,
    Consultation,
    UnitHead,
)
from compounds.models import Building, Compound, Unit
from tests import factories
from tests.committees.factories import CommitteeFactory

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


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False)


def en_url(name: str, *args) -> str:
    """The English page, so assertions on wording hold once the Chinese catalog is filled."""
    with translation.override("en"):
        return reverse(f"committees:{name}", args=args)


@dataclass
class World:
    committee_a: Committee
    committee_b: Committee
    compound_c: Compound
    member_a: CommitteeMember
    building_a: Building
    unit_a: Unit
    building_head_a: BuildingHead
    unit_head_a: UnitHead
    consultation_a: Consultation


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def world(community, compound_a, compound_b) -> World:
    term = {"term_starts_on": dt.date(2025, 5, 1), "term_ends_on": dt.date(2030, 4, 30)}
    committee_a = CommitteeFactory(compound=compound_a, name="甲小区业委会", **term)
    committee_b = CommitteeFactory(compound=compound_b, name="乙小区业委会", **term)
    compound_c = factories.CompoundFactory(
        community=community, name="丙楼院", kind=Compound.Kind.COURTYARD
    )
    member_a = CommitteeMember.objects.create(
        committee=committee_a, name="张主任", role=CommitteeMember.Role.CHAIR, **term
    )
    building_a = factories.BuildingFactory(compound=compound_a, code="1号楼")
    unit_a = factories.UnitFactory(building=building_a, code="1单元")
    building_head_a = BuildingHead.objects.create(
        building=building_a, name="李楼长", starts_on=dt.date(2020, 6, 1)
    )
    unit_head_a = UnitHead.objects.create(
        unit=unit_a, name="王单元长", starts_on=dt.date(2020, 6, 1)
    )
    consultation_a = Consultation.objects.create(
        compound=compound_a,
        topic="楼道杂物",
        channel=Consultation.Channel.CHAT_GROUP,
        received_on=dt.date(2026, 3, 1),
        resident_name="赵女士",
        opinion="楼道堆放杂物",
    )
    return World(
        committee_a=committee_a,
        committee_b=committee_b,
        compound_c=compound_c,
        member_a=member_a,
        building_a=building_a,
        unit_a=unit_a,
        building_head_a=building_head_a,
        unit_head_a=unit_head_a,
        consultation_a=consultation_a,
    )


def _answered(consultation: Consultation) -> Consultation:
    consultation.answer, consultation.answered_on = "已通知物业", consultation.received_on
    consultation.answer_version = 1
    consultation.save()
    return consultation


def _consultation_b(world: World) -> Consultation:
    """An opinion about compound B (same community), apart from the world so that the filter
    tests keep their own three."""
    return Consultation.objects.create(
        compound=world.committee_b.compound,
        topic="乙区停车",
        channel=Consultation.Channel.PHONE,
        received_on=dt.date(2026, 3, 2),
        resident_name="钱先生",
        opinion="乙区车位不够",
    )


@pytest.fixture
def as_role(request, client):
    def login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


# Expected status per role, in ROLES order. 302 = to the login page; 403 = no right to this page;
# 404 = the object is outside the user's scope (the selectors never return it).
#                 anon res  coA  comA grid staff other super
LIST = (302, 403, 403, 200, 200, 200, 200, 200)
READ_A = (302, 403, 404, 200, 200, 200, 404, 200)
READ_B = (302, 403, 404, 404, 200, 200, 404, 200)
EDIT_A = (302, 403, 404, 403, 403, 200, 404, 200)
EDIT_C = (302, 403, 404, 404, 403, 200, 404, 200)
INTERNAL = (302, 403, 403, 403, 200, 200, 200, 200)
CREATE = (302, 403, 403, 403, 403, 200, 200, 200)
# A committee member reads their compound's resident opinions but does not answer them.
ANSWER_A = (302, 403, 404, 403, 403, 200, 404, 200)
ANSWER_B = (302, 403, 404, 404, 403, 200, 404, 200)

PAGES = [
    ("committee_list", lambda w: [], LIST),
    ("committee_detail", lambda w: [w.committee_a.pk], READ_A),
    ("committee_detail", lambda w: [w.committee_b.pk], READ_B),
    ("committee_update", lambda w: [w.committee_a.pk], EDIT_A),
    ("committee_create", lambda w: [w.compound_c.pk], EDIT_C),
    ("member_create", lambda w: [w.committee_a.pk], EDIT_A),
    ("member_update", lambda w: [w.member_a.pk], EDIT_A),
    ("member_end", lambda w: [w.member_a.pk], EDIT_A),
    ("building_head_appoint", lambda w: [w.building_a.pk], EDIT_A),
    ("building_head_end", lambda w: [w.building_head_a.pk], EDIT_A),
    ("unit_head_appoint", lambda w: [w.unit_a.pk], EDIT_A),
    ("unit_head_end", lambda w: [w.unit_head_a.pk], EDIT_A),
    ("coverage", lambda w: [], INTERNAL),
    ("consultation_list", lambda w: [], LIST),
    ("consultation_create", lambda w: [], CREATE),
    ("consultation_answer", lambda w: [w.consultation_a.pk], ANSWER_A),
    ("consultation_answer", lambda w: [_consultation_b(w).pk], ANSWER_B),
    ("consultation_amend", lambda w: [_answered(w.consultation_a).pk], ANSWER_A),
    ("consultation_amend", lambda w: [_answered(_consultation_b(w)).pk], ANSWER_B),
]


@pytest.mark.parametrize(
    ("role", "name", "args", "expected"),
    [
        (role, name, args, statuses[i])
        for name, args, statuses in PAGES
        for i, role in enumerate(ROLES)
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_who_may_open_each_page(world, as_role, role, name, args, expected):
    # given
    client = as_role(role)

    # when
    response = client.get(en_url(name, *args(world)))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("grid_worker", 403), ("committee_member_a", 403), ("staff", 302)]
)
def test_only_staff_post_a_new_member(world, as_role, role, expected):
    # given
    client = as_role(role)

    # when
    response = client.post(
        en_url("member_create", world.committee_a.pk),
        {
            "name": "新委员",
            "role": "member",
            "term_starts_on": "2025-05-01",
            "term_ends_on": "2030-04-30",
            "is_veteran": "on",
        },
    )

    # then
    assert response.status_code == expected
    assert world.committee_a.members.filter(name="新委员").exists() is (expected == 302)


def test_a_refused_member_shows_the_services_reason(world, staff, client):
    # given
    client.force_login(staff)

    # when: a second chair
    with translation.override("en"):
        response = client.post(
            en_url("member_create", world.committee_a.pk),
            {
                "name": "另一位主任",
                "role": "chair",
                "term_starts_on": "2025-05-01",
                "term_ends_on": "2030-04-30",
            },
        )

    # then
    assert response.status_code == 400
    assert "The committee has a chair already: 张主任." in response.content.decode()
    assert world.committee_a.members.count() == 1


def test_staff_appoint_a_new_unit_head_and_the_old_one_ends(world, staff, client):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        en_url("unit_head_appoint", world.unit_a.pk),
        {"name": "新单元长", "starts_on": "2026-11-01"},
    )

    # then
    assert response.status_code == 302
    world.unit_head_a.refresh_from_db()
    assert world.unit_head_a.ends_on == dt.date(2026, 10, 31)
    assert UnitHead.objects.get(ends_on__isnull=True).name == "新单元长"


def test_staff_set_up_a_committee_for_a_courtyard(world, staff, client):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        en_url("committee_create", world.compound_c.pk),
        {"term_starts_on": "2026-06-01", "term_ends_on": "2031-05-31"},
    )

    # then
    assert response.status_code == 302
    committee = Committee.objects.get(compound=world.compound_c)
    assert committee.kind == Committee.Kind.SELF_MANAGEMENT
    assert response.url == committee.get_absolute_url()


def test_staff_answer_an_opinion(world, staff, client):
    # given
    client.force_login(staff)

    # when
    response = client.post(
        en_url("consultation_answer", world.consultation_a.pk),
        {"answer": "已通知物业清理", "answered_on": "2026-03-03", "version": "0"},
    )

    # then
    assert response.status_code == 302
    world.consultation_a.refresh_from_db()
    assert world.consultation_a.answered_on == dt.date(2026, 3, 3)


def test_an_opinion_logged_twice_is_recorded_once(world, staff, client):
    client.force_login(staff)
    url = en_url("consultation_create")
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    data = {"topic": "门禁", "channel": "phone", "received_on": "2026-11-20", "opinion": "门禁坏了"}
    data |= {"compound": world.compound_c.pk, "once": token.group(1)}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Consultation.objects.filter(topic="门禁").count() == 1


def test_staff_record_an_opinion_only_in_their_community(world, staff, client, other_community):
    # given
    client.force_login(staff)
    elsewhere = factories.CompoundFactory(community=other_community)
    data = {
        "topic": "门禁",
        "channel": "phone",
        "received_on": "2026-11-20",
        "opinion": "门禁坏了",
    }

    # when
    mine = client.post(en_url("consultation_create"), {**data, "compound": world.compound_c.pk})
    theirs = client.post(en_url("consultation_create"), {**data, "compound": elsewhere.pk})

    # then: the other community's compound is not even a choice
    assert mine.status_code == 302
    assert theirs.status_code == 400
    assert Consultation.objects.filter(topic="门禁").count() == 1
    assert Consultation.objects.get(topic="门禁").recorded_by == staff


def test_a_committee_member_reads_without_edit_links(world, committee_member_a, client):
    # given
    client.force_login(committee_member_a)

    # when
    response = client.get(en_url("committee_detail", world.committee_a.pk))

    # then
    assert response.context["can_edit"] is False
    body = response.content.decode()
    assert "张主任" in body
    assert en_url("member_create", world.committee_a.pk) not in body
    assert en_url("unit_head_appoint", world.unit_a.pk) not in body


def test_staff_see_edit_links_and_head_counts(world, staff, client):
    # given
    client.force_login(staff)

    # when
    response = client.get(en_url("committee_detail", world.committee_a.pk))

    # then
    assert response.context["can_edit"] is True
    assert response.context["head_counts"] == {
        "buildings": 1,
        "buildings_with_head": 1,
        "units": 1,
        "units_with_head": 1,
    }
    assert en_url("unit_head_appoint", world.unit_a.pk) in response.content.decode()


def test_the_company_never_reads_residents_opinions(world, company_user_a, client):
    # given
    client.force_login(company_user_a)

    # when
    listing = client.get(en_url("consultation_list"))
    answer = client.get(en_url("consultation_answer", world.consultation_a.pk))

    # then
    assert (listing.status_code, answer.status_code) == (403, 404)
    assert "赵女士" not in listing.content.decode()


def test_a_committee_member_reads_their_compounds_opinions_without_who_gave_them(
    world, committee_member_a, staff, client
):
    # given
    _consultation_b(world)
    client.force_login(committee_member_a)

    # when
    page = client.get(en_url("consultation_list")).content.decode()

    # then their compound's opinion, nobody's name, no other compound, no answer or export
    assert "楼道堆放杂物" in page
    assert "赵女士" not in page
    assert "乙区车位不够" not in page
    assert en_url("consultation_answer", world.consultation_a.pk) not in page
    assert "data-export" not in page
    assert "1 opinions" in page
    # while staff see who gave it
    client.force_login(staff)
    assert "赵女士" in client.get(en_url("consultation_list")).content.decode()


def test_a_grid_worker_elsewhere_reads_their_committees_compound_without_names(
    world, committee_member_a, other_community, client
):
    # given a grid worker of another community who also sits on compound A's committee
    from compounds.models import Membership

    Membership.objects.create(
        user=committee_member_a, role="grid_worker", community=other_community
    )
    client.force_login(committee_member_a)

    # when
    page = client.get(en_url("consultation_list")).content.decode()
    export = client.get(en_url("consultation_list"), {"format": "xlsx"})

    # then compound A's opinion without the resident's name, and not in the export
    assert "楼道堆放杂物" in page
    assert "赵女士" not in page
    assert export.status_code == 200
    import io

    from openpyxl import load_workbook

    cells = {
        str(cell)
        for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
        for cell in row
    }
    assert "赵女士" not in cells
    assert "楼道堆放杂物" not in cells


def test_a_committee_member_cannot_reach_another_compound_by_its_id(
    world, committee_member_a, client
):
    # given
    other = _consultation_b(world)
    client.force_login(committee_member_a)

    # when: the other compound as a filter, and its opinion by id
    page = client.get(en_url("consultation_list"), {"compound": other.compound_id})
    answer = client.get(en_url("consultation_answer", other.pk))

    # then the filter is refused (not a choice) and nothing of B shows
    assert "compound" in page.context["filter"].form.errors
    assert "乙区车位不够" not in page.content.decode()
    assert answer.status_code == 404


def test_a_committee_member_gets_no_export_nor_photo(world, committee_member_a, client):
    # given
    client.force_login(committee_member_a)
    Consultation.objects.filter(pk=world.consultation_a.pk).update(photo="opinions/x.jpg")

    # when
    export = client.get(en_url("consultation_list"), {"format": "xlsx"})
    photo = client.get(en_url("opinion_photo", world.consultation_a.pk, "image"))

    # then
    assert (export.status_code, photo.status_code) == (403, 404)


def test_a_committee_members_list_runs_the_same_queries_at_two_sizes(
    world, committee_member_a, client
):
    # given
    client.force_login(committee_member_a)
    counts = []
    for size in (3, 30):
        for i in range(
            size - Consultation.objects.filter(compound=world.committee_a.compound).count()
        ):
            Consultation.objects.create(
                compound=world.committee_a.compound,
                topic=f"话题{size}-{i}",
                channel="phone",
                received_on=dt.date(2026, 3, 1),
                opinion="意见",
            )
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url("consultation_list"))
        assert response.status_code == 200
        counts.append(len(queries))

    # then
    assert len(response.context["page"].object_list) == 30
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("query", "topics"),
    [
        ({}, {"楼道杂物", "停车", "门禁"}),
        ({"channel": "phone"}, {"停车"}),
        ({"answered": "true"}, {"停车"}),
        ({"answered": "false"}, {"楼道杂物", "门禁"}),
        ({"received_after": "2026-04-01"}, {"停车", "门禁"}),
        ({"received_before": "2026-04-30"}, {"楼道杂物", "停车"}),
        ({"q": "门禁"}, {"门禁"}),
    ],
)
def test_consultations_filter(world, staff, client, query, topics):
    # given
    Consultation.objects.create(
        compound=world.committee_b.compound,
        topic="停车",
        channel="phone",
        received_on=dt.date(2026, 4, 10),
        opinion="乱停车",
        answer="已处理",
        answered_on=dt.date(2026, 4, 12),
    )
    Consultation.objects.create(
        compound=world.compound_c,
        topic="门禁",
        channel="door_to_door",
        received_on=dt.date(2026, 5, 10),
        opinion="门禁坏了",
    )
    client.force_login(staff)

    # when
    response = client.get(en_url("consultation_list"), query)

    # then
    assert {c.topic for c in response.context["page"].object_list} == topics
    counted = {c["channel"]: c["received"] for c in response.context["counts"] if c["received"]}
    assert sum(counted.values()) == len(topics)


def test_the_committee_filter_by_flag(world, staff, client):
    # given: A has 1 member (short), B none (short); make B complete with five
    for i in range(5):
        CommitteeMember.objects.create(
            committee=world.committee_b,
            name=f"乙委员{i}",
            term_starts_on=world.committee_b.term_starts_on,
            term_ends_on=world.committee_b.term_ends_on,
        )
    client.force_login(staff)

    # when
    short = client.get(en_url("committee_list"), {"flag": "short"})

    # then
    assert [c.pk for c in short.context["page"].object_list] == [world.committee_a.pk]


def test_coverage_shows_the_totals(world, grid_worker, client):
    # given
    client.force_login(grid_worker)

    # when
    response = client.get(en_url("coverage"))

    # then
    totals = response.context["totals"]
    assert (totals["buildings"], totals["buildings_with_head"]) == (1, 1)
    assert (totals["committees"], totals["without_committee"]) == (2, 1)
    assert totals["members"] == 1
    assert totals["short"] == 2


# Query budgets -----------------------------------------------------------------------------------


def _bulk(community, n: int) -> None:
    """``n`` compounds each with a committee of five, a building with a head and two units."""
    term = {"term_starts_on": dt.date(2025, 5, 1), "term_ends_on": dt.date(2030, 4, 30)}
    start = Compound.objects.count()
    for i in range(start, start + n):
        compound = factories.CompoundFactory(community=community, code=f"bulk{i}")
        committee = CommitteeFactory(compound=compound, **term)
        CommitteeMember.objects.bulk_create(
            CommitteeMember(committee=committee, name=f"委员{j}", is_party_member=j < 2, **term)
            for j in range(5)
        )
        building = factories.BuildingFactory(compound=compound)
        BuildingHead.objects.create(building=building, name="楼长", starts_on=dt.date(2020, 1, 1))
        for _ in range(2):
            factories.UnitFactory(building=building)
        Consultation.objects.create(
            compound=compound,
            topic=f"话题{i}",
            channel="phone",
            received_on=dt.date(2026, 3, 1),
            opinion="意见",
        )


@pytest.mark.parametrize("name", ["coverage", "committee_list", "consultation_list"])
def test_pages_run_the_same_queries_at_two_sizes(community, staff, client, name):
    # given
    client.force_login(staff)
    counts = []
    for size in (3, 30):
        _bulk(community, size - Compound.objects.count())
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(en_url(name))
        assert response.status_code == 200
        counts.append(len(queries))

    # then
    assert Compound.objects.count() == 30
    assert counts[0] == counts[1]


def test_the_detail_page_runs_the_same_queries_for_few_and_many_buildings(world, staff, client):
    # given
    client.force_login(staff)
    url = en_url("committee_detail", world.committee_a.pk)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        building = factories.BuildingFactory(compound=world.committee_a.compound, code=f"b{i}")
        unit = factories.UnitFactory(building=building)
        services.unit_head_appoint(unit=unit, data={"name": "头", "starts_on": dt.date(2020, 1, 1)})

    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    # then
    assert len(response.context["buildings"]) == 21
    assert len(few) == len(many)


def test_members_read_chair_first_and_those_who_left_last(world, grid_worker, client):
    # given
    term = {"term_starts_on": dt.date(2025, 5, 1), "term_ends_on": dt.date(2030, 4, 30)}
    CommitteeMember.objects.create(committee=world.committee_a, name="甲委员", **term)
    CommitteeMember.objects.create(
        committee=world.committee_a, name="乙副主任", role=CommitteeMember.Role.VICE_CHAIR, **term
    )
    CommitteeMember.objects.create(
        committee=world.committee_a, name="丙", left_on=dt.date(2026, 1, 1), **term
    )
    client.force_login(grid_worker)

    # when
    response = client.get(en_url("committee_detail", world.committee_a.pk))

    # then
    members = response.context["members"]
    assert [m.name for m in members] == ["张主任", "乙副主任", "甲委员", "丙"]
    assert [m.is_current for m in members] == [True, True, True, False]


def test_a_committee_member_lands_on_their_own_committee_and_its_work(
    world, committee_member_a, grid_worker, client
):
    # given
    client.force_login(committee_member_a)

    # when
    page = client.get(en_url("committee_list")).content.decode()

    # then the landing links their committee, its residents' opinions and elections
    landing = page.split("data-own-committee", 1)[1].split("</div>\n</div>", 1)[0]
    assert en_url("committee_detail", world.committee_a.pk) in landing
    assert en_url("committee_detail", world.committee_b.pk) not in landing
    assert en_url("consultation_list") in landing
    assert en_url("election_list") in landing
    # staff and grid workers keep the plain list
    client.force_login(grid_worker)
    assert "data-own-committee" not in client.get(en_url("committee_list")).content.decode()


def test_buildings_and_units_read_in_counting_order(world, committee_member_a, client):
    # given buildings 1, 2 and 10, and units 1, 2 and 10 of building 2, created out of order
    compound = world.committee_a.compound
    tenth = factories.BuildingFactory(compound=compound, code="10号楼")
    second = factories.BuildingFactory(compound=compound, code="2号楼")
    for code in ("10单元", "2单元", "1单元"):
        factories.UnitFactory(building=second, code=code)
    client.force_login(committee_member_a)

    # when
    response = client.get(en_url("committee_detail", world.committee_a.pk))

    # then 2号楼 comes before 10号楼, and 2单元 before 10单元
    buildings = response.context["buildings"]
    assert [b.code for b in buildings] == ["1号楼", "2号楼", "10号楼"]
    assert [u.code for u in buildings[1].unit_rows] == ["1单元", "2单元", "10单元"]
    assert tenth.pk == buildings[2].pk


def test_an_owners_registry_reference_is_for_staff_only(world, committee_member_a, staff, client):
    # given a committee member who is a registered owner
    owner = factories.OwnerFactory(owner_ref="TD-000123")
    CommitteeMember.objects.filter(pk=world.member_a.pk).update(owner=owner)

    # when a fellow committee member and the staff read the committee
    client.force_login(committee_member_a)
    member_view = client.get(en_url("committee_detail", world.committee_a.pk))
    client.force_login(staff)
    staff_view = client.get(en_url("committee_detail", world.committee_a.pk))

    # then only the staff, who keep the registry, see the reference
    assert "张主任" in member_view.content.decode()
    assert "TD-000123" not in member_view.content.decode()
    assert "TD-000123" in staff_view.content.decode()
