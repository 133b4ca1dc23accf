"""Residents' opinions given online: the service's checks (each refusal saves nothing), the daily
limit at its boundary, who reads what, staff answering through the ledger, the mail to the
resident, and the pages for every role."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committees import opinions, services
from committees.models import Consultation
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


def _submit(user, compound, topic="楼道灯不亮", opinion="3号楼楼道灯坏了两周。", today=DAY):
    return opinions.opinion_submit(
        user=user, compound=compound, topic=topic, opinion=opinion, today=today
    )


def _en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def test_an_opinion_enters_the_ledger_as_the_residents_own(resident, compound_a):
    resident.first_name, resident.last_name = "桂兰", "张"
    resident.save()
    given = _submit(resident, compound_a, topic="  楼道灯不亮 ", opinion=" 坏了两周。 ")
    given.refresh_from_db()
    assert given.channel == Consultation.Channel.ONLINE
    assert given.recorded_by == resident
    assert given.received_on == DAY
    assert (given.topic, given.opinion) == ("楼道灯不亮", "坏了两周。")
    assert given.resident_name == resident.get_full_name()
    assert given.answer == ""
    assert given.answered_on is None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"topic": "   "}, "topic", "required"),
        ({"opinion": ""}, "opinion", "required"),
        ({"opinion": " \n "}, "opinion", "required"),
        ({"opinion": "字" * (opinions.OPINION_MAX_LENGTH + 1)}, "opinion", "too_long"),
        ({"archived": True}, "compound", "archived"),
    ],
)
def test_bad_opinions_are_refused_and_nothing_is_saved(resident, compound_a, change, field, code):
    if change.pop("archived", False):
        compound_a.is_archived = True
        compound_a.save()
    with pytest.raises(opinions.ValidationError) as refused:
        _submit(resident, compound_a, **change)
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert not Consultation.objects.exists()


def test_an_opinion_of_exactly_the_longest_length_is_taken(resident, compound_a):
    _submit(resident, compound_a, opinion="字" * opinions.OPINION_MAX_LENGTH)
    assert Consultation.objects.count() == 1


def test_an_anonymous_user_cannot_give_an_opinion(compound_a):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(opinions.ValidationError):
        _submit(AnonymousUser(), compound_a)
    assert not Consultation.objects.exists()


def test_the_daily_limit_takes_the_last_allowed_and_refuses_the_next(resident, compound_a):
    for n in range(opinions.DAILY_LIMIT):
        _submit(resident, compound_a, topic=f"第{n}条")
    with pytest.raises(opinions.ValidationError) as refused:
        _submit(resident, compound_a, topic="再一条")
    assert refused.value.code == "limit"
    assert Consultation.objects.count() == opinions.DAILY_LIMIT
    # The next day counts afresh; another account has its own count.
    _submit(resident, compound_a, today=DAY + dt.timedelta(days=1))
    _submit(factories.UserFactory(), compound_a)
    assert Consultation.objects.count() == opinions.DAILY_LIMIT + 2


def test_staff_logged_opinions_do_not_count_against_the_resident(resident, staff, compound_a):
    for n in range(opinions.DAILY_LIMIT):
        services.consultation_create(
            compound=compound_a,
            data={"topic": f"电话{n}", "channel": "phone", "received_on": DAY, "opinion": "…"},
            user=staff,
        )
    _submit(resident, compound_a)
    assert opinions.my_opinions(user=resident).count() == 1


def test_each_account_reads_only_its_own_opinions(client, resident, compound_a, compound_b):
    mine = _submit(resident, compound_a, topic="我的意见")
    other = factories.UserFactory()
    _submit(other, compound_b, topic="别人的意见")
    client.force_login(resident)
    page = client.get(_en("committees:my_opinions")).content.decode()
    assert mine.topic in page
    assert "别人的意见" not in page


def test_a_resident_gives_an_opinion_through_the_form(client, resident, compound_a):
    client.force_login(resident)
    url = _en("committees:opinion_create")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"compound": compound_a.pk, "topic": "垃圾清运", "opinion": "垃圾桶三天没清运。"}
    )
    assert response.status_code == 302
    assert response["Location"] == _en("committees:my_opinions")
    shown = client.get(response["Location"]).content.decode()
    assert "Thank you: your opinion has reached the community staff." in shown
    given = Consultation.objects.get()
    assert (given.compound, given.channel, given.recorded_by) == (compound_a, "online", resident)


def test_an_opinion_sent_twice_reaches_the_staff_once(client, resident, compound_a):
    client.force_login(resident)
    url = _en("committees:opinion_create")
    token = re.search(r'name="once" value="([0-9a-f]{32})"', client.get(url).content.decode())
    data = {"compound": compound_a.pk, "topic": "垃圾清运", "opinion": "三天没清运。"}
    data["once"] = token.group(1)
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"] == _en("committees:my_opinions")
    assert Consultation.objects.count() == 1


def test_the_form_refuses_an_archived_or_unknown_compound(client, resident, compound_a):
    compound_a.is_archived = True
    compound_a.save()
    client.force_login(resident)
    for pk in (compound_a.pk, 999_999):
        response = client.post(
            _en("committees:opinion_create"), {"compound": pk, "topic": "t", "opinion": "o"}
        )
        assert response.status_code == 400
        assert response.context["form"].errors["compound"]
    assert not Consultation.objects.exists()


def test_the_public_signs_in_first(client):
    for name in ("committees:opinion_create", "committees:my_opinions"):
        response = client.get(_en(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["resident", "staff", "grid_worker", "committee_member_a"])
def test_every_signed_in_role_opens_both_pages(client, request, role, compound_a):
    client.force_login(request.getfixturevalue(role))
    for name in ("committees:opinion_create", "committees:my_opinions"):
        assert client.get(_en(name)).status_code == 200


def test_staff_answer_in_the_ledger_and_the_resident_reads_and_is_mailed(
    client, resident, staff, compound_a, django_capture_on_commit_callbacks
):
    resident.email = "zhang@example.org"
    resident.save()
    given = _submit(resident, compound_a, topic="单元门禁损坏")
    client.force_login(staff)
    ledger = client.get(_en("committees:consultation_list")).content.decode()
    assert "单元门禁损坏" in ledger
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _en("committees:consultation_answer", given.pk),
            {"answer": "已督促物业更换门锁。", "answered_on": "2026-11-22", "version": "0"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["zhang@example.org"]
    assert "已督促物业更换门锁。" in sent.body
    assert "/committees/opinions/" in sent.body

    client.force_login(resident)
    page = client.get(_en("committees:my_opinions")).content.decode()
    assert "已督促物业更换门锁。" in page
    assert "22 Nov 2026" in page


def test_no_mail_without_an_address_or_for_a_staff_entry(
    resident, staff, compound_a, django_capture_on_commit_callbacks
):
    given = _submit(resident, compound_a)
    logged = services.consultation_create(
        compound=compound_a,
        data={"topic": "电话", "channel": "phone", "received_on": DAY, "opinion": "…"},
        user=staff,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_answer(consultation=given, answer="好", answered_on=DAY, user=staff)
        services.consultation_answer(consultation=logged, answer="好", answered_on=DAY, user=staff)
    assert mail.outbox == []


def test_staff_cannot_log_an_opinion_as_given_online(client, staff, compound_a):
    client.force_login(staff)
    form = client.get(_en("committees:consultation_create")).context["form"]
    assert "online" not in [value for value, _label in form.fields["channel"].choices]


def test_my_opinions_queries_do_not_grow_with_the_opinions(client, resident, compound_a):
    client.force_login(resident)
    _submit(resident, compound_a)
    url = _en("committees:my_opinions")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(15):
        _submit(resident, compound_a, today=DAY - dt.timedelta(days=n + 1))
    with CaptureQueriesContext(connection) as sixteen:
        assert client.get(url).content.decode().count('<article class="card') == 16
    assert len(sixteen) == len(one)


# --- A photo with the opinion ------------------------------------------------------------------


def _photo(data: bytes | None = None, name: str = "photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tongde.test_uploads import image_bytes

    return SimpleUploadedFile(name, image_bytes() if data is None else data, "image/jpeg")


def test_a_photo_is_kept_with_a_thumbnail_under_a_random_name(resident, compound_a):
    given = opinions.opinion_submit(
        user=resident,
        compound=compound_a,
        topic="楼道堆物",
        opinion="见照片。",
        photo=_photo(name="我家楼道.jpg"),
        today=DAY,
    )
    given.refresh_from_db()
    assert given.photo.name.startswith("opinions/")
    assert given.photo_thumbnail.name.startswith("opinions/thumbs/")
    assert "我家楼道" not in given.photo.name


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"MZ\x90\x00" + b"\x00" * 200, "not-a-photo.jpg"), (b"", "empty.jpg")],
)
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_saved(resident, compound_a, data, name):
    with pytest.raises(opinions.ValidationError) as refused:
        opinions.opinion_submit(
            user=resident,
            compound=compound_a,
            topic="t",
            opinion="o",
            photo=_photo(data, name),
            today=DAY,
        )
    assert "photo" in refused.value.error_dict
    assert not Consultation.objects.exists()


def test_an_oversized_photo_is_refused(resident, compound_a, settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(opinions.ValidationError) as refused:
        _submit_with_photo(resident, compound_a)
    assert "photo" in refused.value.error_dict
    assert not Consultation.objects.exists()


def _submit_with_photo(user, compound):
    return opinions.opinion_submit(
        user=user, compound=compound, topic="t", opinion="o", photo=_photo(), today=DAY
    )


def test_the_photo_opens_for_its_resident_and_the_communitys_staff_only(
    client, resident, staff, grid_worker, compound_a, other_community
):
    given = _submit_with_photo(resident, compound_a)
    url = _en("committees:opinion_photo", given.pk, "thumb")
    for who in (resident, staff, grid_worker):
        client.force_login(who)
        assert client.get(url).status_code == 200
    for who in (
        factories.UserFactory(),
        factories.membership_user("staff", community=other_community),
    ):
        client.force_login(who)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(resident)
    assert client.get(_en("committees:opinion_photo", given.pk, "other")).status_code == 404


def test_the_form_sends_a_photo_and_a_bad_one_is_shown_on_the_form(client, resident, compound_a):
    client.force_login(resident)
    url = _en("committees:opinion_create")
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    bad = client.post(
        url,
        {"compound": compound_a.pk, "topic": "t", "opinion": "o", "photo": _photo(b"MZ" * 50)},
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors["photo"]
    assert not Consultation.objects.exists()
    good = client.post(
        url, {"compound": compound_a.pk, "topic": "t", "opinion": "o", "photo": _photo()}
    )
    assert good.status_code == 302
    assert Consultation.objects.get().photo


# --- The ledger as a spreadsheet ---------------------------------------------------------------


def _rows(response) -> list[tuple]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    (sheet,) = load_workbook(io.BytesIO(response.content), read_only=True).worksheets
    return list(sheet.iter_rows(values_only=True))


def test_staff_download_every_filtered_row_of_the_ledger(client, staff, resident, compound_a):
    for n in range(3):
        _submit(resident, compound_a, topic=f"网上{n}", today=DAY - dt.timedelta(days=n))
    services.consultation_create(
        compound=compound_a,
        data={"topic": "电话", "channel": "phone", "received_on": DAY, "opinion": "…"},
        user=staff,
    )
    client.force_login(staff)
    url = _en("committees:consultation_list")
    header, *rows = _rows(client.get(url, {"format": "xlsx", "channel": "online"}))
    assert header[:5] == ("received on", "community", "compound", "channel", "topic")
    assert sorted(row[4] for row in rows) == ["网上0", "网上1", "网上2"]
    assert {row[2] for row in rows} == {compound_a.name}
    assert len(_rows(client.get(url, {"format": "xlsx"}))) == 1 + 4


@pytest.mark.parametrize("role", ["company_user_a", "resident", "committee_member_a"])
def test_no_one_outside_the_community_downloads_the_ledger(client, request, role, compound_a):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_en("committees:consultation_list"), {"format": "xlsx"})
    assert response.status_code == 403


def test_the_ledger_download_does_not_grow_in_queries(client, staff, resident, compound_a):
    client.force_login(staff)
    url = _en("committees:consultation_list")
    _submit(resident, compound_a)
    client.get(url, {"format": "xlsx"})
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"format": "xlsx"})
    for n in range(12):
        _submit(factories.UserFactory(), compound_a, topic=f"t{n}")
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(client.get(url, {"format": "xlsx"}))) == 1 + 13
    assert len(many) == len(one)


# --- A second answer, an amendment, two staff at once ---------------------------------------


def test_a_second_answer_is_refused_and_the_first_stays(resident, staff, compound_a):
    # given
    given = _submit(resident, compound_a)
    answered = services.consultation_answer(
        consultation=given, answer="下周修", answered_on=DAY, user=staff
    )
    # when: answered again from the opinion as it now is
    with pytest.raises(ValidationError) as refused:
        services.consultation_answer(
            consultation=answered, answer="已于本周修好", answered_on=DAY, user=staff
        )
    # then
    assert refused.value.messages == [str(services.ANSWER_ALREADY_GIVEN)]
    given.refresh_from_db()
    assert (given.answer, given.answer_version) == ("下周修", 1)


def test_two_staff_answering_from_the_same_page_lose_nothing(resident, staff, compound_a):
    # given: both opened the unanswered opinion (version 0)
    given = _submit(resident, compound_a)
    other = factories.membership_user("staff", community=compound_a.community)
    services.consultation_answer(
        consultation=given, answer="甲的答复", answered_on=DAY, user=staff, seen_version=0
    )
    # when: the second saves from the same version
    with pytest.raises(ValidationError) as refused:
        services.consultation_answer(
            consultation=given, answer="乙的答复", answered_on=DAY, user=other, seen_version=0
        )
    # then the first answer stands and the second is told why
    assert refused.value.messages == [str(services.ANSWER_CONFLICT)]
    given.refresh_from_db()
    assert given.answer == "甲的答复"
    # and two amendments from the same version: the second is refused likewise
    services.consultation_answer_amend(
        consultation=given, answer="甲改", reason="补充时间", user=staff, seen_version=1
    )
    with pytest.raises(ValidationError) as refused:
        services.consultation_answer_amend(
            consultation=given, answer="乙改", reason="补充", user=other, seen_version=1
        )
    assert refused.value.messages == [str(services.ANSWER_CONFLICT)]
    given.refresh_from_db()
    assert (given.answer, given.answer_version, given.amendments.count()) == ("甲改", 2, 1)


def test_an_amendment_keeps_the_earlier_text_and_the_resident_reads_when(
    client, resident, staff, compound_a, django_capture_on_commit_callbacks
):
    # given
    resident.email = "zhang@example.org"
    resident.save()
    given = _submit(resident, compound_a)
    given = services.consultation_answer(
        consultation=given, answer="下周修", answered_on=DAY, user=staff
    )
    amended_at = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # 09:30 in Jiuquan
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_answer_amend(
            consultation=given,
            answer="已于本周修好",
            reason="维修提前完成",
            user=staff,
            now=amended_at,
        )
    # then the audit keeps the earlier text, who amended it, when and why
    given.refresh_from_db()
    assert (given.answer, given.answered_on, given.answer_amended_at) == (
        "已于本周修好",
        DAY,
        amended_at,
    )
    amendment = given.amendments.get()
    assert (amendment.previous_answer, amendment.previous_answered_on) == ("下周修", DAY)
    assert (amendment.answer, amendment.reason, amendment.amended_by) == (
        "已于本周修好",
        "维修提前完成",
        staff,
    )
    with pytest.raises(ValueError, match="cannot be edited"):
        amendment.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        amendment.delete()
    # and the history too
    answers = list(given.history.order_by("history_date").values_list("answer", flat=True))
    assert answers == ["", "下周修", "已于本周修好"]
    # the resident is mailed and reads that the answer was amended, and when
    assert [m.subject for m in mail.outbox][-1] == "您关于甲小区的意见的答复已修改"
    client.force_login(resident)
    with translation.override("en"):
        page = client.get(_en("committees:my_opinions")).content.decode()
    assert "已于本周修好" in page
    assert "下周修" not in page
    assert "amended the answer on 23 Nov 2026 09:30" in page


@pytest.mark.parametrize(
    ("answered", "answer", "reason", "error"),
    [
        (False, "新答复", "原因", services.NOTHING_TO_AMEND),
        (True, "下周修", "原因", services.AMENDMENT_UNCHANGED),
        (True, "新答复", "  ", services.AMENDMENT_REASON_REQUIRED),
        (True, "  ", "原因", services.ANSWER_EMPTY),
        (True, "新答复", "原因", None),
    ],
)
def test_an_amendment_needs_an_answer_to_amend_a_new_text_and_a_reason(
    resident, staff, compound_a, answered, answer, reason, error
):
    given = _submit(resident, compound_a)
    if answered:
        given = services.consultation_answer(
            consultation=given, answer="下周修", answered_on=DAY, user=staff
        )
    call = {"consultation": given, "answer": answer, "reason": reason, "user": staff}
    if error is None:
        services.consultation_answer_amend(**call)
        given.refresh_from_db()
        assert given.answer == "新答复"
        return
    with pytest.raises(ValidationError) as refused:
        services.consultation_answer_amend(**call)
    assert refused.value.messages == [str(error)]
    given.refresh_from_db()
    assert given.answer == ("下周修" if answered else "")
    assert not given.amendments.exists()


def test_the_answer_page_of_an_answered_opinion_leads_to_the_amendment(
    client, resident, staff, compound_a
):
    # given
    given = _submit(resident, compound_a)
    services.consultation_answer(consultation=given, answer="下周修", answered_on=DAY, user=staff)
    client.force_login(staff)
    # when
    response = client.get(_en("committees:consultation_answer", given.pk))
    # then
    assert response.status_code == 302
    assert response["Location"] == _en("committees:consultation_amend", given.pk)


def test_a_stale_answer_page_is_refused_on_the_form(client, resident, staff, compound_a):
    # given: another clerk answered while this page was open at version 0
    given = _submit(resident, compound_a)
    services.consultation_answer(consultation=given, answer="甲的答复", answered_on=DAY, user=staff)
    client.force_login(staff)
    # when
    response = client.post(
        _en("committees:consultation_answer", given.pk),
        {"answer": "乙的答复", "answered_on": "2026-11-20", "version": "0"},
    )
    # then
    assert response.status_code == 400
    assert "Someone answered or amended this opinion" in response.content.decode()
    given.refresh_from_db()
    assert given.answer == "甲的答复"


def test_staff_amend_on_the_page_and_see_the_earlier_wordings(client, resident, staff, compound_a):
    # given
    given = _submit(resident, compound_a)
    services.consultation_answer(consultation=given, answer="下周修", answered_on=DAY, user=staff)
    client.force_login(staff)
    url = _en("committees:consultation_amend", given.pk)
    # when
    refused = client.post(url, {"answer": "已修好", "reason": "", "version": "1"})
    response = client.post(url, {"answer": "已修好", "reason": "提前完成", "version": "1"})
    # then
    assert refused.status_code == 400
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<del>下周修</del>" in page
    assert "提前完成" in page
    ledger = client.get(_en("committees:consultation_list")).content.decode()
    assert _en("committees:consultation_amend", given.pk) in ledger


def test_the_admin_cannot_delete_an_opinion(rf, compound_a):
    from django.contrib import admin

    from tests import factories

    site_admin = admin.site._registry[Consultation]
    request = rf.get("/")
    request.user = factories.UserFactory(is_superuser=True, is_staff=True)
    assert site_admin.has_delete_permission(request) is False


def test_an_overlong_topic_is_refused_not_cut(resident, compound_a):
    with pytest.raises(opinions.ValidationError) as refused:
        _submit(resident, compound_a, topic="题" * 101)
    assert "topic" in refused.value.error_dict
    assert not Consultation.objects.exists()


def test_the_form_offers_a_committee_members_own_compound_first(
    client, committee_member_a, compound_a, compound_b
):
    client.force_login(committee_member_a)
    form = client.get(_en("committees:opinion_create")).context["form"]
    assert form["compound"].value() == compound_a.pk


def test_the_form_offers_the_compound_a_resident_last_wrote_about(
    client, resident, compound_a, compound_b
):
    client.force_login(resident)
    assert client.get(_en("committees:opinion_create")).context["form"]["compound"].value() is None
    _submit(resident, compound_a, today=DAY - dt.timedelta(days=3))
    _submit(resident, compound_b, today=DAY - dt.timedelta(days=1))
    form = client.get(_en("committees:opinion_create")).context["form"]
    assert form["compound"].value() == compound_b.pk


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (0, "You may give 5 opinions a day; 5 left today."),
        (4, "You may give 5 opinions a day; 1 left today."),
        (5, "You have given 5 opinions today, the most in one day."),
    ],
)
def test_the_form_says_the_daily_limit_before_the_resident_writes(
    client, resident, compound_a, time_machine, given, shown
):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    for n in range(given):
        _submit(resident, compound_a, topic=f"第{n}条")
    client.force_login(resident)
    page = client.get(_en("committees:opinion_create")).content.decode()
    assert shown in page


def test_the_english_form_labels_are_capitalised(client, resident, compound_a):
    client.force_login(resident)
    response = client.get(_en("committees:opinion_create"))
    with translation.override("en"):
        labels = [str(field.label) for field in response.context["form"]]
    assert labels == ["Compound", "Topic", "Your opinion", "Photo (optional)"]


def test_a_property_companys_account_gives_no_residents_opinion(client, company_user_a, compound_b):
    client.force_login(company_user_a)
    assert client.get(reverse("committees:opinion_create")).url == reverse("today")
    data = {"compound": compound_b.pk, "topic": "对手", "opinion": "乙物业很差"}
    assert client.post(reverse("committees:opinion_create"), data).status_code == 302
    with pytest.raises(ValidationError):
        opinions.opinion_submit(user=company_user_a, compound=compound_b, topic="x", opinion="y")
    assert not Consultation.objects.exists()
    menu = client.get(reverse("today")).content.decode()
    assert reverse("committees:opinion_create") not in menu
