"""Committee services and selectors: the rules refused and the rules flagged, heads, consultations,
term reminders, open data and rollups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from committees import selectors, services
from committees.models import BuildingHead, Committee, CommitteeMember, Consultation, UnitHead
from committees.opendata import committees_section
from committees.rollups import consultations_answered, consultations_received
from committees.tasks import remind_term_endings_task
from compounds.models import Compound
from tests import factories
from tests.committees.factories import CommitteeFactory
from tongde.periods import Period, PeriodKind
from tongde.rollups import STATS, fill_period
from tongde.text import long_date

TODAY = dt.date(2026, 11, 27)
TERM_START = dt.date(2024, 1, 1)
TERM_END = dt.date(2028, 12, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    # "Today" decides who serves and which terms are due: fixed, so the tests never age.
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def committee(compound_a) -> Committee:
    return CommitteeFactory(
        compound=compound_a, term_starts_on=TERM_START, term_ends_on=TERM_END, name="甲小区业委会"
    )


def seat(committee: Committee, n: int, **extra) -> list[CommitteeMember]:
    """``n`` current members written directly (the services are tested on their own below)."""
    return [
        CommitteeMember.objects.create(
            committee=committee,
            name=f"委员{i}",
            term_starts_on=committee.term_starts_on,
            term_ends_on=committee.term_ends_on,
            **extra,
        )
        for i in range(n)
    ]


def error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# Committees and members -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Compound.Kind.MANAGED, Committee.Kind.OWNERS),
        (Compound.Kind.COURTYARD, Committee.Kind.SELF_MANAGEMENT),
    ],
)
def test_a_committee_takes_its_kind_from_the_compound(community, kind, expected):
    # given
    compound = factories.CompoundFactory(community=community, kind=kind)

    # when
    committee = services.committee_create(
        compound=compound, data={"term_starts_on": TERM_START, "term_ends_on": TERM_END}
    )

    # then
    assert committee.kind == expected
    assert compound.name in committee.name


def test_a_second_committee_for_a_compound_is_refused(committee):
    # when / then
    with pytest.raises(ValidationError) as exc:
        services.committee_create(compound=committee.compound, data={})
    assert error_messages(exc.value) == [str(services.COMMITTEE_EXISTS)]


def test_a_courtyard_cannot_have_an_owners_committee(community):
    # given
    courtyard = factories.CompoundFactory(community=community, kind=Compound.Kind.COURTYARD)

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.committee_create(compound=courtyard, data={"kind": Committee.Kind.OWNERS})
    assert error_messages(exc.value) == [str(services.COMMITTEE_KIND_MISMATCH)]


@pytest.mark.parametrize(
    ("ends_on", "ok"),
    [
        (dt.date(2028, 12, 31), True),  # under five years
        (dt.date(2029, 1, 1), True),  # exactly five years
        (dt.date(2029, 1, 2), False),  # one day over
        (dt.date(2024, 1, 1), False),  # ends the day it starts
    ],
)
def test_a_term_lasts_at_most_five_years(committee, ends_on, ok):
    # when
    data = {"name": "甲", "term_starts_on": dt.date(2024, 1, 1), "term_ends_on": ends_on}
    try:
        services.committee_update(committee=committee, data=data)
    except ValidationError:
        refused = True
    else:
        refused = False

    # then
    assert refused is not ok
    committee.refresh_from_db()
    assert (committee.term_ends_on == ends_on) is ok


def test_a_member_term_is_held_to_the_same_maximum(committee):
    # when / then
    with pytest.raises(ValidationError) as exc:
        services.member_add(
            committee=committee,
            data={
                "name": "张三",
                "term_starts_on": dt.date(2024, 1, 1),
                "term_ends_on": dt.date(2030, 1, 1),
            },
        )
    assert error_messages(exc.value) == [str(services.TERM_TOO_LONG) % {"years": 5}]


def test_member_term_defaults_to_the_committees(committee):
    # when
    member = services.member_add(committee=committee, data={"name": "张三"})

    # then
    assert (member.term_starts_on, member.term_ends_on) == (TERM_START, TERM_END)


def test_the_eleventh_member_is_accepted(committee):
    # given
    seat(committee, 10)

    # when
    services.member_add(committee=committee, data={"name": "第十一位"})

    # then
    assert committee.members.count() == 11


def test_a_twelfth_member_is_refused(committee):
    # given
    seat(committee, 11)

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.member_add(committee=committee, data={"name": "第十二位"})
    assert error_messages(exc.value) == [str(services.TOO_MANY_MEMBERS) % {"max": 11}]
    assert committee.members.count() == 11


def test_a_member_who_left_frees_the_seat(committee):
    # given eleven members, one of whom left
    members = seat(committee, 11)
    services.member_end(member=members[0], left_on=dt.date(2025, 1, 1))

    # when
    services.member_add(committee=committee, data={"name": "补选委员"})

    # then
    assert committee.members.count() == 12


def test_a_second_chair_is_refused(committee):
    # given
    services.member_add(
        committee=committee, data={"name": "主任甲", "role": CommitteeMember.Role.CHAIR}
    )

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.member_add(
            committee=committee, data={"name": "主任乙", "role": CommitteeMember.Role.CHAIR}
        )
    assert error_messages(exc.value) == [str(services.SECOND_CHAIR) % {"name": "主任甲"}]


def test_a_member_must_own_a_dwelling_in_the_compound(committee, compound_b, community):
    # given an owner in compound B only
    owner = factories.OwnerFactory(community=community, name="李四")
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_b))
    factories.DwellingFactory(unit=unit, owner=owner)

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.member_add(committee=committee, data={"owner": owner})
    assert error_messages(exc.value) == [str(services.MEMBER_NOT_OWNER)]


def test_an_owner_of_the_compound_is_seated_under_the_owners_name(committee, community):
    # given
    owner = factories.OwnerFactory(community=community, name="王五")
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=committee.compound))
    factories.DwellingFactory(unit=unit, owner=owner)

    # when
    member = services.member_add(committee=committee, data={"owner": owner})

    # then
    assert member.name == "王五"


@pytest.mark.parametrize(
    ("left_on", "message"),
    [(dt.date(2023, 12, 31), services.LEFT_BEFORE_START), (dt.date(2024, 1, 1), None)],
)
def test_a_member_leaves_on_or_after_the_term_start(committee, left_on, message):
    # given
    member = seat(committee, 1)[0]

    # when / then
    if message is None:
        services.member_end(member=member, left_on=left_on)
        member.refresh_from_db()
        assert member.left_on == left_on
    else:
        with pytest.raises(ValidationError) as exc:
            services.member_end(member=member, left_on=left_on)
        assert error_messages(exc.value) == [str(message)]


def test_a_member_leaves_once(committee):
    # given
    member = seat(committee, 1)[0]
    services.member_end(member=member, left_on=dt.date(2025, 1, 1))

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.member_end(member=member, left_on=dt.date(2025, 2, 1))
    assert error_messages(exc.value) == [str(services.MEMBER_ALREADY_LEFT)]


# Flags: what is saved but shown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (0, ["short"]),
        (4, ["short", "even"]),
        (5, []),
        (6, ["even"]),
        (7, []),
        (11, []),
    ],
)
def test_member_count_flags(committee, members, expected):
    # given
    seat(committee, members)

    # when
    annotated = selectors.annotate_committees(Committee.objects.all(), TODAY).get()

    # then
    assert selectors.flags(annotated) == [*expected, *(["no_chair"] if members else [])]
    assert annotated.member_count == members


@pytest.mark.parametrize(
    ("ends_on", "past"),
    [(TODAY - dt.timedelta(days=1), True), (TODAY, False), (TODAY + dt.timedelta(days=1), False)],
)
def test_a_committee_past_its_term_is_flagged(committee, ends_on, past):
    # given
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=ends_on
    )

    # when
    annotated = selectors.annotate_committees(Committee.objects.all(), TODAY).get()

    # then
    assert annotated.is_past_term is past


def test_members_not_serving_today_are_not_counted(committee):
    # given: two serving, one who left, one whose term ended, one whose term has not started
    seat(committee, 2, is_party_member=True)
    left = seat(committee, 1)[0]
    CommitteeMember.objects.filter(pk=left.pk).update(left_on=dt.date(2025, 6, 1))
    CommitteeMember.objects.create(
        committee=committee,
        name="往届",
        term_starts_on=dt.date(2019, 1, 1),
        term_ends_on=dt.date(2023, 12, 31),
    )
    CommitteeMember.objects.create(
        committee=committee,
        name="下届",
        term_starts_on=dt.date(2029, 1, 1),
        term_ends_on=dt.date(2033, 12, 31),
    )

    # when
    annotated = selectors.annotate_committees(Committee.objects.all(), TODAY).get()

    # then
    assert (annotated.member_count, annotated.party_count) == (2, 2)


def test_a_member_tied_to_the_company_raises_a_warning(committee):
    # given
    seat(committee, 5)
    seat(committee, 1, has_company_tie=True, role=CommitteeMember.Role.CHAIR)

    # when
    annotated = selectors.annotate_committees(Committee.objects.all(), TODAY).get()

    # then
    assert "company_tie" in selectors.flags(annotated)


# Heads -------------------------------------------------------------------------------------------


def test_appointing_a_head_ends_the_current_one_the_day_before(compound_a):
    # given
    building = factories.BuildingFactory(compound=compound_a)
    first = services.building_head_appoint(
        building=building, data={"name": "甲", "starts_on": dt.date(2020, 6, 1)}
    )

    # when
    second = services.building_head_appoint(
        building=building, data={"name": "乙", "starts_on": dt.date(2024, 3, 1)}
    )

    # then
    first.refresh_from_db()
    assert first.ends_on == dt.date(2024, 2, 29)
    assert second.ends_on is None
    assert list(selectors.current_building_heads(TODAY)) == [second]


@pytest.mark.parametrize("starts_on", [dt.date(2020, 6, 1), dt.date(2020, 5, 31)])
def test_a_new_head_cannot_start_before_the_current_one(compound_a, starts_on):
    # given
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    services.unit_head_appoint(unit=unit, data={"name": "甲", "starts_on": dt.date(2020, 6, 1)})

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.unit_head_appoint(unit=unit, data={"name": "乙", "starts_on": starts_on})
    assert error_messages(exc.value) == [
        str(services.HEAD_STARTS_TOO_EARLY)
        % {"name": "甲", "starts_on": long_date(dt.date(2020, 6, 1))}
    ]
    assert UnitHead.objects.count() == 1


def test_ending_a_head_leaves_the_unit_uncovered_and_cannot_be_repeated(compound_a):
    # given
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    head = services.unit_head_appoint(
        unit=unit, data={"name": "甲", "starts_on": dt.date(2020, 6, 1)}
    )

    # when
    services.unit_head_end(head=head, ends_on=dt.date(2025, 1, 1))

    # then
    assert not selectors.current_unit_heads(TODAY).exists()
    with pytest.raises(ValidationError) as exc:
        services.unit_head_end(head=head, ends_on=dt.date(2025, 2, 1))
    assert error_messages(exc.value) == [str(services.HEAD_ALREADY_ENDED)]


def test_a_head_cannot_end_before_starting(compound_a):
    # given
    building = factories.BuildingFactory(compound=compound_a)
    head = services.building_head_appoint(
        building=building, data={"name": "甲", "starts_on": dt.date(2020, 6, 1)}
    )

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.building_head_end(head=head, ends_on=dt.date(2020, 5, 31))
    assert error_messages(exc.value) == [str(services.HEAD_ENDS_BEFORE_START)]


def test_a_head_owner_must_be_of_the_community(compound_a, other_community):
    # given
    building = factories.BuildingFactory(compound=compound_a)
    stranger = factories.OwnerFactory(community=other_community)

    # when / then
    with pytest.raises(ValidationError) as exc:
        services.building_head_appoint(
            building=building, data={"owner": stranger, "starts_on": dt.date(2020, 6, 1)}
        )
    assert error_messages(exc.value) == [str(services.HEAD_OWNER_COMMUNITY)]


# Coverage ---------------------------------------------------------------------------------------


def test_coverage_counts_heads_members_and_flags(community, committee, compound_b):
    # given: compound A with 2 buildings (one headed) and 3 units (two headed), 5 members
    b1, b2 = (factories.BuildingFactory(compound=committee.compound) for _ in range(2))
    units = [factories.UnitFactory(building=b) for b in (b1, b1, b2)]
    BuildingHead.objects.create(building=b1, name="楼长", starts_on=dt.date(2020, 1, 1))
    BuildingHead.objects.create(
        building=b2, name="卸任", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2025, 1, 1)
    )
    for unit in units[:2]:
        UnitHead.objects.create(unit=unit, name="单元长", starts_on=dt.date(2020, 1, 1))
    seat(committee, 3, is_party_member=True, is_veteran=True)
    seat(committee, 2, is_cadre=True)

    # when
    result = selectors.coverage(compounds=Compound.objects.filter(community=community), on=TODAY)

    # then
    totals = result["totals"]
    assert totals["buildings"] == 2
    assert totals["buildings_with_head"] == 1
    assert (totals["units"], totals["units_with_head"]) == (3, 2)
    assert (totals["members"], totals["party_members"], totals["veterans"]) == (5, 3, 3)
    assert totals["cadres"] == 2
    assert (totals["committees"], totals["without_committee"]) == (1, 1)
    rows = {row.pk: row for row in result["rows"]}
    assert rows[compound_b.pk].flags == ["no_committee"]
    assert rows[committee.compound_id].flags == ["no_chair"]


# Consultations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "answered", "field", "message"),
    [
        (0, None, None, None),
        (1, None, "received_on", services.RECEIVED_IN_FUTURE),
        (0, 0, None, None),
        (0, 1, "answered_on", services.ANSWERED_IN_FUTURE),
        (-3, -4, "answered_on", services.ANSWER_BEFORE_RECEIVED),
    ],
)
def test_an_opinion_and_its_answer_are_not_dated_in_the_future(
    compound_a, staff, received, answered, field, message
):
    today = timezone.localdate()
    data = {
        "topic": "停车",
        "channel": Consultation.Channel.PHONE,
        "received_on": today + dt.timedelta(days=received),
        "opinion": "夜间乱停车",
    }
    if answered is not None:
        data |= {"answer": "已处理", "answered_on": today + dt.timedelta(days=answered)}
    if message is None:
        services.consultation_create(compound=compound_a, data=data, user=staff)
        assert Consultation.objects.count() == 1
        return
    with pytest.raises(ValidationError) as refused:
        services.consultation_create(compound=compound_a, data=data, user=staff)
    assert refused.value.message_dict[field] == [str(message)]
    assert not Consultation.objects.exists()


def test_an_answer_dated_tomorrow_is_refused(compound_a, staff):
    today = timezone.localdate()
    consultation = services.consultation_create(
        compound=compound_a,
        data={"topic": "停车", "channel": "phone", "received_on": today, "opinion": "乱停车"},
        user=staff,
    )
    with pytest.raises(ValidationError) as refused:
        services.consultation_answer(
            consultation=consultation,
            answer="已处理",
            answered_on=today + dt.timedelta(days=1),
            user=staff,
        )
    assert refused.value.message_dict["answered_on"] == [str(services.ANSWERED_IN_FUTURE)]
    consultation.refresh_from_db()
    assert consultation.answered_on is None


@pytest.mark.parametrize(
    ("answered_on", "answer", "message"),
    [
        (dt.date(2026, 3, 9), "已处理", services.ANSWER_BEFORE_RECEIVED),
        (dt.date(2026, 3, 10), "   ", services.ANSWER_EMPTY),
        (dt.date(2026, 3, 10), "已处理", None),
    ],
)
def test_an_answer_is_dated_on_or_after_the_opinion(
    compound_a, staff, answered_on, answer, message
):
    # given
    consultation = services.consultation_create(
        compound=compound_a,
        data={
            "topic": "停车",
            "channel": Consultation.Channel.PHONE,
            "received_on": dt.date(2026, 3, 10),
            "opinion": "夜间乱停车",
        },
        user=staff,
    )

    # when / then
    if message is None:
        services.consultation_answer(
            consultation=consultation, answer=answer, answered_on=answered_on, user=staff
        )
        consultation.refresh_from_db()
        assert consultation.answered_on == answered_on
        assert consultation.recorded_by == staff
    else:
        with pytest.raises(ValidationError) as exc:
            services.consultation_answer(
                consultation=consultation, answer=answer, answered_on=answered_on, user=staff
            )
        assert error_messages(exc.value) == [str(message)]


def _opinion(compound, channel, received_on, answered_on=None) -> Consultation:
    return Consultation.objects.create(
        compound=compound,
        topic="话题",
        channel=channel,
        received_on=received_on,
        opinion="意见",
        answer="答复" if answered_on else "",
        answered_on=answered_on,
    )


def test_consultations_are_counted_by_channel(compound_a):
    # given
    _opinion(compound_a, "phone", dt.date(2026, 3, 1), dt.date(2026, 3, 2))
    _opinion(compound_a, "phone", dt.date(2026, 3, 1))
    _opinion(compound_a, "meeting", dt.date(2026, 3, 1))

    # when
    counts = {
        c["channel"]: (c["received"], c["answered"])
        for c in selectors.consultation_counts(Consultation.objects.all())
    }

    # then: every channel listed, empty ones at zero
    assert counts == {
        "chat_group": (0, 0),
        "phone": (2, 1),
        "staff_visit": (0, 0),
        "door_to_door": (0, 0),
        "meeting": (1, 0),
        "online": (0, 0),
    }


def test_consultation_rollups_count_per_community_and_period(compound_a, other_community):
    # given: March has three opinions in the community, two answered by the month's end
    _opinion(compound_a, "phone", dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    _opinion(compound_a, "phone", dt.date(2026, 3, 31), dt.date(2026, 3, 31))
    _opinion(compound_a, "phone", dt.date(2026, 3, 20), dt.date(2026, 4, 2))
    _opinion(compound_a, "phone", dt.date(2026, 4, 1))
    elsewhere = factories.CompoundFactory(community=other_community)
    _opinion(elsewhere, "meeting", dt.date(2026, 3, 3))
    march = Period(PeriodKind.MONTH, dt.date(2026, 3, 1))

    # when
    received = {r["subject_id"]: r["value"] for r in consultations_received(march)}
    answered = {r["subject_id"]: r["value"] for r in consultations_answered(march)}

    # then
    assert received == {compound_a.community_id: 3, other_community.pk: 1}
    assert answered == {compound_a.community_id: 2}


def test_consultation_statistics_are_registered_and_fill(compound_a):
    # given
    _opinion(compound_a, "phone", dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    march = Period(PeriodKind.MONTH, dt.date(2026, 3, 1))

    # when
    rows = fill_period(STATS["committees.consultations_received"], march)
    again = fill_period(STATS["committees.consultations_received"], march)

    # then
    assert rows == again == 1
    assert STATS["committees.consultations_answered"].subject_kind == "community"


# Open data ---------------------------------------------------------------------------------------


def test_open_data_counts_only_what_serves_today(committee, community):
    # given
    seat(committee, 4, is_party_member=True)
    seat(committee, 1, is_veteran=True)
    gone = seat(committee, 1, is_party_member=True, is_veteran=True)[0]
    CommitteeMember.objects.filter(pk=gone.pk).update(left_on=dt.date(2025, 1, 1))
    building = factories.BuildingFactory(compound=committee.compound)
    unit = factories.UnitFactory(building=building)
    BuildingHead.objects.create(building=building, name="楼长", starts_on=dt.date(2020, 1, 1))
    UnitHead.objects.create(
        unit=unit, name="前单元长", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2024, 1, 1)
    )

    # when
    section = committees_section(community, None)

    # then: counts only, no names
    assert section == {
        "committees": 1,
        "members": 5,
        "party_members": 4,
        "veterans": 1,
        "building_heads": 1,
        "unit_heads": 0,
    }


def test_open_data_for_a_period_counts_as_of_its_last_day(committee, community):
    # given: a member who left in 2025
    seat(committee, 5)
    gone = seat(committee, 1)[0]
    CommitteeMember.objects.filter(pk=gone.pk).update(left_on=dt.date(2025, 7, 1))

    # when
    in_2024 = committees_section(community, Period(PeriodKind.YEAR, dt.date(2024, 1, 1)))
    in_2025 = committees_section(community, Period(PeriodKind.YEAR, dt.date(2025, 1, 1)))

    # then
    assert (in_2024["members"], in_2025["members"]) == (6, 5)


# Term reminders ----------------------------------------------------------------------------------


@pytest.fixture
def staff_with_email(community):
    user = factories.membership_user("staff", community=community)
    user.email = "staff@tongde.example"
    user.save()
    return user


@pytest.mark.parametrize(
    ("ends_on", "reminded"),
    [
        (dt.date(2027, 2, 27), True),  # exactly three months ahead
        (dt.date(2027, 2, 28), False),  # one day beyond
        (dt.date(2026, 11, 27), True),  # ends today
        (dt.date(2026, 11, 26), False),  # ended yesterday: past term, not a reminder
    ],
)
def test_staff_are_reminded_three_months_before_a_term_ends(
    committee, staff_with_email, ends_on, reminded
):
    # given
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 3, 1), term_ends_on=ends_on
    )

    # when
    sent = services.committee_term_reminders_send(today=TODAY)

    # then
    assert sent == int(reminded)
    assert len(mail.outbox) == int(reminded)
    committee.refresh_from_db()
    assert committee.term_reminder_sent_on == (TODAY if reminded else None)
    if reminded:
        assert mail.outbox[0].to == ["staff@tongde.example"]
        assert committee.name in mail.outbox[0].subject


def test_a_reminder_is_sent_once_however_often_the_job_runs(committee, staff_with_email):
    # given
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=dt.date(2027, 1, 15)
    )

    # when
    first = services.committee_term_reminders_send(today=TODAY)
    second = services.committee_term_reminders_send(today=TODAY + dt.timedelta(days=1))

    # then
    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_new_term_rearms_the_reminder(committee, staff_with_email):
    # given a reminder sent for the old term
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=dt.date(2027, 1, 15)
    )
    services.committee_term_reminders_send(today=TODAY)
    committee.refresh_from_db()

    # when the committee is re-elected
    services.committee_update(
        committee=committee,
        data={"term_starts_on": dt.date(2027, 1, 16), "term_ends_on": dt.date(2032, 1, 15)},
    )

    # then
    committee.refresh_from_db()
    assert committee.term_reminder_sent_on is None


def test_without_a_staff_email_the_reminder_waits(committee, staff):
    # given staff without an email address, and a grid worker with one
    grid = factories.membership_user("grid_worker", community=committee.compound.community)
    grid.email = "grid@tongde.example"
    grid.save()
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=dt.date(2027, 1, 15)
    )

    # when
    sent = services.committee_term_reminders_send(today=TODAY)

    # then
    assert sent == 0
    assert mail.outbox == []
    committee.refresh_from_db()
    assert committee.term_reminder_sent_on is None


def test_the_task_calls_the_service(committee, staff_with_email):
    # given
    Committee.objects.filter(pk=committee.pk).update(
        term_starts_on=dt.date(2022, 1, 1), term_ends_on=dt.date(2027, 1, 15)
    )

    # when the task runs in this process (apply(): with REDIS_URL set, delay() would wait for
    # a worker; the real worker has its own test in test_tasks_worker.py)
    result = remind_term_endings_task.apply(args=[TODAY.isoformat()])

    # then
    assert result.get(timeout=10) == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 10, 15), 3, dt.date(2027, 1, 15)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert services.add_months(day, months) == expected
