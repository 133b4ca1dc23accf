"""Pages for inspections, complaints, rectifications and the weekly feedback.

Who may do what (anonymous users are sent to log in everywhere; an account with no role, or a
committee member, gets 403):

| page | staff | grid worker | company user | committee member |
|---|---|---|---|---|
| inspections: list, record | their communities | their communities | 403 | 403 |
| inspection: detail, photos | their communities | their communities | of compounds it served that day (no notes, no inspector's name) | 403 |
| withdraw an inspection | yes | 403 | 403 | 403 |
| complaints: list, log, verify | their communities | their communities | 403 | 403 |
| rectifications: list with filters and ages | their communities | their communities | 403 | 403 |
| rectification: detail, photos | their communities | their communities | their company's | their compound's |
| their compound's rectifications | 403 | 403 | 403 | their compound's, by state |
| answer | 403 | 403 | their company's, when it is their turn | 403 |
| verify, reopen | yes | 403 | 403 | 403 |
| inbox | 403 | 403 | their company's items, overdue first, by state | 403 |
| weekly feedback: list, detail | companies serving their communities | 403 | their company's (opening marks it read) | 403 |

The company reads an inspection's findings and photos but not its notes: the model does not
mark the notes as shared with the company, so they stay the inspector's working notes, like the
names of community people, which only the community's own people see.

Objects are fetched through the selectors of ``scorecards.inspections`` and ``feedback``, so
another community's or another company's id answers 404 and changes nothing. Writes go through
one service each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.permissions import role_required
from tongde import exports, uploads
from tongde.once import submit_once
from tongde.pages import form_page, post_data

from . import feedback as feedback_services
from . import inspections, rules
from .forms_inspections import (
    AnswerForm,
    ComplaintFilter,
    ComplaintForm,
    FindingFormSet,
    InspectionFilter,
    InspectionForm,
    RectificationFilter,
    ReopenForm,
    VerifyComplaintForm,
    VerifyForm,
    WithdrawForm,
    _rubric_ids,
)
from .inspections import (
    ACTION_LABELS,
    COMPANY_TURN,
    can_answer,
    can_manage,
    complaint_list,
    inspection_list,
    is_company_user,
    is_internal,
    is_rectification_reader,
    is_staff_anywhere,
    rectification_events,
    rectification_list,
)
from .models import Complaint, Inspection, InspectionPhoto, Rectification

PAGE_SIZE = 50


internal_required = role_required(is_internal)
staff_required = role_required(is_staff_anywhere)
company_required = role_required(is_company_user)
reader_required = role_required(is_rectification_reader)
inspection_reader_required = role_required(lambda u: is_internal(u) or is_company_user(u))
committee_required = role_required(inspections.is_committee_member)
feedback_reader_required = role_required(lambda u: is_company_user(u) or is_staff_anywhere(u))


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = request.user
    context.setdefault("is_internal", is_internal(user))
    context.setdefault("is_company", is_company_user(user))
    context.setdefault("is_staff", is_staff_anywhere(user))
    context.setdefault("is_committee", inspections.is_committee_member(user))
    context.setdefault("today", timezone.localdate())
    context.setdefault("company_turn", COMPANY_TURN)
    return render(request, f"scorecards/inspections/{template}", context, status=status)


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _with_ages(rows: list[Rectification]) -> list[Rectification]:
    today = timezone.localdate()
    for row in rows:
        end = row.closed_on or today
        row.age_days = (end - row.created_on).days
        row.overdue = row.status in COMPANY_TURN and row.deadline_on < today
    return rows


def _action_page(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[Any], str],
    context: dict[str, Any],
    success: str | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        template="action_form.html",
        context=context,
        render_page=_render,
        success=success,
    )


# --- inspections -----------------------------------------------------------------------------------


def _inspections_sheet(rows: QuerySet[Inspection]) -> exports.Sheet:
    return exports.Sheet(
        _("Inspections"),
        [_("Inspected on"), _("Compound"), _("Inspector"), _("Findings"), _("Withdrawn")],
        (
            [
                i.inspected_on,
                i.compound.name,
                i.inspector.get_full_name() or i.inspector.get_username(),
                i.finding_count,
                _("yes") if i.is_withdrawn else _("no"),
            ]
            for i in rows.iterator(chunk_size=2000)
        ),
        widths={1: 16, 2: 12},
    )


@internal_required
def inspection_list_view(request: HttpRequest) -> HttpResponse:
    qs = (
        inspection_list(user=request.user)
        .annotate(finding_count=Count("findings"))
        .order_by("-inspected_on", "-pk")
    )
    filterset = InspectionFilter(request.GET, queryset=qs, request=request)
    if exports.wants_xlsx(request) and filterset.is_valid():
        return exports.xlsx_response(
            exports.dated_filename(_("Inspections")),
            [_inspections_sheet(filterset.qs)],
        )
    return _render(
        request,
        "inspection_list.html",
        {
            "filter": filterset,
            "page": _paginate(request, filterset.qs),
            "active": "inspections",
        },
    )


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_object_or_404(inspection_list(user=request.user), pk=pk)


@inspection_reader_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(inspections.inspection_readable_list(user=request.user), pk=pk)
    findings = inspection.findings.select_related(
        "criterion", "deduction_item", "veto_item", "rectification__company"
    )
    return _render(
        request,
        "inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "photos": inspection.photos.all(),
            "can_withdraw": can_manage(request.user, inspection.compound.community_id)
            and not inspection.is_withdrawn,
            # The notes and the inspector's name are the community's own (module docstring).
            "show_internal": is_internal(request.user),
            "active": "inspections" if is_internal(request.user) else "inbox",
        },
    )


@inspection_reader_required
def inspection_photo(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    photo = get_object_or_404(
        InspectionPhoto.objects.filter(
            inspection__in=inspections.inspection_readable_list(user=request.user)
        ),
        pk=pk,
    )
    field = {"image": photo.image, "thumb": photo.thumbnail}.get(which)
    if not field:
        raise Http404
    return FileResponse(uploads.stored_file(field))


def _spread_errors(exc: ValidationError, form: Any, finding_forms: list[Any]) -> None:
    """Put the service's refusal on the inspection form and on the finding block it names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key.startswith("finding."):
            _prefix, index, field = key.split(".", 2)
            target = finding_forms[int(index)]
            target.add_error(field if field in target.fields else None, errors)
        else:
            form.add_error(None if key == NON_FIELD_ERRORS else key, errors)


def _all_or_nothing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST in one transaction, rolled back unless it saved (a redirect). Its form makes this
    year's rubric before validating where there is none (``forms_inspections._rubric_ids``):
    a refused form must leave no rubric behind, a page shown never makes one."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with transaction.atomic():
            response = view(request, *args, **kwargs)
            if not isinstance(response, HttpResponseRedirect):
                transaction.set_rollback(True)
        return response

    return wrapper


@internal_required
@submit_once
@_all_or_nothing
def inspection_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = post_data(request)
    files = request.FILES if data is not None else None
    form = InspectionForm(data, files, user=user)
    formset = FindingFormSet(
        data,
        files,
        prefix="finding",
        form_kwargs={"rubric_ids": _rubric_ids(user, create=data is not None)},
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        filled = formset.filled_forms()
        try:
            inspection = inspections.inspection_record(
                compound=form.cleaned_data["compound"],
                day=form.cleaned_data["inspected_on"],
                inspector=user,
                notes=form.cleaned_data["notes"],
                photos=form.cleaned_data["photos"],
                findings=[
                    inspections.FindingInput(
                        criterion=f.cleaned_data["criterion"],
                        description=f.cleaned_data["description"],
                        deduction_item=f.cleaned_data.get("deduction_item"),
                        points=f.cleaned_data.get("points"),
                        veto_item=f.cleaned_data.get("veto_item"),
                        photo=f.cleaned_data.get("photo"),
                        deadline_on=f.cleaned_data.get("deadline_on"),
                    )
                    for f in filled
                ],
            )
        except ValidationError as exc:
            _spread_errors(exc, form, filled)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect("scorecards:inspection_detail", inspection.pk)
    status = 400 if request.method == "POST" else 200
    return _render(
        request,
        "inspection_form.html",
        {"form": form, "formset": formset, "active": "inspections"},
        status=status,
    )


@internal_required
def inspection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    inspection = _inspection(request, pk)
    if not can_manage(user, inspection.compound.community_id):
        raise PermissionDenied
    form = WithdrawForm(post_data(request))

    def save(form: WithdrawForm) -> str:
        inspections.inspection_withdraw(
            inspection=inspection, user=user, reason=form.cleaned_data["reason"]
        )
        return reverse("scorecards:inspection_detail", args=[inspection.pk])

    return _action_page(
        request,
        form,
        save=save,
        context={
            "title": _("Withdraw the inspection"),
            "submit_label": _("Withdraw the inspection"),
            "subject": inspection,
            "back": reverse("scorecards:inspection_detail", args=[inspection.pk]),
            "active": "inspections",
        },
    )


# --- complaints ------------------------------------------------------------------------------------


def _tell_if_counted_later(request: HttpRequest, complaint: Complaint) -> None:
    if notice := inspections.complaint_counted_later(complaint):
        messages.info(request, notice)


@internal_required
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    qs = (
        complaint_list(user=request.user)
        .annotate(finding_count=Count("findings"), counted_on=Min("findings__found_on"))
        .order_by("-received_on", "-pk")
    )
    filterset = ComplaintFilter(request.GET, queryset=qs, request=request)
    page = _paginate(request, filterset.qs)
    for complaint in page.object_list:
        counted_on = complaint.counted_on
        moved = counted_on and rules.counts_in_later_month(complaint.received_on, counted_on)
        complaint.counted_later_in = counted_on if moved else None
    return _render(
        request,
        "complaint_list.html",
        {"filter": filterset, "page": page, "active": "complaints"},
    )


@internal_required
@submit_once
@_all_or_nothing
def complaint_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ComplaintForm(post_data(request), user=user)

    def save(form: ComplaintForm) -> str:
        data = form.cleaned_data
        item = data.get("deduction_item")
        complaint = inspections.complaint_log(
            compound=data["compound"],
            received_on=data["received_on"],
            channel=data["channel"],
            summary=data["summary"],
            complainant_contact=data["complainant_contact"],
            is_collective=data["is_collective"],
            verified=data["verified"],
            criterion=item.criterion if item else None,
            deduction_item=item,
            points=data.get("points"),
            deadline_on=data.get("deadline_on"),
            user=user,
        )
        _tell_if_counted_later(request, complaint)
        return reverse("scorecards:complaint_list")

    return _action_page(
        request,
        form,
        save=save,
        context={
            "title": _("Log a complaint"),
            "submit_label": _("Log the complaint"),
            "back": reverse("scorecards:complaint_list"),
            "active": "complaints",
        },
    )


@internal_required
@_all_or_nothing
def complaint_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    complaint: Complaint = get_object_or_404(complaint_list(user=user), pk=pk)
    form = VerifyComplaintForm(post_data(request), user=user)

    def save(form: VerifyComplaintForm) -> str:
        data = form.cleaned_data
        item = data.get("deduction_item")
        inspections.complaint_verify(
            complaint=complaint,
            user=user,
            criterion=item.criterion if item else None,
            deduction_item=item,
            points=data.get("points"),
            deadline_on=data.get("deadline_on"),
        )
        _tell_if_counted_later(request, complaint)
        return reverse("scorecards:complaint_list")

    return _action_page(
        request,
        form,
        save=save,
        context={
            "title": _("Verify the complaint"),
            "submit_label": _("Verify the complaint"),
            "subject": complaint,
            "summary": complaint.summary,
            "back": reverse("scorecards:complaint_list"),
            "active": "complaints",
        },
    )


# --- rectifications --------------------------------------------------------------------------------


def _rectifications_sheet(rows: QuerySet[Rectification]) -> exports.Sheet:
    """The filtered items as staff pass them on (to a company, to a meeting): one row each, with
    the deadline, the age and whether it is overdue, as the page shows them."""
    today = timezone.localdate()

    def source(r: Rectification) -> str:
        if r.finding_id:
            return r.finding.criterion.display_name
        return _("patrol") if r.problem_id else ""

    def line(r: Rectification) -> list[Any]:
        overdue = r.status in COMPANY_TURN and r.deadline_on < today
        return [
            r.created_on,
            r.compound.name,
            r.company.name,
            source(r),
            r.description,
            r.get_status_display(),
            r.deadline_on,
            r.closed_on,
            ((r.closed_on or today) - r.created_on).days,
            _("yes") if overdue else _("no"),
        ]

    return exports.Sheet(
        _("Rectification items"),
        [
            _("Raised on"),
            _("Compound"),
            _("Property company"),
            _("Criterion"),
            _("What to put right"),
            _("Status"),
            _("Deadline"),
            _("Closed on"),
            _("Age (days)"),
            _("Overdue"),
        ],
        (line(r) for r in rows.iterator(chunk_size=2000)),
        widths={1: 16, 2: 28, 3: 18, 4: 48},
        wrap=(4,),
    )


@internal_required
def rectification_list_view(request: HttpRequest) -> HttpResponse:
    qs = rectification_list(user=request.user).order_by("deadline_on", "pk")
    filterset = RectificationFilter(request.GET, queryset=qs, request=request)
    if exports.wants_xlsx(request) and filterset.is_valid():
        # Every item the filters select, not one page.
        return exports.xlsx_response(
            exports.dated_filename(_("Rectification items")),
            [_rectifications_sheet(filterset.qs)],
        )
    page = _paginate(request, filterset.qs)
    _with_ages(page.object_list)
    return _render(
        request,
        "rectification_list.html",
        {
            "filter": filterset,
            "page": page,
            "active": "rectifications",
            "filter_summary": filterset.summary(),
            # Anything asked for beyond the default (items not yet closed) can be cleared.
            "is_filtered": any(key in request.GET for key in filterset.filters),
        },
    )


INBOX_STATES = (
    inspections.STATE_UNFINISHED,
    inspections.STATE_TURN,
    inspections.STATE_OVERDUE,
    inspections.STATE_ANSWERED,
    inspections.STATE_CLOSED,
)


@company_required
def rectification_inbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("show", "")
    if state not in INBOX_STATES:
        state = inspections.STATE_UNFINISHED
    page = _paginate(request, inspections.inbox(user=request.user, state=state))
    _with_ages(page.object_list)
    return _render(
        request,
        "inbox.html",
        {
            "page": page,
            "active": "inbox",
            "state": state,
            "closed": state == inspections.STATE_CLOSED,
            "counts": inspections.inbox_counts(user=request.user),
        },
    )


COMMITTEE_STATES = (
    inspections.STATE_UNFINISHED,
    inspections.STATE_OVERDUE,
    inspections.STATE_CLOSED,
)


@committee_required
def committee_rectifications(request: HttpRequest) -> HttpResponse:
    """An owners' committee member's compound: the items raised for its company and the
    company's answers (each item opens read only)."""
    state = request.GET.get("show", "")
    if state not in COMMITTEE_STATES:
        state = inspections.STATE_UNFINISHED
    qs = inspections.committee_rectification_list(user=request.user, state=state)
    page = _paginate(request, qs)
    _with_ages(page.object_list)
    return _render(
        request,
        "committee_rectifications.html",
        {"page": page, "state": state, "active": "committee"},
    )


def _rectification(request: HttpRequest, pk: int) -> Rectification:
    return get_object_or_404(rectification_list(user=request.user), pk=pk)


@reader_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rect = _rectification(request, pk)
    _with_ages([rect])
    manage = can_manage(user, rect.compound.community_id)
    events = list(rectification_events(rect))
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
    return _render(
        request,
        "rectification_detail.html",
        {
            "rect": rect,
            "events": events,
            # Names of community people are for the community's own eyes.
            "show_names": is_internal(user),
            "can_answer": can_answer(user, rect) and rect.status in COMPANY_TURN,
            "can_verify": manage and rect.status == Rectification.Status.ANSWERED,
            "can_reopen": manage and rect.status == Rectification.Status.ANSWERED,
            "active": "rectifications"
            if is_internal(user)
            else "inbox"
            if is_company_user(user)
            else "committee",
            "inspection_readable": is_internal(user) or can_answer(user, rect),
        },
    )


@reader_required
def rectification_photo(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """Photos go through here, not a public media URL: the item's readers only."""
    rect = _rectification(request, pk)
    field = None
    if which == "answer":
        field = rect.answer_photo
    elif which == "finding" and rect.finding_id:
        field = rect.finding.photo
    elif which == "problem" and rect.problem_id:
        field = rect.problem.photo
    if not field:
        raise Http404
    return FileResponse(uploads.stored_file(field))


def _rect_action(
    request: HttpRequest,
    rect: Rectification,
    form: Any,
    *,
    save: Callable[[Any], str],
    title: str,
    submit_label: str | None = None,
    success: str | None = None,
) -> HttpResponse:
    """The page of an action on a rectification item; its button says what it does (the title
    unless ``submit_label`` says it better). The deadline shows above the form: whoever answers
    or verifies sees at once whether the item is late."""
    back = reverse("scorecards:rectification_detail", args=[rect.pk])
    return _action_page(
        request,
        form,
        save=save,
        context={
            "title": title,
            "submit_label": submit_label or title,
            "subject": rect.compound,
            "summary": rect.description,
            "deadline_on": rect.deadline_on,
            "is_overdue": rect.is_overdue(),
            "back": back,
            "active": "rectifications",
        },
        success=success,
    )


@reader_required
def rectification_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rect = _rectification(request, pk)
    if not can_answer(user, rect):
        raise PermissionDenied
    if rect.status not in inspections.COMPANY_TURN:
        # Said before anything is typed or a photo chosen: answered already, or closed.
        messages.info(request, inspections.NOT_ANSWERABLE % {"status": rect.get_status_display()})
        return redirect("scorecards:rectification_detail", pk=rect.pk)
    form = AnswerForm(post_data(request), request.FILES or None)

    def save(form: AnswerForm) -> str:
        inspections.rectification_answer(
            rectification=rect,
            user=user,
            answer=form.cleaned_data["answer"],
            photo=form.cleaned_data["photo"],
        )
        return reverse("scorecards:rectification_detail", args=[rect.pk])

    return _rect_action(
        request,
        rect,
        form,
        save=save,
        title=_("Answer the rectification item"),
        submit_label=_("Send the answer"),
        success=_("Your answer was sent: the community checks the work and then closes the item."),
    )


@reader_required
def rectification_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rect = _rectification(request, pk)
    if not can_manage(user, rect.compound.community_id):
        raise PermissionDenied
    form = VerifyForm(post_data(request))

    def save(form: VerifyForm) -> str:
        inspections.rectification_verify(
            rectification=rect, user=user, note=form.cleaned_data["note"]
        )
        return reverse("scorecards:rectification_detail", args=[rect.pk])

    return _rect_action(request, rect, form, save=save, title=_("Verify and close"))


@reader_required
def rectification_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rect = _rectification(request, pk)
    if not can_manage(user, rect.compound.community_id):
        raise PermissionDenied
    form = ReopenForm(post_data(request))

    def save(form: ReopenForm) -> str:
        inspections.rectification_reopen(
            rectification=rect,
            user=user,
            reason=form.cleaned_data["reason"],
            deadline_on=form.cleaned_data["deadline_on"],
        )
        return reverse("scorecards:rectification_detail", args=[rect.pk])

    return _rect_action(request, rect, form, save=save, title=_("Send back to the company"))


# --- weekly feedback -------------------------------------------------------------------------------


@feedback_reader_required
def feedback_list_view(request: HttpRequest) -> HttpResponse:
    qs = feedback_services.feedback_list(user=request.user).order_by("-week_start", "company")
    return _render(
        request, "feedback_list.html", {"page": _paginate(request, qs), "active": "feedback"}
    )


@feedback_reader_required
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(feedback_services.feedback_list(user=request.user), pk=pk)
    feedback_services.feedback_mark_read(item, user=request.user)
    context = feedback_services.feedback_context(item)
    return _render(request, "feedback_detail.html", {**context, "active": "feedback"})


urlpatterns = [
    path("inspections/", inspection_list_view, name="inspection_list"),
    path("inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/withdraw/", inspection_withdraw, name="inspection_withdraw"),
    path("inspections/photos/<int:pk>/<str:which>/", inspection_photo, name="inspection_photo"),
    path("complaints/", complaint_list_view, name="complaint_list"),
    path("complaints/new/", complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/verify/", complaint_verify, name="complaint_verify"),
    path("rectifications/", rectification_list_view, name="rectification_list"),
    path("rectifications/inbox/", rectification_inbox, name="rectification_inbox"),
    path("rectifications/compound/", committee_rectifications, name="committee_rectifications"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<int:pk>/photo/<str:which>/",
        rectification_photo,
        name="rectification_photo",
    ),
    path("rectifications/<int:pk>/answer/", rectification_answer, name="rectification_answer"),
    path("rectifications/<int:pk>/verify/", rectification_verify, name="rectification_verify"),
    path("rectifications/<int:pk>/reopen/", rectification_reopen, name="rectification_reopen"),
    path("feedback/", feedback_list_view, name="feedback_list"),
    path("feedback/<int:pk>/", feedback_detail, name="feedback_detail"),
]
