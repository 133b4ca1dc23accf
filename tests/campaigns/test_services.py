"""Operation and disorder services: what they save, what they refuse (saving nothing), and the
totals and open-data figures computed from the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from campaigns import services
from campaigns.models import Campaign, CampaignPhoto, Disorder, Participation
from campaigns.opendata import campaigns_section
from campaigns.selectors import (
    campaign_grand_total,
    campaign_totals_by_compound,
    campaign_totals_by_disorder,
    campaign_totals_by_period,
)
from compounds.models import Compound
from tests import factories
from tests.campaigns.factories import (
    CampaignFactory,
    DisorderFactory,
    image_bytes,
    photo_upload,
)
from tongde.periods import PeriodKind, parse_period
from tongde.text import long_date

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 07:30 on 15 August 2020 in Shanghai is still 14 August in UTC: "today" must be Shanghai's.
NOW = dt.datetime(2020, 8, 14, 23, 30, tzinfo=dt.UTC)
TODAY = dt.date(2020, 8, 15)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def disorder(community):
    return DisorderFactory(community=community, code="piling", name="乱堆乱放")


def _data(compounds_, **overrides):
    data = {
        "kind": Campaign.Kind.FRIDAY,
        "held_on": TODAY,
        "topic": "",
        "compounds": compounds_,
        "buildings": [],
        "spots": "",
        "disorders": [],
        "truckloads": 3,
        "tonnes": Decimal("7.50"),
        "vehicles_handled": 1,
        "notes": "",
        "is_public": True,
    }
    data.update(overrides)
    return data


def _media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Recording ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_saves_operation_participation_and_photos(community, compound_a, disorder, staff):
    # given
    building = factories.BuildingFactory(compound=compound_a)
    participations = {"staff": 6, "grid_workers": 4, "residents": 25, "volunteers": 0}
    photos = [("before", photo_upload("门口.jpg")), ("after", photo_upload("after.png"))]
    # when
    campaign = services.campaign_record(
        community=community,
        data=_data([compound_a], buildings=[building], disorders=[disorder]),
        participations=participations,
        photos=photos,
        user=staff,
    )
    # then
    campaign.refresh_from_db()
    assert campaign.person_times == 35
    assert dict(campaign.participations.values_list("group", "persons")) == {
        "staff": 6,
        "grid_workers": 4,
        "residents": 25,
    }
    assert list(campaign.compounds.all()) == [compound_a]
    assert list(campaign.buildings.all()) == [building]
    assert list(campaign.disorders.all()) == [disorder]
    assert campaign.recorded_by == staff
    assert not campaign.is_flagged
    stored = list(campaign.photos.order_by("stage"))
    assert [p.stage for p in stored] == ["after", "before"]
    for photo in stored:
        assert photo.thumbnail.name.endswith(".jpg")
        assert "门口" not in photo.image.name
        assert not photo.is_public
    assert len(_media_files()) == 4


@pytest.mark.django_db
def test_today_in_shanghai_is_not_the_future(community, compound_a, staff):
    # given: it is 14 August in UTC but already 15 August in Shanghai
    # when
    campaign = services.campaign_record(
        community=community,
        data=_data([compound_a], held_on=TODAY),
        participations={"staff": 1},
        user=staff,
    )
    # then
    assert campaign.held_on == TODAY


def _other_compound():
    return factories.CompoundFactory(name="别处小区")


BAD_INPUT = [
    # (case, data overrides, participations, photos, field, message)
    (
        "tomorrow",
        {"held_on": TODAY + dt.timedelta(days=1)},
        None,
        None,
        "held_on",
        "future",  # said with the day as prose says it: built in the test, in its language
    ),
    ("negative tonnes", {"tonnes": Decimal("-0.01")}, None, None, "tonnes", services.NEGATIVE),
    ("negative truckloads", {"truckloads": -1}, None, None, "truckloads", services.NEGATIVE),
    (
        "negative vehicles",
        {"vehicles_handled": -1},
        None,
        None,
        "vehicles_handled",
        services.NEGATIVE,
    ),
    (
        "negative persons",
        {},
        {"staff": 3, "residents": -1},
        None,
        "persons_residents",
        services.NEGATIVE_PERSONS % {"group": Participation.Group.RESIDENTS.label},
    ),
    ("nobody took part", {}, {"staff": 0}, None, "participations", services.NO_PERSONS),
    ("unknown group", {}, {"staff": 1, "aliens": 2}, None, "participations", None),
    ("no compound", {"compounds": []}, None, None, "compounds", services.NO_COMPOUND),
    ("other community's compound", {"compounds": "other"}, None, None, "compounds", None),
    ("building outside the compounds", {"buildings": "b"}, None, None, "buildings", None),
    ("other community's disorder", {"disorders": "other"}, None, None, "disorders", None),
    ("inactive disorder", {"disorders": "inactive"}, None, None, "disorders", None),
    ("photo is text", {}, None, [("before", b"not a photo")], "photos_before", None),
    (
        "second photo is bad",
        {},
        None,
        [("after", None), ("after", b"GIF89a")],
        "photos_after",
        None,
    ),
    ("photo too large", {}, None, [("before", "big")], "photos_before", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "overrides", "participations", "photos", "field", "message"),
    BAD_INPUT,
    ids=[c[0] for c in BAD_INPUT],
)
def test_bad_input_saves_nothing(
    settings,
    community,
    compound_a,
    compound_b,
    staff,
    case,
    overrides,
    participations,
    photos,
    field,
    message,
):
    # given
    settings.PHOTO_MAX_BYTES = 50_000
    overrides = dict(overrides)
    if overrides.get("compounds") == "other":
        overrides["compounds"] = [compound_a, _other_compound()]
    if overrides.get("buildings") == "b":
        overrides["buildings"] = [factories.BuildingFactory(compound=compound_b)]
    if overrides.get("disorders") == "other":
        overrides["disorders"] = [DisorderFactory()]
    if overrides.get("disorders") == "inactive":
        overrides["disorders"] = [DisorderFactory(community=community, is_active=False)]
    uploads = []
    for stage, data in photos or []:
        if data is None:
            data = image_bytes()
        elif data == "big":
            data = image_bytes("PNG", size=(2000, 2000), color=None) + b"\0" * 60_000
        uploads.append((stage, photo_upload(data=data)))
    # when
    with pytest.raises(ValidationError) as info:
        services.campaign_record(
            community=community,
            data=_data([compound_a], **overrides),
            participations=participations or {"staff": 5},
            photos=uploads,
            user=staff,
        )
    # then
    if message == "future":
        message = services.FUTURE_DATE % {"today": long_date(TODAY)}
    assert field in info.value.message_dict
    if message is not None:
        assert str(message) in info.value.message_dict[field]
    assert Campaign.objects.count() == 0
    assert Participation.objects.count() == 0
    assert CampaignPhoto.objects.count() == 0
    assert _media_files() == []


@pytest.mark.django_db
def test_every_error_is_reported_at_once(community, compound_a, staff):
    with pytest.raises(ValidationError) as info:
        services.campaign_record(
            community=community,
            data=_data([], held_on=TODAY + dt.timedelta(days=3), tonnes=Decimal("-1")),
            participations={"staff": -2},
            user=staff,
        )
    assert set(info.value.message_dict) == {"held_on", "tonnes", "compounds", "persons_staff"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("truckloads", "tonnes", "flagged"),
    [(0, "0", False), (3, "7.5", False), (3, "0", True), (0, "1.2", True)],
)
def test_load_mismatch_is_saved_and_flagged(
    community, compound_a, staff, truckloads, tonnes, flagged
):
    campaign = services.campaign_record(
        community=community,
        data=_data([compound_a], truckloads=truckloads, tonnes=Decimal(tonnes)),
        participations={"staff": 2},
        user=staff,
    )
    assert Campaign.objects.get(pk=campaign.pk).is_flagged is flagged


@pytest.mark.django_db
def test_update_replaces_participation_and_keeps_photos(community, compound_a, compound_b, staff):
    # given
    campaign = services.campaign_record(
        community=community,
        data=_data([compound_a]),
        participations={"staff": 2, "residents": 10},
        photos=[("before", photo_upload())],
        user=staff,
    )
    # when
    services.campaign_update(
        campaign=campaign,
        data=_data([compound_a, compound_b], truckloads=4, tonnes=Decimal(0)),
        participations={"company": 3},
        photos=[("after", photo_upload())],
        user=staff,
    )
    # then
    campaign.refresh_from_db()
    assert campaign.person_times == 3
    assert list(campaign.participations.values_list("group", "persons")) == [("company", 3)]
    assert campaign.compounds.count() == 2
    assert campaign.is_flagged
    assert sorted(campaign.photos.values_list("stage", flat=True)) == ["after", "before"]


@pytest.mark.django_db
def test_update_keeps_a_disorder_deactivated_since(community, compound_a, staff):
    # given
    old = DisorderFactory(community=community)
    campaign = services.campaign_record(
        community=community,
        data=_data([compound_a], disorders=[old]),
        participations={"staff": 1},
        user=staff,
    )
    Disorder.objects.filter(pk=old.pk).update(is_active=False)
    old.refresh_from_db()
    # when
    services.campaign_update(
        campaign=campaign,
        data=_data([compound_a], disorders=[old]),
        participations={"staff": 2},
        user=staff,
    )
    # then
    assert list(campaign.disorders.all()) == [old]


@pytest.mark.django_db
def test_withdraw_is_not_a_delete_and_happens_once(community, compound_a, staff):
    campaign = CampaignFactory(community=community, compounds=[compound_a])
    services.campaign_withdraw(campaign=campaign, user=staff)
    assert Campaign.objects.get(pk=campaign.pk).is_withdrawn
    with pytest.raises(ValidationError) as info:
        services.campaign_withdraw(campaign=campaign, user=staff)
    assert info.value.messages == [str(services.ALREADY_WITHDRAWN)]
    services.campaign_restore(campaign=campaign, user=staff)
    assert not Campaign.objects.get(pk=campaign.pk).is_withdrawn


@pytest.mark.django_db
def test_a_withdrawn_operation_is_not_edited_until_restored(community, compound_a, staff):
    # given
    campaign = CampaignFactory(community=community, compounds=[compound_a], truckloads=1)
    services.campaign_withdraw(campaign=campaign, user=staff)
    change = {
        "data": _data([compound_a], truckloads=9),
        "participations": {"staff": 7},
        "photos": [("before", photo_upload())],
        "user": staff,
    }
    # when
    with pytest.raises(ValidationError) as info:
        services.campaign_update(campaign=campaign, **change)
    # then: nothing changed, no photo written
    assert info.value.messages == [str(services.WITHDRAWN_READ_ONLY)]
    campaign.refresh_from_db()
    assert (campaign.truckloads, campaign.person_times) == (1, 5)
    assert CampaignPhoto.objects.count() == 0
    assert _media_files() == []
    # once restored, the same change goes through
    services.campaign_restore(campaign=campaign, user=staff)
    change["photos"] = [("before", photo_upload())]
    assert services.campaign_update(campaign=campaign, **change).truckloads == 9


# Disorders ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_disorders_seed_is_idempotent_and_respects_edits(community, staff):
    # given
    first = services.disorders_seed(community=community)
    piling = Disorder.objects.get(community=community, code="piling")
    services.disorder_update(
        disorder=piling, name="乱堆乱放（含楼道）", position=999, is_active=False, user=staff
    )
    # when
    second = services.disorders_seed(community=community)
    # then
    assert len(first) == len(services.COMMON_DISORDERS) == 10
    assert second == []
    piling.refresh_from_db()
    assert (piling.name, piling.position, piling.is_active) == ("乱堆乱放（含楼道）", 999, False)
    assert all(code.isascii() for code in Disorder.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_disorder_in_use_cannot_be_deleted(community, compound_a, staff):
    # given
    used = DisorderFactory(community=community, name="僵尸车")
    unused = DisorderFactory(community=community)
    CampaignFactory(community=community, compounds=[compound_a], disorders=[used])
    # when / then
    with pytest.raises(ValidationError) as info:
        services.disorder_delete(disorder=used, user=staff)
    assert info.value.messages == [str(services.DISORDER_IN_USE % {"name": "僵尸车", "count": 1})]
    services.disorder_delete(disorder=unused, user=staff)
    assert list(Disorder.objects.values_list("pk", flat=True)) == [used.pk]


@pytest.mark.django_db
def test_disorder_create_makes_up_a_code_and_refuses_duplicates(community, staff):
    first = services.disorder_create(community=community, name="高空抛物", user=staff)
    assert first.code == "d1"
    with pytest.raises(ValidationError) as info:
        services.disorder_create(community=community, name="高空抛物", user=staff)
    assert "name" in info.value.message_dict


@pytest.mark.django_db
def test_disorder_move_swaps_neighbours_even_with_equal_positions(community, staff):
    a, b, c = (DisorderFactory(community=community, position=0, code=code) for code in "abc")
    services.disorder_move(disorder=c, up=True, user=staff)
    order = list(Disorder.objects.order_by("position").values_list("code", flat=True))
    assert order == ["a", "c", "b"]
    services.disorder_move(disorder=a, up=True, user=staff)  # the first stays first
    assert list(Disorder.objects.order_by("position").values_list("code", flat=True)) == order


# Totals ------------------------------------------------------------------------------------------


@pytest.fixture
def year_of_operations(community, compound_a, compound_b):
    """Operations spread over 2020 (and one each side of it), some over two compounds."""
    piling = DisorderFactory(community=community, code="piling")
    cars = DisorderFactory(community=community, code="cars")
    days = [
        dt.date(2019, 12, 31),  # ISO week 2020-W01, but another year
        dt.date(2020, 1, 1),
        dt.date(2020, 3, 31),  # quarter end
        dt.date(2020, 4, 1),
        dt.date(2020, 8, 14),
        dt.date(2020, 8, 14),
        dt.date(2020, 12, 28),  # ISO week 2020-W53
        dt.date(2020, 12, 31),
        dt.date(2021, 1, 1),  # still ISO week 2020-W53, but 2021
    ]
    made = []
    for i, day in enumerate(days):
        made.append(
            CampaignFactory(
                community=community,
                held_on=day,
                compounds=[compound_a, compound_b] if i % 3 == 0 else [compound_a],
                disorders=[piling, cars] if i % 2 else [piling],
                persons={"staff": i + 1, "residents": 2 * i},
                truckloads=i,
                tonnes=Decimal(i) + Decimal("0.25"),
                vehicles_handled=i % 2,
            )
        )
    CampaignFactory(community=community, held_on=dt.date(2020, 5, 5), is_withdrawn=True)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(PeriodKind))
def test_period_rows_add_up_to_the_grand_total(community, year_of_operations, kind):
    # given
    campaigns = Campaign.objects.filter(community=community, is_withdrawn=False)
    # when
    rows = campaign_totals_by_period(campaigns=campaigns, kind=kind, year=2020)
    total = campaign_grand_total(campaigns=campaigns.filter(held_on__year=2020))
    # then
    for figure in ("operations", "person_times", "truckloads", "tonnes", "vehicles"):
        assert sum(row[figure] for row in rows) == total[figure], figure
    in_2020 = [c for c in year_of_operations if c.held_on.year == 2020]
    assert total["operations"] == len(in_2020) == 7
    assert total["person_times"] == sum(c.person_times for c in in_2020)
    assert total["tonnes"] == sum(c.tonnes for c in in_2020)
    # every period of the year is a row, empty ones included, in order
    starts = [row["period"].start for row in rows]
    assert starts == sorted(starts)
    assert len(rows) == {"week": 53, "month": 12, "quarter": 4, "year": 1}[kind]


@pytest.mark.django_db
def test_period_rows_put_each_operation_in_its_period(community, year_of_operations):
    campaigns = Campaign.objects.filter(community=community, is_withdrawn=False)
    months = {
        row["period"].label: row["operations"]
        for row in campaign_totals_by_period(campaigns=campaigns, kind="month", year=2020)
    }
    assert months == {
        "2020-01": 1, "2020-02": 0, "2020-03": 1, "2020-04": 1, "2020-05": 0, "2020-06": 0,
        "2020-07": 0, "2020-08": 2, "2020-09": 0, "2020-10": 0, "2020-11": 0, "2020-12": 2,
    }  # fmt: skip
    quarters = [
        row["operations"]
        for row in campaign_totals_by_period(campaigns=campaigns, kind="quarter", year=2020)
    ]
    assert quarters == [2, 1, 2, 2]
    weeks = {
        row["period"].label: row["operations"]
        for row in campaign_totals_by_period(campaigns=campaigns, kind="week", year=2020)
    }
    assert weeks["2020-W01"] == 1  # 1 January 2020 only: 31 December 2019 is another year
    assert weeks["2020-W53"] == 2  # 28 and 31 December, not 1 January 2021


@pytest.mark.django_db
def test_totals_by_compound_and_disorder_count_each_operation_they_hold(
    community, compound_a, compound_b, year_of_operations
):
    campaigns = Campaign.objects.filter(community=community, is_withdrawn=False, held_on__year=2020)
    by_compound = {
        row["compound__name"]: row
        for row in campaign_totals_by_compound(
            campaigns=campaigns, compounds=Compound.objects.all()
        )
    }
    in_2020 = [c for c in year_of_operations if c.held_on.year == 2020]
    assert by_compound[compound_a.name]["operations"] == 7
    with_b = [c for c in in_2020 if c.compounds.filter(pk=compound_b.pk).exists()]
    assert by_compound[compound_b.name]["operations"] == len(with_b)
    assert by_compound[compound_b.name]["person_times"] == sum(c.person_times for c in with_b)
    by_disorder = {
        row["disorder__code"]: row["operations"]
        for row in campaign_totals_by_disorder(campaigns=campaigns)
    }
    assert by_disorder == {
        "piling": 7,
        "cars": sum(1 for c in in_2020 if c.disorders.filter(code="cars").exists()),
    }


@pytest.mark.django_db
def test_open_data_section_for_a_period_and_all_time(community, year_of_operations):
    # when
    year = campaigns_section(community, parse_period("year", "2020"))
    ever = campaigns_section(community, None)
    # then
    in_2020 = [c for c in year_of_operations if c.held_on.year == 2020]
    assert year == {
        "operations": 7,
        "person_times": sum(c.person_times for c in in_2020),
        "truckloads": sum(c.truckloads for c in in_2020),
        "tonnes": str(sum(c.tonnes for c in in_2020).quantize(Decimal("0.01"))),
    }
    assert ever["operations"] == 9  # the withdrawn one counts nowhere
    assert campaigns_section(community, parse_period("month", "2020-02"))["tonnes"] == "0.00"
