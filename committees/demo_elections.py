"""The elections part of the Tongde Lane demo: three votes, each run through the real services.

1. **A finished re-election**: 西环北路楼院8号's self-management committee, spring 2025, 5 seats.
   Its 2020 members stand again with two more owners; one of those is not qualified (fee
   arrears); an objection during publicity is answered in writing; about four dwellings in five
   vote, on paper door to door, on site and online with their codes; the five members are
   re-elected, the result is posted, the committee meets and is filed. The dates match the
   committee's current term (``committees.demo``: courtyard 2 of the 2020 round, elected on
   2020-04-14, so its 2025 term starts on 2025-04-14, the day the result is posted, and it is
   filed three weeks later).
2. **Kangsheng Garden's motion of 2020** on the service list and the fee standard. The seed:
   "经业主代表讨论，并大会一致通过了提高物业收费标准的议案". Every participating dwelling votes
   yes, and about four in five take part, so it passes under Art. 278 and also under the
   Property Law Art. 76 then in force (more than half of all the area and all the owners).
3. **An election open for voting now**: 金鑫小区's owners' committee, 7 seats, window from three
   days ago to two weeks ahead, roll frozen, codes issued, about a quarter of the dwellings voted.
   Five unused codes are printed by the run that issues them, so that somebody trying the demo can
   vote online; they are random and stored only hashed, so a later run cannot print them again
   and says how staff issue new ones instead.

Every step goes through ``committees.elections`` and ``committees.voting`` with ``now=`` set to
the step's date, so the minimum durations and voting windows are checked as they would have been.
The election log's own ``at`` column is the moment the demo wrote the entry (the model stamps it);
each transition's ``detail["at"]`` holds the date of the step. ``load()`` skips any vote whose
title exists already for its committee, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.demo import COMMUNITY, SEED
from compounds.models import Compound, Dwelling, Owner

from . import elections, voting
from .models import Ballot, Committee, CommitteeMember, Election, RollEntry, Vetting
from .rules import YES, Matter

# The community's clock: the dates below are local times in Jiuquan.
TZ = ZoneInfo("Asia/Shanghai")
STAFF_USERNAME = "staff"
CODES_PRINTED = 5
Condition = Vetting.Condition
Channel = Ballot.Channel

# --- 1. The finished re-election ---------------------------------------------------------------
FINISHED_COMPOUND = "xihuan-beilu-8"
FINISHED_TITLE = "西环北路楼院8号自管委员会2025年换届选举"
FINISHED_SEATS = 5
FINISHED_TEXT = (
    "西环北路楼院8号自管委员会任期将于2025年4月届满。经社区党委提议，成立换届选举筹备组，"
    "组织本届换届选举：\n"
    "一、应选委员5名，由本院业主推荐或自荐候选人；\n"
    "二、候选人经资格审查后，在楼院公示栏公示15日，接受业主书面异议；\n"
    "三、投票采用入户收票、现场投票和凭投票码网上投票三种方式，每户一票；\n"
    "四、参与投票的业主专有部分面积和人数均须达到三分之二以上，候选人获参与投票业主面积"
    "和人数均过半数同意方可当选。"
)
# Local times, Asia/Shanghai. Minimum durations: 15 days of publicity, each way.
FINISHED_DATES = {
    "created": dt.datetime(2025, 3, 3, 9, 0, tzinfo=TZ),
    "nomination": dt.datetime(2025, 3, 5, 9, 0, tzinfo=TZ),
    "nominated_on": dt.date(2025, 3, 10),
    "vetting": dt.datetime(2025, 3, 17, 9, 0, tzinfo=TZ),
    "decided": dt.datetime(2025, 3, 20, 15, 0, tzinfo=TZ),
    "publicity": dt.datetime(2025, 3, 24, 9, 0, tzinfo=TZ),
    "objection": dt.date(2025, 3, 28),
    "answer": dt.date(2025, 3, 31),
    "voting": dt.datetime(2025, 4, 8, 9, 30, tzinfo=TZ),
    "opens": dt.datetime(2025, 4, 9, 8, 0, tzinfo=TZ),
    "closes": dt.datetime(2025, 4, 13, 18, 0, tzinfo=TZ),
    "tally": dt.datetime(2025, 4, 13, 19, 0, tzinfo=TZ),
    "result_publicity": dt.datetime(2025, 4, 14, 9, 0, tzinfo=TZ),
    "first_meeting": dt.datetime(2025, 4, 29, 9, 30, tzinfo=TZ),
    "filing": dt.datetime(2025, 5, 2, 18, 0, tzinfo=TZ),
    "closed": dt.datetime(2025, 5, 5, 16, 0, tzinfo=TZ),
}
FINISHED_TURNOUT = 0.82
FINISHED_OBJECTION = (
    "本院业主 赵女士",
    "候选人%(name)s前年才搬来，对院里情况不熟悉，能否胜任自管委员？",
    "经核实，%(name)s于2023年购房并在本院常住，资格审查各项条件均符合；是否熟悉院内情况不属于"
    "资格条件，由业主投票决定。答复已张贴于楼院公示栏。",
)

# --- 2. Kangsheng Garden's motion ---------------------------------------------------------------
MOTION_COMPOUND = "kangsheng-garden"
MOTION_TITLE = "康盛花园业主大会表决：物业服务清单与收费标准"
# Matter 4 rather than 9: the service list and the fee are the terms on which the owners engage
# the property company (the service contract renewed on them), which is what "选聘和解聘物业服务
# 企业" decides; matter 9 is the residual "other major matters". Both need the same majority
# (more than half of the participating area and owners), so the choice labels the vote without
# changing its count.
MOTION_MATTER = Matter.ENGAGE_MANAGER
MOTION_TEXT = (
    "经业主代表讨论，业主委员会提请业主大会表决以下议案：\n"
    "一、物业服务实行清单式承诺。酒泉市康盛物业服务有限公司将服务内容逐项列成清单，张贴于"
    "各单元公告栏，每季度由业主委员会对照清单检查并公示结果：\n"
    "1. 秩序维护：小区出入口24小时值守，夜间每2小时巡查一次，消防通道每日巡查；\n"
    "2. 环境卫生：楼道每日清扫、每周拖洗一次，生活垃圾日产日清；\n"
    "3. 绿化养护：草坪每月修剪两次，乔灌木每年修剪一次；\n"
    "4. 设施设备：公共照明损坏48小时内修复，二次供水设施每半年清洗消毒一次；\n"
    "5. 报修响应：一般报修24小时内上门，紧急报修30分钟内到场；\n"
    "6. 信息公开：每半年公示一次物业费收支情况。\n"
    "二、物业服务费收费标准由每月每平方米0.45元调整为0.60元，自2020年9月1日起执行。"
    "服务未达到清单承诺的，业主委员会可按合同约定扣减当季物业服务费。"
)
MOTION_DATES = {
    "created": dt.datetime(2020, 6, 28, 9, 0, tzinfo=TZ),
    "publicity": dt.datetime(2020, 6, 29, 9, 0, tzinfo=TZ),
    "opens": dt.datetime(2020, 7, 15, 8, 0, tzinfo=TZ),
    "voting": dt.datetime(2020, 7, 15, 7, 30, tzinfo=TZ),
    "closes": dt.datetime(2020, 7, 24, 18, 0, tzinfo=TZ),
    "tally": dt.datetime(2020, 7, 24, 19, 0, tzinfo=TZ),
    "result_publicity": dt.datetime(2020, 7, 25, 9, 0, tzinfo=TZ),
    "closed": dt.datetime(2020, 8, 10, 9, 0, tzinfo=TZ),
}
MOTION_TURNOUT = 0.80

# --- 3. The election open for voting now ------------------------------------------------------
OPEN_COMPOUND = "jinxin"
OPEN_TITLE = "金鑫小区业主委员会换届选举"
OPEN_SEATS = 7
OPEN_TEXT = (
    "金鑫小区业主委员会换届选举：应选委员7名。合格候选人名单已公示期满，现进入投票。"
    "业主可在投票期内凭投票通知上的投票码网上投票，或在现场投票点、入户收票时投纸质选票，"
    "每户一票。"
)
OPEN_TURNOUT = 0.25
OPENS_DAYS_AGO = 3
CLOSES_IN_DAYS = 14

# Candidates beyond the members standing again, and the one not qualified in each election.
EXTRA_CANDIDATES = 2
UNQUALIFIED = {
    FINISHED_TITLE: (
        Condition.KEEPS_COVENANT,
        "自管委缴费台账：2023—2024年度自管服务费未缴",
        "经两次书面催缴仍未补缴",
        "拖欠自管服务费两年，不符合“遵守管理规约、无欠费”的条件。",
    ),
    OPEN_TITLE: (
        Condition.NO_COMPANY_TIE,
        "本人声明：配偶在酒泉市金鑫物业服务有限公司任客服主管",
        "",
        "配偶在本小区物业服务企业任职，属于不宜担任业主委员会委员的情形。",
    ),
}
EVIDENCE = {
    Condition.CIVIL_CAPACITY: "身份证件核验",
    Condition.LAW_ABIDING: "辖区派出所无违法犯罪记录证明",
    Condition.KEEPS_COVENANT: "缴费台账核查，无欠费",
    Condition.PUBLIC_SPIRITED: "楼院长、单元长走访意见",
    Condition.ABLE_TO_ORGANISE: "社区党委推荐意见",
    Condition.HAS_TIME: "本人书面承诺",
    Condition.NO_COMPANY_TIE: "本人声明及物业服务企业员工名册核查",
}
STATEMENTS = (
    "愿意为大家跑腿办事，把院里的事情管好。",
    "退休在家时间充裕，愿意协调解决停车和环境卫生问题。",
    "做好账目公开，让每一笔钱都花在明处。",
)


@dataclass
class Created:
    elections: int = 0
    candidates: int = 0
    ballots: int = 0


@transaction.atomic
def load(stdout: TextIO | None = None) -> Created:
    """Add the three votes to the Tongde Lane demo, each only if it is missing."""
    created = Created()
    staff = get_user_model().objects.filter(username=STAFF_USERNAME).first()
    committees = {
        c.compound.code: c
        for c in Committee.objects.filter(
            compound__community__slug=COMMUNITY["slug"],
            compound__code__in=[FINISHED_COMPOUND, MOTION_COMPOUND, OPEN_COMPOUND],
        ).select_related("compound")
    }
    if staff is None or len(committees) < 3:
        return created  # the registry or committees part of the demo is not there
    # One generator per vote, so each draws the same whichever of them an earlier run wrote.
    rngs = [random.Random(SEED + 5 + n) for n in range(3)]  # noqa: S311 -- demo data

    _finished_election(committees[FINISHED_COMPOUND], staff, rngs[0], created)
    _motion(committees[MOTION_COMPOUND], staff, rngs[1], created)
    issued = _open_election(committees[OPEN_COMPOUND], staff, rngs[2], created)

    if stdout is not None:
        if created.elections:
            stdout.write(
                _(
                    "Elections: created %(elections)s elections and motions with "
                    "%(candidates)s candidates and %(ballots)s ballots."
                )
                % vars(created)
            )
        else:
            stdout.write(_("Elections: complete already, nothing was created."))
        _print_codes(stdout, committees[OPEN_COMPOUND], issued)
    return created


# --- the three votes ---------------------------------------------------------------------------


def _finished_election(
    committee: Committee, staff: Any, rng: random.Random, created: Created
) -> None:
    d: dict[str, Any] = FINISHED_DATES
    if Election.objects.filter(committee=committee, title=FINISHED_TITLE).exists():
        return
    election = elections.election_create(
        committee=committee,
        user=staff,
        kind=Election.Kind.ELECTION,
        title=FINISHED_TITLE,
        seats=FINISHED_SEATS,
        text=FINISHED_TEXT,
        now=d["created"],
    )
    created.elections += 1
    election = _advance(election, staff, d["nomination"])
    candidates = _nominate(election, committee, staff, rng, d["nominated_on"], created)
    election = _advance(election, staff, d["vetting"])
    _vet(election, candidates, staff, d["decided"])
    elections.election_set_voting_window(
        election=election, user=staff, opens_at=d["opens"], closes_at=d["closes"]
    )
    election = _advance(election, staff, d["publicity"])
    # The objection is about the first extra candidate, who was qualified.
    raised_by, content, answer = FINISHED_OBJECTION
    name = candidates[len(candidates) - EXTRA_CANDIDATES].name
    objection = elections.objection_record(
        election=election,
        user=staff,
        raised_by=raised_by,
        raised_on=d["objection"],
        content=content % {"name": name},
    )
    elections.objection_answer(
        objection=objection, user=staff, answer=answer % {"name": name}, answered_on=d["answer"]
    )
    election = _advance(election, staff, d["voting"])
    codes = dict(_issue_codes(election, staff))
    favoured = [c.name for c in candidates[: len(candidates) - EXTRA_CANDIDATES]]
    _cast(
        election,
        staff,
        rng,
        created,
        turnout=FINISHED_TURNOUT,
        start=d["opens"],
        end=d["closes"] - dt.timedelta(hours=2),
        codes=codes,
        choose=lambda r, names: _election_choices(r, names, favoured, FINISHED_SEATS),
    )
    for stage in ("tally", "result_publicity", "first_meeting", "filing", "closed"):
        election = _advance(election, staff, d[stage])


def _motion(committee: Committee, staff: Any, rng: random.Random, created: Created) -> None:
    d = MOTION_DATES
    if Election.objects.filter(committee=committee, title=MOTION_TITLE).exists():
        return
    election = elections.election_create(
        committee=committee,
        user=staff,
        kind=Election.Kind.MOTION,
        title=MOTION_TITLE,
        matter=MOTION_MATTER,
        text=MOTION_TEXT,
        now=d["created"],
    )
    created.elections += 1
    elections.election_set_voting_window(
        election=election, user=staff, opens_at=d["opens"], closes_at=d["closes"]
    )
    election = _advance(election, staff, d["publicity"])
    election = _advance(election, staff, d["voting"])
    # 2020: paper ballots only, collected door to door and at the assembly; carried unanimously.
    _cast(
        election,
        staff,
        rng,
        created,
        turnout=MOTION_TURNOUT,
        start=d["opens"],
        end=d["closes"] - dt.timedelta(hours=2),
        codes={},
        choose=lambda r, names: [YES],
        channels=(Channel.DOOR_TO_DOOR, Channel.ON_SITE),
    )
    for stage in ("tally", "result_publicity", "closed"):
        election = _advance(election, staff, d[stage])


def _open_election(
    committee: Committee, staff: Any, rng: random.Random, created: Created
) -> list[tuple[str, str]]:
    """Run the election up to voting and return the unused codes to print (none if it existed)."""
    if Election.objects.filter(committee=committee, title=OPEN_TITLE).exists():
        return []
    now = timezone.now()
    today = timezone.localdate(now)
    opens = dt.datetime.combine(today - dt.timedelta(days=OPENS_DAYS_AGO), dt.time(8, 0), TZ)
    closes = dt.datetime.combine(today + dt.timedelta(days=CLOSES_IN_DAYS), dt.time(18, 0), TZ)
    publicity = opens - dt.timedelta(days=16)
    election = elections.election_create(
        committee=committee,
        user=staff,
        kind=Election.Kind.ELECTION,
        title=OPEN_TITLE,
        seats=OPEN_SEATS,
        text=OPEN_TEXT,
        now=publicity - dt.timedelta(days=10),
    )
    created.elections += 1
    election = _advance(election, staff, publicity - dt.timedelta(days=9))
    candidates = _nominate(
        election,
        committee,
        staff,
        rng,
        timezone.localdate(publicity - dt.timedelta(days=7)),
        created,
    )
    election = _advance(election, staff, publicity - dt.timedelta(days=5))
    _vet(election, candidates, staff, publicity - dt.timedelta(days=3))
    elections.election_set_voting_window(
        election=election, user=staff, opens_at=opens, closes_at=closes
    )
    election = _advance(election, staff, publicity)
    election = _advance(election, staff, opens - dt.timedelta(hours=1))
    codes = dict(_issue_codes(election, staff))
    favoured = [c.name for c in candidates[: len(candidates) - EXTRA_CANDIDATES]]
    voted = _cast(
        election,
        staff,
        rng,
        created,
        turnout=OPEN_TURNOUT,
        start=opens,
        end=min(now, closes) - dt.timedelta(minutes=5),
        codes=codes,
        choose=lambda r, names: _election_choices(r, names, favoured, OPEN_SEATS),
    )
    # In roll order (building, unit, dwelling), the way the notices are handed out.
    labels = _labels(election)
    unused = [(label, codes[pk]) for pk, label in labels.items() if pk not in voted]
    return unused[:CODES_PRINTED]


# --- steps ---------------------------------------------------------------------------------------


def _advance(election: Election, staff: Any, now: dt.datetime) -> Election:
    return elections.election_advance(election=election, user=staff, now=now)


def _nominate(
    election: Election,
    committee: Committee,
    staff: Any,
    rng: random.Random,
    nominated_on: dt.date,
    created: Created,
) -> list:
    """The committee's members stand again, followed by ``EXTRA_CANDIDATES`` other owners."""
    rank = {CommitteeMember.Role.CHAIR: 0, CommitteeMember.Role.VICE_CHAIR: 1}
    members = sorted(
        CommitteeMember.objects.filter(committee=committee, left_on__isnull=True),
        key=lambda m: (rank.get(m.role, 2), m.pk),
    )
    taken = {m.owner_id for m in members} | {m.name for m in members}
    others = [
        (owner_id, name)
        for owner_id, name in _compound_owners(committee.compound)
        if owner_id not in taken and name not in taken
    ]
    extras = rng.sample(others, EXTRA_CANDIDATES) if len(others) >= EXTRA_CANDIDATES else []
    people = [
        (m.name, m.owner_id, m.is_party_member, m.is_veteran, m.is_cadre) for m in members
    ] + [(name, owner_id, False, False, False) for owner_id, name in extras]
    owners = Owner.objects.in_bulk([p[1] for p in people if p[1]])
    candidates = []
    for n, (name, owner_id, party, veteran, cadre) in enumerate(people):
        candidates.append(
            elections.candidate_add(
                election=election,
                user=staff,
                name=name,
                owner=owners.get(owner_id),
                nominated_on=nominated_on,
                is_party_member=party,
                is_veteran=veteran,
                is_cadre=cadre,
                statement=STATEMENTS[n % len(STATEMENTS)],
            )
        )
    created.candidates += len(candidates)
    return candidates


def _compound_owners(compound: Compound) -> list[tuple[int, str]]:
    """Persons owning a dwelling in the compound, by owner reference, each once."""
    rows = (
        Dwelling.objects.filter(unit__building__compound=compound, owner__kind=Owner.Kind.PERSON)
        .order_by("owner__owner_ref", "pk")
        .values_list("owner_id", "owner__name")
    )
    return list(dict.fromkeys(rows))


def _vet(election: Election, candidates: Sequence, staff: Any, now: dt.datetime) -> None:
    """Every candidate qualified, except the last one, who fails the election's bar."""
    bar, evidence, note, reason = UNQUALIFIED[election.title]
    for n, candidate in enumerate(candidates):
        items = {c: elections.ItemInput(True, EVIDENCE[c]) for c in Condition.values}
        decision = Vetting.Decision.QUALIFIED
        if n == len(candidates) - 1:
            items[bar] = elections.ItemInput(False, evidence, note)
            decision = Vetting.Decision.NOT_QUALIFIED
        elections.vetting_decide(
            candidate=candidate,
            user=staff,
            items=items,
            decision=decision,
            reason=reason if decision == Vetting.Decision.NOT_QUALIFIED else "",
            now=now,
        )


def _issue_codes(election: Election, staff: Any) -> list[tuple[int, str]]:
    """Issue the codes; return (roll entry id, code) so that online ballots can use them."""
    issued = voting.voting_codes_issue(election=election, user=staff)
    entry_ids = dict(RollEntry.objects.filter(election=election).values_list("dwelling_id", "pk"))
    return [(entry_ids[dwelling.pk], code) for dwelling, code in issued]


def _election_choices(
    rng: random.Random, names: list[str], favoured: list[str], seats: int
) -> list[str]:
    """Most owners approve the members standing again; some add a newcomer; at most ``seats``."""
    chosen = [n for n in names if rng.random() < (0.86 if n in favoured else 0.3)]
    ordered = [n for n in chosen if n in favoured] + [n for n in chosen if n not in favoured]
    return ordered[:seats]


def _cast(
    election: Election,
    staff: Any,
    rng: random.Random,
    created: Created,
    *,
    turnout: float,
    start: dt.datetime,
    end: dt.datetime,
    codes: dict[int, str],
    choose: Any,
    channels: tuple[str, ...] = (Channel.DOOR_TO_DOOR, Channel.ON_SITE, Channel.ONLINE),
) -> set[int]:
    """Ballots from ``turnout`` of the roll, spread over [start, end]; return the entries voted.

    Online ballots go through the voting code (``ballot_cast_with_code``), paper ones are entered
    by staff (``ballot_cast``), exactly as on the pages.
    """
    entries = list(RollEntry.objects.filter(election=election).order_by("pk"))
    voters = sorted(rng.sample(entries, round(len(entries) * turnout)), key=lambda e: e.pk)
    span = (end - start).total_seconds()
    moments = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in voters)
    names = voting.qualified_candidate_names(election=election)
    for entry, moment in zip(voters, moments, strict=True):
        choices = choose(rng, names)
        channel = rng.choice(channels)
        if channel == Channel.ONLINE and entry.pk in codes:
            voting.ballot_cast_with_code(
                election=election, code=codes[entry.pk], choices=choices, now=moment
            )
        else:
            if channel == Channel.ONLINE:
                channel = Channel.ON_SITE
            voting.ballot_cast(
                election=election,
                roll_entry=entry,
                choices=choices,
                channel=channel,
                user=staff,
                now=moment,
            )
    created.ballots += len(voters)
    return {e.pk for e in voters}


def _labels(election: Election) -> dict[int, str]:
    return {
        entry.pk: f"{entry.dwelling.unit.building.code}/{entry.dwelling.unit.code}/"
        f"{entry.dwelling.code}"
        for entry in RollEntry.objects.filter(election=election)
        .select_related("dwelling__unit__building")
        .order_by("dwelling__unit__building_id", "dwelling__unit_id", "dwelling_id")
    }


def _print_codes(stdout: TextIO, committee: Committee, issued: list[tuple[str, str]]) -> None:
    election = Election.objects.filter(committee=committee, title=OPEN_TITLE).first()
    if election is None:
        return
    if issued:
        stdout.write(
            _(
                "Online voting: %(title)s is open until %(closes)s. Voting codes of %(count)s "
                "dwellings that have not voted yet (shown this once: only their hashes are "
                "stored). Vote at %(url)s"
            )
            % {
                "title": election.title,
                "closes": f"{timezone.localtime(election.voting_closes_at):%Y-%m-%d %H:%M}",
                "count": len(issued),
                "url": reverse("committees:vote"),
            }
        )
        for label, code in issued:
            stdout.write(f"  {label:<12} {code}")
    else:
        stdout.write(
            _(
                "Voting codes of %(title)s were issued when the demo was first loaded and are "
                "stored only hashed, so they cannot be shown again. Staff issue new ones on the "
                "election's voting page (%(url)s, Voting codes): the unused codes are replaced."
            )
            % {
                "title": election.title,
                "url": reverse("committees:voting_detail", args=[election.pk]),
            }
        )
