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
- ``scorecards.{compound,company}_reports``: monthly reports by their month, the dimension saying
  ``on_time`` (first submitted by the due day of the next month), ``late`` or ``not_submitted``.

Inspections and findings belong to the company whose service contract covered the compound on
that day; rectifications and reports name their company.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Rank,
    Round,
)

from tongde.periods import Period, PeriodKind
from tongde.rollups import Stat, event_stat, register

from . import rules
from .models import (
    Finding,
    Inspection,
    MonthlyReport,
    PublicationEntry,
    Rectification,
    ScoringSettings,
)

MONTHS_UP = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
QUARTERS_UP = (PeriodKind.QUARTER, PeriodKind.YEAR)


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


def _reports(start: dt.date, end: dt.date) -> QuerySet[MonthlyReport]:
    due_day = Coalesce(
        Subquery(
            ScoringSettings.objects.filter(
                community_id=OuterRef("compound__community_id"),
                year__lte=ExtractYear(OuterRef("month")),
            )
            .order_by("-year")
            .values("report_due_day")[:1]
        ),
        Value(5),
        output_field=IntegerField(),
    )
    # Months from the report's month to the (local) month it was first submitted in.
    months_after = (ExtractYear("first_submitted_at") * 12 + ExtractMonth("first_submitted_at")) - (
        ExtractYear("month") * 12 + ExtractMonth("month")
    )
    return (
        MonthlyReport.objects.filter(month__gte=start, month__lt=end)
        .annotate(
            due_day=due_day,
            months_after=months_after,
            submitted_day=ExtractDay("first_submitted_at"),
        )
        .annotate(
            timeliness=Case(
                When(first_submitted_at__isnull=True, then=Value("not_submitted")),
                When(months_after__lte=0, then=Value("on_time")),
                When(months_after=1, submitted_day__lte=F("due_day"), then=Value("on_time")),
                default=Value("late"),
                output_field=CharField(),
            )
        )
    )


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

for _kind, _subject in (("compound", "compound_id"), ("company", "company_id")):
    register(
        event_stat(
            f"scorecards.{_kind}_reports",
            _kind,
            rows=_reports,
            date_field="month",
            subject=_subject,
            dimension="timeliness",
            value=Count("pk"),
            kinds=MONTHS_UP,
        )
    )
