"""Monthly report pages.

Who may do what (tests/scorecards/test_reports_views.py holds the full table):
- a property-company user files, edits and submits its company's reports for the compounds it
  served that month, and reads its own reports ("my reports"); another company's report or
  attachment answers 404 and nothing changes;
- community staff read every report of their communities, accept or return them with a comment,
  and see the month's list (with compounds whose report is missing) and the late-and-missing
  panel (``scorecards:reports_overdue``);
- a committee member reads the submitted and accepted reports of the committee's compound (not
  drafts nor reports returned to the company) at ``scorecards:committee_reports``, with the
  compound's agreements; another compound's report answers 404;
- grid workers and residents get 403; anonymous visitors the login page.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compounds import selectors as registry
from compounds.models import Compound, ServiceContract
from compounds.permissions import registry_reader_required, role_required, staff_required
from tongde import concurrency, uploads
from tongde.pages import add_service_errors, note_files_not_kept, post_data

from . import agreements, inspections, reports
from .forms_reports import ReportFilter, ReportForm, ReviewForm, parse_month
from .models import (
    CommitmentStatus,
    MonthlyReport,
    ReportAttachment,
    ScoringSettings,
    month_start,
    next_month,
    previous_month,
)
from .scoring import scoring_communities

PAGE_SIZE = 50
MY_MONTHS = 12
EDITABLE = (MonthlyReport.Status.DRAFT, MonthlyReport.Status.RETURNED)

committee_required = role_required(inspections.is_committee_member)


def _months_back(last: dt.date, n: int) -> list[dt.date]:
    months = [last]
    for _i in range(n - 1):
        months.append(previous_month(months[-1]))
    return months


def _company_ids(request: HttpRequest) -> set[int]:
    ids = registry.company_ids(request.user)
    if not ids:
        raise PermissionDenied
    return ids


def _due_days(community_ids: set[int], years: set[int]) -> dict[tuple[int, int], tuple[int, int]]:
    rows = ScoringSettings.objects.filter(community_id__in=community_ids, year__in=years)
    return {
        (r.community_id, r.year): (r.report_due_day, r.report_grace_days)
        for r in rows.only("community_id", "year", "report_due_day", "report_grace_days")
    }


def _defaults() -> tuple[int, int]:
    meta = ScoringSettings._meta
    return meta.get_field("report_due_day").default, meta.get_field("report_grace_days").default


# --- Company ------------------------------------------------------------------------------------


@registry_reader_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """A company's compounds and finished months: report status, due date and timeliness."""
    companies = _company_ids(request)
    today = timezone.localdate()
    years = _report_years(companies, today)
    year = request.GET.get("year", "")
    if year.isdigit() and int(year) in years:
        # A whole year, for reports older than the last twelve months.
        year = int(year)
        last = min(previous_month(today), dt.date(year, 12, 1))
        months = _months_back(last, last.month)
    else:
        year = None
        months = _months_back(previous_month(today), MY_MONTHS)
    first, last_end = months[-1], next_month(months[0]) - dt.timedelta(days=1)
    contracts = list(
        ServiceContract.objects.filter(company_id__in=companies, starts_on__lte=last_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .select_related("compound", "company")
        .order_by("compound__name", "compound_id", "-starts_on")
    )
    found = {
        (r.compound_id, r.month): r
        for r in MonthlyReport.objects.filter(
            company_id__in=companies, month__gte=first, month__lte=months[0]
        ).only("pk", "compound_id", "month", "status", "first_submitted_at", "company_id")
    }
    settings = _due_days({c.compound.community_id for c in contracts}, {m.year for m in months})
    default = _defaults()
    rows = []
    for month in months:
        end = next_month(month) - dt.timedelta(days=1)
        seen: set[int] = set()
        for contract in contracts:
            if contract.compound_id in seen:
                continue
            if contract.starts_on > end or (contract.ends_on and contract.ends_on < month):
                continue
            seen.add(contract.compound_id)
            due_day, grace = settings.get((contract.compound.community_id, month.year), default)
            due_on = reports.report_due_on(month, due_day=due_day)
            report = found.get((contract.compound_id, month))
            status = reports.compliance_of(
                report.first_submitted_at if report else None,
                due_on=due_on,
                missing_after=due_on + dt.timedelta(days=grace),
                today=today,
            )
            rows.append(
                {
                    "compound": contract.compound,
                    "company": contract.company,
                    "month": month,
                    "report": report,
                    "due_on": due_on,
                    "compliance": status,
                    "compliance_label": reports.compliance_text(
                        status, is_submitted=bool(report and report.first_submitted_at)
                    ),
                    "is_late": status in (reports.Compliance.LATE, reports.Compliance.MISSING),
                }
            )
    # Newest month first, so the reports to file now are on the first page.
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scorecards/reports/mine.html",
        {"rows": page, "page": page, "years": years, "year": year},
    )


def _report_years(companies: set[int], today: dt.date) -> list[int]:
    """The years with a finished month under one of the companies' contracts, newest first."""
    began = (
        ServiceContract.objects.filter(company_id__in=companies)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    last = previous_month(today).year
    if began is None:
        return []
    return list(range(last, max(began.year, last - 30) - 1, -1))


def _fileable_compound(request: HttpRequest, pk: int) -> Compound:
    """A compound one of the user's companies served in the last year (else 404)."""
    companies = _company_ids(request)
    since = month_start(timezone.localdate()) - dt.timedelta(days=400)
    served = ServiceContract.objects.filter(company_id__in=companies).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=since)
    )
    return get_object_or_404(
        Compound.objects.select_related("community").filter(pk__in=served.values("compound_id")),
        pk=pk,
    )


@registry_reader_required
def report_create(request: HttpRequest, compound_pk: int) -> HttpResponse:
    compound = _fileable_compound(request, compound_pk)
    companies = _company_ids(request)
    today = timezone.localdate()
    asked = parse_month(request.GET.get("month"))
    if request.method == "GET" and asked:
        refusal = reports.month_refusal(
            compound=compound, company_ids=companies, month=asked, today=today
        )
        if refusal:
            messages.error(request, refusal)
            return redirect("scorecards:my_reports")
    month = (
        parse_month(request.POST.get("month"))
        or asked
        or reports.month_to_file(compound=compound, company_ids=companies, today=today)
    )
    form = ReportForm(
        post_data(request),
        request.FILES or None,
        commitments=reports.commitments_for(compound.pk, month),
        initial={"month": month},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = reports.report_create(
                    compound=compound,
                    month=form.cleaned_data["month"],
                    by=request.user,
                    company_ids=companies,
                    data=form.data_dict(),
                    statuses=form.statuses(),
                    photos=form.cleaned_data["photos"],
                    docs=form.cleaned_data["documents"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if _submit_asked(request):
                    return _submit_after_save(request, report)
                messages.success(request, _("Saved as a draft: submit it when it is complete."))
                return redirect("scorecards:report_detail", report.pk)
        status = 400
        note_files_not_kept(request, form)
    return render(
        request,
        "scorecards/reports/form.html",
        {
            "form": form,
            "compound": compound,
            "month": month,
            "report": None,
            "deadline": reports.report_deadline(compound.pk, month, today=today),
        },
        status=status,
    )


def _submit_asked(request: HttpRequest) -> bool:
    return request.POST.get("and_submit") == "1"


def _submit_after_save(request: HttpRequest, report: MonthlyReport) -> HttpResponse:
    """ "Save and submit": the draft is saved whatever happens; a refused submission is said on
    the report's page, where it can be completed and submitted."""
    try:
        reports.report_submit(report=report, by=request.user)
    except ValidationError as exc:
        why = " ".join(exc.messages)
        messages.warning(request, _("Saved as a draft, but not submitted: %(why)s") % {"why": why})
    else:
        messages.success(request, _("Saved and submitted to the community."))
    return redirect("scorecards:report_detail", report.pk)


def _visible(request: HttpRequest, pk: int) -> MonthlyReport:
    return get_object_or_404(reports.report_list(user=request.user), pk=pk)


def _own(request: HttpRequest, pk: int) -> MonthlyReport:
    """A report of the user's company (404 for another's; 403 for staff, who read only)."""
    report = _visible(request, pk)
    if not reports.is_filer(request.user, report):
        raise PermissionDenied
    return report


def _report_links(report: MonthlyReport) -> dict[str, concurrency.Link]:
    # The commitments' statuses are written from the same form: a colleague's statuses would
    # be overwritten by the ones shown here. Attachments are left out: a save adds its own
    # files and removes only the ones ticked, so it never undoes another's.
    return {"commitment_statuses": concurrency.rows(CommitmentStatus.objects.filter(report=report))}


@registry_reader_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own(request, pk)
    if report.status not in EDITABLE:
        # No form to fill that could only be refused: back to the report, said once.
        messages.error(request, reports.NOT_EDITABLE % {"status": report.get_status_display()})
        return redirect("scorecards:report_detail", report.pk)
    statuses = {s.commitment_id: s for s in report.commitment_statuses.all()}
    form = ReportForm(
        post_data(request),
        request.FILES or None,
        commitments=reports.commitments_for(report.compound_id, report.month),
        statuses=statuses,
        fixed_month=True,
        initial=ReportForm.initial_from(report),
    )
    links = partial(_report_links, report)
    concurrency.add_fields(form, row=report, links=links)
    attachments = list(report.attachments.filter(is_removed=False))
    # The files ticked for removal stay ticked when the form comes back with an error.
    remove = [int(x) for x in request.POST.getlist("remove") if x.isascii() and x.isdigit()]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                concurrency.save_unless_changed(
                    form,
                    row=report,
                    links=links,
                    save=lambda: reports.report_update(
                        report=report,
                        by=request.user,
                        data=form.data_dict(),
                        statuses=form.statuses(),
                        photos=form.cleaned_data["photos"],
                        docs=form.cleaned_data["documents"],
                        remove_attachments=remove,
                    ),
                )
            except concurrency.ChangedMeanwhile:
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if _submit_asked(request):
                    return _submit_after_save(request, report)
                messages.success(request, _("Saved."))
                return redirect("scorecards:report_detail", report.pk)
        note_files_not_kept(request, form)
    return render(
        request,
        "scorecards/reports/form.html",
        {
            "form": form,
            "compound": report.compound,
            "month": report.month,
            "report": report,
            "deadline": reports.report_deadline(report.compound_id, report.month),
            "attachments": attachments,
            "removing": remove,
        },
        status=status,
    )


@registry_reader_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own(request, pk)
    try:
        reports.report_submit(report=report, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Submitted to the community."))
    return redirect("scorecards:report_detail", report.pk)


@registry_reader_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    can_review = reports.can_review(request.user, report)
    review = ReviewForm(post_data(request) if can_review else None)
    status = 200
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        if review.is_valid():
            action, comment = review.cleaned_data["action"], review.cleaned_data["comment"]
            try:
                if action == "accept":
                    reports.report_accept(report=report, by=request.user, comment=comment)
                else:
                    reports.report_return(report=report, by=request.user, comment=comment)
            except ValidationError as exc:
                add_service_errors(review, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("scorecards:report_detail", report.pk)
        status = 400
    compliance = reports.report_compliance_rows([report.compound_id], report.month)[
        report.compound_id
    ]
    is_filer = reports.is_filer(request.user, report)
    agreement = reports.agreement_of(report)
    events = list(report.events.select_related("by"))
    for event in events:
        event.label = reports.event_label(event.action)
    return render(
        request,
        "scorecards/reports/detail.html",
        {
            "report": report,
            "statuses": list(report.commitment_statuses.select_related("commitment")),
            "attachments": list(report.attachments.filter(is_removed=False)),
            "events": events,
            # The people behind each step are for the community and the company, not the
            # owners' committee.
            "show_names": is_filer or can_review,
            "agreement": agreement,
            "agreement_readable": agreement is not None
            and agreements.can_read_agreement(request.user, agreement),
            "compliance": compliance,
            "can_review": can_review and report.status == MonthlyReport.Status.SUBMITTED,
            "is_filer": is_filer,
            "is_editable": report.status in EDITABLE,
            "review": review,
        },
        status=status,
    )


@registry_reader_required
def report_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(
        ReportAttachment.objects.filter(
            report__in=reports.report_list(user=request.user), is_removed=False
        ),
        pk=pk,
    )
    field = attachment.thumbnail if request.GET.get("thumb") and attachment.thumbnail else None
    field = field or attachment.file
    response = FileResponse(
        uploads.stored_file(field), content_type=uploads.content_type(field.name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Owners' committee --------------------------------------------------------------------------


@committee_required
def committee_reports(request: HttpRequest) -> HttpResponse:
    """A committee member's compound: the company's filed monthly reports, newest first, and the
    compound's agreements with their service commitments."""
    page = Paginator(reports.committee_report_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    agreement_rows = agreements.agreement_list(user=request.user).filter(
        compound_id__in=registry.committee_compound_ids(request.user)
    )
    return render(
        request,
        "scorecards/reports/committee.html",
        {
            "page": page,
            "agreements": list(agreement_rows.order_by("-year", "compound__name")[:10]),
        },
    )


# --- Staff --------------------------------------------------------------------------------------


@staff_required
def report_list(request: HttpRequest) -> HttpResponse:
    """One community's month: every compound under contract, its report (or none) and timeliness."""
    communities = scoring_communities(request.user)
    if not communities:
        raise PermissionDenied
    community = next(
        (c for c in communities if c.slug == request.GET.get("community")), communities[0]
    )
    today = timezone.localdate()
    form = ReportFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    month = filters.get("month") or previous_month(today)
    end = next_month(month) - dt.timedelta(days=1)
    contracts = ServiceContract.objects.filter(
        compound__community=community, starts_on__lte=end
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=month))
    if filters.get("compound"):
        contracts = contracts.filter(compound__name__icontains=filters["compound"])
    serving: dict[int, ServiceContract] = {}
    for contract in contracts.select_related("compound", "company").order_by(
        "compound__name", "compound_id", "-starts_on"
    ):
        serving.setdefault(contract.compound_id, contract)
    compliance = reports.report_compliance_rows(serving, month, today=today)
    found = {
        r.compound_id: r
        for r in MonthlyReport.objects.filter(compound_id__in=list(serving), month=month)
    }
    rows = []
    for pk, contract in serving.items():
        report = found.get(pk)
        row = compliance[pk]
        if filters.get("status") == "none" and report is not None:
            continue
        if filters.get("status") not in (None, "", "none") and (
            report is None or report.status != filters["status"]
        ):
            continue
        if filters.get("timeliness") and row.status != filters["timeliness"]:
            continue
        rows.append(
            {
                "compound": contract.compound,
                "company": contract.company,
                "report": report,
                "compliance": row,
            }
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scorecards/reports/list.html",
        {
            "filter": form,
            "page": page,
            "month": month,
            "community": community,
            "communities": communities,
        },
    )


@staff_required
def reports_overdue(request: HttpRequest) -> HttpResponse:
    """The staff dashboard panel: late and missing reports of the last three months."""
    today = timezone.localdate()
    communities = scoring_communities(request.user)
    late = reports.late_and_missing_by_community(communities, today)
    panels = [{"community": c, "rows": late[c.pk]} for c in communities]
    return render(request, "scorecards/reports/overdue.html", {"panels": panels, "today": today})


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/mine/", my_reports, name="my_reports"),
    path("reports/overdue/", reports_overdue, name="reports_overdue"),
    path("reports/compound/", committee_reports, name="committee_reports"),
    path("reports/new/<int:compound_pk>/", report_create, name="report_create"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/attachments/<int:pk>/", report_attachment, name="report_attachment"),
]
