"""The scorecards part of the Tongde Lane demo: the year 2026 of the "three solids" (三实).

The seed says Kangsheng Garden (康盛花园) runs on "list-style commitment, contract-based operation"
(清单式承诺, 契约化运营): its company's services are a checklist the owners approved together with
the fee standard (the 2020 motion in the committees demo). Everything else here is invented and
drawn from one fixed seed, so every run plans the same rows:

- a 2026 agreement for each of the five managed compounds, Kangsheng Garden's with the six
  commitments of the owners' motion, its fee standard and a link to that vote;
- the default rubric and settings of 2026;
- January to October: two or three inspections a month per compound with findings against the
  rubric, a rectification item for each (most closed in time, some late), the companies' monthly
  reports (one late, one missing after the grace period: a veto), the scorecards drafted by the
  app's own drafting and the red/black lists published on the 12th of the month after;
- one correction (June: a duplicate finding at 帝豪花园 withdrawn) and one appeal (金水湾's
  August black listing, rejected with the reason published);
- the company of the latest black listing summoned for talks (约谈), its compound under closer
  inspection (four a month) until the year's end;
- the quarterly bulletins of the first three quarters, each with a commentary written from its
  figures, published on the 16th of the month after the quarter;
- November so far: inspections, open rectifications (some overdue), October's reports, and the
  weekly feedback of the weeks so far.

Compounds have a profile (how many points a month's findings take off), so the lists look like a
real year: 康盛花园 and 常青茗庭 are usually red, 金水湾 often black, the others in between.

``load()`` writes only when the community has no 2026 inspections yet, so a second run changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from compounds.demo import COMMUNITY, DEMO_COMPANY_COMPOUND, SEED
from compounds.models import Community, Compound, ServiceContract

from . import rules
from .inspections import FindingInput, inspection_record
from .models import (
    Agreement,
    Appeal,
    Bulletin,
    Commitment,
    DeductionItem,
    Finding,
    Inspection,
    MonthlyReport,
    Publication,
    Rectification,
    RectificationEvent,
    ReportEvent,
    Scorecard,
    ScorecardReply,
    WeeklyFeedback,
    next_month,
)
from .setup import rubric_for, settings_for

YEAR = 2026
FIRST_MONTH, LAST_PUBLISHED_MONTH = 1, 10
# "Today" of the demo's story: late November 2026 (the demo must look the same whenever it loads).
STORY_TODAY = dt.date(2026, 11, 26)
STAFF_USERNAME, GRID_USERNAME, COMPANY_USERNAME = "staff", "grid", "company"
TZ = dt.timezone(dt.timedelta(hours=8))

# Points a month's findings take off, drawn between these bounds, per compound.
PROFILES = {
    "kangsheng-garden": (2, 9),
    "changqing-mingting": (4, 13),
    "jinxin": (9, 22),
    "dihao-garden": (6, 20),
    "jinshuiwan": (18, 36),
}
# Months (of 2026) with something special.
LATE_REPORT = ("jinxin", 4)  # submitted after the due date, within the grace period
MISSING_REPORT = ("jinshuiwan", 3)  # never filed: a veto
SINGLE_INSPECTION = ("dihao-garden", 5)  # too few inspections to be ranked
OVERDUE_AT_MONTH_END = ("changqing-mingting", 7)  # scores red, an open item keeps it off
CORRECTION = ("dihao-garden", 6)
APPEAL = ("jinshuiwan", 8)

KANGSHENG_COMMITMENTS = (
    ("秩序维护：小区出入口24小时值守，夜间每2小时巡查一次，消防通道每日巡查", "24小时值守"),
    ("环境卫生：楼道每日清扫、每周拖洗一次，生活垃圾日产日清", "日产日清"),
    ("绿化养护：草坪每月修剪两次，乔灌木每年修剪一次", "每月两次"),
    ("设施设备：公共照明损坏48小时内修复，二次供水设施每半年清洗消毒一次", "48小时内"),
    ("报修响应：一般报修24小时内上门，紧急报修30分钟内到场", "24小时/30分钟"),
    ("信息公开：每半年公示一次物业费收支情况", "每半年"),
)
KANGSHENG_FEE = "0.60 元/㎡·月（2020年9月1日起，业主大会表决通过）"
MOTION_TITLE = "康盛花园业主大会表决：物业服务清单与收费标准"

FINDING_TEXT = {
    "records_missing": "物业服务台账本月未更新",
    "notice_missing": "公告栏未公示本季度收费明细",
    "complaint_late": "业主反映的漏水问题超过3天未回复",
    "repair_late": "单元门禁报修两日未修复",
    "equipment_fault": "二次供水泵房水泵异响未检修",
    "stairwell_light": "楼道声控灯损坏",
    "gate_unattended": "检查时北门岗无人值守",
    "patrol_missing": "夜间巡查记录缺失",
    "fire_lane_blocked": "消防通道停放私家车",
    "extinguisher_expired": "楼道灭火器压力不足",
    "stairwell_clutter": "楼道堆放纸箱杂物",
    "rubbish_overflow": "垃圾桶满溢未及时清运",
    "green_damaged": "绿地被踩踏出小路未补植",
    "parking_disorder": "车辆占用绿化带停放",
}


@dataclass
class Created:
    agreements: int = 0
    inspections: int = 0
    findings: int = 0
    reports: int = 0
    publications: int = 0
    notes: list[str] = field(default_factory=list)

    def total(self) -> int:
        return self.agreements + self.inspections + self.findings + self.reports


def _at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _months() -> list[dt.date]:
    return [dt.date(YEAR, m, 1) for m in range(FIRST_MONTH, LAST_PUBLISHED_MONTH + 2)]


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


@transaction.atomic
def load(stdout: TextIO | None = None) -> Created:
    """Add the scorecards' part of the demo to the Tongde Lane community; idempotent."""
    created = Created()
    community = Community.objects.filter(slug=COMMUNITY["slug"]).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[STAFF_USERNAME, GRID_USERNAME, COMPANY_USERNAME]
        )
    }
    if community is None or len(users) < 3:
        return created  # the registry part of the demo is not there
    compounds = {c.code: c for c in Compound.objects.filter(community=community, code__in=PROFILES)}
    if len(compounds) < len(PROFILES):
        return created
    if Inspection.objects.filter(compound__community=community, inspected_on__year=YEAR).exists():
        if stdout is not None:
            stdout.write(_("Scorecards: complete already, nothing was created."))
        return created

    settings_for(community, YEAR)
    rubric = rubric_for(community, YEAR)
    companies = _companies(compounds)
    _load_agreements(compounds, companies, created)
    rng = random.Random(SEED + 30)  # noqa: S311 -- demo data
    items = list(DeductionItem.objects.filter(criterion__rubric=rubric).select_related("criterion"))
    for month in _months():
        for code, compound in compounds.items():
            _load_month(code, compound, companies[code], month, items, users, rng, created)
    _load_reports(compounds, companies, users, rng, created)
    _veto_september(compounds["kangsheng-garden"], rubric, users)
    _publish(community, users, created)
    _load_earlier_reports(compounds, companies, users, created)
    _publish_bulletins(community, users[STAFF_USERNAME])
    _summon_latest_black(community, users[STAFF_USERNAME])
    _open_item_at_kangsheng(compounds["kangsheng-garden"], items, users, created)
    _load_feedback()

    if stdout is not None:
        stdout.write(
            _(
                "Scorecards: created %(agreements)s agreements, %(inspections)s inspections with "
                "%(findings)s findings, %(reports)s monthly reports and %(publications)s "
                "red/black lists."
            )
            % vars(created)
        )
    return created


def _open_item_at_kangsheng(compound, items, users, created) -> None:
    """A grid worker's round of 24 November, recorded through the inspections service: its
    finding is still the company's to answer when the story ends, so the demo company's inbox
    and to-do page have something to act on (after the last full week of feedback)."""
    day = dt.date(YEAR, 11, 24)
    item = next(i for i in items if i.code == "stairwell_clutter")
    inspection = inspection_record(
        compound=compound,
        day=day,
        inspector=users[GRID_USERNAME],
        findings=[
            FindingInput(
                criterion=item.criterion,
                deduction_item=item,
                description="12号楼1单元楼道堆放旧家具和纸箱，堵塞通道",
                deadline_on=day + dt.timedelta(days=7),
            )
        ],
        notes="网格员日常巡查",
        today=STORY_TODAY,
    )
    # The service stamps the moment it runs; the demo tells the story's own day.
    Inspection.objects.filter(pk=inspection.pk).update(created_at=_at(day, 10))
    Finding.objects.filter(inspection=inspection).update(created_at=_at(day, 10))
    RectificationEvent.objects.filter(rectification__finding__inspection=inspection).update(
        at=_at(day, 10, 5)
    )
    created.inspections += 1
    created.findings += 1


def _veto_september(compound, rubric, users) -> None:
    """An electric-bike fire in Kangsheng Garden's bike shed in September: a veto item."""
    day = dt.date(YEAR, 9, 18)
    inspection = Inspection.objects.create(
        compound=compound,
        inspected_on=day,
        inspector=users[STAFF_USERNAME],
        notes="车棚电动车充电起火后现场核查",
        created_at=_at(day, 11),
    )
    criterion = rubric.criteria.get(code="fire_safety")
    Finding.objects.create(
        compound=compound,
        inspection=inspection,
        found_on=day,
        criterion=criterion,
        points=Decimal(10),
        veto_item=rubric.veto_items.get(code="major_safety_accident"),
        description="车棚内电动车私拉电线充电引发火灾，烧毁电动车3辆，无人员伤亡",
        created_at=_at(day, 11, 30),
    )


def _companies(compounds: dict[str, Compound]) -> dict:
    on = dt.date(YEAR, 6, 30)
    contracts = ServiceContract.objects.current(on).filter(compound__in=compounds.values())
    by_compound = {c.compound_id: c.company for c in contracts.select_related("company")}
    return {code: by_compound[compound.pk] for code, compound in compounds.items()}


def _load_agreements(compounds: dict[str, Compound], companies: dict, created: Created) -> None:
    from committees.models import Election

    fee_vote = Election.objects.filter(title=MOTION_TITLE).first()
    for n, (code, compound) in enumerate(sorted(compounds.items())):
        is_kangsheng = code == DEMO_COMPANY_COMPOUND
        agreement, was_created = Agreement.objects.get_or_create(
            compound=compound,
            year=YEAR,
            defaults={
                "company": companies[code],
                "signed_on": dt.date(YEAR, 1, 8 + n),
                "target_fee_collection_rate": Decimal("0.9500")
                if is_kangsheng
                else Decimal("0.9000"),
                "target_complaint_days": 3,
                "target_satisfaction": Decimal("0.9000") if is_kangsheng else Decimal("0.8500"),
                "fee_standard": KANGSHENG_FEE if is_kangsheng else "",
                "fee_vote": fee_vote if is_kangsheng else None,
                "notes": "社区与物业服务企业签订年度目标责任书，按月评比、按季通报、按年考核。",
            },
        )
        created.agreements += was_created
        if is_kangsheng and was_created:
            Commitment.objects.bulk_create(
                Commitment(agreement=agreement, position=i, text=text, standard=standard)
                for i, (text, standard) in enumerate(KANGSHENG_COMMITMENTS)
            )


def _days_in(month: dt.date, count: int, rng: random.Random) -> list[dt.date]:
    last = min(_month_end(month), STORY_TODAY)
    span = (last - month).days + 1
    picks = sorted(rng.sample(range(span), min(count, span)))
    return [month + dt.timedelta(days=d) for d in picks]


def _load_month(code, compound, company, month, items, users, rng, created) -> None:
    low, high = PROFILES[code]
    target = Decimal(rng.randint(low, high))
    if (code, month.month) == OVERDUE_AT_MONTH_END:
        target = Decimal(6)  # a red-list score that the overdue item keeps off the list
    count = 1 if (code, month.month) == SINGLE_INSPECTION else rng.choice((2, 2, 3))
    days = _days_in(month, count, rng)
    inspectors = [users[STAFF_USERNAME], users[GRID_USERNAME]]
    inspections = [
        Inspection.objects.create(
            compound=compound,
            inspected_on=day,
            inspector=inspectors[i % 2],
            notes="按月评比细则逐项检查",
            created_at=_at(day, 16),
        )
        for i, day in enumerate(days)
    ]
    created.inspections += len(inspections)
    taken = Decimal(0)
    n = 0
    while taken < target:
        item = rng.choice(items)
        inspection = inspections[n % len(inspections)]
        n += 1
        taken += item.points
        finding = Finding.objects.create(
            compound=compound,
            inspection=inspection,
            found_on=inspection.inspected_on,
            criterion=item.criterion,
            deduction_item=item,
            points=item.points,
            description=FINDING_TEXT.get(item.code, item.name_zh),
            created_at=_at(inspection.inspected_on, 16, 30),
        )
        created.findings += 1
        _rectification(
            finding,
            company,
            users,
            rng,
            overdue=(code, month.month) == OVERDUE_AT_MONTH_END and n == 1,
        )
    if (code, month.month) == CORRECTION:
        # The same stairwell clutter recorded twice on one visit: withdrawn in the correction.
        first = inspections[0]
        item = next(i for i in items if i.code == "stairwell_clutter")
        finding = Finding.objects.create(
            compound=compound,
            inspection=first,
            found_on=first.inspected_on,
            criterion=item.criterion,
            deduction_item=item,
            points=Decimal(12),
            description="3号楼2单元楼道堆放杂物（与同日另一条记录重复）",
            created_at=_at(first.inspected_on, 16, 45),
        )
        created.findings += 1
        _rectification(finding, company, users, rng, overdue=False)


def _rectification(finding, company, users, rng, *, overdue: bool) -> None:
    raised = finding.found_on
    deadline = raised + dt.timedelta(days=7)
    if overdue:  # due within the month, put right only in the next one
        deadline = max(raised, min(deadline, _month_end(raised) - dt.timedelta(days=1)))
    rect = Rectification.objects.create(
        compound=finding.compound,
        company=company,
        finding=finding,
        description=finding.description,
        created_on=raised,
        deadline_on=deadline,
    )
    events = [
        RectificationEvent(
            rectification=rect, at=_at(raised, 17), by=users[STAFF_USERNAME], action="raised"
        )
    ]
    late = overdue or rng.random() < 0.08
    answered_on = (
        _month_end(raised) + dt.timedelta(days=rng.randint(2, 6))
        if overdue
        else deadline + dt.timedelta(days=rng.randint(3, 9))
        if late
        else raised + dt.timedelta(days=rng.randint(1, 6))
    )
    if answered_on < STORY_TODAY:
        closed_on = answered_on + dt.timedelta(days=1)
        rect.status = (
            Rectification.Status.CLOSED
            if closed_on < STORY_TODAY
            else Rectification.Status.ANSWERED
        )
        rect.answer = "已按要求整改完毕，附整改后照片。"
        rect.answered_at = _at(answered_on, 15)
        events.append(
            RectificationEvent(
                rectification=rect,
                at=rect.answered_at,
                by=users[COMPANY_USERNAME],
                action="answered",
                comment=rect.answer,
            )
        )
        if rect.status == Rectification.Status.CLOSED:
            rect.closed_on = closed_on
            rect.verified_by = users[STAFF_USERNAME]
            events.append(
                RectificationEvent(
                    rectification=rect,
                    at=_at(closed_on, 10),
                    by=users[STAFF_USERNAME],
                    action="verified",
                )
            )
        rect.save()
    RectificationEvent.objects.bulk_create(events)


def _report_numbers(code: str, rng: random.Random) -> dict:
    received = rng.randint(2, 12)
    return {
        "staff_on_duty": rng.randint(8, 16),
        "cleaning_rounds": rng.randint(55, 62),
        "patrol_rounds": rng.randint(180, 240),
        "repairs_done": rng.randint(10, 40),
        "repairs_open": rng.randint(0, 4),
        "complaints_received": received,
        "complaints_resolved": received - rng.randint(0, min(2, received)),
        "complaint_hours": Decimal(rng.randint(80, 600)) / 10,
        "fee_collection_rate": Decimal(rng.randint(8200, 9800)) / 10000,
        "safety_incidents": 0,
        "narrative": "本月按服务清单完成日常保洁、秩序维护、设施设备巡检，整改事项已逐项落实。",
    }


def _file_report(compound, company, month, submitted, *, accepted: bool, users, numbers) -> None:
    """A report submitted at ``submitted`` and, with ``accepted``, accepted a day later."""
    company_user, staff = users[COMPANY_USERNAME], users[STAFF_USERNAME]
    accepted_at = submitted + dt.timedelta(days=1)
    report = MonthlyReport.objects.create(
        compound=compound,
        company=company,
        month=month,
        status=MonthlyReport.Status.ACCEPTED if accepted else MonthlyReport.Status.SUBMITTED,
        created_at=submitted - dt.timedelta(hours=3),
        created_by=company_user,
        first_submitted_at=submitted,
        submitted_at=submitted,
        reviewed_at=accepted_at if accepted else None,
        reviewed_by=staff if accepted else None,
        **numbers,
    )
    events = [ReportEvent(report=report, at=submitted, by=company_user, action="submitted")]
    if accepted:
        events.append(ReportEvent(report=report, at=accepted_at, by=staff, action="accepted"))
    ReportEvent.objects.bulk_create(events)


def _load_reports(compounds, companies, users, rng, created) -> None:
    for month in _months()[:-1]:  # November's reports are not due yet
        for code, compound in compounds.items():
            if (code, month.month) == MISSING_REPORT:
                continue
            day = 7 if (code, month.month) == LATE_REPORT else rng.randint(2, 5)
            submitted = _at(next_month(month).replace(day=day), 17)
            # October's report of 金鑫小区 still waits for staff's review.
            is_pending = month.month == 10 and code == "jinxin"
            _file_report(
                compound,
                companies[code],
                month,
                submitted,
                accepted=not is_pending,
                users=users,
                numbers=_report_numbers(code, rng),
            )
            created.reports += 1


def _load_earlier_reports(compounds, companies, users, created) -> None:
    """The year before the story: every report filed on time and accepted, so that a company's
    last twelve months do not show months before the story as missing."""
    rng = random.Random(SEED + 31)  # noqa: S311 -- demo data; its own, not to shift the story
    for m in range(1, 13):
        month = dt.date(YEAR - 1, m, 1)
        for code, compound in compounds.items():
            submitted = _at(next_month(month).replace(day=rng.randint(2, 5)), 17)
            _file_report(
                compound,
                companies[code],
                month,
                submitted,
                accepted=True,
                users=users,
                numbers=_report_numbers(code, rng),
            )
            created.reports += 1


def _publish(community, users, created) -> None:
    """Draft and publish January to October through the app's own scoring services, each list
    on the 12th of the month after; then June's correction and September's appeal."""
    from . import scoring

    staff = users[STAFF_USERNAME]
    for m in range(FIRST_MONTH, LAST_PUBLISHED_MONTH + 1):
        month = dt.date(YEAR, m, 1)
        scoring.draft_month(month, communities=[community], notify=False)
        _reply(month, users)
        publication = scoring.publish_month(
            community=community, month=month, user=staff, notify=False
        )
        _backdate(publication, _at(next_month(month).replace(day=12), 10))
        created.publications += 1
    _correct_june(community, staff, created)
    _appeal_september(community, users)


def _summon_latest_black(community, staff) -> None:
    """The company of the latest black listing is summoned for talks three days after the list,
    and its compound is inspected four times a month until the end of the year."""
    from . import summons
    from .models import PublicationEntry

    entry = (
        PublicationEntry.objects.filter(
            publication__community=community,
            publication__corrected_by__isnull=True,
            band=rules.Band.BLACK,
        )
        .select_related("publication", "compound")
        .order_by("-publication__month")
        .first()
    )
    if entry is None:
        return
    held_on = (entry.publication.published_at + dt.timedelta(days=3)).astimezone(TZ).date()
    summons.summons_record(
        compound=entry.compound,
        entry=entry,
        held_on=held_on,
        place="同德巷社区党群服务中心会议室",
        staff_present="王晓梅（社区主任）、城管办李强",
        company_present="项目经理、客服主管",
        issues=f"{entry.publication.month:%Y年%m月}红黑榜得分{entry.score}分，列入黑榜；"
        "楼道堆物、垃圾清运不及时反复出现，整改逾期。",
        undertakings="一周内清理全部楼道堆物，垃圾日产日清，增派保洁1名；每周向社区报送整改照片。",
        measures_due_on=held_on + dt.timedelta(days=14),
        closer_until=dt.date(YEAR, 12, 31),
        inspections_per_month=4,
        user=staff,
        today=STORY_TODAY,
        notify=False,
    )


def _commentary(figures: dict) -> str:
    """The staff's commentary of a demo bulletin, written from its own figures."""
    ranked = [c for c in figures["compounds"] if c["rank"] is not None]
    totals = figures["totals"]
    year, quarter = figures["quarter"].split("-Q")
    text = (
        f"{year}年第{quarter}季度，{len(figures['compounds'])}个物管小区参加月评比。"
        f"{ranked[0]['name']}以季度平均{ranked[0]['average']}分排名第一；"
        f"{ranked[-1]['name']}平均{ranked[-1]['average']}分，排名末位。"
        f"本季度共{totals['red']}个月次上红榜、{totals['black']}个月次上黑榜；"
        f"检查{totals['inspections']}次，发现问题{totals['findings']}个，"
        f"整改销号{totals['closures']}个，逾期未改{totals['overdue']}个。"
    )
    if totals["black"]:
        text += "上黑榜的项目已约谈物业服务企业负责人，下季度加密检查，逾期整改逐项督办。"
    return text


def _publish_bulletins(community, staff) -> None:
    """The bulletins of the quarters whose three lists are out, each published on the 16th of
    the month after the quarter (after its last list, on the 12th)."""
    from . import bulletins

    for label in (f"{YEAR}-Q1", f"{YEAR}-Q2", f"{YEAR}-Q3"):
        quarter = bulletins.quarter_of(label)
        figures = bulletins.bulletin_figures(community=community, quarter=quarter)
        bulletin = bulletins.bulletin_publish(
            community=community,
            quarter=quarter,
            summary=_commentary(figures),
            user=staff,
            today=STORY_TODAY,
        )
        Bulletin.objects.filter(pk=bulletin.pk).update(
            published_at=_at(quarter.end.replace(day=16), 10)
        )


def _backdate(publication, at: dt.datetime) -> None:
    # The story's dates: a list published on the 12th, its cards drafted on the 1st.
    Publication.objects.filter(pk=publication.pk).update(published_at=at)
    Scorecard.objects.filter(entries__publication=publication).update(
        drafted_at=_at(publication.month.replace(day=1) + dt.timedelta(days=31), 4).replace(day=1),
        updated_at=at,
    )


def _reply(month: dt.date, users) -> None:
    """Kangsheng's company answers its draft of March (a finding it disputes, answered)."""
    if month.month != 3:
        return
    card = Scorecard.objects.filter(
        compound__code=DEMO_COMPANY_COMPOUND,
        month=month,
        compound__community__slug=COMMUNITY["slug"],
    ).first()
    if card is None:
        return
    ScorecardReply.objects.create(
        scorecard=card,
        text="3月检查发现的楼道堆物已于当日清理，整改照片已上传，请予核实。",
        by=users[COMPANY_USERNAME],
        at=_at(dt.date(YEAR, 4, 2), 15),
        answer="已核实整改到位；扣分依据为检查当时的情况，维持原分。",
        answered_by=users[STAFF_USERNAME],
        answered_at=_at(dt.date(YEAR, 4, 3), 10),
    )


def _correction_note(before: Decimal, after: Decimal, duplicate_points: Decimal) -> str:
    """A criterion never loses more than its maximum, so the duplicate's points may not all have
    counted: the note says what the score really gained."""
    gained = after - before
    points, extra = (f"{d.normalize():f}" for d in (duplicate_points, gained))
    counted = (
        f"扣{points}分"
        if gained == duplicate_points
        else f"记扣{points}分，因单项扣分以该项满分为限，实际多扣{extra}分"
    )
    return (
        f"6月检查中帝豪花园3号楼2单元楼道堆物被重复记录一次（{counted}），经复核撤销重复记录，"
        f"该小区得分由{before}分更正为{after}分。"
    )


def _correct_june(community, staff, created) -> None:
    """帝豪花园's June list counted the same clutter twice: the duplicate finding is withdrawn and
    a correction publishes the right score."""
    from . import scoring

    code, m = CORRECTION
    month = dt.date(YEAR, m, 1)
    publication = Publication.objects.get(community=community, month=month, sequence=1)
    entry = publication.entries.get(compound__code=code)
    duplicate = Finding.objects.get(
        compound__code=code, found_on__month=m, found_on__year=YEAR, points=Decimal(12)
    )
    Finding.objects.filter(pk=duplicate.pk).update(is_withdrawn=True)
    card = entry.scorecard
    deductions = [
        rules.Deduction(d.criterion.code, d.points, f"deduction:{d.pk}")
        for d in card.deductions.select_related("criterion").exclude(finding=duplicate)
    ]
    result = rules.score(card.rubric.as_rules().criteria_max(), deductions)
    bands = settings_for(community, YEAR).bands
    band = rules.classify(
        score=result.total,
        inspections=card.inspections,
        has_veto=card.has_veto,
        has_overdue_rectification=card.has_overdue_rectification,
        bands=bands,
    ).band
    correction = scoring.publish_correction(
        publication=publication,
        changes={entry.pk: scoring.EntryChange(score=result.total, band=band.value)},
        note=_correction_note(entry.score, result.total, duplicate.points),
        user=staff,
        notify=False,
    )
    _backdate(correction, _at(dt.date(YEAR, 7, 16), 9))
    created.publications += 1


def _appeal_september(community, users) -> None:
    """Kangsheng Garden's September black listing (a veto: an electric-bike fire in the bike
    shed) is appealed by its company and rejected, with the reason published."""
    from . import scoring

    month = dt.date(YEAR, 9, 1)
    publication = scoring.latest_edition(
        Publication.objects.get(community=community, month=month, sequence=1)
    )
    entry = publication.entries.filter(compound__code=DEMO_COMPANY_COMPOUND, band="black").first()
    if entry is None:
        return
    appeal = scoring.appeal_file(
        entry=entry,
        grounds=(
            "起火系业主在车棚内私拉电线充电所致，我司此前已多次劝阻并书面报告社区，"
            "不应认定为我司安全责任事故。"
        ),
        user=users[COMPANY_USERNAME],
        now=publication.published_at + dt.timedelta(days=2),
    )
    scoring.appeal_decide(
        appeal=appeal,
        status=Appeal.Status.REJECTED,
        decision=(
            "经调查，车棚充电设施管理属物业服务合同约定的公共区域安全管理责任，企业的劝阻记录"
            "不能替代隐患整改；维持黑榜。"
        ),
        user=users[STAFF_USERNAME],
        notify=False,
    )
    Appeal.objects.filter(pk=appeal.pk).update(
        filed_at=publication.published_at + dt.timedelta(days=2),
        decided_at=publication.published_at + dt.timedelta(days=6),
    )


def _load_feedback() -> int:
    """The weekly feedback of the story's weeks so far, as the Monday task built and mailed it."""
    from .feedback import week_of, weekly_feedback_build

    built = 0
    week = week_of(dt.date(YEAR, 10, 26))
    while week + dt.timedelta(days=7) <= STORY_TODAY:
        for feedback, _created in weekly_feedback_build(week):
            WeeklyFeedback.objects.filter(pk=feedback.pk).update(
                created_at=_at(week + dt.timedelta(days=7), 7),
                emailed_at=_at(week + dt.timedelta(days=7), 7, 1),
            )
            built += 1
        week += dt.timedelta(days=7)
    return built
