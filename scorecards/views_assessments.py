"""The annual assessment (年考核): staff see each agreement's year beside its targets, give the
grade with a conclusion and publish; a corrected edition says what changed and why. Everyone
reads the published assessments on the public pages. Who may see what:

- the assessments index, a community's year, an agreement's assessment, publishing and
  correcting: staff who run the community's scoring (another community's id gives 404);
- the public pages: anyone, published assessments only (the latest edition of each, earlier
  editions by their own address).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compounds.models import Community
from compounds.permissions import role_required
from tongde import exports
from tongde.pages import form_page, post_data

from . import assessments, rules, scoring
from .forms_assessments import AssessmentCorrectForm, AssessmentForm
from .models import Agreement, Assessment
from .templatetags.scorecards_tags import grade_label, percent
from .views_public import public_community, serve_public

staff_required = role_required(scoring.is_scoring_staff)


def _community(request: HttpRequest, pk: int) -> Community:
    return get_object_or_404(scoring.scoring_community_list(user=request.user), pk=pk)


def _year(year: int) -> int:
    """A year from the address; 404 for one no calendar (or agreement) can have."""
    if not 1 <= year <= 9998:
        raise Http404(year)
    return year


def _scoped(request: HttpRequest, qs):
    ids = scoring.scoring_community_ids(request.user)
    return qs if ids is None else qs.filter(community_id__in=ids)


def _year_sheet(records: list[dict[str, Any]], published: dict[int, Assessment]):
    return exports.Sheet(
        _("Annual assessment"),
        [
            _("Compound"),
            _("Property company"),
            _("Year average"),
            _("Rank"),
            _("Red list months"),
            _("Black list months"),
            _("Vetoes"),
            _("Fee collection rate"),
            _("Targets missed"),
            _("Suggested grade"),
            _("Grade"),
        ],
        [
            [
                r["compound"],
                r["company"],
                r["average"],
                r["rank"],
                r["bands"]["red"],
                r["bands"]["black"],
                r["vetoes"],
                percent(r["targets"]["fee_rate"]["achieved"]),
                r["targets_missed"],
                grade_label(r["suggested_grade"]),
                grade_label(published[r["agreement_id"]].grade)
                if r["agreement_id"] in published
                else "",
            ]
            for r in records
        ],
    )


# --- staff ---------------------------------------------------------------------------------------


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    """Each community's years with agreements, and how many of them are assessed."""
    communities = scoring.scoring_communities(request.user)
    ids = [c.pk for c in communities]
    totals = (
        Agreement.objects.filter(compound__community_id__in=ids)
        .order_by()
        .values_list("compound__community_id", "year")
        .annotate(n=Count("pk"))
    )
    done = {
        (community_id, year): n
        for community_id, year, n in Assessment.objects.filter(
            community_id__in=ids, corrected_by__isnull=True
        )
        .order_by()
        .values_list("community_id", "agreement__year")
        .annotate(n=Count("pk"))
    }
    years: dict[int, list[dict]] = {c.pk: [] for c in communities}
    for community_id, year, n in sorted(totals, key=lambda row: -row[1]):
        years[community_id].append(
            {"year": year, "agreements": n, "assessed": done.get((community_id, year), 0)}
        )
    return render(
        request,
        "scorecards/assessments/index.html",
        {"communities": [{"community": c, "years": years[c.pk]} for c in communities]},
    )


@staff_required
def year(request: HttpRequest, community: int, year: int) -> HttpResponse:
    community_obj = _community(request, community)
    year = _year(year)
    published = {
        a.agreement_id: a
        for a in assessments.current_assessments(community_obj).filter(agreement__year=year)
    }
    records = assessments.year_records(
        community=community_obj,
        year=year,
        satisfaction={pk: a.satisfaction for pk, a in published.items()},
    )
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            f"{community_obj.name} {year} {_('Annual assessment')}",
            [_year_sheet(records, published)],
        )
    for record in records:
        record["assessment"] = published.get(record["agreement_id"])
    return render(
        request,
        "scorecards/assessments/year.html",
        {
            "community": community_obj,
            "year": year,
            "records": records,
            "missing": assessments.missing_months(community_obj, assessments.year_period(year)),
            "has_ended": timezone.localdate().year > year,
        },
    )


@staff_required
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    ids = scoring.scoring_community_ids(request.user)
    agreements = Agreement.objects.select_related("compound__community", "company")
    if ids is not None:
        agreements = agreements.filter(compound__community_id__in=ids)
    found = get_object_or_404(agreements, pk=pk)
    community = found.compound.community
    current = assessments.current_assessments(community).filter(agreement=found).first()
    context = {
        "agreement": found,
        "community": community,
        "editions": Assessment.objects.filter(agreement=found).order_by("sequence"),
    }
    if current is not None:
        return render(
            request,
            "scorecards/assessments/agreement.html",
            {**context, "assessment": current, "record": current.figures},
        )
    record = assessments.agreement_record(found)
    form = AssessmentForm(post_data(request), initial={"grade": record["suggested_grade"]})

    def save(form) -> str:
        assessments.assessment_publish(
            agreement=found,
            grade=form.cleaned_data["grade"],
            satisfaction=form.cleaned_data["satisfaction"],
            conclusion=form.cleaned_data["conclusion"],
            grade_reason=form.cleaned_data["grade_reason"],
            user=request.user,
        )
        return reverse("scorecards:assessment_agreement", args=[found.pk])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/assessments/agreement.html",
        context={
            **context,
            "assessment": None,
            "record": record,
            "missing": assessments.missing_months(community, assessments.year_period(found.year)),
            "has_ended": timezone.localdate().year > found.year,
        },
        success=_("The assessment is published."),
    )


@staff_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(
        _scoped(request, Assessment.objects.select_related("agreement__compound", "community")),
        pk=pk,
    )
    form = AssessmentCorrectForm(
        post_data(request),
        initial={
            "grade": edition.grade,
            "satisfaction": edition.satisfaction,
            "conclusion": edition.conclusion,
            "grade_reason": edition.grade_reason,
        },
    )

    def save(form) -> str:
        assessments.assessment_correct(
            assessment=edition,
            grade=form.cleaned_data["grade"],
            satisfaction=form.cleaned_data["satisfaction"],
            conclusion=form.cleaned_data["conclusion"],
            grade_reason=form.cleaned_data["grade_reason"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
        return reverse("scorecards:assessment_agreement", args=[edition.agreement_id])

    return form_page(
        request,
        form,
        save=save,
        template="scorecards/assessments/correct.html",
        context={"assessment": edition, "agreement": edition.agreement},
        success=_("The corrected edition is published."),
    )


# --- public --------------------------------------------------------------------------------------


@require_GET
def public_years(request: HttpRequest, slug: str) -> HttpResponse:
    def build():
        community = public_community(slug)
        return "scorecards/assessments/public_years.html", {
            "community": community,
            "years": assessments.assessed_years(community),
        }

    return serve_public(request, slug, ("assessments",), build)


@require_GET
def public_year(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    year = _year(year)

    def build():
        community = public_community(slug)
        published = list(
            assessments.current_assessments(community)
            .filter(agreement__year=year)
            .order_by("agreement__compound__name")
        )
        if not published:
            raise Http404(year)
        return "scorecards/assessments/public_year.html", {
            "community": community,
            "year": year,
            "assessments": published,
            "grades": rules.Grade,
        }

    return serve_public(request, slug, ("assessments", year), build)


@require_GET
def public_detail(request: HttpRequest, slug: str, year: int, pk: int) -> HttpResponse:
    year = _year(year)

    def build():
        community = public_community(slug)
        found = get_object_or_404(
            Assessment.objects.select_related("correction_of", "agreement"),
            pk=pk,
            community=community,
            agreement__year=year,
        )
        return "scorecards/assessments/public_detail.html", {
            "community": community,
            "year": year,
            "assessment": found,
            "record": found.figures,
            "editions": list(
                Assessment.objects.filter(agreement_id=found.agreement_id).order_by("sequence")
            ),
        }

    return serve_public(request, slug, ("assessment", year, pk), build)


urlpatterns = [
    path("assessments/", index, name="assessment_index"),
    path("assessments/<int:community>/<int:year>/", year, name="assessment_year"),
    path("assessments/agreement/<int:pk>/", agreement, name="assessment_agreement"),
    path("assessments/edition/<int:pk>/correct/", correct, name="assessment_correct"),
    path("public/<slug:slug>/assessments/", public_years, name="public_assessment_years"),
    path("public/<slug:slug>/assessments/<int:year>/", public_year, name="public_assessments"),
    path(
        "public/<slug:slug>/assessments/<int:year>/<int:pk>/",
        public_detail,
        name="public_assessment",
    ),
]
