"""Settings and rubric of a community's year, created from the DOMAIN.md defaults on first use
(a use that needs them to compute: pages show them unsaved, ``settings_of`` and ``default_rubric``).

Every other module asks here for "the bands and calendar of this community in this year" and "the
rubric scorecards of this year use", so the defaults live in one place (``scorecards.rules``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from compounds.models import Community

from . import rules
from .models import DeductionItem, Rubric, RubricCriterion, ScoringSettings, VetoItem

# Standard deduction items seeded under each default criterion: (code, English, Chinese, points).
DEFAULT_DEDUCTION_ITEMS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "general_management": (
        ("records_missing", "Records or ledgers missing", "台账资料缺失", "2"),
        ("notice_missing", "Fees or services not publicised", "未公示收费及服务内容", "2"),
    ),
    "customer_service": (
        ("complaint_late", "Complaint not answered in time", "投诉未及时处理", "3"),
        ("repair_late", "Repair not done in time", "报修未及时处理", "2"),
    ),
    "building_upkeep": (
        ("equipment_fault", "Shared equipment faulty", "共用设施设备故障未修", "3"),
        ("stairwell_light", "Stairwell lights out", "楼道照明损坏", "1"),
    ),
    "order_access": (
        ("gate_unattended", "Gate unattended", "门岗无人值守", "2"),
        ("patrol_missing", "Patrol not done", "未按规定巡查", "2"),
    ),
    "fire_safety": (
        ("fire_lane_blocked", "Fire lane blocked", "消防通道堵塞", "3"),
        ("extinguisher_expired", "Extinguisher missing or expired", "灭火器缺失或过期", "2"),
    ),
    "cleanliness": (
        ("stairwell_clutter", "Stairwell clutter", "楼道堆物", "2"),
        ("rubbish_overflow", "Rubbish not cleared", "垃圾未及时清运", "2"),
    ),
    "greening": (("green_damaged", "Green space damaged or untended", "绿地毁损或未养护", "2"),),
    "parking": (("parking_disorder", "Disorderly parking", "车辆乱停乱放", "2"),),
}


def settings_of(community: Community | int, year: int) -> ScoringSettings:
    """The community's settings for ``year`` as they stand, written nowhere: the saved row, else
    an unsaved one holding what ``settings_for`` would save (the latest earlier year's values,
    else the defaults). Pages read this: looking at next year must not decide next year."""
    community_id = getattr(community, "pk", community)
    found = ScoringSettings.objects.filter(community_id=community_id, year=year).first()
    if found:
        return found
    earlier = (
        ScoringSettings.objects.filter(community_id=community_id, year__lt=year)
        .order_by("-year")
        .first()
    )
    fields = {}
    if earlier:
        fields = {
            f.name: getattr(earlier, f.name)
            for f in ScoringSettings._meta.concrete_fields
            if f.name not in ("id", "community", "year")
        }
    return ScoringSettings(community_id=community_id, year=year, **fields)


def settings_for(community: Community | int, year: int) -> ScoringSettings:
    """The community's settings for ``year``, saved on first use from ``settings_of``."""
    row = settings_of(community, year)
    if row.pk is not None:
        return row
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            return row
    except IntegrityError:  # created meanwhile by a concurrent request
        return ScoringSettings.objects.get(community_id=row.community_id, year=year)


@dataclass(frozen=True)
class RubricDraft:
    """The rows ``rubric_for`` would create for a year with no rubric, unsaved: what the rubric
    page shows until staff save the first version. Each criterion carries its deduction items
    in ``items``, as ``rubric_rows`` gives them for a saved rubric."""

    rubric: Rubric
    criteria: list[RubricCriterion]
    vetoes: list[VetoItem]


def default_rubric(community: Community | int, year: int) -> RubricDraft:
    """The default rubric of DOMAIN.md with its standard deduction items, as version 1 of
    ``year``, unsaved."""
    rubric = Rubric(community_id=getattr(community, "pk", community), year=year, version=1)
    criteria = []
    for position, criterion in enumerate(rules.DEFAULT_RUBRIC.criteria):
        row = RubricCriterion(
            rubric=rubric,
            code=criterion.code,
            name=criterion.name,
            name_zh=criterion.name_zh,
            max_points=criterion.max_points,
            position=position,
        )
        row.items = [
            DeductionItem(
                criterion=row,
                code=code,
                name=name,
                name_zh=name_zh,
                points=Decimal(points),
                position=i,
            )
            for i, (code, name, name_zh, points) in enumerate(
                DEFAULT_DEDUCTION_ITEMS.get(criterion.code, ())
            )
        ]
        criteria.append(row)
    vetoes = [
        VetoItem(rubric=rubric, code=v.code, name=v.name, name_zh=v.name_zh, position=i)
        for i, v in enumerate(rules.DEFAULT_RUBRIC.veto_items)
    ]
    return RubricDraft(rubric, criteria, vetoes)


def rubric_rows(rubric: Rubric) -> list[RubricCriterion]:
    """The criteria of a saved rubric in order, each with its deduction items in ``items``."""
    return list(
        rubric.criteria.prefetch_related(
            Prefetch(
                "deduction_items",
                queryset=DeductionItem.objects.order_by("position", "pk"),
                to_attr="items",
            )
        )
    )


def newest_rubrics(community_ids: Iterable[int], year: int) -> dict[int, tuple[int, int]]:
    """Of each community, the newest version of its latest rubric up to ``year``, as
    ``{community id: (rubric id, its year)}``; none for a community that never had one. One
    query, writing nothing."""
    newest: dict[int, tuple[int, int]] = {}
    for community_id, pk, rubric_year in (
        Rubric.objects.filter(community_id__in=list(community_ids), year__lte=year)
        .order_by("community_id", "-year", "-version")
        .values_list("community_id", "pk", "year")
    ):
        newest.setdefault(community_id, (pk, rubric_year))
    return newest


def rubric_for(community: Community | int, year: int) -> Rubric:
    """The newest rubric version of ``year``, created from the default rubric on first use.

    Only what needs a rubric to compute calls this (drafting scores, recording findings, a
    first save of the rubric): pages read ``default_rubric`` instead, so that looking creates
    no version nobody decided on."""
    community_id = getattr(community, "pk", community)
    found = Rubric.objects.filter(community_id=community_id, year=year).order_by("-version").first()
    if found:
        return found
    try:
        with transaction.atomic():
            return _create(default_rubric(community_id, year))
    except IntegrityError:  # created meanwhile by a concurrent request
        return Rubric.objects.filter(community_id=community_id, year=year).latest("version")


def _create(draft: RubricDraft) -> Rubric:
    draft.rubric.save(force_insert=True)
    # In bulk (PostgreSQL returns the new criteria's ids), not one INSERT per criterion.
    RubricCriterion.objects.bulk_create(draft.criteria)
    DeductionItem.objects.bulk_create(item for row in draft.criteria for item in row.items)
    VetoItem.objects.bulk_create(draft.vetoes)
    return draft.rubric
