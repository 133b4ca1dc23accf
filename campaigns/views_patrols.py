"""Pages for grid patrols, the problem ledger and designations.

Who may do what (anonymous users are sent to log in everywhere; an account with no role gets 403):

| page | staff | grid worker | company user | committee member |
|---|---|---|---|---|
| patrols: list, detail | read | read | 403 | 403 |
| log a patrol | any grid of the community | the grids they are the worker of | 403 | 403 |
| problems: list, detail, photos | all of the community | all of the community | assigned to their company | their compound's |
| answer a problem | 403 | 403 | their company's, when assigned | 403 |
| close, reopen | yes | 403 | 403 | 403 |
| problems: "only mine" (``mine``) | their own patrols' | their own patrols' | ignored | ignored |
| open problems by grid and age | yes | yes | 403 | 403 |
| designations: progress, list | read | read | 403 | 403 |
| designations: set, targets | yes | 403 | 403 | 403 |

After closing or sending back a problem, staff go on to the next problem waiting for their check in
the same community (answered longest ago), or back to the list of answered problems when none is
left; the message says which.

Objects are fetched through the selectors, so another community's or another company's id answers
404. Writes go through one service each (``patrols``, ``designations``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from compounds.models import Community, Compound
from compounds.permissions import role_required
from compounds.selectors import can_edit_community, community_list, staff_community_ids
from tongde import concurrency, uploads
from tongde.bounds import is_plausible_year
from tongde.once import submit_once
from tongde.pages import form_page, note_files_not_kept, post_data

from . import designations, patrols
from .forms_patrols import (
    AGE_CHOICES,
    FIXED,
    AnswerForm,
    CloseForm,
    DesignationForm,
    PatrolFilter,
    PatrolForm,
    ProblemFilter,
    ProblemFormSet,
    ReopenForm,
    TargetForm,
)
from .models import DesignationTarget, Problem
from .selectors_patrols import (
    OVERDUE_STATUSES,
    can_answer_problem,
    can_log_patrols,
    can_manage_problems,
    is_internal,
    is_problem_reader,
    patrol_list,
    patrol_list_annotated,
    problem_ages,
    problem_events,
    problem_list,
    problem_next_to_check,
)

PAGE_SIZE = 50


internal_required = role_required(is_internal)
problem_reader_required = role_required(is_problem_reader)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = request.user
    context.setdefault("is_internal", is_internal(user))
    context.setdefault("can_log", context["is_internal"] and can_log_patrols(user))
    # The campaigns menu (campaigns/_nav.html) is the same on every campaigns page: the disorders'
    # link for staff, as the operation pages give it (memberships are cached: no query).
    context.setdefault(
        "can_edit_disorders",
        bool(user.is_superuser or staff_community_ids(user, include_grid_workers=False)),
    )
    # The problem tables mark overdue rows.
    context.setdefault("today", timezone.localdate())
    context.setdefault("overdue_statuses", OVERDUE_STATUSES)
    return render(request, template, context, status=status)


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _list(
    request: HttpRequest, *, filterset: Any, template: str, partial: str, **extra: Any
) -> HttpResponse:
    context = {"filter": filterset, "page": _paginate(request, filterset.qs), "partial": partial}
    context.update(extra)
    if request.htmx and not request.htmx.boosted:
        return _render(request, partial, context)
    return _render(request, template, context)


# --- patrols --------------------------------------------------------------------------------------


@internal_required
def patrol_list_view(request: HttpRequest) -> HttpResponse:
    qs = patrol_list_annotated(user=request.user).order_by("-patrolled_on", "-pk")
    return _list(
        request,
        filterset=PatrolFilter(request.GET, queryset=qs, request=request),
        template="campaigns/patrol_list.html",
        partial="campaigns/patrol_rows.html",
        active="patrols",
    )


@internal_required
def patrol_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = get_object_or_404(patrol_list(user=request.user), pk=pk)
    problems = patrol.problems.select_related("compound", "building", "disorder", "company")
    return _render(
        request,
        "campaigns/patrol_detail.html",
        {"patrol": patrol, "problems": problems, "active": "patrols"},
    )


def _problem_input(form: Any) -> patrols.ProblemInput:
    data = form.cleaned_data
    return patrols.ProblemInput(
        compound=data["compound"],
        building=data.get("building"),
        disorder=data.get("disorder"),
        description=data["description"],
        photo=data.get("photo"),
        fixed_on_spot=data["outcome"] == FIXED,
        deadline_on=data.get("deadline_on"),
    )


def _spread_errors(exc: ValidationError, form: Any, problem_forms: list[Any]) -> None:
    """Put the service's refusal on the patrol form and on the problem block it names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key.startswith("problem."):
            _prefix, index, field = key.split(".", 2)
            target = problem_forms[int(index)]
            target.add_error(field if field in target.fields else None, errors)
        else:
            form.add_error(None if key == NON_FIELD_ERRORS else key, errors)


@role_required(can_log_patrols)
@submit_once  # Save pressed twice on a slow connection logs one patrol, not two
def patrol_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = post_data(request)
    form = PatrolForm(data, user=user)
    formset = ProblemFormSet(
        data,
        request.FILES if data is not None else None,
        prefix="problem",
        form_kwargs={"user": user},
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        filled = formset.filled_forms()
        try:
            patrol = patrols.patrol_log(
                grid=form.cleaned_data["grid"],
                patrolled_on=form.cleaned_data["patrolled_on"],
                route=form.cleaned_data["route"],
                notes=form.cleaned_data["notes"],
                problems=[_problem_input(f) for f in filled],
                user=user,
            )
        except ValidationError as exc:
            _spread_errors(exc, form, filled)
        else:
            messages.success(request, _("Patrol logged."))
            return redirect("campaigns:patrol_detail", patrol.pk)
    status = 400 if request.method == "POST" else 200
    if status == 400:
        # A photo taken outdoors would otherwise be lost without a word: say so on each block.
        for problem_form in formset.forms:
            note_files_not_kept(request, problem_form, refused=True)
    return _render(
        request,
        "campaigns/patrol_form.html",
        {"form": form, "formset": formset, "active": "patrols"},
        status=status,
    )


# --- problems -------------------------------------------------------------------------------------


@problem_reader_required
def problem_list_view(request: HttpRequest) -> HttpResponse:
    qs = problem_list(user=request.user).order_by("-found_on", "-pk")
    return _list(
        request,
        filterset=ProblemFilter(request.GET, queryset=qs, request=request),
        template="campaigns/problem_list.html",
        partial="campaigns/problem_rows.html",
        active="problems",
    )


def _problem(request: HttpRequest, pk: int) -> Problem:
    return get_object_or_404(problem_list(user=request.user), pk=pk)


@problem_reader_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = _problem(request, pk)
    manage = can_manage_problems(user, problem.compound.community_id)
    internal = is_internal(user)
    return _render(
        request,
        "campaigns/problem_detail.html",
        {
            "problem": problem,
            # Who logged or acted names community people: for the community's own eyes.
            "events": list(problem_events(problem)) if internal else [],
            "can_answer": can_answer_problem(user, problem)
            and problem.status == Problem.Status.ASSIGNED,
            "can_close": manage
            and problem.status in (Problem.Status.ANSWERED, Problem.Status.OPEN),
            "can_reopen": manage and problem.status == Problem.Status.ANSWERED,
            "is_overdue": problem.status in OVERDUE_STATUSES
            and problem.deadline_on is not None
            and problem.deadline_on < timezone.localdate(),
            "close_form": CloseForm(),
            "active": "problems",
        },
    )


@problem_reader_required
def problem_photo(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """Problem photos go through here, not a public media URL: the problem's readers only."""
    problem = _problem(request, pk)
    field = {"found": problem.photo, "answer": problem.answer_photo}.get(which)
    if not field:
        raise Http404
    return FileResponse(uploads.stored_file(field))


def _action_page(
    request: HttpRequest,
    problem: Problem,
    form: Any,
    *,
    save: Callable[[Any], str],
    title: str,
    success: str,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        success=success,
        template="campaigns/problem_form.html",
        context={"problem": problem, "title": title, "active": "problems"},
        render_page=_render,
    )


@problem_reader_required
def problem_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = _problem(request, pk)
    if not can_answer_problem(user, problem):
        raise PermissionDenied
    form = AnswerForm(post_data(request), request.FILES or None)

    def save(form: AnswerForm) -> str:
        patrols.problem_answer(
            problem=problem,
            answer=form.cleaned_data["answer"],
            photo=form.cleaned_data["photo"],
            user=user,
        )
        return reverse("campaigns:problem_detail", args=[problem.pk])

    return _action_page(
        request,
        problem,
        form,
        save=save,
        title=_("Answer the problem"),
        success=_("Your answer is sent: the community will check the fix and close the problem."),
    )


def _after_check(
    request: HttpRequest, problem: Problem, *, next_message: str, last_message: str
) -> tuple[str, str]:
    """Where staff go once they have closed or sent back ``problem``, and the message saying so:
    the next answered problem of the community, or the list of answered problems when none is
    left. Looked up only for a POST (a GET shows the form), before the service runs: acting on
    ``problem`` does not change which other problem comes next."""
    if request.method != "POST":
        return "", ""
    following = problem_next_to_check(
        user=request.user, community_id=problem.compound.community_id, after=problem
    )
    if following is not None:
        return reverse("campaigns:problem_detail", args=[following.pk]), next_message
    query = urlencode({"status": Problem.Status.ANSWERED})
    return f"{reverse('campaigns:problem_list')}?{query}", last_message


@problem_reader_required
def problem_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = _problem(request, pk)
    if not can_manage_problems(user, problem.compound.community_id):
        raise PermissionDenied
    form = CloseForm(post_data(request))

    next_url, success = _after_check(
        request,
        problem,
        next_message=_("The problem is closed. Here is the next one waiting for your check."),
        last_message=_("The problem is closed. No other problem is waiting for your check."),
    )

    def save(form: CloseForm) -> str:
        patrols.problem_close(problem=problem, note=form.cleaned_data["note"], user=user)
        return next_url

    return _action_page(
        request, problem, form, save=save, title=_("Verify and close"), success=success
    )


@problem_reader_required
def problem_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    problem = _problem(request, pk)
    if not can_manage_problems(user, problem.compound.community_id):
        raise PermissionDenied
    form = ReopenForm(post_data(request))

    next_url, success = _after_check(
        request,
        problem,
        next_message=_(
            "The problem is sent back to the company with the new deadline. Here is the next one "
            "waiting for your check."
        ),
        last_message=_(
            "The problem is sent back to the company with the new deadline. No other problem is "
            "waiting for your check."
        ),
    )

    def save(form: ReopenForm) -> str:
        patrols.problem_reopen(
            problem=problem,
            deadline_on=form.cleaned_data["deadline_on"],
            reason=form.cleaned_data["reason"],
            user=user,
        )
        return next_url

    return _action_page(
        request,
        problem,
        form,
        save=save,
        title=_("Send back to the company"),
        success=success,
    )


@internal_required
def problem_ages_view(request: HttpRequest) -> HttpResponse:
    rows = problem_ages(user=request.user)
    buckets = [code for code, _label in AGE_CHOICES]
    base = reverse("campaigns:problem_list")

    def link(grid_id: int | None, bucket: str | None) -> str:
        query: dict[str, Any] = {"status": "unresolved"}
        if grid_id is not None:
            query["grid"] = grid_id
        if bucket is not None:
            query["age"] = bucket
        return f"{base}?{urlencode(query)}"

    table = [
        {
            "name": row.grid_name,
            "cells": [(row.counts[b], link(row.grid_id, b)) for b in buckets],
            "total": (row.total, link(row.grid_id, None)),
        }
        for row in rows
    ]
    totals = [(sum(r.counts[b] for r in rows), link(None, b)) for b in buckets]
    return _render(
        request,
        "campaigns/problem_ages.html",
        {
            "headers": [label for _code, label in AGE_CHOICES],
            "table": table,
            "totals": totals,
            "grand_total": (sum(r.total for r in rows), link(None, None)),
            "active": "ages",
        },
    )


# --- designations ---------------------------------------------------------------------------------


def _internal_communities(user: Any) -> QuerySet[Community]:
    qs = community_list(user=user)
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=staff_community_ids(user))


def _year(value: Any) -> int:
    """The year asked for in the query string; this year when none, or none plausible."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if is_plausible_year(year) else timezone.localdate().year


def _path_year(year: int) -> int:
    """A year in the address: one the community can have targets for, or no such page."""
    if not is_plausible_year(year):
        raise Http404
    return year


@internal_required
def designation_progress_view(request: HttpRequest) -> HttpResponse:
    communities = list(_internal_communities(request.user))
    if not communities:
        raise Http404
    chosen = request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0])
    year = _year(request.GET.get("year"))
    return _render(
        request,
        "campaigns/designation_progress.html",
        {
            "community": community,
            "communities": communities,
            "year": year,
            "progress": designations.designation_progress(community=community, year=year),
            "can_edit": can_edit_community(request.user, community.pk),
            "active": "designations",
        },
    )


def _kind(kind: str) -> str:
    if kind not in DesignationTarget.Kind.values:
        raise Http404
    return kind


@internal_required
def designation_list_view(
    request: HttpRequest, community_pk: int, year: int, kind: str
) -> HttpResponse:
    community = get_object_or_404(_internal_communities(request.user), pk=community_pk)
    kind = _kind(kind)
    year = _path_year(year)
    return _render(
        request,
        "campaigns/designation_list.html",
        {
            "community": community,
            "year": year,
            "kind": kind,
            "kind_label": DesignationTarget.Kind(kind).label,
            "rows": designations.designation_rows(community=community, year=year, kind=kind),
            "can_edit": can_edit_community(request.user, community.pk),
            "active": "designations",
        },
    )


def _editable_community(request: HttpRequest, community_pk: int) -> Community:
    community = get_object_or_404(_internal_communities(request.user), pk=community_pk)
    if not can_edit_community(request.user, community.pk):
        raise PermissionDenied
    return community


@internal_required
def designation_edit(
    request: HttpRequest, community_pk: int, year: int, kind: str, compound_pk: int
) -> HttpResponse:
    community = _editable_community(request, community_pk)
    kind = _kind(kind)
    year = _path_year(year)
    compound = get_object_or_404(Compound.objects.filter(community=community), pk=compound_pk)
    current = compound.designations.filter(year=year).first()
    initial = (
        {"status": current.status, "theme": current.theme, "note": current.note} if current else {}
    )
    form = DesignationForm(post_data(request), initial=initial)
    back = reverse("campaigns:designation_kind", args=[community.pk, year, kind])

    def save(form: DesignationForm) -> str:
        designations.designation_set(
            compound=compound, year=year, kind=kind, user=request.user, **form.cleaned_data
        )
        return back

    return form_page(
        request,
        form,
        save=save,
        # None: the form creates the year's designation, and nobody's edit can be undone.
        edited=current,
        template="campaigns/designation_form.html",
        context={
            "title": _("%(compound)s: designation for %(year)s")
            % {"compound": compound.name, "year": year},
            "cancel_url": back,
            "active": "designations",
        },
        render_page=_render,
    )


@internal_required
def designation_targets(request: HttpRequest, community_pk: int, year: int) -> HttpResponse:
    community = _editable_community(request, community_pk)
    year = _path_year(year)
    progress = designations.designation_progress(community=community, year=year)
    # The field takes one decimal, as the targets are set: "80.00" would fail its own form.
    initial = {
        p.kind: p.target_percent.quantize(Decimal("0.1")) if p.target_percent is not None else None
        for p in progress
    }
    form = TargetForm(post_data(request), initial=initial)
    back = f"{reverse('campaigns:designation_list')}?{urlencode({'community': community.pk, 'year': year})}"

    def save(form: TargetForm) -> str:
        for kind in DesignationTarget.Kind.values:
            designations.designation_target_set(
                community=community,
                year=year,
                kind=kind,
                target_rate=form.cleaned_data[kind] / 100,
                user=request.user,
            )
        return back

    return form_page(
        request,
        form,
        links=lambda: _target_links(community, year, form),
        save=save,
        template="campaigns/designation_form.html",
        context={
            "title": _("%(community)s: target rates for %(year)s")
            % {"community": community.name, "year": year},
            "cancel_url": back,
            "active": "designations",
        },
        render_page=_render,
    )


def _target_links(community: Community, year: int, form: TargetForm) -> dict[str, concurrency.Link]:
    """The page edits up to two rows, one per kind, or the defaults where none is set yet: each
    kind's target as the form shows it (a row set to the default is no change). The rows there
    are stay locked until the save."""
    stored = dict(
        concurrency.locking(
            DesignationTarget.objects.filter(community=community, year=year)
        ).values_list("kind", "target_rate")
    )
    links = {}
    for kind in DesignationTarget.Kind.values:
        rate = stored.get(kind, designations.DEFAULT_TARGETS[kind])
        percent = str((rate * 100).quantize(Decimal("0.1")))
        links[kind] = concurrency.Link(percent, percent, str(form.fields[kind].label))
    return links


urlpatterns = [
    path("patrols/", patrol_list_view, name="patrol_list"),
    path("patrols/new/", patrol_create, name="patrol_create"),
    path("patrols/<int:pk>/", patrol_detail, name="patrol_detail"),
    path("problems/", problem_list_view, name="problem_list"),
    path("problems/ages/", problem_ages_view, name="problem_ages"),
    path("problems/<int:pk>/", problem_detail, name="problem_detail"),
    path("problems/<int:pk>/photo/<str:which>/", problem_photo, name="problem_photo"),
    path("problems/<int:pk>/answer/", problem_answer, name="problem_answer"),
    path("problems/<int:pk>/close/", problem_close, name="problem_close"),
    path("problems/<int:pk>/reopen/", problem_reopen, name="problem_reopen"),
    path("designations/", designation_progress_view, name="designation_list"),
    path(
        "designations/<int:community_pk>/<int:year>/targets/",
        designation_targets,
        name="designation_targets",
    ),
    path(
        "designations/<int:community_pk>/<int:year>/<str:kind>/",
        designation_list_view,
        name="designation_kind",
    ),
    path(
        "designations/<int:community_pk>/<int:year>/<str:kind>/<int:compound_pk>/",
        designation_edit,
        name="designation_edit",
    ),
]
