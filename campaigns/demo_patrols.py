"""Grid patrols and the problems found on them, for the Tongde Lane demo.

The seed says level-3 grids "patrol and supervise" (三级网格包巡查监管) and level-4 and level-5
grids "see that fixes happen" (四级、五级网格包楼栋院抓落实), against stairwell clutter, abandoned
furniture in basements and zombie cars (单元楼道杂物、地下室废弃家具、僵尸车) and the "ten
disorders". It gives no patrol or problem: all of it is invented, drawn from one fixed seed and
dated against the demo's own "today", ``STORY_TODAY`` (26 November 2026, the day the scorecards'
story ends: ``scorecards.demo.STORY_TODAY``), so every run plans the same rows whatever the clock.

- Each level-4 grid's worker patrols once a week, each level-3 grid's every other week, over the
  thirteen weeks up to that day; about half the patrols find something.
- A problem is fixed on the spot, or becomes a rectification item: for the company serving a
  managed compound (assigned, answered, closed, or sent back with a new deadline) and, in a
  courtyard, for the self-management committee (open until staff close it).
- The story's last weeks keep every state on the pages: problems waiting for the company, some
  past their deadline, answers waiting for staff's check, one fix sent back, open courtyard
  problems (one overdue).
- A company's problem is also a rectification item in its inbox (``scorecards``), as
  ``patrols.patrol_log`` makes it. So that the red/black lists and bulletins the scorecards demo
  publishes for January to October stay as they are, problems of managed compounds before
  October are fixed on the spot, and those of October are answered within their deadline.

- A grid worker's phone takes a photo of most problems when they are found (``PHOTO_SHARE``), and
  the company answers with a photo of the fix, as the answer form demands. The photos are small
  JPEGs drawn by ``photo()``: a wall and the ground with the clutter in front, and the same scene
  cleared for the fix. They are stored like an upload (the problem's ``photo`` and
  ``answer_photo`` fields, in the default storage) under names drawn from the problem, so a load
  writes the same bytes under the same names every time.

``plan()`` is pure Python; ``load()`` writes with ``bulk_create`` (a few queries for the lot) and
only the patrols missing by grid and day, so a second run creates nothing and writes no file.
Problems loaded before the demo had photos keep none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from compounds.demo import COMPOUNDS, GRIDS, SEED
from compounds.models import Community, Compound, Grid, Membership, ServiceContract, Unit
from tongde import rollups

from .models import Disorder, Patrol, Problem, ProblemEvent
from .rollups_patrols import PATROL_STATS

STORY_TODAY = dt.date(2026, 11, 26)
WEEKS = 13
FIRST_MONDAY = STORY_TODAY - dt.timedelta(days=STORY_TODAY.weekday() + 7 * (WEEKS - 1))
# Before this day a managed compound's problem is fixed on the spot (see the docstring).
RECTIFY_MANAGED_FROM = dt.date(2026, 10, 1)
# From this day on, the states are kept open at the story's end (see ``_fate``).
LAST_WEEKS_FROM = dt.date(2026, 11, 1)
STAFF_USERNAME = "staff"
TZ = dt.timezone(dt.timedelta(hours=8))
# The share of problems photographed when found (the rest: no time, or nothing to see).
PHOTO_SHARE = 0.8
# A photo's size: a phone photo scaled down, so the demo's ~170 photos weigh a few hundred KB.
PHOTO_SIZE = (320, 240)

# (disorder code or "", what the worker writes; "{unit}" is a unit of the building, "" when none;
# whether it concerns a building; days given to put it right)
PROBLEMS: tuple[tuple[str, str, bool, int], ...] = (
    ("stairwell", "{unit}楼道堆放纸箱和旧家具，影响通行", True, 3),
    ("stairwell", "{unit}楼道停放电动车，堵塞安全出口", True, 3),
    ("stairwell", "{unit}楼梯间堆放腌菜缸和杂物", True, 3),
    ("hanging", "楼北侧从窗户私拉电线给电动车充电（飞线充电），存在火灾隐患", True, 3),
    ("hanging", "楼前树木之间拉绳晾晒被褥", True, 3),
    ("dumping", "垃圾收集点垃圾桶满溢，周边散落垃圾未及时清运", False, 3),
    ("dumping", "楼顶平台堆积装修垃圾", True, 7),
    ("", "{unit}楼道声控灯损坏，夜间无照明", True, 3),
    ("", "{unit}门禁损坏，单元门无法关闭", True, 3),
    ("posting", "{unit}门口和楼道墙面张贴小广告", True, 3),
    ("parking", "消防通道停放私家车，堵塞通道", False, 3),
    ("parking", "楼前非机动车乱停乱放，占用人行道", True, 3),
    ("zombie_cars", "停车位停放一辆长期无人使用的僵尸车，车身落满灰尘、轮胎亏气", False, 14),
    ("basement", "地下室走道堆放废弃家具和旧床垫", True, 7),
    ("piling", "楼前空地堆放废旧木料和砖块", True, 7),
    ("building", "一楼住户在楼前私搭彩钢棚", True, 14),
    ("", "楼前绿化带被踩踏出小路，部分被占用种菜", True, 7),
    ("stalls", "小区门口占道摆摊卖菜，影响通行", False, 3),
)
ROUTES = ("东门至北门主干道", "各单元楼道", "地下室和车棚", "垃圾收集点", "消防通道和楼顶平台")

# What becomes of a problem (the states of ``Problem.Status``, and one sent back).
FIXED, OPEN, ASSIGNED, ANSWERED, CLOSED, SENT_BACK = (
    "fixed",
    "open",
    "assigned",
    "answered",
    "closed",
    "sent_back",
)


@dataclass(frozen=True)
class ProblemPlan:
    compound: str  # code
    building: int | None  # index among the compound's buildings, in code order
    unit: int  # index among the building's units
    disorder: str
    description: str
    deadline_days: int
    fate: str
    answer_after: int = 0  # days after found
    check_after: int = 0  # days after the answer (or found, for a courtyard)
    new_deadline_days: int = 0  # after the check, for a fix sent back
    has_photo: bool = False  # photographed when found


@dataclass(frozen=True)
class PatrolPlan:
    grid: str  # name
    level: int
    patrolled_on: dt.date
    route: str
    problems: tuple[ProblemPlan, ...]


def _grids() -> list[tuple[str, int, tuple[str, ...]]]:
    """(name, level, compound codes) of the level-3 and level-4 grids, in the registry's order."""
    rows = []
    for top, level4 in GRIDS:
        rows.append((top, 3, tuple(c for _name, codes in level4 for c in codes)))
        rows.extend((name, 4, tuple(codes)) for name, codes in level4)
    return rows


def _fate(
    *, managed: bool, found: dt.date, deadline: dt.date, rng: random.Random, kept: dict
) -> tuple[str, int, int, int]:
    """(fate, answer after, check after, new deadline days) of a problem to rectify.

    In the last weeks, the first two problems of each kind past their deadline stay unanswered
    (overdue), the next managed one is sent back, and those not yet due wait for the company or for staff; the
    rest was dealt with in time."""
    days = (deadline - found).days
    if found >= LAST_WEEKS_FROM:
        if deadline >= STORY_TODAY:
            if not managed:
                return OPEN, 0, 0, 0
            kept["waiting"] += 1
            if kept["waiting"] % 2:
                return ASSIGNED, 0, 0, 0
            return ANSWERED, min(1, (STORY_TODAY - found).days), 0, 0
        # Two of each kind left past their deadline: the company's and the committee's.
        if kept["overdue", managed] < 2:
            kept["overdue", managed] += 1
            return (ASSIGNED if managed else OPEN), 0, 0, 0
        if managed and not kept["sent_back"]:
            kept["sent_back"] = True
            return SENT_BACK, max(1, days - 1), 1, 5
        if managed:
            # Answered in time; every other one still waits for staff's check.
            kept["checked"] += 1
            if kept["checked"] % 2:
                return ANSWERED, rng.randint(1, days), 0, 0
    if managed:
        answer = rng.randint(1, max(1, days))
        check = rng.randint(1, 2)
        if found + dt.timedelta(days=answer + check) >= STORY_TODAY:
            return ANSWERED, min(answer, (STORY_TODAY - found).days), 0, 0
        return CLOSED, answer, check, 0
    check = rng.randint(2, max(2, days + 3))
    if found + dt.timedelta(days=check) >= STORY_TODAY:
        return OPEN, 0, 0, 0
    return CLOSED, 0, check, 0


def plan() -> list[PatrolPlan]:
    """The patrols of the thirteen weeks up to ``STORY_TODAY`` (same result every run)."""
    rng = random.Random(SEED + 40)  # noqa: S311 -- demo data, not secrets
    # Photos draw from their own sequence, so the rows planned before there were photos stay.
    photo_rng = random.Random(SEED + 41)  # noqa: S311 -- demo data, not secrets
    kinds = {s.code: s.kind for s in COMPOUNDS}
    kept: dict[Any, Any] = {
        ("overdue", True): 0,
        ("overdue", False): 0,
        "sent_back": False,
        "waiting": 0,
        "checked": 0,
    }
    patrols: list[PatrolPlan] = []
    days: list[tuple[dt.date, int, str, int, tuple[str, ...]]] = []
    for index, (name, level, codes) in enumerate(_grids()):
        for week in range(WEEKS):
            if level == 3 and week % 2:
                continue  # level-3 grids supervise every other week
            weekday = 3 if level == 3 else index % 5
            day = FIRST_MONDAY + dt.timedelta(days=7 * week + weekday)
            if day <= STORY_TODAY:
                days.append((day, index, name, level, codes))
    # Chronological, so that "the first overdue ones" are the oldest of the last weeks.
    for day, _index, name, level, codes in sorted(days):
        problems = []
        for _n in range(rng.choices((0, 1, 2, 3), weights=(5, 4, 2, 1))[0]):
            code = rng.choice(codes)
            disorder, text, in_building, deadline_days = rng.choice(PROBLEMS)
            managed = kinds[code] == Compound.Kind.MANAGED
            deadline = day + dt.timedelta(days=deadline_days)
            if (managed and day < RECTIFY_MANAGED_FROM) or rng.random() < 0.2:
                fate = (FIXED, 0, 0, 0)
            else:
                fate = _fate(managed=managed, found=day, deadline=deadline, rng=rng, kept=kept)
            problems.append(
                ProblemPlan(
                    compound=code,
                    building=rng.randrange(1000) if in_building else None,
                    unit=rng.randrange(1000),
                    disorder=disorder,
                    description=text,
                    deadline_days=deadline_days,
                    fate=fate[0],
                    answer_after=fate[1],
                    check_after=fate[2],
                    new_deadline_days=fate[3],
                    has_photo=photo_rng.random() < PHOTO_SHARE,
                )
            )
        places = "、".join(rng.sample(ROUTES, 2))
        patrols.append(
            PatrolPlan(name, level, day, f"{name.removesuffix('网格')}：{places}", tuple(problems))
        )
    return patrols


def photo(key: str, *, cleared: bool = False) -> bytes:
    """A small JPEG of a problem, drawn from ``key`` (same key, same bytes): a wall over the
    ground, with boxes and junk piled in front; ``cleared``, the same scene without them (the
    fix). Plain shapes and colours, a few KB."""
    rng = random.Random(key)  # noqa: S311 -- demo data, not secrets
    width, height = PHOTO_SIZE
    horizon = rng.randrange(height // 3, height // 2)
    wall = tuple(rng.randrange(170, 225) for _ in range(3))
    ground = tuple(rng.randrange(95, 140) for _ in range(3))
    image = Image.new("RGB", PHOTO_SIZE, wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, horizon, width, height), fill=ground)
    # A door or a window in the wall, which stays in the photo of the fix.
    left = rng.randrange(10, width - 90)
    draw.rectangle((left, horizon - 70, left + 60, horizon), fill=(90, 70, 50))
    clutter = [
        (
            rng.choice((draw.rectangle, draw.ellipse)),
            rng.randrange(-20, width - 20),
            rng.randrange(horizon - 30, height - 30),
            rng.randrange(25, 90),
            rng.randrange(15, 55),
            (rng.randrange(80, 200), rng.randrange(50, 140), rng.randrange(20, 90)),
        )
        for _ in range(rng.randrange(3, 8))
    ]
    if not cleared:
        for shape, x, y, w, h, colour in sorted(clutter, key=lambda c: c[2]):
            shape((x, y, x + w, y + h), fill=colour, outline=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _photo_file(key: str, *, cleared: bool = False) -> ContentFile:
    """``photo(key)`` named as an upload is (24 hex digits), from the key: the same every load."""
    name = hashlib.sha256(f"{key}|{cleared}".encode()).hexdigest()[:24]
    return ContentFile(photo(key, cleared=cleared), name=f"{name}.jpg")


def _add_photos(problem: Problem, key: str, *, has_photo: bool) -> None:
    """Store the problem's photos as the upload paths do (``patrols.patrol_log`` and
    ``problem_answer``): the photo when found, and the fix's with the company's answer."""
    if has_photo:
        found = _photo_file(key)
        problem.photo.save(found.name, found, save=False)
    if problem.company_answer:
        fixed = _photo_file(key, cleared=True)
        problem.answer_photo.save(fixed.name, fixed, save=False)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


ANSWERS = (
    "已安排保洁人员清理完毕，并张贴温馨提示。",
    "已联系住户自行清理，物业人员现场督促完成。",
    "已由维修班更换修复，现已恢复正常。",
    "已清运完毕，并加强日常巡查。",
)


def load(community: Community, compounds: dict[str, Compound]) -> tuple[int, int]:
    """Write the planned patrols missing from the community (by grid and day) with their
    problems, events and rectification items; returns (patrols, problems) created."""
    from scorecards.inspections import Action
    from scorecards.models import Rectification, RectificationEvent
    from scorecards.rollups import OVERDUE_STATS

    user_model = get_user_model()
    staff = user_model.objects.filter(username=STAFF_USERNAME).first()
    grids = {g.name: g for g in Grid.objects.filter(community=community, worker__isnull=False)}
    plans = [p for p in plan() if p.grid in grids]
    have = set(
        Patrol.objects.filter(grid__community=community).values_list("grid__name", "patrolled_on")
    )
    plans = [p for p in plans if (p.grid, p.patrolled_on) not in have]
    if staff is None or not plans:
        return 0, 0

    disorders = {d.code: d for d in Disorder.objects.filter(community=community, is_active=True)}
    buildings: dict[int, list[Any]] = defaultdict(list)
    units: dict[int, list[str]] = defaultdict(list)
    for unit in (
        Unit.objects.filter(building__compound__community=community)
        .select_related("building")
        .order_by("building__compound_id", "building__code", "code")
    ):
        if not buildings[unit.building.compound_id] or (
            buildings[unit.building.compound_id][-1].pk != unit.building_id
        ):
            buildings[unit.building.compound_id].append(unit.building)
        units[unit.building_id].append(unit.code)
    companies = {
        c.compound_id: c.company
        for c in ServiceContract.objects.current(STORY_TODAY)
        .filter(compound__community=community)
        .select_related("company")
    }
    company_users = dict(
        Membership.objects.filter(role=Membership.Role.COMPANY, company__isnull=False)
        .order_by("-pk")
        .values_list("company_id", "user")
    )
    users = user_model.objects.in_bulk(set(company_users.values()))

    patrols = Patrol.objects.bulk_create(
        Patrol(
            grid=grids[p.grid],
            patrolled_on=p.patrolled_on,
            worker=grids[p.grid].worker,
            route=p.route,
        )
        for p in plans
    )
    problems: list[Problem] = []
    steps: list[list[tuple[str, str, Any, dt.datetime, str, dt.date | None]]] = []
    for patrol, p in zip(patrols, plans, strict=True):
        patrol.recorded_at = _at(p.patrolled_on, 17, 30)
        for n, item in enumerate(p.problems):
            problem, events = _problem(
                item, patrol, compounds, buildings, units, disorders, companies, staff
            )
            _add_photos(problem, f"{p.grid}|{p.patrolled_on}|{n}", has_photo=item.has_photo)
            if problem.company_id:
                events = [
                    (
                        a,
                        s,
                        users.get(company_users.get(problem.company_id)) if by == "company" else by,
                        at,
                        note,
                        d,
                    )
                    for a, s, by, at, note, d in events
                ]
            problems.append(problem)
            steps.append(events)
    Patrol.objects.bulk_update(patrols, ["recorded_at"])  # auto_now_add: the story's day
    Problem.objects.bulk_create(problems)
    events = [
        ProblemEvent(problem=problem, action=a, status=s, by=by, note=note, deadline_on=d)
        for problem, row in zip(problems, steps, strict=True)
        for a, s, by, _at_, note, d in row
    ]
    ProblemEvent.objects.bulk_create(events)
    stamps = [at for row in steps for _a, _s, _by, at, _n, _d in row]
    for event, at in zip(events, stamps, strict=True):
        event.at = at
    ProblemEvent.objects.bulk_update(events, ["at"])  # auto_now_add: the story's moments

    # The company's problems are rectification items in its inbox, step for step.
    rectifications = []
    rect_steps = []
    for problem, row in zip(problems, steps, strict=True):
        if problem.company_id is None:
            continue
        status = {
            Problem.Status.ASSIGNED: Rectification.Status.OPEN,
            Problem.Status.ANSWERED: Rectification.Status.ANSWERED,
            Problem.Status.CLOSED: Rectification.Status.CLOSED,
        }[problem.status]
        if any(a == ProblemEvent.Action.REOPENED for a, *_rest in row):
            status = Rectification.Status.REOPENED
        rectifications.append(
            Rectification(
                compound_id=problem.compound_id,
                company_id=problem.company_id,
                problem=problem,
                description=problem.description,
                created_on=problem.found_on,
                deadline_on=problem.deadline_on,
                status=status,
                answer=problem.company_answer,
                answered_at=problem.answered_at,
                closed_on=problem.closed_on,
                verified_by=staff if status == Rectification.Status.CLOSED else None,
            )
        )
        action_of = {
            ProblemEvent.Action.FOUND: Action.RAISED,
            ProblemEvent.Action.ANSWERED: Action.ANSWERED,
            ProblemEvent.Action.CLOSED: Action.VERIFIED,
            ProblemEvent.Action.REOPENED: Action.REOPENED,
        }
        rect_steps.append([(action_of[a], by, at, note) for a, _s, by, at, note, _d in row])
    Rectification.objects.bulk_create(rectifications)
    RectificationEvent.objects.bulk_create(
        RectificationEvent(rectification=r, action=a, by=by, at=at, comment=note)
        for r, row in zip(rectifications, rect_steps, strict=True)
        for a, by, at, note in row
    )
    first = min(p.patrolled_on for p in plans)
    # Figures already rolled up from that day on are out of date (none on a fresh demo); the next
    # scheduled run refills them.
    rollups.mark_stale(PATROL_STATS, first, refill_on_commit=False)
    rollups.mark_stale(OVERDUE_STATS, first, refill_on_commit=False)
    return len(patrols), len(problems)


def _problem(item, patrol, compounds, buildings, units, disorders, companies, staff):
    """The problem row and its steps (action, status after, by, at, note, deadline)."""
    compound = compounds[item.compound]
    found = patrol.patrolled_on
    building = None
    unit = ""
    if item.building is not None and buildings[compound.pk]:
        building = buildings[compound.pk][item.building % len(buildings[compound.pk])]
        codes = units[building.pk]
        unit = codes[item.unit % len(codes)] if codes else ""
    problem = Problem(
        patrol=patrol,
        compound=compound,
        building=building,
        disorder=disorders.get(item.disorder),
        description=item.description.format(unit=unit),
        found_on=found,
    )
    worker = patrol.worker
    S = Problem.Status
    A = ProblemEvent.Action
    if item.fate == FIXED:
        problem.status = S.FIXED_ON_SPOT
        problem.closed_on = found
        return problem, [(A.FOUND, S.FIXED_ON_SPOT, worker, _at(found, 10), "", None)]
    problem.deadline_on = found + dt.timedelta(days=item.deadline_days)
    company = companies.get(compound.pk) if compound.kind == Compound.Kind.MANAGED else None
    problem.company = company
    first = S.ASSIGNED if company else S.OPEN
    steps = [(A.FOUND, first, worker, _at(found, 10), "", problem.deadline_on)]
    problem.status = first
    if company is None:
        if item.fate == CLOSED:
            closed = found + dt.timedelta(days=item.check_after)
            problem.status, problem.closed_on = S.CLOSED, closed
            note = "自管委已组织住户清理，现场核实完毕。"
            steps.append((A.CLOSED, S.CLOSED, staff, _at(closed, 16), note, None))
        return problem, steps
    if item.fate == ASSIGNED:
        return problem, steps
    answered = found + dt.timedelta(days=item.answer_after)
    answer = ANSWERS[(len(problem.description) + item.answer_after) % len(ANSWERS)]
    problem.status = S.ANSWERED
    problem.company_answer = answer
    problem.answered_at = _at(answered, 15)
    steps.append((A.ANSWERED, S.ANSWERED, "company", problem.answered_at, answer, None))
    checked = answered + dt.timedelta(days=item.check_after)
    if item.fate == CLOSED:
        problem.status, problem.closed_on = S.CLOSED, checked
        steps.append((A.CLOSED, S.CLOSED, staff, _at(checked, 10), "现场核实已整改。", None))
    elif item.fate == SENT_BACK:
        problem.status = S.ASSIGNED
        # Still the company's to do when the story ends.
        problem.deadline_on = max(
            checked + dt.timedelta(days=item.new_deadline_days),
            STORY_TODAY + dt.timedelta(days=2),
        )
        reason = "现场复查仍有杂物未清理干净，请彻底清理。"
        steps.append((A.REOPENED, S.ASSIGNED, staff, _at(checked, 10), reason, problem.deadline_on))
    return problem, steps
