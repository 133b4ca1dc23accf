"""Every mail the product sends, read as the person who receives it.

Each mail is triggered through the real service on small data (the locmem backend keeps it in
``mail.outbox``) and read the way its recipient would, once by a recipient who reads Chinese and
once by one who chose English (``reader``): a subject naming what it is about, the body in the
recipient's language, months and dates written as the pages write them, links absolute on the
site's address, in the recipient's language (``/en/`` for English) and opening for the recipient
signed in, no template syntax, no ``None``, no English left in the Chinese and no Chinese in the
English but the names and words people typed, and an HTML part (if ever one is sent) that says
what the text says. A recipient without an address
gets no mail, and the service goes on without error.

The mails (where from, to whom):
- ``scorecards.notices.drafts_ready``: the month's draft scorecards, to the company's users;
- ``scorecards.notices.list_published``: a red/black list or its correction, to the companies named;
- ``scorecards.notices.appeal_decided``: the outcome of an appeal, to the company;
- ``scorecards.notices.summons_recorded``: the record of talks, to the company;
- ``scorecards.notices.assessment_published``: the year's grade, to the company;
- ``scorecards.feedback.weekly_feedback_send``: the weekly feedback, to the company;
- ``committees.opinions.notify_answered``: an opinion answered or its answer amended, to the
  resident who gave it online;
- ``committees.services.committee_term_reminders_send``: a committee's term ending, to the
  community's staff;
- Django's password reset (``tongde/urls.py``), to the account asking.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from committees import services as committee_services
from committees.models import Committee, Consultation
from committees.opinions import opinion_submit
from compounds.accounts import account_language_set
from compounds.models import Community, Compound, PropertyCompany
from scorecards import assessments, feedback, scoring, summons
from scorecards.models import Agreement, WeeklyFeedback
from tests.committees.factories import CommitteeFactory
from tests.scorecards.test_inspections import finding_input, record
from tests.scorecards.test_public_data import publish, row
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect
from tongde.mail import user_language
from tongde.text import month_name

pytestmark = pytest.mark.django_db

SITE = "https://tongde.example"
URL = re.compile(r"https?://[^\s<>\"'）)，。]+")
# A month or a day written the way addresses and files write them, outside an address.
ISO_MONTH = re.compile(r"(?<![\d-])\d{4}-\d{2}(?![\d-])")
# A path without the site's address: a mail client has no page to resolve it against.
BARE_PATH = re.compile(r"(?:^|\s)/\w", re.MULTILINE)
TEMPLATE_SYNTAX = ("{{", "}}", "{%", "%}", "%(", ")s", "{#")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# English punctuation between Chinese words: a colon or comma followed by a space or a line's end
# (the pages write them through the "label separator" and "list separator" msgids).
ENGLISH_PUNCTUATION = re.compile(r"[:,](?=\s|$)", re.MULTILINE)
# Chinese characters and full-width punctuation, which an English mail holds only in what people
# typed: names from the registry and the texts below.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
TYPED = (
    "楼道堆物",
    "消防通道停车",
    "灭火器过期",
    "灭火器过期系误记，两项扣分重复记录。",
    "停车的是访客车辆。",
    "复核属实。",
    "王晓梅",
    "项目经理",
    "楼道堆物反复出现",
    "一周内清理",
    "全年履约良好。",
    "楼道灯不亮",
    "已报修。",
    "已更换灯具。",
    "甲小区业委会",
)


@pytest.fixture(params=["zh-hans", "en"])
def reader(request) -> str:
    """The language the recipients chose: each mail is read in both."""
    return request.param


def _month(day: dt.date, language: str) -> str:
    with translation.override(language):
        return month_name(day)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "tongde.example"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", URL.sub(" ", text))


def read_as_recipient(message, user, *, about: list[str], signed_in: bool = True, data=()) -> str:
    """Read ``message`` as ``user`` would, asserting everything a recipient may expect of it;
    returns the body. ``about``: names the subject must carry (compound, month, ...);
    ``signed_in``: whether the recipient follows the links signed in (a password link is
    followed by someone who cannot sign in); ``data``: what the recipient typed themselves (a
    login name), which may be in any script."""
    subject, body = message.subject, message.body
    assert message.to == [user.email]
    language = user_language(get_user_model().objects.get(pk=user.pk))
    typed = [
        *data,
        *TYPED,
        settings.SITE_NAME,
        *Compound.objects.values_list("name", flat=True),
        *PropertyCompany.objects.values_list("name", flat=True),
        *Community.objects.values_list("name", flat=True),
        *Committee.objects.values_list("name", flat=True),
    ]
    for name in about:
        assert name in subject, (name, subject)
    for text in (subject, body):
        assert text.strip()
        prose = URL.sub(" ", text)
        for value in data:
            prose = prose.replace(value, " ")
        assert not [mark for mark in TEMPLATE_SYNTAX if mark in prose], text
        assert "None" not in text, text
        assert not BARE_PATH.findall(prose), text
        assert not ISO_MONTH.findall(prose), (ISO_MONTH.findall(prose), text)
        if language == "en":
            # English, all of it but what people typed.
            corpus = "\n".join(typed)
            stray = [run for run in CHINESE.findall(prose) if run not in corpus]
            assert not stray, (stray, text)
            assert ENGLISH_WORD.findall(prose), text
        else:
            assert re.search(r"[\u4e00-\u9fff]", text), text
            assert not ENGLISH_WORD.findall(prose), (ENGLISH_WORD.findall(prose), text)
            assert not ENGLISH_PUNCTUATION.findall(prose), text
            # Chinese parentheses are full-width.
            assert not re.findall(r"\([^)]*[\u4e00-\u9fff]", prose), text
    # Links: absolute on the site's address, in the recipient's language, and open for them.
    links = URL.findall(body)
    assert links, body
    prefix = SITE + ("/en/" if language == "en" else "/")
    assert all(link.startswith(prefix) for link in links), (language, links)
    if language != "en":
        assert not [link for link in links if link.startswith(SITE + "/en/")], links
    client = Client()
    if signed_in:
        client.force_login(user)
    for link in links:
        assert link.startswith(SITE + "/"), link
        parts = urlsplit(link)
        response = client.get(
            f"{parts.path}?{parts.query}" if parts.query else parts.path, follow=True
        )
        assert response.status_code == 200, (link, response.status_code)
        landed = response.redirect_chain[-1][0] if response.redirect_chain else parts.path
        assert not landed.startswith(reverse("login")), (link, landed)
    translation.activate("zh-hans")  # a page opened in English leaves English active
    # An HTML part, if there is one, says what the text says.
    for content, mimetype in getattr(message, "alternatives", []):
        assert mimetype == "text/html"
        parser = _Text()
        parser.feed(content)
        assert _words(" ".join(parser.parts)) == _words(body)
    return body


def _with_email(user, address: str, language: str | None = None):
    user.email = address
    user.save()
    if language is not None:
        account_language_set(user=user, language=language)
    return user


@pytest.fixture
def company_a_user(company_user_a, reader):
    return _with_email(company_user_a, "a@example.org", reader)


@pytest.fixture
def company_b_user(company_user_b, reader):
    return _with_email(company_user_b, "b@example.org", reader)


def _to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def september(compound_a, compound_b):
    """A: 100 (red); B: black, with a veto."""
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15", description="楼道堆物")
    finding(compound_b, "parking", "5", description="消防通道停车")
    finding(compound_b, "fire_safety", "1", description="灭火器过期", veto="major_safety_accident")


# --- the scorecards ---------------------------------------------------------------------------


def test_drafts_ready(
    september,
    company_a_user,
    company_b_user,
    compound_b,
    reader,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)
    for user in (company_a_user, company_b_user):
        (message,) = _to(user)
        read_as_recipient(
            message, user, about=[_month(MONTH, reader), user.memberships.get().company.name]
        )
    (message,) = _to(company_b_user)
    assert compound_b.name in message.body


def test_list_published_and_its_correction(
    september,
    company_a_user,
    company_b_user,
    community,
    staff,
    compound_b,
    reader,
    django_capture_on_commit_callbacks,
):
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    for user in (company_a_user, company_b_user):
        (message,) = _to(user)
        read_as_recipient(message, user, about=[_month(MONTH, reader), community.name])
    entry_b = publication.entries.get(compound=compound_b)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scoring.publish_correction(
            publication=publication,
            changes={entry_b.pk: scoring.EntryChange(score=Decimal(72), band="none", veto=False)},
            note="灭火器过期系误记，两项扣分重复记录。",
            user=staff,
        )
    (message,) = _to(company_b_user)
    read_as_recipient(message, company_b_user, about=[_month(MONTH, reader), community.name])


@pytest.mark.parametrize("outcome", ["rejected", "upheld"])
def test_appeal_decided(
    september,
    company_b_user,
    community,
    staff,
    compound_b,
    outcome,
    reader,
    django_capture_on_commit_callbacks,
):
    scoring.draft_month(MONTH, today=TODAY, notify=False)
    publication = scoring.publish_month(community=community, month=MONTH, user=staff, notify=False)
    entry = publication.entries.get(compound=compound_b)
    appeal = scoring.appeal_file(entry=entry, grounds="停车的是访客车辆。", user=company_b_user)
    with django_capture_on_commit_callbacks(execute=True):
        scoring.appeal_decide(appeal=appeal, status=outcome, decision="复核属实。", user=staff)
    (message,) = _to(company_b_user)
    read_as_recipient(message, company_b_user, about=[compound_b.name, _month(MONTH, reader)])


def test_summons_recorded(company_a_user, compound_a, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summons.summons_record(
            compound=compound_a,
            held_on=dt.date(2024, 11, 15),
            staff_present="王晓梅",
            company_present="项目经理",
            issues="楼道堆物反复出现",
            undertakings="一周内清理",
            measures_due_on=dt.date(2024, 11, 22),
            closer_until=dt.date(2024, 12, 31),
            user=staff,
            today=dt.date(2024, 11, 20),
        )
    (message,) = _to(company_a_user)
    read_as_recipient(message, company_a_user, about=[compound_a.name])


def test_assessment_published(
    company_a_user, community, compound_a, company_a, staff, django_capture_on_commit_callbacks
):
    agreement = Agreement.objects.create(compound=compound_a, company=company_a, year=2024)
    for m in range(1, 13):
        publish(community, dt.date(2024, m, 1), [row(compound_a, 92, "red", rank=1)])
    with django_capture_on_commit_callbacks(execute=True):
        assessments.assessment_publish(
            agreement=agreement,
            grade="excellent",
            conclusion="全年履约良好。",
            user=staff,
            today=dt.date(2025, 1, 10),
        )
    (message,) = _to(company_a_user)
    read_as_recipient(message, company_a_user, about=[compound_a.name, "2024"])


def test_weekly_feedback(company_a_user, compound_a, company_a, staff):
    record(
        compound_a,
        staff,
        finding_input(compound_a.community, deadline_on=dt.date(2026, 3, 12)),
        day=dt.date(2026, 3, 10),
        today=dt.date(2026, 3, 10),
    )
    assert feedback.weekly_feedback_send(dt.date(2026, 3, 9))["sent"] == 1
    (message,) = _to(company_a_user)
    read_as_recipient(message, company_a_user, about=[company_a.name])
    # The mail leads to the feedback's own page, so staff see that the company read it.
    assert WeeklyFeedback.objects.get().read_at is not None


# --- the committees ---------------------------------------------------------------------------


@pytest.mark.parametrize("amended", [False, True])
def test_opinion_answered_or_amended(
    resident, staff, compound_a, amended, reader, django_capture_on_commit_callbacks
):
    _with_email(resident, "zhang@example.org", reader)
    given = opinion_submit(
        user=resident,
        compound=compound_a,
        topic="楼道灯不亮",
        opinion="3号楼楼道灯坏了两周。",
        today=dt.date(2026, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        answered = committee_services.consultation_answer(
            consultation=given, answer="已报修。", answered_on=dt.date(2026, 11, 21), user=staff
        )
    if amended:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            committee_services.consultation_answer_amend(
                consultation=Consultation.objects.get(pk=answered.pk),
                answer="已更换灯具。",
                reason="补充处理结果",
                user=staff,
            )
    (message,) = _to(resident)
    read_as_recipient(message, resident, about=[compound_a.name])


def test_committee_term_reminder(compound_a, staff, reader):
    _with_email(staff, "staff@tongde.example", reader)
    committee = CommitteeFactory(
        compound=compound_a,
        name="甲小区业委会",
        term_starts_on=dt.date(2021, 12, 1),
        term_ends_on=dt.date(2026, 12, 31),
    )
    assert committee_services.committee_term_reminders_send(today=dt.date(2026, 11, 27)) == 1
    (message,) = _to(staff)
    read_as_recipient(message, staff, about=[committee.name])


# --- the accounts -----------------------------------------------------------------------------


def test_password_reset(resident, reader):
    _with_email(resident, "zhang@example.org", reader)
    Client().post(reverse("password_reset"), {"email": "zhang@example.org"})
    (message,) = _to(resident)
    read_as_recipient(
        message, resident, about=[settings.SITE_NAME], signed_in=False, data=[resident.username]
    )
    # The link still works once followed (the reader's check above did not spend it).
    response = Client().get(urlsplit(URL.findall(message.body)[0]).path, follow=True)
    assert response.context["validlink"]


# --- no address, no mail ----------------------------------------------------------------------


def test_recipients_without_an_address_get_nothing_and_nothing_fails(
    september,
    company_user_a,
    company_user_b,
    community,
    compound_a,
    compound_b,
    company_a,
    resident,
    staff,
    django_capture_on_commit_callbacks,
):
    # given: nobody has an address
    assert not any(u.email for u in (company_user_a, company_user_b, resident, staff))
    # (recorded before September is published: a published month takes no older inspection)
    record(compound_a, staff, day=dt.date(2026, 3, 10), today=dt.date(2026, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        scoring.draft_month(MONTH, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        publication = scoring.publish_month(community=community, month=MONTH, user=staff)
    entry = publication.entries.get(compound=compound_b)
    appeal = scoring.appeal_file(entry=entry, grounds="访客车辆。", user=company_user_b)
    with django_capture_on_commit_callbacks(execute=True):
        scoring.appeal_decide(appeal=appeal, status="rejected", decision="不属实。", user=staff)
    with django_capture_on_commit_callbacks(execute=True):
        summons.summons_record(
            compound=compound_a,
            held_on=dt.date(2024, 11, 15),
            staff_present="王晓梅",
            company_present="项目经理",
            issues="楼道堆物",
            undertakings="一周内清理",
            user=staff,
            today=dt.date(2024, 11, 20),
        )
    assert feedback.weekly_feedback_send(dt.date(2026, 3, 9)) == {"built": 1, "sent": 0}
    given = opinion_submit(
        user=resident,
        compound=compound_a,
        topic="灯",
        opinion="灯坏了。",
        today=dt.date(2026, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        committee_services.consultation_answer(
            consultation=given, answer="已报修。", answered_on=dt.date(2026, 11, 21), user=staff
        )
    CommitteeFactory(compound=compound_a, term_ends_on=dt.date(2026, 12, 31))
    assert committee_services.committee_term_reminders_send(today=dt.date(2026, 11, 27)) == 0
    response = Client().post(reverse("password_reset"), {"email": ""})
    assert response.status_code == 200  # the form asks for an address; nobody is mailed
    # then
    assert mail.outbox == []
    assert Committee.objects.filter(term_reminder_sent_on__isnull=True).exists()
