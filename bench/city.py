"""Synthetic communities of Tongde Lane's shape, for the bench and for load tests.

A community is first *planned* (pure Python, no ORM: a tree of dataclasses drawn from a seeded
``random.Random``), then either *written* to the database with ``bulk_create`` or *rendered* as a
registry file (one row per dwelling, the columns the registry import reads). The same plan gives
the same rows both ways, which is what lets the bench compare the import with PostgreSQL ``COPY``.

At ``scale=1.0`` a community has exactly the figures of the seed article: 5 managed compounds and
16 courtyards, 110 buildings, 411 units, 5,180 households and 18,519 residents, all 21 compounds
with access control, 2 courtyards with face recognition. Other scales multiply every count.

The plan of community number ``n`` depends only on ``(seed, n, scale)``, never on which other
communities exist, so ``generate_city --communities 5`` after ``--communities 2`` adds 3 to 5 and
leaves 1 and 2 as they were.

``bulk_create`` bypasses django-simple-history, so generated rows have no history entries: this is
bench data, and writing history would double the time the bench is meant to keep short.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from compounds.models import (
    Building,
    Community,
    Compound,
    District,
    Dwelling,
    Grid,
    Household,
    Owner,
    PropertyCompany,
    ServiceContract,
    Street,
    Unit,
)

# The seed article's figures (DOMAIN.md), the shape of every generated community at scale 1.
TONGDE = {
    "managed_compounds": 5,
    "courtyards": 16,
    "buildings": 110,
    "units": 411,
    "households": 5180,
    "residents": 18519,
    "face_recognition_courtyards": 2,
    "level3_grids": 1,
    "level4_grids": 4,
    "level5_grids": 22,
}
REGISTRY_COLUMNS = (
    "compound",
    "kind",
    "building",
    "unit",
    "dwelling",
    "area_m2",
    "owner_ref",
    "owner_name",
    "developer_held",
    "residents",
)
SLUG_PREFIX = "city-"
BATCH = 2000

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文海燕春雪"
_ESTATE_WORDS = [
    "金桂",
    "银杏",
    "翠柳",
    "锦绣",
    "阳光",
    "和平",
    "丰泽",
    "紫荆",
    "长青",
    "瑞祥",
    "嘉禾",
    "盛世",
    "东湖",
    "西苑",
    "南山",
    "北辰",
    "祁连",
    "酒泉",
    "泉湖",
    "丝路",
    "天成",
    "鑫源",
    "福康",
    "华庭",
    "润园",
    "新城",
    "怡景",
    "明珠",
    "康宁",
    "永安",
]
_ESTATE_SUFFIXES = ("小区", "花园", "家园", "名庭", "苑")
_ROADS = ("西环北路", "东环路", "肃州路", "解放路", "盘旋路", "西大街", "北大街", "富康路")
_DEVELOPERS = ("房地产开发有限公司", "置业有限公司", "建设开发有限公司")


@dataclass
class DwellingPlan:
    code: str
    area_m2: Decimal
    owner_ref: str
    residents: int  # 0: nobody lives there
    is_developer_held: bool = False
    is_owner_occupied: bool = True
    head_name: str = ""


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
class CompoundPlan:
    code: str
    name: str
    kind: str
    access_control: str
    parking_spaces: int
    fire_lanes: int
    cameras: int
    address: str
    buildings: list[BuildingPlan] = field(default_factory=list)
    # (company index, starts_on, ends_on) for managed compounds, oldest first.
    contracts: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)


@dataclass
class OwnerPlan:
    ref: str
    name: str
    kind: str


@dataclass
class CompanyPlan:
    name: str
    credit_code: str
    contact_name: str
    contact_phone: str


@dataclass
class GridPlan:
    code: str
    name: str
    level: int
    parent_code: str | None
    compound_codes: list[str] = field(default_factory=list)
    # (compound code, building code)
    buildings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CommunityPlan:
    number: int
    slug: str
    name: str
    area_km2: Decimal
    compounds: list[CompoundPlan]
    owners: dict[str, OwnerPlan]
    companies: list[CompanyPlan]
    grids: list[GridPlan]

    def dwellings(self) -> Iterator[tuple[CompoundPlan, BuildingPlan, UnitPlan, DwellingPlan]]:
        for compound in self.compounds:
            for building in compound.buildings:
                for unit in building.units:
                    for dwelling in unit.dwellings:
                        yield compound, building, unit, dwelling


def community_slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number:04d}"


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into ``len(weights)`` parts of at least 1, proportional to ``weights``
    (largest remainder), so that generated counts add up to the target exactly."""
    n = len(weights)
    if n == 0:
        return []
    if total < n:
        raise ValueError(f"cannot split {total} into {n} parts of at least 1")
    rest = total - n
    weight_sum = sum(weights)
    quotas = [rest * w / weight_sum for w in weights]
    parts = [int(q) for q in quotas]
    by_remainder = sorted(range(n), key=lambda i: quotas[i] - parts[i], reverse=True)
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    return [p + 1 for p in parts]


def _scaled(figure: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(TONGDE[figure] * scale))


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(_SURNAMES) + given


def _residents(rng: random.Random, households: int, total: int) -> list[int]:
    """Household sizes between 1 and 8 that add up to ``total`` exactly."""
    sizes = rng.choices((1, 2, 3, 4, 5, 6), weights=(8, 20, 30, 22, 13, 7), k=households)
    diff = total - sum(sizes)
    step = 1 if diff > 0 else -1
    # Each pass moves every household at most one person towards the target: bounded.
    for _ in range(16):
        if diff == 0:
            break
        for i in rng.sample(range(households), households):
            if diff == 0:
                break
            if 1 <= sizes[i] + step <= 8:
                sizes[i] += step
                diff -= step
    if diff:
        raise ValueError(f"cannot place {total} residents in {households} households")
    return sizes


def plan_community(number: int, *, seed: int = 1, scale: float = 1.0) -> CommunityPlan:
    """The whole of community ``number``, drawn from ``(seed, number, scale)`` only."""
    rng = random.Random(f"tongde-city:{seed}:{number}:{scale}")
    slug = community_slug(number)
    n_managed = _scaled("managed_compounds", scale)
    n_courtyards = _scaled("courtyards", scale)
    n_compounds = n_managed + n_courtyards
    n_buildings = _scaled("buildings", scale, minimum=n_compounds)
    n_units = _scaled("units", scale, minimum=n_buildings)
    n_households = _scaled("households", scale, minimum=n_units)
    n_residents = _scaled("residents", scale, minimum=n_households)

    # Compounds: managed ones are bigger estates, courtyards a few old blocks each.
    compounds: list[CompoundPlan] = []
    used_names: set[str] = set()
    words = rng.sample(_ESTATE_WORDS, len(_ESTATE_WORDS))
    for k in range(n_managed):
        word = words[k % len(words)]
        name = f"{word}{rng.choice(_ESTATE_SUFFIXES)}"
        if name in used_names or k >= len(_ESTATE_WORDS):
            name = f"{name}{k + 1}期"
        used_names.add(name)
        compounds.append(
            CompoundPlan(
                code=f"m{k + 1:02d}",
                name=name,
                kind=Compound.Kind.MANAGED,
                access_control=Compound.AccessControl.CARD,
                parking_spaces=rng.randint(80, 400),
                fire_lanes=rng.randint(1, 4),
                cameras=rng.randint(12, 60),
                address=f"{rng.choice(_ROADS)}{rng.randint(1, 200)}号",
            )
        )
    n_face = min(n_courtyards, _scaled("face_recognition_courtyards", scale))
    for k in range(n_courtyards):
        road = _ROADS[k % len(_ROADS)]
        compounds.append(
            CompoundPlan(
                code=f"y{k + 1:02d}",
                name=f"{road}楼院 {2 * k + 2}号",
                kind=Compound.Kind.COURTYARD,
                # Every compound has access control; the first courtyards got face recognition.
                access_control=(
                    Compound.AccessControl.FACE if k < n_face else Compound.AccessControl.CARD
                ),
                parking_spaces=rng.randint(0, 30),
                fire_lanes=rng.randint(0, 1),
                cameras=rng.randint(0, 8),
                address=f"{road}{2 * k + 2}号",
            )
        )

    # Companies: one per managed compound, except that the last company serves the last two
    # (so that a company user sees several compounds), plus a former company whose contract on
    # the first compound ended (so that service history is there to be read).
    n_current = n_managed - 1 if n_managed >= 3 else n_managed
    companies = [
        CompanyPlan(
            name=f"{slug} {rng.choice(_ESTATE_WORDS)}物业服务有限公司{i + 1}",
            credit_code=f"91620900B{number % 100000:05d}{i:03d}T",
            contact_name=_person_name(rng),
            contact_phone=f"0937-{rng.randint(2000000, 8999999)}",
        )
        for i in range(n_current + 1)
    ]
    former = n_current
    for k, compound in enumerate(c for c in compounds if c.kind == Compound.Kind.MANAGED):
        company = min(k, n_current - 1)
        if k == 0:
            compound.contracts.append((former, dt.date(2015, 1, 1), dt.date(2019, 12, 31)))
        compound.contracts.append((company, dt.date(2020, 1, 1), None))

    # Buildings, units, dwellings, owners, households.
    weights = [
        rng.uniform(1.6, 2.6) if c.kind == Compound.Kind.MANAGED else rng.uniform(0.5, 1.0)
        for c in compounds
    ]
    buildings_per_compound = apportion(n_buildings, weights)
    flat: list[tuple[CompoundPlan, BuildingPlan]] = []
    for compound, count in zip(compounds, buildings_per_compound, strict=True):
        managed = compound.kind == Compound.Kind.MANAGED
        for b in range(count):
            building = BuildingPlan(
                code=f"{b + 1}号楼",
                floors=0,
                built_year=rng.randint(2005, 2018) if managed else rng.randint(1985, 2004),
            )
            compound.buildings.append(building)
            flat.append((compound, building))
    units_per_building = apportion(
        n_units,
        [rng.uniform(0.8, 1.2) * (1.3 if c.kind == Compound.Kind.MANAGED else 1) for c, _ in flat],
    )
    units: list[tuple[CompoundPlan, BuildingPlan, UnitPlan]] = []
    for (compound, building), count in zip(flat, units_per_building, strict=True):
        for u in range(count):
            unit = UnitPlan(code=f"{u + 1}单元")
            building.units.append(unit)
            units.append((compound, building, unit))
    households_per_unit = apportion(n_households, [rng.uniform(0.85, 1.15) for _ in units])
    sizes = iter(_residents(rng, n_households, n_residents))

    owners: dict[str, OwnerPlan] = {}
    developer_of: dict[str, str] = {}
    for compound in compounds:
        if compound.kind == Compound.Kind.MANAGED:
            ref = f"DEV-{compound.code}"
            owners[ref] = OwnerPlan(
                ref=ref,
                name=f"{compound.name}{rng.choice(_DEVELOPERS)}",
                kind=Owner.Kind.ORGANISATION,
            )
            developer_of[compound.code] = ref
    recent: dict[str, list[str]] = {c.code: [] for c in compounds}

    def new_owner() -> str:
        ref = f"O{len(owners) + 1:06d}"
        owners[ref] = OwnerPlan(ref=ref, name=_person_name(rng), kind=Owner.Kind.PERSON)
        return ref

    for (compound, building, unit), households in zip(units, households_per_unit, strict=True):
        managed = compound.kind == Compound.Kind.MANAGED
        # Unsold dwellings of the developer stand empty in managed estates; some owned
        # dwellings stand empty anywhere.
        unsold = rng.choice((0, 0, 0, 1, 2)) if managed else 0
        empty = 1 if rng.random() < 0.05 else 0
        slots = households + unsold + empty
        kinds = ["lived"] * households + ["unsold"] * unsold + ["empty"] * empty
        rng.shuffle(kinds)
        base_area = rng.uniform(70, 120) if managed else rng.uniform(50, 85)
        for i, slot in enumerate(kinds):
            floor, door = divmod(i, 2)
            area = Decimal(str(round(base_area * rng.uniform(0.85, 1.25), 2)))
            if slot == "unsold":
                owner_ref, developer_held = developer_of[compound.code], True
            else:
                pool = recent[compound.code]
                # About one owner in fifteen holds another dwelling in the same compound.
                owner_ref = rng.choice(pool) if pool and rng.random() < 0.07 else new_owner()
                pool.append(owner_ref)
                del pool[:-40]
                developer_held = False
            residents = next(sizes) if slot == "lived" else 0
            occupied = residents > 0 and not developer_held and rng.random() < 0.85
            unit.dwellings.append(
                DwellingPlan(
                    code=f"{floor + 1}{door + 1:02d}",
                    area_m2=area,
                    owner_ref=owner_ref,
                    residents=residents,
                    is_developer_held=developer_held,
                    is_owner_occupied=occupied,
                    head_name=(
                        owners[owner_ref].name
                        if occupied
                        else (_person_name(rng) if residents else "")
                    ),
                )
            )
        building.floors = max(building.floors, (slots + 1) // 2)

    # Grids: level 3 over the community, level 4 over groups of compounds, level 5 over groups
    # of buildings.
    grids: list[GridPlan] = []
    level3 = [
        GridPlan(code=f"g3-{i + 1:02d}", name=f"第{i + 1}三级网格", level=3, parent_code=None)
        for i in range(_scaled("level3_grids", scale))
    ]
    level4 = [
        GridPlan(
            code=f"g4-{i + 1:02d}",
            name=f"第{i + 1}四级网格",
            level=4,
            parent_code=level3[i % len(level3)].code,
        )
        for i in range(_scaled("level4_grids", scale))
    ]
    grid_of_compound: dict[str, GridPlan] = {}
    for k, compound in enumerate(compounds):
        grid = level4[k * len(level4) // len(compounds)]
        grid.compound_codes.append(compound.code)
        grid_of_compound[compound.code] = grid
    n_level5 = min(len(flat), _scaled("level5_grids", scale))
    level5 = [
        GridPlan(code=f"g5-{i + 1:02d}", name=f"第{i + 1}五级网格", level=5, parent_code=None)
        for i in range(n_level5)
    ]
    for j, (compound, building) in enumerate(flat):
        grid = level5[j * n_level5 // len(flat)]
        grid.buildings.append((compound.code, building.code))
        if grid.parent_code is None:
            grid.parent_code = grid_of_compound[compound.code].code
    grids = level3 + level4 + level5

    return CommunityPlan(
        number=number,
        slug=slug,
        name=f"模拟{number:04d}社区",
        area_km2=Decimal("1.10"),
        compounds=compounds,
        owners=owners,
        companies=companies,
        grids=grids,
    )


def bench_street() -> Street:
    """The district and street that generated communities hang from."""
    district, _ = District.objects.get_or_create(code="bench", defaults={"name": "模拟区"})
    street, _ = Street.objects.get_or_create(
        district=district, code="bench", defaults={"name": "模拟街道"}
    )
    return street


@transaction.atomic
def community_create_empty(*, number: int, street: Street | None = None) -> Community:
    """A community with nothing in it: the target of the bench's registry import."""
    return Community.objects.create(
        street=street or bench_street(),
        name=f"模拟{number:04d}社区",
        slug=community_slug(number),
        area_km2=Decimal("1.10"),
    )


@transaction.atomic
def community_write(*, plan: CommunityPlan, street: Street | None = None) -> Community | None:
    """Write ``plan`` with one ``bulk_create`` per table; ``None`` if the slug exists already."""
    if Community.objects.filter(slug=plan.slug).exists():
        return None
    community = Community.objects.create(
        street=street or bench_street(),
        name=plan.name,
        slug=plan.slug,
        area_km2=plan.area_km2,
        address=f"{plan.name}居委会",
    )
    companies = PropertyCompany.objects.bulk_create(
        PropertyCompany(
            name=c.name,
            credit_code=c.credit_code,
            contact_name=c.contact_name,
            contact_phone=c.contact_phone,
        )
        for c in plan.companies
    )
    compounds = Compound.objects.bulk_create(
        Compound(
            community=community,
            code=c.code,
            name=c.name,
            kind=c.kind,
            address=c.address,
            access_control=c.access_control,
            parking_spaces=c.parking_spaces,
            fire_lanes=c.fire_lanes,
            cameras=c.cameras,
        )
        for c in plan.compounds
    )
    compound_by_code = {c.code: c for c in compounds}
    ServiceContract.objects.bulk_create(
        ServiceContract(
            compound=compound_by_code[c.code],
            company=companies[company],
            starts_on=starts_on,
            ends_on=ends_on,
        )
        for c in plan.compounds
        for company, starts_on, ends_on in c.contracts
    )
    buildings = Building.objects.bulk_create(
        (
            Building(
                compound=compound_by_code[c.code],
                code=b.code,
                floors=b.floors,
                built_year=b.built_year,
            )
            for c in plan.compounds
            for b in c.buildings
        ),
        batch_size=BATCH,
    )
    building_by_key = {(b.compound.code, b.code): b for b in buildings}
    units = Unit.objects.bulk_create(
        (
            Unit(building=building_by_key[c.code, b.code], code=u.code)
            for c in plan.compounds
            for b in c.buildings
            for u in b.units
        ),
        batch_size=BATCH,
    )
    unit_iter = iter(units)
    owners = Owner.objects.bulk_create(
        (
            Owner(community=community, owner_ref=o.ref, name=o.name, kind=o.kind)
            for o in plan.owners.values()
        ),
        batch_size=BATCH,
    )
    owner_by_ref = {o.owner_ref: o for o in owners}
    dwellings: list[Dwelling] = []
    lived: list[tuple[Dwelling, DwellingPlan]] = []
    for c in plan.compounds:
        for b in c.buildings:
            for u in b.units:
                unit = next(unit_iter)
                for d in u.dwellings:
                    dwelling = Dwelling(
                        unit=unit,
                        code=d.code,
                        area_m2=d.area_m2,
                        owner=owner_by_ref[d.owner_ref],
                        is_developer_held=d.is_developer_held,
                    )
                    dwellings.append(dwelling)
                    if d.residents:
                        lived.append((dwelling, d))
    Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
    Household.objects.bulk_create(
        (
            Household(
                dwelling=dwelling,
                residents=d.residents,
                head_name=d.head_name,
                is_owner_occupied=d.is_owner_occupied,
            )
            for dwelling, d in lived
        ),
        batch_size=BATCH,
    )
    _write_grids(community, plan, compound_by_code, building_by_key)
    return community


def _write_grids(
    community: Community,
    plan: CommunityPlan,
    compound_by_code: dict[str, Compound],
    building_by_key: dict[tuple[str, str], Building],
) -> None:
    grid_by_code: dict[str, Grid] = {}
    # Parents first: level 3, then 4, then 5, one bulk_create per level.
    for level in (3, 4, 5):
        created = Grid.objects.bulk_create(
            Grid(
                community=community,
                code=g.code,
                name=g.name,
                level=g.level,
                parent=grid_by_code.get(g.parent_code) if g.parent_code else None,
            )
            for g in plan.grids
            if g.level == level
        )
        grid_by_code.update({g.code: g for g in created})
    Grid.compounds.through.objects.bulk_create(
        Grid.compounds.through(grid=grid_by_code[g.code], compound=compound_by_code[code])
        for g in plan.grids
        for code in g.compound_codes
    )
    Grid.buildings.through.objects.bulk_create(
        (
            Grid.buildings.through(grid=grid_by_code[g.code], building=building_by_key[key])
            for g in plan.grids
            for key in g.buildings
        ),
        batch_size=BATCH,
    )


def generate_city(
    *, communities: int, seed: int = 1, scale: float = 1.0, start: int = 1
) -> list[tuple[str, bool]]:
    """Communities ``start`` .. ``start + communities - 1``; existing slugs are skipped.

    Returns ``(slug, created)`` per community.
    """
    street = bench_street()
    results = []
    for number in range(start, start + communities):
        if Community.objects.filter(slug=community_slug(number)).exists():
            results.append((community_slug(number), False))
            continue
        plan = plan_community(number, seed=seed, scale=scale)
        results.append((plan.slug, community_write(plan=plan, street=street) is not None))
    return results


def registry_rows(plan: CommunityPlan) -> Iterator[list[str]]:
    """The plan as registry-file rows (without the header), one per dwelling."""
    for compound, building, unit, dwelling in plan.dwellings():
        owner = plan.owners[dwelling.owner_ref]
        yield [
            compound.name,
            compound.kind,
            building.code,
            unit.code,
            dwelling.code,
            str(dwelling.area_m2),
            owner.ref,
            owner.name,
            "1" if dwelling.is_developer_held else "0",
            str(dwelling.residents),
        ]


def registry_csv(plan: CommunityPlan) -> bytes:
    """The plan as a UTF-8 registry CSV, header first (the import's template columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REGISTRY_COLUMNS)
    writer.writerows(registry_rows(plan))
    return buffer.getvalue().encode("utf-8")


def scale_for_rows(rows: int) -> float:
    """The scale at which one community has about ``rows`` dwellings (registry rows)."""
    probe = plan_community(1, seed=0, scale=1.0)
    per_scale = sum(1 for _ in probe.dwellings())
    return rows / per_scale


def write_registry_csv(
    path: str | Path, *, number: int = 1, seed: int = 1, scale: float = 1.0
) -> int:
    """Write community ``number``'s plan as a registry CSV at ``path``; returns the row count."""
    plan = plan_community(number, seed=seed, scale=scale)
    Path(path).write_bytes(registry_csv(plan))
    return sum(1 for _ in plan.dwellings())


# --- elections: one community of a few very large compounds ----------------------------------

DWELLINGS_PER_UNIT = 36  # 18 floors, 2 doors
UNITS_PER_BUILDING = 4


def plan_election_community(
    number: int, *, dwellings: Sequence[int], seed: int = 1
) -> CommunityPlan:
    """A community of ``len(dwellings)`` managed compounds of exactly ``dwellings[i]`` dwellings.

    The tally bench needs one compound far larger than any real one (its roll is per compound):
    towers of 4 units of 36 dwellings, about one owner in fifteen holding several dwellings of
    the compound and about 3 % unsold dwellings held by the developer. Nobody is registered as
    living there (no households): the roll does not read them, and they would only cost time.
    """
    rng = random.Random(f"tongde-election:{seed}:{number}:{','.join(map(str, dwellings))}")
    owners: dict[str, OwnerPlan] = {}
    compounds: list[CompoundPlan] = []
    for k, total in enumerate(dwellings):
        code = f"e{k + 1:02d}"
        compound = CompoundPlan(
            code=code,
            name=f"{_ESTATE_WORDS[k % len(_ESTATE_WORDS)]}选举模拟小区{k + 1}",
            kind=Compound.Kind.MANAGED,
            access_control=Compound.AccessControl.CARD,
            parking_spaces=0,
            fire_lanes=1,
            cameras=0,
            address=f"{_ROADS[k % len(_ROADS)]}{k + 1}号",
        )
        developer = f"DEV-{code}"
        owners[developer] = OwnerPlan(
            ref=developer,
            name=f"{compound.name}{_DEVELOPERS[k % len(_DEVELOPERS)]}",
            kind=Owner.Kind.ORGANISATION,
        )
        pool: list[str] = []
        per_building = DWELLINGS_PER_UNIT * UNITS_PER_BUILDING
        for b in range(-(-total // per_building)):
            building = BuildingPlan(
                code=f"{b + 1}号楼", floors=DWELLINGS_PER_UNIT // 2, built_year=2015
            )
            compound.buildings.append(building)
            left = total - b * per_building
            for u in range(-(-min(left, per_building) // DWELLINGS_PER_UNIT)):
                unit = UnitPlan(code=f"{u + 1}单元")
                building.units.append(unit)
                for i in range(min(left - u * DWELLINGS_PER_UNIT, DWELLINGS_PER_UNIT)):
                    floor, door = divmod(i, 2)
                    developer_held = rng.random() < 0.03
                    if developer_held:
                        owner_ref = developer
                    elif pool and rng.random() < 0.07:
                        owner_ref = rng.choice(pool)
                    else:
                        owner_ref = f"E{len(owners) + 1:07d}"
                        owners[owner_ref] = OwnerPlan(
                            ref=owner_ref, name=_person_name(rng), kind=Owner.Kind.PERSON
                        )
                        pool.append(owner_ref)
                        del pool[:-40]
                    unit.dwellings.append(
                        DwellingPlan(
                            code=f"{floor + 1}{door + 1:02d}",
                            area_m2=Decimal(str(round(rng.uniform(55, 140), 2))),
                            owner_ref=owner_ref,
                            residents=0,
                            is_developer_held=developer_held,
                            is_owner_occupied=False,
                        )
                    )
        compounds.append(compound)
    return CommunityPlan(
        number=number,
        slug=community_slug(number),
        name=f"模拟{number:04d}选举社区",
        area_km2=Decimal("3.00"),
        compounds=compounds,
        owners=owners,
        companies=[],
        grids=[],
    )


# --- clean-up operations over the generated city -----------------------------------------------

CAMPAIGN_TOPIC = "bench"  # marks generated operations, so that a second run skips them


def campaigns_generate(
    *,
    communities: Sequence[Community],
    count: int,
    first_day: dt.date,
    last_day: dt.date,
    seed: int = 1,
) -> int:
    """``count`` clean-up operations spread over ``communities`` and ``first_day``..``last_day``.

    Each covers one to three compounds of its community and one to three of its disorders (the
    common list is seeded where missing), with person-times, truckloads and tonnes of the seed's
    proportions (about 27 people, 1.1 truckloads and 2.7 t per operation, as in 2020) and one
    operation in fifty withdrawn. One ``bulk_create`` per table; no participation rows or photos
    (the rollups read the columns). Skipped, returning 0, when the communities already hold
    generated operations; otherwise returns how many were written.
    """
    from campaigns.models import Campaign
    from campaigns.services import disorders_seed

    if Campaign.objects.filter(community__in=communities, topic=CAMPAIGN_TOPIC).exists():
        return 0
    rng = random.Random(f"tongde-campaigns:{seed}:{count}:{first_day}:{last_day}")
    compounds: dict[int, list[int]] = {c.pk: [] for c in communities}
    for pk, community_id in Compound.objects.filter(community__in=communities).values_list(
        "pk", "community_id"
    ):
        compounds[community_id].append(pk)
    disorders: dict[int, list[int]] = {}
    for community in communities:
        disorders_seed(community=community)
        disorders[community.pk] = list(community.disorders.values_list("pk", flat=True))
    days = (last_day - first_day).days + 1
    kinds = list(Campaign.Kind.values)
    with transaction.atomic():
        campaigns = []
        for _ in range(count):
            community = rng.choice(communities)
            truckloads = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
            campaigns.append(
                Campaign(
                    community=community,
                    kind=rng.choice(kinds),
                    topic=CAMPAIGN_TOPIC,
                    held_on=first_day + dt.timedelta(days=rng.randrange(days)),
                    truckloads=truckloads,
                    tonnes=Decimal(truckloads * rng.randint(150, 350)) / 100,
                    vehicles_handled=rng.choice((0, 0, 0, 1, 2)),
                    person_times=rng.randint(8, 48),
                    is_withdrawn=rng.random() < 0.02,
                )
            )
        Campaign.objects.bulk_create(campaigns, batch_size=BATCH)
        Campaign.compounds.through.objects.bulk_create(
            (
                Campaign.compounds.through(campaign_id=c.pk, compound_id=pk)
                for c in campaigns
                for pk in rng.sample(
                    compounds[c.community_id],
                    min(rng.randint(1, 3), len(compounds[c.community_id])),
                )
            ),
            batch_size=BATCH,
        )
        Campaign.disorders.through.objects.bulk_create(
            (
                Campaign.disorders.through(campaign_id=c.pk, disorder_id=pk)
                for c in campaigns
                for pk in rng.sample(
                    disorders[c.community_id],
                    min(rng.randint(1, 3), len(disorders[c.community_id])),
                )
            ),
            batch_size=BATCH,
        )
    return len(campaigns)
