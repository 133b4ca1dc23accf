"""The Django admin writes nothing the services own, and deletes nothing (``tongde/admin.py``).

Checked over every model registered in the admin, so a model added later is held to the rule
as soon as it is registered."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from campaigns.models import Campaign
from compounds.models import Community, District, Membership, Street
from tests import factories
from tests.campaigns.factories import CampaignFactory

# No page of their own; nothing depends on their history. Added and changed here, not deleted.
EDITABLE = {District, Street, Community, Membership, get_user_model()}
# Third-party admins left as their packages ship them, with the reason.
THEIRS = {
    # django-axes: deleting an access attempt is how a superuser unlocks a locked-out account.
    "axes",
    # Groups are unused (roles are memberships); Django's own admin for them stays.
    "auth.group",
}


def _theirs(model) -> bool:
    return model._meta.app_label in THEIRS or model._meta.label_lower in THEIRS


def _registered():
    return [(m, a) for m, a in admin.site._registry.items() if not _theirs(m)]


@pytest.fixture
def superuser_request(db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_app_model_is_registered_and_held_to_the_rule():
    labels = {m._meta.label for m, _ in _registered()}
    # The sweep covers the product's apps, not an empty registry.
    for app in ("compounds", "committees", "campaigns", "scorecards"):
        assert any(label.startswith(f"{app}.") for label in labels), app


@pytest.mark.django_db
def test_the_admin_deletes_nothing(superuser_request):
    deletable = [
        m._meta.label
        for m, model_admin in _registered()
        if model_admin.has_delete_permission(superuser_request)
        or "delete_selected" in model_admin.get_actions(superuser_request)
    ]
    assert deletable == []


@pytest.mark.django_db
def test_the_admin_writes_only_reference_data(superuser_request):
    writable = []
    for model, model_admin in _registered():
        if model in EDITABLE:
            continue
        if model_admin.has_add_permission(superuser_request) or model_admin.has_change_permission(
            superuser_request
        ):
            writable.append(model._meta.label)
        writable += [
            f"{model._meta.label} inline {inline.model._meta.label}"
            for inline in model_admin.get_inline_instances(superuser_request)
            if inline.has_add_permission(superuser_request, None)
            or inline.has_change_permission(superuser_request)
        ]
    assert writable == []


@pytest.mark.django_db
def test_a_superuser_can_read_an_operation_but_not_change_or_delete_it(client, community):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
    operation = CampaignFactory(community=community, persons={"staff": 12})
    client.force_login(root)

    page = client.get(reverse("admin:campaigns_campaign_change", args=[operation.pk]))
    changed = client.post(
        reverse("admin:campaigns_campaign_change", args=[operation.pk]), {"person_times": 99}
    )
    deleted = client.post(
        reverse("admin:campaigns_campaign_delete", args=[operation.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert changed.status_code == 403
    assert deleted.status_code == 403
    operation.refresh_from_db()
    assert operation.person_times == 12
    assert Campaign.objects.filter(pk=operation.pk).exists()


@pytest.mark.django_db
def test_a_superuser_deactivates_an_account_instead_of_deleting_it(client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
    worker = factories.UserFactory()
    client.force_login(root)

    deleted = client.post(reverse("admin:auth_user_delete", args=[worker.pk]), {"post": "yes"})

    assert deleted.status_code == 403
    assert get_user_model().objects.filter(pk=worker.pk).exists()


@pytest.mark.django_db
def test_every_list_in_the_admin_opens_for_a_superuser(client, community):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
    client.force_login(root)

    broken = []
    for model, _ in admin.site._registry.items():
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if response.status_code != 200:
            broken.append((opts.label, response.status_code))

    assert broken == []
