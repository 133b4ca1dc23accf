"""Scorecard statistics per compound and per property company, for the quarterly bulletin.

From the published lists (current publications only: a correction replaces what it corrects;
drafts never count):
- ``scorecards.compound_score``: a compound's score of the month, its band as the dimension;
- ``scorecards.compound_average`` / ``scorecards.company_average``: the average score of the
  ranked months (band other than "unranked"), per month, quarter and year; a company's average
  runs over all its compounds' ranked months;
- ``scorecards.company_bands``: how many of a company's compound-months fell in each band;
- ``scorecards.compound_rank`` / ``scorecards.company_rank``: per quarter and year, the rank of
  the average rounded to 0.01 (as ``rules.average``), highest first, ties sharing a rank ("1224",
  as ``rules.rank``); compounds rank within their community, companies across the city.

From the daily work (every period kind, so weeks too):
- ``scorecards.{compound,company}_inspections``: inspections not withdrawn, by date;
- ``scorecards.{compound,company}_findings``: findings not withdrawn, by date found;
- ``scorecards.{compound,company}_closures``: rectifications verified and closed, by close date;
- ``scorecards.{compound,company}_overdue``: rectifications whose deadline fell in the period and
  that were not closed by it (closed later, or still open), by deadline;
- ``scorecards.{compound,company}_reports``: per month a compound was served, its monthly report
  by the rule of ``reports.report_compliance``, the dimension saying ``on_time``, ``late``
  (submitted within the grace period) or ``not_submitted`` (nothing submitted when the grace
  period ended: no report at all, a draft, or a report submitted after it); a month whose grace
  period has not ended counts only its reports already on time or late.

Inspections and findings belong to the company whose service contract covered the compound on
that day; rectifications and reports name their company.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Model,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Rank, Round
from django.utils import timezone

from compounds.models import Compound, PropertyCompany, ServiceContract
from tongde.periods import Period, PeriodKind
from tongde.rollups import Stat, event_stat, register

from . import reports, rules
from .models import (
    Finding,
    Inspection,
    MonthlyReport,
    PublicationEntry,
    Rectification,
    month_start,
    next_month,
)

MONTHS_UP = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
QUARTERS_UP = (PeriodKind.QUARTER, PeriodKind.YEAR)

# What the services mark stale (``tongde.rollups.mark_stale``) when the past changes: a month's
# list published or corrected; an inspection recorded late or withdrawn; a deadline moved.
PUBLISHED_STATS = (
    "scorecards.compound_score",
    "scorecards.compound_average",
    "scorecards.company_average",
    "scorecards.company_bands",
    "scorecards.compound_rank",
    "scorecards.company_rank",
)
OVERDUE_STATS = ("scorecards.compound_overdue", "scorecards.company_overdue")
DAILY_WORK_STATS = (
    *(
        f"scorecards.{who}_{what}"
        for who in ("compound", "company")
        for what in ("inspections", "findings", "closures")
    ),
    *OVERDUE_STATS,
)


# --- Published lists -----------------------------------------------------------------------------


def published_entries(start: dt.date, end: dt.date) -> QuerySet[PublicationEntry]:
    return PublicationEntry.objects.filter(
        publication__corrected_by__isnull=True,
        publication__month__gte=start,
        publication__month__lt=end,
    )


def ranked_entries(start: dt.date, end: dt.date) -> QuerySet[PublicationEntry]:
    return published_entries(start, end).exclude(band=rules.Band.UNRANKED)


_PUBLISHED = {"date_field": "publication__month"}

register(
    event_stat(
        "scorecards.compound_score",
        "compound",
        rows=published_entries,
        subject="compound_id",
        dimension="band",
        value=Max("score"),
        kinds=(PeriodKind.MONTH,),
        **_PUBLISHED,
    )
)
register(
    event_stat(
        "scorecards.compound_average",
        "compound",
        rows=ranked_entries,
        subject="compound_id",
        value=Avg("score"),
        kinds=MONTHS_UP,
        **_PUBLISHED,
    )
)
register(
    event_stat(
        "scorecards.company_average",
        "company",
        rows=ranked_entries,
        subject="company_id",
        value=Avg("score"),
        kinds=MONTHS_UP,
        **_PUBLISHED,
    )
)
register(
    event_stat(
        "scorecards.company_bands",
        "company",
        rows=published_entries,
        subject="company_id",
        dimension="band",
        value=Count("pk"),
        kinds=MONTHS_UP,
        **_PUBLISHED,
    )
)


def _rank_query(subject: str, partition: str | None):
    def query(period: Period) -> QuerySet:
        group = {"subject_id": F(subject)}
        if partition:
            group["partition"] = F(partition)
        average = Round(Avg("score"), 2)
        return (
            ranked_entries(period.start, period.end)
            .order_by()
            .values(**group)
            .annotate(average=average)
            .annotate(
                value=Window(
                    Rank(),
                    partition_by=[F(partition)] if partition else None,
                    order_by=average.desc(),
                )
            )
        )

    return query


register(
    Stat(
        "scorecards.compound_rank",
        "compound",
        _rank_query("compound_id", "publication__community_id"),
        kinds=QUARTERS_UP,
    )
)
register(
    Stat("scorecards.company_rank", "company", _rank_query("company_id", None), kinds=QUARTERS_UP)
)


# --- Inspections, findings, rectifications, reports --------------------------------------------


def _served_on(date_field: str) -> Q:
    """The contract of the row's compound in force on its date (one filter: one join)."""
    return Q(compound__contracts__starts_on__lte=F(date_field)) & (
        Q(compound__contracts__ends_on__isnull=True)
        | Q(compound__contracts__ends_on__gte=F(date_field))
    )


def _inspections(start: dt.date, end: dt.date) -> QuerySet[Inspection]:
    return Inspection.objects.filter(
        is_withdrawn=False, inspected_on__gte=start, inspected_on__lt=end
    )


def _company_inspections(start: dt.date, end: dt.date) -> QuerySet[Inspection]:
    return _inspections(start, end).filter(_served_on("inspected_on"))


def _findings(start: dt.date, end: dt.date) -> QuerySet[Finding]:
    return Finding.objects.filter(is_withdrawn=False, found_on__gte=start, found_on__lt=end)


def _company_findings(start: dt.date, end: dt.date) -> QuerySet[Finding]:
    return _findings(start, end).filter(_served_on("found_on"))


def _closures(start: dt.date, end: dt.date) -> QuerySet[Rectification]:
    return Rectification.objects.filter(
        status=Rectification.Status.CLOSED, closed_on__gte=start, closed_on__lt=end
    )


def _overdue(start: dt.date, end: dt.date) -> QuerySet[Rectification]:
    return Rectification.objects.filter(deadline_on__gte=start, deadline_on__lt=end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=F("deadline_on"))
    )


def _served(
    start: dt.date, end: dt.date, compound_ids: list[int] | None = None
) -> dict[dt.date, dict[int, int]]:
    """For each month from ``start`` to ``end`` (exclusive): the compounds served on some day of
    it, each with the company of its newest contract that month (as the staff dashboard's
    ``reports.late_and_missing``). One query."""
    contracts = ServiceContract.objects.filter(starts_on__lt=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    )
    if compound_ids is not None:
        contracts = contracts.filter(compound_id__in=compound_ids)
    contracts = list(
        contracts.order_by("compound_id", "-starts_on").values_list(
            "compound_id", "company_id", "starts_on", "ends_on"
        )
    )
    out: dict[dt.date, dict[int, int]] = {}
    month = month_start(start)
    while month < end:
        last_day = next_month(month) - dt.timedelta(days=1)
        serving: dict[int, int] = {}
        for compound_id, company_id, starts_on, ends_on in contracts:
            if starts_on <= last_day and (ends_on is None or ends_on >= month):
                serving.setdefault(compound_id, company_id)
        out[month] = serving
        month = next_month(month)
    return out


# Timeliness of ``reports.report_compliance`` -> the rollup's dimension. "late" while the grace
# period still runs and no report is in is not final (nor is "not due"): not counted yet.
_TIMELINESS = {
    reports.Compliance.ON_TIME: "on_time",
    reports.Compliance.LATE: "late",
    reports.Compliance.MISSING: "not_submitted",
}


def report_timeliness(
    start: dt.date,
    end: dt.date,
    *,
    by: str = "compound",
    subjects: list[int] | None = None,
    today: dt.date | None = None,
) -> dict[tuple[int, str], int]:
    """``{(compound or company id, timeliness): months}`` for the months from ``start`` to
    ``end``: every compound served in a month counts once for it, by the rule of
    ``reports.report_compliance`` (so a month with no report at all, or only a draft, is
    "not_submitted" once the grace period has ended). A report counts for the company that filed
    it; a missing one for the company that served the compound (its newest contract of the
    month). Four queries, however many months."""
    today = today or timezone.localdate()
    # The compounds asked about only (a bulletin's community), not the whole city.
    compound_ids = subjects if by == "compound" and subjects is not None else None
    served = _served(start, end, compound_ids)
    reports_in = MonthlyReport.objects.filter(month__gte=start, month__lt=end)
    if compound_ids is not None:
        reports_in = reports_in.filter(compound_id__in=compound_ids)
    filers = {
        (compound_id, month): company_id
        for compound_id, month, company_id in reports_in.values_list(
            "compound_id", "month", "company_id"
        )
    }
    counts: dict[tuple[int, str], int] = defaultdict(int)
    wanted = None if subjects is None else set(subjects)
    compliance = reports.report_compliance_by_month(served, today=today)
    for month, serving in served.items():
        for compound_id, row in compliance[month].items():
            timeliness = _TIMELINESS.get(row.status)
            if row.status == reports.Compliance.LATE and row.first_submitted_at is None:
                timeliness = None  # still in the grace period
            subject = compound_id
            if by == "company":
                subject = filers.get((compound_id, month), serving[compound_id])
            if timeliness is None or (wanted is not None and subject not in wanted):
                continue
            counts[subject, timeliness] += 1
    return dict(counts)


def _rows_query(model: type[Model], rows: dict[tuple[int, str], int]) -> QuerySet:
    """Computed ``(subject, dimension) -> value`` rows as a query the rollup engine can fill
    from: one ``SELECT`` over ``model`` per dimension, united."""
    by_dimension: dict[str, dict[int, int]] = defaultdict(dict)
    for (subject, dimension), value in rows.items():
        by_dimension[dimension][subject] = value

    def select(dimension: str, values: dict[int, int]) -> QuerySet:
        whens = [When(pk=pk, then=Value(n)) for pk, n in values.items()]
        return (
            # none() cannot compile to SQL: an always-false filter instead.
            model.objects.filter(Q(pk__in=list(values)) if values else Q(pk__isnull=True))
            .order_by()
            .values(
                subject_id=F("pk"),
                dimension=Value(dimension, output_field=CharField()),
                value=Case(*whens, default=Value(0), output_field=IntegerField()),
            )
        )

    parts = [select(d, v) for d, v in sorted(by_dimension.items())]
    if not parts:
        return select("", {})
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _reports_query(by: str, model: type[Model]):
    def query(period: Period) -> QuerySet:
        return _rows_query(model, report_timeliness(period.start, period.end, by=by))

    return query


for _what, _rows, _company_rows, _date in (
    ("inspections", _inspections, _company_inspections, "inspected_on"),
    ("findings", _findings, _company_findings, "found_on"),
    ("closures", _closures, _closures, "closed_on"),
    ("overdue", _overdue, _overdue, "deadline_on"),
):
    register(
        event_stat(
            f"scorecards.compound_{_what}",
            "compound",
            rows=_rows,
            date_field=_date,
            subject="compound_id",
            value=Count("pk", distinct=True),
        )
    )
    register(
        event_stat(
            f"scorecards.company_{_what}",
            "company",
            rows=_company_rows,
            date_field=_date,
            subject=(
                "compound__contracts__company_id" if _company_rows is not _rows else "company_id"
            ),
            value=Count("pk", distinct=True),
        )
    )

for _kind, _model in (("compound", Compound), ("company", PropertyCompany)):
    register(
        Stat(
            f"scorecards.{_kind}_reports",
            _kind,
            _reports_query(_kind, _model),
            kinds=MONTHS_UP,
            has_dimension=True,
            # A month's missing reports are known once its grace period (into the next month)
            # is over: the next run fills the month again.
            refill_last=True,
        )
    )
