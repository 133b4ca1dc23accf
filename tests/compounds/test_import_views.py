"""Registry import pages: who may use them, and upload → preview → confirm."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from compounds import imports
from compounds.imports import parse_registry_file, registry_import_upload
from compounds.models import Compound, Dwelling, RegistryImport
from tests import factories
from tests.compounds.test_imports import chinese_csv, make_csv, registry_counts, row

UPLOAD_URL = reverse("compounds:import_upload")


def _upload(client, community, data: bytes, name: str = "registry.csv"):
    return client.post(
        UPLOAD_URL,
        {"community": community.pk, "file": SimpleUploadedFile(name, data)},
    )


@pytest.fixture
def pending_import(community):
    return registry_import_upload(
        community=community, filename="registry.csv", data=make_csv([row()])
    )


# --- Who may see the pages --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_of",
    [
        lambda record: UPLOAD_URL,
        lambda record: reverse("compounds:import_preview", args=[record.pk]),
        lambda record: reverse("compounds:import_template", args=["xlsx"]),
    ],
    ids=["upload", "preview", "template"],
)
def test_anonymous_is_sent_to_log_in(client, pending_import, url_of):
    # when
    response = client.get(url_of(pending_import))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["resident", "company_user_a", "committee_member_a", "grid_worker"]
)
@pytest.mark.parametrize("page", ["upload", "preview", "template", "confirm", "cancel"])
def test_roles_other_than_staff_are_forbidden(client, request, pending_import, role, page):
    # given
    client.force_login(request.getfixturevalue(role))
    preview_url = reverse("compounds:import_preview", args=[pending_import.pk])

    # when
    if page == "upload":
        response = client.get(UPLOAD_URL)
    elif page == "preview":
        response = client.get(preview_url)
    elif page == "template":
        response = client.get(reverse("compounds:import_template", args=["csv"]))
    elif page == "cancel":
        response = client.post(reverse("compounds:import_cancel", args=[pending_import.pk]))
    else:
        response = client.post(preview_url)

    # then
    assert response.status_code == 403
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.PENDING


@pytest.mark.django_db
def test_staff_see_the_upload_page_with_their_communities_only(
    client, staff, community, other_community
):
    # given
    client.force_login(staff)

    # when
    response = client.get(UPLOAD_URL)

    # then
    assert response.status_code == 200
    choices = list(response.context["form"].fields["community"].queryset)
    assert choices == [community]


@pytest.mark.django_db
def test_staff_of_another_community_get_404_on_the_preview(client, other_community, pending_import):
    # given
    outsider = factories.membership_user("staff", community=other_community)
    client.force_login(outsider)
    url = reverse("compounds:import_preview", args=[pending_import.pk])

    # when
    seen = client.get(url)
    confirmed = client.post(url)

    # then
    assert seen.status_code == 404
    assert confirmed.status_code == 404
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.PENDING


@pytest.mark.django_db
def test_staff_cannot_upload_into_another_community(client, staff, other_community):
    # given
    client.force_login(staff)

    # when
    response = _upload(client, other_community, make_csv([row()]))

    # then
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not RegistryImport.objects.exists()


# --- Upload, preview, confirm ----------------------------------------------------------------


@pytest.mark.django_db
def test_upload_preview_and_confirm(client, staff, community):
    # given
    client.force_login(staff)
    rows = [row(dwelling=str(100 + i), owner_ref=f"KS-{i}") for i in range(60)]
    before = registry_counts()

    # when: upload
    response = _upload(client, community, make_csv(rows))

    # then: checked, kept, nothing written yet
    record = RegistryImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compounds:import_preview", args=[record.pk])
    assert record.status == RegistryImport.Status.PENDING
    assert record.uploaded_by == staff
    assert record.row_count == 60
    assert record.summary["dwellings_created"] == 60
    assert registry_counts() == before

    # when: preview
    page = client.get(response["Location"])

    # then: the first 50 rows, the counts, a confirm button
    assert page.status_code == 200
    assert len(page.context["sample"]) == 50
    assert page.context["can_apply"] is True
    assert ("dwellings_created", 60) in [(key, v) for key, _label, v in page.context["counts"]]
    assert "KS-49" in page.content.decode()
    assert "KS-50" not in page.content.decode()

    # when: confirm
    confirmed = client.post(response["Location"], follow=True)

    # then
    record.refresh_from_db()
    assert confirmed.status_code == 200
    assert record.status == RegistryImport.Status.APPLIED
    assert record.applied_at is not None
    assert Dwelling.objects.count() == 60
    assert Compound.objects.get().community == community
    assert confirmed.context["can_apply"] is False
    assert Dwelling.history.filter(history_user=staff).count() == 60


@pytest.mark.django_db
def test_confirming_twice_is_refused_with_a_message(client, staff, pending_import):
    # given
    client.force_login(staff)
    url = reverse("compounds:import_preview", args=[pending_import.pk])
    client.post(url)
    after_first = registry_counts()
    history = Dwelling.history.count()

    # when
    response = client.post(url, follow=True)

    # then
    shown = [str(m) for m in response.context["messages"]]
    assert str(imports.ALREADY_APPLIED) in shown
    assert registry_counts() == after_first
    assert Dwelling.history.count() == history


@pytest.mark.django_db
def test_a_bad_file_shows_every_error_and_cannot_be_confirmed(client, staff, community):
    # given
    client.force_login(staff)
    data = make_csv([row(), row(dwelling="102", area_m2="-1"), row(dwelling="103", kind="villa")])
    before = registry_counts()

    # when
    response = _upload(client, community, data)
    page = client.get(response["Location"])
    refused = client.post(response["Location"], follow=True)

    # then
    record = RegistryImport.objects.get()
    assert record.status == RegistryImport.Status.INVALID
    assert page.context["can_apply"] is False
    with translation.override("zh-hans"):  # the language of a page without /en/
        assert [(e.row, e.column) for e in page.context["errors"]] == [
            (3, str(imports.COLUMN_LETTER_NAME % {"letter": "F", "name": "area_m2"})),
            (4, str(imports.COLUMN_LETTER_NAME % {"letter": "B", "name": "kind"})),
        ]
        html = page.content.decode()
        assert str(imports.UNKNOWN_KIND % {"value": "villa"}) in html
    assert str(imports.NOT_APPLICABLE) in [str(m) for m in refused.context["messages"]]
    assert registry_counts() == before


@pytest.mark.django_db
def test_the_errors_are_shown_in_the_readers_language(client, staff, community):
    # given: a file with Chinese headers and a bad area in column C, uploaded in Chinese
    client.force_login(staff)
    with translation.override("zh-hans"):
        response = _upload(client, community, chinese_csv([row(area_m2="八十")]))
    record = RegistryImport.objects.get()

    # when: read at /en/... and at the unprefixed (Chinese) address
    with translation.override("en"):
        english = client.get(reverse("compounds:import_preview", args=[record.pk]))
    with translation.override("zh-hans"):
        chinese = client.get(reverse("compounds:import_preview", args=[record.pk]))

    # then: each in its own language, the column as the file named it
    assert response.status_code == 302
    assert record.status == RegistryImport.Status.INVALID
    english_html, chinese_html = english.content.decode(), chinese.content.decode()
    assert "column C (面积)" in english_html
    assert "not a number: 八十" in english_html
    assert "不是数字：八十" not in english_html
    assert "不是数字：八十" in chinese_html
    assert "not a number: 八十" not in chinese_html
    with translation.override("zh-hans"):
        assert str(imports.COLUMN_LETTER_NAME % {"letter": "C", "name": "面积"}) in chinese_html


@pytest.mark.django_db
def test_errors_stored_as_text_by_an_older_version_still_show(client, staff, community):
    # given: a record from before errors kept their msgid, in its uploader's language
    record = RegistryImport.objects.create(
        community=community,
        file="imports/old.csv",
        original_name="old.csv",
        status=RegistryImport.Status.INVALID,
        row_count=1,
        errors=[
            {"row": 2, "column": "area_m2", "message": "不是数字：abc"},
            {"row": None, "column": "", "message": "文件为空。"},
        ],
    )
    client.force_login(staff)

    # when
    with translation.override("en"):
        page = client.get(reverse("compounds:import_preview", args=[record.pk]))

    # then: the stored text, the code named by its label
    html = page.content.decode()
    assert page.status_code == 200
    assert "不是数字：abc" in html
    assert "文件为空。" in html
    assert "column area (m²)" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "photo.png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old.xls"),
        (b"compound,kind\n", "registry.pdf"),
    ],
    ids=["picture", "old xls", "pdf extension"],
)
def test_the_form_refuses_what_is_not_xlsx_or_csv(client, staff, community, data, name):
    # given
    client.force_login(staff)

    # when
    response = _upload(client, community, data, name)

    # then
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not RegistryImport.objects.exists()


@pytest.mark.django_db
def test_the_form_refuses_a_file_over_the_limit(client, staff, community, settings):
    # given
    settings.REGISTRY_IMPORT_MAX_BYTES = 50
    client.force_login(staff)

    # when
    response = _upload(client, community, make_csv([row()]))

    # then
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not RegistryImport.objects.exists()


@pytest.mark.django_db
def test_a_superuser_may_import_anywhere(client, superuser, other_community):
    # given
    client.force_login(superuser)

    # when
    response = _upload(client, other_community, make_csv([row()]))

    # then
    assert response.status_code == 302
    assert RegistryImport.objects.get().community == other_community


# --- Templates --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_downloaded_template_parses_back(client, staff, fmt):
    # given
    client.force_login(staff)

    # when
    response = client.get(reverse("compounds:import_template", args=[fmt]))

    # then
    assert response.status_code == 200
    assert f'filename="registry.{fmt}"' in response["Content-Disposition"]
    parsed = parse_registry_file(data=response.content, filename=f"registry.{fmt}")
    assert parsed.errors == []
    assert len(parsed.rows) == 1
    # an example, never a real home of the demo (uploaded unchanged, it would replace its owner)
    assert parsed.rows[0].compound.startswith("示例小区")


@pytest.mark.django_db
def test_the_csv_template_has_a_bom_for_excel(client, staff):
    client.force_login(staff)
    response = client.get(reverse("compounds:import_template", args=["csv"]))
    assert response.content.startswith(b"\xef\xbb\xbfcompound,kind,")


@pytest.mark.django_db
def test_the_xlsx_template_has_a_bold_header_and_notes(client, staff):
    # given
    client.force_login(staff)

    # when
    response = client.get(reverse("compounds:import_template", args=["xlsx"]))

    # then
    workbook = load_workbook(io.BytesIO(response.content))
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == list(imports.COLUMNS)
    assert all(c.font.bold for c in data[1])
    assert notes.title.startswith("说明")
    assert [notes.cell(row=i, column=1).value for i in range(2, 12)] == list(imports.COLUMNS)


@pytest.mark.django_db
def test_an_unknown_template_format_is_404(client, staff):
    client.force_login(staff)
    response = client.get(reverse("compounds:import_template", args=["pdf"]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_preview_names_the_columns_in_the_readers_language(client, staff, pending_import):
    client.force_login(staff)
    html = client.get(reverse("compounds:import_preview", args=[pending_import.pk])).content
    html = html.decode()
    header = html[html.index('id="import-rows"') :].split("</thead>")[0]
    assert '<th scope="col">小区</th>' in header
    assert "owner_ref" not in header


# --- Cancelling ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_marks_the_import_cancelled_keeps_it_and_its_file(client, staff, pending_import):
    # given
    client.force_login(staff)
    preview_url = reverse("compounds:import_preview", args=[pending_import.pk])
    cancel_url = reverse("compounds:import_cancel", args=[pending_import.pk])
    before = registry_counts()
    assert cancel_url in client.get(preview_url).content.decode()

    # when
    response = client.post(cancel_url, follow=True)

    # then: back on the upload page, the import listed as cancelled, nothing applied
    assert response.redirect_chain[-1][0] == UPLOAD_URL
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.CANCELLED
    assert (pending_import.cancelled_by, pending_import.applied_at) == (staff, None)
    assert pending_import.cancelled_at is not None
    assert pending_import.file.storage.exists(pending_import.file.name)
    assert registry_counts() == before
    assert "导入已取消" in response.content.decode()
    assert client.get(preview_url).status_code == 200


@pytest.mark.django_db
def test_a_cancelled_import_cannot_be_confirmed_nor_cancelled_again(client, staff, pending_import):
    # given
    client.force_login(staff)
    preview_url = reverse("compounds:import_preview", args=[pending_import.pk])
    cancel_url = reverse("compounds:import_cancel", args=[pending_import.pk])
    client.post(cancel_url)
    before = registry_counts()

    # when
    page = client.get(preview_url).content.decode()
    confirmed = client.post(preview_url, follow=True)
    again = client.post(cancel_url, follow=True)

    # then
    assert "Confirm and apply" not in page
    assert str(imports.IMPORT_CANCELLED) in [str(m) for m in confirmed.context["messages"]]
    assert str(imports.ALREADY_CANCELLED) in [str(m) for m in again.context["messages"]]
    assert registry_counts() == before
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["applied", "invalid"])
def test_only_a_pending_import_is_cancelled(staff, pending_import, status):
    # given
    RegistryImport.objects.filter(pk=pending_import.pk).update(status=status)

    # when
    with pytest.raises(imports.ImportRefused) as refused:
        imports.registry_import_cancel(registry_import_id=pending_import.pk, user=staff)

    # then
    pending_import.refresh_from_db()
    assert pending_import.status == status
    assert refused.value.message == str(imports.CANNOT_CANCEL) % {
        "status": pending_import.get_status_display()
    }


@pytest.mark.django_db
def test_staff_of_another_community_get_404_on_cancel(client, other_community, pending_import):
    # given
    outsider = factories.membership_user("staff", community=other_community)
    client.force_login(outsider)

    # when
    response = client.post(reverse("compounds:import_cancel", args=[pending_import.pk]))

    # then
    assert response.status_code == 404
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.PENDING


@pytest.mark.django_db
def test_cancel_is_a_post_only(client, staff, pending_import):
    client.force_login(staff)
    response = client.get(reverse("compounds:import_cancel", args=[pending_import.pk]))
    assert response.status_code == 405
    pending_import.refresh_from_db()
    assert pending_import.status == RegistryImport.Status.PENDING
