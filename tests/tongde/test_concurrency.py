"""Two people editing the same record: the second save is refused and loses nothing
(``tongde.concurrency``, applied by ``tongde.pages.form_page`` to every model form that edits a
saved row)."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from compounds import services
from compounds.models import Compound
from tests import factories
from tests.crawl import parse
from tongde import concurrency


def _form_data(response, path: str) -> dict[str, list[str]]:
    """What the browser sends back untouched from the page's (only) POST form."""
    _, found = parse(response.content.decode(), f"http://testserver{path}")
    (form,) = [f for f in found if f.method == "post" and f.action.startswith(path)]
    return form.data()


# The fingerprint ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"name": "丙小区"}, ["name"]),
        ({"cameras": 7, "address": "新地址"}, ["address", "cameras"]),
        # Same value written again: no change.
        ({"name": "甲小区"}, []),
    ],
)
def test_changed_fields_names_what_differs_from_the_row_shown(compound_a, change, expected):
    # given
    token = concurrency.fingerprint(compound_a)
    Compound.objects.filter(pk=compound_a.pk).update(**change) if change else None
    # when
    changed = concurrency.changed_fields(Compound.objects.get(pk=compound_a.pk), token)
    # then
    assert sorted(f.name for f in changed) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "e30=", "WzEsMl0="])  # not base64 JSON, {}, [1,2]
def test_a_token_that_cannot_be_read_counts_as_every_field_changed(compound_a, token):
    changed = concurrency.changed_fields(compound_a, token)
    assert {f.name for f in changed} >= {"name", "cameras", "community"}


class _NameForm(forms.Form):
    name = forms.CharField()


@pytest.mark.django_db
def test_a_change_to_a_field_the_form_lacks_is_named_above_the_form(compound_a):
    # given: the form shows the name only; someone archives the compound meanwhile
    form = _NameForm({"name": "新名"})
    concurrency.add_field(form, compound_a)
    form.data = {**form.data, concurrency.EDITED_FROM: concurrency.fingerprint(compound_a)}
    Compound.objects.filter(pk=compound_a.pk).update(is_archived=True)
    assert form.is_valid()
    # when
    refused = concurrency.refuse_if_changed(form, Compound.objects.get(pk=compound_a.pk))
    # then
    assert refused
    text = " ".join(form.non_field_errors())
    assert str(Compound._meta.get_field("is_archived").verbose_name) in text
    assert "name" not in form.errors


@pytest.mark.django_db
def test_a_form_sent_without_the_fingerprint_is_not_checked(compound_a):
    form = _NameForm({"name": "新名"})
    concurrency.add_field(form, compound_a)
    Compound.objects.filter(pk=compound_a.pk).update(name="别的")
    assert form.is_valid()
    assert not concurrency.refuse_if_changed(form, Compound.objects.get(pk=compound_a.pk))


# Through a real edit page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_second_of_two_edits_is_refused_and_keeps_its_values(compound_a, staff, client):
    # given: staff opens the edit page; a colleague then changes the cameras
    colleague = factories.membership_user("staff", community=compound_a.community)
    client.force_login(staff)
    path = reverse("compounds:compound_update", args=[compound_a.pk])
    data = _form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    services.compound_update(compound=compound_a, data={"cameras": 9}, user=colleague)
    # when: staff saves their own change, made on the page as it was
    data["address"] = ["西环北路1号"]
    response = client.post(path, data)
    # then: refused, nothing of staff's saved, the changed field says what it is now
    assert response.status_code == 409
    compound_a.refresh_from_db()
    assert (compound_a.cameras, compound_a.address) == (9, "")
    form = response.context["form"]
    assert "9" in " ".join(form.errors["cameras"])
    assert form.non_field_errors()
    assert "address" not in form.errors
    # ... and the page holds staff's values with the current fingerprint
    again = _form_data(response, path)
    assert again["address"] == ["西环北路1号"]
    assert again[concurrency.EDITED_FROM] != data[concurrency.EDITED_FROM]
    # when: staff saves again, knowingly
    response = client.post(path, again)
    # then: staff's values stand
    assert response.status_code == 302
    compound_a.refresh_from_db()
    assert compound_a.address == "西环北路1号"
    assert compound_a.cameras == int(again["cameras"][0])


@pytest.mark.django_db
def test_an_edit_with_nothing_changed_meanwhile_saves(compound_a, staff, client):
    client.force_login(staff)
    path = reverse("compounds:compound_update", args=[compound_a.pk])
    data = _form_data(client.get(path), path)
    data["cameras"] = ["12"]
    response = client.post(path, data)
    assert response.status_code == 302
    compound_a.refresh_from_db()
    assert compound_a.cameras == 12


# A row's children ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_change_to_a_rows_children_is_named_by_their_plural(compound_a):
    # given: a form shown with the compound's buildings as child rows
    def links():
        return {"buildings": concurrency.rows(compound_a.buildings.all())}

    form = _NameForm({"name": compound_a.name})
    concurrency.add_fields(form, row=compound_a, links=links)
    form.data = {
        **form.data,
        concurrency.EDITED_FROM: form.fields[concurrency.EDITED_FROM].initial,
        concurrency.LINKS_FROM: form.fields[concurrency.LINKS_FROM].initial,
    }
    # when: a building is added meanwhile, the compound row itself untouched
    factories.BuildingFactory(compound=compound_a)
    assert form.is_valid()
    refused = concurrency.refuse_if_edited(form, row=compound_a, links=links)
    # then
    assert refused
    assert str(compound_a.buildings.model._meta.verbose_name_plural) in " ".join(
        form.non_field_errors()
    )
    # ... and the form now holds fingerprints that match the rows as they are
    again = _NameForm(form.data)
    concurrency.add_fields(again, row=compound_a, links=links)
    assert again.is_valid()
    assert not concurrency.refuse_if_edited(again, row=compound_a, links=links)
