"""Staff pages to browse, search, filter and edit the registry.

Every view wears ``registry_reader_required`` or ``staff_required`` and fetches objects through
the selectors, so another company's or another community's id answers 404. Edits then need
``can_edit_community`` (community staff and superusers; grid workers and companies read only) and
go through ``services``. Owners, household heads and grids are internal: staff and grid workers
only.

List pages run a fixed number of queries whatever the number of rows: counts are correlated
subqueries, never per-row queries (see tests/compounds/test_views_registry.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongde.exports import wants_xlsx
from tongde.history import change_entries
from tongde.once import submit_once
from tongde.pages import form_page, post_data

from .. import exports as registry_exports
from .. import services
from ..exports import can_export, exportable
from ..filters import (
    BuildingFilter,
    CompanyFilter,
    CompoundFilter,
    DwellingFilter,
    GridFilter,
    HouseholdFilter,
    OwnerFilter,
)
from ..forms import (
    BuildingForm,
    CompanyForm,
    CompoundForm,
    ContractEndForm,
    ContractForm,
    DwellingForm,
    GridForm,
    HouseholdForm,
    MoveOutForm,
    OwnerForm,
    UnitForm,
)
from ..models import (
    Building,
    Community,
    Compound,
    Dwelling,
    Grid,
    Household,
    PropertyCompany,
    ServiceContract,
    Unit,
)
from ..permissions import registry_reader_required, staff_required
from ..selectors import (
    building_list,
    by_code,
    can_edit_community,
    community_list,
    company_list,
    compound_list,
    dwelling_list,
    dwelling_order,
    grid_list,
    household_list,
    natural,
    owner_list,
    registry_counts,
    staff_community_ids,
    unit_list,
)

PAGE_SIZE = 50

# The dashboard's figures, in the order staff read them, with the list each one opens.
COUNT_LABELS = [
    ("managed_compounds", gettext_lazy("Managed compounds"), "compounds:compound_list"),
    ("courtyards", gettext_lazy("Self-managed courtyards"), "compounds:compound_list"),
    ("buildings", gettext_lazy("Buildings"), "compounds:building_list"),
    ("units", gettext_lazy("Units"), "compounds:building_list"),
    ("dwellings", gettext_lazy("Dwellings"), "compounds:dwelling_list"),
    ("owners", gettext_lazy("Owners"), "compounds:owner_list"),
    ("households", gettext_lazy("Households"), "compounds:household_list"),
    ("residents", gettext_lazy("Residents"), "compounds:household_list"),
    (
        "access_controlled_compounds",
        gettext_lazy("With access control"),
        "compounds:compound_list",
    ),
    (
        "face_recognition_compounds",
        gettext_lazy("With face recognition"),
        "compounds:compound_list",
    ),
]
COUNT_QUERY = {
    "managed_compounds": "kind=managed",
    "courtyards": "kind=courtyard",
    "face_recognition_compounds": "access_control=face",
}


# Permission helpers -----------------------------------------------------------------------------


def _is_internal(user) -> bool:
    """Staff and grid workers (and superusers) see owners, household heads and grids."""
    return bool(user.is_superuser or staff_community_ids(user))


def _require_internal(user) -> None:
    if not _is_internal(user):
        raise PermissionDenied


def _archived_refusal(request: HttpRequest, compound: Compound) -> HttpResponse | None:
    """An archived compound's registry is a record: say so before anyone types (the service
    refuses it too)."""
    if compound.is_archived:
        messages.info(request, services.ARCHIVED_READ_ONLY)
        return redirect(compound.get_absolute_url())
    return None


def _require_edit(user, community_id: int) -> None:
    if not can_edit_community(user, community_id):
        raise PermissionDenied


def _editable_communities(user) -> QuerySet[Community]:
    qs = community_list(user=user)
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=staff_community_ids(user, include_grid_workers=False))


def _can_create(user) -> bool:
    # From the memberships already loaded for this request: no query.
    return bool(user.is_superuser or staff_community_ids(user, include_grid_workers=False))


def _can_see_owners(user, community_id: int) -> bool:
    return bool(user.is_superuser or community_id in staff_community_ids(user))


def _can_edit_company(user, company: PropertyCompany) -> bool:
    if user.is_superuser:
        return True
    ids = staff_community_ids(user, include_grid_workers=False)
    return bool(ids) and company.contracts.filter(compound__community_id__in=ids).exists()


# Query helpers ----------------------------------------------------------------------------------


def _subcount(qs: QuerySet, outer: str, aggregate: Any = None) -> Coalesce:
    """A correlated subquery counting (or summing) ``qs`` rows that point at the outer row."""
    aggregate = aggregate if aggregate is not None else Count("pk")
    inner = (
        qs.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(value=aggregate)
        .values("value")[:1]
    )
    return Coalesce(Subquery(inner), 0, output_field=IntegerField())


def _current_households() -> QuerySet[Household]:
    return Household.objects.filter(moved_out_on__isnull=True)


def _annotate_compounds(qs: QuerySet[Compound]) -> QuerySet[Compound]:
    current = (
        ServiceContract.objects.current().filter(compound=OuterRef("pk")).order_by("-starts_on")
    )
    return qs.annotate(
        company_id_today=Subquery(current.values("company_id")[:1]),
        company_name_today=Subquery(current.values("company__name")[:1]),
        building_count=_subcount(Building.objects.all(), "compound"),
        unit_count=_subcount(Unit.objects.all(), "building__compound"),
        household_count=_subcount(_current_households(), "dwelling__unit__building__compound"),
        resident_count=_subcount(
            _current_households(), "dwelling__unit__building__compound", Sum("residents")
        ),
    )


def _annotate_buildings(qs: QuerySet[Building]) -> QuerySet[Building]:
    return qs.annotate(
        unit_count=_subcount(Unit.objects.all(), "building"),
        dwelling_count=_subcount(Dwelling.objects.all(), "unit__building"),
        household_count=_subcount(_current_households(), "dwelling__unit__building"),
        resident_count=_subcount(
            _current_households(), "dwelling__unit__building", Sum("residents")
        ),
    )


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    # Every page's navigation shows the internal lists (owners, grids) only to those who may.
    context.setdefault("is_internal", _is_internal(request.user))
    return render(request, template, context, status=status)


def _exportable(request: HttpRequest, qs: QuerySet, community_field: str) -> QuerySet:
    """A list's rows for its spreadsheet: community staff only, their communities' rows only."""
    if not can_export(request.user):
        raise PermissionDenied
    return exportable(qs, request.user, community_field)


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _list_page(
    request: HttpRequest,
    *,
    filterset: Any,
    template: str,
    partial: str,
    mark: Callable[[Any], None] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    page = _paginate(request, filterset.qs)
    if mark is not None:
        for row in page.object_list:
            mark(row)
    context = {
        "filter": filterset,
        "page": page,
        "partial": partial,
        "active": template.rsplit("/", 1)[-1].removesuffix("_list.html"),
        **(extra or {}),
    }
    # Live search: htmx asks for the rows only and swaps them in place.
    if request.htmx and not request.htmx.boosted:
        return _render(request, partial, context)
    return _render(request, template, context)


def _form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], str],
    title: str,
    cancel_url: str,
    context: dict[str, Any] | None = None,
    template: str = "compounds/form.html",
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        template=template,
        context={"title": title, "cancel_url": cancel_url, **(context or {})},
        render_page=_render,
    )


# Dashboard and community ------------------------------------------------------------------------


def _figures(counts: dict[str, int], community: Community | None, internal: bool) -> list[dict]:
    figures = []
    for key, label, url_name in COUNT_LABELS:
        if key == "owners" and not internal:
            url = None
        else:
            url = reverse(url_name)
            query = [COUNT_QUERY[key]] if key in COUNT_QUERY else []
            if community is not None and url_name == "compounds:compound_list":
                query.append(f"community={community.pk}")
            if query:
                url += "?" + "&".join(query)
        figures.append({"key": key, "label": label, "value": counts[key], "url": url})
    return figures


@registry_reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Anyone with a role: the counts of each level, per community they may see."""
    user = request.user
    visible = compound_list(user=user).filter(is_archived=False)
    internal = _is_internal(user)
    blocks = []
    communities = list(community_list(user=user))
    for community in communities:
        counts = registry_counts(compounds=visible.filter(community=community))
        blocks.append({"community": community, "figures": _figures(counts, community, internal)})
    total = None
    if len(communities) > 1:
        total = _figures(registry_counts(compounds=visible), None, internal)
    return _render(
        request,
        "compounds/dashboard.html",
        {
            "blocks": blocks,
            "total": total,
            "communities": communities,
            "is_internal": internal,
            "is_staff": any(can_edit_community(user, c.pk) for c in communities),
        },
    )


@registry_reader_required
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    community = get_object_or_404(community_list(user=user), slug=slug)
    compounds = compound_list(user=user).filter(community=community, is_archived=False)
    counts = registry_counts(compounds=compounds)
    internal = _is_internal(user)
    return _render(
        request,
        "compounds/community_detail.html",
        {
            "community": community,
            "figures": _figures(counts, community, internal),
            "compounds": _annotate_compounds(compounds).order_by("kind", "name"),
            "grid_count": grid_list(user=user).filter(community=community).count()
            if internal
            else None,
            "can_edit": can_edit_community(user, community.pk),
        },
    )


# Compounds --------------------------------------------------------------------------------------


@registry_reader_required
def compound_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = _annotate_compounds(compound_list(user=user)).order_by(
        "community__name", "kind", *natural("code")
    )
    filterset = CompoundFilter(request.GET, queryset=qs, request=request)
    return _list_page(
        request,
        filterset=filterset,
        template="compounds/compound_list.html",
        partial="compounds/_compound_rows.html",
        extra={"can_create": _can_create(user)},
    )


@registry_reader_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    compound = get_object_or_404(compound_list(user=user), pk=pk)
    buildings = _annotate_buildings(compound.buildings.all()).order_by(*by_code())
    contracts = compound.contracts.select_related("company").order_by("-starts_on")
    today = {c.pk for c in ServiceContract.objects.current().filter(compound=compound)}
    grids = (
        grid_list(user=user)
        .filter(Q(compounds=compound) | Q(buildings__compound=compound))
        .distinct()
        .order_by("level", "code")
    )
    internal = _is_internal(user)
    history: list[dict[str, Any]] = []
    if internal:
        # The history names staff accounts, so it is for the community's own people.
        compound_history = compound.history.select_related("history_user").order_by(
            "-history_date"
        )[:11]
        contract_history = (
            ServiceContract.history.filter(compound_id=compound.pk)
            .select_related("history_user", "company")
            .order_by("-history_date")[:30]
        )
        history = change_entries(compound_history, lambda r: _("compound"))
        history += change_entries(
            contract_history,
            lambda r: _("contract with %(company)s") % {"company": r.company.name},
        )
        history.sort(key=lambda e: e["at"], reverse=True)
    return _render(
        request,
        "compounds/compound_detail.html",
        {
            "compound": compound,
            "counts": registry_counts(compounds=Compound.objects.filter(pk=compound.pk)),
            "buildings": buildings,
            "contracts": contracts,
            "current_contract_ids": today,
            "grids": grids,
            "history": history[:10],
            "can_edit": can_edit_community(user, compound.community_id),
            "is_internal": internal,
        },
    )


@staff_required
def compound_create(request: HttpRequest) -> HttpResponse:
    communities = _editable_communities(request.user)
    form = CompoundForm(post_data(request), communities=communities)

    def save(form: CompoundForm) -> str:
        data = dict(form.cleaned_data)
        community = data.pop("community")
        _require_edit(request.user, community.pk)
        compound = services.compound_create(community=community, data=data, user=request.user)
        return compound.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New compound"),
        cancel_url=reverse("compounds:compound_list"),
    )


@registry_reader_required
def compound_update(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(compound_list(user=request.user), pk=pk)
    _require_edit(request.user, compound.community_id)
    if refusal := _archived_refusal(request, compound):
        return refusal
    form = CompoundForm(post_data(request), instance=compound, communities=Community.objects.none())

    def save(form: CompoundForm) -> str:
        return services.compound_update(
            compound=compound, data=form.cleaned_data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit %(name)s") % {"name": compound.name},
        cancel_url=compound.get_absolute_url(),
    )


def _confirm_page(
    request: HttpRequest,
    *,
    act: Callable[[], Any],
    title: str,
    question: str,
    done: str,
    url: str,
    danger: bool = True,
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
        "compounds/confirm.html",
        {"title": title, "question": question, "error": error, "cancel_url": url, "danger": danger},
        status=400 if error else 200,
    )


@registry_reader_required
def compound_archive(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(compound_list(user=request.user), pk=pk)
    _require_edit(request.user, compound.community_id)
    return _confirm_page(
        request,
        act=lambda: services.compound_archive(compound=compound, user=request.user),
        title=_("Archive %(name)s") % {"name": compound.name},
        question=_(
            "An archived compound leaves the lists and the counts; its buildings, "
            "contracts and history stay on record and it can be restored."
        ),
        done=_("The compound is archived."),
        url=compound.get_absolute_url(),
    )


@registry_reader_required
def compound_restore(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(compound_list(user=request.user), pk=pk)
    _require_edit(request.user, compound.community_id)
    return _confirm_page(
        request,
        act=lambda: services.compound_restore(compound=compound, user=request.user),
        title=_("Restore %(name)s") % {"name": compound.name},
        question=_("The compound returns to the lists and the counts."),
        done=_("The compound is restored."),
        url=compound.get_absolute_url(),
        danger=False,
    )


# Service contracts ------------------------------------------------------------------------------


@registry_reader_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(compound_list(user=request.user), pk=pk)
    _require_edit(request.user, compound.community_id)
    form = ContractForm(post_data(request))

    def save(form: ContractForm) -> str:
        services.contract_create(compound=compound, user=request.user, **form.cleaned_data)
        return compound.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New service contract for %(name)s") % {"name": compound.name},
        cancel_url=compound.get_absolute_url(),
        context={"company_create_url": reverse("compounds:company_create")},
    )


@registry_reader_required
def contract_end(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(
        ServiceContract.objects.select_related("compound", "company").filter(
            compound__in=compound_list(user=request.user)
        ),
        pk=pk,
    )
    _require_edit(request.user, contract.compound.community_id)
    form = ContractEndForm(
        post_data(request), initial={"ends_on": contract.ends_on, "note": contract.note}
    )

    def save(form: ContractEndForm) -> str:
        services.contract_end(contract=contract, user=request.user, **form.cleaned_data)
        return contract.compound.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("End the contract of %(company)s at %(compound)s")
        % {"company": contract.company.name, "compound": contract.compound.name},
        cancel_url=contract.compound.get_absolute_url(),
    )


# Buildings and units ----------------------------------------------------------------------------


def _mark_building(user):
    def mark(building: Building) -> None:
        building.can_edit = can_edit_community(user, building.compound.community_id)

    return mark


@registry_reader_required
def building_list_view(request: HttpRequest) -> HttpResponse:
    qs = _annotate_buildings(
        building_list(user=request.user).filter(compound__is_archived=False)
    ).order_by("compound__name", "compound_id", *by_code())
    filterset = BuildingFilter(request.GET, queryset=qs, request=request)
    return _list_page(
        request,
        filterset=filterset,
        template="compounds/building_list.html",
        partial="compounds/_building_rows.html",
        mark=_mark_building(request.user),
    )


@registry_reader_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    building = get_object_or_404(building_list(user=user), pk=pk)
    households = Prefetch(
        "households", queryset=_current_households(), to_attr="current_households"
    )
    dwellings = Prefetch(
        "dwellings",
        queryset=Dwelling.objects.select_related("owner")
        .prefetch_related(households)
        .order_by(*by_code()),
    )
    units = building.units.order_by(*by_code()).prefetch_related(dwellings)
    return _render(
        request,
        "compounds/building_detail.html",
        {
            "building": building,
            "units": units,
            "grids": grid_list(user=user).filter(buildings=building),
            "can_edit": can_edit_community(user, building.compound.community_id),
            "show_owners": _can_see_owners(user, building.compound.community_id),
        },
    )


@registry_reader_required
def building_create(request: HttpRequest, pk: int) -> HttpResponse:
    compound = get_object_or_404(compound_list(user=request.user), pk=pk)
    _require_edit(request.user, compound.community_id)
    if refusal := _archived_refusal(request, compound):
        return refusal
    form = BuildingForm(post_data(request))

    def save(form: BuildingForm) -> str:
        return services.building_create(
            compound=compound, data=form.cleaned_data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New building in %(name)s") % {"name": compound.name},
        cancel_url=compound.get_absolute_url(),
    )


@registry_reader_required
def building_update(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_object_or_404(building_list(user=request.user), pk=pk)
    _require_edit(request.user, building.compound.community_id)
    if refusal := _archived_refusal(request, building.compound):
        return refusal
    form = BuildingForm(post_data(request), instance=building)

    def save(form: BuildingForm) -> str:
        return services.building_update(
            building=building, data=form.cleaned_data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit building %(name)s") % {"name": building},
        cancel_url=building.get_absolute_url(),
    )


@registry_reader_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_object_or_404(building_list(user=request.user), pk=pk)
    _require_edit(request.user, building.compound.community_id)
    if refusal := _archived_refusal(request, building.compound):
        return refusal
    form = UnitForm(post_data(request))

    def save(form: UnitForm) -> str:
        services.unit_create(building=building, data=form.cleaned_data, user=request.user)
        return building.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New unit in %(name)s") % {"name": building},
        cancel_url=building.get_absolute_url(),
    )


@registry_reader_required
def unit_update(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(unit_list(user=request.user), pk=pk)
    _require_edit(request.user, unit.building.compound.community_id)
    if refusal := _archived_refusal(request, unit.building.compound):
        return refusal
    form = UnitForm(post_data(request), instance=unit)

    def save(form: UnitForm) -> str:
        services.unit_update(unit=unit, data=form.cleaned_data, user=request.user)
        return unit.building.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit unit %(name)s") % {"name": unit},
        cancel_url=unit.building.get_absolute_url(),
    )


# Dwellings and households -----------------------------------------------------------------------


def _dwelling_url(dwelling: Dwelling) -> str:
    return reverse("compounds:dwelling_detail", args=[dwelling.pk])


def _mark_dwelling(user):
    def mark(dwelling: Dwelling) -> None:
        community_id = dwelling.unit.building.compound.community_id
        dwelling.show_owner = _can_see_owners(user, community_id)
        dwelling.can_edit = can_edit_community(user, community_id)

    return mark


@registry_reader_required
def dwelling_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = (
        _visible_dwellings(user)
        .annotate(
            household_count=_subcount(_current_households(), "dwelling"),
            resident_count=_subcount(_current_households(), "dwelling", Sum("residents")),
        )
        .order_by(*dwelling_order(), "pk")
    )
    if wants_xlsx(request):
        # Every room the filters select, of the communities the user is staff of.
        filterset = DwellingFilter(
            request.GET,
            queryset=_exportable(request, qs, "unit__building__compound__community_id"),
            request=request,
            can_see_owners=True,
        )
        if filterset.is_valid():
            return registry_exports.dwellings_response(filterset.qs)
    filterset = DwellingFilter(
        request.GET, queryset=qs, request=request, can_see_owners=_is_internal(user)
    )
    return _list_page(
        request,
        filterset=filterset,
        template="compounds/dwelling_list.html",
        partial="compounds/_dwelling_rows.html",
        mark=_mark_dwelling(user),
        extra={"is_internal": _is_internal(user), "can_export": can_export(user)},
    )


def _visible_dwellings(user) -> QuerySet[Dwelling]:
    return dwelling_list(user=user).filter(unit__building__compound__is_archived=False)


@registry_reader_required
def dwelling_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    dwelling = get_object_or_404(dwelling_list(user=user), pk=pk)
    community_id = dwelling.unit.building.compound.community_id
    show_owner = _can_see_owners(user, community_id)
    history = []
    if show_owner:
        # The dwelling's history names owners, so only those who may see owners read it.
        records = dwelling.history.select_related("history_user", "owner").order_by(
            "-history_date"
        )[:11]
        history = change_entries(records, lambda r: _("dwelling"))[:10]
    return _render(
        request,
        "compounds/dwelling_detail.html",
        {
            "dwelling": dwelling,
            "households": dwelling.households.order_by("-moved_in_on"),
            "show_owner": show_owner,
            "can_edit": can_edit_community(user, community_id),
            "history": history,
        },
    )


@registry_reader_required
def dwelling_create(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(unit_list(user=request.user), pk=pk)
    community = unit.building.compound.community
    _require_edit(request.user, community.pk)
    if refusal := _archived_refusal(request, unit.building.compound):
        return refusal
    form = DwellingForm(post_data(request), community=community)

    def save(form: DwellingForm) -> str:
        services.dwelling_create(unit=unit, data=form.service_data(), user=request.user)
        return unit.building.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New dwelling in %(name)s") % {"name": unit},
        cancel_url=unit.building.get_absolute_url(),
    )


@registry_reader_required
def dwelling_update(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(dwelling_list(user=request.user), pk=pk)
    community = dwelling.unit.building.compound.community
    _require_edit(request.user, community.pk)
    if refusal := _archived_refusal(request, dwelling.unit.building.compound):
        return refusal
    form = DwellingForm(post_data(request), instance=dwelling, community=community)

    def save(form: DwellingForm) -> str:
        services.dwelling_update(dwelling=dwelling, data=form.service_data(), user=request.user)
        return _dwelling_url(dwelling)

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit dwelling %(name)s") % {"name": dwelling},
        cancel_url=_dwelling_url(dwelling),
    )


def _mark_household(user):
    def mark(household: Household) -> None:
        community_id = household.dwelling.unit.building.compound.community_id
        household.show_head = _can_see_owners(user, community_id)
        household.can_edit = can_edit_community(user, community_id)

    return mark


@registry_reader_required
def household_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = (
        _visible_households(user)
        .select_related("dwelling__unit__building__compound")
        .order_by(*dwelling_order("dwelling__"), "dwelling_id", "-moved_in_on", "-pk")
    )
    if wants_xlsx(request):
        filterset = HouseholdFilter(
            request.GET,
            queryset=_exportable(
                request,
                qs.select_related("dwelling__unit__building__compound__community"),
                "dwelling__unit__building__compound__community_id",
            ),
            request=request,
            can_see_owners=True,
        )
        if filterset.is_valid():
            return registry_exports.households_response(filterset.qs)
    filterset = HouseholdFilter(
        request.GET, queryset=qs, request=request, can_see_owners=_is_internal(user)
    )
    return _list_page(
        request,
        filterset=filterset,
        template="compounds/household_list.html",
        partial="compounds/_household_rows.html",
        mark=_mark_household(user),
        extra={"can_export": can_export(user)},
    )


def _visible_households(user) -> QuerySet[Household]:
    return household_list(user=user).filter(dwelling__unit__building__compound__is_archived=False)


@registry_reader_required
@submit_once
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_object_or_404(dwelling_list(user=request.user), pk=pk)
    _require_edit(request.user, dwelling.unit.building.compound.community_id)
    if refusal := _archived_refusal(request, dwelling.unit.building.compound):
        return refusal
    form = HouseholdForm(post_data(request))

    def save(form: HouseholdForm) -> str:
        services.household_create(dwelling=dwelling, data=form.cleaned_data, user=request.user)
        return _dwelling_url(dwelling)

    return _form_page(
        request,
        form,
        save=save,
        title=_("New household in %(name)s") % {"name": dwelling},
        cancel_url=_dwelling_url(dwelling),
    )


def _household(request: HttpRequest, pk: int) -> Household:
    household = get_object_or_404(
        household_list(user=request.user).select_related("dwelling__unit__building__compound"),
        pk=pk,
    )
    _require_edit(request.user, household.dwelling.unit.building.compound.community_id)
    return household


@registry_reader_required
def household_update(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    if refusal := _archived_refusal(request, household.dwelling.unit.building.compound):
        return refusal
    form = HouseholdForm(post_data(request), instance=household)

    def save(form: HouseholdForm) -> str:
        services.household_update(household=household, data=form.cleaned_data, user=request.user)
        return _dwelling_url(household.dwelling)

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit household in %(name)s") % {"name": household.dwelling},
        cancel_url=_dwelling_url(household.dwelling),
    )


@registry_reader_required
def household_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    if household.moved_out_on is not None:
        messages.info(request, services.HOUSEHOLD_ALREADY_MOVED_OUT)
        return redirect(_dwelling_url(household.dwelling))
    form = MoveOutForm(post_data(request))

    def save(form: MoveOutForm) -> str:
        services.household_move_out(
            household=household, moved_out_on=form.cleaned_data["moved_out_on"], user=request.user
        )
        return _dwelling_url(household.dwelling)

    return _form_page(
        request,
        form,
        save=save,
        title=_("Household of %(name)s moves out") % {"name": household.dwelling},
        cancel_url=_dwelling_url(household.dwelling),
    )


# Owners -----------------------------------------------------------------------------------------


@registry_reader_required
def owner_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_internal(user)
    qs = (
        owner_list(user=user)
        .annotate(dwelling_count=_subcount(Dwelling.objects.all(), "owner"))
        .order_by("community__name", "owner_ref")
    )
    if wants_xlsx(request):
        filterset = OwnerFilter(
            request.GET, queryset=_exportable(request, qs, "community_id"), request=request
        )
        if filterset.is_valid():
            return registry_exports.owners_response(filterset.qs)
    filterset = OwnerFilter(request.GET, queryset=qs, request=request)

    def mark(owner) -> None:
        owner.can_edit = can_edit_community(user, owner.community_id)

    return _list_page(
        request,
        filterset=filterset,
        template="compounds/owner_list.html",
        partial="compounds/_owner_rows.html",
        mark=mark,
        extra={"can_create": _can_create(user), "can_export": can_export(user)},
    )


@registry_reader_required
def owner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_internal(user)
    owner = get_object_or_404(owner_list(user=user), pk=pk)
    return _render(
        request,
        "compounds/owner_detail.html",
        {
            "owner": owner,
            "dwellings": dwelling_list(user=user).filter(owner=owner),
            "can_edit": can_edit_community(user, owner.community_id),
        },
    )


@staff_required
@submit_once
def owner_create(request: HttpRequest) -> HttpResponse:
    form = OwnerForm(post_data(request), communities=_editable_communities(request.user))

    def save(form: OwnerForm) -> str:
        data = dict(form.cleaned_data)
        community = data.pop("community")
        _require_edit(request.user, community.pk)
        owner = services.owner_create(community=community, data=data, user=request.user)
        return reverse("compounds:owner_detail", args=[owner.pk])

    return _form_page(
        request,
        form,
        save=save,
        title=_("New owner"),
        cancel_url=reverse("compounds:owner_list"),
    )


@registry_reader_required
def owner_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_internal(request.user)
    owner = get_object_or_404(owner_list(user=request.user), pk=pk)
    _require_edit(request.user, owner.community_id)
    form = OwnerForm(post_data(request), instance=owner, communities=Community.objects.none())
    url = reverse("compounds:owner_detail", args=[owner.pk])

    def save(form: OwnerForm) -> str:
        services.owner_update(owner=owner, data=form.cleaned_data, user=request.user)
        return url

    return _form_page(
        request, form, save=save, title=_("Edit owner %(name)s") % {"name": owner}, cancel_url=url
    )


# Property companies -----------------------------------------------------------------------------


@registry_reader_required
def company_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = compound_list(user=user)
    served = ServiceContract.objects.current().filter(compound__in=visible)
    qs = (
        company_list(user=user)
        .annotate(compound_count=_subcount(served, "company"))
        .prefetch_related(
            Prefetch(
                "contracts",
                queryset=served.select_related("compound").order_by("compound__name"),
                to_attr="current_contracts",
            )
        )
        .order_by("name")
    )
    filterset = CompanyFilter(request.GET, queryset=qs, request=request)
    return _list_page(
        request,
        filterset=filterset,
        template="compounds/company_list.html",
        partial="compounds/_company_rows.html",
        extra={"can_create": _can_create(user)},
    )


@registry_reader_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company = get_object_or_404(company_list(user=user), pk=pk)
    contracts = (
        company.contracts.filter(compound__in=compound_list(user=user))
        .select_related("compound__community")
        .order_by("-starts_on")
    )
    today = set(
        ServiceContract.objects.current().filter(company=company).values_list("pk", flat=True)
    )
    return _render(
        request,
        "compounds/company_detail.html",
        {
            "company": company,
            "contracts": contracts,
            "current_contract_ids": today,
            "served_today": [c for c in contracts if c.pk in today],
            "can_edit": _can_edit_company(user, company),
        },
    )


@staff_required
def company_create(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(post_data(request))

    def save(form: CompanyForm) -> str:
        company = services.company_create(data=form.cleaned_data, user=request.user)
        messages.info(
            request,
            _(
                "%(name)s is registered. Add a service contract on a compound's page so that "
                "it serves the compound."
            )
            % {"name": company.name},
        )
        return reverse("compounds:compound_list") + "?kind=managed"

    return _form_page(
        request,
        form,
        save=save,
        title=_("New property company"),
        cancel_url=reverse("compounds:company_list"),
    )


@registry_reader_required
def company_update(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(company_list(user=request.user), pk=pk)
    if not _can_edit_company(request.user, company):
        raise PermissionDenied
    form = CompanyForm(post_data(request), instance=company)

    def save(form: CompanyForm) -> str:
        return services.company_update(
            company=company, data=form.cleaned_data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit %(name)s") % {"name": company.name},
        cancel_url=company.get_absolute_url(),
    )


# Grids ------------------------------------------------------------------------------------------


def _annotate_grids(qs: QuerySet[Grid]) -> QuerySet[Grid]:
    return qs.annotate(
        compound_count=_subcount(Grid.compounds.through.objects.all(), "grid"),
        building_count=_subcount(Grid.buildings.through.objects.all(), "grid"),
        child_count=_subcount(Grid.objects.all(), "parent"),
    )


@registry_reader_required
def grid_list_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_internal(user)
    qs = _annotate_grids(grid_list(user=user)).order_by("community__name", "level", "code")
    filterset = GridFilter(request.GET, queryset=qs, request=request)

    def mark(grid) -> None:
        grid.can_edit = can_edit_community(user, grid.community_id)

    return _list_page(
        request,
        filterset=filterset,
        template="compounds/grid_list.html",
        partial="compounds/_grid_rows.html",
        mark=mark,
        extra={"can_create": _can_create(user)},
    )


@registry_reader_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_internal(user)
    grid = get_object_or_404(grid_list(user=user), pk=pk)
    return _render(
        request,
        "compounds/grid_detail.html",
        {
            "grid": grid,
            "children": _annotate_grids(grid.children.select_related("worker")).order_by("code"),
            "compounds": _annotate_compounds(grid.compounds.all()).order_by("name"),
            "buildings": _annotate_buildings(grid.buildings.select_related("compound")).order_by(
                "compound__name", "compound_id", *by_code()
            ),
            "can_edit": can_edit_community(user, grid.community_id),
        },
    )


def _grid_save(request: HttpRequest, grid: Grid | None) -> Callable[[GridForm], str]:
    def save(form: GridForm) -> str:
        data = form.service_data()
        compounds = form.cleaned_data["compounds"]
        buildings = form.cleaned_data["buildings"].select_related("compound")
        if grid is None:
            community = form.cleaned_data["community"]
            _require_edit(request.user, community.pk)
            saved = services.grid_create(
                community=community,
                data=data,
                compounds=compounds,
                buildings=buildings,
                user=request.user,
            )
        else:
            saved = services.grid_update(
                grid=grid, data=data, compounds=compounds, buildings=buildings, user=request.user
            )
        return saved.get_absolute_url()

    return save


@staff_required
def grid_create(request: HttpRequest) -> HttpResponse:
    form = GridForm(post_data(request), communities=_editable_communities(request.user))
    return _form_page(
        request,
        form,
        save=_grid_save(request, None),
        title=_("New grid"),
        cancel_url=reverse("compounds:grid_list"),
    )


@registry_reader_required
def grid_update(request: HttpRequest, pk: int) -> HttpResponse:
    _require_internal(request.user)
    grid = get_object_or_404(grid_list(user=request.user), pk=pk)
    _require_edit(request.user, grid.community_id)
    form = GridForm(post_data(request), instance=grid, communities=Community.objects.none())
    return _form_page(
        request,
        form,
        save=_grid_save(request, grid),
        title=_("Edit %(name)s") % {"name": grid},
        cancel_url=grid.get_absolute_url(),
    )
