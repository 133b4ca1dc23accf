"""Staff pages for committees, leaders, coverage and resident consultations.

Who may do what (tests/committees/test_views_committees.py holds the full table):
- staff of the community edit everything here; grid workers read all of it;
- a committee member reads their own committee (members, heads) and nothing else;
- a property-company user reads none of it: lists answer 403, objects by id 404 (the selectors
  never return them), because committee internals and residents' opinions are not the
  company's business;
- staff of another community get 404 on this community's objects.

Objects are always fetched through ``selectors``; edits then need ``can_edit_community`` and go
through ``services``. Lists run a fixed number of queries whatever their size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.models import Building, Compound, Unit
from compounds.permissions import registry_reader_required
from compounds.residents import natural_key
from compounds.selectors import can_edit_community, staff_community_ids
from tongde import exports
from tongde.once import submit_once
from tongde.pages import form_page, post_data

from . import selectors, services
from .forms import (
    AmendAnswerForm,
    AnswerForm,
    CommitteeFilter,
    CommitteeForm,
    ConsultationFilter,
    ConsultationForm,
    HeadEndForm,
    HeadForm,
    LeaveForm,
    MemberForm,
)
from .models import BuildingHead, Committee, CommitteeMember, Consultation, UnitHead

PAGE_SIZE = 50


# Helpers ----------------------------------------------------------------------------------------


def _require_reader(user) -> None:
    if not selectors.is_committee_reader(user):
        raise PermissionDenied


def _require_internal(user) -> None:
    if not selectors.is_internal(user):
        raise PermissionDenied


def _require_edit(user, community_id: int) -> None:
    if not can_edit_community(user, community_id):
        raise PermissionDenied


def _can_edit_anywhere(user) -> bool:
    return bool(user.is_superuser or staff_community_ids(user, include_grid_workers=False))


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("is_internal", selectors.is_internal(request.user))
    return render(request, template, context, status=status)


def _paginate(request: HttpRequest, qs: QuerySet) -> Page:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[BaseForm], str],
    title: str,
    cancel_url: str,
    template: str = "committees/committee_form.html",
    context: dict[str, Any] | None = None,
    success: str | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save=save,
        template=template,
        context={"title": title, "cancel_url": cancel_url, **(context or {})},
        render_page=_render,
        success=success,
    )


# Committees -------------------------------------------------------------------------------------


@registry_reader_required
def committee_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reader(user)
    qs = selectors.annotate_committees(selectors.committee_list(user=user)).order_by(
        "compound__community__name", "kind", "compound__code"
    )
    filterset = CommitteeFilter(request.GET, queryset=qs, request=request)
    page = _paginate(request, filterset.qs)
    for committee in page.object_list:
        committee.flags = selectors.flags(committee)
    context = {"filter": filterset, "page": page, "partial": "committees/_committee_rows.html"}
    if request.htmx and not request.htmx.boosted:
        return _render(request, "committees/_committee_rows.html", context)
    return _render(request, "committees/committee_list.html", context)


def _heads_by_building(compound: Compound) -> list[Building]:
    """Buildings with their current head and their units with theirs, in two queries; in the
    order people count them (2号楼 before 10号楼)."""
    today = timezone.localdate()
    b_head = BuildingHead.objects.filter(
        selectors.current_head_q(today), building=OuterRef("pk")
    ).order_by("-starts_on")
    u_head = UnitHead.objects.filter(selectors.current_head_q(today), unit=OuterRef("pk")).order_by(
        "-starts_on"
    )
    buildings = list(
        compound.buildings.annotate(
            head_id=Subquery(b_head.values("pk")[:1]),
            head_name=Subquery(b_head.values("name")[:1]),
            head_since=Subquery(b_head.values("starts_on")[:1]),
        )
    )
    buildings.sort(key=lambda b: natural_key(b.code))
    units: dict[int, list[Unit]] = {}
    for unit in (
        Unit.objects.filter(building__compound=compound)
        .annotate(
            head_id=Subquery(u_head.values("pk")[:1]),
            head_name=Subquery(u_head.values("name")[:1]),
            head_since=Subquery(u_head.values("starts_on")[:1]),
        )
        .order_by("code")
    ):
        units.setdefault(unit.building_id, []).append(unit)
    for building in buildings:
        building.unit_rows = sorted(units.get(building.pk, []), key=lambda u: natural_key(u.code))
    return buildings


@registry_reader_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    committee = get_object_or_404(
        selectors.annotate_committees(selectors.committee_list(user=user)), pk=pk
    )
    committee.flags = selectors.flags(committee)
    today = timezone.localdate()
    # Chair, vice-chairs, members; those who left last.
    rank = Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(CommitteeMember.Role.values)),
        output_field=IntegerField(),
    )
    members = list(
        committee.members.select_related("owner")
        .annotate(
            rank=rank,
            is_current=Case(
                When(selectors.current_member_q(today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by(F("left_on").asc(nulls_first=True), "rank", "name")
    )
    buildings = _heads_by_building(committee.compound)
    units = [u for b in buildings for u in b.unit_rows]
    return _render(
        request,
        "committees/committee_detail.html",
        {
            "committee": committee,
            "members": members,
            "buildings": buildings,
            "head_counts": {
                "buildings": len(buildings),
                "buildings_with_head": sum(1 for b in buildings if b.head_id),
                "units": len(units),
                "units_with_head": sum(1 for u in units if u.head_id),
            },
            "can_edit": can_edit_community(user, committee.compound.community_id),
            "rules": _rules_context(),
        },
    )


def _rules_context() -> dict[str, int]:
    return settings.COMMITTEE_RULES


@registry_reader_required
def committee_create(request: HttpRequest, compound_pk: int) -> HttpResponse:
    compound = get_object_or_404(
        selectors.committee_compound_list(user=request.user), pk=compound_pk
    )
    _require_edit(request.user, compound.community_id)
    existing = Committee.objects.filter(compound=compound).first()
    if existing is not None:
        return redirect(existing)
    form = CommitteeForm(post_data(request))

    def save(form: CommitteeForm) -> str:
        return services.committee_create(
            compound=compound, data=form.cleaned_data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New committee for %(compound)s") % {"compound": compound.name},
        cancel_url=reverse("committees:coverage"),
    )


@registry_reader_required
def committee_update(request: HttpRequest, pk: int) -> HttpResponse:
    committee = get_object_or_404(selectors.committee_list(user=request.user), pk=pk)
    _require_edit(request.user, committee.compound.community_id)
    form = CommitteeForm(post_data(request), instance=committee)

    def save(form: CommitteeForm) -> str:
        data = dict(form.cleaned_data)
        if not data.get("name"):
            data["name"] = services.default_committee_name(committee.compound)
        return services.committee_update(
            committee=committee, data=data, user=request.user
        ).get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit %(name)s") % {"name": committee.name},
        cancel_url=committee.get_absolute_url(),
    )


# Members ----------------------------------------------------------------------------------------


@registry_reader_required
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    committee = get_object_or_404(selectors.committee_list(user=request.user), pk=pk)
    _require_edit(request.user, committee.compound.community_id)
    form = MemberForm(post_data(request), committee=committee)

    def save(form: MemberForm) -> str:
        services.member_add(committee=committee, data=form.service_data(), user=request.user)
        return committee.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("New member of %(name)s") % {"name": committee.name},
        cancel_url=committee.get_absolute_url(),
    )


@registry_reader_required
def member_update(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.member_list(user=request.user), pk=pk)
    committee = member.committee
    _require_edit(request.user, committee.compound.community_id)
    form = MemberForm(post_data(request), instance=member, committee=committee)

    def save(form: MemberForm) -> str:
        services.member_update(member=member, data=form.service_data(), user=request.user)
        return committee.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("Edit %(name)s") % {"name": member.name},
        cancel_url=committee.get_absolute_url(),
    )


@registry_reader_required
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.member_list(user=request.user), pk=pk)
    committee = member.committee
    _require_edit(request.user, committee.compound.community_id)
    form = LeaveForm(post_data(request), initial={"left_on": timezone.localdate()})

    def save(form: LeaveForm) -> str:
        services.member_end(member=member, user=request.user, **form.cleaned_data)
        return committee.get_absolute_url()

    return _form_page(
        request,
        form,
        save=save,
        title=_("%(name)s leaves %(committee)s") % {"name": member.name, "committee": committee},
        cancel_url=committee.get_absolute_url(),
    )


# Building and unit heads ------------------------------------------------------------------------


def _committee_url(compound: Compound) -> str:
    committee = Committee.objects.filter(compound=compound).first()
    return committee.get_absolute_url() if committee else reverse("committees:coverage")


@registry_reader_required
def building_head_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_object_or_404(selectors.building_list(user=request.user), pk=pk)
    _require_edit(request.user, building.compound.community_id)
    form = HeadForm(
        post_data(request),
        community=building.compound.community,
        initial={"starts_on": timezone.localdate()},
    )
    url = _committee_url(building.compound)

    def save(form: HeadForm) -> str:
        services.building_head_appoint(
            building=building, data=form.service_data(), user=request.user
        )
        return url

    return _form_page(
        request,
        form,
        save=save,
        title=_("New building head for %(building)s") % {"building": building},
        cancel_url=url,
    )


@registry_reader_required
def building_head_end(request: HttpRequest, pk: int) -> HttpResponse:
    head = get_object_or_404(selectors.building_head_list(user=request.user), pk=pk)
    compound = head.building.compound
    _require_edit(request.user, compound.community_id)
    form = HeadEndForm(post_data(request), initial={"ends_on": timezone.localdate()})
    url = _committee_url(compound)

    def save(form: HeadEndForm) -> str:
        services.building_head_end(head=head, user=request.user, **form.cleaned_data)
        return url

    return _form_page(
        request,
        form,
        save=save,
        title=_("End the service of %(name)s") % {"name": head},
        cancel_url=url,
    )


@registry_reader_required
def unit_head_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(selectors.unit_list(user=request.user), pk=pk)
    compound = unit.building.compound
    _require_edit(request.user, compound.community_id)
    form = HeadForm(
        post_data(request),
        community=compound.community,
        initial={"starts_on": timezone.localdate()},
    )
    url = _committee_url(compound)

    def save(form: HeadForm) -> str:
        services.unit_head_appoint(unit=unit, data=form.service_data(), user=request.user)
        return url

    return _form_page(
        request,
        form,
        save=save,
        title=_("New unit head for %(unit)s") % {"unit": unit},
        cancel_url=url,
    )


@registry_reader_required
def unit_head_end(request: HttpRequest, pk: int) -> HttpResponse:
    head = get_object_or_404(selectors.unit_head_list(user=request.user), pk=pk)
    compound = head.unit.building.compound
    _require_edit(request.user, compound.community_id)
    form = HeadEndForm(post_data(request), initial={"ends_on": timezone.localdate()})
    url = _committee_url(compound)

    def save(form: HeadEndForm) -> str:
        services.unit_head_end(head=head, user=request.user, **form.cleaned_data)
        return url

    return _form_page(
        request,
        form,
        save=save,
        title=_("End the service of %(name)s") % {"name": head},
        cancel_url=url,
    )


# Coverage ---------------------------------------------------------------------------------------


@registry_reader_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Staff and grid workers: heads per building and unit, committees' shortfalls, totals."""
    user = request.user
    _require_internal(user)
    compounds = selectors.internal_compound_list(user=user).filter(is_archived=False)
    result = selectors.coverage(compounds=compounds)
    return _render(
        request,
        "committees/coverage.html",
        {**result, "can_create": _can_edit_anywhere(user), "rules": _rules_context()},
    )


# Resident consultations -------------------------------------------------------------------------


@registry_reader_required
def consultation_list(request: HttpRequest) -> HttpResponse:
    """Staff and grid workers read and answer their communities' resident opinions; a committee
    member reads their own compound's, without who gave them and without the export (it names
    residents)."""
    user = request.user
    _require_reader(user)
    is_internal = selectors.is_internal(user)
    qs = selectors.consultation_readable(user=user).order_by("-received_on", "-pk")
    filterset = ConsultationFilter(request.GET, queryset=qs, request=request)
    if exports.wants_xlsx(request) and not is_internal:
        raise PermissionDenied
    if exports.wants_xlsx(request) and filterset.is_valid():
        # Every row the filters select that names residents to this user (never the rows of a
        # compound they read only as its committee member), for the staff's own reports.
        named = filterset.qs.filter(pk__in=selectors.consultation_list(user=user).values("pk"))
        return exports.xlsx_response(
            exports.dated_filename(_("Resident opinions")),
            [_consultations_sheet(named)],
        )
    page = _paginate(request, selectors.with_verified_home(filterset.qs))
    # Names, accounts and photos per row: a grid worker of one community who also sits on a
    # committee elsewhere reads that compound's opinions as a committee member, without them.
    for consultation in page.object_list:
        consultation.names_shown = selectors.names_residents(user, consultation)
    context = {
        "filter": filterset,
        "page": page,
        "counts": selectors.consultation_counts(filterset.qs),
        "partial": "committees/_consultation_rows.html",
        "can_create": _can_edit_anywhere(user),
        "can_edit_ids": set(staff_community_ids(user, include_grid_workers=False)),
        "is_internal": is_internal,
    }
    if request.htmx and not request.htmx.boosted:
        return _render(request, "committees/_consultation_rows.html", context)
    return _render(request, "committees/consultation_list.html", context)


def _consultations_sheet(consultations) -> exports.Sheet:
    return exports.Sheet(
        title=_("Resident opinions"),
        headers=[
            _("received on"),
            _("community"),
            _("compound"),
            _("channel"),
            _("topic"),
            _("resident"),
            _("opinion"),
            _("answer"),
            _("answered on"),
        ],
        rows=(
            [
                c.received_on,
                c.compound.community.name,
                c.compound.name,
                c.get_channel_display(),
                c.topic,
                c.resident_name,
                c.opinion,
                c.answer,
                c.answered_on,
            ]
            for c in consultations.iterator(chunk_size=2000)
        ),
    )


@registry_reader_required
@submit_once
def consultation_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _can_edit_anywhere(user):
        raise PermissionDenied
    compounds = selectors.internal_compound_list(user=user).filter(is_archived=False)
    if not user.is_superuser:
        compounds = compounds.filter(
            community_id__in=staff_community_ids(user, include_grid_workers=False)
        )
    form = ConsultationForm(
        post_data(request),
        compounds=compounds.order_by("name"),
        initial={"received_on": timezone.localdate()},
    )

    def save(form: ConsultationForm) -> str:
        data = dict(form.cleaned_data)
        compound = data.pop("compound")
        _require_edit(user, compound.community_id)
        services.consultation_create(compound=compound, data=data, user=user)
        return reverse("committees:consultation_list")

    return _form_page(
        request,
        form,
        save=save,
        title=_("New resident opinion"),
        cancel_url=reverse("committees:consultation_list"),
        template="committees/consultation_form.html",
    )


def _answerable(request: HttpRequest, pk: int) -> Consultation:
    # A committee member reads their compound's opinions (403 here), not another's (404).
    consultation = get_object_or_404(selectors.consultation_readable(user=request.user), pk=pk)
    _require_edit(request.user, consultation.compound.community_id)
    return consultation


@registry_reader_required
def consultation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _answerable(request, pk)
    if request.method != "POST" and consultation.answer:
        # Answered already: a change is an amendment, with its reason, never a silent rewrite.
        messages.info(request, services.ANSWER_ALREADY_GIVEN)
        return redirect("committees:consultation_amend", pk=consultation.pk)
    form = AnswerForm(
        post_data(request),
        initial={
            "answered_on": timezone.localdate(),
            "version": consultation.answer_version,
        },
    )

    def save(form: AnswerForm) -> str:
        services.consultation_answer(
            consultation=consultation,
            user=request.user,
            answer=form.cleaned_data["answer"],
            answered_on=form.cleaned_data["answered_on"],
            seen_version=form.cleaned_data["version"],
        )
        return reverse("committees:consultation_list")

    return _form_page(
        request,
        form,
        save=save,
        title=_("Answer: %(topic)s") % {"topic": consultation.topic},
        cancel_url=reverse("committees:consultation_list"),
        template="committees/consultation_form.html",
        context={"consultation": consultation},
    )


@registry_reader_required
def consultation_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Amend an answer already given: the earlier wording and the reason are kept, and the
    resident reads that the answer was amended and when."""
    consultation = _answerable(request, pk)
    if not consultation.answer:
        messages.info(request, services.NOTHING_TO_AMEND)
        return redirect("committees:consultation_answer", pk=consultation.pk)
    form = AmendAnswerForm(
        post_data(request),
        initial={"answer": consultation.answer, "version": consultation.answer_version},
    )

    def save(form: AmendAnswerForm) -> str:
        services.consultation_answer_amend(
            consultation=consultation,
            user=request.user,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
            seen_version=form.cleaned_data["version"],
        )
        return reverse("committees:consultation_list")

    return _form_page(
        request,
        form,
        save=save,
        title=_("Amend the answer: %(topic)s") % {"topic": consultation.topic},
        cancel_url=reverse("committees:consultation_list"),
        template="committees/consultation_form.html",
        context={
            "consultation": consultation,
            "amendments": consultation.amendments.select_related("amended_by").order_by(
                "-amended_at", "-pk"
            ),
        },
        success=_("The answer is amended; the earlier wording is kept."),
    )
