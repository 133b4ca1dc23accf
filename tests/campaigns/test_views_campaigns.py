"""The operation pages: who may open what, recording from a phone form, lists, totals, the
public page, the disorder list, and query budgets at two data sizes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from campaigns import services
from campaigns.models import Campaign, CampaignPhoto, Disorder, Participation
from campaigns.views_campaigns import urlpatterns
from compounds.models import Compound
from tests import factories
from tests.campaigns.factories import (
    CampaignFactory,
    CampaignPhotoFactory,
    DisorderFactory,
    photo_upload,
)
from tongde.text import long_date

ROLES = [
    "anonymous",
    "resident",
    "company_user_a",
    "committee_member_a",
    "grid_worker",
    "staff",
    "other_staff",
    "superuser",
]


@dataclass
class World:
    op_a: Campaign  # compound A, recorded by the grid worker
    op_b: Campaign  # compound B only, recorded by staff
    disorder: Disorder
    private_photo: CampaignPhoto
    public_photo: CampaignPhoto
    slug: str


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def world(community, compound_a, compound_b, grid_worker, staff) -> World:
    disorder = DisorderFactory(community=community, code="piling", name="乱堆乱放")
    op_a = CampaignFactory(
        community=community,
        compounds=[compound_a],
        disorders=[disorder],
        recorded_by=grid_worker,
        notes="王五家门口",
        persons={"grid_workers": 3, "residents": 12},
    )
    op_b = CampaignFactory(
        community=community, compounds=[compound_b], recorded_by=staff, held_on=dt.date(2020, 9, 4)
    )
    return World(
        op_a=op_a,
        op_b=op_b,
        disorder=disorder,
        private_photo=CampaignPhotoFactory(campaign=op_a, is_public=False),
        public_photo=CampaignPhotoFactory(campaign=op_a, is_public=True, stage="after"),
        slug=community.slug,
    )


@pytest.fixture
def as_role(request, client):
    def login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


# Expected status per role, in ROLES order. 302 = to the login page (anonymous) or onwards;
# 403 = no right to this page; 404 = the object is outside the user's scope.
#             anon res  coA  comA grid staff other super
READ_ANY = (302, 403, 200, 200, 200, 200, 200, 200)
READ_A = (302, 403, 200, 200, 200, 200, 404, 200)
READ_B = (302, 403, 404, 404, 200, 200, 404, 200)
RECORD = (302, 403, 403, 403, 200, 200, 200, 200)
EDIT_OWN = (302, 403, 403, 403, 200, 200, 404, 200)  # op A: the grid worker recorded it
EDIT_STAFF = (302, 403, 404, 404, 403, 200, 404, 200)  # op B: staff recorded it
PHOTO_PRIVATE = (404, 404, 200, 200, 200, 200, 404, 200)
PUBLIC = (200,) * 8
DISORDERS = (302, 403, 403, 403, 403, 200, 404, 200)
DISORDER_INDEX = (302, 403, 403, 403, 403, 302, 302, 302)

PAGES = [
    ("campaign_list", lambda w: [], READ_ANY),
    ("campaign_detail", lambda w: [w.op_a.pk], READ_A),
    ("campaign_detail", lambda w: [w.op_b.pk], READ_B),
    ("campaign_create", lambda w: [], RECORD),
    ("campaign_update", lambda w: [w.op_a.pk], EDIT_OWN),
    ("campaign_update", lambda w: [w.op_b.pk], EDIT_STAFF),
    ("campaign_withdraw", lambda w: [w.op_a.pk], EDIT_OWN),
    ("campaign_withdraw", lambda w: [w.op_b.pk], EDIT_STAFF),
    ("campaign_restore", lambda w: [w.op_b.pk], EDIT_STAFF),
    ("campaign_photo", lambda w: [w.private_photo.pk, "thumb"], PHOTO_PRIVATE),
    ("campaign_photo", lambda w: [w.private_photo.pk, "full"], PHOTO_PRIVATE),
    ("campaign_photo", lambda w: [w.public_photo.pk, "thumb"], PUBLIC),
    ("totals", lambda w: [], READ_ANY),
    ("public_totals", lambda w: [w.slug], PUBLIC),
    ("disorder_index", lambda w: [], DISORDER_INDEX),
    ("disorder_list", lambda w: [w.slug], DISORDERS),
    ("disorder_create", lambda w: [w.slug], DISORDERS),
    ("disorder_update", lambda w: [w.disorder.pk], DISORDERS),
    # in use: staff are sent back to the list with the reason (see below)
    ("disorder_delete", lambda w: [w.disorder.pk], (302, 403, 403, 403, 403, 302, 404, 302)),
]

# Buttons that only POST: (name, args, statuses of a POST per role). 302 after success.
POSTS = [
    ("campaign_photo_publish", lambda w: [w.private_photo.pk], (302, 403, 403, 403, 403, 302, 404, 302)),
    ("disorder_seed", lambda w: [w.slug], (302, 403, 403, 403, 403, 302, 404, 302)),
    ("disorder_move", lambda w: [w.disorder.pk], (302, 403, 403, 403, 403, 302, 404, 302)),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "role", "expected"),
    [
        pytest.param(name, args, role, statuses[i], id=f"{name}-{role}-{n}")
        for n, (name, args, statuses) in enumerate(PAGES)
        for i, role in enumerate(ROLES)
    ],
)
def test_who_may_open_each_page(world, as_role, name, args, role, expected):
    # given
    client = as_role(role)
    # when
    response = client.get(reverse(f"campaigns:{name}", args=args(world)))
    # then
    assert response.status_code == expected
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args", "role", "expected"),
    [
        pytest.param(name, args, role, statuses[i], id=f"{name}-{role}")
        for name, args, statuses in POSTS
        for i, role in enumerate(ROLES)
    ],
)
def test_who_may_press_each_button(world, as_role, name, args, role, expected):
    client = as_role(role)
    url = reverse(f"campaigns:{name}", args=args(world))
    assert client.get(url).status_code == 405
    response = client.post(url, {"is_public": "true", "direction": "up"})
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_every_route_is_in_a_permission_table():
    covered = {name for name, _, _ in PAGES} | {name for name, _, _ in POSTS}
    assert {p.name for p in urlpatterns} == covered


# Recording from the phone form ------------------------------------------------------------------


def _form(compound, **overrides):
    data = {
        "kind": "friday",
        "held_on": timezone.localdate().isoformat(),
        "compounds": [compound.pk],
        "persons_grid_workers": "2",
        "persons_residents": "8",
        "truckloads": "2",
        "tonnes": "3.5",
        "vehicles_handled": "0",
        "is_public": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_grid_worker_records_a_friday_clean_up_with_photos(world, grid_worker, compound_a, client):
    # given
    client.force_login(grid_worker)
    data = _form(compound_a, disorders=[world.disorder.pk])
    data["photos_before"] = [photo_upload("a.jpg"), photo_upload("b.jpg")]
    data["photos_after"] = [photo_upload("c.jpg")]
    # when
    response = client.post(reverse("campaigns:campaign_create"), data)
    # then
    campaign = Campaign.objects.exclude(pk__in=[world.op_a.pk, world.op_b.pk]).get()
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert campaign.recorded_by == grid_worker
    assert campaign.person_times == 10
    assert campaign.photos.filter(stage="before").count() == 2
    assert campaign.photos.filter(stage="after").count() == 1
    # a grid worker cannot publish photos: they stay private
    assert not campaign.photos.filter(is_public=True).exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert detail.context["can_edit"]


@pytest.mark.django_db
def test_the_form_is_made_for_a_phone(world, grid_worker, client):
    client.force_login(grid_worker)
    html = client.get(reverse("campaigns:campaign_create")).content.decode()
    assert 'type="date"' in html
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html
    assert "multiple" in html
    assert 'enctype="multipart/form-data"' in html
    assert re.search(
        r'<input[^>]*name="tonnes"[^>]*min="0"|<input[^>]*min="0"[^>]*name="tonnes"', html
    )
    assert 'name="publish_photos"' not in html  # staff's decision


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "overrides", "field", "text"),
    [
        ("future", {"held_on": "2999-01-01"}, "held_on", "cannot be in the future"),
        ("negative tonnes", {"tonnes": "-1"}, "tonnes", "greater than or equal to 0"),
        ("negative persons", {"persons_residents": "-3"}, "persons_residents", "greater than or equal to 0"),
        ("no compound", {"compounds": []}, "compounds", "required"),
        ("nobody", {"persons_grid_workers": "0", "persons_residents": "0"}, None, "how many people"),
        ("not a photo", {"photos_before": "text"}, "photos_before", "not a photo"),
    ],
)  # fmt: skip
def test_bad_form_input_shows_an_error_and_saves_nothing(
    world, grid_worker, compound_a, client, case, overrides, field, text
):
    # given
    client.force_login(grid_worker)
    data = _form(compound_a, **overrides)
    if overrides.get("photos_before") == "text":
        data["photos_before"] = [photo_upload("x.jpg", data=b"hello"), photo_upload("ok.jpg")]
    before = (Campaign.objects.count(), CampaignPhoto.objects.count())
    # when
    with translation.override("en"):
        response = client.post(reverse("campaigns:campaign_create"), data)
        # then (error messages are lazy: read them in the language of the page)
        errors = " ".join(response.context["form"].errors.get(field or "__all__", []))
    assert response.status_code == 400
    assert text in errors
    assert text in response.content.decode()
    assert (Campaign.objects.count(), CampaignPhoto.objects.count()) == before


@pytest.mark.django_db
def test_flagged_operation_is_saved_with_a_visible_warning(world, staff, compound_a, client):
    # given
    client.force_login(staff)
    # when
    with translation.override("en"):
        response = client.post(
            reverse("campaigns:campaign_create"), _form(compound_a, tonnes="0"), follow=True
        )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "flagged for review" in html.lower()
    assert Campaign.objects.filter(is_flagged=True).count() == 1


@pytest.mark.django_db
def test_staff_edit_keeps_person_times_equal_to_participation(world, staff, compound_a, client):
    # given
    client.force_login(staff)
    url = reverse("campaigns:campaign_update", args=[world.op_a.pk])
    form = client.get(url).context["form"]
    assert form.initial["persons_residents"] == 12
    # when
    response = client.post(url, _form(compound_a, persons_residents="20", persons_staff="4"))
    # then
    assert response.status_code == 302
    world.op_a.refresh_from_db()
    assert world.op_a.person_times == 26
    assert sum(world.op_a.participations.values_list("persons", flat=True)) == 26


@pytest.mark.django_db
def test_withdraw_takes_the_operation_out_of_the_list(world, staff, client):
    client.force_login(staff)
    response = client.post(reverse("campaigns:campaign_withdraw", args=[world.op_a.pk]))
    assert response.status_code == 302
    assert Campaign.objects.filter(pk=world.op_a.pk, is_withdrawn=True).exists()
    listed = client.get(reverse("campaigns:campaign_list")).context["page"].object_list
    assert [c.pk for c in listed] == [world.op_b.pk]
    # staff still open it, to restore it
    assert client.get(world.op_a.get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "found"), [("staff", True), ("grid_worker", True), ("company_user_a", False)]
)
def test_withdrawn_operations_are_found_by_those_who_may_restore_them(
    world, client, request, role, found
):
    world.op_a.is_withdrawn = True
    world.op_a.save()
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("campaigns:campaign_list"), {"withdrawn": "true"})
    listed = [c.pk for c in response.context["page"].object_list]
    assert listed == ([world.op_a.pk] if found else [])
    assert ("withdrawn" in response.context["filter"].form.fields) is found
    current = client.get(reverse("campaigns:campaign_list")).context["page"].object_list
    assert world.op_a.pk not in [c.pk for c in current]


@pytest.mark.django_db
def test_staff_publish_a_photo(world, staff, client):
    client.force_login(staff)
    client.post(
        reverse("campaigns:campaign_photo_publish", args=[world.private_photo.pk]),
        {"is_public": "true"},
    )
    world.private_photo.refresh_from_db()
    assert world.private_photo.is_public


# Lists -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("company_user_a", ["a"]), ("committee_member_a", ["a"]), ("grid_worker", ["b", "a"])],
)
def test_each_role_lists_its_own_operations(world, as_role, role, expected):
    client = as_role(role)
    listed = client.get(reverse("campaigns:campaign_list")).context["page"].object_list
    ops = {world.op_a.pk: "a", world.op_b.pk: "b"}
    assert [ops[c.pk] for c in listed] == expected


@pytest.mark.django_db
def test_company_sees_an_operation_over_both_compounds_once(
    world, company_user_a, community, compound_a, compound_b, client
):
    both = CampaignFactory(community=community, compounds=[compound_a, compound_b])
    client.force_login(company_user_a)
    listed = client.get(reverse("campaigns:campaign_list")).context["page"].object_list
    assert [c.pk for c in listed].count(both.pk) == 1
    assert client.get(both.get_absolute_url()).status_code == 200
    assert client.get(reverse("campaigns:campaign_update", args=[both.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["b", "a", "c"]),
        ({"kind": "special"}, ["c"]),
        ({"compound": "A"}, ["a"]),
        ({"disorder": "piling"}, ["a"]),
        ({"held_after": "2020-08-14", "held_before": "2020-08-31"}, ["a"]),
        ({"held_after": "2020-09-01"}, ["b"]),
        ({"flagged": "true"}, ["c"]),
        ({"flagged": "false"}, ["b", "a"]),
    ],
)
def test_list_filters(world, staff, community, compound_b, client, params, expected):
    # given
    special = CampaignFactory(
        community=community,
        kind="special",
        compounds=[compound_b],
        held_on=dt.date(2020, 3, 1),
        tonnes=Decimal(0),
        is_flagged=True,
    )
    params = dict(params)
    if params.get("compound") == "A":
        params["compound"] = world.op_a.compounds.get().pk
    if params.get("disorder") == "piling":
        params["disorder"] = world.disorder.pk
    client.force_login(staff)
    # when
    response = client.get(reverse("campaigns:campaign_list"), params)
    # then
    ops = {world.op_a.pk: "a", world.op_b.pk: "b", special.pk: "c"}
    assert [ops[c.pk] for c in response.context["page"].object_list] == expected


@pytest.mark.django_db
def test_list_answers_htmx_with_rows_only(world, staff, client):
    client.force_login(staff)
    response = client.get(
        reverse("campaigns:campaign_list"), {"kind": "friday"}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "campaigns/_campaign_rows.html"
    assert '<nav class="navbar' not in response.content.decode()


def _bulk_operations(community, compounds, disorder, n: int) -> None:
    start = dt.date(2020, 3, 6)
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            community=community,
            kind="friday",
            held_on=start + dt.timedelta(days=i % 200),
            truckloads=1,
            tonnes=Decimal("2.00"),
            person_times=10,
        )
        for i in range(n)
    )
    through = Campaign.compounds.through
    through.objects.bulk_create(
        through(campaign_id=c.pk, compound_id=compounds[i % len(compounds)].pk)
        for i, c in enumerate(campaigns)
    )
    Campaign.disorders.through.objects.bulk_create(
        Campaign.disorders.through(campaign_id=c.pk, disorder_id=disorder.pk) for c in campaigns
    )
    Participation.objects.bulk_create(
        Participation(campaign=c, group="residents", persons=10) for c in campaigns
    )


def _count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff", "company_user_a"])
@pytest.mark.parametrize("page", ["campaigns:campaign_list", "campaigns:totals"])
def test_query_count_does_not_grow_with_operations(
    request, community, compound_a, compound_b, client, role, page
):
    # given
    user = request.getfixturevalue(role)
    disorder = DisorderFactory(community=community)
    client.force_login(user)
    url = reverse(page)
    params = {"year": 2020, "kind": "week"} if page.endswith("totals") else {}
    _bulk_operations(community, [compound_a, compound_b], disorder, 10)
    client.get(url, params)  # warm the session and the content-type caches
    small = _count_queries(client, url, params)
    # when
    _bulk_operations(community, [compound_a, compound_b], disorder, 990)
    large = _count_queries(client, url, params)
    # then
    assert small == large


# Totals ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["week", "month", "quarter", "year"])
def test_totals_page_rows_add_up(world, staff, community, compound_a, client, kind):
    # given
    CampaignFactory(community=community, compounds=[compound_a], held_on=dt.date(2020, 12, 30))
    client.force_login(staff)
    # when
    response = client.get(reverse("campaigns:totals"), {"kind": kind, "year": 2020})
    # then
    rows, total = response.context["rows"], response.context["total"]
    assert total["operations"] == 3
    for figure in ("operations", "person_times", "truckloads", "tonnes", "vehicles"):
        assert sum(r[figure] for r in rows) == total[figure]


@pytest.mark.django_db
def test_company_totals_count_only_its_operations(world, company_user_a, client):
    client.force_login(company_user_a)
    response = client.get(reverse("campaigns:totals"), {"year": 2020})
    assert response.context["total"]["operations"] == 1
    assert [r["compound__name"] for r in response.context["by_compound"]] == ["甲小区"]


@pytest.mark.django_db
def test_public_totals_show_figures_and_public_photos_but_no_names(world, client):
    # given: the grid worker's name and the notes must not leak
    # when
    response = client.get(reverse("campaigns:public_totals", args=[world.slug]), {"year": 2020})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["total"]["operations"] == 2
    assert response.context["total"]["person_times"] == 20
    assert [p.pk for p in response.context["photos"]] == [world.public_photo.pk]
    assert reverse("campaigns:campaign_photo", args=[world.private_photo.pk, "thumb"]) not in html
    assert world.op_a.recorded_by.username not in html
    assert "王五" not in html
    assert client.get(reverse("campaigns:public_totals", args=["nowhere"])).status_code == 404


@pytest.mark.django_db
def test_public_photo_of_a_withdrawn_operation_is_gone(world, client):
    Campaign.objects.filter(pk=world.op_a.pk).update(is_withdrawn=True)
    url = reverse("campaigns:campaign_photo", args=[world.public_photo.pk, "thumb"])
    assert client.get(url).status_code == 404


# Disorders ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_edit_the_disorder_list(world, staff, community, client):
    # given
    Disorder.objects.filter(pk=world.disorder.pk).update(position=100)
    client.force_login(staff)
    # when: seed, add one, rename and deactivate another
    client.post(reverse("campaigns:disorder_seed", args=[community.slug]))
    client.post(reverse("campaigns:disorder_create", args=[community.slug]), {"name": "高空抛物"})
    zombie = Disorder.objects.get(community=community, code="zombie_cars")
    client.post(
        reverse("campaigns:disorder_update", args=[zombie.pk]),
        {"name": "僵尸车辆", "position": "5"},
    )
    # then
    zombie.refresh_from_db()
    assert (zombie.name, zombie.position, zombie.is_active) == ("僵尸车辆", 5, False)
    names = list(
        Disorder.objects.filter(community=community)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert names[0] == "僵尸车辆"
    assert names[-1] == "高空抛物"
    # the seed skipped "piling", which the community had already
    assert Disorder.objects.filter(community=community).count() == 11


@pytest.mark.django_db
def test_a_disorder_in_use_is_not_deleted(world, staff, client):
    client.force_login(staff)
    with translation.override("en"):
        # /en/...: the page answers in English, whatever the test's active language
        url = reverse("campaigns:disorder_delete", args=[world.disorder.pk])
        response = client.post(url)
    assert response.status_code == 400
    assert "deactivate it" in response.content.decode()
    assert Disorder.objects.filter(pk=world.disorder.pk).exists()


def test_the_delete_page_of_a_disorder_in_use_says_so_before_asking(world, staff, client):
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("campaigns:disorder_delete", args=[world.disorder.pk])
        response = client.get(url, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"/disorders/{world.slug}/")
    assert "deactivate it" in page
    assert "will be deleted" not in page


@pytest.mark.django_db
def test_deactivated_disorder_is_not_offered_for_new_operations(world, staff, client):
    Disorder.objects.filter(pk=world.disorder.pk).update(is_active=False)
    client.force_login(staff)
    new = client.get(reverse("campaigns:campaign_create")).context["form"]
    old = client.get(reverse("campaigns:campaign_update", args=[world.op_a.pk])).context["form"]
    assert world.disorder not in new.fields["disorders"].queryset
    assert world.disorder in old.fields["disorders"].queryset


@pytest.mark.django_db
def test_compound_of_another_community_is_not_offered(world, staff, client):
    elsewhere = factories.CompoundFactory(name="别处小区")
    client.force_login(staff)
    form = client.get(reverse("campaigns:campaign_create")).context["form"]
    assert elsewhere not in form.fields["compounds"].queryset
    assert set(form.fields["compounds"].queryset) == set(Compound.objects.exclude(pk=elsewhere.pk))


# Dates, withdrawn operations, wording, the phone form --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("held_on", "saved"),
    [
        (dt.date(1999, 12, 31), False),  # one day before the earliest
        (dt.date(2000, 1, 1), True),  # the earliest
        ("today", True),
        ("tomorrow", False),
    ],
)
def test_the_operation_date_is_between_2000_and_today(
    world, grid_worker, compound_a, client, held_on, saved
):
    # given
    today = timezone.localdate()
    day = {"today": today, "tomorrow": today + dt.timedelta(days=1)}.get(held_on, held_on)
    client.force_login(grid_worker)
    before = Campaign.objects.count()
    # when
    response = client.post(
        reverse("campaigns:campaign_create"), _form(compound_a, held_on=day.isoformat())
    )
    # then
    assert response.status_code == (302 if saved else 400)
    assert Campaign.objects.count() == before + saved
    if not saved:
        assert "held_on" in response.context["form"].errors


@pytest.mark.django_db
def test_the_date_input_offers_2000_to_today(world, grid_worker, client):
    client.force_login(grid_worker)
    field = client.get(reverse("campaigns:campaign_create")).context["form"]["held_on"]
    html = str(field)
    assert 'min="2000-01-01"' in html
    assert f'max="{timezone.localdate().isoformat()}"' in html


@pytest.fixture
def withdrawn(world):
    Campaign.objects.filter(pk=world.op_a.pk).update(is_withdrawn=True)
    world.op_a.refresh_from_db()
    return world.op_a


@pytest.mark.django_db
def test_a_withdrawn_operation_is_not_edited_until_restored(
    world, withdrawn, staff, compound_a, client
):
    # given
    client.force_login(staff)
    url = reverse("campaigns:campaign_update", args=[withdrawn.pk])
    # when: the page is asked for, then sent anyway
    with translation.override("en"):
        opened = client.get(url, follow=True)
        sent = client.post(url, _form(compound_a, persons_residents="99"))
    # then: back on the operation's page with the reason, before anything is typed
    assert opened.redirect_chain == [(withdrawn.get_absolute_url(), 302)]
    with translation.override("zh-hans"):  # the page's language: the message is stored so
        said = [str(m) for m in opened.context["messages"]]
        assert str(services.WITHDRAWN_READ_ONLY) in said
    assert sent.status_code == 302
    assert sent["Location"] == withdrawn.get_absolute_url()
    withdrawn.refresh_from_db()
    assert withdrawn.person_times == 15
    assert withdrawn.is_withdrawn
    # once restored, it is edited as any other
    client.post(reverse("campaigns:campaign_restore", args=[withdrawn.pk]))
    assert client.get(url).status_code == 200


# A withdrawn operation's photos: exactly who still opens the operation (staff and grid workers,
# to restore it). Public or not, nobody else gets them.
#                   anon res  coA  comA grid staff other super
WITHDRAWN_PHOTO = (404, 404, 404, 404, 200, 200, 404, 200)
WITHDRAWN_DETAIL = (302, 403, 404, 404, 200, 200, 404, 200)


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["full", "thumb"])
@pytest.mark.parametrize("which", ["private_photo", "public_photo"])
@pytest.mark.parametrize(
    ("role", "expected", "detail"),
    [
        pytest.param(role, WITHDRAWN_PHOTO[i], WITHDRAWN_DETAIL[i], id=role)
        for i, role in enumerate(ROLES)
    ],
)
def test_a_withdrawn_operations_photo_follows_the_operation(
    world, withdrawn, as_role, role, expected, detail, which, size
):
    # given
    client = as_role(role)
    photo = getattr(world, which)
    # when
    response = client.get(reverse("campaigns:campaign_photo", args=[photo.pk, size]))
    page = client.get(withdrawn.get_absolute_url())
    # then
    assert response.status_code == expected
    assert page.status_code == detail
    assert (response.status_code == 200) == (page.status_code == 200)


@pytest.mark.django_db
def test_the_operation_form_names_its_own_date(world, grid_worker, client):
    client.force_login(grid_worker)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            form = client.get(reverse("campaigns:campaign_create")).context["form"]
            label = str(form.fields["held_on"].label)
            assert label == pgettext("clean-up operation", "date of the operation")
            # the meeting's word ("held on", 召开日期) stays the meeting's
            assert label != gettext("held on")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_edit_title_says_the_day_as_prose_does(world, staff, client, language):
    client.force_login(staff)
    with translation.override(language):
        title = client.get(reverse("campaigns:campaign_update", args=[world.op_b.pk])).context[
            "title"
        ]
        assert title == gettext("Edit the operation of %(date)s") % {
            "date": long_date(world.op_b.held_on)
        }
    assert "2020-09-04" not in title
    if language == "zh-hans":
        assert "2020年9月4日" in title


@pytest.mark.django_db
def test_totals_without_disorders_say_no_disorder_was_recorded(
    world, staff, community, compound_a, client
):
    # given: 2021 has an operation, which recorded no disorder
    CampaignFactory(community=community, compounds=[compound_a], held_on=dt.date(2021, 5, 7))
    client.force_login(staff)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            # when
            html = client.get(reverse("campaigns:totals"), {"year": 2021}).content.decode()
            # then
            table = html.split('id="totals-by-disorder"', 1)[1]
            assert gettext("No disorder was recorded on this year's operations.") in table
            assert gettext("No operation this year.") not in table


@pytest.mark.django_db
def test_a_refused_operation_lists_its_errors_at_the_top(world, grid_worker, compound_a, client):
    # given: no compound and a negative tonnage (the form's refusals), then nobody taking part
    # (the service's, once the form is valid)
    client.force_login(grid_worker)
    with translation.override("en"):
        url = reverse("campaigns:campaign_create")  # /en/...: the page answers in English
    bad_fields = _form(compound_a, compounds=[], tonnes="-1")
    nobody = _form(compound_a, persons_grid_workers="0", persons_residents="0")
    # when
    with translation.override("en"):
        responses = [client.post(url, bad_fields), client.post(url, nobody)]
    # then: one alert above the first field, each field in error linked to its place
    first, second = (r.content.decode() for r in responses)
    assert [r.status_code for r in responses] == [400, 400]
    for html in (first, second):
        assert html.index('id="form-errors"') < html.index('name="kind"')
    summary = first.split('id="form-errors"', 1)[1].split("</ul>", 1)[0]
    assert 'href="#id_tonnes"' in summary
    assert 'href="#div_id_compounds"' in summary
    assert 'id="div_id_compounds"' in first
    with translation.override("en"):
        assert str(services.NO_PERSONS) in second.split('id="form-errors"', 1)[1].split("</ul>")[0]


@pytest.mark.django_db
def test_disorder_actions_fold_under_the_name_on_a_phone(world, staff, client):
    client.force_login(staff)
    html = client.get(reverse("campaigns:disorder_list", args=[world.slug])).content.decode()
    folded = html.split('data-fold="actions"', 1)[1].split("</td>", 1)[0]
    assert reverse("campaigns:disorder_update", args=[world.disorder.pk]) in folded
    assert 'class="d-md-none' in html.split('data-fold="actions"', 1)[0].rsplit("<div", 1)[1]


@pytest.mark.django_db
def test_an_operation_sent_twice_is_saved_once(world, grid_worker, compound_a, client):
    # given: the form as the page gave it, with its one-time token
    client.force_login(grid_worker)
    html = client.get(reverse("campaigns:campaign_create")).content.decode()
    token = re.search(r'name="once" value="([0-9a-f]{32})"', html).group(1)
    data = _form(compound_a, once=token)
    before = Campaign.objects.count()
    # when: Save is pressed twice
    first = client.post(reverse("campaigns:campaign_create"), data)
    second = client.post(reverse("campaigns:campaign_create"), data)
    # then
    assert Campaign.objects.count() == before + 1
    created = Campaign.objects.latest("pk")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == created.get_absolute_url()


@pytest.mark.django_db
def test_an_edit_sent_twice_adds_its_photos_once(world, grid_worker, compound_a, client):
    client.force_login(grid_worker)
    url = reverse("campaigns:campaign_update", args=[world.op_a.pk])
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    before = world.op_a.photos.count()
    for _ in range(2):  # Save pressed twice, each time with the photo attached
        data = _form(compound_a, once=token.group(1), photos_after=[photo_upload("c.jpg")])
        assert client.post(url, data).status_code == 302
    assert world.op_a.photos.count() == before + 1


@pytest.mark.django_db
def test_a_reversed_date_range_is_pointed_out(world, staff, client):
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("campaigns:campaign_list")
        response = client.get(url, {"held_after": "2020-08-01", "held_before": "2020-03-01"})
    assert "“From” is after “to”" in response.content.decode()
    listed = [c.held_on for c in response.context["page"].object_list]
    assert listed
    assert all(held >= dt.date(2020, 8, 1) for held in listed)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["week", "month"])
def test_each_total_links_to_the_operations_behind_it(
    world, staff, community, compound_a, client, kind
):
    # given: an operation on 2020-12-30, in an ISO week that ends in 2021
    CampaignFactory(community=community, compounds=[compound_a], held_on=dt.date(2020, 12, 30))
    client.force_login(staff)
    # when
    response = client.get(reverse("campaigns:totals"), {"kind": kind, "year": 2020})
    # then: following a period's or a compound's link lists as many operations as it counts
    linked = [*response.context["rows"], *response.context["by_compound"]]
    assert all(row["url"].startswith(reverse("campaigns:campaign_list")) for row in linked)
    for row in linked:
        listing = client.get(row["url"])
        assert listing.context["page"].paginator.count == row["operations"], row["url"]
    assert sum(row["operations"] for row in response.context["rows"]) == 3


@pytest.mark.django_db
def test_weeks_say_their_days_and_the_disorder_table_says_it_overlaps(world, staff, client):
    # given
    client.force_login(staff)
    with translation.override("en"):
        # when
        html = client.get(reverse("campaigns:totals"), {"kind": "week", "year": 2020}).content
        html = html.decode()
        # then: ISO week 12 of 2020 is 16 to 22 March; the last week (53, 28 December 2020 to
        # 3 January 2021) counts, and says, only its days in 2020
        assert "March 16–March 22" in html
        assert "December 28–December 31" in html
        assert "January 3" not in html
        note = gettext(
            "An operation tackling several disorders counts under each of them, so this table "
            "does not add up to the total."
        )
        assert note in html.split('id="totals-by-disorder"')[0].rsplit("By disorder", 1)[1]


@pytest.mark.django_db
def test_public_totals_link_nowhere_internal(world, client):
    # when
    html = client.get(reverse("campaigns:public_totals", args=[world.slug]), {"year": 2020})
    # then: the operations list is for logged-in users; the public page does not send there
    assert reverse("campaigns:campaign_list") not in html.content.decode()


@pytest.mark.django_db
def test_a_resident_reads_the_operations_in_their_compound(
    world, community, compound_a, other_community, client
):
    # given: besides op A (public), a private and a withdrawn operation in compound A, and a
    # compound of another community
    CampaignFactory(community=community, compounds=[compound_a], is_public=False)
    CampaignFactory(community=community, compounds=[compound_a], is_withdrawn=True)
    elsewhere = factories.CompoundFactory(community=other_community, name="丙小区", code="c")
    url = reverse("campaigns:public_totals", args=[world.slug])
    # when: anonymous, from the by-compound table's link
    overview = client.get(url, {"year": 2020})
    row = next(r for r in overview.context["by_compound"] if r["compound_id"] == compound_a.pk)
    response = client.get(f"{url}{row['url'].split('#')[0]}")
    # then: the public operation only, with its disorders and no note or name
    assert response.status_code == 200
    assert response.context["compound"] == compound_a
    assert [c.pk for c in response.context["operations"]] == [world.op_a.pk]
    html = response.content.decode()
    assert 'id="operations"' in html
    assert "乱堆乱放" in html.split('id="operations"')[1].split("</section>")[0]
    assert "王五" not in html
    assert world.op_a.recorded_by.username not in html
    # and another community's compound shows nothing of it
    other = client.get(url, {"year": 2020, "compound": elsewhere.pk})
    assert other.context["compound"] is None
    assert 'id="operations"' not in other.content.decode()


@pytest.mark.django_db
def test_a_compounds_public_operations_cost_the_same_queries_for_10_and_1000(
    community, compound_a, compound_b, client
):
    # given
    disorder = DisorderFactory(community=community)
    url = reverse("campaigns:public_totals", args=[community.slug])
    params = {"year": 2020, "compound": compound_a.pk}
    _bulk_operations(community, [compound_a, compound_b], disorder, 10)
    client.get(url, params)
    small = _count_queries(client, url, params)
    # when
    _bulk_operations(community, [compound_a, compound_b], disorder, 990)
    large = _count_queries(client, url, params)
    # then
    assert small == large
