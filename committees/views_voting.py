"""Ballots: staff entry and import, online voting with codes, receipts, tracker, tally, results.

Who sees what:

- staff of the compound's community: everything here, and they alone write (issue codes, enter
  and import ballots);
- grid workers of that community: read the voting page, tracker, ballot list and tally;
- members of the compound's committee: read the voting page, tracker and tally (totals), not the
  ballot list (it says which dwellings voted);
- company users: 404 (committee internals are not theirs; a 404 does not confirm an election
  exists); accounts without a role: 403; anonymous: sent to log in;
- the public: the voting page with a code (``vote``), the receipt check and the results of tallied
  elections: totals only.

The secrecy rule: no page here, public or staff, shows a dwelling or owner next to a choice. The
staff ballot list shows who voted and how the ballot came, never what it says.

The rate limit on code entry keys on ``REMOTE_ADDR``. Behind a reverse proxy that address is the
proxy's: the proxy must set ``REMOTE_ADDR`` from the client's (e.g. nginx ``real_ip``), or every
voter shares one budget.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from compounds.selectors import dwelling_rooms
from tongde.pages import post_data
from tongde.text import fold_width

from . import ballot_import, voting
from .elections import can_edit_election, election_list, public_publicity_elections
from .forms_voting import (
    MOTION_LABELS,
    BallotEntryForm,
    BallotUploadForm,
    OnlineBallotForm,
    ReceiptForm,
    VotingCodeForm,
    open_elections,
)
from .models import Ballot, Election, RollEntry
from .permissions import can_read_ballots, election_reader_required

BALLOT_PAGE_SIZE = 100
TRACKER_SECONDS = 30


# --- access -------------------------------------------------------------------------------------


def _election(request: HttpRequest, pk: int) -> Election:
    return get_object_or_404(election_list(user=request.user), pk=pk)


def _editable(request: HttpRequest, pk: int) -> Election:
    election = _election(request, pk)
    if not can_edit_election(request.user, election):
        raise PermissionDenied
    return election


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _choice_label(name: str) -> str:
    label = MOTION_LABELS.get(name)
    return str(label) if label else name


# --- staff: voting page, tracker, codes ---------------------------------------------------------


@election_reader_required
def voting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    roll = voting.roll_summary(election=election)
    channels = voting.ballots_by_channel(election=election)
    can_edit = can_edit_election(request.user, election)
    return render(
        request,
        "committees/voting_detail.html",
        {
            "election": election,
            "roll": roll,
            "channels": [
                (label, channels.get(value, 0)) for value, label in Ballot.Channel.choices
            ],
            "ballots": sum(channels.values()),
            "can_edit": can_edit,
            "can_read_ballots": can_read_ballots(request.user, election),
            "is_voting": election.stage == Election.Stage.VOTING,
            "tracker_seconds": TRACKER_SECONDS,
            **_tracker_context(election),
        },
    )


def _tracker_context(election: Election) -> dict[str, Any]:
    tracker = (
        voting.voting_tracker(election=election)
        if election.stage == Election.Stage.VOTING
        else None
    )
    if tracker is None:
        return {"tracker": None}
    return {
        "tracker": tracker,
        "tracker_rows": [
            (_choice_label(name), tracker.needed.choices[name]) for name in tracker.names
        ],
    }


@election_reader_required
def voting_tracker(request: HttpRequest, pk: int) -> HttpResponse:
    """The live tracker alone, for htmx to refresh every 30 seconds."""
    election = _election(request, pk)
    return render(
        request,
        "committees/voting_tracker.html",
        {"election": election, "tracker_seconds": TRACKER_SECONDS, **_tracker_context(election)},
    )


@never_cache
@election_reader_required
def voting_codes(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what issuing does. POST: issue, and show the codes this once for printing."""
    election = _editable(request, pk)
    if request.method == "POST":
        try:
            issued = voting.voting_codes_issue(election=election, user=request.user)
        except voting.VotingError as exc:
            messages.error(request, exc.message)
            return redirect("committees:voting_detail", pk=election.pk)
        response = render(
            request,
            "committees/voting_codes_print.html",
            {"election": election, "issued": issued},
        )
        # The codes exist only in this response: no cache, no proxy, no back button may keep it.
        response["Cache-Control"] = "no-store"
        return response
    already = RollEntry.objects.filter(election=election).exclude(voting_code_hash="").exists()
    return render(
        request, "committees/voting_codes.html", {"election": election, "already": already}
    )


# --- staff: ballots -----------------------------------------------------------------------------


@election_reader_required
def ballot_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Who voted and how (never what): for staff and grid workers checking turnout."""
    election = _election(request, pk)
    if not can_read_ballots(request.user, election):
        raise PermissionDenied
    ballots = (
        Ballot.objects.filter(election=election)
        .select_related("roll_entry__dwelling__unit__building", "entered_by", "proxy")
        .only(
            "cast_at",
            "channel",
            "roll_entry__dwelling__code",
            "roll_entry__dwelling__unit__code",
            "roll_entry__dwelling__unit__building__code",
            "entered_by__username",
            "entered_by__first_name",
            "entered_by__last_name",
            "proxy__proxy_name",
        )
        .order_by("-cast_at", "-pk")
    )
    page = Paginator(ballots, BALLOT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "committees/ballot_list.html",
        {
            "election": election,
            "page": page,
            "can_edit": can_edit_election(request.user, election),
        },
    )


@election_reader_required
def ballot_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Paper ballots one by one: after each, the form is ready for the next."""
    election = _editable(request, pk)
    form = BallotEntryForm(request.POST or None, election=election)
    # Live search of the roll as staff type the dwelling code.
    form.fields["dwelling"].widget.attrs.update(
        {
            "hx-get": reverse("committees:ballot_dwelling_search", args=[election.pk]),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#dwelling-matches",
        }
    )
    if request.method == "POST" and form.is_valid():
        try:
            ballot = voting.ballot_cast(
                election=election,
                roll_entry=form.cleaned_data["dwelling"],
                choices=form.cleaned_data["choices"],
                channel=form.cleaned_data["channel"],
                user=request.user,
                proxy=form.cleaned_data["proxy"],
            )
        except voting.VotingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Ballot recorded. Receipt code: %(code)s") % {"code": ballot.receipt_code},
            )
            return redirect("committees:ballot_entry", pk=election.pk)
    return render(request, "committees/ballot_entry.html", {"election": election, "form": form})


@election_reader_required
def ballot_dwelling_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Dwellings of the roll whose code starts with what staff typed (htmx), up to 10."""
    election = _editable(request, pk)
    q = fold_width(request.GET.get("dwelling", ""))
    entries = []
    if q:
        entries = list(
            RollEntry.objects.filter(election=election, dwelling__code__istartswith=q)
            .select_related("dwelling__unit__building")
            .annotate(voted=Count("ballots"))
            .order_by(*dwelling_rooms("dwelling__"))[:10]
        )
    return render(request, "committees/ballot_dwelling_matches.html", {"entries": entries})


@election_reader_required
def ballot_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a ballot file: every bad row is listed and nothing is saved, or all are saved."""
    election = _editable(request, pk)
    errors = []
    form = BallotUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = ballot_import.ballot_import(
                election=election, data=upload.read(), filename=upload.name, user=request.user
            )
        except ballot_import.BallotImportInvalid as exc:
            errors = ballot_import.described(exc.errors)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(count)d ballots imported.") % {"count": count})
            return redirect("committees:voting_detail", pk=election.pk)
    return render(
        request,
        "committees/ballot_import.html",
        {
            "election": election,
            "form": form,
            "errors": errors,
            "columns": ballot_import.column_labels(),
        },
    )


# --- staff: tally -------------------------------------------------------------------------------


@election_reader_required
def tally_detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = _election(request, pk)
    context: dict[str, Any] = {"election": election, "tally": election.tally}
    if election.tally is not None:
        result = voting.tally_compute(election=election)
        context["unchanged"] = result.to_json() == election.tally
        context["rows"] = _result_rows(election.tally)
        # Anomalies name dwellings: for staff and grid workers only, never for the public.
        if can_read_ballots(request.user, election) and result.anomalies:
            labels = _dwelling_labels(
                {d for a in result.anomalies for d in a.dwelling_ids}, election=election
            )
            context["anomalies"] = [
                (
                    [labels.get(d, str(d)) for d in a.dwelling_ids],
                    [_choice_label(c) for c in a.choices],
                )
                for a in result.anomalies
            ]
    return render(request, "committees/tally_detail.html", context)


def _dwelling_labels(ids: set, *, election: Election) -> dict[Any, str]:
    entries = RollEntry.objects.filter(election=election, dwelling_id__in=ids).select_related(
        "dwelling__unit__building"
    )
    return {
        e.dwelling_id: f"{e.dwelling.unit.building.code}/{e.dwelling.unit.code}/{e.dwelling.code}"
        for e in entries
    }


@election_reader_required
def tally_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable sheet for the publicity board: totals only."""
    election = _election(request, pk)
    if election.tally is None:
        raise Http404
    return render(
        request,
        "committees/tally_sheet.html",
        {"election": election, "tally": election.tally, "rows": _result_rows(election.tally)},
    )


def _result_rows(tally: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**r, "label": _choice_label(r["name"])} for r in tally["results"]]


# --- public -------------------------------------------------------------------------------------


def _rate_limited(request: HttpRequest, template: str, context: dict, exc: voting.RateLimited):
    return render(request, template, {**context, "refusal": exc.message}, status=429)


@never_cache
def vote(request: HttpRequest) -> HttpResponse:
    """Online voting: the voting code first, then the ballot, then the choices read back for the
    voter to confirm (or change), then the receipt code."""
    template = "committees/voting_public.html"
    if request.method != "POST":
        return render(
            request, template, {"code_form": VotingCodeForm(), "elections": open_elections()}
        )

    if request.POST.get("step") == "ballot":
        return _vote_ballot(request, template)

    code_form = VotingCodeForm(request.POST)
    context: dict[str, Any] = {"code_form": code_form, "elections": open_elections()}
    if not code_form.is_valid():
        return render(request, template, context)
    election = code_form.cleaned_data["election"]
    code = code_form.cleaned_data["code"]
    limit = {"scope": "code", "election_id": election.pk, "client": _client(request)}
    try:
        voting.attempts_check(**limit)
    except voting.RateLimited as exc:
        return _rate_limited(request, template, context, exc)
    entry = voting.voting_code_entry(election=election, code=code)
    if entry is None or entry.voting_code_used_at is not None:
        voting.attempts_fail(**limit)
        code_form.add_error("code", voting.CODE_INVALID if entry is None else voting.CODE_USED)
        return render(request, template, context)
    ballot_form = OnlineBallotForm(
        initial={"election": election.pk, "code": code}, election=election
    )
    return render(request, template, {"ballot_form": ballot_form, "election": election})


def _vote_ballot(request: HttpRequest, template: str) -> HttpResponse:
    election = open_elections().filter(pk=request.POST.get("election") or 0).first()
    if election is None:
        messages.error(request, voting.NOT_VOTING)
        return redirect("committees:vote")
    form = OnlineBallotForm(request.POST, election=election)
    context = {"ballot_form": form, "election": election}
    limit = {"scope": "code", "election_id": election.pk, "client": _client(request)}
    try:
        voting.attempts_check(**limit)
    except voting.RateLimited as exc:
        return _rate_limited(request, template, {"code_form": VotingCodeForm()}, exc)
    if not form.is_valid():
        return render(request, template, context)
    if request.POST.get("confirm") != "yes":
        # Nothing is cast until the voter has read back the choices: a ballot cannot be taken
        # back, and a tap on the button with nothing ticked would cast a blank one.
        try:
            choices = voting.choices_clean(
                election=election,
                choices=form.cleaned_data["choices"],
                names=voting.qualified_candidate_names(election=election),
            )
        except voting.VotingError as exc:
            form.add_error(None, exc.message)
            return render(request, template, context)
        if request.POST.get("change") != "yes":
            context["review"] = [_choice_label(c) for c in choices]
        return render(request, template, context)
    try:
        ballot = voting.ballot_cast_with_code(
            election=election, code=form.cleaned_data["code"], choices=form.cleaned_data["choices"]
        )
    except voting.VotingError as exc:
        if exc.message in (str(voting.CODE_INVALID), str(voting.CODE_USED)):
            voting.attempts_fail(**limit)
            code_form = VotingCodeForm(initial={"election": election.pk})
            return render(
                request,
                template,
                {"code_form": code_form, "elections": open_elections(), "refusal": exc.message},
            )
        form.add_error(None, exc.message)
        return render(request, template, context)
    return render(
        request, "committees/ballot_receipt.html", {"election": election, "ballot": ballot}
    )


@never_cache
def receipt_check(request: HttpRequest) -> HttpResponse:
    """A voter checks a receipt code: which election counts the ballot; nothing else. The code
    comes by POST only: in a URL it would stay in server logs and the browser's history, and a
    GET (with or without a code) shows the empty form."""
    template = "committees/ballot_receipt_check.html"
    form = ReceiptForm(post_data(request))
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        limit = {"scope": "receipt", "election_id": 0, "client": _client(request)}
        try:
            voting.attempts_check(**limit)
        except voting.RateLimited as exc:
            return _rate_limited(request, template, context, exc)
        election = voting.receipt_lookup(code=form.cleaned_data["code"])
        if election is None:
            voting.attempts_fail(**limit)
        context.update(checked=True, found=election)
    return render(request, template, context)


def _public_results():
    return (
        Election.objects.filter(tally__isnull=False)
        .select_related("committee__compound__community")
        .order_by("-tallied_at")
    )


def result_list(request: HttpRequest) -> HttpResponse:
    """Public: owners' votes in the open. What is being voted on now and which candidate lists
    are posted come first (a resident looks for them here), then the results."""
    return render(
        request,
        "committees/result_list.html",
        {
            "elections": _public_results()[:100],
            "voting_now": open_elections(),
            "posted": public_publicity_elections(),
        },
    )


def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    election = get_object_or_404(_public_results(), pk=pk)
    return render(
        request,
        "committees/result_detail.html",
        {"election": election, "tally": election.tally, "rows": _result_rows(election.tally)},
    )


urlpatterns = [
    path("elections/<int:pk>/voting/", voting_detail, name="voting_detail"),
    path("elections/<int:pk>/voting/tracker/", voting_tracker, name="voting_tracker"),
    path("elections/<int:pk>/voting/codes/", voting_codes, name="voting_codes"),
    path("elections/<int:pk>/ballots/", ballot_list, name="ballot_list"),
    path("elections/<int:pk>/ballots/new/", ballot_entry, name="ballot_entry"),
    path(
        "elections/<int:pk>/ballots/dwellings/",
        ballot_dwelling_search,
        name="ballot_dwelling_search",
    ),
    path("elections/<int:pk>/ballots/import/", ballot_upload, name="ballot_import"),
    path("elections/<int:pk>/tally/", tally_detail, name="tally_detail"),
    path("elections/<int:pk>/tally/sheet/", tally_sheet, name="tally_sheet"),
    path("vote/", vote, name="vote"),
    path("receipt/", receipt_check, name="receipt_check"),
    path("results/", result_list, name="result_list"),
    path("results/<int:pk>/", result_detail, name="result_detail"),
]
