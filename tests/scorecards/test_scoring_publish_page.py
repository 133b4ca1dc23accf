"""The publish page shows the companies' reply deadline and, while it is still open, asks for
an explicit "publish before the reply window closes"; publishing a list or a correction says
which edition of which month was published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from scorecards import scoring
from scorecards.models import Publication, Scorecard
from tests.scorecards.conftest import SCORING_STAFF_PAGE
from tests.scorecards.test_scoring import MONTH, TODAY, finding, inspect

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 10, 8)


@pytest.fixture
def drafts(community, compound_a, compound_b):
    for compound in (compound_a, compound_b):
        inspect(compound), inspect(compound)
    for code in ("cleanliness", "building_upkeep"):
        finding(compound_b, code, "15")
    finding(compound_b, "parking", "5")
    scoring.draft_month(MONTH, today=TODAY)
    # the last card's window decides: one closes earlier
    Scorecard.objects.filter(compound=compound_a).update(reply_due_on=DUE - dt.timedelta(3))
    Scorecard.objects.filter(compound=compound_b).update(reply_due_on=DUE)
    return community


def _url(community):
    with translation.override("en"):
        return reverse("scorecards:scoring_publish", args=[community.pk, "2026-09"])


def _on(time_machine, day):
    time_machine.move_to(timezone.make_aware(dt.datetime.combine(day, dt.time(9))), tick=False)


@pytest.mark.parametrize(
    ("today", "data", "published", "said"),
    [
        (DUE, {"confirm": "on"}, False, "The companies may reply until 8 Oct 2026"),
        (DUE, {"confirm": "on", "early": "on"}, True, None),
        (DUE + dt.timedelta(1), {"confirm": "on"}, True, None),
        (DUE + dt.timedelta(1), {}, False, "This field is required"),
    ],
)
def test_publishing_while_the_companies_may_still_reply(
    client, drafts, staff, time_machine, today, data, published, said
):
    _on(time_machine, today)
    client.force_login(staff)
    response = client.post(_url(drafts), data)
    assert response.status_code == (302 if published else 400)
    assert Publication.objects.exists() is published
    if said:
        assert said in response.content.decode()


@pytest.mark.parametrize(
    ("today", "shown", "early_asked"),
    [
        (DUE, "The companies may reply until 8 Oct 2026", True),
        (DUE + dt.timedelta(1), "The reply window closed on 8 Oct 2026.", False),
    ],
)
def test_the_page_shows_the_reply_deadline(
    client, drafts, staff, time_machine, today, shown, early_asked
):
    _on(time_machine, today)
    client.force_login(staff)
    page = client.get(_url(drafts)).content.decode()
    assert shown in page
    assert ('name="early"' in page) is early_asked


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_publishing_and_correcting_say_what_was_published(
    client, drafts, staff, compound_b, time_machine
):
    _on(time_machine, DUE + dt.timedelta(1))
    client.force_login(staff)
    response = client.post(_url(drafts), {"confirm": "on"})
    assert _messages(response) == ["Published the red/black list of September 2026 (edition 1)."]
    first = Publication.objects.get()
    data = {"note": "rescored"}
    for e in first.entries.all():
        data[f"band_{e.pk}"], data[f"score_{e.pk}"] = e.band, str(e.score)
    b = first.entries.get(compound=compound_b)
    data[f"band_{b.pk}"], data[f"score_{b.pk}"] = "none", "72"
    with translation.override("en"):
        url = reverse("scorecards:scoring_correct", args=[first.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    # (the first message was not shown: the redirect was not followed)
    assert _messages(response)[-1] == (
        "Published a correction of the September 2026 red/black list (edition 2)."
    )
    assert Publication.objects.get(sequence=2).entries.get(compound=compound_b).score == Decimal(72)


@pytest.mark.parametrize(("who", "status"), SCORING_STAFF_PAGE)
def test_the_publish_page_for_every_role(client, drafts, request, who, status):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(_url(drafts)).status_code == status


def test_a_month_with_no_drafts_says_so_at_once(client, community, staff):
    client.force_login(staff)
    response = client.get(_url(community))
    assert response.status_code == 302
    with translation.override("en"):
        [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "There are no draft scorecards of September 2026 to publish."
