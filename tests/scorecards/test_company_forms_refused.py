"""What a property company's forms keep when they are refused: a browser never sends a file
twice, so each file input that had a file says to choose it again; ticks to remove attachments
stay ticked. Asserted in English (/en/), so the tests hold before the catalogs are compiled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from scorecards import inspections, reports
from scorecards.models import MonthlyReport, Rectification, ReportAttachment
from tests.campaigns.factories import photo_upload
from tests.scorecards.test_inspections import finding_input
from tests.scorecards.test_reports_views import (
    OCT,
    en_url,
    field_errors,
    form_data,
    jpeg,
)
from tongde.pages import FILE_NOT_KEPT

pytestmark = pytest.mark.django_db

with translation.override("en"):
    NOT_KEPT = str(FILE_NOT_KEPT)  # the pages are read in English


@pytest.fixture
def _early_november(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 4, 4, tzinfo=dt.UTC), tick=False)


@pytest.mark.usefixtures("_early_november")
def test_a_refused_report_says_to_choose_the_photos_again(client, company_user_a, compound_a):
    # given a report with a photo and a count that is not a number
    client.force_login(company_user_a)
    data = form_data(patrol_rounds="many", photos=[jpeg()])

    # when it is sent
    response = client.post(en_url("report_create", compound_a.pk), data)

    # then the photo input says to choose it again; the documents input (empty) says nothing
    html = response.content.decode()
    assert response.status_code == 400
    assert NOT_KEPT in field_errors(html, "photos")
    assert field_errors(html, "documents") == ""
    assert MonthlyReport.objects.count() == 0


@pytest.mark.usefixtures("_early_november")
def test_a_refused_report_without_files_says_nothing_about_files(
    client, company_user_a, compound_a
):
    client.force_login(company_user_a)
    response = client.post(en_url("report_create", compound_a.pk), form_data(patrol_rounds="x"))
    assert response.status_code == 400
    assert NOT_KEPT not in response.content.decode()


@pytest.mark.usefixtures("_early_november")
def test_a_refused_edit_keeps_the_removal_ticks_and_removes_nothing(
    client, company_user_a, compound_a, company_a
):
    # given a draft with two photos
    draft = reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        photos=[jpeg("a.jpg"), jpeg("b.jpg")],
    )
    first, second = draft.attachments.order_by("pk")
    client.force_login(company_user_a)

    # when the first is ticked for removal but another field is wrong
    response = client.post(
        en_url("report_edit", draft.pk), form_data(patrol_rounds="many", remove=[str(first.pk)])
    )

    # then the page comes back with the first still ticked, the second not, and both kept
    html = response.content.decode()
    assert response.status_code == 400
    assert f'value="{first.pk}" id="remove-{first.pk}" checked' in html
    assert f'value="{second.pk}" id="remove-{second.pk}">' in html
    assert ReportAttachment.objects.filter(report=draft, is_removed=False).count() == 2

    # and sent again corrected, the ticked photo goes (and only that one)
    response = client.post(en_url("report_edit", draft.pk), form_data(remove=[str(first.pk)]))
    assert response.status_code == 302
    kept = ReportAttachment.objects.filter(report=draft, is_removed=False)
    assert list(kept.values_list("pk", flat=True)) == [second.pk]


@pytest.fixture
def world(compound_a, compound_b, staff, company_a):
    # One inspection of 甲 with a finding: one rectification item, the company's turn.
    inspections.inspection_record(
        compound=compound_a,
        day=timezone.localdate() - dt.timedelta(days=2),
        inspector=staff,
        findings=[finding_input(compound_a.community, photo=photo_upload())],
        photos=[photo_upload()],
    )
    return {"rect": Rectification.objects.get()}


def test_a_refused_rectification_answer_says_to_take_the_photo_again(client, world, company_user_a):
    # given the company answers with a photo but forgets to say what was done
    rect = world["rect"]
    client.force_login(company_user_a)
    url = en_url("rectification_answer", rect.pk)

    # when it is sent
    response = client.post(url, {"answer": "", "photo": photo_upload()})

    # then the photo input says to choose it again and the item is still the company's turn
    html = response.content.decode()
    assert response.status_code == 400
    assert NOT_KEPT in field_errors(html, "photo")
    assert Rectification.objects.get(pk=rect.pk).status == rect.status


def test_a_rectification_answer_without_a_photo_only_asks_for_it(client, world, company_user_a):
    rect = world["rect"]
    client.force_login(company_user_a)
    response = client.post(en_url("rectification_answer", rect.pk), {"answer": "已清理"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in field_errors(html, "photo")
    assert NOT_KEPT not in html
