"""Pages for meetings and trainings and for the regulations library.

Who may do what (tests/campaigns/test_views_meetings.py holds the full table):
- staff of the community record and edit meetings, decisions, regulations, versions and
  consultation opinions; grid workers read all of it;
- property-company users and committee members read the joint meetings of their compounds'
  communities (other meetings answer 404) and the regulations library in full;
- the public (and an account without a role) sees meeting counts by kind and period, and the
  library's titles, versions, dates and adopting compounds, never opinions, minutes or files;
- an object outside the user's scope answers 404 (fetched through ``selectors_meetings``); an
  object in scope that the user may only read answers 403 on its edit pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compounds.models import Compound
from compounds.permissions import registry_reader_required, staff_required
from tongde import concurrency, uploads
from tongde.once import submit_once
from tongde.pages import add_service_errors, form_page, post_data
from tongde.periods import PeriodKind

from . import meetings, regulations
from . import selectors_meetings as selectors
from .forms_meetings import (
    AttendanceFormSet,
    DecisionDoneForm,
    DecisionFormSet,
    MeetingFilter,
    MeetingForm,
    OpinionAnswerForm,
    OpinionForm,
    PeriodCountsForm,
    RegulationFilter,
    RegulationForm,
    VersionForm,
    attendance_rows,
    decision_rows,
)
from .models import Meeting, Regulation, RegulationOpinion, RegulationVersion

PAGE_SIZE = 50
FORM_TEMPLATE = "campaigns/regulation_form.html"


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _require_edit(user, community_id: int) -> None:
    if not selectors.can_edit(user, community_id):
        raise PermissionDenied


def _editable_communities(user):
    return selectors.editable_communities(user=user)


def _file_response(field, filename: str) -> FileResponse:
    response = FileResponse(
        uploads.stored_file(field),
        content_type=uploads.content_type(field.name),
        as_attachment=False,
        filename=filename + "." + field.name.rsplit(".", 1)[-1],
    )
    # The stored type was checked on upload; never let a browser guess another one.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Meetings ----------------------------------------------------------------------------------------


@registry_reader_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    qs = selectors.annotate_meetings(selectors.meeting_list(user=user), today=today).order_by(
        "-held_on", "-pk"
    )
    filterset = MeetingFilter(request.GET, queryset=qs, request=request)
    context = {
        "filter": filterset,
        "page": _paginate(request, filterset.qs),
        "counts": [
            {"kind": kind, "label": Meeting.Kind(kind).label, "n": n}
            for kind, n in selectors.meeting_kind_counts(filterset.qs).items()
        ],
        "can_create": selectors.editable_community_ids(user) != set(),
        "is_internal": selectors.is_internal(user),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "campaigns/_meeting_rows.html", context)
    return render(request, "campaigns/meeting_list.html", context)


def meeting_counts(request: HttpRequest) -> HttpResponse:
    """Public: how many meetings of each kind by year, quarter or month (counts only)."""
    form = PeriodCountsForm(request.GET or None)
    by, community = PeriodKind.YEAR, None
    if form.is_valid():
        by = PeriodKind(form.cleaned_data["by"] or PeriodKind.YEAR)
        community = form.cleaned_data["community"]
    qs = Meeting.objects.all()
    if community is not None:
        qs = qs.filter(community=community)
    rows = selectors.meeting_period_counts(qs, kind=by)
    kinds = [{"kind": k, "label": label} for k, label in Meeting.Kind.choices]
    for row in rows:
        row["cells"] = [row["counts"][k["kind"]] for k in kinds]
    return render(
        request,
        "campaigns/meeting_counts.html",
        {"form": form, "rows": rows, "kinds": kinds, "by": by, "community": community},
    )


@registry_reader_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    meeting = get_object_or_404(selectors.meeting_list(user=user), pk=pk)
    today = timezone.localdate()
    decisions = list(meeting.decisions.all())
    for decision in decisions:
        decision.is_overdue = bool(
            decision.done_on is None and decision.due_on and decision.due_on < today
        )
    attendance = list(meeting.attendance.order_by("organisation", "name"))
    can_edit = selectors.can_edit(user, meeting.community_id)
    return render(
        request,
        "campaigns/meeting_detail.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "persons": sum(a.persons for a in attendance),
            "decisions": decisions,
            "can_edit": can_edit,
            "history": selectors.meeting_history(meeting) if can_edit else None,
            "is_internal": selectors.is_internal(user),
            "today": today,
        },
    )


def _meeting_page(request: HttpRequest, *, meeting: Meeting | None, communities) -> HttpResponse:
    """The meeting form with its attendance and decision rows: one service call on a valid
    POST, the service's refusal shown on the form (status 400) otherwise."""
    data = post_data(request)
    files = request.FILES if request.method == "POST" else None
    if meeting is None:
        initial = {"held_on": timezone.localdate()}
        attendance_initial: list[dict[str, Any]] = []
        decision_initial: list[dict[str, Any]] = []
    else:
        initial = {
            "kind": meeting.kind,
            "held_on": meeting.held_on,
            "title": meeting.title,
            "agenda": meeting.agenda,
        }
        attendance_initial = list(
            meeting.attendance.order_by("pk").values("organisation", "name", "persons")
        )
        decision_initial = list(
            meeting.decisions.values("pk", "text", "responsible", "due_on", "done_on")
        )
    form = MeetingForm(
        data,
        files,
        communities=communities,
        has_minutes=bool(meeting and meeting.minutes),
        initial=initial,
    )
    attendance = AttendanceFormSet(data, prefix="attendance", initial=attendance_initial)
    decisions = DecisionFormSet(data, prefix="decisions", initial=decision_initial)
    links = None if meeting is None else (lambda: _meeting_links(meeting))
    concurrency.add_fields(form, row=meeting, links=links)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and all(
        [form.is_valid(), attendance.is_valid(), decisions.is_valid()]
    ):
        cleaned = dict(form.cleaned_data)
        cleaned.pop("community", None)
        concurrency.pop_tokens(cleaned)
        minutes = cleaned.pop("minutes", None) or None
        try:
            saved = concurrency.save_unless_changed(
                form,
                row=meeting,
                links=links,
                save=lambda: _meeting_save(
                    request, form, meeting, cleaned, minutes, attendance, decisions
                ),
            )
        except concurrency.ChangedMeanwhile:
            status = 409
        except ValidationError as exc:
            _meeting_errors(form, attendance, decisions, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("campaigns:meeting_detail", pk=saved.pk)
    return render(
        request,
        "campaigns/meeting_form.html",
        {
            "form": form,
            "attendance": attendance,
            "decisions": decisions,
            "formsets": [attendance, decisions],
            "formset_errors": attendance.total_error_count() + decisions.total_error_count(),
            "meeting": meeting,
            "title": _("Edit meeting") if meeting else _("Record a meeting"),
            "cancel_url": (
                reverse("campaigns:meeting_detail", args=[meeting.pk])
                if meeting
                else reverse("campaigns:meeting_list")
            ),
        },
        status=status,
    )


def _meeting_links(meeting: Meeting) -> dict[str, concurrency.Link]:
    """The meeting's rows the edit form shows below it. Decisions are locked too: marking one
    done locks the decision, not the meeting."""
    attendance = list(meeting.attendance.order_by("pk"))
    decisions = list(concurrency.locking(meeting.decisions.order_by("pk")))
    return {
        "attendance": concurrency.Link(
            [[a.organisation, a.name, a.persons] for a in attendance],
            concurrency.names(attendance),
            _("Attendance by organisation"),
        ),
        "decisions": concurrency.Link(
            [[d.pk, d.text, d.responsible, d.due_on, d.done_on] for d in decisions],
            concurrency.names(decisions),
            _("Decisions"),
        ),
    }


def _meeting_save(
    request: HttpRequest,
    form: MeetingForm,
    meeting: Meeting | None,
    cleaned: dict[str, Any],
    minutes: Any,
    attendance: Any,
    decisions: Any,
) -> Meeting:
    if meeting is None:
        community = form.chosen_community()
        _require_edit(request.user, community.pk)
        return meetings.meeting_create(
            community=community,
            data=cleaned,
            attendance=attendance_rows(attendance),
            decisions=decision_rows(decisions),
            minutes=minutes,
            user=request.user,
        )
    return meetings.meeting_update(
        meeting=meeting,
        data=cleaned,
        attendance=attendance_rows(attendance),
        decisions=decision_rows(decisions),
        minutes=minutes,
        clear_minutes=cleaned.get("clear_minutes", False),
        user=request.user,
    )


def _meeting_errors(form, attendance, decisions, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.error_dict.items():
        if field == "attendance":
            attendance._non_form_errors = attendance.error_class(
                [m for e in errors for m in e.messages]
            )
        elif field == "decisions":
            decisions._non_form_errors = decisions.error_class(
                [m for e in errors for m in e.messages]
            )
        else:
            form.add_error(field if field in form.fields else None, errors)


@staff_required
@submit_once
def meeting_create(request: HttpRequest) -> HttpResponse:
    return _meeting_page(request, meeting=None, communities=_editable_communities(request.user))


@registry_reader_required
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(selectors.meeting_list(user=request.user), pk=pk)
    _require_edit(request.user, meeting.community_id)
    return _meeting_page(request, meeting=meeting, communities=None)


@registry_reader_required
def meeting_minutes(request: HttpRequest, pk: int) -> FileResponse:
    """The minutes file, to those who may read the meeting."""
    meeting = get_object_or_404(selectors.meeting_list(user=request.user), pk=pk)
    if not meeting.minutes:
        raise Http404
    return _file_response(meeting.minutes, f"minutes-{meeting.pk}")


@require_POST
@registry_reader_required
def decision_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a decision done on a date, or undone with an empty date."""
    decision = get_object_or_404(selectors.decision_list(user=request.user), pk=pk)
    _require_edit(request.user, decision.meeting.community_id)
    form = DecisionDoneForm(request.POST)
    if form.is_valid():
        try:
            meetings.decision_mark(
                decision=decision, done_on=form.cleaned_data["done_on"], user=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("campaigns:meeting_detail", pk=decision.meeting_id)


# Regulations -------------------------------------------------------------------------------------


def regulation_list(request: HttpRequest) -> HttpResponse:
    """Everyone: the library. Users with a role see their communities' regulations; the public
    sees every community's titles, versions and dates."""
    user = request.user
    full = selectors.is_meeting_reader(user)
    base = selectors.regulation_list(user=user) if full else selectors.regulation_public_list()
    qs = selectors.annotate_regulations(base).order_by("community__name", "title")
    filterset = RegulationFilter(request.GET, queryset=qs, request=request)
    context = {
        "filter": filterset,
        "page": _paginate(request, filterset.qs),
        "can_create": selectors.editable_community_ids(user) != set(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "campaigns/_regulation_rows.html", context)
    return render(request, "campaigns/regulation_list.html", context)


def regulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone: versions, dates, what changed and adopting compounds; readers of the community
    also see the consultation opinions and the files."""
    user = request.user
    regulation = get_object_or_404(selectors.regulation_public_list(), pk=pk)
    full = selectors.is_regulation_reader(user, regulation)
    versions = regulation.versions.prefetch_related(
        Prefetch("compounds", queryset=Compound.objects.order_by("kind", "name"))
    )
    if full:
        versions = versions.prefetch_related("opinions")
    return render(
        request,
        "campaigns/regulation_detail.html",
        {
            "regulation": regulation,
            "versions": list(versions),
            "full": full,
            "can_edit": selectors.can_edit(user, regulation.community_id),
        },
    )


@staff_required
def regulation_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = RegulationForm(post_data(request), communities=_editable_communities(user))

    def save(form: RegulationForm) -> str:
        data = dict(form.cleaned_data)
        data.pop("community", None)
        community = form.chosen_community()
        _require_edit(user, community.pk)
        regulation = regulations.regulation_create(community=community, data=data, user=user)
        return reverse("campaigns:regulation_detail", args=[regulation.pk])

    return form_page(
        request,
        form,
        save=save,
        template=FORM_TEMPLATE,
        context={
            "title": _("New regulation"),
            "cancel_url": reverse("campaigns:regulation_list"),
        },
    )


@registry_reader_required
def regulation_update(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = get_object_or_404(selectors.regulation_list(user=request.user), pk=pk)
    _require_edit(request.user, regulation.community_id)
    form = RegulationForm(
        post_data(request),
        communities=None,
        initial={"code": regulation.code, "title": regulation.title},
    )

    def save(form: RegulationForm) -> str:
        regulations.regulation_update(
            regulation=regulation, data=form.cleaned_data, user=request.user
        )
        return reverse("campaigns:regulation_detail", args=[regulation.pk])

    return form_page(
        request,
        form,
        save=save,
        edited=regulation,
        template=FORM_TEMPLATE,
        context={
            "title": _("Edit %(title)s") % {"title": regulation.title},
            "cancel_url": reverse("campaigns:regulation_detail", args=[regulation.pk]),
        },
    )


def _version_page(
    request: HttpRequest, *, regulation: Regulation, version: RegulationVersion | None
) -> HttpResponse:
    initial: dict[str, Any] = {}
    if version is not None:
        initial = {
            "adopted_on": version.adopted_on,
            "effective_on": version.effective_on,
            "summary": version.summary,
            "compounds": list(version.compounds.values_list("pk", flat=True)),
        }
    form = VersionForm(
        post_data(request),
        request.FILES if request.method == "POST" else None,
        community=regulation.community,
        has_file=bool(version and version.file),
        initial=initial,
    )
    detail_url = reverse("campaigns:regulation_detail", args=[regulation.pk])

    def save(form: VersionForm) -> str:
        data = dict(form.cleaned_data)
        compounds = data.pop("compounds")
        file = data.pop("file", None) or None
        clear_file = data.pop("clear_file", False)
        if version is None:
            regulations.version_create(
                regulation=regulation,
                data=data,
                compounds=compounds,
                file=file,
                user=request.user,
            )
        else:
            regulations.version_update(
                version=version,
                data=data,
                compounds=compounds,
                file=file,
                clear_file=clear_file,
                user=request.user,
            )
        return detail_url

    title = (
        _("New version of %(title)s") % {"title": regulation.title}
        if version is None
        else _("Edit version %(number)s of %(title)s")
        % {"number": version.number, "title": regulation.title}
    )
    return form_page(
        request,
        form,
        edited=version,
        links=None if version is None else (lambda: _version_links(version)),
        save=save,
        template=FORM_TEMPLATE,
        context={"title": title, "cancel_url": detail_url},
    )


def _version_links(version: RegulationVersion) -> dict[str, concurrency.Link]:
    compounds = list(version.compounds.order_by("pk"))
    label = str(RegulationVersion._meta.get_field("compounds").verbose_name)
    return {
        "compounds": concurrency.Link(
            [c.pk for c in compounds], concurrency.names(compounds), label
        )
    }


@registry_reader_required
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = get_object_or_404(selectors.regulation_list(user=request.user), pk=pk)
    _require_edit(request.user, regulation.community_id)
    return _version_page(request, regulation=regulation, version=None)


@registry_reader_required
def version_update(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.version_list(user=request.user), pk=pk)
    _require_edit(request.user, version.regulation.community_id)
    return _version_page(request, regulation=version.regulation, version=version)


@registry_reader_required
def version_file(request: HttpRequest, pk: int) -> FileResponse:
    version = get_object_or_404(selectors.version_list(user=request.user), pk=pk)
    if not version.file:
        raise Http404
    return _file_response(version.file, f"regulation-{version.regulation_id}-v{version.number}")


@registry_reader_required
def opinion_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.version_list(user=request.user), pk=pk)
    _require_edit(request.user, version.regulation.community_id)
    form = OpinionForm(post_data(request), initial={"received_on": timezone.localdate()})
    detail_url = reverse("campaigns:regulation_detail", args=[version.regulation_id])

    def save(form: OpinionForm) -> str:
        regulations.opinion_add(version=version, data=form.cleaned_data, user=request.user)
        return detail_url

    return form_page(
        request,
        form,
        save=save,
        template=FORM_TEMPLATE,
        context={
            "title": _("Opinion on %(version)s") % {"version": version},
            "cancel_url": detail_url,
        },
    )


@registry_reader_required
def opinion_answer(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(
        RegulationOpinion.objects.select_related("version__regulation").filter(
            version__in=selectors.version_list(user=request.user)
        ),
        pk=pk,
    )
    regulation = opinion.version.regulation
    _require_edit(request.user, regulation.community_id)
    form = OpinionAnswerForm(
        post_data(request),
        initial={
            "answer": opinion.answer,
            "answered_on": opinion.answered_on or timezone.localdate(),
        },
    )
    detail_url = reverse("campaigns:regulation_detail", args=[regulation.pk])

    def save(form: OpinionAnswerForm) -> str:
        regulations.opinion_answer(opinion=opinion, user=request.user, **form.cleaned_data)
        return detail_url

    return form_page(
        request,
        form,
        save=save,
        template=FORM_TEMPLATE,
        context={
            "title": _("Answer an opinion on %(version)s") % {"version": opinion.version},
            "cancel_url": detail_url,
            "opinion": opinion,
        },
    )


urlpatterns = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/counts/", meeting_counts, name="meeting_counts"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_update, name="meeting_update"),
    path("meetings/<int:pk>/minutes/", meeting_minutes, name="meeting_minutes"),
    path("meeting-decisions/<int:pk>/done/", decision_mark, name="decision_mark"),
    path("regulations/", regulation_list, name="regulation_list"),
    path("regulations/new/", regulation_create, name="regulation_create"),
    path("regulations/<int:pk>/", regulation_detail, name="regulation_detail"),
    path("regulations/<int:pk>/edit/", regulation_update, name="regulation_update"),
    path("regulations/<int:pk>/versions/new/", version_create, name="version_create"),
    path("regulation-versions/<int:pk>/edit/", version_update, name="version_update"),
    path("regulation-versions/<int:pk>/file/", version_file, name="version_file"),
    path("regulation-versions/<int:pk>/opinions/new/", opinion_create, name="opinion_create"),
    path("regulation-opinions/<int:pk>/answer/", opinion_answer, name="opinion_answer"),
]
