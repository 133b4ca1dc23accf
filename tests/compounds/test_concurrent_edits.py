"""The registry's edit pages are model forms through ``form_page``: two people editing the same
household, the second save is refused (409) and saving the page it comes back with goes
through (``tongde.concurrency``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from compounds import services
from tests import factories
from tests.crawl import parse
from tongde import concurrency

pytestmark = pytest.mark.django_db


def form_data(response, path: str) -> dict[str, list[str]]:
    """What the browser sends back untouched from the page's POST form."""
    _, found = parse(response.content.decode(), f"http://testserver{path}")
    (form,) = [f for f in found if f.method == "post" and f.action.startswith(path)]
    return form.data()


def test_household_update_refused_when_changed_meanwhile(client, staff, community, compound_a):
    # given: staff opens a household; a colleague then records one more resident
    household = factories.HouseholdFactory(
        dwelling=factories.DwellingFactory(unit__building__compound=compound_a),
        head_name="张三",
        residents=3,
    )
    colleague = factories.membership_user("staff", community=community)
    client.force_login(staff)
    with translation.override("en"):
        path = reverse("compounds:household_update", args=[household.pk])
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    services.household_update(household=household, data={"residents": 4}, user=colleague)
    # when: staff corrects the head's name on the page as it was
    data["head_name"] = ["张叁"]
    response = client.post(path, data)
    # then: refused; the name is unchanged and the residents say what they are now
    assert response.status_code == 409
    household.refresh_from_db()
    assert (household.head_name, household.residents) == ("张三", 4)
    assert "4" in " ".join(response.context["form"].errors["residents"])
    # when: saved again, knowingly
    assert client.post(path, form_data(response, path)).status_code == 302
    household.refresh_from_db()
    assert (household.head_name, household.residents) == ("张叁", 3)
