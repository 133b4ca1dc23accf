"""Staff pages for the election lifecycle: steps, candidates, vetting, objections, log.

Who sees what:

- community staff of the compound's community read and edit;
- grid workers of that community and members of the compound's committee read only (403 on any
  edit page);
- company users get 404 everywhere here: committee internals are not theirs to see, and a 404
  does not even confirm that an election exists; accounts with no role get 403, the anonymous
  are sent to log in;
- staff of another community get 404 (objects are fetched through ``election_list``);
- the public sees the candidate list while it is posted (``election_public_candidates``), and the
  result pages of ``views_voting``.

A candidate's withdrawal is a POST-only action sent from the candidate's row on the election page
(a GET gets the site's 405 page); a refusal shows the withdrawal form again, as typed, with why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compounds.models import Owner
from compounds.permissions import staff_required
from compounds.selectors import can_edit_community, community_list
from tongde.once import submit_once
from tongde.pages import form_page, post_data

from . import candidates, elections, voting
from .election_log import log_detail
from .elections import (
    LOG_ACTIONS,
    advance_check,
    can_edit_election,
    candidates_with_vetting,
    editable_committees,
    election_list,
    election_overdue,
)
from .forms_elections import (
    CandidateForm,
    CandidateWithdrawalForm,
    ElectionForm,
    ObjectionAnswerForm,
    ObjectionForm,
    VettingForm,
    VotingWindowForm,
)
from .models import Candidate, Election, Objection
from .permissions import can_read_ballots, election_reader_required
from .rules import Matter

PAGE_SIZE = 50
# One entry per ballot would drown the history; the page shows their number instead.
LOG_HIDDEN_ACTIONS = ("ballot_cast",)


def _election(request: HttpRequest, pk: int) -> Election:
    return get_object_or_404(election_list(user=request.user), pk=pk)


def _editable_election(request: HttpRequest, pk: int) -> Election:
    election = _election(request, pk)
    if not can_edit_election(request.user, election):
        raise PermissionDenied
    return election


def _form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], str],
    title: str,
    cancel_url: str,
    election: Election | None = None,
    template: str = "committees/election_form.html",
    context: dict[str, Any] | None = None,
    success: str | None = None,
    edited: Model | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        template=template,
        success=success,
        edited=edited,
        context={
            "title": title,
            "cancel_url": cancel_url,
            "election": election,
            **(context or {}),
        },
    )


# List and detail ---------------------------------------------------------------------------------


@election_reader_required
def election_list_view(request: HttpRequest) -> HttpResponse:
    """Every election the user may read, with its stage, dates and what is overdue."""
    user = request.user
    communities = list(community_list(user=user))
    qs = election_list(user=user).order_by(
        "committee__compound__community__name", "-stage_started_at", "-pk"
    )
    community_id = request.GET.get("community", "")
    if community_id.isdigit():
        qs = qs.filter(committee__compound__community_id=int(community_id))
    # A committee's page links here for its own elections.
    committee_id = request.GET.get("committee", "")
    if committee_id.isdigit():
        qs = qs.filter(committee_id=int(committee_id))
    stage = request.GET.get("stage", "")
    if stage in Election.Stage.values:
        qs = qs.filter(stage=stage)
    kind = request.GET.get("kind", "")
    if kind in Election.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [{"election": e, "overdue": election_overdue(e, today)} for e in page.object_list]
    return render(
        request,
        "committees/election_list.html",
        {
            "page": page,
            "rows": rows,
            "communities": communities,
            "stages": Election.Stage.choices,
            "kinds": Election.Kind.choices,
            "selected": {
                "community": community_id,
                "committee": committee_id,
                "stage": stage,
                "kind": kind,
            },
            "can_create": bool(
                user.is_superuser or any(can_edit_community(user, c.pk) for c in communities)
            ),
        },
    )


def _log_rows(election: Election) -> list[dict[str, Any]]:
    entries = (
        election.log.exclude(action__in=LOG_HIDDEN_ACTIONS).select_related("actor").order_by("pk")
    )
    return [
        {
            "entry": entry,
            "label": LOG_ACTIONS.get(entry.action, entry.action),
            "detail": log_detail(entry, kind=election.kind),
        }
        for entry in entries
    ]


def _timeline(election: Election) -> list[dict[str, Any]]:
    steps = {s.stage: s for s in election.steps.all()}
    return [
        {
            "stage": stage,
            "label": elections.stage_label(election.kind, stage),
            "step": steps.get(stage),
            "is_current": stage == election.stage,
        }
        for stage in elections.flow(election)
    ]


@election_reader_required
def election_detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    can_edit = can_edit_election(request.user, election)
    check = advance_check(election)
    # The ballots themselves, not their "ballot_cast" log lines: an imported file logs one
    # line for all its ballots, and the voting page and the tally count ballots.
    ballots_logged = voting.ballot_count(election=election)
    stage = election.stage
    return render(
        request,
        "committees/election_detail.html",
        {
            "election": election,
            "matter": Matter(election.matter),
            "timeline": _timeline(election),
            "candidates": candidates_with_vetting(election),
            "owner_label": elections.OWNER_OF_COMPOUND_LABEL,
            # The registry's answer is today's: it matters while the list is drawn up.
            "owner_check_live": stage in elections.VETTING_STAGES,
            "objections": election.objections.select_related("answered_by"),
            "log": _log_rows(election),
            "ballots_logged": ballots_logged,
            "can_read_ballots": can_read_ballots(request.user, election),
            "check": check,
            "next_label": elections.stage_label(election.kind, check.target)
            if check.target
            else "",
            "earliest_end": elections.earliest_end(election),
            "overdue": election_overdue(election, timezone.localdate()),
            "can_edit": can_edit,
            "can_nominate": can_edit and stage in elections.NOMINATION_STAGES,
            "can_vet": can_edit and stage in elections.VETTING_STAGES,
            "can_correct": can_edit and stage in candidates.CORRECTION_STAGES,
            "can_withdraw": can_edit and stage in candidates.WITHDRAWAL_STAGES,
            "today": timezone.localdate(),
            "can_object": can_edit and stage in elections.OBJECTION_STAGES,
            "can_set_window": can_edit and stage in elections.WINDOW_STAGES,
            "is_election": election.kind == Election.Kind.ELECTION,
        },
    )


# Writes ---------------------------------------------------------------------------------------------


@staff_required
@submit_once
def election_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ElectionForm(post_data(request), committees=editable_committees(user=user))

    def save(form: BaseForm) -> str:
        data = form.cleaned_data
        election = elections.election_create(
            committee=data["committee"],
            user=user,
            kind=data["kind"],
            matter=data["matter"],
            title=data["title"],
            seats=data["seats"],
            text=data["text"],
        )
        return election.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New election or motion"),
        cancel_url=reverse("committees:election_list"),
    )


@election_reader_required
def election_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains what advancing would do (or why not); POST does it."""
    election = _editable_election(request, pk)
    error = None
    if request.method == "POST":
        try:
            elections.election_advance(
                election=election, user=request.user, from_stage=request.POST.get("stage")
            )
        except ValidationError as exc:
            error = exc.messages
        else:
            messages.success(
                request,
                _("Moved to: %(stage)s.")
                % {"stage": Election.objects.get(pk=election.pk).get_stage_display()},
            )
            return redirect(election.get_absolute_url())
    check = advance_check(election)
    return render(
        request,
        "committees/election_advance.html",
        {
            "election": election,
            "check": check,
            "errors": error,
            "next_label": elections.stage_label(election.kind, check.target)
            if check.target
            else "",
        },
        status=400 if error else 200,
    )


@election_reader_required
def election_window(request: HttpRequest, pk: int) -> HttpResponse:
    election = _editable_election(request, pk)
    form = VotingWindowForm(
        post_data(request),
        initial={
            "voting_opens_at": election.voting_opens_at
            and timezone.localtime(election.voting_opens_at),
            "voting_closes_at": election.voting_closes_at
            and timezone.localtime(election.voting_closes_at),
        },
    )

    def save(form: BaseForm) -> str:
        elections.election_set_voting_window(
            election=election,
            user=request.user,
            opens_at=form.cleaned_data["voting_opens_at"],
            closes_at=form.cleaned_data["voting_closes_at"],
        )
        return election.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Voting window"),
        cancel_url=election.get_absolute_url(),
        election=election,
        # The election row as a whole: had it moved on meanwhile (another window, the next
        # stage), this window was chosen for an election that is no longer there.
        edited=election,
    )


def _owners(election: Election) -> QuerySet[Owner]:
    """The owners a candidate of ``election`` may be linked to: those of its compound."""
    return (
        Owner.objects.filter(dwellings__unit__building__compound=election.committee.compound_id)
        .distinct()
        .order_by("name", "pk")
    )


def _candidate(request: HttpRequest, pk: int) -> Candidate:
    """A candidate of an election the user may read (404 otherwise, another community's too)."""
    return get_object_or_404(
        Candidate.objects.select_related("vetting").filter(
            election__in=election_list(user=request.user)
        ),
        pk=pk,
    )


@election_reader_required
@submit_once
def candidate_create(request: HttpRequest, pk: int) -> HttpResponse:
    election = _editable_election(request, pk)
    form = CandidateForm(
        post_data(request),
        owners=_owners(election),
        initial={"nominated_on": timezone.localdate()},
    )

    def save(form: BaseForm) -> str:
        elections.candidate_add(election=election, user=request.user, **form.cleaned_data)
        return election.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Nominate a candidate"),
        cancel_url=election.get_absolute_url(),
        election=election,
    )


@election_reader_required
def candidate_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct what was recorded at the nomination, until the list is posted for publicity."""
    candidate = _candidate(request, pk)
    election = _editable_election(request, candidate.election_id)
    initial = {field: getattr(candidate, field) for field in candidates.CORRECTED_FIELDS}
    initial["owner"] = candidate.owner_id
    form = CandidateForm(post_data(request), owners=_owners(election), initial=initial)
    closed = None
    if candidate.is_withdrawn:
        closed = elections.CANDIDATE_WITHDRAWN
    elif election.stage not in candidates.CORRECTION_STAGES:
        closed = candidates.CORRECTION_CLOSED

    def save(form: BaseForm) -> str:
        candidates.candidate_correct(candidate=candidate, user=request.user, **form.cleaned_data)
        return election.get_absolute_url() + "#candidates"

    return _form_page(
        request,
        form,
        save=save,
        title=_("Correct the candidate %(name)s") % {"name": candidate.name},
        cancel_url=election.get_absolute_url() + "#candidates",
        election=election,
        template="committees/candidate_form.html",
        context={"candidate": candidate, "closed": closed},
        success=_("The candidate is corrected; the election log keeps what changed."),
        edited=candidate,
    )


@election_reader_required
@require_POST
def candidate_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the candidate's own withdrawal, sent from the candidate's row on the election page;
    a refusal (no reason, a future date, voting open, withdrawn already) shows the form again."""
    candidate = _candidate(request, pk)
    election = _editable_election(request, candidate.election_id)
    form = CandidateWithdrawalForm(request.POST)

    def save(form: BaseForm) -> str:
        candidates.candidate_withdraw(candidate=candidate, user=request.user, **form.cleaned_data)
        return election.get_absolute_url() + "#candidates"

    return _form_page(
        request,
        form,
        save=save,
        title=_("Withdrawal of %(name)s") % {"name": candidate.name},
        cancel_url=election.get_absolute_url() + "#candidates",
        election=election,
        template="committees/candidate_withdraw.html",
        context={"candidate": candidate},
        success=_("%(name)s has withdrawn and is no longer on the ballot.")
        % {"name": candidate.name},
    )


@election_reader_required
def vetting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(request, pk)
    election = _editable_election(request, candidate.election_id)
    form = VettingForm(post_data(request), vetting=candidate.vetting)

    def save(form: BaseForm) -> str:
        elections.vetting_decide(
            candidate=candidate,
            user=request.user,
            items=form.items(),
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        return election.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Vetting of %(name)s") % {"name": candidate.name},
        cancel_url=election.get_absolute_url(),
        election=election,
        template="committees/vetting_form.html",
        context={
            "candidate": candidate,
            "can_vet": election.stage in elections.VETTING_STAGES,
            # The item the registry answers: shown above the checklist, never a form field.
            "owner_label": elections.OWNER_OF_COMPOUND_LABEL,
            "owner_dwellings": list(
                elections.owner_dwellings(
                    owner=candidate.owner, compound=election.committee.compound_id
                )
            ),
        },
    )


@election_reader_required
@submit_once
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    election = _editable_election(request, pk)
    form = ObjectionForm(post_data(request), initial={"raised_on": timezone.localdate()})

    def save(form: BaseForm) -> str:
        elections.objection_record(election=election, user=request.user, **form.cleaned_data)
        return election.get_absolute_url() + "#objections"

    return _form_page(
        request,
        form,
        save=save,
        title=_("Record an objection"),
        cancel_url=election.get_absolute_url(),
        election=election,
    )


@election_reader_required
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(
        Objection.objects.filter(election__in=election_list(user=request.user)), pk=pk
    )
    election = _editable_election(request, objection.election_id)
    form = ObjectionAnswerForm(post_data(request), initial={"answered_on": timezone.localdate()})

    def save(form: BaseForm) -> str:
        elections.objection_answer(objection=objection, user=request.user, **form.cleaned_data)
        return election.get_absolute_url() + "#objections"

    return _form_page(
        request,
        form,
        save=save,
        title=_("Answer the objection"),
        cancel_url=election.get_absolute_url(),
        election=election,
        context={"objection": objection},
    )


# Public -------------------------------------------------------------------------------------------


def election_public_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The posted candidate list (or motion) while its publicity lasts: no login, no personal data
    beyond the names and the profile flags the community publishes."""
    election = elections.public_publicity_list(pk=pk)
    if election is None:
        raise Http404
    candidates = (
        elections.ballot_candidates(election).only(
            "name", "is_party_member", "is_veteran", "election_id"
        )
        if election.kind == Election.Kind.ELECTION
        else []
    )
    return render(
        request,
        "committees/election_public_candidates.html",
        {
            "election": election,
            "matter": Matter(election.matter),
            "candidates": candidates,
            "earliest_end": elections.earliest_end(election),
        },
    )


urlpatterns = [
    path("elections/", election_list_view, name="election_list"),
    path("elections/new/", election_create, name="election_create"),
    path("elections/<int:pk>/", election_detail, name="election_detail"),
    path("elections/<int:pk>/advance/", election_advance, name="election_advance"),
    path("elections/<int:pk>/window/", election_window, name="election_window"),
    path("elections/<int:pk>/candidates/new/", candidate_create, name="candidate_create"),
    path("elections/<int:pk>/objections/new/", objection_create, name="objection_create"),
    path("candidates/<int:pk>/vetting/", vetting_decide, name="vetting_decide"),
    path("candidates/<int:pk>/correct/", candidate_correct, name="candidate_correct"),
    path("candidates/<int:pk>/withdraw/", candidate_withdraw, name="candidate_withdraw"),
    path("objections/<int:pk>/answer/", objection_answer, name="objection_answer"),
    path(
        "public/elections/<int:pk>/candidates/",
        election_public_candidates,
        name="election_public_candidates",
    ),
]
