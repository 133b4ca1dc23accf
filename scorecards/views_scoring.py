"""Pages of the monthly scoring: drafts, adjustments, replies, publication, corrections, appeals.

Who may do what (anonymous users are sent to log in; any other account gets 403):

| page | staff | company user | grid worker, committee, resident |
|---|---|---|---|
| scoring home | month overview of their communities | its scorecards and black listings | 403 |
| month overview, draft now, publish | their communities | 403 | 403 |
| scorecard detail | their communities' cards | its company's cards (drafts too) | 403 |
| adjust, lift a veto, answer a reply | their communities | 403 | 403 |
| reply to a draft | 403 | its company's drafts, within the window | 403 |
| publication detail, correction | their communities | 403 | 403 |
| appeals: list | their communities' | its own | 403 |
| appeal a black listing | 403 | its own black entries, within the period | 403 |
| decide an appeal | their communities | 403 | 403 |

Objects are fetched through the scoped selectors of ``scorecards.scoring``, so another
community's or another company's id answers 404 and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from compounds.models import Community
from compounds.permissions import role_required
from compounds.selectors import company_ids
from tongde import attention, exports
from tongde.once import submit_once
from tongde.pages import add_service_errors, form_page, post_data
from tongde.text import month_name

from . import scoring
from .forms_scoring import (
    AdjustForm,
    AnswerForm,
    AppealForm,
    CorrectionForm,
    DecideForm,
    PublishForm,
    ReplyForm,
    VetoLiftForm,
)
from .inspections import is_internal
from .models import (
    Appeal,
    Publication,
    PublicationEntry,
    Scorecard,
    ScorecardReply,
    ScoreLine,
    VetoEvent,
    next_month,
    previous_month,
)
from .reports import report_list, scorecard_report_text
from .summons import mark_summoned
from .templatetags.scorecards_tags import compliance_label

PAGE_SIZE = 50
# What the company is told once it has sent something: sent, and what happens next.
REPLY_SENT = _lazy(
    "Your reply was sent. Staff answer it on the scorecard before they publish the list."
)
APPEAL_SENT = _lazy(
    "Your appeal was sent. Staff decide it with a reason: the outcome shows under Appeals and "
    "is sent to you by email."
)


def _is_reader(user) -> bool:
    return scoring.is_scoring_staff(user) or bool(company_ids(user))


reader_required = role_required(_is_reader)
staff_required = role_required(scoring.is_scoring_staff)
company_required = role_required(lambda user: bool(company_ids(user)))


def _is_staff_of(user, community_id: int) -> bool:
    ids = scoring.scoring_community_ids(user)
    return ids is None or community_id in ids


def _community(request: HttpRequest, pk: int) -> Community:
    return get_object_or_404(scoring.scoring_community_list(user=request.user), pk=pk)


def _month(label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{label}-01")
    except ValueError as exc:
        raise Http404 from exc


def _card(request: HttpRequest, pk: int) -> Scorecard:
    return get_object_or_404(scoring.scorecard_list(user=request.user), pk=pk)


def _staff_card(request: HttpRequest, pk: int) -> Scorecard:
    card = _card(request, pk)
    if not _is_staff_of(request.user, card.compound.community_id):
        raise PermissionDenied
    return card


def _publication(request: HttpRequest, pk: int) -> Publication:
    return get_object_or_404(scoring.publication_list(user=request.user), pk=pk)


# --- home and month overview ---------------------------------------------------------------------


@reader_required
def home(request: HttpRequest) -> HttpResponse:
    if scoring.is_scoring_staff(request.user):
        today = timezone.localdate()
        panels = scoring.staff_attention(scoring.scoring_communities(request.user), today)
        return render(
            request,
            "scorecards/scoring/home.html",
            {"panels": panels, "month": previous_month(today)},
        )
    cards = scoring.scorecard_list(user=request.user)
    if request.GET.get("reply") == "open":
        # The to-do page's "drafts you may still reply to" opens this filter.
        cards = cards.filter(attention.drafts_open_to_reply_q(timezone.localdate()))
    # Once published, a row shows what the latest edition of the list says (a correction, e.g.
    # after an upheld appeal, changes the entry and never the card) and how any appeal stands.
    latest = PublicationEntry.objects.filter(scorecard=OuterRef("pk")).order_by(
        "-publication__sequence"
    )
    appeals = Appeal.objects.filter(entry__scorecard=OuterRef("pk")).order_by("-filed_at")
    cards = cards.annotate(
        reply_count=Count("replies"),
        listed_score=Subquery(latest.values("score")[:1]),
        listed_band=Subquery(latest.values("band")[:1]),
        listed_veto=Subquery(latest.values("veto")[:1]),
        appeal_status=Subquery(appeals.values("status")[:1]),
    ).order_by("-month", "compound__name")
    entries = scoring.company_appealable_entries(user=request.user)
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for card in page.object_list:
        listed = card.listed_band is not None
        card.shown_score = card.listed_score if listed else card.total
        card.shown_band = card.listed_band if listed else card.band
        card.shown_veto = card.listed_veto if listed else card.has_veto
        card.is_corrected = listed and (card.listed_score, card.listed_band) != (
            card.total,
            card.band,
        )
        card.appeal_label = Appeal.Status(card.appeal_status).label if card.appeal_status else ""
    return render(
        request,
        "scorecards/scoring/company_home.html",
        {"cards": page, "page": page, "entries": entries, "today": timezone.localdate()},
    )


def _month_sheet(cards, label: str, listed: dict) -> exports.Sheet:
    """The month's cards with each criterion's points, in the rubric's order; score, band and
    veto as the latest edition lists them once published."""
    cards = list(
        cards.prefetch_related(
            Prefetch(
                "lines",
                queryset=ScoreLine.objects.select_related("criterion").order_by(
                    "criterion__position", "criterion_id"
                ),
            )
        )
    )
    zh = translation.get_language().startswith("zh")
    criteria: dict[str, str] = {}
    for card in cards:
        for line in card.lines.all():
            criteria.setdefault(
                line.criterion.code, line.criterion.name_zh if zh else line.criterion.name
            )
    bands = dict(Scorecard._meta.get_field("band").flatchoices)
    rows = []
    for card in cards:
        _show_listed(card, listed.get(card.pk))
        points = {line.criterion.code: line.points for line in card.lines.all()}
        rows.append(
            [
                card.compound.name,
                card.company.name,
                card.shown_score,
                str(bands.get(card.shown_band, card.shown_band)),
                _("yes") if card.shown_veto else "",
                _("yes") if card.has_overdue_rectification else "",
                card.inspections,
                card.findings,
                compliance_label(card.report_status),
                card.get_status_display(),
                *(points.get(code) for code in criteria),
            ]
        )
    headers = [
        _("Compound"),
        _("Company"),
        _("Score"),
        _("Band"),
        _("Veto"),
        _("Overdue rectification"),
        _("Inspections"),
        _("Findings"),
        _("Monthly report"),
        _("Status"),
        *criteria.values(),
    ]
    return exports.Sheet(label, headers, rows)


def _show_listed(card: Scorecard, entry: PublicationEntry | None) -> None:
    """What the month's pages show of a card: once published, the latest edition's entry (a
    correction changes the entry, not the card); before, the card itself."""
    card.entry = entry
    card.shown_score = entry.score if entry else card.total
    card.shown_band = entry.band if entry else card.band
    card.shown_veto = entry.veto if entry else card.has_veto


@staff_required
def month_overview(request: HttpRequest, community: int, month: str) -> HttpResponse:
    community_obj = _community(request, community)
    first = _month(month)
    cards = (
        Scorecard.objects.filter(compound__community=community_obj, month=first)
        .select_related("compound", "company")
        .order_by("compound__name")
    )
    listed = scoring.listed_entries(community=community_obj, month=first)
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            f"{community_obj.name} {month} {_('Monthly scoring')}",
            [_month_sheet(cards, month, listed)],
        )
    cards = list(
        cards.annotate(
            reply_count=Count("replies", distinct=True),
            open_replies=Count(
                "replies", filter=Q(replies__answered_at__isnull=True), distinct=True
            ),
        )
    )
    for card in cards:
        _show_listed(card, listed.get(card.pk))
    publications = list(
        Publication.objects.filter(community=community_obj, month=first).order_by("sequence")
    )
    return render(
        request,
        "scorecards/scoring/month.html",
        {
            "community": community_obj,
            "month": first,
            "label": month,
            "cards": cards,
            "publications": publications,
            "drafts": sum(1 for c in cards if c.status == Scorecard.Status.DRAFT),
            # Drafting is for months that have ended and whose list is not published yet.
            "drafting_opens": next_month(first),
            "can_draft": next_month(first) <= timezone.localdate() and not publications,
            "previous": previous_month(first).strftime("%Y-%m"),
            "next": next_month(first).strftime("%Y-%m"),
        },
    )


@staff_required
def draft_now(request: HttpRequest, community: int, month: str) -> HttpResponse:
    community_obj = _community(request, community)
    first = _month(month)
    if request.method != "POST":
        return redirect("scorecards:scoring_month", community_obj.pk, month)
    try:
        result = scoring.draft_month(first, [community_obj])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Drafted: %(created)s new, %(refreshed)s refreshed, %(published)s already published.")
            % {
                "created": result.created,
                "refreshed": result.refreshed,
                "published": result.published,
            },
        )
    return redirect("scorecards:scoring_month", community_obj.pk, month)


@staff_required
def publish(request: HttpRequest, community: int, month: str) -> HttpResponse:
    community_obj = _community(request, community)
    first = _month(month)
    drafts = Scorecard.objects.filter(
        compound__community=community_obj, month=first, status=Scorecard.Status.DRAFT
    )
    reply_until = drafts.aggregate(until=Max("reply_due_on"))["until"]
    form = PublishForm(post_data(request), reply_until=reply_until, today=timezone.localdate())
    counts = {row["band"]: row["n"] for row in drafts.values("band").annotate(n=Count("pk"))}
    if not counts:
        # Nothing to publish (not drafted yet, or already out): say so at once, not after a POST.
        messages.info(request, scoring.NOTHING_TO_PUBLISH % {"month": month_name(first)})
        return redirect("scorecards:scoring_month", community_obj.pk, month)
    return _publish_page(
        request,
        form,
        publish=lambda form: scoring.publish_month(
            community=community_obj, month=first, user=request.user
        ),
        template="scorecards/scoring/publish.html",
        context={
            "community": community_obj,
            "month": first,
            "label": month,
            "counts": counts,
            "draft_count": sum(counts.values()),
            "reply_until": reply_until,
            "reply_open": form.reply_open,
            # Said before publishing: an answer is due to each company that replied.
            "unanswered": scoring.unanswered_replies(drafts),
        },
    )


def _publish_page(request: HttpRequest, form, *, publish, template: str, context: dict):
    """``form_page`` for publishing a list or a correction: the message says which edition of
    which month was published, not just "Saved."."""
    if request.method == "POST" and form.is_valid():
        try:
            publication = publish(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            values = {"month": month_name(publication.month), "sequence": publication.sequence}
            if publication.sequence == 1:
                message = _("Published the red/black list of %(month)s (edition %(sequence)s).")
            else:
                message = _(
                    "Published a correction of the %(month)s red/black list (edition %(sequence)s)."
                )
            messages.success(request, message % values)
            return redirect("scorecards:scoring_publication", publication.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)


# --- a scorecard -----------------------------------------------------------------------------------


def _evidence_url(finding, *, internal: bool) -> str | None:
    """Where a deduction's evidence is: the inspection for staff and grid workers; for the
    company, which may not open inspections, the rectification item the finding raised."""
    if finding is None:
        return None
    if internal:
        if finding.inspection_id is None:
            return None
        return reverse("scorecards:inspection_detail", args=[finding.inspection_id])
    rectification = getattr(finding, "rectification", None)
    if rectification is None:
        return None
    return reverse("scorecards:rectification_detail", args=[rectification.pk])


def _latest_entry(card: Scorecard) -> PublicationEntry | None:
    """The card's entry in the latest edition of its month's list, when a correction changed
    it: the card keeps what was drafted, the list says what holds now."""
    entry = (
        PublicationEntry.objects.filter(scorecard=card)
        .select_related("publication")
        .order_by("-publication__sequence")
        .first()
    )
    if entry is None or (entry.score, entry.band, entry.veto) == (
        card.total,
        card.band,
        card.has_veto,
    ):
        return None
    return entry


@reader_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk)
    is_staff = _is_staff_of(request.user, card.compound.community_id)
    deductions = list(card.deductions.select_related("criterion", "finding__rectification", "by"))
    internal = is_internal(request.user)
    for deduction in deductions:
        deduction.evidence_url = _evidence_url(deduction.finding, internal=internal)
        # A give-back is stored as negative points: shown as points returned.
        deduction.returned = -deduction.points if deduction.points < 0 else None
    vetoes = list(card.vetoes.select_related("veto_item", "finding__rectification"))
    for veto in vetoes:
        # The stored evidence is a reference ("finding:392", "report:2026-09:missing"): the page
        # shows the finding itself, or says the report was not filed.
        veto.evidence_url = _evidence_url(veto.finding, internal=internal)
        veto.is_report = veto.finding_id is None and veto.evidence.startswith("report:")
    can_reply = not is_staff and scoring.may_reply(scorecard=card, user=request.user)
    appealable = None if is_staff else scoring.appealable_entry(card=card, user=request.user)
    # The appeals of the card's black listings, shown where the company reads why it was listed.
    appeals = Appeal.objects.filter(entry__scorecard=card).order_by("filed_at")
    # The month's report as the reader may see it: a draft saved but not submitted is said.
    report = (
        report_list(user=request.user)
        .filter(compound_id=card.compound_id, month=card.month)
        .select_related(None)
        .only("pk", "status", "first_submitted_at")
        .first()
    )
    return render(
        request,
        "scorecards/scoring/scorecard.html",
        {
            "card": card,
            "lines": card.lines.select_related("criterion"),
            "deductions": deductions,
            "vetoes": vetoes,
            "listed": _latest_entry(card),
            "replies": card.replies.select_related("by", "answered_by"),
            "is_staff": is_staff,
            "is_draft": card.status == Scorecard.Status.DRAFT,
            "adjust_form": AdjustForm(scorecard=card, initial={"version": card.version}),
            "lift_form": VetoLiftForm(initial={"version": card.version}),
            "reply_form": ReplyForm() if can_reply else None,
            "appealable": appealable,
            "appeals": appeals,
            "answer_form": AnswerForm(),
            "report": report,
            "report_text": scorecard_report_text(card.report_status, report=report),
            "may_file": not is_staff
            and report is None
            and card.company_id in company_ids(request.user),
        },
    )


@staff_required
def scorecard_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    card = _staff_card(request, pk)
    if card.status != Scorecard.Status.DRAFT:
        # Said before a reason is typed: a published card changes by a correction only.
        messages.info(request, scoring.PUBLISHED_CARD)
        return redirect("scorecards:scoring_card", pk=card.pk)
    form = AdjustForm(post_data(request), scorecard=card, initial={"version": card.version})

    def save(form) -> str:
        scoring.scorecard_adjust(
            scorecard=card,
            criterion=form.cleaned_data["criterion"],
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
            user=request.user,
            seen_version=form.cleaned_data["version"],
        )
        return reverse("scorecards:scoring_card", args=[card.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/adjust.html",
        context={"card": card, "title": _("Adjust a score")},
    )


@staff_required
def veto_lift(request: HttpRequest, pk: int) -> HttpResponse:
    veto = get_object_or_404(
        VetoEvent.objects.select_related("scorecard__compound", "veto_item").filter(
            scorecard__in=scoring.scorecard_list(user=request.user)
        ),
        pk=pk,
    )
    card = veto.scorecard
    if not _is_staff_of(request.user, card.compound.community_id):
        raise PermissionDenied
    form = VetoLiftForm(post_data(request), initial={"version": card.version})

    def save(form) -> str:
        scoring.veto_lift(
            veto=veto,
            reason=form.cleaned_data["reason"],
            user=request.user,
            seen_version=form.cleaned_data["version"],
        )
        return reverse("scorecards:scoring_card", args=[card.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/adjust.html",
        context={"card": card, "veto": veto, "title": _("Lift a veto")},
    )


def _closed_page(
    request: HttpRequest, template: str, context: dict, check, **kwargs
) -> HttpResponse | None:
    """Ask the service's ``check`` before showing a form: when it refuses, the page says why
    (``refusal``, no form) instead of a form that would be refused after typing."""
    try:
        check(**kwargs)
    except ValidationError as exc:
        return render(
            request,
            template,
            {**context, "refusal": exc.messages, "form": None},
            status=400 if request.method == "POST" else 200,
        )
    return None


@company_required
@submit_once
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(
        Scorecard.objects.select_related("compound", "company").filter(
            company_id__in=company_ids(request.user)
        ),
        pk=pk,
    )
    context = {
        "card": card,
        "title": _("Reply to the draft scorecard"),
        "submit_label": _("Send the reply"),
        "once": True,
    }
    closed = _closed_page(
        request,
        "scorecards/scoring/adjust.html",
        context,
        scoring.check_reply,
        scorecard=card,
        user=request.user,
    )
    if closed:
        return closed
    form = ReplyForm(post_data(request))

    def save(form) -> str:
        scoring.reply_create(scorecard=card, text=form.cleaned_data["text"], user=request.user)
        return reverse("scorecards:scoring_card", args=[card.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/adjust.html",
        context=context,
        success=REPLY_SENT,
    )


@staff_required
def reply_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ScorecardReply.objects.select_related("scorecard__compound").filter(
            scorecard__in=scoring.scorecard_list(user=request.user)
        ),
        pk=pk,
    )
    card = item.scorecard
    if not _is_staff_of(request.user, card.compound.community_id):
        raise PermissionDenied
    form = AnswerForm(post_data(request))

    def save(form) -> str:
        scoring.reply_answer(reply=item, answer=form.cleaned_data["answer"], user=request.user)
        return reverse("scorecards:scoring_card", args=[card.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/adjust.html",
        context={
            "card": card,
            "reply": item,
            "title": _("Answer the company's reply"),
            "submit_label": _("Send the answer"),
        },
    )


# --- publications and corrections ------------------------------------------------------------------


@staff_required
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _publication(request, pk)
    entries = list(scoring.public_entry_list(publication=publication).select_related("appeal"))
    mark_summoned(entries)
    return render(
        request,
        "scorecards/scoring/publication.html",
        {
            "publication": publication,
            "entries": entries,
            "is_latest": scoring.latest_edition(publication).pk == publication.pk,
            "editions": Publication.objects.filter(
                community_id=publication.community_id, month=publication.month
            ).order_by("sequence"),
        },
    )


@staff_required
def publication_correct(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _publication(request, pk)
    form = CorrectionForm(post_data(request), publication=publication)
    return _publish_page(
        request,
        form,
        publish=lambda form: scoring.publish_correction(
            publication=publication,
            changes=form.changes(),
            note=form.cleaned_data["note"],
            user=request.user,
            appeal=form.cleaned_data.get("appeal"),
            band_override=form.cleaned_data.get("band_override", False),
        ),
        template="scorecards/scoring/correct.html",
        context={"publication": publication},
    )


# --- appeals ---------------------------------------------------------------------------------------


@reader_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    appeals = scoring.appeal_list(user=request.user).order_by("-filed_at")
    return render(
        request,
        "scorecards/scoring/appeals.html",
        {
            "appeals": appeals,
            "is_staff": scoring.is_scoring_staff(request.user),
            "entries": scoring.company_appealable_entries(user=request.user),
        },
    )


@company_required
def appeal_file(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        PublicationEntry.objects.select_related("publication__community").filter(
            company_id__in=company_ids(request.user)
        ),
        pk=pk,
    )
    context = {"entry": entry, "closes_on": scoring.appeal_closes_on(entry)}
    closed = _closed_page(
        request,
        "scorecards/scoring/appeal_form.html",
        context,
        scoring.check_appeal,
        entry=entry,
        user=request.user,
    )
    if closed:
        return closed
    form = AppealForm(post_data(request))

    def save(form) -> str:
        scoring.appeal_file(entry=entry, grounds=form.cleaned_data["grounds"], user=request.user)
        return reverse("scorecards:scoring_appeals")

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/appeal_form.html",
        context=context,
        success=APPEAL_SENT,
    )


@staff_required
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(scoring.appeal_list(user=request.user), pk=pk)
    if not _is_staff_of(request.user, appeal.entry.publication.community_id):
        raise PermissionDenied
    form = DecideForm(post_data(request))

    def save(form) -> str:
        decided = scoring.appeal_decide(
            appeal=appeal,
            status=form.cleaned_data["status"],
            decision=form.cleaned_data["decision"],
            user=request.user,
        )
        if decided.status == decided.Status.UPHELD:
            return reverse("scorecards:scoring_correct", args=[appeal.entry.publication_id])
        return reverse("scorecards:scoring_appeals")

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/scoring/appeal_form.html",
        context={"entry": appeal.entry, "appeal": appeal},
    )


urlpatterns = [
    path("scoring/", home, name="scoring_home"),
    path("scoring/<int:community>/<str:month>/", month_overview, name="scoring_month"),
    path("scoring/<int:community>/<str:month>/draft/", draft_now, name="scoring_draft"),
    path("scoring/<int:community>/<str:month>/publish/", publish, name="scoring_publish"),
    path("scoring/card/<int:pk>/", scorecard_detail, name="scoring_card"),
    path("scoring/card/<int:pk>/adjust/", scorecard_adjust, name="scoring_adjust"),
    path("scoring/card/<int:pk>/reply/", reply, name="scoring_reply"),
    path("scoring/veto/<int:pk>/lift/", veto_lift, name="scoring_veto_lift"),
    path("scoring/reply/<int:pk>/answer/", reply_answer, name="scoring_reply_answer"),
    path("scoring/publication/<int:pk>/", publication_detail, name="scoring_publication"),
    path("scoring/publication/<int:pk>/correct/", publication_correct, name="scoring_correct"),
    path("scoring/appeals/", appeal_list, name="scoring_appeals"),
    path("scoring/entry/<int:pk>/appeal/", appeal_file, name="scoring_appeal_file"),
    path("scoring/appeals/<int:pk>/decide/", appeal_decide, name="scoring_appeal_decide"),
]
