"""Settings and rubric of a community's year, created from the DOMAIN.md defaults on first use.

Every other module asks here for "the bands and calendar of this community in this year" and "the
rubric scorecards of this year use", so the defaults live in one place (``scorecards.rules``).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

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


def settings_for(community: Community | int, year: int) -> ScoringSettings:
    """The community's settings for ``year``: the latest earlier year's, else the defaults."""
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
    try:
        with transaction.atomic():
            return ScoringSettings.objects.create(community_id=community_id, year=year, **fields)
    except IntegrityError:  # created meanwhile by a concurrent request
        return ScoringSettings.objects.get(community_id=community_id, year=year)


def rubric_for(community: Community | int, year: int) -> Rubric:
    """The newest rubric version of ``year``, created from the default rubric on first use."""
    community_id = getattr(community, "pk", community)
    found = Rubric.objects.filter(community_id=community_id, year=year).order_by("-version").first()
    if found:
        return found
    try:
        with transaction.atomic():
            return _create_default_rubric(community_id, year)
    except IntegrityError:
        return Rubric.objects.filter(community_id=community_id, year=year).latest("version")


def _create_default_rubric(community_id: int, year: int) -> Rubric:
    rubric = Rubric.objects.create(community_id=community_id, year=year, version=1)
    # In bulk (PostgreSQL returns the new criteria's ids), not one INSERT per criterion: the
    # rubric page creates this on a GET.
    criteria = RubricCriterion.objects.bulk_create(
        RubricCriterion(
            rubric=rubric,
            code=criterion.code,
            name=criterion.name,
            name_zh=criterion.name_zh,
            max_points=criterion.max_points,
            position=position,
        )
        for position, criterion in enumerate(rules.DEFAULT_RUBRIC.criteria)
    )
    DeductionItem.objects.bulk_create(
        DeductionItem(
            criterion=row, code=code, name=name, name_zh=name_zh, points=points, position=i
        )
        for row in criteria
        for i, (code, name, name_zh, points) in enumerate(DEFAULT_DEDUCTION_ITEMS.get(row.code, ()))
    )
    VetoItem.objects.bulk_create(
        VetoItem(rubric=rubric, code=v.code, name=v.name, name_zh=v.name_zh, position=i)
        for i, v in enumerate(rules.DEFAULT_RUBRIC.veto_items)
    )
    return rubric
