"""Factories for committees, elections and their parts.

They write rows directly, bypassing the services, so a test can put an election in any state it
needs; tests of the services themselves go through ``committees.elections``.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from committees.models import (
    Candidate,
    Committee,
    Election,
    ElectionStep,
    Objection,
    Vetting,
    VettingItem,
)
from committees.rules import Matter
from compounds.models import Owner
from tests import factories as registry_factories


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    compound = factory.SubFactory(registry_factories.CompoundFactory)
    kind = Committee.Kind.OWNERS
    name = factory.LazyAttribute(lambda o: f"{o.compound.name}业主委员会")
    term_starts_on = dt.date(2021, 1, 1)
    term_ends_on = dt.date(2026, 1, 1)


class ElectionFactory(factory.django.DjangoModelFactory):
    """An election in ``stage`` since ``stage_started_at``, with its current step recorded."""

    class Meta:
        model = Election
        skip_postgeneration_save = True

    committee = factory.SubFactory(CommitteeFactory)
    kind = Election.Kind.ELECTION
    matter = Matter.ELECT_COMMITTEE
    title = factory.Sequence(lambda n: f"第{n}届业主委员会换届选举")
    seats = 5
    stage = Election.Stage.PREPARATION
    stage_started_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def _step(obj, create, extracted, **kwargs):
        if create:
            ElectionStep.objects.get_or_create(
                election=obj, stage=obj.stage, defaults={"started_at": obj.stage_started_at}
            )


class MotionFactory(ElectionFactory):
    kind = Election.Kind.MOTION
    matter = Matter.ENGAGE_MANAGER
    title = factory.Sequence(lambda n: f"表决事项{n}: 物业服务清单与收费标准")
    seats = None


def compound_owner(compound, **owner_fields) -> Owner:
    """A new owner holding a new dwelling (in a building of its own) of ``compound``."""
    owner = registry_factories.OwnerFactory(community=compound.community, **owner_fields)
    registry_factories.DwellingFactory(unit__building__compound=compound, owner=owner)
    return owner


class CandidateFactory(factory.django.DjangoModelFactory):
    """A candidate with a pending vetting and one unanswered checklist item per condition."""

    class Meta:
        model = Candidate
        skip_postgeneration_save = True

    election = factory.SubFactory(ElectionFactory)
    name = factory.Sequence(lambda n: f"候选人{n}")
    # An owner of the election's compound, as a committee candidate must be; ``owner=None``
    # stands for a record from before that was enforced.
    owner = factory.LazyAttribute(lambda o: compound_owner(o.election.committee.compound))
    nominated_on = dt.date(2026, 1, 5)

    @factory.post_generation
    def _vetting(obj, create, extracted, **kwargs):
        if create:
            vetting = Vetting.objects.create(candidate=obj)
            VettingItem.objects.bulk_create(
                VettingItem(vetting=vetting, condition=c) for c in Vetting.Condition.values
            )


def qualify(candidate: Candidate, reviewer) -> Candidate:
    """Mark every condition met and the candidate qualified, without going through a service."""
    vetting = candidate.vetting
    vetting.items.update(is_met=True, evidence="核查记录")
    vetting.decision = Vetting.Decision.QUALIFIED
    vetting.reviewer = reviewer
    vetting.decided_at = timezone.now()
    vetting.save()
    return candidate


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objection

    election = factory.SubFactory(ElectionFactory)
    raised_by = factory.Sequence(lambda n: f"业主{n}")
    raised_on = dt.date(2026, 1, 10)
    content = "候选人资格有异议"
