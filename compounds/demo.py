"""The Tongde Lane demo: the community of the seed, built from its figures.

The figures come from the seed, ``seed/tongde-lane-2020-08-17.txt`` (中国甘肃在线, 2020-08-17,
"酒泉市肃州区同德巷社区'三严三实'促进物业管理服务质量提升"): 1.1 km², 5,180 households and
18,519 residents, 5 managed compounds and 16 courtyards, 110 buildings and 411 units, access
control in all 21 of which 2 courtyards use face recognition. Everything the article does not say
(companies, addresses, floors, areas, owners, grids) is invented but plausible, and generated from
one fixed seed so that every run plans the same rows.

The work is split in two: ``demo_plan()`` is pure Python and decides every row; ``demo_load()``
writes only the rows that are missing, keyed by their natural keys, so a second run changes
nothing and never resets a password somebody has changed since.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .models import (
    Building,
    Community,
    Compound,
    District,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    Residency,
    ServiceContract,
    Street,
    Unit,
)

# --- The figures of the seed (seed/tongde-lane-2020-08-17.txt) -----------------------------------
# "辖区面积110万平方米,有常住居民5180户、18519人。有物管小区5个,散居楼院16个,共有110栋楼、411个单元。"
# "辖区16个散居楼院及5个物业小区全部安装了门禁系统(其中,2个散居楼院安装了人脸识别门禁系统)"
AREA_KM2 = Decimal("1.10")
HOUSEHOLDS = 5_180
RESIDENTS = 18_519
MANAGED_COMPOUNDS = 5
COURTYARDS = 16
BUILDINGS = 110
UNITS = 411
FACE_RECOGNITION_COURTYARDS = 2

# --- Invented, but kept plausible ------------------------------------------------------------------
SEED = 2020
# Printed by the command and documented in the README: a demo, not a secret.
DEMO_PASSWORD = "tongde-demo-2020"  # noqa: S105
DEMO_CHANGE_REASON = "load_demo"
# Unsold dwellings still held by developers in the two newest compounds; under the Supreme
# People's Court interpretation they count once together by head, which elections must show.
DEVELOPER_HELD = {"dihao-garden": 16, "jinshuiwan": 24}
# Share of dwellings bought by somebody who already owns one in the same compound (they count
# once by head under Art. 278), and share of households that rent.
SECOND_DWELLING_RATE = 0.03
TENANT_RATE = 0.12
# Households that lived in a dwelling before the present one, so the registry has history.
PREVIOUS_HOUSEHOLD_RATE = 0.08
DWELLINGS_PER_FLOOR = 2
MAX_RESIDENTS_PER_HOUSEHOLD = 7
# Household sizes before the exact adjustment to RESIDENTS (mean about 3.5).
HOUSEHOLD_SIZE_WEIGHTS = {1: 7, 2: 18, 3: 26, 4: 27, 5: 13, 6: 7, 7: 2}
LEVEL5_MAX_BUILDINGS = 6

DISTRICT = {"code": "suzhou", "name": "肃州区"}
STREET = {"code": "xibeijie", "name": "西北街街道"}
COMMUNITY = {
    "slug": "tongde-lane",
    "name": "同德巷社区",
    "address": "甘肃省酒泉市肃州区同德巷",
    "phone": "0937-2612345",
}


@dataclass(frozen=True)
class CompanySpec:
    code: str  # unified social credit code, the natural key
    name: str
    contact_name: str
    contact_phone: str
    address: str


COMPANIES = [
    CompanySpec(
        "91620902MA71K3J251",
        "酒泉市金鑫物业服务有限公司",
        "赵永刚",
        "0937-2681026",
        "肃州区西环北路金鑫小区物业楼",
    ),
    CompanySpec(
        "91620902MA72A0Q87N",
        "酒泉常青物业管理有限公司",
        "孙丽娟",
        "0937-2619357",
        "肃州区同德巷常青茗庭小区",
    ),
    CompanySpec(
        "91620902MA73C6L59G",
        "酒泉市康盛物业服务有限公司",
        "马文博",
        "0937-2656688",
        "肃州区西环北路康盛花园",
    ),
    CompanySpec(
        "91620902MA74D8N10L",
        "甘肃帝豪物业管理有限公司",
        "杨海燕",
        "0937-2627890",
        "肃州区西环北路帝豪花园",
    ),
    CompanySpec(
        "91620902MA7AE2R96C",
        "酒泉市安居物业服务有限公司",
        "周建国",
        "0937-2603311",
        "肃州区北大街",
    ),
]


@dataclass(frozen=True)
class ContractSpec:
    company: str  # credit code
    starts_on: dt.date
    ends_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class CompoundSpec:
    code: str
    name: str
    kind: str
    address: str
    buildings: int
    floors: tuple[int, ...]  # a building's floors are drawn from these
    built_year: int
    units_per_building: float  # the weight when the 411 units are shared out
    area_range: tuple[int, int]  # m² of a dwelling layout
    access_control: str
    parking_spaces: int
    fire_lanes: int
    cameras: int
    contracts: tuple[ContractSpec, ...] = ()


_M, _C = Compound.Kind.MANAGED, Compound.Kind.COURTYARD
_CARD, _FACE = Compound.AccessControl.CARD, Compound.AccessControl.FACE
_Y2020 = dt.date(2020, 1, 1)

# Columns: code, name, kind, address, buildings, floors to draw from, year built, units per
# building (weight), dwelling area range in m², access control, parking spaces, fire lanes,
# cameras, service contracts.
COMPOUNDS = [
    # The five managed compounds named in the seed; 金水湾 changed company at the end of 2019.
    CompoundSpec("jinxin", "金鑫小区", _M, "肃州区西环北路 56 号", 13, (6, 6, 7), 2006,
                 4.2, (68, 128), _CARD, 260, 3, 32,
                 (ContractSpec("91620902MA71K3J251", _Y2020),)),
    CompoundSpec("changqing-mingting", "常青茗庭小区", _M, "肃州区同德巷 18 号", 14, (6, 6, 7, 11),
                 2011, 4.2, (75, 145), _CARD, 320, 4, 40,
                 (ContractSpec("91620902MA72A0Q87N", _Y2020),)),
    CompoundSpec("kangsheng-garden", "康盛花园", _M, "肃州区西环北路 72 号", 16, (6, 6, 7),
                 2009, 4.2, (72, 138), _CARD, 350, 4, 44,
                 (ContractSpec("91620902MA73C6L59G", _Y2020),)),
    CompoundSpec("dihao-garden", "帝豪花园", _M, "肃州区西环北路 90 号", 13, (6, 6, 11), 2015,
                 4.2, (85, 160), _CARD, 380, 4, 48,
                 (ContractSpec("91620902MA74D8N10L", _Y2020),)),
    CompoundSpec("jinshuiwan", "金水湾", _M, "肃州区同德巷 66 号", 12, (11, 6, 6), 2017,
                 4.2, (80, 150), _CARD, 300, 3, 36,
                 (
                     ContractSpec("91620902MA71K3J251", _Y2020,
                                  note="接管：原物业合同 2019 年底到期"),
                     ContractSpec("91620902MA7AE2R96C", dt.date(2017, 7, 1),
                                  dt.date(2019, 12, 31), "前期物业服务合同"),
                 )),
    # Sixteen courtyards; the first five are the seed's model courtyards (自管示范小区), and the
    # two face-recognition ones are among them (the seed names 8号院 as its "德治" home).
    CompoundSpec("tongdexiang", "同德巷小区", _C, "肃州区同德巷 9 号", 6, (5, 6), 1996, 3.0,
                 (52, 96), _FACE, 40, 2, 12),
    CompoundSpec("xihuan-beilu-8", "西环北路楼院8号", _C, "肃州区西环北路 8 号", 3, (5, 6),
                 1994, 3.0, (48, 90), _FACE, 18, 1, 8),
    CompoundSpec("xihuan-beilu-14", "西环北路楼院14号", _C, "肃州区西环北路 14 号", 2, (5, 6),
                 1995, 3.0, (48, 88), _CARD, 12, 1, 4),
    CompoundSpec("xihuan-beilu-16", "西环北路楼院16号", _C, "肃州区西环北路 16 号", 2, (5, 6),
                 1997, 3.0, (50, 92), _CARD, 14, 1, 4),
    CompoundSpec("xihuan-beilu-30", "西环北路楼院30号", _C, "肃州区西环北路 30 号", 4, (5, 6),
                 1999, 3.0, (55, 98), _CARD, 26, 1, 6),
    CompoundSpec("xihuan-beilu-2", "西环北路楼院2号", _C, "肃州区西环北路 2 号", 2, (5,), 1992,
                 3.0, (45, 82), _CARD, 10, 1, 3),
    CompoundSpec("xihuan-beilu-22", "西环北路楼院22号", _C, "肃州区西环北路 22 号", 1, (6,),
                 1998, 3.0, (55, 95), _CARD, 8, 1, 2),
    CompoundSpec("tongdexiang-12", "同德巷12号院", _C, "肃州区同德巷 12 号", 1, (5,), 1993,
                 3.0, (45, 80), _CARD, 6, 1, 2),
    CompoundSpec("liangshiju", "粮食局家属院", _C, "肃州区同德巷 25 号", 4, (5, 6), 1995, 3.0,
                 (50, 90), _CARD, 24, 1, 6),
    CompoundSpec("gongdianju", "供电局家属院", _C, "肃州区同德巷 31 号", 3, (6,), 2000, 3.0,
                 (60, 105), _CARD, 22, 1, 6),
    CompoundSpec("nongji", "农机公司家属院", _C, "肃州区西环北路 38 号", 2, (5,), 1991, 3.0,
                 (45, 78), _CARD, 10, 1, 3),
    CompoundSpec("jianhang", "建设银行家属院", _C, "肃州区西环北路 44 号", 3, (6,), 2001,
                 3.0, (62, 110), _CARD, 20, 1, 6),
    CompoundSpec("youdianju", "邮电局家属院", _C, "肃州区同德巷 37 号", 2, (5, 6), 1994, 3.0,
                 (48, 86), _CARD, 12, 1, 4),
    CompoundSpec("shuiwuju", "水务局家属院", _C, "肃州区同德巷 43 号", 3, (5, 6), 1998, 3.0,
                 (52, 95), _CARD, 16, 1, 5),
    CompoundSpec("linyeju", "林业局家属院", _C, "肃州区西环北路 50 号", 2, (5,), 1993, 3.0,
                 (46, 84), _CARD, 10, 1, 3),
    CompoundSpec("erjian", "第二建筑公司家属院", _C, "肃州区西环北路 52 号", 2, (5, 6), 1996,
                 3.0, (48, 88), _CARD, 12, 1, 4),
]  # fmt: skip

DEVELOPERS = {
    "dihao-garden": "甘肃帝豪置业有限公司",
    "jinshuiwan": "酒泉市金水湾房地产开发有限公司",
}

# "三级网格包巡查监管参与、四级、五级网格包楼栋院抓落实到位": level 3 supervises a part of the
# community, level 4 a compound or a cluster of courtyards, level 5 a handful of buildings.
GRIDS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "第一网格",
        [
            ("金鑫小区网格", ["jinxin"]),
            ("常青茗庭小区网格", ["changqing-mingting"]),
            ("同德巷片区网格", ["tongdexiang", "tongdexiang-12", "liangshiju", "gongdianju"]),
        ],
    ),
    (
        "第二网格",
        [
            ("康盛花园网格", ["kangsheng-garden"]),
            ("帝豪花园网格", ["dihao-garden"]),
            (
                "西环北路南片网格",
                ["xihuan-beilu-2", "xihuan-beilu-8", "xihuan-beilu-14", "xihuan-beilu-16"],
            ),
        ],
    ),
    (
        "第三网格",
        [
            ("金水湾网格", ["jinshuiwan"]),
            ("西环北路北片网格", ["xihuan-beilu-22", "xihuan-beilu-30", "nongji"]),
            ("单位家属院片区网格", ["jianhang", "youdianju", "shuiwuju", "linyeju", "erjian"]),
        ],
    ),
]

# One demo account per role; the company user works for the company serving 康盛花园 and the
# committee member sits on 康盛花园's owners' committee.
DEMO_USERS = [
    {"username": "admin", "name": "系统管理员", "role": None, "superuser": True},
    {"username": "staff", "name": "王晓梅", "role": Membership.Role.STAFF},
    {"username": "grid", "name": "刘志强", "role": Membership.Role.GRID_WORKER},
    {"username": "company", "name": "马文博", "role": Membership.Role.COMPANY},
    {"username": "committee", "name": "陈德明", "role": Membership.Role.COMMITTEE},
    {"username": "resident", "name": "张桂兰", "role": None},
]
DEMO_COMPANY_COMPOUND = "kangsheng-garden"
DEMO_COMMITTEE_COMPOUND = "kangsheng-garden"

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤"
    "尹易常武乔贺赖龚文祁牛包柴"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红玲鹏飞辉建国志永海燕文斌浩宇亮晶"
    "雪梅婷德福荣春生宏林波俊峰成凤琴淑珍慧颖佳欣瑞祥云兴利学忠新民光"
)


# --- The plan: pure Python, no database ----------------------------------------------------------


@dataclass
class HouseholdPlan:
    residents: int
    head_name: str
    is_owner_occupied: bool
    moved_in_on: dt.date
    moved_out_on: dt.date | None = None


@dataclass
class DwellingPlan:
    code: str
    area_m2: Decimal
    owner_ref: str
    is_developer_held: bool = False
    households: list[HouseholdPlan] = field(default_factory=list)


@dataclass
class UnitPlan:
    code: str
    dwellings: list[DwellingPlan] = field(default_factory=list)


@dataclass
class BuildingPlan:
    code: str
    floors: int
    built_year: int
    units: list[UnitPlan] = field(default_factory=list)


@dataclass
class OwnerPlan:
    owner_ref: str
    name: str
    kind: str
    phone: str = ""


@dataclass
class DemoPlan:
    buildings: dict[str, list[BuildingPlan]]  # by compound code
    owners: list[OwnerPlan]
    grid_rows: list[GridPlan]


@dataclass
class GridPlan:
    code: str
    name: str
    level: int
    parent_code: str | None
    compound_codes: list[str] = field(default_factory=list)
    building_keys: list[tuple[str, str]] = field(default_factory=list)  # (compound, building)


def largest_remainder(total: int, weights: list[float], *, minimum: int = 0) -> list[int]:
    """Share ``total`` out in proportion to ``weights`` so that the parts add up exactly.

    Each part first gets ``minimum``; the rest goes by the floor of its quota, and the units left
    over go to the largest fractional remainders (ties to the earlier part).
    """
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("total is smaller than the minimum for every part")
    scale = sum(weights)
    quotas = [rest * w / scale for w in weights]
    parts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(("139", "138", "137", "136", "158", "151", "187", "189", "133", "181")) + (
        f"{rng.randrange(10**8):08d}"
    )


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


_CN_DIGITS = "一二三四五六七八九十"


def demo_plan() -> DemoPlan:
    """Every row of the demo, decided by ``random.Random(SEED)`` and the constants above."""
    rng = random.Random(SEED)  # noqa: S311 -- demo data, not secrets

    # Buildings: the counts are fixed per compound; units are shared out over all 110 buildings
    # in proportion to a jittered weight, so the total is exactly the seed's 411.
    building_specs = [(spec, n + 1) for spec in COMPOUNDS for n in range(spec.buildings)]
    weights = [spec.units_per_building * rng.uniform(0.75, 1.25) for spec, _ in building_specs]
    units_per_building = largest_remainder(UNITS, weights, minimum=1)

    buildings: dict[str, list[BuildingPlan]] = {spec.code: [] for spec in COMPOUNDS}
    developers = {code: f"TD-{n:06d}" for n, code in enumerate(DEVELOPERS, start=1)}
    owners = [
        OwnerPlan(developers[code], DEVELOPERS[code], Owner.Kind.ORGANISATION)
        for code in DEVELOPERS
    ]
    by_compound_dwellings: dict[str, list[DwellingPlan]] = {spec.code: [] for spec in COMPOUNDS}
    dwelling_year: dict[int, int] = {}
    for (spec, number), n_units in zip(building_specs, units_per_building, strict=True):
        floors = rng.choice(spec.floors)
        building = BuildingPlan(f"{number}号楼", floors, spec.built_year + rng.randint(0, 2))
        # Every stack of a building repeats its layout, so an area is drawn per position.
        layouts = [
            Decimal(rng.randint(spec.area_range[0] * 100, spec.area_range[1] * 100)) / 100
            for _ in range(DWELLINGS_PER_FLOOR)
        ]
        for u in range(1, n_units + 1):
            unit = UnitPlan(f"{u}单元")
            for floor in range(1, floors + 1):
                for pos in range(1, DWELLINGS_PER_FLOOR + 1):
                    dwelling = DwellingPlan(f"{floor}{pos:02d}", layouts[pos - 1], owner_ref="")
                    unit.dwellings.append(dwelling)
                    by_compound_dwellings[spec.code].append(dwelling)
                    dwelling_year[id(dwelling)] = building.built_year
            building.units.append(unit)
        buildings[spec.code].append(building)

    # Developer-held dwellings are unsold, so nobody lives there.
    for code, count in DEVELOPER_HELD.items():
        for dwelling in rng.sample(by_compound_dwellings[code], count):
            dwelling.is_developer_held = True
            dwelling.owner_ref = developers[code]

    # Owners: one per dwelling, except a few who bought a second one in the same compound.
    names: dict[str, str] = {o.owner_ref: o.name for o in owners}
    next_ref = len(owners) + 1
    for spec in COMPOUNDS:
        local_refs: list[str] = []
        for dwelling in by_compound_dwellings[spec.code]:
            if dwelling.is_developer_held:
                continue
            if local_refs and rng.random() < SECOND_DWELLING_RATE:
                dwelling.owner_ref = rng.choice(local_refs)
                continue
            ref = f"TD-{next_ref:06d}"
            next_ref += 1
            owner = OwnerPlan(
                ref, _name(rng), Owner.Kind.PERSON, _phone(rng) if rng.random() < 0.8 else ""
            )
            owners.append(owner)
            names[ref] = owner.name
            local_refs.append(ref)
            dwelling.owner_ref = ref

    # Households: exactly HOUSEHOLDS of the dwellings people may live in are occupied.
    all_dwellings = [d for spec in COMPOUNDS for d in by_compound_dwellings[spec.code]]
    livable = [d for d in all_dwellings if not d.is_developer_held]
    occupied = rng.sample(livable, HOUSEHOLDS)
    sizes = rng.choices(
        list(HOUSEHOLD_SIZE_WEIGHTS), weights=list(HOUSEHOLD_SIZE_WEIGHTS.values()), k=HOUSEHOLDS
    )
    _adjust_to_total(rng, sizes, RESIDENTS, low=1, high=MAX_RESIDENTS_PER_HOUSEHOLD)
    owner_lives_in: set[str] = set()
    moved_in_latest = dt.date(2020, 7, 31)
    for dwelling, size in zip(occupied, sizes, strict=True):
        year = dwelling_year[id(dwelling)]
        moved_in = _date_between(rng, dt.date(year + 1, 3, 1), moved_in_latest)
        is_owner = dwelling.owner_ref not in owner_lives_in and rng.random() >= TENANT_RATE
        if is_owner:
            owner_lives_in.add(dwelling.owner_ref)
        head = names[dwelling.owner_ref] if is_owner else _name(rng)
        # Only where a household can have lived there a year before this one moved in.
        if moved_in >= dt.date(year + 3, 3, 1) and rng.random() < PREVIOUS_HOUSEHOLD_RATE:
            before_out = moved_in - dt.timedelta(days=rng.randint(10, 120))
            before_in = _date_between(rng, dt.date(year + 1, 3, 1), before_out)
            dwelling.households.append(
                HouseholdPlan(rng.randint(1, 5), _name(rng), False, before_in, before_out)
            )
        dwelling.households.append(HouseholdPlan(size, head, is_owner, moved_in))

    return DemoPlan(buildings=buildings, owners=owners, grid_rows=_grid_plan(buildings))


def _adjust_to_total(
    rng: random.Random, values: list[int], total: int, *, low: int, high: int
) -> None:
    """Nudge random entries by one, within [low, high], until the list sums to ``total``."""
    diff = total - sum(values)
    step = 1 if diff > 0 else -1
    while diff:
        i = rng.randrange(len(values))
        if low <= values[i] + step <= high:
            values[i] += step
            diff -= step


def _grid_plan(buildings: dict[str, list[BuildingPlan]]) -> list[GridPlan]:
    rows: list[GridPlan] = []
    for i, (l3_name, level4) in enumerate(GRIDS, start=1):
        l3 = GridPlan(f"g3-{i}", l3_name, 3, None)
        rows.append(l3)
        for j, (l4_name, compound_codes) in enumerate(level4, start=1):
            l4 = GridPlan(f"g4-{i}-{j}", l4_name, 4, l3.code, list(compound_codes))
            l3.compound_codes.extend(compound_codes)
            rows.append(l4)
            keys = [(c, b.code) for c in compound_codes for b in buildings[c]]
            groups = -(-len(keys) // LEVEL5_MAX_BUILDINGS)
            sizes = largest_remainder(len(keys), [1.0] * groups)
            start = 0
            stem = l4_name.removesuffix("网格")
            for k, size in enumerate(sizes, start=1):
                rows.append(
                    GridPlan(
                        f"g5-{i}-{j}-{k}",
                        f"{stem}{_CN_DIGITS[k - 1]}组",
                        5,
                        l4.code,
                        building_keys=keys[start : start + size],
                    )
                )
                start += size
    return rows


# --- Loading: write what is missing --------------------------------------------------------------


CountFn = Callable[[type[models.Model], int], None]


@dataclass
class DemoAccount:
    username: str
    role: str  # a Membership.Role value, "superuser", or "" for a plain resident
    created: bool


@dataclass
class DemoResult:
    community: Community
    created: dict[type[models.Model], int]  # rows created by this run, per model
    accounts: list[DemoAccount]
    password: str
    grid_workers: int  # grid, grid-2, ..., grid-<grid_workers>


@transaction.atomic
def demo_load(*, password: str = DEMO_PASSWORD) -> DemoResult:
    """Build the Tongde Lane community, creating only the rows that do not exist yet.

    Rows are matched on their natural keys (codes, credit codes, owner refs, usernames), so a
    second run creates nothing; a dwelling gets its households only when it has none at all.
    Passwords are set when an account is created and never touched afterwards.
    """
    # Checked before any write, even when every account exists, so a bad --password always fails.
    validate_password(password)
    plan = demo_plan()
    created: dict[type[models.Model], int] = {}

    def count(model: type[models.Model], was_created: bool | int) -> None:
        created[model] = created.get(model, 0) + int(was_created)

    district, new = District.objects.get_or_create(
        code=DISTRICT["code"], defaults={"name": DISTRICT["name"]}
    )
    count(District, new)
    street, new = Street.objects.get_or_create(
        district=district, code=STREET["code"], defaults={"name": STREET["name"]}
    )
    count(Street, new)
    community, new = Community.objects.get_or_create(
        slug=COMMUNITY["slug"],
        defaults={
            "street": street,
            "name": COMMUNITY["name"],
            "area_km2": AREA_KM2,
            "address": COMMUNITY["address"],
            "phone": COMMUNITY["phone"],
        },
    )
    count(Community, new)

    companies: dict[str, PropertyCompany] = {}
    for spec in COMPANIES:
        companies[spec.code], new = PropertyCompany.objects.get_or_create(
            credit_code=spec.code,
            defaults={
                "name": spec.name,
                "contact_name": spec.contact_name,
                "contact_phone": spec.contact_phone,
                "address": spec.address,
            },
        )
        count(PropertyCompany, new)

    compounds: dict[str, Compound] = {}
    for spec in COMPOUNDS:
        compounds[spec.code], new = Compound.objects.get_or_create(
            community=community,
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "address": spec.address,
                "access_control": spec.access_control,
                "parking_spaces": spec.parking_spaces,
                "fire_lanes": spec.fire_lanes,
                "cameras": spec.cameras,
            },
        )
        count(Compound, new)
        for contract in spec.contracts:
            _, new = ServiceContract.objects.get_or_create(
                compound=compounds[spec.code],
                starts_on=contract.starts_on,
                defaults={
                    "company": companies[contract.company],
                    "ends_on": contract.ends_on,
                    "note": contract.note,
                },
            )
            count(ServiceContract, new)

    buildings = _load_buildings(plan, compounds, count)
    units = _load_units(plan, buildings, count)
    owners = _load_owners(plan, community, count)
    _load_dwellings_and_households(plan, units, owners, count)
    users = _load_users(community, compounds, companies, password, plan, count)
    _load_grids(plan, community, compounds, buildings, users, count)
    _load_residencies(compounds[DEMO_COMMITTEE_COMPOUND], users, password, count)

    accounts = [
        DemoAccount(u["username"], _role_label(u), created=users[u["username"]][1])
        for u in DEMO_USERS
    ]
    return DemoResult(
        community=community,
        created=created,
        accounts=accounts,
        password=password,
        grid_workers=len(plan.grid_rows),
    )


def _role_label(spec: dict) -> str:
    if spec["role"] is not None:
        return str(spec["role"])
    return "superuser" if spec.get("superuser") else ""


def _load_buildings(plan: DemoPlan, compounds: dict[str, Compound], count: CountFn) -> dict:
    existing = {
        (b.compound_id, b.code): b
        for b in Building.objects.filter(compound__in=list(compounds.values()))
    }
    missing = []
    for code, rows in plan.buildings.items():
        compound = compounds[code]
        for row in rows:
            if (compound.pk, row.code) not in existing:
                building = Building(
                    compound=compound, code=row.code, floors=row.floors, built_year=row.built_year
                )
                missing.append(building)
                existing[(compound.pk, row.code)] = building
    Building.objects.bulk_create(missing)
    count(Building, len(missing))
    return {
        (code, row.code): existing[(compounds[code].pk, row.code)]
        for code, rows in plan.buildings.items()
        for row in rows
    }


def _load_units(plan: DemoPlan, buildings: dict, count: CountFn) -> dict:
    existing = {
        (u.building_id, u.code): u
        for u in Unit.objects.filter(building__in=list(buildings.values()))
    }
    missing = []
    result = {}
    for code, rows in plan.buildings.items():
        for row in rows:
            building = buildings[(code, row.code)]
            for unit_row in row.units:
                unit = existing.get((building.pk, unit_row.code))
                if unit is None:
                    unit = Unit(building=building, code=unit_row.code)
                    missing.append(unit)
                result[(code, row.code, unit_row.code)] = unit
    Unit.objects.bulk_create(missing)
    count(Unit, len(missing))
    return result


def _load_owners(plan: DemoPlan, community: Community, count: CountFn) -> dict[str, Owner]:
    existing = {o.owner_ref: o for o in Owner.objects.filter(community=community)}
    missing = [
        Owner(community=community, owner_ref=o.owner_ref, name=o.name, kind=o.kind, phone=o.phone)
        for o in plan.owners
        if o.owner_ref not in existing
    ]
    bulk_create_with_history(missing, Owner, default_change_reason=DEMO_CHANGE_REASON)
    count(Owner, len(missing))
    existing.update({o.owner_ref: o for o in missing})
    return existing


def _load_dwellings_and_households(
    plan: DemoPlan, units: dict, owners: dict[str, Owner], count: CountFn
) -> None:
    unit_ids = [u.pk for u in units.values()]
    existing = {
        (d.unit_id, d.code): d
        for d in Dwelling.objects.filter(unit_id__in=unit_ids).only("pk", "unit_id", "code")
    }
    missing: list[Dwelling] = []
    wanted: list[tuple[Dwelling, DwellingPlan]] = []
    for code, rows in plan.buildings.items():
        for row in rows:
            for unit_row in row.units:
                unit = units[(code, row.code, unit_row.code)]
                for d in unit_row.dwellings:
                    dwelling = existing.get((unit.pk, d.code))
                    if dwelling is None:
                        dwelling = Dwelling(
                            unit=unit,
                            code=d.code,
                            area_m2=d.area_m2,
                            owner=owners[d.owner_ref],
                            is_developer_held=d.is_developer_held,
                        )
                        missing.append(dwelling)
                    if d.households:
                        wanted.append((dwelling, d))
    bulk_create_with_history(missing, Dwelling, default_change_reason=DEMO_CHANGE_REASON)
    count(Dwelling, len(missing))

    # Households have no natural key: a dwelling that has any household, current or past, is
    # left as it is, so a second run (or a real move since) is never overwritten.
    inhabited = set(
        Household.objects.filter(dwelling_id__in=[d.pk for d, _ in wanted]).values_list(
            "dwelling_id", flat=True
        )
    )
    households = [
        Household(
            dwelling=dwelling,
            residents=h.residents,
            head_name=h.head_name,
            is_owner_occupied=h.is_owner_occupied,
            moved_in_on=h.moved_in_on,
            moved_out_on=h.moved_out_on,
        )
        for dwelling, d in wanted
        if dwelling.pk not in inhabited
        for h in d.households
    ]
    bulk_create_with_history(households, Household, default_change_reason=DEMO_CHANGE_REASON)
    count(Household, len(households))


def _load_users(
    community: Community,
    compounds: dict[str, Compound],
    companies: dict[str, PropertyCompany],
    password: str,
    plan: DemoPlan,
    count: CountFn,
) -> dict[str, tuple]:
    """The demo accounts and one grid worker per grid; returns username → (user, created)."""
    company_code = next(
        c.company
        for spec in COMPOUNDS
        if spec.code == DEMO_COMPANY_COMPOUND
        for c in spec.contracts
        if c.ends_on is None
    )
    scopes = {
        Membership.Role.STAFF: {"community": community},
        Membership.Role.GRID_WORKER: {"community": community},
        Membership.Role.COMPANY: {"company": companies[company_code]},
        Membership.Role.COMMITTEE: {"compound": compounds[DEMO_COMMITTEE_COMPOUND]},
    }
    wanted = [(u["username"], u["name"], u["role"], bool(u.get("superuser"))) for u in DEMO_USERS]
    # The "grid" account runs the first grid; the other grids get grid-2, grid-3, ...
    name_rng = random.Random(SEED + 1)  # noqa: S311 -- demo names, not secrets
    for n in range(2, len(plan.grid_rows) + 1):
        wanted.append((f"grid-{n}", _name(name_rng), Membership.Role.GRID_WORKER, False))

    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    hashed = None
    result: dict[str, tuple] = {}
    for username, name, role, superuser in wanted:
        user = existing.get(username)
        created = user is None
        if created:
            user = User(
                username=username,
                first_name=name,
                # A local address, so that mail such as term reminders has somewhere to go
                # (the console backend prints it).
                email=f"{username}@tongde-lane.example",
                is_staff=superuser,
                is_superuser=superuser,
            )
            validate_password(password, user)
            # One hash for every demo account: hashing is deliberately slow, and they all
            # share the printed password.
            hashed = hashed or make_password(password)
            user.password = hashed
            user.save()
        count(User, created)
        if role is not None:
            _, new = Membership.objects.get_or_create(user=user, role=role, **scopes[role])
            count(Membership, new)
        result[username] = (user, created)
    return result


def _load_residencies(
    compound: Compound, users: dict[str, tuple], password: str, count: CountFn
) -> None:
    """The demo resident's verified home, and two registrations waiting for the check: one
    that matches the owner of record, one tenant's that the registry cannot confirm (their
    accounts sign in only once verified; the login page says so)."""
    User = get_user_model()
    staff = users["staff"][0]
    dwellings = list(
        Dwelling.objects.filter(unit__building__compound=compound, owner__isnull=False)
        .select_related("owner")
        .order_by("unit__building__code", "unit__code", "code")[:3]
    )
    if len(dwellings) < 3:
        return
    now = timezone.now()
    wanted = [
        # (username, dwelling, name, phone, relation, verified)
        (
            "resident",
            dwellings[0],
            users["resident"][0].first_name,
            "13909371234",
            Residency.Relation.FAMILY,
            True,
        ),
        (
            "resident-2",
            dwellings[1],
            dwellings[1].owner.name,
            dwellings[1].owner.phone or "13919370001",
            Residency.Relation.OWNER,
            False,
        ),
        ("resident-3", dwellings[2], "赵小军", "15809371122", Residency.Relation.TENANT, False),
    ]
    for username, dwelling, name, phone, relation, verified in wanted:
        account = User.objects.filter(username=username).first()
        if account is None:
            account = User(username=username, first_name=name, is_active=False)
            account.set_password(password)
            account.save()
            count(User, True)
        _, new = Residency.objects.get_or_create(
            account=account,
            dwelling=dwelling,
            defaults={
                "full_name": name,
                "phone": phone,
                "relation": relation,
                "status": Residency.Status.VERIFIED if verified else Residency.Status.PENDING,
                "applied_at": now - dt.timedelta(days=40 if verified else 1),
                "decided_by": staff if verified else None,
                "decided_at": now - dt.timedelta(days=39) if verified else None,
            },
        )
        count(Residency, new)


def _load_grids(
    plan: DemoPlan,
    community: Community,
    compounds: dict[str, Compound],
    buildings: dict,
    users: dict[str, tuple],
    count: CountFn,
) -> None:
    workers = ["grid", *(f"grid-{n}" for n in range(2, len(plan.grid_rows) + 1))]
    grids: dict[str, Grid] = {}
    for row, username in zip(plan.grid_rows, workers, strict=True):
        grid, new = Grid.objects.get_or_create(
            community=community,
            code=row.code,
            defaults={
                "name": row.name,
                "level": row.level,
                "parent": grids.get(row.parent_code) if row.parent_code else None,
                "worker": users[username][0],
            },
        )
        count(Grid, new)
        grids[row.code] = grid
        # add() skips links that exist, so a second run adds nothing.
        if row.compound_codes:
            grid.compounds.add(*_pks(compounds[c] for c in row.compound_codes))
        if row.building_keys:
            grid.buildings.add(*_pks(buildings[k] for k in row.building_keys))


def _pks(objs: Iterable) -> list[int]:
    return [o.pk for o in objs]
