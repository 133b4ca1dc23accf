"""Query counts of every scorecards list page are the same with 10 and with 1,000 managed compounds
(issue 3): each page is requested, as the role that reads it, in a community of 10 compounds and
in one of 1,000 with the rows the page lists, and must run exactly as many queries in both.

Both worlds are built once for the module (bulk inserts, rolled back at the end). A page that
lists nothing cannot pass: each answer must be a 200 naming rows of its own world, and the
captured queries must read the table the page lists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compounds.models import Compound, Membership, ServiceContract
from scorecards import public
from scorecards.models import (
    Agreement,
    Appeal,
    Commitment,
    Complaint,
    Finding,
    Inspection,
    MonthlyReport,
    Publication,
    PublicationEntry,
    Rectification,
    Scorecard,
    ScorecardReply,
    ScoreDeduction,
    ScoreLine,
    WeeklyFeedback,
    month_start,
)
from scorecards.setup import rubric_for
from tests import factories

SIZES = (10, 1000)
BANDS = ("red", "black", "none", "unranked")


def _previous_month(month: dt.date) -> dt.date:
    return month_start(month - dt.timedelta(days=1))


@dataclass
class World:
    size: int
    community: object
    company: object
    staff: object
    company_user: object
    compounds: list = field(default_factory=list)
    month: dt.date | None = None
    publication: Publication | None = None
    feedback: WeeklyFeedback | None = None

    @property
    def prefix(self) -> str:
        # "QC10小区" is no part of "QC1000小区0001": a name tells the worlds apart.
        return f"QC{self.size}小区"

    def names_in(self, text: str) -> set[str]:
        return set(re.findall(re.escape(self.prefix) + r"\d{4}", text))


def _build(size: int) -> World:
    """A community of ``size`` managed compounds, all served by one company, with a month of
    reports, inspections, findings, rectifications, complaints, scorecards of two months (the
    latest with its lines, deductions and replies), both months' published lists, appeals,
    agreements and ``size`` weeks of feedback."""
    community = factories.CommunityFactory(slug=f"qc-{size}", name=f"质检社区{size}")
    company = factories.PropertyCompanyFactory(name=f"质检物业{size}")
    staff = factories.membership_user("staff", community=community)
    company_user = factories.UserFactory(username=f"qc-company-{size}")
    Membership.objects.create(user=company_user, role="company", company=company)
    world = World(size, community, company, staff, company_user)

    today = timezone.localdate()
    month = _previous_month(month_start(today))
    earlier = _previous_month(month)
    world.month = month
    now = timezone.now()

    compounds = Compound.objects.bulk_create(
        Compound(
            community=community,
            code=f"qc-{size}-{i}",
            name=f"{world.prefix}{i:04d}",
            kind=Compound.Kind.MANAGED,
        )
        for i in range(size)
    )
    world.compounds = compounds
    ServiceContract.objects.bulk_create(
        ServiceContract(compound=c, company=company, starts_on=dt.date(2020, 1, 1))
        for c in compounds
    )

    # Agreements with their commitments.
    agreements = Agreement.objects.bulk_create(
        Agreement(compound=c, company=company, year=month.year, fee_standard="0.90 元/m²")
        for c in compounds
    )
    Commitment.objects.bulk_create(
        Commitment(agreement=a, position=p, text=f"承诺{p}") for a in agreements for p in range(2)
    )

    # Reports of the month (one left missing in four), submitted; the months before are missing.
    statuses = ("submitted", "accepted", "returned")
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            compound=c,
            company=company,
            month=month,
            status=statuses[i % 3],
            first_submitted_at=now,
            submitted_at=now,
            created_by=company_user,
            staff_on_duty=5,
        )
        for i, c in enumerate(compounds)
        if i % 4 != 3
    )

    rubric = rubric_for(community, month.year)
    criteria = list(rubric.criteria.prefetch_related("deduction_items"))
    earlier_rubric = rubric_for(community, earlier.year)

    # An inspection with a finding per compound, each finding an item to put right.
    inspections = Inspection.objects.bulk_create(
        Inspection(compound=c, inspected_on=month + dt.timedelta(days=9), inspector=staff)
        for c in compounds
    )
    findings = []
    for i, inspection in enumerate(inspections):
        criterion = criteria[i % len(criteria)]
        item = criterion.deduction_items.all()[0]
        findings.append(
            Finding(
                compound=inspection.compound,
                inspection=inspection,
                found_on=inspection.inspected_on,
                criterion=criterion,
                deduction_item=item,
                points=item.points,
                description=f"发现问题{i}",
            )
        )
    findings = Finding.objects.bulk_create(findings)

    # A complaint per compound, verified into a finding.
    complaints = Complaint.objects.bulk_create(
        Complaint(
            compound=c,
            received_on=month + dt.timedelta(days=3),
            channel="phone",
            summary=f"投诉{i}",
            complainant_contact="138****0000",
            is_verified=True,
            logged_by=staff,
        )
        for i, c in enumerate(compounds)
    )
    Finding.objects.bulk_create(
        Finding(
            compound=complaint.compound,
            complaint=complaint,
            found_on=complaint.received_on,
            criterion=criteria[1],
            points=Decimal(1),
            description=complaint.summary,
        )
        for complaint in complaints
    )

    rect_statuses = ("open", "answered", "closed", "reopened")
    rectifications = Rectification.objects.bulk_create(
        Rectification(
            compound=f.compound,
            company=company,
            finding=f,
            description=f"整改{i}",
            created_on=f.found_on,
            deadline_on=f.found_on + dt.timedelta(days=7),
            status=rect_statuses[i % 4],
            answer="已整改" if rect_statuses[i % 4] != "open" else "",
            closed_on=f.found_on + dt.timedelta(days=5) if i % 4 == 2 else None,
        )
        for i, f in enumerate(findings)
    )

    # Weekly feedback: one week per compound (the latest lists every item).
    monday = today - dt.timedelta(days=today.weekday() + 7)
    ids = [r.pk for r in rectifications]
    feedback = WeeklyFeedback.objects.bulk_create(
        WeeklyFeedback(
            company=company,
            week_start=monday - dt.timedelta(days=7 * w),
            new_findings=len(ids) if w == 0 else 1,
            overdue=0,
            closed=0,
            items={"new": ids, "overdue": [], "closed": []} if w == 0 else {"new": ids[:1]},
            # Read already: opening it writes nothing, in either world, warmed up or not.
            read_at=now if w == 0 else None,
        )
        for w in range(size)
    )
    world.feedback = feedback[0]

    # Scorecards of two months, published, with their lines; a deduction per finding and a
    # company reply on each card of the month.
    cards = {}
    for when in (earlier, month):
        cards[when] = Scorecard.objects.bulk_create(
            Scorecard(
                compound=c,
                company=company,
                month=when,
                rubric=earlier_rubric if when == earlier else rubric,
                status=Scorecard.Status.PUBLISHED,
                total=Decimal(60 + i % 40),
                inspections=2,
                findings=1,
                band=BANDS[i % 4],
                has_veto=BANDS[i % 4] == "black",
            )
            for i, c in enumerate(compounds)
        )
    ScoreLine.objects.bulk_create(
        ScoreLine(
            scorecard=card,
            criterion=k,
            max_points=k.max_points,
            deducted=f.points if k == f.criterion else Decimal(0),
            points=k.max_points - (f.points if k == f.criterion else 0),
        )
        for card, f in zip(cards[month], findings, strict=True)
        for k in criteria
    )
    ScoreDeduction.objects.bulk_create(
        ScoreDeduction(
            scorecard=card,
            criterion=f.criterion,
            source=ScoreDeduction.Source.FINDING,
            points=f.points,
            finding=f,
        )
        for card, f in zip(cards[month], findings, strict=True)
    )
    ScorecardReply.objects.bulk_create(
        ScorecardReply(scorecard=card, text="我们已整改", by=company_user) for card in cards[month]
    )

    # The two months' lists, and an appeal on every black entry of the latest.
    reasons = {
        "reasons": ["veto", "below_black"],
        "criteria": [
            {"code": "cleanliness", "name": "Cleanliness", "name_zh": "环境卫生", "count": 1}
        ],
        "vetoes": [{"code": "missing_monthly_report", "name": "No report", "name_zh": "未报"}],
    }
    for when in (earlier, month):
        publication = Publication.objects.create(
            community=community,
            month=when,
            published_by=staff,
            published_at=now - dt.timedelta(days=30 if when == earlier else 1),
            red_count=sum(c.band == "red" for c in cards[when]),
            black_count=sum(c.band == "black" for c in cards[when]),
            none_count=sum(c.band == "none" for c in cards[when]),
            unranked_count=sum(c.band == "unranked" for c in cards[when]),
        )
        entries = PublicationEntry.objects.bulk_create(
            PublicationEntry(
                publication=publication,
                scorecard=card,
                compound=card.compound,
                company=company,
                compound_name=card.compound.name,
                company_name=company.name,
                score=card.total,
                band=card.band,
                rank=i + 1 if card.band != "unranked" else None,
                veto=card.has_veto,
                inspections=card.inspections,
                reasons=reasons if card.band == "black" else {"reasons": []},
            )
            for i, card in enumerate(cards[when])
        )
    world.publication = publication
    Appeal.objects.bulk_create(
        Appeal(
            entry=e,
            grounds="报告已按时提交",
            filed_by=company_user,
            status=("pending", "rejected")[i % 2],
            decision="" if i % 2 == 0 else "维持原评",
            decided_by=None if i % 2 == 0 else staff,
            decided_at=None if i % 2 == 0 else now,
        )
        for i, e in enumerate(x for x in entries if x.band == "black")
    )
    return world


@pytest.fixture(scope="module")
def built_worlds(django_db_setup, django_db_blocker):
    """Both worlds, built once for the module; rolled back afterwards."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield {size: _build(size) for size in SIZES}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def worlds(built_worlds, db):
    return built_worlds


# --- The pages -----------------------------------------------------------------------------------


def _month(w: World) -> str:
    return f"{w.month:%Y-%m}"


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # "staff", "company" or "anonymous"
    url: object  # World -> str
    table: str  # a table the page lists rows from: its queries must read it
    shows: str = "names"  # "names": compound names of the world; else a callable World -> str


def _scorecards(name: str, *args) -> str:
    return reverse(f"scorecards:{name}", args=args)


PAGES = [
    # Setup
    Page("agreement_list", "staff", lambda w: _scorecards("agreement_list"), "agreement"),
    # Monthly reports
    Page(
        "report_list",
        "staff",
        lambda w: _scorecards("report_list") + f"?month={_month(w)}",
        "monthlyreport",
    ),
    Page("my_reports", "company", lambda w: _scorecards("my_reports"), "monthlyreport"),
    Page("reports_overdue", "staff", lambda w: _scorecards("reports_overdue"), "servicecontract"),
    # Inspections, complaints, rectifications, weekly feedback
    Page("inspection_list", "staff", lambda w: _scorecards("inspection_list"), "inspection"),
    Page("complaint_list", "staff", lambda w: _scorecards("complaint_list"), "complaint"),
    Page(
        "rectification_list",
        "staff",
        lambda w: _scorecards("rectification_list"),
        "rectification",
    ),
    Page(
        "rectification_inbox",
        "company",
        lambda w: _scorecards("rectification_inbox"),
        "rectification",
    ),
    Page(
        "feedback_list",
        "staff",
        lambda w: _scorecards("feedback_list"),
        "weeklyfeedback",
        shows=lambda w: w.company.name,
    ),
    Page(
        "feedback_list (company)",
        "company",
        lambda w: _scorecards("feedback_list"),
        "weeklyfeedback",
        shows=lambda w: w.company.name,
    ),
    Page(
        "feedback_detail",
        "company",
        lambda w: _scorecards("feedback_detail", w.feedback.pk),
        "rectification",
    ),
    # Scoring
    Page(
        "scoring_month",
        "staff",
        lambda w: _scorecards("scoring_month", w.community.pk, _month(w)),
        "scorecard",
    ),
    Page("scoring_home (company)", "company", lambda w: _scorecards("scoring_home"), "scorecard"),
    Page(
        "scoring_publication",
        "staff",
        lambda w: _scorecards("scoring_publication", w.publication.pk),
        "publicationentry",
    ),
    Page(
        "scoring_correct",
        "staff",
        lambda w: _scorecards("scoring_correct", w.publication.pk),
        "publicationentry",
    ),
    Page("scoring_appeals", "staff", lambda w: _scorecards("scoring_appeals"), "appeal"),
    Page(
        "scoring_appeals (company)",
        "company",
        lambda w: _scorecards("scoring_appeals"),
        "appeal",
    ),
    # Public pages
    Page(
        "public_latest",
        "anonymous",
        lambda w: _scorecards("public_latest", w.community.slug),
        "publicationentry",
    ),
    Page(
        "public_latest (logged in, not cached)",
        "staff",
        lambda w: _scorecards("public_latest", w.community.slug),
        "publicationentry",
    ),
    Page(
        "public_month",
        "anonymous",
        lambda w: _scorecards("public_month", w.community.slug, _month(w)),
        "publicationentry",
    ),
    Page(
        "public_archive",
        "anonymous",
        lambda w: _scorecards("public_archive", w.community.slug),
        "publication",
        shows=lambda w: _month(w),
    ),
    Page(
        "public_compound",
        "anonymous",
        lambda w: _scorecards("public_compound", w.community.slug, w.compounds[0].pk),
        "publicationentry",
    ),
    Page(
        "public_company",
        "anonymous",
        lambda w: _scorecards("public_company", w.community.slug, w.company.pk),
        "publicationentry",
    ),
    # Open data
    Page(
        "community document (redblack section)",
        "anonymous",
        lambda w: reverse("community_api", kwargs={"slug": w.community.slug}),
        "publication",
        shows=lambda w: f'"latest_month": "{_month(w)}"',
    ),
    Page(
        "api latest.json",
        "anonymous",
        lambda w: reverse("scorecards_api:latest_json", kwargs={"slug": w.community.slug}),
        "publicationentry",
    ),
    Page(
        "api latest.csv",
        "anonymous",
        lambda w: reverse("scorecards_api:latest_csv", kwargs={"slug": w.community.slug}),
        "publicationentry",
    ),
    Page(
        "api month.json",
        "anonymous",
        lambda w: reverse(
            "scorecards_api:month_json", kwargs={"slug": w.community.slug, "month": _month(w)}
        ),
        "publicationentry",
    ),
    Page(
        "api month.csv",
        "anonymous",
        lambda w: reverse(
            "scorecards_api:month_csv", kwargs={"slug": w.community.slug, "month": _month(w)}
        ),
        "publicationentry",
    ),
]


def _fresh() -> None:
    """Forget every rendering (the shared cache and this process's copies)."""
    cache.clear()
    public.forget_local()


def _client(w: World, role: str) -> Client:
    client = Client()
    if role == "staff":
        client.force_login(w.staff)
    elif role == "company":
        client.force_login(w.company_user)
    return client


def _measure(page: Page, w: World, *, warm: bool) -> tuple[int, list[str], str]:
    client = _client(w, page.role)
    url = page.url(w)
    if warm:
        # The process's first-use caches (content types, ...) fill here, not in a measurement.
        _fresh()
        response = client.get(url)
        assert response.status_code == 200, (page.name, url, response.status_code)
    _fresh()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (page.name, url, response.status_code)
    return len(queries), [q["sql"] for q in queries.captured_queries], response.content.decode()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_query_count_is_the_same_at_10_and_1000_compounds(worlds, page):
    counts = {}
    for size in SIZES:
        w = worlds[size]
        count, sqls, html = _measure(page, w, warm=size == SIZES[0])
        counts[size] = count
        # The page lists rows of its own world: not an empty page, not another world's.
        if page.shows == "names":
            assert w.names_in(html), (page.name, size, html[:2000])
        else:
            assert page.shows(w) in html, (page.name, size)
        other = worlds[SIZES[1] if size == SIZES[0] else SIZES[0]]
        assert not other.names_in(html), (page.name, size)
        # ... and read them from the database, not from a cached rendering.
        table = f"scorecards_{page.table}" if page.table != "servicecontract" else page.table
        assert any(table in sql for sql in sqls), (page.name, size, table)
    assert counts[SIZES[0]] == counts[SIZES[1]], (page.name, counts)


def test_the_large_world_lists_more_than_a_page(worlds):
    """The 1,000-compound world is big enough to page: the staff's list shows 50, not all."""
    w = worlds[1000]
    client = _client(w, "staff")
    html = client.get(_scorecards("inspection_list")).content.decode()
    assert 0 < len(w.names_in(html)) < w.size
    html = client.get(_scorecards("inspection_list") + "?page=2").content.decode()
    assert w.names_in(html)
