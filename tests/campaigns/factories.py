"""Factories for the campaigns app.

They write rows directly, bypassing the services, so a test can build any state it needs (and
bulk-create a thousand operations); tests of the services go through ``campaigns.services``.
Other campaigns tests append their factories below.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.models import Campaign, CampaignPhoto, Disorder, Participation
from tests import factories as registry_factories


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (640, 480), color: str = "green"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def photo_upload(name: str = "photo.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    """A photo as a browser uploads it (a fresh object each time: uploads are read once)."""
    return SimpleUploadedFile(name, data if data is not None else image_bytes(), "image/jpeg")


class DisorderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disorder

    community = factory.SubFactory(registry_factories.CommunityFactory)
    code = factory.Sequence(lambda n: f"disorder-{n}")
    name = factory.Sequence(lambda n: f"乱象{n}")
    position = factory.Sequence(lambda n: n * 10)


class CampaignFactory(factory.django.DjangoModelFactory):
    """An operation; pass ``compounds=[...]``, ``disorders=[...]`` and ``persons={group: n}``.
    ``person_times`` follows ``persons`` as the services keep it."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    community = factory.SubFactory(registry_factories.CommunityFactory)
    kind = Campaign.Kind.FRIDAY
    held_on = dt.date(2020, 8, 14)
    truckloads = 1
    tonnes = Decimal("2.50")
    vehicles_handled = 0

    @factory.post_generation
    def compounds(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.compounds.set(extracted)

    @factory.post_generation
    def disorders(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.disorders.set(extracted)

    @factory.post_generation
    def persons(obj, create, extracted, **kwargs):
        if not create:
            return
        persons = extracted if extracted is not None else {Participation.Group.STAFF: 5}
        Participation.objects.bulk_create(
            Participation(campaign=obj, group=group, persons=n) for group, n in persons.items()
        )
        obj.person_times = sum(persons.values())
        obj.save(update_fields=["person_times"])


class CampaignPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignPhoto

    campaign = factory.SubFactory(CampaignFactory)
    stage = CampaignPhoto.Stage.BEFORE
    image = factory.django.ImageField(format="JPEG", width=64, height=48)
    thumbnail = factory.django.ImageField(format="JPEG", width=32, height=24)
    is_public = False
