"""The election pages: who may see and edit what, the forms, the public list and query budgets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from committees import elections
from committees.models import Election, ElectionStep, Objection, Vetting
from tests import factories
from tests.committees.factories import (
    CandidateFactory,
    CommitteeFactory,
    ElectionFactory,
    MotionFactory,
    ObjectionFactory,
    compound_owner,
    qualify,
)

Stage = Election.Stage


def en_url(name: str, *args) -> str:
    """The English page (/en/...), so that assertions on wording hold once zh-hans is filled."""
    with translation.override("en"):
        return reverse(f"committees:{name}", args=args)


def en(message, **params) -> str:
    with translation.override("en"):
        return message % params if params else str(message)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def committee_member_b(compound_b):
    return factories.membership_user("committee", compound=compound_b)


@pytest.fixture
def committee_a(compound_a):
    return CommitteeFactory(compound=compound_a, name="甲小区业主委员会")


@pytest.fixture
def election(committee_a, staff):
    """Compound A's election during publicity, with a candidate and an unanswered objection."""
    election = ElectionFactory(
        committee=committee_a,
        title="甲小区第二届业主委员会换届选举",
        stage=Stage.PUBLICITY,
        stage_started_at=timezone.now() - dt.timedelta(days=3),
    )
    qualify(CandidateFactory(election=election, name="张三", is_party_member=True), staff)
    ObjectionFactory(election=election, raised_on=timezone.localdate(), content="请核实张三的资格")
    return election


def _login(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


# Permissions ------------------------------------------------------------------------------------

READ_PAGES = ["election_list", "election_detail"]
EDIT_PAGES = [
    "election_advance",
    "election_window",
    "candidate_create",
    "objection_create",
    "vetting_decide",
    "objection_answer",
]

# role → (read status, edit status, create status); 302 is the login redirect.
EXPECTED = {
    "anonymous": (302, 302, 302),
    "resident": (403, 403, 403),
    "company_user_a": (404, 404, 403),
    "committee_member_b": (404, 404, 403),
    "other_staff": (404, 404, 200),
    "grid_worker": (200, 403, 403),
    "committee_member_a": (200, 403, 403),
    "staff": (200, 200, 200),
    "superuser": (200, 200, 200),
}


def _url(name: str, election: Election) -> str:
    if name in ("election_list", "election_create"):
        return en_url(name)
    if name == "vetting_decide":
        return en_url(name, election.candidates.get().pk)
    if name == "objection_answer":
        return en_url(name, election.objections.get().pk)
    return en_url(name, election.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("name", READ_PAGES + EDIT_PAGES + ["election_create"])
def test_who_may_see_each_page(client, request, election, role, name):
    # given
    _login(client, request, role)
    read, edit, create = EXPECTED[role]
    expected = {"election_create": create, **dict.fromkeys(EDIT_PAGES, edit)}.get(name, read)
    if name == "election_list" and role in ("other_staff", "committee_member_b"):
        expected = 200  # their own list, without this election
    # when
    response = client.get(_url(name, election))
    # then
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other_staff", "grid_worker", "committee_member_a"])
@pytest.mark.parametrize("name", EDIT_PAGES)
def test_posts_by_readers_and_strangers_change_nothing(client, request, election, role, name):
    # given
    _login(client, request, role)
    log_before = election.log.count()
    # when
    response = client.post(
        _url(name, election), {"answer": "x", "answered_on": "2026-12-01", "decision": "pending"}
    )
    # then
    assert response.status_code in (403, 404)
    assert election.log.count() == log_before


@pytest.mark.django_db
def test_the_list_shows_each_reader_only_their_elections(
    client, election, compound_b, grid_worker, committee_member_a, committee_member_b, other_staff
):
    # given: compound B has an election too
    ElectionFactory(committee=CommitteeFactory(compound=compound_b), title="乙小区换届")

    def titles(user) -> set[str]:
        client.force_login(user)
        return {
            row["election"].title for row in client.get(en_url("election_list")).context["rows"]
        }

    # then
    assert titles(grid_worker) == {election.title, "乙小区换届"}
    assert titles(committee_member_a) == {election.title}
    assert titles(committee_member_b) == {"乙小区换届"}
    assert titles(other_staff) == set()


@pytest.mark.django_db
def test_a_committees_elections_link_lists_that_committees_elections_only(
    client, election, compound_b, committee_a, staff
):
    # given: another compound of the community has an election too
    ElectionFactory(committee=CommitteeFactory(compound=compound_b), title="乙小区换届")
    client.force_login(staff)
    query = f"?committee={committee_a.pk}"

    # when: staff follow the committee page's "Elections" link
    detail = client.get(committee_a.get_absolute_url()).content.decode()
    response = client.get(en_url("election_list") + query)

    # then
    assert f'/committees/elections/{query}"' in detail
    assert [row["election"].title for row in response.context["rows"]] == [election.title]
    assert f'name="committee" value="{committee_a.pk}"' in response.content.decode()


@pytest.mark.django_db
def test_readers_see_no_edit_buttons(client, election, grid_worker):
    # given
    client.force_login(grid_worker)
    # when
    html = client.get(en_url("election_detail", election.pk)).content.decode()
    # then
    assert "张三" in html
    assert "请核实张三的资格" in html
    assert en_url("objection_answer", election.objections.get().pk) not in html
    assert en_url("election_advance", election.pk) not in html


# Detail ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_detail_page_says_why_the_election_cannot_move_on(client, election, staff):
    # given: publicity started 3 days ago and an objection is unanswered
    client.force_login(staff)
    # when
    response = client.get(en_url("election_detail", election.pk))
    # then
    html = response.content.decode()
    assert response.context["check"].allowed is False
    assert en(elections.OBJECTION_UNANSWERED, count=1) in html
    assert en(elections.NO_VOTING_WINDOW) in html
    assert "disabled" in html
    assert [row["stage"] for row in response.context["timeline"]] == list(Stage.values)


@pytest.mark.django_db
def test_the_log_is_shown_read_only_without_ballot_entries(client, election, staff):
    # given
    elections.objection_answer(
        objection=election.objections.get(),
        user=staff,
        answer="经核实, 张三符合条件",
        answered_on=timezone.localdate(),
    )
    election.log.create(action="ballot_cast", detail={"channel": "online"})
    election.log.create(action="roll_frozen", detail={"dwellings": 0})  # by a command: no actor
    client.force_login(staff)
    # when
    response = client.get(en_url("election_detail", election.pk))
    # then
    assert [row["entry"].action for row in response.context["log"]] == [
        "objection.answered",
        "roll_frozen",
    ]
    # The count is of stored ballots (as on the voting page), not of hidden log lines.
    assert response.context["ballots_logged"] == 0
    assert "经核实, 张三符合条件" in response.content.decode()


# Writes ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_create_an_election(client, committee_a, staff):
    # given
    client.force_login(staff)
    # when
    response = client.post(
        en_url("election_create"),
        {"committee": committee_a.pk, "kind": "election", "matter": 3, "title": "换届", "seats": 7},
    )
    # then
    election = Election.objects.get()
    assert response.status_code == 302
    assert response.url == election.get_absolute_url()
    assert (election.seats, election.stage, election.matter) == (7, Stage.PREPARATION, 3)


@pytest.mark.django_db
def test_staff_cannot_create_for_another_communitys_committee(client, other_staff, committee_a):
    client.force_login(other_staff)
    response = client.post(
        en_url("election_create"),
        {"committee": committee_a.pk, "kind": "election", "matter": 3, "title": "x", "seats": 5},
    )
    assert response.status_code == 400
    assert not Election.objects.exists()


@pytest.mark.django_db
def test_the_create_form_shows_the_matter_in_chinese_and_english(client, committee_a, staff):
    client.force_login(staff)
    html = client.get(en_url("election_create")).content.decode()
    assert "使用建筑物及其附属设施的维修资金" in html
    assert "Use the maintenance fund of the buildings and their facilities" in html


@pytest.mark.django_db
def test_a_refusal_of_the_service_shows_on_the_form(client, committee_a, staff):
    client.force_login(staff)
    response = client.post(
        en_url("election_create"),
        {"committee": committee_a.pk, "kind": "election", "matter": 3, "title": "x", "seats": 4},
    )
    assert response.status_code == 400
    assert en(elections.SEATS_OUT_OF_RANGE, min=5, max=11) in response.content.decode()


@pytest.mark.django_db
def test_staff_advance_an_election(client, committee_a, staff):
    # given
    election = ElectionFactory(committee=committee_a, stage=Stage.PREPARATION)
    client.force_login(staff)
    # when
    confirm = client.get(en_url("election_advance", election.pk))
    response = client.post(en_url("election_advance", election.pk))
    # then
    assert confirm.context["check"].allowed
    assert response.status_code == 302
    election.refresh_from_db()
    assert election.stage == Stage.NOMINATION
    assert ElectionStep.objects.filter(election=election).count() == 2


@pytest.mark.django_db
def test_a_refused_advance_explains_and_changes_nothing(client, election, staff):
    client.force_login(staff)
    response = client.post(en_url("election_advance", election.pk))
    assert response.status_code == 400
    assert en(elections.OBJECTION_UNANSWERED, count=1) in response.content.decode()
    election.refresh_from_db()
    assert election.stage == Stage.PUBLICITY


@pytest.mark.django_db
def test_staff_nominate_a_candidate(client, committee_a, staff):
    # given
    election = ElectionFactory(committee=committee_a, stage=Stage.NOMINATION)
    owner = compound_owner(committee_a.compound)
    client.force_login(staff)
    # when
    response = client.post(
        en_url("candidate_create", election.pk),
        {"name": "李四", "owner": owner.pk, "nominated_on": "2026-03-01", "is_veteran": "on"},
    )
    # then
    assert response.status_code == 302
    candidate = election.candidates.get()
    assert (candidate.name, candidate.owner, candidate.is_veteran, candidate.vetting.decision) == (
        "李四",
        owner,
        True,
        "pending",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("owner", "error"),
    [
        ("", "owner record: a committee candidate must be an owner of the compound"),
        # An owner of another compound is not among the choices at all.
        ("elsewhere", "Select a valid choice"),
    ],
)
def test_a_nomination_without_an_owner_of_the_compound_is_refused(
    client, committee_a, staff, owner, error
):
    # given
    election = ElectionFactory(committee=committee_a, stage=Stage.NOMINATION)
    if owner == "elsewhere":
        owner = compound_owner(factories.CompoundFactory()).pk
    client.force_login(staff)
    # when
    response = client.post(
        en_url("candidate_create", election.pk),
        {"name": "李四", "owner": owner, "nominated_on": "2026-03-01"},
    )
    # then
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not election.candidates.exists()


@pytest.mark.django_db
def test_the_vetting_page_shows_the_registrys_owner_item_and_refuses_a_non_owner(
    client, committee_a, staff
):
    # given: a candidate recorded before the owner link was required
    election = ElectionFactory(committee=committee_a, stage=Stage.VETTING)
    candidate = CandidateFactory(election=election, owner=None)
    client.force_login(staff)
    # when
    page = client.get(en_url("vetting_decide", candidate.pk)).content.decode()
    response = client.post(en_url("vetting_decide", candidate.pk), _vetting_data())
    # then
    assert "an owner of the compound (checked against the registry)" in page
    assert "No owner record linked" in page
    assert response.status_code == 400
    assert "is not an owner of" in response.content.decode()
    assert Vetting.objects.get(candidate=candidate).decision == "pending"
    detail = client.get(en_url("election_detail", election.pk)).content.decode()
    assert "Not an owner of this compound in the registry." in detail


def _vetting_data(**met: str) -> dict[str, str]:
    data = {"decision": "qualified", "reason": ""}
    for condition in Vetting.Condition.values:
        data[f"{condition}_met"] = met.get(condition, "yes")
        data[f"{condition}_evidence"] = "记录"
        data[f"{condition}_note"] = ""
    return data


@pytest.mark.django_db
def test_staff_vet_a_candidate(client, committee_a, staff):
    # given
    candidate = CandidateFactory(election__committee=committee_a, election__stage=Stage.VETTING)
    client.force_login(staff)
    # when
    response = client.post(en_url("vetting_decide", candidate.pk), _vetting_data())
    # then
    assert response.status_code == 302
    candidate.vetting.refresh_from_db()
    assert (candidate.vetting.decision, candidate.vetting.reviewer) == ("qualified", staff)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("met", "decision", "message"),
    [
        ({"has_time": "no"}, "qualified", elections.QUALIFIED_NEEDS_ALL_MET),
        ({"has_time": ""}, "qualified", elections.QUALIFIED_NEEDS_ALL_MET),
        ({"has_time": "no"}, "not_qualified", elections.NOT_QUALIFIED_NEEDS_REASON),
    ],
)
def test_vetting_refusals_show_on_the_form(client, committee_a, staff, met, decision, message):
    # given
    candidate = CandidateFactory(election__committee=committee_a, election__stage=Stage.VETTING)
    client.force_login(staff)
    # when
    data = {**_vetting_data(**met), "decision": decision}
    response = client.post(en_url("vetting_decide", candidate.pk), data)
    # then
    assert response.status_code == 400
    assert en(message) in response.content.decode()
    candidate.vetting.refresh_from_db()
    assert candidate.vetting.decision == "pending"


@pytest.mark.django_db
def test_staff_record_and_answer_objections(client, election, staff):
    # given
    client.force_login(staff)
    today = timezone.localdate().isoformat()
    # when
    client.post(
        en_url("objection_create", election.pk),
        {"raised_by": "业主王", "raised_on": today, "content": "公示地点不明显"},
    )
    new = Objection.objects.get(raised_by="业主王")
    response = client.post(
        en_url("objection_answer", new.pk), {"answer": "已在各单元张贴", "answered_on": today}
    )
    # then
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.answer, new.answered_by) == ("已在各单元张贴", staff)
    assert list(election.log.values_list("action", flat=True)) == [
        "objection.recorded",
        "objection.answered",
    ]


@pytest.mark.django_db
def test_an_objection_sent_twice_is_recorded_once(client, election, staff):
    client.force_login(staff)
    url = en_url("objection_create", election.pk)
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    data = {"raised_by": "业主王", "raised_on": timezone.localdate().isoformat()}
    data |= {"content": "公示地点不明显", "once": token.group(1)}
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"]
    assert Objection.objects.filter(election=election, raised_by="业主王").count() == 1


@pytest.mark.django_db
def test_staff_set_the_voting_window(client, election, staff):
    client.force_login(staff)
    response = client.post(
        en_url("election_window", election.pk),
        {"voting_opens_at": "2026-12-20T08:00", "voting_closes_at": "2026-12-21T18:00"},
    )
    assert response.status_code == 302
    election.refresh_from_db()
    assert timezone.localtime(election.voting_opens_at).hour == 8


# The public list ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_sees_the_posted_list_without_logging_in(client, election, staff):
    # given: a pending and an unqualified candidate beside the qualified one
    CandidateFactory(election=election, name="待审人", statement="私人陈述")
    refused = CandidateFactory(election=election, name="未通过者")
    Vetting.objects.filter(candidate=refused).update(
        decision="not_qualified", reviewer=staff, decided_at=timezone.now(), reason="欠费"
    )
    # when
    response = client.get(en_url("election_public_candidates", election.pk))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html
    assert "Party member" in html
    for hidden in ("待审人", "私人陈述", "未通过者", "欠费", "请核实张三的资格", staff.username):
        assert hidden not in html


@pytest.mark.django_db
def test_a_motion_posts_its_matter(client, committee_a):
    motion = MotionFactory(committee=committee_a, stage=Stage.PUBLICITY, title="物业服务清单")
    response = client.get(en_url("election_public_candidates", motion.pk))
    assert response.status_code == 200
    # In the reader's language: English here (Chinese readers get Art. 278's wording).
    assert "Engage or dismiss the property company or another manager" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stage", [Stage.PREPARATION, Stage.NOMINATION, Stage.VETTING, Stage.VOTING, Stage.CLOSED]
)
def test_the_public_list_exists_only_during_publicity(client, election, stage):
    Election.objects.filter(pk=election.pk).update(stage=stage)
    assert client.get(en_url("election_public_candidates", election.pk)).status_code == 404


# The list: overdue flags and query budget ------------------------------------------------------


@pytest.mark.django_db
def test_the_list_flags_an_overdue_first_meeting(client, committee_a, staff):
    # given: the result became final 10 days ago and no first meeting is recorded
    final = timezone.now() - dt.timedelta(days=10)
    election = ElectionFactory(
        committee=committee_a, stage=Stage.FIRST_MEETING, stage_started_at=final
    )
    ElectionStep.objects.create(
        election=election,
        stage=Stage.RESULT_PUBLICITY,
        started_at=final - dt.timedelta(days=15),
        ended_at=final,
    )
    client.force_login(staff)
    # when
    response = client.get(en_url("election_list"))
    # then
    (row,) = response.context["rows"]
    assert [o.code for o in row["overdue"]] == ["first_meeting"]
    assert "table-danger" in response.content.decode()


def _bulk(committee, n: int) -> None:
    now = timezone.now()
    made = Election.objects.bulk_create(
        Election(
            committee=committee,
            kind="election",
            title=f"换届{i}",
            seats=5,
            stage=Stage.FIRST_MEETING,
            stage_started_at=now,
        )
        for i in range(n)
    )
    ElectionStep.objects.bulk_create(
        ElectionStep(
            election=e,
            stage=Stage.RESULT_PUBLICITY,
            started_at=now - dt.timedelta(days=40),
            ended_at=now - dt.timedelta(days=25),
        )
        for e in made
    )


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [10, 100])
def test_the_list_runs_the_same_queries_for_10_and_100_elections(
    client, committee_a, staff, django_assert_num_queries, rows
):
    # given
    _bulk(committee_a, rows)
    client.force_login(staff)
    url = en_url("election_list")
    # when: session, user, memberships, the communities (their compounds' ids, then the
    # communities), count, elections with committee and compound, their steps
    with django_assert_num_queries(8):
        response = client.get(url)
    # then
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(rows, 50)
    assert all(row["overdue"] for row in response.context["rows"])


@pytest.mark.django_db
def test_the_detail_links_to_voting_and_tally_once_they_exist(client, election, staff):
    # given
    client.force_login(staff)
    before = client.get(en_url("election_detail", election.pk)).content.decode()
    Election.objects.filter(pk=election.pk).update(
        stage=Stage.TALLY, roll_frozen_at=timezone.now(), tallied_at=timezone.now()
    )
    # when
    after = client.get(en_url("election_detail", election.pk)).content.decode()
    # then
    for name in ("voting_detail", "tally_detail"):
        assert en_url(name, election.pk) not in before
        assert en_url(name, election.pk) in after


@pytest.mark.django_db
def test_a_double_click_on_advance_moves_one_stage(client, committee_a, staff):
    # given: the confirm page was loaded in preparation
    election = ElectionFactory(committee=committee_a, stage=Stage.PREPARATION)
    client.force_login(staff)
    url = en_url("election_advance", election.pk)
    # when
    first = client.post(url, {"stage": "preparation"})
    second = client.post(url, {"stage": "preparation"})
    # then
    assert (first.status_code, second.status_code) == (302, 400)
    assert en(elections.STAGE_CHANGED) in second.content.decode()
    election.refresh_from_db()
    assert election.stage == Stage.NOMINATION


# The steps a kind goes through, by its own names -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "stage", "label"),
    [
        ("motion", "publicity", "publicity of the motion"),
        ("election", "publicity", "publicity of candidates"),
        ("motion", "voting", "voting"),
        ("election", "result_publicity", "publicity of the result"),
        ("motion", "result_publicity", "publicity of the result"),
    ],
)
def test_each_kind_names_its_stages(kind, stage, label):
    with translation.override("en"):
        assert elections.stage_label(kind, stage) == label


@pytest.mark.django_db
def test_a_motions_steps_name_no_candidates(client, committee_a, staff):
    # given a motion in its publicity
    motion = MotionFactory(committee=committee_a, stage=Stage.PUBLICITY)
    elections._log(motion, staff, "election.advanced", **{"from": "preparation", "to": "publicity"})
    client.force_login(staff)

    # when
    response = client.get(en_url("election_detail", motion.pk))

    # then
    page = response.content.decode()
    assert [row["label"] for row in response.context["timeline"]] == [
        "preparation group",
        "publicity of the motion",
        "voting",
        "tally",
        "publicity of the result",
        "closed",
    ]
    assert "publicity of candidates" not in page
    assert "To stage: publicity of the motion" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown", "absent"),
    [
        ("en", "4. Engage or dismiss the property company or another manager", "选聘"),
        ("zh-hans", "4. 选聘和解聘物业服务企业或者其他管理人", "Engage or dismiss"),
    ],
)
def test_the_matter_reads_in_the_readers_language(
    client, committee_a, staff, language, shown, absent
):
    motion = MotionFactory(committee=committee_a, matter=4)
    client.force_login(staff)
    with translation.override(language):
        url = reverse("committees:election_detail", args=[motion.pk])
    page = client.get(url).content.decode()
    assert shown in page
    assert absent not in page


@pytest.mark.parametrize(
    ("language", "third"),
    [
        ("zh-hans", "3. 选举业主委员会或者更换业主委员会成员"),
        (
            "en",
            "3. 选举业主委员会或者更换业主委员会成员 (Elect the owners' committee or replace its members)",
        ),
    ],
)
def test_a_matter_is_named_once_in_chinese_and_glossed_in_english(language, third):
    from committees.forms_elections import matter_choices

    with translation.override(language):
        assert matter_choices()[2] == (3, third)


@pytest.mark.django_db
def test_the_nomination_form_starts_at_today_and_the_seats_say_their_range(client, election, staff):
    client.force_login(staff)
    form = client.get(en_url("candidate_create", election.pk)).context["form"]
    assert form["nominated_on"].value() == timezone.localdate()
    seats = client.get(en_url("election_create")).context["form"].fields["seats"]
    assert (
        str(seats.help_text) == "Committee elections only: an odd number of members, from 5 to 11."
    )
