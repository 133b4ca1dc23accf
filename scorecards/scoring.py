"""Monthly scoring (月评比): drafting scorecards, staff adjustments, vetoes lifted, company replies,
publishing the red/black list (红黑榜), corrections and appeals.

Drafting is set-based: one run over a month reads the month's findings, inspections, reports,
vetoes and rectifications in a handful of ``GROUP BY`` statements for every compound at once,
computes each card with the pure ``rules.score`` / ``rules.classify`` and writes the rows in bulk:
cards, lines and veto events with one ``INSERT ... SELECT FROM unnest(arrays)`` each (no model
instance per row), the finding deductions with one ``INSERT ... SELECT`` over the findings. The
number of statements does not grow with the number of compounds.

Decisions where the issue is silent:

- *Which company*: the company of the latest service contract that overlaps the month (a switch
  in mid-month scores the new company).
- *Overdue rectification*: a rectification of the compound raised by the month's last day whose
  deadline fell within or before the month (``deadline_on`` before the first day of the next
  month), not closed by the month's end, and not answered by then and waiting for staff's
  verification (``overdue_at_end_q``). This is ``Rectification.is_overdue(on=first day of the
  next month)`` as of the month's end, the rule of the to-do page and the rectification list: an
  item the company answered waits for staff and does not count against it.
- *Report compliance*: the reports module's rule (``scorecards.reports.report_compliance``);
  only ``missing`` (not submitted by the end of the grace period) is the veto item
  ``missing_monthly_report``. The task runs on the 1st, before the report is due, so staff
  "draft now" again before publishing to pick the veto up.
- *Re-running* refreshes the computed part of draft cards (finding deductions, counts, vetoes
  that were not lifted, lines, band) and keeps staff adjustments and lifted vetoes; published
  cards are never touched; nothing is created twice (one card per compound and month). Only what
  changed is rewritten: rows equal to the stored ones stay as they are, and only a card whose
  fields, lines, finding deductions or vetoes changed gets a new version (so a refresh with
  nothing new does not turn a staff member's open page into a conflict).
- A finding whose criterion code is not in the card's rubric is not deducted (a rubric version
  dropped the criterion); a veto finding likewise needs its veto code in the rubric.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community, Compound, ServiceContract
from tongde import rollups
from tongde.text import long_date, month_name

from . import notices, rules
from .inspections import overdue_q
from .models import (
    Appeal,
    Finding,
    Inspection,
    Publication,
    PublicationEntry,
    Rectification,
    Rubric,
    RubricCriterion,
    Scorecard,
    ScorecardReply,
    ScoreDeduction,
    ScoreLine,
    ScoringSettings,
    VetoEvent,
    VetoItem,
    month_start,
    next_month,
    previous_month,
)
from .public import listing_order
from .reports import late_and_missing_by_community, report_compliance
from .rollups import PUBLISHED_STATS
from .setup import rubric_for, settings_for, settings_of
from .signals import announce_on_commit

CONFLICT = _("Someone changed this scorecard since you opened it; reload it and try again.")
PUBLISHED_CARD = _("This scorecard is published and cannot change: publish a correction instead.")
REASON_REQUIRED = _("Say why: the reason is kept in the scorecard's history.")
ZERO_POINTS = _("Enter the points to deduct (positive) or give back (negative), not 0.")
FOREIGN_CRITERION = _("This criterion is not in the scorecard's rubric.")
GIVE_BACK_TOO_MUCH = _("Cannot give back %(points)s points: only %(deducted)s are deducted here.")
ABOVE_MAXIMUM = _(
    "Cannot deduct %(points)s more points: this criterion's maximum is %(maximum)s and "
    "%(deducted)s are already deducted."
)
VETO_LIFTED = _("This veto is already lifted.")
NOTHING_TO_PUBLISH = _("There are no draft scorecards of %(month)s to publish.")
ALREADY_PUBLISHED = _(
    "The list of %(month)s is already published: publish a correction to change it."
)
FUTURE_MONTH = _("Scorecards are drafted for months that have ended.")
REPLY_CLOSED = _("The reply window closed on %(date)s.")
REPLY_NOT_DRAFT = _("Replies are taken on draft scorecards only.")
REPLY_EMPTY = _("Write your reply.")
NOT_YOUR_COMPANY = _("This is not your company's scorecard.")
ANSWER_EMPTY = _("Write the answer.")
ALREADY_ANSWERED = _("This reply is already answered.")
NOTE_REQUIRED = _("Say what changed and why: the note is published with the correction.")
NOT_LATEST = _("This edition was already corrected: correct the latest edition.")
NO_CHANGE = _("Change at least one entry: a correction that changes nothing is not published.")
BAD_BAND = _("Unknown band %(band)s.")
BAD_SCORE = _("A score is between 0 and %(max)s.")
FOREIGN_ENTRY = _("This entry is not in the edition being corrected.")
BAND_AGAINST_RULES = _(
    "%(compound)s: the rules give %(expected)s for a score of %(score)s (veto: %(veto)s, "
    "inspections: %(inspections)s), not %(band)s."
)
APPEAL_NOT_BLACK = _("Only a black listing can be appealed.")
APPEAL_NOT_YOURS = _("Only the company listed may appeal.")
APPEAL_CLOSED = _("The appeal period ended on %(date)s.")
APPEAL_EXISTS = _("This listing is already appealed.")
APPEAL_SUPERSEDED = _("This edition was corrected: appeal the latest edition.")
APPEAL_GROUNDS = _("Give the grounds of the appeal.")
APPEAL_DECIDED = _("This appeal is already decided.")
APPEAL_DECISION_REASON = _("Give the reason for the decision.")
APPEAL_BAD_OUTCOME = _("An appeal is upheld or rejected.")
APPEAL_NOT_UPHELD = _("Only an upheld appeal leads to a correction.")
APPEAL_OTHER_EDITION = _("The appeal is about another list.")

ZERO = Decimal(0)


class Conflict(ValidationError):
    """The scorecard changed since the user read it (optimistic concurrency): nothing was saved."""

    def __init__(self) -> None:
        super().__init__(CONFLICT, code="conflict")


# --- Drafting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftResult:
    month: dt.date
    created: int
    refreshed: int
    published: int

    @property
    def total(self) -> int:
        return self.created + self.refreshed + self.published


@dataclass
class _Target:
    compound_id: int
    community_id: int
    company_id: int
    card_id: int | None = None
    status: str | None = None


def _targets(month: dt.date, end: dt.date, community_ids: list[int] | None) -> dict[int, _Target]:
    """Managed compounds with a company serving them in the month: the latest contract wins."""
    contracts = ServiceContract.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=month),
        starts_on__lt=end,
        compound__kind=Compound.Kind.MANAGED,
    )
    if community_ids is not None:
        contracts = contracts.filter(compound__community_id__in=community_ids)
    targets: dict[int, _Target] = {}
    rows = contracts.order_by("compound_id", "-starts_on").values_list(
        "compound_id", "compound__community_id", "company_id"
    )
    for compound_id, community_id, company_id in rows:
        if compound_id not in targets:
            targets[compound_id] = _Target(compound_id, community_id, company_id)
    return targets


def _settings_and_rubrics(
    community_ids: set[int], year: int
) -> tuple[dict[int, ScoringSettings], dict[int, Rubric]]:
    """Settings and newest rubric per community in a constant number of queries (the defaults
    are created, once, for a community that has none yet)."""
    found = {
        s.community_id: s
        for s in ScoringSettings.objects.filter(community_id__in=community_ids, year=year)
    }
    for community_id in community_ids - found.keys():
        found[community_id] = settings_for(community_id, year)
    rubrics: dict[int, Rubric] = {}
    for rubric in Rubric.objects.filter(community_id__in=community_ids, year=year).order_by(
        "community_id", "-version"
    ):
        rubrics.setdefault(rubric.community_id, rubric)
    for community_id in community_ids - rubrics.keys():
        rubrics[community_id] = rubric_for(community_id, year)
    return found, rubrics


def _criteria(rubric_ids: Iterable[int]) -> dict[int, list[tuple[int, str, Decimal]]]:
    """``(pk, code, max_points)`` of each rubric's criteria, in rubric order: one query."""
    by_rubric: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for rubric_id, pk, code, maximum in (
        RubricCriterion.objects.filter(rubric_id__in=set(rubric_ids))
        .order_by("rubric_id", "position", "pk")
        .values_list("rubric_id", "pk", "code", "max_points")
    ):
        by_rubric[rubric_id].append((pk, code, maximum))
    return by_rubric


def _compute(
    *,
    criteria: list[RubricCriterion],
    deducted: Mapping[str, Decimal],
    inspections: int,
    has_veto: bool,
    has_overdue: bool,
    bands: rules.Bands,
) -> tuple[rules.ScoreResult, rules.Classification]:
    result = rules.score(
        {c.code: c.max_points for c in criteria},
        [
            rules.Deduction(code, points, f"deductions:{code}")
            for code, points in deducted.items()
            if code in {c.code for c in criteria}
        ],
    )
    classification = rules.classify(
        score=result.total,
        inspections=inspections,
        has_veto=has_veto,
        has_overdue_rectification=has_overdue,
        bands=bands,
    )
    return result, classification


def _lines(card_id: int, criteria: list[RubricCriterion], result: rules.ScoreResult):
    by_code = {line.code: line for line in result.lines}
    return [
        ScoreLine(
            scorecard_id=card_id,
            criterion_id=c.pk,
            max_points=c.max_points,
            deducted=by_code[c.code].deducted,
            points=by_code[c.code].points,
        )
        for c in criteria
    ]


# Finding deductions, set-based. The cards come in as a VALUES list (ids from our own queries,
# inlined as integers) rather than from the scorecard table: the planner then knows their number
# without statistics on cards written a moment ago, and no ANALYZE is needed. The month's
# findings of those cards are read first (materialised: one pass per card), then matched to the
# card's rubric by criterion code. ``wanted`` is what the deductions should be: new cards get them
# with one INSERT ... SELECT; a refresh reads them and compares them with the stored ones, to
# delete the stored ones not wanted any more and insert the wanted ones not stored yet (unchanged
# rows are not rewritten).
WANTED_DEDUCTIONS_CTE = """
WITH card (id, compound_id, rubric_id) AS (VALUES {cards}),
found AS MATERIALIZED (
  SELECT card.id AS card_id, card.rubric_id, f.id, f.points, fc.code
  FROM card
  JOIN {finding} f ON f.compound_id = card.compound_id
  JOIN {criterion} fc ON fc.id = f.criterion_id
  WHERE f.found_on >= %(month)s AND f.found_on < %(end)s AND NOT f.is_withdrawn
),
wanted AS (
  SELECT found.card_id, rc.id AS criterion_id, found.id AS finding_id, found.points
  FROM found
  JOIN {criterion} rc ON rc.rubric_id = found.rubric_id AND rc.code = found.code
)
"""
FINDING_DEDUCTIONS_SQL = """
INSERT INTO {deduction} (scorecard_id, criterion_id, source, points, finding_id, reason, at)
SELECT wanted.card_id, wanted.criterion_id, 'finding', wanted.points, wanted.finding_id, '',
  %(now)s
FROM wanted
"""
WANTED_SQL = "SELECT card_id, criterion_id, finding_id, points FROM wanted"
# The refreshed cards' computed fields in one statement (PostgreSQL).
UPDATE_CARDS_SQL = """
UPDATE {scorecard} SET {assignments}, version = {scorecard}.version + 1, updated_at = %s
FROM unnest({arrays}) AS v ({columns})
WHERE {scorecard}.id = v.id
"""

# One statement for many rows: one array per column (see ``_insert``).
INSERT_SQL = "INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})"


def _cards_sql(cards: Iterable[tuple[int, int, int]]) -> str:
    # Integers from our own queries, so inlining them is safe and keeps one statement.
    return ",".join(f"({int(a)},{int(b)},{int(c)})" for a, b, c in cards)


def _insert(model: type, columns: dict[str, list], returning: str = "") -> list[tuple]:
    """Insert rows given column by column (attname -> values, all of one length) in one
    statement, without a model instance per row: on PostgreSQL ``INSERT ... SELECT * FROM
    unnest(one array per column)``, every concrete field but the id from ``columns`` or else its
    default, JSON prepared by the field as ``bulk_create`` would. Returns the ``returning``
    columns (PostgreSQL only; other databases get ``bulk_create`` and an empty list)."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return []
    if connection.vendor != "postgresql":
        names = list(columns)
        model.objects.bulk_create(
            [
                model(**dict(zip(names, row, strict=True)))
                for row in zip(*columns.values(), strict=True)
            ],
            batch_size=2000,
        )
        return []
    names, casts, arrays = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.has_db_default():
            continue
        values = columns.get(field.attname)
        if values is None:
            values = [field.get_default()] * count
        if field.get_internal_type() == "JSONField":
            values = [field.get_db_prep_save(v, connection) for v in values]
        names.append(connection.ops.quote_name(field.column))
        casts.append(f"%s::{field.db_type(connection)}[]")
        arrays.append(_array(values))
    sql = INSERT_SQL.format(
        table=connection.ops.quote_name(model._meta.db_table),
        columns=", ".join(names),
        arrays=", ".join(casts),
    )
    with connection.cursor() as cursor:
        if not returning:
            cursor.execute(sql, arrays)
            return []
        cursor.execute(f"{sql} RETURNING {returning}", arrays)
        return cursor.fetchall()


def _array(values: Iterable[Any]) -> Any:
    """An ``unnest`` argument: numbers as one array literal (text), which PostgreSQL reads about
    twice as fast as an ``ARRAY[...]`` of as many constants; other values as a list (adapted by
    the driver)."""
    values = list(values)
    if all(v is None or type(v) in (int, Decimal) for v in values):
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    return values


def _columns(rows: list[dict[str, Any]]) -> dict[str, list]:
    """Rows (dicts with the same keys) as columns, for ``_insert``."""
    return {name: [row[name] for row in rows] for name in (rows[0] if rows else {})}


CARD_FIELDS = (
    "company_id",
    "rubric_id",
    "total",
    "inspections",
    "findings",
    "has_veto",
    "has_overdue_rectification",
    "report_status",
    "band",
    "reasons",
)


def _quantize(points: Any) -> Decimal:
    """Points as stored (the field's decimal places), so that values read back compare equal."""
    places = ScoreDeduction._meta.get_field("points").decimal_places
    return Decimal(str(points)).quantize(Decimal(1).scaleb(-places))


def _diff(
    wanted: list[tuple], stored: Iterable[tuple]
) -> tuple[list[tuple], list[tuple[int, int]]]:
    """Rows to insert (wanted, not stored) and ``(pk, card id)`` of rows to delete (stored, not
    wanted); ``stored`` rows are ``(pk, card id, *rest)`` and wanted ones ``(card id, *rest)``."""
    have = {tuple(row[1:]): row[0] for row in stored}
    keep = set(wanted)
    stale = [(pk, row[0]) for row, pk in have.items() if row not in keep]
    return [row for row in wanted if row not in have], stale


def _update_cards(cards: dict[int, dict[str, Any]], now: dt.datetime) -> None:
    """Write the computed fields of ``cards`` (id -> fields) and bump their version."""
    if not cards:
        return
    if connection.vendor != "postgresql":
        Scorecard.objects.bulk_update(
            [Scorecard(pk=pk, updated_at=now, **fields) for pk, fields in cards.items()],
            [*CARD_FIELDS, "updated_at"],
            batch_size=500,
        )
        Scorecard.objects.filter(pk__in=list(cards)).update(version=F("version") + 1)
        return
    meta = Scorecard._meta
    fields = [meta.pk] + [meta.get_field(name.removesuffix("_id")) for name in CARD_FIELDS]
    arrays: list[Any] = [list(cards)]
    for name, field in zip(CARD_FIELDS, fields[1:], strict=True):
        values = [c[name] for c in cards.values()]
        if field.get_internal_type() == "JSONField":
            values = [field.get_db_prep_save(v, connection) for v in values]
        arrays.append(values)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            UPDATE_CARDS_SQL.format(
                scorecard=quote(meta.db_table),
                assignments=", ".join(
                    f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:]
                ),
                arrays=", ".join(f"%s::{f.db_type(connection)}[]" for f in fields),
                columns=", ".join(quote(f.column) for f in fields),
            ),
            [now, *arrays],
        )


def overdue_at_end_q(end: dt.date) -> Q:
    """Rectifications overdue when the day ``end`` began (a month's end, so ``end`` is the first
    of the next month): deadline before ``end``, not closed before it, and still the company's
    turn then. An item answered before ``end`` and closed later, or still waiting for staff, was
    staff's turn; a reopened item is the company's turn again (reopening moves its deadline)."""
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time()))
    answered_by_end = Q(
        status__in=(Rectification.Status.ANSWERED, Rectification.Status.CLOSED),
        answered_at__lt=end_at,
    )
    return (
        Q(deadline_on__lt=end)
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=end))
        & ~answered_by_end
    )


@transaction.atomic
def draft_month(
    month: dt.date,
    communities: Iterable[Community | int] | None = None,
    *,
    today: dt.date | None = None,
    notify: bool = True,
) -> DraftResult:
    """Draft (or refresh) one scorecard per managed compound served in ``month``.

    Idempotent: see the module docstring. Returns how many cards were created, refreshed (drafts)
    and left alone (published). With ``notify``, the companies of newly created cards are mailed
    after the commit (``notices.drafts_ready``)."""
    month = month_start(month)
    end = next_month(month)
    today = today or timezone.localdate()
    if end > today:
        raise ValidationError(FUTURE_MONTH, code="future")
    community_ids = None if communities is None else [getattr(c, "pk", c) for c in communities]
    now = timezone.now()

    targets = _targets(month, end, community_ids)
    if not targets:
        return DraftResult(month, 0, 0, 0)
    compound_ids = list(targets)
    for card_id, compound_id, status in Scorecard.objects.filter(
        month=month, compound_id__in=compound_ids
    ).values_list("pk", "compound_id", "status"):
        targets[compound_id].card_id, targets[compound_id].status = card_id, status
    published = [t for t in targets.values() if t.status == Scorecard.Status.PUBLISHED]
    # A community whose list of the month is out is corrected, not drafted again: a card drafted
    # now (for a compound added after publishing) could never be published.
    listed = set(
        Publication.objects.filter(
            month=month, community_id__in={t.community_id for t in targets.values()}
        ).values_list("community_id", flat=True)
    )
    work = {
        cid: t
        for cid, t in targets.items()
        if t.status != Scorecard.Status.PUBLISHED and t.community_id not in listed
    }
    if not work:
        return DraftResult(month, 0, 0, len(published))
    work_ids = list(work)

    settings_by, rubric_by = _settings_and_rubrics(
        {t.community_id for t in work.values()}, month.year
    )
    criteria_by = _criteria(r.pk for r in rubric_by.values())
    maxima_by = {
        rubric_id: {code: maximum for _, code, maximum in criteria}
        for rubric_id, criteria in criteria_by.items()
    }
    # Veto items of the rubrics, by code: one query.
    veto_by: dict[tuple[int, str], int] = {
        (rubric_id, code): pk
        for pk, rubric_id, code in VetoItem.objects.filter(
            rubric_id__in={r.pk for r in rubric_by.values()}
        ).values_list("pk", "rubric_id", "code")
    }

    # The month's facts, each in one GROUP BY over all compounds.
    in_month = {"found_on__gte": month, "found_on__lt": end, "is_withdrawn": False}
    findings = Finding.objects.filter(compound_id__in=work_ids, **in_month)
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    finding_counts: dict[int, int] = defaultdict(int)
    for compound_id, code, points, n in (
        findings.order_by()
        .values_list("compound_id", "criterion__code")
        .annotate(points=Sum("points"), n=Count("pk"))
    ):
        sums[compound_id][code] = points
        finding_counts[compound_id] += n
    inspections = dict(
        Inspection.objects.filter(
            compound_id__in=work_ids,
            inspected_on__gte=month,
            inspected_on__lt=end,
            is_withdrawn=False,
        )
        .order_by()
        .values_list("compound_id")
        .annotate(n=Count("pk"))
    )
    veto_findings: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for compound_id, code, finding_id in (
        findings.filter(veto_item__isnull=False)
        .order_by("found_on", "pk")
        .values_list("compound_id", "veto_item__code", "pk")
    ):
        veto_findings[compound_id].append((code, finding_id, f"finding:{finding_id}"))
    overdue = set(
        Rectification.objects.filter(
            overdue_at_end_q(end), compound_id__in=work_ids, created_on__lt=end
        )
        .values_list("compound_id", flat=True)
        .distinct()
    )
    compliance = report_compliance(work_ids, month, today=today)

    # What staff did on existing drafts: adjustments (kept) and lifted vetoes (kept lifted).
    existing = [t.card_id for t in work.values() if t.card_id]
    adjustments: dict[int, dict[str, Decimal]] = defaultdict(dict)
    lifted: dict[int, set[str]] = defaultdict(set)
    if existing:
        for card_id, code, points in (
            ScoreDeduction.objects.filter(
                scorecard_id__in=existing, source=ScoreDeduction.Source.ADJUSTMENT
            )
            .order_by()
            .values_list("scorecard_id", "criterion__code")
            .annotate(points=Sum("points"))
        ):
            adjustments[card_id][code] = points
        for card_id, code in VetoEvent.objects.filter(
            scorecard_id__in=existing, is_lifted=True
        ).values_list("scorecard_id", "veto_item__code"):
            lifted[card_id].add(code)

    new_cards: list[dict[str, Any]] = []
    refreshed: dict[int, dict[str, Any]] = {}
    result_rubric: dict[int, int] = {}
    vetoes: dict[int, list[tuple[str, int | None, str]]] = {}
    computed: dict[int, rules.ScoreResult] = {}
    for compound_id, target in work.items():
        config = settings_by[target.community_id]
        rubric = rubric_by[target.community_id]
        maxima = maxima_by.get(rubric.pk, {})
        status = compliance.get(compound_id, "")
        events = [
            (code, fid, evidence)
            for code, fid, evidence in veto_findings.get(compound_id, [])
            if (rubric.pk, code) in veto_by
        ]
        if status == "missing" and (rubric.pk, "missing_monthly_report") in veto_by:
            events.append(("missing_monthly_report", None, f"report:{month:%Y-%m}:{status}"))
        # One event per veto item (the first finding is its evidence).
        unique: dict[str, tuple[str, int | None, str]] = {}
        for event in events:
            unique.setdefault(event[0], event)
        vetoes[compound_id] = list(unique.values())
        lifted_codes = lifted.get(target.card_id, set()) if target.card_id else set()
        active_veto = any(code not in lifted_codes for code in unique)
        deducted = dict(sums.get(compound_id, {}))
        for code, points in adjustments.get(target.card_id, {}).items():
            deducted[code] = deducted.get(code, ZERO) + points
        deducted = {code: max(points, ZERO) for code, points in deducted.items()}
        # What ``_compute`` does, with the rubric's maxima built once per rubric.
        result = rules.score(
            maxima,
            [
                rules.Deduction(code, points, f"deductions:{code}")
                for code, points in deducted.items()
                if code in maxima
            ],
        )
        classification = rules.classify(
            score=result.total,
            inspections=inspections.get(compound_id, 0),
            has_veto=active_veto,
            has_overdue_rectification=compound_id in overdue,
            bands=config.bands,
        )
        computed[compound_id] = result
        result_rubric[compound_id] = rubric.pk
        fields = {
            "company_id": target.company_id,
            "rubric_id": rubric.pk,
            "total": result.total,
            "inspections": inspections.get(compound_id, 0),
            "findings": finding_counts.get(compound_id, 0),
            "has_veto": active_veto,
            "has_overdue_rectification": compound_id in overdue,
            "report_status": status,
            "band": classification.band.value,
            "reasons": [r.value for r in classification.reasons],
        }
        if target.card_id is None:
            new_cards.append(
                {
                    "compound_id": compound_id,
                    "month": month,
                    "drafted_at": now,
                    "updated_at": now,
                    "reply_due_on": timezone.localdate(now) + dt.timedelta(days=config.reply_days),
                    **fields,
                }
            )
        else:
            refreshed[target.card_id] = fields

    ids = dict(_insert(Scorecard, _columns(new_cards), returning="compound_id, id"))
    if new_cards and not ids:
        # Databases that do not return ids from the insert: read them back.
        ids = dict(
            Scorecard.objects.filter(
                month=month, compound_id__in=[c["compound_id"] for c in new_cards]
            ).values_list("compound_id", "pk")
        )
    for compound_id, card_id in ids.items():
        work[compound_id].card_id = card_id
    if notify and ids:
        notices.on_commit(notices.drafts_ready, list(ids.values()))

    # A refresh rewrites only what changed: cards whose computed fields, lines, finding
    # deductions or vetoes differ from the stored ones (those get a new version).
    changed: set[int] = set()
    if refreshed:
        for pk, *stored in (
            Scorecard.objects.filter(pk__in=list(refreshed))
            .order_by()
            .values_list("pk", *CARD_FIELDS)
        ):
            if tuple(stored) != tuple(refreshed[pk][name] for name in CARD_FIELDS):
                changed.add(pk)

    lines = [
        (work[compound_id].card_id, pk, line.max_points, line.deducted, line.points)
        for compound_id, result in computed.items()
        for (pk, _code, _maximum), line in zip(
            criteria_by.get(result_rubric[compound_id], []), result.lines, strict=True
        )
    ]
    lines, stale = _diff(
        lines,
        ScoreLine.objects.filter(scorecard_id__in=list(refreshed))
        .order_by()
        .values_list("pk", "scorecard_id", "criterion_id", "max_points", "deducted", "points")
        if refreshed
        else [],
    )
    changed.update(card_id for _pk, card_id in stale)
    changed.update(row[0] for row in lines if row[0] in refreshed)
    if stale:
        ScoreLine.objects.filter(pk__in=[pk for pk, _card_id in stale]).delete()
    _insert(
        ScoreLine,
        dict(
            zip(
                ("scorecard_id", "criterion_id", "max_points", "deducted", "points"),
                (list(column) for column in zip(*lines, strict=True)),
                strict=False,
            )
        ),
    )

    tables = {
        "deduction": ScoreDeduction._meta.db_table,
        "finding": Finding._meta.db_table,
        "criterion": RubricCriterion._meta.db_table,
    }
    params = {"now": now, "month": month, "end": end}
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                (WANTED_DEDUCTIONS_CTE + FINDING_DEDUCTIONS_SQL).format(
                    cards=_cards_sql(
                        (t.card_id, t.compound_id, rubric_by[t.community_id].pk)
                        for t in work.values()
                        if t.card_id not in refreshed
                    ),
                    **tables,
                ),
                params,
            )
        if refreshed:
            cursor.execute(
                (WANTED_DEDUCTIONS_CTE + WANTED_SQL).format(
                    cards=_cards_sql(
                        (t.card_id, t.compound_id, rubric_by[t.community_id].pk)
                        for t in work.values()
                        if t.card_id in refreshed
                    ),
                    **tables,
                ),
                params,
            )
            wanted = [(c, k, f, _quantize(p)) for c, k, f, p in cursor.fetchall()]
    if refreshed:
        stored, stale = [], []
        for pk, card_id, criterion_id, finding_id, points, source in (
            ScoreDeduction.objects.filter(
                scorecard_id__in=list(refreshed),
                source__in=[ScoreDeduction.Source.FINDING, ScoreDeduction.Source.REPORT],
            )
            .order_by()
            .values_list("pk", "scorecard_id", "criterion_id", "finding_id", "points", "source")
        ):
            if source == ScoreDeduction.Source.FINDING:
                stored.append((pk, card_id, criterion_id, finding_id, _quantize(points)))
            else:
                stale.append((pk, card_id))
        wanted, stale_findings = _diff(wanted, stored)
        stale += stale_findings
        changed.update(card_id for _pk, card_id in stale)
        changed.update(row[0] for row in wanted)
        if stale:
            ScoreDeduction.objects.filter(pk__in=[pk for pk, _card_id in stale]).delete()
        columns = [list(column) for column in zip(*wanted, strict=True)] or [[]] * 4
        _insert(
            ScoreDeduction,
            {
                "scorecard_id": columns[0],
                "criterion_id": columns[1],
                "finding_id": columns[2],
                "points": columns[3],
                "source": [ScoreDeduction.Source.FINDING.value] * len(wanted),
                "reason": [""] * len(wanted),
                "at": [now] * len(wanted),
            },
        )

    veto_rows = []
    for compound_id, events in vetoes.items():
        target = work[compound_id]
        rubric_id = rubric_by[target.community_id].pk
        keep = lifted.get(target.card_id, set())
        veto_rows.extend(
            (target.card_id, veto_by[rubric_id, code], finding_id, evidence)
            for code, finding_id, evidence in events
            if code not in keep
        )
    veto_rows, stale = _diff(
        veto_rows,
        VetoEvent.objects.filter(scorecard_id__in=list(refreshed), is_lifted=False)
        .order_by()
        .values_list("pk", "scorecard_id", "veto_item", "finding", "evidence")
        if refreshed
        else [],
    )
    changed.update(card_id for _pk, card_id in stale)
    changed.update(row[0] for row in veto_rows if row[0] in refreshed)
    if stale:
        VetoEvent.objects.filter(pk__in=[pk for pk, _card_id in stale]).delete()
    _insert(
        VetoEvent,
        dict(
            zip(
                ("scorecard_id", "veto_item_id", "finding_id", "evidence"),
                (list(column) for column in zip(*veto_rows, strict=True)),
                strict=False,
            )
        ),
    )
    _update_cards({pk: refreshed[pk] for pk in changed}, now)
    Rubric.objects.filter(pk__in={r.pk for r in rubric_by.values()}, is_frozen=False).update(
        is_frozen=True
    )
    return DraftResult(month, len(new_cards), len(refreshed), len(published))


# --- Editing a draft -----------------------------------------------------------------------------


def _bump(scorecard: Scorecard, seen_version: int, user: Any) -> None:
    """Claim the card: ``UPDATE ... WHERE version = seen``; no row means somebody was first."""
    claimed = Scorecard.objects.filter(
        pk=scorecard.pk, version=seen_version, status=Scorecard.Status.DRAFT
    ).update(version=F("version") + 1, updated_at=timezone.now(), updated_by=user)
    if not claimed:
        if Scorecard.objects.filter(pk=scorecard.pk, status=Scorecard.Status.PUBLISHED).exists():
            raise ValidationError(PUBLISHED_CARD, code="published")
        raise Conflict()


def recompute(scorecard: Scorecard) -> Scorecard:
    """Lines, total and band of one card from its stored deductions and vetoes."""
    criteria = list(scorecard.rubric.criteria.all())
    deducted: dict[str, Decimal] = {}
    for code, points in (
        ScoreDeduction.objects.filter(scorecard=scorecard)
        .order_by()
        .values_list("criterion__code")
        .annotate(points=Sum("points"))
    ):
        deducted[code] = max(points, ZERO)
    has_veto = scorecard.vetoes.filter(is_lifted=False).exists()
    config = settings_for(scorecard.compound.community_id, scorecard.month.year)
    result, classification = _compute(
        criteria=criteria,
        deducted=deducted,
        inspections=scorecard.inspections,
        has_veto=has_veto,
        has_overdue=scorecard.has_overdue_rectification,
        bands=config.bands,
    )
    ScoreLine.objects.filter(scorecard=scorecard).delete()
    ScoreLine.objects.bulk_create(_lines(scorecard.pk, criteria, result))
    Scorecard.objects.filter(pk=scorecard.pk).update(
        total=result.total,
        has_veto=has_veto,
        band=classification.band.value,
        reasons=[r.value for r in classification.reasons],
    )
    scorecard.refresh_from_db()
    return scorecard


def check_adjustment(*, scorecard: Scorecard, criterion: RubricCriterion, points: Decimal) -> None:
    """Refuse an adjustment that would take the criterion's deduction on the card (findings and
    adjustments together) above its maximum, or below 0 (giving back more than is deducted): a
    deduction beyond the maximum would be capped by the score and show nowhere, and a give-back
    of it would change nothing visible."""
    deducted = (
        ScoreDeduction.objects.filter(scorecard=scorecard, criterion=criterion).aggregate(
            s=Sum("points")
        )["s"]
        or ZERO
    )
    if points < 0 and deducted + points < 0:
        raise ValidationError(
            {
                "points": ValidationError(
                    GIVE_BACK_TOO_MUCH,
                    code="too_much",
                    params={"points": _points(-points), "deducted": _points(deducted)},
                )
            }
        )
    if points > 0 and deducted + points > criterion.max_points:
        raise ValidationError(
            {
                "points": ValidationError(
                    ABOVE_MAXIMUM,
                    code="above_maximum",
                    params={
                        "points": _points(points),
                        "maximum": _points(criterion.max_points),
                        "deducted": _points(deducted),
                    },
                )
            }
        )


def _points(value: Decimal) -> str:
    """Points in messages as the pages show them (two places)."""
    return f"{_quantize(value):.2f}"


@transaction.atomic
def scorecard_adjust(
    *,
    scorecard: Scorecard,
    criterion: RubricCriterion,
    points: Decimal,
    reason: str,
    user: Any,
    seen_version: int,
) -> Scorecard:
    """Deduct ``points`` more (or give back, negative) under ``criterion``, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if points is None or Decimal(points) == 0:
        raise ValidationError({"points": ZERO_POINTS})
    if criterion.rubric_id != scorecard.rubric_id:
        raise ValidationError({"criterion": FOREIGN_CRITERION})
    if scorecard.status == Scorecard.Status.PUBLISHED:
        raise ValidationError(PUBLISHED_CARD, code="published")
    _bump(scorecard, seen_version, user)
    check_adjustment(scorecard=scorecard, criterion=criterion, points=Decimal(points))
    ScoreDeduction.objects.create(
        scorecard=scorecard,
        criterion=criterion,
        source=ScoreDeduction.Source.ADJUSTMENT,
        points=points,
        reason=reason,
        by=user,
    )
    return recompute(scorecard)


@transaction.atomic
def veto_lift(*, veto: VetoEvent, reason: str, user: Any, seen_version: int) -> Scorecard:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if veto.is_lifted:
        raise ValidationError(VETO_LIFTED, code="lifted")
    scorecard = veto.scorecard
    if scorecard.status == Scorecard.Status.PUBLISHED:
        raise ValidationError(PUBLISHED_CARD, code="published")
    _bump(scorecard, seen_version, user)
    VetoEvent.objects.filter(pk=veto.pk).update(is_lifted=True, lifted_reason=reason)
    return recompute(scorecard)


def check_reply(*, scorecard: Scorecard, user: Any, today: dt.date | None = None) -> None:
    """Refuse (``ValidationError``) unless ``user``'s company may reply to ``scorecard`` now: its
    own draft, within the reply window. The reply page asks before showing the form."""
    from compounds.selectors import company_ids

    today = today or timezone.localdate()
    if scorecard.company_id not in company_ids(user):
        raise ValidationError(NOT_YOUR_COMPANY, code="foreign")
    if scorecard.status != Scorecard.Status.DRAFT:
        raise ValidationError(REPLY_NOT_DRAFT, code="published")
    if scorecard.reply_due_on and today > scorecard.reply_due_on:
        raise ValidationError(
            REPLY_CLOSED, code="closed", params={"date": long_date(scorecard.reply_due_on)}
        )


def may_reply(*, scorecard: Scorecard, user: Any, today: dt.date | None = None) -> bool:
    try:
        check_reply(scorecard=scorecard, user=user, today=today)
    except ValidationError:
        return False
    return True


@transaction.atomic
def reply_create(*, scorecard: Scorecard, text: str, user: Any, today: dt.date | None = None):
    text = (text or "").strip()
    check_reply(scorecard=scorecard, user=user, today=today)
    if not text:
        raise ValidationError({"text": REPLY_EMPTY})
    return ScorecardReply.objects.create(scorecard=scorecard, text=text, by=user)


@transaction.atomic
def reply_answer(*, reply: ScorecardReply, answer: str, user: Any) -> ScorecardReply:
    reply = ScorecardReply.objects.select_for_update().get(pk=reply.pk)
    answer = (answer or "").strip()
    if reply.answered_at:
        raise ValidationError(ALREADY_ANSWERED, code="answered")
    if not answer:
        raise ValidationError({"answer": ANSWER_EMPTY})
    reply.answer, reply.answered_by, reply.answered_at = answer, user, timezone.now()
    reply.save(update_fields=["answer", "answered_by", "answered_at"])
    return reply


# --- Publishing ----------------------------------------------------------------------------------


def unanswered_replies(drafts: QuerySet[Scorecard]) -> QuerySet[ScorecardReply]:
    """The companies' replies to ``drafts`` that staff have not answered yet: named on the
    publish page, since an answer is due to each."""
    return (
        ScorecardReply.objects.filter(scorecard__in=drafts, answered_at__isnull=True)
        .select_related("scorecard__compound", "scorecard__company")
        .order_by("scorecard__compound__name", "at")
    )


def _ranks(entries: list[PublicationEntry]) -> None:
    """Rank the entries on a list (red, black, neither) by score; unranked entries get none."""
    ordered = sorted(entries, key=lambda e: e.compound_name)
    ranked = rules.rank(
        (e.compound_id, e.score if e.band != rules.Band.UNRANKED else None) for e in ordered
    )
    by_key = {r.key: r.rank for r in ranked}
    for entry in entries:
        entry.rank = by_key[entry.compound_id]


def _counts(publication: Publication, entries: list[PublicationEntry]) -> None:
    bands = [e.band for e in entries]
    publication.red_count = bands.count(rules.Band.RED)
    publication.black_count = bands.count(rules.Band.BLACK)
    publication.none_count = bands.count(rules.Band.NONE)
    publication.unranked_count = bands.count(rules.Band.UNRANKED)


def _public_reasons(cards: list[Scorecard]) -> dict[int, dict]:
    """Band reasons, per-criterion deduction counts and points, and active veto items.

    A criterion's ``count`` counts its deductions other than staff adjustments; ``adjusted``,
    present only when staff adjustments change the criterion, is their net points (positive:
    deducted, negative: given back). Only the points are public: an adjustment's written reason
    is free text that may name people, and who adjusted is staff's business."""
    ids = [c.pk for c in cards]
    criteria: dict[int, list[dict]] = defaultdict(list)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    adjusted: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for card_id, criterion_id, source, n, points in (
        ScoreDeduction.objects.filter(scorecard_id__in=ids)
        .order_by()
        .values_list("scorecard_id", "criterion_id", "source")
        .annotate(n=Count("pk"), points=Sum("points"))
    ):
        if source == ScoreDeduction.Source.ADJUSTMENT:
            adjusted[card_id, criterion_id] += points
        else:
            counts[card_id, criterion_id] += n
    for line in ScoreLine.objects.filter(scorecard_id__in=ids, deducted__gt=0).select_related(
        "criterion"
    ):
        c = line.criterion
        reason = {
            "code": c.code,
            "name": c.name,
            "name_zh": c.name_zh,
            "count": counts.get((line.scorecard_id, c.pk), 0),
            "points": str(line.deducted),
        }
        net = adjusted.get((line.scorecard_id, c.pk), ZERO)
        if net:
            reason["adjusted"] = str(_quantize(net))
        criteria[line.scorecard_id].append(reason)
    vetoes: dict[int, list[dict]] = defaultdict(list)
    for event in VetoEvent.objects.filter(scorecard_id__in=ids, is_lifted=False).select_related(
        "veto_item"
    ):
        v = event.veto_item
        vetoes[event.scorecard_id].append({"code": v.code, "name": v.name, "name_zh": v.name_zh})
    return {
        c.pk: {"reasons": list(c.reasons), "criteria": criteria[c.pk], "vetoes": vetoes[c.pk]}
        for c in cards
    }


@transaction.atomic
def publish_month(
    *, community: Community, month: dt.date, user: Any, notify: bool = True
) -> Publication:
    """Publish the month's drafts of ``community`` as an immutable list (edition 1); with
    ``notify``, the companies listed are mailed after the commit (``notices.list_published``)."""
    month = month_start(month)
    label = month_name(month)
    # Lock the community's month: two staff pressing "publish" make one list.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    if Publication.objects.filter(community=community, month=month).exists():
        raise ValidationError(ALREADY_PUBLISHED, code="published", params={"month": label})
    cards = list(
        Scorecard.objects.filter(
            compound__community=community, month=month, status=Scorecard.Status.DRAFT
        ).select_related("compound", "company")
    )
    if not cards:
        raise ValidationError(NOTHING_TO_PUBLISH, code="empty", params={"month": label})
    publication = Publication(community=community, month=month, published_by=user)
    reasons = _public_reasons(cards)
    entries = [
        PublicationEntry(
            scorecard=card,
            compound=card.compound,
            company=card.company,
            compound_name=card.compound.name,
            company_name=card.company.name,
            score=card.total,
            band=card.band,
            veto=card.has_veto,
            inspections=card.inspections,
            reasons=reasons[card.pk],
        )
        for card in cards
    ]
    _ranks(entries)
    _counts(publication, entries)
    publication.save()
    for entry in entries:
        entry.publication = publication
    PublicationEntry.objects.bulk_create(entries)
    Scorecard.objects.filter(pk__in=[c.pk for c in cards]).update(
        status=Scorecard.Status.PUBLISHED,
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=user,
    )
    announce_on_commit(Publication, publication.community_id, publication.month)
    if notify:
        notices.on_commit(notices.list_published, publication.pk)
    # Published after the month ended: the month may be rolled up already, without its list.
    rollups.mark_stale(PUBLISHED_STATS, month)
    return publication


@dataclass(frozen=True)
class EntryChange:
    """What a correction changes on one entry; ``None`` keeps the published value."""

    score: Decimal | None = None
    band: str | None = None
    veto: bool | None = None


def latest_edition(publication: Publication) -> Publication:
    return (
        Publication.objects.filter(community_id=publication.community_id, month=publication.month)
        .order_by("-sequence")
        .first()
    )


def check_corrected_band(
    entry: PublicationEntry, *, has_overdue_rectification: bool, bands: rules.Bands
) -> list[str]:
    """A corrected entry's band must be what the rules give for its (corrected) score, veto and
    inspections and its card's overdue rectification: a correction fixes the facts, the rules
    place the compound. Returns the classification's reasons."""
    classification = rules.classify(
        score=entry.score,
        inspections=entry.inspections,
        has_veto=entry.veto,
        has_overdue_rectification=has_overdue_rectification,
        bands=bands,
    )
    if classification.band.value != entry.band:
        raise ValidationError(
            BAND_AGAINST_RULES,
            code="band_against_rules",
            params={
                "compound": entry.compound_name,
                "expected": classification.band.label,
                "score": _points(entry.score),
                "veto": _("yes") if entry.veto else _("no"),
                "inspections": entry.inspections,
                "band": rules.Band(entry.band).label,
            },
        )
    return [r.value for r in classification.reasons]


@transaction.atomic
def publish_correction(
    *,
    publication: Publication,
    changes: Mapping[int, EntryChange],
    note: str,
    user: Any,
    appeal: Appeal | None = None,
    notify: bool = True,
    band_override: bool = False,
) -> Publication:
    """Publish a new edition that corrects ``publication``; ``changes`` maps entry ids of that
    edition to what changes. The old edition stays as it was. With ``notify``, the companies
    listed are mailed after the commit. A changed entry's band must be what the rules give for
    its figures, unless ``band_override``: staff then say in the note which recorded fact (an
    inspection, an overdue rectification) was wrong, and the entry is marked as set by staff."""
    Community.objects.select_for_update().filter(pk=publication.community_id).first()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": NOTE_REQUIRED})
    if latest_edition(publication).pk != publication.pk:
        raise ValidationError(NOT_LATEST, code="superseded")
    if appeal is not None:
        if appeal.status != Appeal.Status.UPHELD:
            raise ValidationError(APPEAL_NOT_UPHELD, code="appeal")
        if appeal.entry.publication_id != publication.pk:
            raise ValidationError(APPEAL_OTHER_EDITION, code="appeal")
    old_entries = list(publication.entries.order_by("pk"))
    known = {e.pk for e in old_entries}
    if set(changes) - known:
        raise ValidationError(FOREIGN_ENTRY, code="foreign")
    entries: list[PublicationEntry] = []
    changed = 0
    overdue = set(
        Scorecard.objects.filter(
            pk__in=[e.scorecard_id for e in old_entries if e.pk in changes],
            has_overdue_rectification=True,
        ).values_list("pk", flat=True)
    )
    bands = settings_for(publication.community_id, publication.month.year).bands
    for old in old_entries:
        change = changes.get(old.pk, EntryChange())
        entry = PublicationEntry(
            scorecard_id=old.scorecard_id,
            compound_id=old.compound_id,
            company_id=old.company_id,
            compound_name=old.compound_name,
            company_name=old.company_name,
            score=old.score,
            band=old.band,
            veto=old.veto,
            inspections=old.inspections,
            reasons=dict(old.reasons),
        )
        previous = {}
        if change.score is not None and Decimal(change.score) != old.score:
            maximum = Decimal(100)
            if not ZERO <= Decimal(change.score) <= maximum:
                raise ValidationError(
                    {"score": ValidationError(BAD_SCORE, code="score", params={"max": maximum})}
                )
            previous["score"] = str(old.score)
            entry.score = Decimal(change.score)
        if change.band is not None and change.band != old.band:
            if change.band not in {b.value for b in rules.Band}:
                raise ValidationError(
                    {"band": ValidationError(BAD_BAND, code="band", params={"band": change.band})}
                )
            previous["band"] = old.band
            entry.band = change.band
        if change.veto is not None and change.veto != old.veto:
            previous["veto"] = old.veto
            entry.veto = change.veto
            if not change.veto:
                entry.reasons["vetoes"] = []
        if previous:
            changed += 1
            entry.reasons["corrected"] = previous
            try:
                entry.reasons["reasons"] = check_corrected_band(
                    entry, has_overdue_rectification=entry.scorecard_id in overdue, bands=bands
                )
            except ValidationError:
                if not band_override:
                    raise
                entry.reasons["band_set_by_staff"] = True
        else:
            entry.reasons.pop("corrected", None)
        entries.append(entry)
    if not changed:
        raise ValidationError(NO_CHANGE, code="unchanged")
    correction = Publication(
        community_id=publication.community_id,
        month=publication.month,
        sequence=publication.sequence + 1,
        published_by=user,
        correction_of=publication,
        correction_note=note,
    )
    _ranks(entries)
    _counts(correction, entries)
    correction.save()
    for entry in entries:
        entry.publication = correction
    PublicationEntry.objects.bulk_create(entries)
    if appeal is not None:
        Appeal.objects.filter(pk=appeal.pk).update(correction=correction)
    announce_on_commit(Publication, correction.community_id, correction.month)
    if notify:
        notices.on_commit(notices.list_published, correction.pk)
    # The correction replaces the edition the month's figures were rolled up from.
    rollups.mark_stale(PUBLISHED_STATS, correction.month)
    return correction


# --- Reads (scoped by role) ---------------------------------------------------------------------


def scoring_community_ids(user: Any) -> set[int] | None:
    """Communities whose scoring ``user`` runs (staff, not grid workers); None for a superuser."""
    from compounds.selectors import staff_community_ids

    if user.is_authenticated and user.is_superuser:
        return None
    return staff_community_ids(user, include_grid_workers=False)


def scoring_community_list(*, user: Any) -> QuerySet[Community]:
    """The communities whose scoring ``user`` runs, by name (every one for a superuser)."""
    ids = scoring_community_ids(user)
    communities = Community.objects.order_by("name")
    return communities if ids is None else communities.filter(pk__in=ids)


def scoring_communities(user: Any) -> list[Community]:
    return list(scoring_community_list(user=user))


def is_scoring_staff(user: Any) -> bool:
    ids = scoring_community_ids(user)
    return ids is None or bool(ids)


def staff_attention(communities: list[Community], today: dt.date) -> list[dict]:
    """What needs staff's attention per community: the last month's cards (drafted, published)
    and the companies' replies to them waiting for an answer, appeals waiting for a decision,
    late and missing monthly reports of the last three months, and rectifications past their
    deadline that the company has not answered.
    Queries: four for cards, replies, appeals and rectifications and four for the reports,
    however many communities."""
    month = previous_month(today)

    def per_community(qs, community_path: str) -> dict[int, int]:
        return dict(
            qs.filter(**{f"{community_path}__in": communities})
            .order_by()
            .values_list(community_path)
            .annotate(n=Count("pk"))
        )

    cards: dict[int, dict[str, int]] = defaultdict(dict)
    for community_id, status, n in (
        Scorecard.objects.filter(month=month, compound__community__in=communities)
        .order_by()
        .values_list("compound__community_id", "status")
        .annotate(n=Count("pk"))
    ):
        cards[community_id][status] = n
    replies = per_community(
        ScorecardReply.objects.filter(answered_at__isnull=True, scorecard__month=month),
        "scorecard__compound__community",
    )
    appeals = per_community(
        Appeal.objects.filter(status=Appeal.Status.PENDING), "entry__publication__community"
    )
    overdue = per_community(Rectification.objects.filter(overdue_q(today)), "compound__community")
    late = late_and_missing_by_community(communities, today)
    return [
        {
            "community": community,
            "month": month,
            "drafts": cards[community.pk].get(Scorecard.Status.DRAFT, 0),
            "published": cards[community.pk].get(Scorecard.Status.PUBLISHED, 0),
            "replies_to_answer": replies.get(community.pk, 0),
            "appeals_to_decide": appeals.get(community.pk, 0),
            "late_reports": late[community.pk],
            "overdue_rectifications": overdue.get(community.pk, 0),
        }
        for community in communities
    ]


def scorecard_list(*, user: Any):
    """Staff: their communities' cards; a company user: its company's cards (drafts included);
    everybody else: none."""
    from compounds.selectors import company_ids

    qs = Scorecard.objects.select_related("compound__community", "company", "rubric")
    if not user.is_authenticated:
        return qs.none()
    ids = scoring_community_ids(user)
    if ids is None:
        return qs
    return qs.filter(Q(compound__community_id__in=ids) | Q(company_id__in=company_ids(user)))


def publication_list(*, user: Any):
    """Every edition (corrections too), for staff of the community."""
    qs = Publication.objects.select_related("community", "correction_of")
    ids = scoring_community_ids(user)
    if ids is None:
        return qs
    return qs.filter(community_id__in=ids)


def appeal_list(*, user: Any):
    from compounds.selectors import company_ids

    qs = Appeal.objects.select_related("entry__publication__community", "filed_by", "correction")
    if not user.is_authenticated:
        return qs.none()
    ids = scoring_community_ids(user)
    if ids is None:
        return qs
    return qs.filter(
        Q(entry__publication__community_id__in=ids) | Q(entry__company_id__in=company_ids(user))
    )


def company_appealable_entries(
    *, user: Any, now: dt.datetime | None = None, today: dt.date | None = None
):
    """The black entries the user's company may still appeal: in editions not corrected since,
    not appealed yet, within the appeal period (``closes_on`` set on each). The rules are
    ``check_appeal``'s; here they are applied to the whole list in three queries."""
    from compounds.selectors import company_ids

    today = today or timezone.localdate(now or timezone.now())
    entries = list(
        PublicationEntry.objects.filter(
            company_id__in=company_ids(user),
            band=rules.Band.BLACK,
            publication__corrected_by__isnull=True,
            appeal__isnull=True,
        )
        .select_related("publication__community")
        .order_by("-publication__month", "compound_name")
    )
    days = _appeal_days({(e.publication.community_id, e.publication.month.year) for e in entries})
    out = []
    for entry in entries:
        publication = entry.publication
        entry.closes_on = _closes_on(
            publication, days[publication.community_id, publication.month.year]
        )
        if today <= entry.closes_on:
            out.append(entry)
    return out


def _appeal_days(keys: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The appeal period (days) per ``(community id, year)`` as ``settings_for`` would give it
    (that year's settings, else the latest earlier year's, else the default), in one query and
    without creating settings on a page read."""
    if not keys:
        return {}
    stored: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for community_id, year, days in (
        ScoringSettings.objects.filter(
            community_id__in={c for c, _y in keys}, year__lte=max(y for _c, y in keys)
        )
        .order_by("-year")
        .values_list("community_id", "year", "appeal_days")
    ):
        stored[community_id].append((year, days))
    default = ScoringSettings._meta.get_field("appeal_days").get_default()
    return {(c, y): next((days for year, days in stored[c] if year <= y), default) for c, y in keys}


def _closes_on(publication: Publication, appeal_days: int) -> dt.date:
    return timezone.localdate(publication.published_at) + dt.timedelta(days=appeal_days)


def listed_entries(*, community: Community, month: dt.date) -> dict[int, PublicationEntry]:
    """The month's entries in the latest edition of its list, by scorecard: what the list says
    now (a correction changes the entry, never the card). One query; empty before publishing."""
    latest = (
        Publication.objects.filter(community=community, month=month_start(month))
        .order_by("-sequence")
        .values("pk")[:1]
    )
    return {e.scorecard_id: e for e in PublicationEntry.objects.filter(publication__in=latest)}


def public_publication_list(*, community: Community):
    """The latest edition of each published month of ``community``: what the public may read.
    Drafts and scorecards never appear: only publication snapshots do."""
    return Publication.objects.filter(community=community, corrected_by__isnull=True).order_by(
        "-month"
    )


def public_entry_list(*, publication: Publication):
    return publication.entries.order_by(*listing_order())


# --- Appeals -------------------------------------------------------------------------------------


def appealable_entry(*, card: Scorecard, user: Any) -> PublicationEntry | None:
    """The card's black listing in the latest edition of its list, when ``user``'s company may
    still appeal it (``closes_on`` set): the card offers the appeal where the company reads why
    it was listed."""
    entry = (
        PublicationEntry.objects.filter(scorecard=card, band=rules.Band.BLACK)
        .select_related("publication")
        .order_by("-publication__sequence")
        .first()
    )
    if entry is None:
        return None
    try:
        check_appeal(entry=entry, user=user)
    except ValidationError:
        return None
    entry.closes_on = appeal_closes_on(entry)
    return entry


def check_appeal(*, entry: PublicationEntry, user: Any, now: dt.datetime | None = None) -> None:
    """Refuse (``ValidationError``) unless ``user``'s company may appeal ``entry`` now: its own
    black listing in the latest edition, within the period, not appealed yet. The appeal page
    asks before showing the form."""
    from compounds.selectors import company_ids

    now = now or timezone.now()
    if entry.company_id not in company_ids(user):
        raise ValidationError(APPEAL_NOT_YOURS, code="foreign")
    if entry.band != rules.Band.BLACK:
        raise ValidationError(APPEAL_NOT_BLACK, code="not_black")
    publication = entry.publication
    if latest_edition(publication).pk != publication.pk:
        raise ValidationError(APPEAL_SUPERSEDED, code="superseded")
    closes_on = appeal_closes_on(entry)
    if timezone.localdate(now) > closes_on:
        raise ValidationError(APPEAL_CLOSED, code="closed", params={"date": long_date(closes_on)})
    if Appeal.objects.filter(entry=entry).exists():
        raise ValidationError(APPEAL_EXISTS, code="exists")


@transaction.atomic
def appeal_file(
    *, entry: PublicationEntry, grounds: str, user: Any, now: dt.datetime | None = None
) -> Appeal:
    now = now or timezone.now()
    grounds = (grounds or "").strip()
    check_appeal(entry=entry, user=user, now=now)
    if not grounds:
        raise ValidationError({"grounds": APPEAL_GROUNDS})
    return Appeal.objects.create(entry=entry, grounds=grounds, filed_by=user, filed_at=now)


def appeal_closes_on(entry: PublicationEntry) -> dt.date:
    publication = entry.publication
    # A read (the appeal page shows it): the settings as they stand, written nowhere.
    config = settings_of(publication.community_id, publication.month.year)
    return _closes_on(publication, config.appeal_days)


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, status: str, decision: str, user: Any, notify: bool = True
) -> Appeal:
    """Uphold or reject an appeal with a reason; with ``notify`` the company is mailed."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    decision = (decision or "").strip()
    if appeal.status != Appeal.Status.PENDING:
        raise ValidationError(APPEAL_DECIDED, code="decided")
    if status not in (Appeal.Status.UPHELD, Appeal.Status.REJECTED):
        raise ValidationError({"status": APPEAL_BAD_OUTCOME})
    if not decision:
        raise ValidationError({"decision": APPEAL_DECISION_REASON})
    appeal.status, appeal.decision = status, decision
    appeal.decided_by, appeal.decided_at = user, timezone.now()
    appeal.save(update_fields=["status", "decision", "decided_by", "decided_at"])
    if notify:
        notices.on_commit(notices.appeal_decided, appeal.pk)
    return appeal
