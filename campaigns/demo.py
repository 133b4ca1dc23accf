"""The campaigns part of the Tongde Lane demo: 2020 as the seed tells it.

The seed (``seed/tongde-lane-2020-08-17.txt``) says, as of 17 August 2020:

- "社区自3月以来……开展对五个网格小区、16个自管小区人居环境整治共59次,参与人力1585人次,……
  垃圾66车158吨": 59 clean-up operations since March over the 5 managed compounds and 16
  courtyards, 1,585 person-times, 66 truckloads, 158 tonnes;
- "召开物管服务推进、部署会、考核会6次,专题培训会议3次,物管联席会议4次": 6 promotion/deployment/
  assessment meetings, 3 trainings, 4 joint meetings;
- "修订完善了《物业管理合同》、《小区居民公约》和《居民议事制度》等14项制度,广泛征求业主意见":
  14 regulations revised, with the owners consulted;
- "在巩固已创建的'精品小区'(金鑫小区、常青茗庭小区)基础上,新创建……3个(康盛花园、帝豪花园、
  金水湾),实现创建率达到80%目标; ……创建自管示范小区5个(同德巷小区、西环北路楼院8号、14号、
  16号、30号),实现……30%以上目标", and 西环北路8号院 was made a "德治" (rule of virtue) home.

Everything the seed does not say (which day, which compounds, how the person-times split between
groups, each operation's truckloads and tonnes, titles, decisions, opinions) is invented and drawn
from one fixed seed, so every run plans the same rows: ``operation_plan()`` is pure Python and its
totals are exact by construction (largest-remainder apportionment, tonnes in tenths). The seed's
"清理物管和自管30个小区楼院" cannot be true of 21 compounds and courtyards: the operations here cover
all 21, and ``docs/seed-figures.md`` says so.

``load()`` writes only what is missing, keyed by natural keys (an operation by day, kind and topic;
a meeting by day and title; a regulation by code and a version by number; a designation by
compound and year), so a second run changes nothing. Operations and designations go through the
app's services, so the demo obeys the same rules as the pages.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from compounds.demo import COMMUNITY, COMPANIES, COMPOUNDS, GRIDS, SEED
from compounds.models import Community, Compound

from . import demo_patrols, services
from . import designations as designation_services
from .models import (
    Campaign,
    Designation,
    DesignationTarget,
    Disorder,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    Regulation,
    RegulationOpinion,
    RegulationVersion,
)

STAFF_USERNAME = "staff"

# --- The figures of the seed -----------------------------------------------------------------------
OPERATIONS = 59
PERSON_TIMES = 1_585
TRUCKLOADS = 66
TONNES = Decimal("158")
FIRST_DAY = dt.date(2020, 3, 1)
LAST_DAY = dt.date(2020, 8, 14)  # the Friday before the article (2020-08-17)
YEAR = 2020

# --- Invented, but kept plausible ------------------------------------------------------------------
# Of the 59, every Friday from March to mid-August is a concentrated clean-up (24 of them); the
# other 35 are weekday operations: routine rounds (stairwells, rooftops, public areas) and
# special ones on zombie cars and basements.
SPECIAL_TOPICS = {"僵尸车清理": 6, "地下室废弃家具清理": 9}
ROUTINE_TOPICS = ("单元楼道杂物清理", "楼顶和公共区域垃圾清理", "楼院环境常态整治")
FRIDAY_TOPIC = "周五集中整治"
# A Friday operation draws about three times the people of a weekday one.
FRIDAY_WEIGHT = (40, 60)
WEEKDAY_WEIGHT = (10, 22)
MIN_PERSONS = 6
# One operation whose lorry came back unweighed (the scales were not at hand): saved and flagged,
# as the rules allow, so that the demo shows a flag. Its truckload still counts in the 66. It is
# the first routine operation with one truckload from this position on.
UNWEIGHED_FROM = 40
# Zombie-car operations tow vehicles and carry no rubbish.
ZOMBIE_VEHICLES = (1, 3)
# Relative truckloads: a Friday clean-up fills about three lorries for one of a routine round.
TRUCK_WEIGHT = {FRIDAY_TOPIC: 3, "地下室废弃家具清理": 2, "僵尸车清理": 0}
# Tenths of a tonne per truckload: small tricycle-lorries to full trucks.
TENTHS_PER_TRUCK = (16, 32)

# Who takes part, with relative weights; the company only where a managed compound is covered.
GROUP_WEIGHTS_FRIDAY = {
    "staff": 5,
    "grid_workers": 5,
    "company": 6,
    "committee": 7,
    "residents": 10,
    "volunteers": 6,
}
GROUP_WEIGHTS_WEEKDAY = {
    "staff": 3,
    "grid_workers": 4,
    "company": 4,
    "committee": 3,
    "residents": 3,
    "volunteers": 2,
}
DISORDERS_BY_TOPIC = {
    FRIDAY_TOPIC: ("piling", "dumping", "posting", "hanging"),
    "僵尸车清理": ("zombie_cars", "parking"),
    "地下室废弃家具清理": ("basement", "piling"),
    "单元楼道杂物清理": ("stairwell", "piling"),
    "楼顶和公共区域垃圾清理": ("dumping", "piling"),
    "楼院环境常态整治": ("piling", "posting", "parking"),
}


@dataclass(frozen=True)
class OperationPlan:
    held_on: dt.date
    kind: str
    topic: str
    compounds: tuple[str, ...]
    spots: str
    participations: dict[str, int]
    truckloads: int
    tonnes: Decimal
    vehicles_handled: int
    disorders: tuple[str, ...]
    notes: str = ""

    @property
    def persons(self) -> int:
        return sum(self.participations.values())


def apportion(total: int, weights: list[float], *, minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each at
    least ``minimum`` where its weight is positive; the parts always add up to ``total``."""
    live = [i for i, w in enumerate(weights) if w > 0]
    parts = [0] * len(weights)
    if not live:
        if total:
            raise ValueError("nothing to share a non-zero total between")
        return parts
    for i in live:
        parts[i] = minimum
    rest = total - minimum * len(live)
    if rest < 0:
        raise ValueError("the total is below the minimum of every part")
    weight_sum = sum(weights[i] for i in live)
    shares = {i: rest * weights[i] / weight_sum for i in live}
    for i in live:
        parts[i] += int(shares[i])
    left = total - sum(parts)
    # Largest remainders first; ties by position, so the split is deterministic.
    for i in sorted(live, key=lambda i: (-(shares[i] - int(shares[i])), i))[:left]:
        parts[i] += 1
    return parts


def _days() -> tuple[list[dt.date], list[dt.date]]:
    fridays, weekdays = [], []
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() == 4:
            fridays.append(day)
        elif day.weekday() < 4:
            weekdays.append(day)
        day += dt.timedelta(days=1)
    return fridays, weekdays


def _grid_clusters() -> list[tuple[str, tuple[str, ...]]]:
    """The level-4 grids and their compounds: a Friday clean-up goes through one of them."""
    return [(name, tuple(codes)) for _top, level4 in GRIDS for name, codes in level4]


def operation_plan() -> list[OperationPlan]:
    """The 59 operations of 2020, with exact totals (pure Python, same result every run)."""
    rng = random.Random(SEED + 7)  # noqa: S311 -- demo data, not secrets
    fridays, weekdays = _days()
    kinds = {s.code: s.kind for s in COMPOUNDS}
    names = {s.code: s.name for s in COMPOUNDS}
    clusters = _grid_clusters()

    # Which operations, where.
    drafts: list[dict[str, Any]] = []
    for n, day in enumerate(fridays):
        cluster_name, codes = clusters[n % len(clusters)]
        drafts.append(
            {
                "held_on": day,
                "kind": Campaign.Kind.FRIDAY,
                "topic": FRIDAY_TOPIC,
                "compounds": codes,
                "spots": cluster_name,
            }
        )
    topics = [t for t, n in SPECIAL_TOPICS.items() for _ in range(n)]
    n_weekday = OPERATIONS - len(drafts)
    topics += [ROUTINE_TOPICS[i % len(ROUTINE_TOPICS)] for i in range(n_weekday - len(topics))]
    rng.shuffle(topics)
    # One weekday operation at most per day, spread over the months.
    step = len(weekdays) / n_weekday
    days = [weekdays[int(i * step + step / 2)] for i in range(n_weekday)]
    # Every compound gets weekday operations in turn, so all 21 are covered outside Fridays too.
    order = [s.code for s in COMPOUNDS]
    for i, (day, topic) in enumerate(zip(days, topics, strict=True)):
        code = order[i % len(order)]
        special = topic in SPECIAL_TOPICS
        drafts.append(
            {
                "held_on": day,
                "kind": Campaign.Kind.SPECIAL if special else Campaign.Kind.ROUTINE,
                "topic": topic,
                "compounds": (code,),
                "spots": names[code],
            }
        )
    drafts.sort(key=lambda d: d["held_on"])
    assert len(drafts) == OPERATIONS  # noqa: S101 -- the plan must add up to the seed

    # Persons: the 1,585 person-times shared out, then each operation's split between groups.
    weights = [
        rng.randint(*(FRIDAY_WEIGHT if d["kind"] == Campaign.Kind.FRIDAY else WEEKDAY_WEIGHT))
        for d in drafts
    ]
    persons = apportion(PERSON_TIMES, weights, minimum=MIN_PERSONS)

    # Loads: zombie cars carry none; the 66 truckloads go to the rest, the 1,580 tenths of a
    # tonne to the operations with a truckload (all but the unweighed one).
    truck_weights = [TRUCK_WEIGHT.get(d["topic"], 1) * rng.uniform(0.6, 1.4) for d in drafts]
    trucks = apportion(TRUCKLOADS, truck_weights)
    unweighed = next(
        i
        for i in range(UNWEIGHED_FROM, len(drafts))
        if drafts[i]["kind"] == Campaign.Kind.ROUTINE and trucks[i] == 1
    )
    tenth_weights = [
        t * rng.randint(*TENTHS_PER_TRUCK) if t and i != unweighed else 0
        for i, t in enumerate(trucks)
    ]
    tenths = apportion(int(TONNES * 10), tenth_weights, minimum=5)

    plans = []
    for i, draft in enumerate(drafts):
        has_company = any(kinds[c] == Compound.Kind.MANAGED for c in draft["compounds"])
        group_weights = dict(
            GROUP_WEIGHTS_FRIDAY if draft["kind"] == Campaign.Kind.FRIDAY else GROUP_WEIGHTS_WEEKDAY
        )
        if not has_company:
            group_weights["company"] = 0
        groups = list(group_weights)
        split = apportion(
            persons[i], [group_weights[g] * rng.uniform(0.7, 1.3) for g in groups], minimum=1
        )
        vehicles = rng.randint(*ZOMBIE_VEHICLES) if draft["topic"] == "僵尸车清理" else 0
        notes = ""
        if i == unweighed:
            notes = "清运车辆未过磅，吨数待补。"
        elif vehicles:
            notes = "联系车主挪走，无主车辆移交交警部门处理。"
        plans.append(
            OperationPlan(
                held_on=draft["held_on"],
                kind=draft["kind"],
                topic=draft["topic"],
                compounds=draft["compounds"],
                spots=draft["spots"],
                participations={g: n for g, n in zip(groups, split, strict=True) if n},
                truckloads=trucks[i],
                tonnes=Decimal(tenths[i]) / 10,
                vehicles_handled=vehicles,
                disorders=DISORDERS_BY_TOPIC[draft["topic"]],
                notes=notes,
            )
        )
    return plans


# --- Meetings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPlan:
    kind: str
    held_on: dt.date
    title: str
    agenda: str
    # (organisation, name, persons)
    attendance: tuple[tuple[str, str, int], ...]
    # (text, responsible, due, done)
    decisions: tuple[tuple[str, str, dt.date | None, dt.date | None], ...] = ()


_K = Meeting.Kind
_COMPANY_NAMES = tuple(c.name for c in COMPANIES[:4])


def _companies(persons: int = 1) -> tuple[tuple[str, str, int], ...]:
    return tuple(("company", name, persons) for name in _COMPANY_NAMES)


MEETINGS = [
    # Six promotion, deployment and assessment meetings (推进、部署会、考核会).
    MeetingPlan(_K.PROMOTION, dt.date(2020, 3, 4), "“物业管理服务质量提升年”活动动员部署会",
                "传达区委区政府部署；签订物业质量提升目标责任书；部署周五集中整治。",
                (("community", "社区两委和城管办", 9), *_companies(2),
                 ("committee", "各业委会和自管委主任", 21)),
                (("与5家物业企业签订目标责任书", "社区城管办", dt.date(2020, 3, 15),
                  dt.date(2020, 3, 13)),
                 ("建立周反馈、月评比、季通报、年考核台账", "社区城管办", dt.date(2020, 3, 31),
                  dt.date(2020, 3, 27)))),
    MeetingPlan(_K.PROMOTION, dt.date(2020, 4, 8), "物业服务“红黑榜”月评比推进会",
                "通报3月评比结果；整改问题交办。",
                (("community", "社区城管办", 5), *_companies(1)),
                (("3月评比问题逐条整改并书面回复", "各物业企业", dt.date(2020, 4, 20),
                  dt.date(2020, 4, 18)),)),
    MeetingPlan(_K.PROMOTION, dt.date(2020, 4, 15), "业主委员会和自管委员会换届选举工作部署会",
                "换届选举程序；候选人标准条件和资格审查；民情民意征询方式。",
                (("community", "社区两委", 8), ("committee", "各楼院自管委", 16),
                 ("owners", "业主代表", 12)),
                (("各楼院公布候选人标准条件", "包楼院社区干部", dt.date(2020, 4, 25),
                  dt.date(2020, 4, 24)),)),
    MeetingPlan(_K.PROMOTION, dt.date(2020, 6, 10), "散居楼院自管委员会建设推进会",
                "楼院长、单元长选任进度；楼院制度修订征求意见。",
                (("community", "社区两委和网格员", 11), ("committee", "自管委主任", 16)),
                (("完成14项制度修订稿征求意见", "社区城管办", dt.date(2020, 7, 10),
                  dt.date(2020, 7, 8)),)),
    MeetingPlan(_K.PROMOTION, dt.date(2020, 7, 8), "精品小区和自管示范小区创建推进会",
                "“以点带面、示范引领、全面推进”；一院一主题。",
                (("community", "社区两委", 7), *_companies(1), ("committee", "示范楼院自管委", 5)),
                (("各示范楼院确定主题并上报", "示范楼院自管委", dt.date(2020, 7, 20),
                  dt.date(2020, 7, 17)),)),
    MeetingPlan(_K.PROMOTION, dt.date(2020, 7, 29), "上半年物业服务质量考核会",
                "上半年月评比汇总；红黑榜通报；下半年任务。",
                (("community", "社区两委和城管办", 9), *_companies(2), ("other", "街道办事处", 2)),
                (("黑榜项目约谈并限期整改", "社区城管办", dt.date(2020, 8, 10),
                  dt.date(2020, 8, 12)),)),
    # Three special trainings (专题培训会议).
    MeetingPlan(_K.TRAINING, dt.date(2020, 5, 20), "楼院长、单元长履职专题培训",
                "楼院长、单元长职责；楼道杂物清理和安全隐患上报。",
                (("community", "社区干部", 4), ("committee", "楼院长和单元长", 86))),
    MeetingPlan(_K.TRAINING, dt.date(2020, 6, 17), "《民法典》物业服务合同和业主权利专题培训",
                "《民法典》物权编业主的建筑物区分所有权、合同编物业服务合同。",
                (("community", "社区干部", 5), *_companies(2), ("committee", "业委会和自管委委员", 64))),
    MeetingPlan(_K.TRAINING, dt.date(2020, 7, 22), "物业企业消防安全和环境卫生专题培训",
                "消防通道管理；电动车充电；垃圾清运。",
                (("community", "社区城管办", 3), *_companies(4), ("other", "消防救援站", 2)),
                (("各小区排查消防通道占用并建立台账", "各物业企业", dt.date(2020, 8, 5),
                  dt.date(2020, 8, 4)),)),
    # Four joint meetings (物管联席会议) of community, companies and committees.
    MeetingPlan(_K.JOINT, dt.date(2020, 3, 25), "第一季度物管联席会议",
                "周五集中整治分工；物业人力不足小区由网格牵头携手整治。",
                (("community", "社区城管办和网格员", 8), *_companies(1),
                 ("committee", "业委会主任", 5), ("other", "城管志愿者队", 2)),
                (("人力不足小区由网格员和城管志愿者支援整治", "网格长", dt.date(2020, 4, 3),
                  dt.date(2020, 4, 3)),)),
    MeetingPlan(_K.JOINT, dt.date(2020, 5, 27), "物管联席会议：单元楼道杂物和地下室清理",
                "地下室废弃家具、楼道杂物集中清运方案。",
                (("community", "社区城管办", 4), *_companies(1), ("committee", "业委会和自管委", 9)),
                (("地下室废弃家具限期清运", "各物业企业和自管委", dt.date(2020, 6, 30),
                  dt.date(2020, 6, 26)),)),
    MeetingPlan(_K.JOINT, dt.date(2020, 6, 24), "物管联席会议：康盛花园“清单式承诺、契约化运营”试点",
                "服务承诺清单与收费标准同步提交业主大会；全体业主监督机制。",
                (("community", "社区两委", 4), ("company", _COMPANY_NAMES[2], 3),
                 ("committee", "康盛花园业主委员会", 7), ("owners", "业主代表", 15)),
                (("服务承诺清单和收费标准提交业主大会表决", "康盛花园业主委员会",
                  dt.date(2020, 7, 31), dt.date(2020, 7, 26)),)),
    MeetingPlan(_K.JOINT, dt.date(2020, 8, 12), "物管联席会议：停车秩序和消防通道",
                "停车有序、消防通道畅通；门禁系统运行。",
                (("community", "社区城管办", 4), *_companies(1), ("committee", "业委会和自管委", 12)),
                (("划定消防通道标线并夜间巡查", "各物业企业", dt.date(2020, 8, 31),
                  dt.date(2020, 8, 28)),)),
    # Owners' study visits (现场观摩交流学习, "三学"); the seed gives no number of them.
    MeetingPlan(_K.STUDY_VISIT, dt.date(2020, 6, 5), "精品小区现场观摩交流（金鑫小区、常青茗庭小区）",
                "培树典型学、相互交流学：亮成绩、比服务。",
                (("community", "社区干部", 4), *_companies(2), ("committee", "业委会和自管委委员", 26))),
    MeetingPlan(_K.STUDY_VISIT, dt.date(2020, 7, 31), "自管楼院观摩学习（西环北路楼院8号“德治”家园）",
                "一院一主题、一院一特色。",
                (("community", "社区干部", 3), ("committee", "自管委主任和楼院长", 30))),
]  # fmt: skip


# --- Regulations -------------------------------------------------------------------------------------

ALL, MANAGED, COURTYARDS = "all", "managed", "courtyards"


@dataclass(frozen=True)
class RegulationPlan:
    code: str
    title: str
    adopters: str
    first_adopted: dt.date
    revised: dt.date
    summary: str
    # (received, opinion, answer, days to answer)
    opinions: tuple[tuple[dt.date, str, str, int], ...] = field(default=())


REGULATIONS = [
    RegulationPlan("property-contract", "物业管理合同", MANAGED, dt.date(2017, 1, 1),
                   dt.date(2020, 6, 28), "服务内容按物业服务标准逐项列明；增加月评比和红黑榜条款。",
                   ((dt.date(2020, 6, 8), "希望合同写明保洁频次和门岗值守时间。", "已写入服务内容附件。", 5),
                    (dt.date(2020, 6, 12), "物业费调整应先经业主大会表决。", "合同明确调价须经业主大会决定。", 4))),
    RegulationPlan("residents-convention", "小区居民公约", ALL, dt.date(2016, 3, 1),
                   dt.date(2020, 6, 20), "增加楼道杂物、文明养犬、垃圾分类条款。",
                   ((dt.date(2020, 5, 30), "楼道不得堆放杂物应写清楚处理办法。", "已增加限期清理和集中清运条款。", 6),)),
    RegulationPlan("deliberation-rules", "居民议事制度", ALL, dt.date(2016, 3, 1),
                   dt.date(2020, 6, 20), "明确议事程序和“少数服从多数”规则；议题公示。",
                   ((dt.date(2020, 5, 28), "议事结果要在楼院公示栏公开。", "已采纳，结果公示7日。", 3),)),
    RegulationPlan("owners-assembly-rules", "业主大会议事规则", MANAGED, dt.date(2015, 9, 1),
                   dt.date(2020, 5, 30), "按《民法典》第二百七十八条调整表决比例。",
                   ((dt.date(2020, 5, 18), "书面征求意见和线上投票能否同时使用？", "可以，两种方式合并计票。", 4),)),
    RegulationPlan("management-covenant", "管理规约", MANAGED, dt.date(2015, 9, 1),
                   dt.date(2020, 5, 30), "共有部分使用和维修资金使用规定。",
                   ((dt.date(2020, 5, 15), "共有部分出租收益归属要写明。", "已写明归全体业主共有。", 5),)),
    RegulationPlan("parking-rules", "停车管理制度", ALL, dt.date(2017, 5, 1),
                   dt.date(2020, 7, 15), "划定消防通道禁停区；僵尸车认定和清理程序。",
                   ((dt.date(2020, 7, 1), "外来车辆夜间停放如何管理？", "凭业主登记临时停放，夜间巡查。", 4),)),
    RegulationPlan("fire-safety-rules", "消防安全管理制度", ALL, dt.date(2017, 5, 1),
                   dt.date(2020, 7, 15), "电动车禁止楼道充电；消防通道每日巡查。",
                   ((dt.date(2020, 7, 2), "建议增设集中充电点。", "已列入下半年改造计划。", 6),)),
    RegulationPlan("sanitation-rules", "环境卫生管理制度", ALL, dt.date(2016, 8, 1),
                   dt.date(2020, 6, 30), "周五集中整治和日常保洁标准；垃圾清运时间。",
                   ((dt.date(2020, 6, 15), "垃圾清运时间避开早高峰。", "调整为每日9时和17时。", 3),)),
    RegulationPlan("stairwell-convention", "楼道管理公约", ALL, dt.date(2016, 8, 1),
                   dt.date(2020, 6, 30), "楼道杂物限期清理；单元长巡查。",
                   ((dt.date(2020, 6, 16), "老人放在楼道的旧家具怎么处理？", "单元长上门协商，由志愿者协助清运。", 5),)),
    RegulationPlan("dog-convention", "文明养犬公约", ALL, dt.date(2018, 4, 1),
                   dt.date(2020, 7, 20), "出门拴绳、及时清理犬只粪便。",
                   ((dt.date(2020, 7, 6), "大型犬是否限制？", "按市养犬管理规定执行。", 4),)),
    RegulationPlan("renovation-rules", "装修管理规定", MANAGED, dt.date(2017, 3, 1),
                   dt.date(2020, 7, 25), "装修垃圾袋装、定点堆放、及时清运。",
                   ((dt.date(2020, 7, 10), "装修时间周末应缩短。", "周末施工时间改为9时至12时、14时至18时。", 5),)),
    RegulationPlan("common-income-rules", "公共收益管理办法", MANAGED, dt.date(2018, 1, 1),
                   dt.date(2020, 7, 25), "公共收益单独列账，每季度公示。",
                   ((dt.date(2020, 7, 9), "电梯广告收入要公开。", "每季度在公示栏和微信群公示。", 4),)),
    RegulationPlan("self-management-rules", "自管委员会工作制度", COURTYARDS, dt.date(2016, 6, 1),
                   dt.date(2020, 6, 12), "自管委职责、议事和财务公开；分歧化解程序。",
                   ((dt.date(2020, 5, 25), "自管经费收支要每月公开。", "已写入财务公开条款。", 6),)),
    RegulationPlan("courtyard-head-duties", "楼院长职责", COURTYARDS, dt.date(2016, 6, 1),
                   dt.date(2020, 6, 12), "楼院长和单元长分工；问题上报网格员。",
                   ((dt.date(2020, 5, 26), "楼院长能否兼任单元长？", "可以兼任，但须分别登记。", 3),)),
]  # fmt: skip
EFFECTIVE_AFTER_DAYS = 1  # a revision takes effect the day after it is adopted

# --- Designations ------------------------------------------------------------------------------------

TARGETS = {"premium": Decimal("0.80"), "model_courtyard": Decimal("0.30")}
# (compound, status, theme); the two kept premium compounds were created the year before.
DESIGNATIONS_2019 = [
    ("jinxin", Designation.Status.CREATED, ""),
    ("changqing-mingting", Designation.Status.CREATED, ""),
]
DESIGNATIONS_2020 = [
    ("jinxin", Designation.Status.KEPT, ""),
    ("changqing-mingting", Designation.Status.KEPT, ""),
    ("kangsheng-garden", Designation.Status.CREATED, "清单式承诺、契约化运营"),
    ("dihao-garden", Designation.Status.CREATED, ""),
    ("jinshuiwan", Designation.Status.CREATED, ""),
    ("tongdexiang", Designation.Status.CREATED, "邻里和睦"),
    ("xihuan-beilu-8", Designation.Status.CREATED, "德治"),
    ("xihuan-beilu-14", Designation.Status.CREATED, "洁净楼院"),
    ("xihuan-beilu-16", Designation.Status.CREATED, "平安楼院"),
    ("xihuan-beilu-30", Designation.Status.CREATED, "绿色楼院"),
]
THEME_NOTES = {"xihuan-beilu-8": "自管委员会主任韩建新带头将楼院打造成“德治”家园。"}


@dataclass
class Created:
    operations: int = 0
    meetings: int = 0
    regulations: int = 0
    versions: int = 0
    designations: int = 0

    def total(self) -> int:
        return (
            self.operations + self.meetings + self.regulations + self.versions + self.designations
        )


@transaction.atomic
def load(stdout: TextIO | None = None) -> Created:
    """Add the campaigns' part of the demo to the Tongde Lane community; idempotent."""
    created = Created()
    community = Community.objects.filter(slug=COMMUNITY["slug"]).first()
    if community is None:
        return created
    compounds = {c.code: c for c in community.compounds.all()}
    if any(s.code not in compounds for s in COMPOUNDS):
        return created  # the registry part of the demo is not complete
    staff = get_user_model().objects.filter(username=STAFF_USERNAME).first()

    services.disorders_seed(community=community)
    _load_operations(community, compounds, staff, created)
    _load_meetings(community, staff, created)
    _load_regulations(community, compounds, created)
    _load_designations(community, compounds, staff, created)
    patrols, problems = demo_patrols.load(community, compounds)

    if stdout is not None:
        if created.total():
            stdout.write(
                _(
                    "Campaigns: created %(operations)s clean-up operations, %(meetings)s "
                    "meetings, %(regulations)s regulations with %(versions)s versions and "
                    "%(designations)s designations."
                )
                % vars(created)
            )
        else:
            stdout.write(_("Campaigns: complete already, nothing was created."))
        if patrols:
            stdout.write(
                _("Patrols: created %(patrols)s patrols with %(problems)s problems.")
                % {"patrols": patrols, "problems": problems}
            )
    return created


def _load_operations(
    community: Community, compounds: dict[str, Compound], staff: Any, created: Created
) -> None:
    disorders = {d.code: d for d in Disorder.objects.filter(community=community)}
    existing = set(
        Campaign.objects.filter(community=community, held_on__year=YEAR).values_list(
            "held_on", "kind", "topic"
        )
    )
    for plan in operation_plan():
        if (plan.held_on, plan.kind, plan.topic) in existing:
            continue
        services.campaign_record(
            community=community,
            data={
                "kind": plan.kind,
                "topic": plan.topic,
                "held_on": plan.held_on,
                "spots": plan.spots,
                "truckloads": plan.truckloads,
                "tonnes": plan.tonnes,
                "vehicles_handled": plan.vehicles_handled,
                "notes": plan.notes,
                "is_public": True,
                "compounds": [compounds[c] for c in plan.compounds],
                "buildings": [],
                "disorders": [disorders[d] for d in plan.disorders if d in disorders],
            },
            participations=plan.participations,
            user=staff,
        )
        created.operations += 1


def _load_meetings(community: Community, staff: Any, created: Created) -> None:
    existing = set(Meeting.objects.filter(community=community).values_list("held_on", "title"))
    for plan in MEETINGS:
        if (plan.held_on, plan.title) in existing:
            continue
        meeting = Meeting(
            community=community,
            kind=plan.kind,
            held_on=plan.held_on,
            title=plan.title,
            agenda=plan.agenda,
            recorded_by=staff,
        )
        meeting.full_clean()
        meeting.save()
        MeetingAttendance.objects.bulk_create(
            MeetingAttendance(meeting=meeting, organisation=org, name=name, persons=n)
            for org, name, n in plan.attendance
        )
        MeetingDecision.objects.bulk_create(
            MeetingDecision(meeting=meeting, text=text, responsible=who, due_on=due, done_on=done)
            for text, who, due, done in plan.decisions
        )
        created.meetings += 1


def _adopters(compounds: dict[str, Compound], which: str) -> list[Compound]:
    if which == ALL:
        return list(compounds.values())
    kind = Compound.Kind.MANAGED if which == MANAGED else Compound.Kind.COURTYARD
    return [c for c in compounds.values() if c.kind == kind]


def _load_regulations(
    community: Community, compounds: dict[str, Compound], created: Created
) -> None:
    existing = {r.code: r for r in Regulation.objects.filter(community=community)}
    numbers = set(
        RegulationVersion.objects.filter(regulation__community=community).values_list(
            "regulation__code", "number"
        )
    )
    for plan in REGULATIONS:
        regulation = existing.get(plan.code)
        if regulation is None:
            regulation = Regulation(community=community, code=plan.code, title=plan.title)
            regulation.full_clean()
            regulation.save()
            created.regulations += 1
        adopters = _adopters(compounds, plan.adopters)
        versions = [
            (1, plan.first_adopted, plan.first_adopted, "", ()),
            (
                2,
                plan.revised,
                plan.revised + dt.timedelta(days=EFFECTIVE_AFTER_DAYS),
                plan.summary,
                plan.opinions,
            ),
        ]
        for number, adopted, effective, summary, opinions in versions:
            if (plan.code, number) in numbers:
                continue
            version = RegulationVersion(
                regulation=regulation,
                number=number,
                adopted_on=adopted,
                effective_on=effective,
                summary=summary,
            )
            version.full_clean(exclude=["compounds"])
            version.save()
            version.compounds.set(adopters)
            RegulationOpinion.objects.bulk_create(
                RegulationOpinion(
                    version=version,
                    received_on=received,
                    opinion=text,
                    answer=answer,
                    answered_on=received + dt.timedelta(days=days),
                )
                for received, text, answer, days in opinions
            )
            created.versions += 1


def _load_designations(
    community: Community, compounds: dict[str, Compound], staff: Any, created: Created
) -> None:
    if staff is None:
        return  # the services record who set a designation; the registry demo makes staff
    for kind, rate in TARGETS.items():
        if not DesignationTarget.objects.filter(community=community, year=YEAR, kind=kind).exists():
            designation_services.designation_target_set(
                community=community, year=YEAR, kind=kind, target_rate=rate, user=staff
            )
    have = set(
        Designation.objects.filter(compound__community=community).values_list(
            "compound__code", "year"
        )
    )
    rounds = [(YEAR - 1, DESIGNATIONS_2019), (YEAR, DESIGNATIONS_2020)]
    for year, rows in rounds:
        for code, status, theme in rows:
            if (code, year) in have:
                continue
            compound = compounds[code]
            designation_services.designation_set(
                compound=compound,
                year=year,
                kind=designation_services.designation_kind(compound),
                status=status,
                theme=theme,
                note=THEME_NOTES.get(code, "") if year == YEAR else "",
                user=staff,
            )
            created.designations += 1
