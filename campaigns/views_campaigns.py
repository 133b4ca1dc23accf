"""Clean-up operations, their photos, totals and the disorder list.

Who may do what (the selectors decide, the views ask):
- list, detail and totals: anyone with a role, each within their scope (a company user sees the
  operations covering its compounds, read only); another community's operation answers 404;
- record: staff and grid workers of the community; edit and withdraw: staff, or the grid worker
  who recorded it (403 for everybody else who can see it);
- mark photos public and edit the disorder list: staff;
- the public totals page: anyone, figures and public photos only, never a name.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from compounds.models import Community, Compound
from compounds.permissions import registry_reader_required, staff_required
from compounds.selectors import staff_community_ids
from tongde import concurrency, exports, uploads
from tongde.once import submit_once
from tongde.pages import form_page, post_data
from tongde.text import long_date

from . import services
from .forms import GROUP_FIELDS, CampaignFilter, CampaignForm, DisorderForm, TotalsForm
from .models import Campaign, CampaignPhoto, Disorder
from .selectors import (
    campaign_detail_list,
    campaign_grand_total,
    campaign_history,
    campaign_list,
    campaign_photo_list,
    campaign_totals_by_compound,
    campaign_totals_by_disorder,
    campaign_totals_by_period,
    campaign_years,
    can_edit_campaign,
    can_publish,
    can_record_anywhere,
    disorder_communities,
    disorder_list_annotated,
    public_compound_operations,
    public_photo_list,
    recording_communities,
    visible_compounds,
)

PAGE_SIZE = 50
# Rows per database round trip of an export (with its two prefetches): a community's operations
# of several years in one or two.
EXPORT_CHUNK = 2000
PUBLIC_PHOTOS = 24


def recorder_required(view):
    """Staff and grid workers (and superusers): those who record operations."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_record_anywhere(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _is_internal(user: Any) -> bool:
    return bool(user.is_superuser or staff_community_ids(user))


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = request.user
    context.setdefault("can_record", can_record_anywhere(user))
    context.setdefault("can_edit_disorders", bool(user.is_superuser or _staff_ids(user)))
    context.setdefault("is_internal", _is_internal(user))
    return render(request, template, context, status=status)


def _staff_ids(user: Any) -> set[int]:
    return staff_community_ids(user, include_grid_workers=False)


def _require_edit(user: Any, campaign: Campaign) -> None:
    if not can_edit_campaign(user, campaign):
        raise PermissionDenied


# Operations --------------------------------------------------------------------------------------


def _list_queryset(user: Any) -> QuerySet[Campaign]:
    photo_count = (
        CampaignPhoto.objects.filter(campaign=OuterRef("pk"))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        campaign_detail_list(user=user)  # with the withdrawn ones for those who may restore them
        .annotate(photo_count=Coalesce(Subquery(photo_count), 0, output_field=IntegerField()))
        .prefetch_related(
            Prefetch("compounds", queryset=Compound.objects.order_by("kind", "name")),
            Prefetch("disorders", queryset=Disorder.objects.order_by("position", "code")),
        )
        .order_by("-held_on", "-pk")
    )


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _operations_sheet(campaigns: QuerySet[Campaign]) -> exports.Sheet:
    return exports.Sheet(
        _("Clean-up operations"),
        [
            _("Date"),
            _("Kind"),
            _("Topic"),
            _("Compounds"),
            _("Disorders"),
            _("Person-times"),
            _("Truckloads"),
            _("Tonnes"),
            _("Vehicles"),
            _("Photos"),
            _("Flagged"),
        ],
        (
            [
                c.held_on,
                c.get_kind_display(),
                c.topic,
                "、".join(compound.name for compound in c.compounds.all()),
                "、".join(disorder.name for disorder in c.disorders.all()),
                c.person_times,
                c.truckloads,
                c.tonnes,
                c.vehicles_handled,
                c.photo_count,
                _("yes") if c.is_flagged else _("no"),
            ]
            for c in campaigns.iterator(chunk_size=EXPORT_CHUNK)
        ),
    )


@registry_reader_required
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    filterset = CampaignFilter(request.GET, queryset=_list_queryset(request.user), request=request)
    if exports.wants_xlsx(request) and filterset.is_valid():
        # Every row the filters select, not one page: the prefetches run per chunk.
        return exports.xlsx_response(
            exports.dated_filename(_("Clean-up operations")),
            [_operations_sheet(filterset.qs)],
        )
    context = {
        "filter": filterset,
        "page": _paginate(request, filterset.qs),
        "partial": "campaigns/_campaign_rows.html",
        "active": "operations",
    }
    # Live filter: htmx asks for the rows only and swaps them in place.
    if request.htmx and not request.htmx.boosted:
        return _render(request, context["partial"], context)
    return _render(request, "campaigns/campaign_list.html", context)


def _get_visible(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(campaign_detail_list(user=request.user), pk=pk)


def _withdrawn_refusal(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """A withdrawn operation is a record until it is restored: say so before anyone types (the
    service refuses it too)."""
    if campaign.is_withdrawn:
        messages.info(request, services.WITHDRAWN_READ_ONLY)
        return redirect(campaign.get_absolute_url())
    return None


@registry_reader_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = _get_visible(request, pk)
    photos = list(campaign.photos.order_by("stage", "pk"))
    can_edit = can_edit_campaign(user, campaign)
    return _render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "compounds": campaign.compounds.order_by("kind", "name"),
            "buildings": campaign.buildings.select_related("compound").order_by(
                "compound__name", "code"
            ),
            "disorders": campaign.disorders.order_by("position", "code"),
            "participations": campaign.participations.order_by("group"),
            "before": [p for p in photos if p.stage == CampaignPhoto.Stage.BEFORE],
            "after": [p for p in photos if p.stage == CampaignPhoto.Stage.AFTER],
            "can_edit": can_edit,
            "can_publish": can_publish(user, campaign.community_id),
            "history": campaign_history(campaign) if can_edit else None,
            "active": "operations",
        },
    )


def _form_page(
    request: HttpRequest,
    form: CampaignForm,
    *,
    save: Any,
    title: str,
    cancel_url: str,
    edited: Campaign | None = None,
    links: concurrency.Links | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        edited=edited,
        links=links,
        template="campaigns/campaign_form.html",
        context={"title": title, "cancel_url": cancel_url, "active": "operations"},
        render_page=_render,
    )


def _warn_if_flagged(request: HttpRequest, campaign: Campaign) -> None:
    if campaign.is_flagged:
        messages.warning(request, services.FLAGGED_WARNING)


@recorder_required
@submit_once
def campaign_create(request: HttpRequest) -> HttpResponse:
    communities = list(recording_communities(user=request.user))
    if len(communities) == 1:
        community = communities[0]
    else:
        slug = request.GET.get("community")
        if not slug:
            return _render(
                request,
                "campaigns/campaign_choose_community.html",
                {"communities": communities, "active": "operations"},
            )
        community = next((c for c in communities if c.slug == slug), None)
        if community is None:
            raise Http404
    form = CampaignForm(
        post_data(request),
        request.FILES or None,
        community=community,
        can_publish=can_publish(request.user, community.pk),
    )

    def save(form: CampaignForm) -> str:
        campaign = services.campaign_record(
            community=community, user=request.user, **form.service_kwargs()
        )
        _warn_if_flagged(request, campaign)
        return campaign.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Record a clean-up operation"),
        cancel_url=reverse("campaigns:campaign_list"),
    )


@registry_reader_required
@submit_once
def campaign_update(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_visible(request, pk)
    _require_edit(request.user, campaign)
    if refusal := _withdrawn_refusal(request, campaign):
        return refusal
    form = CampaignForm(
        post_data(request),
        request.FILES or None,
        community=campaign.community,
        campaign=campaign,
        can_publish=can_publish(request.user, campaign.community_id),
    )

    def save(form: CampaignForm) -> str:
        updated = services.campaign_update(
            campaign=campaign, user=request.user, **form.service_kwargs()
        )
        _warn_if_flagged(request, updated)
        return updated.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit the operation of %(date)s") % {"date": long_date(campaign.held_on)},
        cancel_url=campaign.get_absolute_url(),
        edited=campaign,
        links=lambda: _campaign_links(campaign),
    )


def _campaign_links(campaign: Campaign) -> dict[str, concurrency.Link]:
    """What the edit form shows of the operation outside its row, by form field."""
    compounds = list(campaign.compounds.order_by("pk"))
    buildings = list(campaign.buildings.select_related("compound").order_by("pk"))
    disorders = list(campaign.disorders.order_by("pk"))
    persons = dict(campaign.participations.values_list("group", "persons"))

    def label(field: str) -> str:
        return str(Campaign._meta.get_field(field).verbose_name)

    links = {
        "compounds": concurrency.Link(
            [c.pk for c in compounds], concurrency.names(compounds), label("compounds")
        ),
        "buildings": concurrency.Link(
            [b.pk for b in buildings],
            concurrency.names(f"{b.compound.name} {b.code}" for b in buildings),
            label("buildings"),
        ),
        "disorders": concurrency.Link(
            [d.pk for d in disorders], concurrency.names(disorders), label("disorders")
        ),
    }
    for name, group, group_label in GROUP_FIELDS:
        count = persons.get(group, 0)
        links[name] = concurrency.Link(count, str(count), str(group_label))
    return links


def _confirm(
    request: HttpRequest, *, act: Any, title: str, question: str, done: str, url: str
) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            act()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect(url)
    return _render(
        request,
        "campaigns/campaign_confirm.html",
        {"title": title, "question": question, "error": error, "cancel_url": url},
        status=400 if error else 200,
    )


@registry_reader_required
def campaign_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_visible(request, pk)
    _require_edit(request.user, campaign)
    return _confirm(
        request,
        act=lambda: services.campaign_withdraw(campaign=campaign, user=request.user),
        title=_("Withdraw the operation of %(date)s") % {"date": long_date(campaign.held_on)},
        question=_(
            "A withdrawn operation leaves the lists, the totals and the open data; it stays on "
            "record and can be restored."
        ),
        done=_("The operation is withdrawn."),
        url=campaign.get_absolute_url(),
    )


@registry_reader_required
def campaign_restore(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_visible(request, pk)
    _require_edit(request.user, campaign)
    return _confirm(
        request,
        act=lambda: services.campaign_restore(campaign=campaign, user=request.user),
        title=_("Restore the operation of %(date)s") % {"date": long_date(campaign.held_on)},
        question=_("The operation returns to the lists, the totals and the open data."),
        done=_("The operation is restored."),
        url=campaign.get_absolute_url(),
    )


# Photos ------------------------------------------------------------------------------------------


def campaign_photo(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    """A photo or its thumbnail: public ones for anybody, the rest within the viewer's scope.
    Served through Django rather than MEDIA_URL so that a private photo stays private."""
    if size not in ("full", "thumb"):
        raise Http404
    photo = get_object_or_404(campaign_photo_list(user=request.user), pk=pk)
    file = photo.image if size == "full" else photo.thumbnail
    response = FileResponse(uploads.stored_file(file))
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@registry_reader_required
def campaign_photo_publish(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(
        CampaignPhoto.objects.select_related("campaign").filter(
            campaign__in=campaign_list(user=request.user, include_withdrawn=True)
        ),
        pk=pk,
    )
    if not can_publish(request.user, photo.campaign.community_id):
        raise PermissionDenied
    is_public = request.POST.get("is_public") == "true"
    services.campaign_photo_publish(photo=photo, is_public=is_public, user=request.user)
    messages.success(
        request,
        _("The photo is shown to the public.") if is_public else _("The photo is private."),
    )
    return redirect(photo.campaign.get_absolute_url())


# Totals ------------------------------------------------------------------------------------------


def _totals_context(
    campaigns: QuerySet[Campaign], compounds: QuerySet[Compound], params: Any
) -> dict[str, Any]:
    form = TotalsForm(params or None, years=campaign_years(campaigns=campaigns))
    kind, year = form.choice()
    in_year = campaigns.filter(held_on__year=year)
    return {
        "form": form,
        "kind": kind,
        "year": year,
        "rows": campaign_totals_by_period(campaigns=campaigns, kind=kind, year=year),
        "total": campaign_grand_total(campaigns=in_year),
        "by_compound": campaign_totals_by_compound(campaigns=in_year, compounds=compounds),
        "by_disorder": campaign_totals_by_disorder(campaigns=in_year),
    }


FIGURES = ("operations", "person_times", "truckloads", "tonnes", "vehicles")


def _totals_sheets(context: dict[str, Any]) -> list[exports.Sheet]:
    """The totals page's three tables as sheets, the period one with its total row."""
    headers = [_("Operations"), _("Person-times"), _("Truckloads"), _("Tonnes"), _("Vehicles")]
    by_period = [[row["period"].display, *(row[f] for f in FIGURES)] for row in context["rows"]]
    by_period.append([_("Total"), *(context["total"][f] for f in FIGURES)])
    return [
        exports.Sheet(_("By period"), [_("Period"), *headers], by_period),
        exports.Sheet(
            _("By compound"),
            [_("Compound"), *headers],
            [[r["compound__name"], *(r[f] for f in FIGURES)] for r in context["by_compound"]],
        ),
        exports.Sheet(
            _("By disorder"),
            [_("Disorder"), *headers[:4]],
            [[r["disorder__name"], *(r[f] for f in FIGURES[:4])] for r in context["by_disorder"]],
        ),
    ]


def _operations_url(**query: Any) -> str:
    return f"{reverse('campaigns:campaign_list')}?{urlencode(query)}"


def _link_totals(context: dict[str, Any]) -> None:
    """Each period and compound of the totals links to the operations behind its figures (the
    list's own filters, within the year: ISO week 1 may start in December)."""
    year = context["year"]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for row in context["rows"]:
        row["url"] = _operations_url(
            held_after=row["first_day"].isoformat(), held_before=row["last_day"].isoformat()
        )
    for row in context["by_compound"]:
        row["url"] = _operations_url(
            compound=row["compound_id"],
            held_after=first.isoformat(),
            held_before=last.isoformat(),
        )


@registry_reader_required
def campaign_totals(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = _totals_context(campaign_list(user=user), visible_compounds(user=user), request.GET)
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            f"{_('Clean-up totals')} {context['year']}", _totals_sheets(context)
        )
    _link_totals(context)
    return _render(request, "campaigns/totals.html", {**context, "active": "totals"})


def public_totals(request: HttpRequest, slug: str) -> HttpResponse:
    """For anyone: the community's figures by month and by compound, and the photos staff marked
    public. Names of people never appear (no recorder, no notes)."""
    community = get_object_or_404(Community, slug=slug)
    campaigns = Campaign.objects.filter(community=community, is_withdrawn=False)
    compounds = Compound.objects.filter(community=community, is_archived=False)
    params = request.GET.copy()
    params["kind"] = "month"
    context = _totals_context(campaigns, compounds, params)
    context["by_disorder"] = campaign_totals_by_disorder(
        campaigns=campaigns.filter(held_on__year=context["year"])
    )
    photos = list(
        public_photo_list(community=community).filter(campaign__held_on__year=context["year"])[
            :PUBLIC_PHOTOS
        ]
    )
    # A resident asks what was done in their own compound: its operations of the year, as the
    # public may read them (figures and disorders; no spot, note or name).
    choices = list(compounds.order_by("kind", "name"))
    compound = next((c for c in choices if str(c.pk) == request.GET.get("compound")), None)
    year = context["year"]
    for row in context["by_compound"]:
        row["url"] = f"?{urlencode({'year': year, 'compound': row['compound_id']})}#operations"
    operations = (
        [] if compound is None else public_compound_operations(compound=compound, year=year)
    )
    return render(
        request,
        "campaigns/totals_public.html",
        {
            **context,
            "community": community,
            "photos": photos,
            "compounds": choices,
            "compound": compound,
            "operations": operations,
        },
    )


# Disorders ---------------------------------------------------------------------------------------


def _disorder_community(request: HttpRequest, slug: str) -> Community:
    return get_object_or_404(disorder_communities(user=request.user), slug=slug)


def _editable_disorder(request: HttpRequest, pk: int) -> Disorder:
    return get_object_or_404(
        Disorder.objects.select_related("community").filter(
            community__in=disorder_communities(user=request.user)
        ),
        pk=pk,
    )


@staff_required
def disorder_index(request: HttpRequest) -> HttpResponse:
    community = disorder_communities(user=request.user).first()
    if community is None:
        raise Http404
    return redirect("campaigns:disorder_list", slug=community.slug)


@staff_required
def disorder_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = _disorder_community(request, slug)
    return _render(
        request,
        "campaigns/disorder_list.html",
        {
            "community": community,
            "communities": disorder_communities(user=request.user),
            "disorders": disorder_list_annotated(community=community),
            "active": "disorders",
        },
    )


@require_POST
@staff_required
def disorder_seed(request: HttpRequest, slug: str) -> HttpResponse:
    community = _disorder_community(request, slug)
    created = services.disorders_seed(community=community)
    messages.success(request, _("%(count)s common disorders added.") % {"count": len(created)})
    return redirect("campaigns:disorder_list", slug=community.slug)


@staff_required
def disorder_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _disorder_community(request, slug)
    url = reverse("campaigns:disorder_list", args=[community.slug])
    form = DisorderForm(post_data(request))

    def save(form: DisorderForm) -> str:
        services.disorder_create(community=community, user=request.user, **form.cleaned_data)
        return url

    return form_page(
        request,
        form,
        save=save,
        template="campaigns/disorder_form.html",
        context={
            "title": _("New disorder for %(community)s") % {"community": community.name},
            "cancel_url": url,
            "active": "disorders",
        },
        render_page=_render,
    )


@staff_required
def disorder_update(request: HttpRequest, pk: int) -> HttpResponse:
    disorder = _editable_disorder(request, pk)
    url = reverse("campaigns:disorder_list", args=[disorder.community.slug])
    form = DisorderForm(post_data(request), disorder=disorder)

    def save(form: DisorderForm) -> str:
        services.disorder_update(disorder=disorder, user=request.user, **form.cleaned_data)
        return url

    return form_page(
        request,
        form,
        save=save,
        edited=disorder,
        template="campaigns/disorder_form.html",
        context={
            "title": _("Edit %(name)s") % {"name": disorder.name},
            "cancel_url": url,
            "active": "disorders",
        },
        render_page=_render,
    )


@require_POST
@staff_required
def disorder_move(request: HttpRequest, pk: int) -> HttpResponse:
    disorder = _editable_disorder(request, pk)
    services.disorder_move(
        disorder=disorder, up=request.POST.get("direction") == "up", user=request.user
    )
    return redirect("campaigns:disorder_list", slug=disorder.community.slug)


@staff_required
def disorder_delete(request: HttpRequest, pk: int) -> HttpResponse:
    disorder = _editable_disorder(request, pk)
    listing = reverse("campaigns:disorder_list", args=[disorder.community.slug])
    # One in use is never deleted: say so before asking, not after (a stale list, a typed address).
    if request.method == "GET" and (refusal := services.disorder_delete_refusal(disorder)):
        messages.error(request, refusal)
        return redirect(listing)
    return _confirm(
        request,
        act=lambda: services.disorder_delete(disorder=disorder, user=request.user),
        title=_("Delete %(name)s") % {"name": disorder.name},
        question=_("The disorder is not used by any operation or problem and will be deleted."),
        done=_("The disorder is deleted."),
        url=listing,
    )


urlpatterns = [
    path("operations/", campaign_list_view, name="campaign_list"),
    path("operations/new/", campaign_create, name="campaign_create"),
    path("operations/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("operations/<int:pk>/edit/", campaign_update, name="campaign_update"),
    path("operations/<int:pk>/withdraw/", campaign_withdraw, name="campaign_withdraw"),
    path("operations/<int:pk>/restore/", campaign_restore, name="campaign_restore"),
    path("photos/<int:pk>/publish/", campaign_photo_publish, name="campaign_photo_publish"),
    path("photos/<int:pk>/<str:size>/", campaign_photo, name="campaign_photo"),
    path("totals/", campaign_totals, name="totals"),
    path("public/<slug:slug>/totals/", public_totals, name="public_totals"),
    path("disorders/", disorder_index, name="disorder_index"),
    path("disorders/<slug:slug>/", disorder_list, name="disorder_list"),
    path("disorders/<slug:slug>/seed/", disorder_seed, name="disorder_seed"),
    path("disorders/<slug:slug>/new/", disorder_create, name="disorder_create"),
    path("disorders/item/<int:pk>/edit/", disorder_update, name="disorder_update"),
    path("disorders/item/<int:pk>/move/", disorder_move, name="disorder_move"),
    path("disorders/item/<int:pk>/delete/", disorder_delete, name="disorder_delete"),
]
