"""A property company is told where it stands: the appeal of a black listing shows on the
scorecard (and the appeals list links back to it, with dates); sending a reply, an appeal or a
rectification answer says what happens next; the answer page shows the deadline. Asserted on
the English pages, so the tests hold before the catalogs are compiled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation
from django.utils.formats import date_format

from scorecards import scoring
from scorecards.views_scoring import APPEAL_SENT, REPLY_SENT
from tests.campaigns.factories import photo_upload
from tests.scorecards.test_appeals import black_entry  # noqa: F401 (a fixture)
from tests.scorecards.test_company_forms_refused import world  # noqa: F401 (a fixture)
from tests.scorecards.test_reports_views import en_url
from tests.scorecards.test_scoring import MONTH, TODAY, inspect

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_card_shows_the_appeal_and_its_outcome(
    client,
    black_entry,  # noqa: F811
    company_user_a,
    company_user_b,
    staff,
):
    # given 甲's company appealed its black listing
    client.force_login(company_user_a)
    card_url = en_url("scoring_card", black_entry.scorecard_id)
    response = client.post(
        en_url("scoring_appeal_file", black_entry.pk), {"grounds": "The fire was not ours."}
    )
    assert response.status_code == 302
    assert _messages(response) == [str(APPEAL_SENT)]

    # then the card shows the appeal, pending, with its grounds and the day it was filed
    html = client.get(card_url).content.decode()
    assert 'data-figure="appeal"' in html
    assert "The fire was not ours." in html
    assert "Not decided yet" in html
    filed = timezone.localdate()
    with translation.override("en"):
        filed_text = date_format(filed, "SHORT_DATE_FORMAT")
    assert f"filed on {filed_text}" in html

    # when staff reject it with a reason
    appeal = black_entry.appeal
    scoring.appeal_decide(
        appeal=appeal, status="rejected", decision="Kept: see the log.", user=staff
    )

    # then the card and the appeals list show the decision; the list links to the card
    html = client.get(card_url).content.decode()
    assert "Kept: see the log." in html
    assert "Not decided yet" not in html
    assert "decided on" in html
    appeals = client.get(en_url("scoring_appeals")).content.decode()
    assert f'href="{card_url}"' in appeals
    assert "decided on" in appeals

    # and another company never sees the card (nor so the appeal)
    client.force_login(company_user_b)
    assert client.get(card_url).status_code == 404


def test_a_card_without_appeal_shows_none(client, black_entry, company_user_a):  # noqa: F811
    client.force_login(company_user_a)
    html = client.get(en_url("scoring_card", black_entry.scorecard_id)).content.decode()
    assert 'data-figure="appeal"' not in html


def test_a_reply_says_it_was_sent_and_what_happens_next(
    client, compound_a, compound_b, company_user_a, time_machine
):
    # given a draft scorecard of 甲 within the reply window
    time_machine.move_to(dt.datetime.combine(TODAY, dt.time(4), tzinfo=dt.UTC), tick=False)
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    scoring.draft_month(MONTH, today=TODAY)
    card = compound_a.scorecards.get(month=MONTH)
    client.force_login(company_user_a)

    # on a phone the reply date shows under the status (the last column is hidden there)
    row = _row(client.get(en_url("scoring_home")).content.decode(), card.pk)
    with translation.override("en"):
        until = date_format(card.reply_due_on, "SHORT_DATE_FORMAT")
    assert f'<div class="small text-muted d-md-none">Reply until {until}</div>' in row

    # when the company replies
    response = client.post(en_url("scoring_reply", card.pk), {"text": "Cleared that day."})

    # then it is told the reply was sent and that staff answer before publishing
    assert response.status_code == 302
    assert _messages(response) == [str(REPLY_SENT)]
    assert card.replies.get().text == "Cleared that day."


def test_the_answer_page_shows_the_deadline_and_the_answer_what_comes_next(
    client,
    world,  # noqa: F811
    company_user_a,
    time_machine,
):
    rect = world["rect"]
    client.force_login(company_user_a)
    url = en_url("rectification_answer", rect.pk)

    # before the deadline: the date, no "overdue"
    html = client.get(url).content.decode()
    assert 'data-figure="deadline"' in html
    with translation.override("en"):
        deadline = date_format(rect.deadline_on, "SHORT_DATE_FORMAT")
    assert deadline in html.split('data-figure="deadline"')[1].split("</p>")[0]
    assert "overdue" not in html.split('data-figure="deadline"')[1].split("</p>")[0]

    # after it: marked overdue
    later = dt.datetime.combine(rect.deadline_on + dt.timedelta(days=1), dt.time(4), dt.UTC)
    time_machine.move_to(later, tick=False)
    html = client.get(url).content.decode()
    assert "overdue" in html.split('data-figure="deadline"')[1].split("</p>")[0]

    # sending the answer says what happens next
    response = client.post(url, {"answer": "Cleared.", "photo": photo_upload()})
    assert response.status_code == 302
    assert _messages(response) == [
        "Your answer was sent: the community checks the work and then closes the item."
    ]


def _row(html: str, card_pk: int) -> str:
    """The table row of one card on "our scorecards"."""
    start = html.index(f'href="{en_url("scoring_card", card_pk)}"')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_our_scorecards_show_what_the_list_says_now_and_the_appeal(
    client,
    black_entry,  # noqa: F811
    company_user_a,
    staff,
):
    # given 甲 black-listed with a veto: the row says so
    client.force_login(company_user_a)
    row = _row(client.get(en_url("scoring_home")).content.decode(), black_entry.scorecard_id)
    assert "Black list" in row
    assert "veto" in row
    assert "appeal" not in row

    # when the company appeals, staff uphold it and correct the list to red without the veto
    appeal = scoring.appeal_file(entry=black_entry, grounds="Not ours.", user=company_user_a)
    appeal = scoring.appeal_decide(appeal=appeal, status="upheld", decision="Agreed.", user=staff)
    scoring.publish_correction(
        publication=black_entry.publication,
        changes={black_entry.pk: scoring.EntryChange(band="red", veto=False)},
        note="Appeal upheld.",
        user=staff,
        appeal=appeal,
    )

    # then the row shows the corrected band and the appeal's outcome, not the drafted black
    row = _row(client.get(en_url("scoring_home")).content.decode(), black_entry.scorecard_id)
    assert "Red list" in row
    assert "corrected" in row
    assert "Black list" not in row
    assert "veto" not in row
    assert "appeal: upheld" in row


def test_a_black_card_says_why_it_is_black(client, black_entry, company_user_a):  # noqa: F811
    # given 甲 is black for a veto item despite its score
    client.force_login(company_user_a)

    # when the company reads its card, then the reason is said in words
    html = client.get(en_url("scoring_card", black_entry.scorecard_id)).content.decode()
    assert '<p class="small" data-figure="band-reasons">A veto item applies</p>' in html


def test_a_red_card_gives_no_reason_line(client, black_entry, company_user_b):  # noqa: F811
    client.force_login(company_user_b)
    entry = black_entry.publication.entries.get(company__isnull=False, band="red")
    html = client.get(en_url("scoring_card", entry.scorecard_id)).content.decode()
    assert 'data-figure="band-reasons"' not in html
