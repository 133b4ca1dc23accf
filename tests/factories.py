from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from compounds.models import (
    Building,
    Community,
    Compound,
    District,
    Dwelling,
    Grid,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    ServiceContract,
    Street,
    Unit,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def membership_user(role: str, **scope):
    user = UserFactory(username=f"{role}-{UserFactory._meta.model.objects.count() + 1}")
    Membership.objects.create(user=user, role=role, **scope)
    return user


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    name = "肃州区"
    code = "suzhou"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("district", "code")

    district = factory.SubFactory(DistrictFactory)
    name = "西北街街道"
    code = "xibei"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"社区{n}")
    slug = factory.Sequence(lambda n: f"community-{n}")


class PropertyCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyCompany

    name = factory.Sequence(lambda n: f"物业公司{n}")
    credit_code = factory.Sequence(lambda n: f"91620900MA{n:08d}")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    code = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"小区{n}")
    kind = Compound.Kind.MANAGED


class ServiceContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceContract

    compound = factory.SubFactory(CompoundFactory)
    company = factory.SubFactory(PropertyCompanyFactory)
    starts_on = dt.date(2020, 1, 1)


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    code = factory.Sequence(lambda n: f"g{n}")
    name = factory.Sequence(lambda n: f"网格{n}")
    level = 3


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    compound = factory.SubFactory(CompoundFactory)
    code = factory.Sequence(lambda n: f"{n}号楼")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    code = factory.Sequence(lambda n: f"{n}单元")


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    community = factory.SubFactory(CommunityFactory)
    owner_ref = factory.Sequence(lambda n: f"O{n:05d}")
    name = factory.Sequence(lambda n: f"业主{n}")


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"{n:04d}")
    area_m2 = Decimal("88.50")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    dwelling = factory.SubFactory(DwellingFactory)
    residents = 3
