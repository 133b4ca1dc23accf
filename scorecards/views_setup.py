"""Setup pages of the evaluation, for community staff only: the settings of a year (bands and
calendar), the rubric (view, edit an unused version, make a new version), and the compounds'
target-responsibility agreements with their commitments and signed scans.

Who may do what (tests/scorecards/test_agreements_views.py holds the full table): staff of the
community read and edit; staff of another community get 404 for its objects; grid workers,
company users, committee members and residents get 403; anonymous visitors go to the login page.
One exception: an agreement and its signed scan are also read (never edited) by the company
that signed it and by the compound's committee members, since the monthly report asks about
its commitments (``agreements.agreement_list``); another's agreement answers them 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compounds import selectors as registry
from compounds.models import Community, Compound
from compounds.permissions import role_required, staff_required
from tongde import concurrency, uploads
from tongde.pages import add_service_errors, form_page, note_files_not_kept, post_data

from . import agreements, setup
from .forms_setup import (
    AgreementCreateForm,
    AgreementFilter,
    AgreementForm,
    CommitmentFormSet,
    CriterionFormSet,
    DeductionFormSet,
    RubricNoteForm,
    SettingsForm,
    VetoFormSet,
    commitment_rows,
    formset_rows,
)
from .models import Agreement, Commitment, DeductionItem, Rubric, RubricCriterion, VetoItem

PAGE_SIZE = 50

agreement_reader_required = role_required(agreements.is_agreement_reader)


def _communities(user) -> QuerySet[Community]:
    qs = Community.objects.order_by("name")
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=registry.staff_community_ids(user, include_grid_workers=False))


def _community(request: HttpRequest, slug: str) -> Community:
    return get_object_or_404(_communities(request.user), slug=slug)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _agreements(user) -> QuerySet[Agreement]:
    return Agreement.objects.select_related("compound__community", "company", "fee_vote").filter(
        compound__community__in=_communities(user)
    )


@staff_required
def setup_home(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    return render(
        request,
        "scorecards/setup/home.html",
        {"communities": list(_communities(request.user)), "years": [year + 1, year, year - 1]},
    )


@staff_required
def settings_edit(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    community = _community(request, slug)
    # Unsaved for a year with none yet: the first save creates it (settings_update).
    row = setup.settings_of(community, _year(year))
    form = SettingsForm(post_data(request), instance=row)

    def save(form: SettingsForm) -> str:
        agreements.settings_update(community=community, year=year, data=form.cleaned_data)
        return reverse("scorecards:settings_edit", args=[community.slug, year])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/setup/settings_form.html",
        context={"community": community, "year": year, "is_saved": row.pk is not None},
    )


@staff_required
def rubric_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    community = _community(request, slug)
    year = _year(year)
    versions = list(Rubric.objects.filter(community=community, year=year).order_by("-version"))
    wanted = request.GET.get("version")
    if not versions:
        # A year with no rubric shows the default unsaved; its first save makes version 1.
        if wanted:
            raise Http404
        draft = setup.default_rubric(community, year)
        rubric, latest, criteria, vetoes = draft.rubric, None, draft.criteria, draft.vetoes
    else:
        # The newest version is the first of the list.
        rubric = latest = versions[0]
        if wanted and wanted.isdigit():
            rubric = next((v for v in versions if v.version == int(wanted)), None)
            if rubric is None:
                raise Http404
        criteria = setup.rubric_rows(rubric)
        vetoes = list(rubric.veto_items.all())
    return render(
        request,
        "scorecards/setup/rubric_detail.html",
        {
            "community": community,
            "year": year,
            "rubric": rubric,
            "latest": latest,
            "versions": versions,
            "criteria": criteria,
            "vetoes": vetoes,
            "total": sum((c.max_points for c in criteria), 0),
        },
    )


def _rubric_of(request: HttpRequest, pk: int) -> Rubric:
    return get_object_or_404(
        Rubric.objects.select_related("community").filter(community__in=_communities(request.user)),
        pk=pk,
    )


def _rubric_editor(
    request: HttpRequest,
    *,
    community: Community,
    rubric: Rubric,
    criteria: list[RubricCriterion],
    vetoes: list[VetoItem],
    save: Callable[..., Rubric],
) -> HttpResponse:
    """The editor of a rubric's rows, saved or not (``criteria`` carry their ``items``); a valid
    POST calls ``save`` with the rows and the note. A saved rubric's editor is refused (409) if
    someone else changed the rubric or its rows since the page was shown."""
    data = post_data(request)
    is_saved = rubric.pk is not None
    criteria_fs = CriterionFormSet(
        data,
        prefix="c",
        initial=[
            {"code": c.code, "name": c.name, "name_zh": c.name_zh, "max_points": c.max_points}
            for c in criteria
        ],
    )
    deductions_fs = DeductionFormSet(
        data,
        prefix="d",
        initial=[
            {
                "criterion": c.code,
                "code": d.code,
                "name": d.name,
                "name_zh": d.name_zh,
                "points": d.points,
            }
            for c in criteria
            for d in c.items
        ],
    )
    vetoes_fs = VetoFormSet(
        data,
        prefix="v",
        initial=[{"code": v.code, "name": v.name, "name_zh": v.name_zh} for v in vetoes],
    )
    note_form = RubricNoteForm(data, initial={"note": rubric.note})
    # The unsaved default of a year has nothing anybody could have changed meanwhile.
    row = rubric if is_saved else None
    links = partial(_rubric_links, rubric) if is_saved else None
    concurrency.add_fields(note_form, row=row, links=links)
    status = 200
    if request.method == "POST":
        status = 400
        valid = all(f.is_valid() for f in (criteria_fs, deductions_fs, vetoes_fs, note_form))
        if valid:
            try:
                saved = concurrency.save_unless_changed(
                    note_form,
                    row=row,
                    links=links,
                    save=lambda: save(
                        criteria=formset_rows(criteria_fs),
                        deductions=formset_rows(deductions_fs),
                        vetoes=formset_rows(vetoes_fs),
                        note=note_form.cleaned_data["note"],
                    ),
                )
            except concurrency.ChangedMeanwhile:
                status = 409
            except ValidationError as exc:
                add_service_errors(note_form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    reverse("scorecards:rubric_detail", args=[community.slug, saved.year])
                    + f"?version={saved.version}"
                )
    return render(
        request,
        "scorecards/setup/rubric_form.html",
        {
            "rubric": rubric,
            "community": community,
            "criteria_fs": criteria_fs,
            "deductions_fs": deductions_fs,
            "vetoes_fs": vetoes_fs,
            "form": note_form,
            "total": sum((c.max_points for c in criteria), 0),
        },
        status=status,
    )


def _rubric_links(rubric: Rubric) -> dict[str, concurrency.Link]:
    # The rubric's rows are what its editor edits; the rubric row itself holds little more
    # than the note, so its fingerprint alone would miss almost every other edit.
    return {
        "criteria": concurrency.rows(RubricCriterion.objects.filter(rubric=rubric)),
        "deduction_items": concurrency.rows(DeductionItem.objects.filter(criterion__rubric=rubric)),
        "veto_items": concurrency.rows(VetoItem.objects.filter(rubric=rubric)),
    }


@staff_required
def rubric_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = _rubric_of(request, pk)
    return _rubric_editor(
        request,
        community=rubric.community,
        rubric=rubric,
        criteria=setup.rubric_rows(rubric),
        vetoes=list(rubric.veto_items.all()),
        save=partial(agreements.rubric_update, rubric=rubric),
    )


@staff_required
def rubric_adopt(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """The editor of a year with no rubric yet, on the unsaved default: saving makes version 1.
    Once the year has one, this address leads to its newest version's editor."""
    community = _community(request, slug)
    year = _year(year)
    latest = Rubric.objects.filter(community=community, year=year).order_by("-version").first()
    if latest is not None:
        return redirect("scorecards:rubric_edit", latest.pk)
    draft = setup.default_rubric(community, year)
    return _rubric_editor(
        request,
        community=community,
        rubric=draft.rubric,
        criteria=draft.criteria,
        vetoes=draft.vetoes,
        save=partial(agreements.rubric_adopt, community=community, year=year),
    )


@staff_required
@require_POST
def rubric_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    rubric = _rubric_of(request, pk)
    new = agreements.rubric_new_version(
        rubric=rubric, by=request.user, note=request.POST.get("note", "")[:200]
    )
    messages.success(request, _("Version %(version)s made: edit it.") % {"version": new.version})
    return redirect("scorecards:rubric_edit", new.pk)


# --- Agreements --------------------------------------------------------------------------------


@staff_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilter(request.GET or None)
    qs = _agreements(request.user).annotate(
        commitment_count=Count("commitments", filter=Q(commitments__is_withdrawn=False))
    )
    if form.is_valid():
        if form.cleaned_data["year"]:
            qs = qs.filter(year=form.cleaned_data["year"])
        if q := form.cleaned_data["q"]:
            qs = qs.filter(Q(compound__name__icontains=q) | Q(company__name__icontains=q))
    page = Paginator(qs.order_by("-year", "compound__name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    compounds = (
        Compound.objects.filter(
            community__in=_communities(request.user), kind=Compound.Kind.MANAGED
        )
        .select_related("community")
        .order_by("community__name", "name")
    )
    return render(
        request,
        "scorecards/setup/agreement_list.html",
        {"filter": form, "page": page, "compounds": compounds[:500]},
    )


@staff_required
def agreement_start(request: HttpRequest) -> HttpResponse:
    """The compound picker of the list page posts here (GET) and lands on the form."""
    pk = request.GET.get("compound", "")
    if not pk.isdigit():
        raise Http404
    return redirect("scorecards:agreement_create", int(pk))


@staff_required
def agreement_create(request: HttpRequest, compound_pk: int) -> HttpResponse:
    compound = get_object_or_404(
        Compound.objects.select_related("community").filter(
            community__in=_communities(request.user)
        ),
        pk=compound_pk,
    )
    data = post_data(request)
    form = AgreementCreateForm(
        data,
        request.FILES or None,
        compound_id=compound.pk,
        initial={"year": timezone.localdate().year},
    )
    commitments = CommitmentFormSet(data, prefix="k")
    status = 200
    if request.method == "POST":
        if form.is_valid() and commitments.is_valid():
            try:
                agreement = agreements.agreement_create(
                    compound=compound,
                    year=form.cleaned_data["year"],
                    data=form.data_dict(),
                    commitments=commitment_rows(commitments),
                    scan=form.cleaned_data.get("scan"),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("scorecards:agreement_detail", agreement.pk)
        status = 400
    return render(
        request,
        "scorecards/setup/agreement_form.html",
        {"form": form, "commitments": commitments, "compound": compound, "agreement": None},
        status=status,
    )


@agreement_reader_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(agreements.agreement_list(user=request.user), pk=pk)
    can_edit = agreements.can_edit_agreement(request.user, agreement)
    return render(
        request,
        "scorecards/setup/agreement_detail.html",
        {
            "agreement": agreement,
            "commitments": list(agreement.commitments.all()),
            "can_edit": can_edit,
            # Who changed what is the community's own record.
            "history": list(agreement.history.select_related("history_user")[:20])
            if can_edit
            else [],
        },
    )


def _agreement_links(agreement: Agreement) -> dict[str, concurrency.Link]:
    # The commitments are edited on the same page: another's change to them is a change of
    # the agreement (the service rewrites every row shown, so it would be undone silently).
    return {"commitments": concurrency.rows(Commitment.objects.filter(agreement=agreement))}


@staff_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(_agreements(request.user), pk=pk)
    data = post_data(request)
    form = AgreementForm(data, request.FILES or None, instance=agreement)
    links = partial(_agreement_links, agreement)
    concurrency.add_fields(form, row=agreement, links=links)
    commitments = CommitmentFormSet(
        data,
        prefix="k",
        initial=[
            {"id": c.pk, "text": c.text, "standard": c.standard, "is_withdrawn": c.is_withdrawn}
            for c in agreement.commitments.all()
        ],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and commitments.is_valid():
            try:
                concurrency.save_unless_changed(
                    form,
                    row=agreement,
                    links=links,
                    save=lambda: agreements.agreement_update(
                        agreement=agreement,
                        data=form.data_dict(),
                        commitments=commitment_rows(commitments),
                        scan=form.cleaned_data.get("scan"),
                    ),
                )
            except concurrency.ChangedMeanwhile:
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("scorecards:agreement_detail", agreement.pk)
        note_files_not_kept(request, form)
        # The form's instance took the posted values: show the stored ones beside the errors.
        agreement.refresh_from_db()
    return render(
        request,
        "scorecards/setup/agreement_form.html",
        {
            "form": form,
            "commitments": commitments,
            "compound": agreement.compound,
            "agreement": agreement,
        },
        status=status,
    )


@agreement_reader_required
def agreement_scan(request: HttpRequest, pk: int) -> FileResponse:
    agreement = get_object_or_404(agreements.agreement_list(user=request.user), pk=pk)
    if not agreement.scan:
        raise Http404
    response = FileResponse(
        uploads.stored_file(agreement.scan),
        content_type=uploads.content_type(agreement.scan.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("setup/", setup_home, name="setup_home"),
    path("setup/<slug:slug>/<int:year>/settings/", settings_edit, name="settings_edit"),
    path("setup/<slug:slug>/<int:year>/rubric/", rubric_detail, name="rubric_detail"),
    path("setup/<slug:slug>/<int:year>/rubric/edit/", rubric_adopt, name="rubric_adopt"),
    path("setup/rubrics/<int:pk>/edit/", rubric_edit, name="rubric_edit"),
    path("setup/rubrics/<int:pk>/new-version/", rubric_new_version, name="rubric_new_version"),
    path("agreements/", agreement_list, name="agreement_list"),
    path("agreements/new/", agreement_start, name="agreement_start"),
    path("agreements/new/<int:compound_pk>/", agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/scan/", agreement_scan, name="agreement_scan"),
]
