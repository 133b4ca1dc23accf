"""The Tongde Lane demo's committees, leaders and resident opinions, from the seed's figures.

"选强配齐了辖区5个物管小区业委会和16个散居楼院(自管委)业主委员会;截至目前,共选举履职的楼院长
110人,单元长411人,物业和自管委员111人(其中,党员52人,退役军人33人)" — and 西环北路8号院's
self-management committee is chaired by 韩建新. So: 21 committees (5 owners' committees, 16
self-management committees) with 111 members, 52 of them Party members and 33 veterans; one head
for each of the 110 buildings and 411 units.

Sizes: every committee has 5 to 11 members, an odd number, so 21 committees hold at least
21 × 5 = 105; the other 6 seats make three committees of 7 (the three largest managed compounds),
which gives exactly 111.

Terms: the seed's committees were elected in spring 2020 for five years. So that the demo shows
committees in office on whatever day it is loaded, each committee's current term is the one of
its five-year cycle (2020, 2025, 2030, ...) that covers the load date, with the members of 2020
re-elected; the elections themselves are recorded by the elections part of the demo.

Names are those of real demo owners of the compound (members and heads are owners there); the two
people the demo names, 韩建新, from the seed, and 陈德明, the demo committee account, are made the
owners of record drawn for their seats (a member, and a candidate standing again, must be an
owner of the compound).
``load()`` writes only what is missing, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.demo import COMMUNITY, COMPOUNDS, DEMO_COMMITTEE_COMPOUND, DEMO_USERS, SEED
from compounds.models import Building, Community, Compound, Dwelling, Owner, Unit

from .models import BuildingHead, Committee, CommitteeMember, Consultation, UnitHead
from .services import add_years

# --- The figures of the seed -----------------------------------------------------------------------
MEMBERS = 111
PARTY_MEMBERS = 52
VETERANS = 33
# Not in the seed: cadres or retired cadres of institutions, and one member with a tie to the
# serving company (legal, but flagged on the coverage page so staff can watch it).
CADRES = 24
COMPANY_TIE = ("jinshuiwan", 4)  # compound, seat index

# Three committees of 7, the other eighteen of 5: 3 × 7 + 18 × 5 = 111.
SIZES = {"jinxin": 7, "changqing-mingting": 7, "kangsheng-garden": 7}
DEFAULT_SIZE = 5

ELECTED_2020 = {
    # Managed compounds first, then courtyards a few weeks apart, as the community went round.
    "jinxin": dt.date(2020, 5, 8),
    "changqing-mingting": dt.date(2020, 5, 15),
    "kangsheng-garden": dt.date(2020, 5, 22),
    "dihao-garden": dt.date(2020, 5, 29),
    "jinshuiwan": dt.date(2020, 6, 5),
}
# Names are data, stored in Chinese whatever the language of the run.
COMMITTEE_SUFFIX = {
    Committee.Kind.OWNERS: "业主委员会",
    Committee.Kind.SELF_MANAGEMENT: "自管委员会",
}
COURTYARD_ELECTED_FROM = dt.date(2020, 4, 10)
TERM_YEARS = 5
FILING_AFTER_DAYS = 21
HEADS_FROM = dt.date(2020, 6, 20)

# (compound, name, role): people the demo names rather than draws.
NAMED_MEMBERS = [
    ("xihuan-beilu-8", "韩建新", CommitteeMember.Role.CHAIR),
    (
        DEMO_COMMITTEE_COMPOUND,
        next(u["name"] for u in DEMO_USERS if u["username"] == "committee"),
        CommitteeMember.Role.VICE_CHAIR,
    ),
]

# (compound, channel, topic, received, resident, opinion, answer, days to answer or None)
_C = Consultation.Channel
CONSULTATIONS = [
    ("jinxin", _C.CHAT_GROUP, "楼道杂物清理", dt.date(2020, 3, 13), "王女士",
     "3号楼2单元楼道堆放纸箱和旧家具，存在消防隐患。",
     "已通知物业周五集中清理，网格员现场督促。", 3),
    ("kangsheng-garden", _C.MEETING, "物业服务清单与收费标准", dt.date(2020, 6, 20), "业主代表",
     "希望把物业服务承诺逐项列成清单，与收费标准一起交业主表决。",
     "业委会已拟定服务清单草案，下月业主大会表决。", 10),
    ("tongdexiang", _C.DOOR_TO_DOOR, "自管委候选人意向", dt.date(2020, 4, 2), "李先生",
     "推荐退休党员担任自管委员，熟悉楼院情况。",
     "已纳入候选人推荐名单，按程序资格审查。", 6),
    ("xihuan-beilu-8", _C.STAFF_VISIT, "院内路面破损", dt.date(2020, 5, 11), "赵大爷",
     "院内路面坑洼，雨天积水，老人出行不便。",
     "自管委协调维修资金，6月中旬完成修补。", 20),
    ("dihao-garden", _C.PHONE, "地下室废弃家具", dt.date(2020, 4, 24), "刘女士",
     "地下室通道堆放废弃家具多年无人清理。",
     "社区组织物业和城管志愿者清运两车。", 4),
    ("jinshuiwan", _C.PHONE, "更换物业后的服务衔接", dt.date(2020, 1, 9), "陈先生",
     "新物业接管后门岗无人值守，快递乱放。",
     "已约谈物业，门岗恢复24小时值守。", 5),
    ("changqing-mingting", _C.CHAT_GROUP, "停车秩序", dt.date(2020, 7, 3), "孙先生",
     "晚间车辆停在消防通道上。",
     "物业划定临时停车位，夜间巡查劝离。", 7),
    ("liangshiju", _C.DOOR_TO_DOOR, "僵尸车清理", dt.date(2020, 5, 19), "周女士",
     "院内两辆废弃车辆长期占用车位。",
     "联系车主移走一辆，另一辆交交警部门处理。", 15),
    ("xihuan-beilu-30", _C.MEETING, "门禁卡办理", dt.date(2020, 6, 8), "居民代表",
     "新装门禁，租户办卡需要什么材料？",
     "凭租赁合同和身份证到自管委登记办理。", 2),
    ("gongdianju", _C.STAFF_VISIT, "单元长人选", dt.date(2020, 5, 26), "吴大姐",
     "希望由常住的退休职工担任单元长。", "", None),
    ("kangsheng-garden", _C.CHAT_GROUP, "消防通道占用", dt.date(2020, 8, 6), "马先生",
     "12号楼东侧消防通道被电动车占用。", "", None),
    ("xihuan-beilu-14", _C.PHONE, "楼顶防水", dt.date(2020, 8, 10), "郑女士",
     "顶楼住户反映楼顶漏水。", "", None),
]  # fmt: skip


@dataclass(frozen=True)
class Person:
    """An owner as the demo needs it: enough to name and link a member or head."""

    pk: int
    name: str
    phone: str


@dataclass
class Created:
    committees: int = 0
    members: int = 0
    building_heads: int = 0
    unit_heads: int = 0
    consultations: int = 0

    def total(self) -> int:
        return (
            self.committees
            + self.members
            + self.building_heads
            + self.unit_heads
            + self.consultations
        )


def current_term(elected: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The five-year term of the cycle started on ``elected`` that covers ``today``."""
    start = elected
    while add_years(start, TERM_YEARS) <= today:
        start = add_years(start, TERM_YEARS)
    return start, add_years(start, TERM_YEARS) - dt.timedelta(days=1)


def election_dates() -> dict[str, dt.date]:
    dates = dict(ELECTED_2020)
    courtyards = [s.code for s in COMPOUNDS if s.kind == Compound.Kind.COURTYARD]
    for n, code in enumerate(courtyards):
        dates[code] = COURTYARD_ELECTED_FROM + dt.timedelta(days=4 * n)
    return dates


def committee_sizes() -> dict[str, int]:
    return {s.code: SIZES.get(s.code, DEFAULT_SIZE) for s in COMPOUNDS}


def _owners_by_compound(compounds: dict[str, Compound]) -> dict[int, list[Person]]:
    """Persons owning a dwelling in each compound, by owner reference, in one query."""
    rows = (
        Dwelling.objects.filter(
            unit__building__compound__in=list(compounds.values()),
            owner__kind=Owner.Kind.PERSON,
        )
        .order_by("owner__owner_ref")
        .values_list("unit__building__compound_id", "owner_id", "owner__name", "owner__phone")
    )
    result: dict[int, dict[int, Person]] = {}
    for compound_id, owner_id, name, phone in rows:
        result.setdefault(compound_id, {})[owner_id] = Person(owner_id, name, phone)
    return {k: list(v.values()) for k, v in result.items()}


def _owners_by(field: str, compound_ids: list[int]) -> dict[int, list[Person]]:
    """Persons owning a dwelling in each building or unit (``field``), in one query."""
    rows = (
        Dwelling.objects.filter(
            unit__building__compound_id__in=compound_ids, owner__kind=Owner.Kind.PERSON
        )
        .order_by(field, "unit__code", "code")
        .values_list(field, "owner_id", "owner__name", "owner__phone")
    )
    result: dict[int, list[Person]] = {}
    for key, owner_id, name, phone in rows:
        result.setdefault(key, []).append(Person(owner_id, name, phone))
    return result


@transaction.atomic
def load(stdout: TextIO | None = None) -> Created:
    """Add the committees' part of the demo to the Tongde Lane community; idempotent."""
    created = Created()
    community = Community.objects.filter(slug=COMMUNITY["slug"]).first()
    if community is None:
        return created
    compounds = {c.code: c for c in community.compounds.all()}
    compounds = {s.code: compounds[s.code] for s in COMPOUNDS if s.code in compounds}
    today = timezone.localdate()
    rng = random.Random(SEED + 4)  # noqa: S311 -- demo data, not secrets

    committees = _load_committees(compounds, today, created)
    _load_members(compounds, committees, rng, created)
    _load_heads(compounds, rng, created)
    _load_consultations(compounds, created)
    _load_elections(stdout)

    if stdout is not None:
        if created.total():
            stdout.write(
                _(
                    "Committees: created %(committees)s committees, %(members)s members, "
                    "%(building_heads)s building heads, %(unit_heads)s unit heads and "
                    "%(consultations)s resident opinions."
                )
                % vars(created)
            )
        else:
            stdout.write(_("Committees: complete already, nothing was created."))
    return created


def _load_committees(
    compounds: dict[str, Compound], today: dt.date, created: Created
) -> dict[str, Committee]:
    existing = {c.compound_id: c for c in Committee.objects.filter(compound__in=compounds.values())}
    result = {}
    dates = election_dates()
    for code, compound in compounds.items():
        committee = existing.get(compound.pk)
        if committee is None:
            starts_on, ends_on = current_term(dates[code], today)
            kind = (
                Committee.Kind.OWNERS
                if compound.kind == Compound.Kind.MANAGED
                else Committee.Kind.SELF_MANAGEMENT
            )
            committee = Committee(
                compound=compound,
                kind=kind,
                name=compound.name + COMMITTEE_SUFFIX[kind],
                term_starts_on=starts_on,
                term_ends_on=ends_on,
                filed_on=starts_on + dt.timedelta(days=FILING_AFTER_DAYS),
            )
            committee.full_clean()
            committee.save()
            created.committees += 1
        result[code] = committee
    return result


def member_plan(rng: random.Random) -> list[tuple[str, int, str, bool, bool, bool]]:
    """Every seat: (compound, seat index, role, Party member, veteran, cadre).

    Seat 0 is the chair and seat 1 the vice-chair. Chairs are all Party members (the seed's
    "引导业主将...党员...选入"); the remaining Party members, the veterans and the cadres are drawn
    over all seats.
    """
    seats = [(code, i) for code, size in committee_sizes().items() for i in range(size)]
    assert len(seats) == MEMBERS  # noqa: S101 -- the plan must add up to the seed
    chairs = [s for s in seats if s[1] == 0]
    others = [s for s in seats if s[1] != 0]
    party = set(chairs) | set(rng.sample(others, PARTY_MEMBERS - len(chairs)))
    veterans = set(rng.sample(seats, VETERANS))
    cadres = set(rng.sample(seats, CADRES))
    flags = (party, veterans, cadres)
    roles = {0: CommitteeMember.Role.CHAIR, 1: CommitteeMember.Role.VICE_CHAIR}
    return [
        (s[0], s[1], roles.get(s[1], CommitteeMember.Role.MEMBER), *(s in x for x in flags))
        for s in seats
    ]


def _load_members(
    compounds: dict[str, Compound],
    committees: dict[str, Committee],
    rng: random.Random,
    created: Created,
) -> None:
    plan = member_plan(rng)
    owners = _owners_by_compound(compounds)
    seated = set(
        CommitteeMember.objects.filter(committee__in=committees.values()).values_list(
            "committee_id", flat=True
        )
    )
    named = {(code, role): name for code, name, role in NAMED_MEMBERS}
    rows = []
    by_compound: dict[str, list] = {}
    for seat in plan:
        by_compound.setdefault(seat[0], []).append(seat)
    for code, seats in by_compound.items():
        committee = committees.get(code)
        # The draw happens whether or not the committee is seated, so each committee's members
        # are the same whichever of them a partial earlier run had written.
        pool = (
            rng.sample(owners.get(compounds[code].pk, []), len(seats)) if code in compounds else []
        )
        if committee is None or committee.pk in seated or len(pool) < len(seats):
            continue
        for (_code, index, role, party, veteran, cadre), owner in zip(seats, pool, strict=True):
            name = named.get((code, role))
            if name:
                _name_owner(owner.pk, name)
            rows.append(
                CommitteeMember(
                    committee=committee,
                    name=name or owner.name,
                    owner_id=owner.pk,
                    role=role,
                    term_starts_on=committee.term_starts_on,
                    term_ends_on=committee.term_ends_on,
                    is_party_member=party,
                    is_veteran=veteran,
                    is_cadre=cadre,
                    has_company_tie=(code, index) == COMPANY_TIE,
                )
            )
    CommitteeMember.objects.bulk_create(rows)
    created.members += len(rows)


def _name_owner(owner_id: int, name: str) -> None:
    """Make a person the demo names the owner of record drawn for their seat: a committee
    member, and a candidate standing again, is an owner of the compound. Saved (not updated) so
    that the registry's history shows the change."""
    owner = Owner.objects.get(pk=owner_id)
    if owner.name != name:
        owner.name = name
        owner.save(update_fields=["name"])


def _pick(rng: random.Random, owners: list[Person]) -> Person | None:
    return rng.choice(owners) if owners else None


def _load_heads(compounds: dict[str, Compound], rng: random.Random, created: Created) -> None:
    compound_ids = [c.pk for c in compounds.values()]
    building_owners = _owners_by("unit__building_id", compound_ids)
    unit_owners = _owners_by("unit_id", compound_ids)
    with_head = set(
        BuildingHead.objects.filter(building__compound_id__in=compound_ids).values_list(
            "building_id", flat=True
        )
    )
    rows = []
    for building in Building.objects.filter(compound_id__in=compound_ids).order_by(
        "compound_id", "pk"
    ):
        owner = _pick(rng, building_owners.get(building.pk, []))
        if building.pk in with_head or owner is None:
            continue
        rows.append(
            BuildingHead(
                building=building,
                name=owner.name,
                phone=owner.phone,
                owner_id=owner.pk,
                starts_on=HEADS_FROM,
            )
        )
    BuildingHead.objects.bulk_create(rows)
    created.building_heads += len(rows)

    with_head = set(
        UnitHead.objects.filter(unit__building__compound_id__in=compound_ids).values_list(
            "unit_id", flat=True
        )
    )
    rows = []
    for unit in Unit.objects.filter(building__compound_id__in=compound_ids).order_by("pk"):
        owner = _pick(rng, unit_owners.get(unit.pk, []))
        if unit.pk in with_head or owner is None:
            continue
        rows.append(
            UnitHead(
                unit=unit,
                name=owner.name,
                phone=owner.phone,
                owner_id=owner.pk,
                starts_on=HEADS_FROM,
            )
        )
    UnitHead.objects.bulk_create(rows)
    created.unit_heads += len(rows)


# Two opinions the demo resident (张桂兰) gave online: one answered, one waiting for staff.
ONLINE_OPINIONS = [
    ("kangsheng-garden", _C.ONLINE, "单元门禁损坏", dt.date(2026, 11, 2), "张桂兰",
     "12号楼2单元门禁门锁坏了一个星期，外来人员随意进出。",
     "已督促物业更换门锁，11月5日修复，网格员已回访。", 3),
    ("kangsheng-garden", _C.ONLINE, "冬季供暖前楼道窗户", dt.date(2026, 11, 20), "张桂兰",
     "楼道窗户玻璃破损，冬季供暖后楼道很冷，希望尽快修补。", "", None),
]  # fmt: skip


def _load_consultations(compounds: dict[str, Compound], created: Created) -> None:
    """Opinions staff logged, then those the resident gave online (recorded by their account)."""
    users = get_user_model().objects.in_bulk(["staff", "resident"], field_name="username")
    for rows, recorder in ((CONSULTATIONS, "staff"), (ONLINE_OPINIONS, "resident")):
        for code, channel, topic, received, resident, opinion, answer, days in rows:
            if code not in compounds:
                continue
            _, new = Consultation.objects.get_or_create(
                compound=compounds[code],
                topic=topic,
                received_on=received,
                defaults={
                    "channel": channel,
                    "resident_name": resident,
                    "opinion": opinion,
                    "answer": answer,
                    "answered_on": (
                        received + dt.timedelta(days=days) if days is not None else None
                    ),
                    "recorded_by": users.get(recorder),
                },
            )
            created.consultations += int(new)


def _load_elections(stdout: TextIO | None) -> None:
    """The hook for the elections part of the demo (one finished election with its history, one
    open for voting): ``committees/demo_elections.py`` with ``load(stdout=...)``, run after the
    committees exist. Until that module is written, nothing happens here."""
    if importlib.util.find_spec(f"{__package__}.demo_elections") is None:
        return
    module = importlib.import_module(f"{__package__}.demo_elections")
    module.load(stdout=stdout)
