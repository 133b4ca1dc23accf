"""Scorecard data for the drafting bench: the managed compounds of a generated city and one
month of inspections and findings for them.

``drafting_city`` writes, for communities ``city-0001`` …, only what the monthly drafting reads:
the community, its companies, its compounds (managed ones and courtyards, from the same
``plan_community`` as ``generate_city``, so the names and contracts are those a full city would
have) and the service contracts. Buildings, dwellings and households are left out: the drafting
never reads them, and 200 full communities would take a long time to write for nothing. An
existing community (e.g. written in full by ``generate_city``) is kept as it is.

``findings_generate`` writes one month of inspections (0 to 4 per managed compound, so some are
not ranked) and findings (0 to 20 each, on the rubric's deduction items, one in fifty withdrawn,
one in two hundred a veto) with one ``bulk_create`` per table; skipped when the month already has
generated findings (description ``bench``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction

from bench.city import bench_street, community_slug, plan_community
from compounds.models import Community, Compound, PropertyCompany, ServiceContract

BENCH_TEXT = "bench"


@transaction.atomic
def _write_light(number: int, *, seed: int, street) -> None:
    plan = plan_community(number, seed=seed)
    community = Community.objects.create(
        street=street, name=plan.name, slug=plan.slug, area_km2=plan.area_km2
    )
    companies = PropertyCompany.objects.bulk_create(
        PropertyCompany(name=c.name, credit_code=c.credit_code) for c in plan.companies
    )
    compounds = Compound.objects.bulk_create(
        Compound(community=community, code=c.code, name=c.name, kind=c.kind) for c in plan.compounds
    )
    by_code = {c.code: c for c in compounds}
    ServiceContract.objects.bulk_create(
        ServiceContract(
            compound=by_code[c.code], company=companies[i], starts_on=starts_on, ends_on=ends_on
        )
        for c in plan.compounds
        for i, starts_on, ends_on in c.contracts
    )


def drafting_city(*, communities: int, seed: int = 1) -> list[Community]:
    """Communities 1..``communities`` (written light where missing), in slug order."""
    street = bench_street()
    slugs = [community_slug(n) for n in range(1, communities + 1)]
    have = set(Community.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    for number, slug in enumerate(slugs, start=1):
        if slug not in have:
            _write_light(number, seed=seed, street=street)
    return list(Community.objects.filter(slug__in=slugs).order_by("slug"))


def findings_generate(*, communities: Sequence[Community], month: dt.date, seed: int = 1) -> int:
    """One month of inspections and findings for the managed compounds of ``communities``.
    Returns how many findings were written (0 when the month already has bench findings)."""
    from scorecards.models import Finding, Inspection
    from scorecards.setup import rubric_for, settings_for

    compounds = list(
        Compound.objects.filter(community__in=communities, kind=Compound.Kind.MANAGED).order_by(
            "pk"
        )
    )
    if Finding.objects.filter(
        compound__in=compounds,
        found_on__gte=month,
        found_on__lt=month + dt.timedelta(days=28),
        description=BENCH_TEXT,
    ).exists():
        return 0
    rng = random.Random(f"tongde-drafting:{seed}:{month}")
    inspector, _ = get_user_model().objects.get_or_create(username="bench-inspector")
    items = {}
    for community in communities:
        settings_for(community, month.year)
        rubric = rubric_for(community, month.year)
        items[community.pk] = (
            [
                (d.criterion_id, d.pk, d.points)
                for c in rubric.criteria.prefetch_related("deduction_items")
                for d in c.deduction_items.all()
            ],
            list(rubric.veto_items.values_list("pk", flat=True)),
        )
    days = 28
    inspections, findings = [], []
    for compound in compounds:
        deductions, vetoes = items[compound.community_id]
        for _ in range(rng.randint(0, 4)):
            inspections.append(
                Inspection(
                    compound=compound,
                    inspected_on=month + dt.timedelta(days=rng.randrange(days)),
                    inspector=inspector,
                    notes=BENCH_TEXT,
                )
            )
        for _ in range(rng.randint(0, 20)):
            criterion_id, item_id, points = rng.choice(deductions)
            findings.append(
                Finding(
                    compound=compound,
                    found_on=month + dt.timedelta(days=rng.randrange(days)),
                    criterion_id=criterion_id,
                    deduction_item_id=item_id,
                    points=points,
                    veto_item_id=rng.choice(vetoes) if rng.random() < 0.005 else None,
                    description=BENCH_TEXT,
                    is_withdrawn=rng.random() < 0.02,
                )
            )
    with transaction.atomic():
        Inspection.objects.bulk_create(inspections, batch_size=5000)
        Finding.objects.bulk_create(findings, batch_size=5000)
    return len(findings)
