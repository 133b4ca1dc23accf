"""Summons for talks (约谈): what a record must say, closer inspection and its shortfall at every
boundary, the black listings still awaiting talks, the public badge, and who may see what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scorecards import summons as services
from scorecards.models import Inspection, Summons
from tests import factories
from tests.scorecards.test_public_data import publish, row

OCTOBER = dt.date(2024, 10, 1)
TODAY = dt.date(2024, 11, 20)


@pytest.fixture
def black(community, compound_a, compound_b):
    """October's list: 甲 black, 乙 red."""
    publication = publish(
        community,
        OCTOBER,
        [row(compound_a, "62", "black", rank=2), row(compound_b, "93", "red", rank=1)],
    )
    return publication.entries.get(compound=compound_a)


def record(compound, staff, **kwargs):
    values = {
        "held_on": dt.date(2024, 11, 15),
        "staff_present": "王晓梅",
        "company_present": "项目经理",
        "issues": "楼道堆物反复出现",
        "undertakings": "一周内清理",
        "today": TODAY,
        **kwargs,
    }
    return services.summons_record(compound=compound, user=staff, **values)


def test_talks_about_a_black_listing_name_the_serving_company(black, compound_a, company_a, staff):
    summons = record(compound_a, staff, entry=black, closer_until=dt.date(2024, 12, 31))
    assert (summons.company, summons.community_id) == (company_a, compound_a.community_id)
    assert summons.inspections_per_month == 4


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"held_on": dt.date(2024, 11, 21)}, "held_on", services.FUTURE_TALKS),
        ({"closer_until": dt.date(2024, 11, 14)}, "closer_until", services.CLOSER_BEFORE),
        ({"measures_due_on": dt.date(2024, 11, 14)}, "measures_due_on", services.MEASURES_BEFORE),
        ({"staff_present": "  "}, "staff_present", None),
        ({"inspections_per_month": 0}, "inspections_per_month", None),
    ],
)
def test_bad_talks_are_refused_and_nothing_is_saved(compound_a, staff, values, field, message):
    with pytest.raises(ValidationError) as exc:
        record(compound_a, staff, **values)
    assert field in exc.value.message_dict
    if message is not None:
        assert exc.value.message_dict[field] == [message]
    assert not Summons.objects.exists()


def test_the_listing_must_be_a_black_one_of_the_compound(
    black, community, compound_a, compound_b, staff
):
    red = black.publication.entries.get(compound=compound_b)
    for compound, entry in ((compound_b, red), (compound_b, black)):
        with pytest.raises(ValidationError) as exc:
            record(compound, staff, entry=entry)
        assert exc.value.message_dict["entry"] == [services.NOT_BLACK]
    assert not Summons.objects.exists()


def test_talks_need_a_serving_company(community, staff):
    unserved = factories.CompoundFactory(community=community, code="u")
    with pytest.raises(ValidationError) as exc:
        record(unserved, staff)
    assert exc.value.message_dict["held_on"] == [services.NOT_SERVED]


def test_a_withdrawal_needs_a_reason_and_keeps_the_record(compound_a, staff):
    summons = record(compound_a, staff)
    with pytest.raises(ValidationError):
        services.summons_withdraw(summons=summons, reason=" ", user=staff)
    services.summons_withdraw(summons=summons, reason="录入重复", user=staff)
    summons.refresh_from_db()
    assert (summons.is_withdrawn, summons.withdrawn_reason) == (True, "录入重复")
    assert summons.history.first().history_change_reason == "录入重复"
    with pytest.raises(ValidationError) as exc:
        services.summons_withdraw(summons=summons, reason="again", user=staff)
    assert exc.value.code == "withdrawn"


# --- Closer inspection and the to-do ------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "until", "today", "short"),
    [
        (3, dt.date(2024, 12, 31), TODAY, True),  # 3 of 4
        (4, dt.date(2024, 12, 31), TODAY, False),  # exactly as agreed
        (0, TODAY, TODAY, True),  # the last day still counts
        (0, TODAY - dt.timedelta(days=1), TODAY, False),  # over
        (0, dt.date(2024, 12, 31), dt.date(2024, 11, 14), False),  # before the talks
    ],
)
def test_closer_inspection_shortfall(community, compound_a, staff, done, until, today, short):
    record(compound_a, staff, closer_until=until)
    for day in range(1, done + 1):
        Inspection.objects.create(
            compound=compound_a, inspected_on=dt.date(2024, 11, day), inspector=staff
        )
    # Last month's and withdrawn inspections do not count.
    Inspection.objects.create(
        compound=compound_a, inspected_on=dt.date(2024, 10, 30), inspector=staff
    )
    Inspection.objects.create(
        compound=compound_a, inspected_on=dt.date(2024, 11, 2), inspector=staff, is_withdrawn=True
    )
    found = services.closer_inspection_short([community], today)
    assert bool(found) is short
    if short:
        assert (found[0].compound, found[0].wanted, found[0].done) == (compound_a, 4, done)


def test_black_listings_awaiting_talks(community, compound_a, black, staff):
    assert list(services.black_without_summons([community], TODAY)) == [black]
    summons = record(compound_a, staff, entry=black)
    assert not services.black_without_summons([community], TODAY).exists()
    services.summons_withdraw(summons=summons, reason="录错", user=staff)
    assert services.black_without_summons([community], TODAY).exists()
    # Three months on, the listing no longer waits.
    assert not services.black_without_summons([community], dt.date(2025, 2, 1)).exists()


def test_a_correction_keeps_the_talks_about_the_edition_it_corrects(
    community, compound_a, compound_b, black, staff
):
    record(compound_a, staff, entry=black)
    corrected = publish(
        community,
        OCTOBER,
        [row(compound_a, "60", "black", rank=2), row(compound_b, "93", "red", rank=1)],
        sequence=2,
        correction_of=black.publication,
        note="更正",
    )
    assert not services.black_without_summons([community], TODAY).exists()
    entry = corrected.entries.get(compound=compound_a)
    assert services.summoned_on([entry]) == {entry.pk: dt.date(2024, 11, 15)}


def test_the_to_do_pages_count_both(community, compound_a, black, staff, grid_worker):
    from tongde.attention import tasks_for

    record(compound_a, staff, closer_until=dt.date(2024, 12, 31))

    def counts(user) -> dict[str, int]:
        return {str(t.label): t.count for t in tasks_for(user, TODAY)}

    staff_counts = counts(staff)
    assert staff_counts["待约谈的黑榜记录"] == 1
    assert staff_counts["加密检查、本月检查次数不足的小区"] == 1
    grid_counts = counts(grid_worker)
    assert "待约谈的黑榜记录" not in grid_counts  # grid workers do not summon
    assert grid_counts["加密检查、本月检查次数不足的小区"] == 1


# --- Pages ---------------------------------------------------------------------------------------


def test_the_public_list_says_the_company_was_summoned(
    client, community, compound_a, black, staff, django_capture_on_commit_callbacks
):
    url = reverse("scorecards:public_month", args=[community.slug, "2024-10"])
    assert "约谈物业" not in client.get(url).content.decode()  # rendered and cached
    with django_capture_on_commit_callbacks(execute=True):
        record(compound_a, staff, entry=black)
    assert "已约谈物业（2024-11-15）" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("who", "list_status", "create_status"),
    [
        (None, 302, 302),
        ("resident", 403, 403),
        ("committee_member_a", 403, 403),
        ("company_user_a", 200, 403),
        ("grid_worker", 200, 403),
        ("staff", 200, 200),
    ],
)
def test_who_may_open_the_pages(
    client, request, compound_a, staff, who, list_status, create_status
):
    summons = record(compound_a, staff)
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("scorecards:summons_list")).status_code == list_status
    detail = client.get(reverse("scorecards:summons_detail", args=[summons.pk]))
    assert detail.status_code == list_status
    assert client.get(reverse("scorecards:summons_create")).status_code == create_status
    withdraw = reverse("scorecards:summons_withdraw", args=[summons.pk])
    assert client.get(withdraw).status_code == create_status
    assert client.post(withdraw, {"reason": "录入重复"}).status_code in (create_status, 302)
    summons.refresh_from_db()
    assert summons.is_withdrawn is (who == "staff")


def test_another_company_or_community_gets_404(
    client, community, other_community, compound_a, staff, company_user_b
):
    summons = record(compound_a, staff)
    detail = reverse("scorecards:summons_detail", args=[summons.pk])
    withdraw = reverse("scorecards:summons_withdraw", args=[summons.pk])
    client.force_login(company_user_b)
    assert client.get(detail).status_code == 404
    client.force_login(factories.membership_user("staff", community=other_community))
    assert client.get(detail).status_code == 404
    assert client.post(withdraw, {"reason": "x"}).status_code == 404
    summons.refresh_from_db()
    assert not summons.is_withdrawn


def test_staff_record_talks_from_a_black_listing(client, compound_a, black, staff, time_machine):
    time_machine.move_to(dt.datetime(2024, 11, 20, 10, tzinfo=dt.UTC))
    client.force_login(staff)
    url = reverse("scorecards:summons_create") + f"?entry={black.pk}"
    page = client.get(url).content.decode()
    assert "甲小区" in page
    data = {
        "held_on": "2024-11-18",
        "staff_present": "王晓梅",
        "company_present": "项目经理",
        "issues": "黑榜问题",
        "undertakings": "限期整改",
        "closer_until": "2024-12-31",
        "inspections_per_month": "4",
    }
    assert client.post(url, {**data, "closer_until": "2024-11-01"}).status_code == 400
    assert not Summons.objects.exists()
    assert client.post(url, data).status_code == 302
    summons = Summons.objects.get()
    assert (summons.entry, summons.compound) == (black, compound_a)
    other = factories.CommunityFactory(slug="x2")
    elsewhere = factories.CompoundFactory(community=other, code="x2")
    factories.ServiceContractFactory(compound=elsewhere)
    foreign = publish(other, OCTOBER, [row(elsewhere, "50", "black")]).entries.get()
    assert (
        client.get(reverse("scorecards:summons_create") + f"?entry={foreign.pk}").status_code == 403
    )


def test_the_list_costs_the_same_queries_at_two_sizes(client, community, company_a, staff):
    client.force_login(staff)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            compound = factories.CompoundFactory(community=community, code=f"s{i}")
            factories.ServiceContractFactory(compound=compound, company=company_a)
            record(compound, staff, closer_until=dt.date(2030, 1, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("scorecards:summons_list")).status_code == 200
        return len(ctx.captured_queries)

    add(2, 0)
    small = queries()
    add(20, 2)
    assert queries() == small


def test_talks_about_one_compound_do_not_answer_another_in_the_same_list(
    community, compound_a, compound_b, black, staff
):
    # 乙 is black too in a corrected October; talks were held about 甲 only.
    record(compound_a, staff, entry=black)
    corrected = publish(
        community,
        OCTOBER,
        [row(compound_a, "60", "black", rank=2), row(compound_b, "65", "black", rank=1)],
        sequence=2,
        correction_of=black.publication,
        note="乙小区重新评分",
    )
    waiting = list(services.black_without_summons([community], TODAY))
    assert waiting == [corrected.entries.get(compound=compound_b)]


@pytest.mark.parametrize("entry", ["²", "abc", "-1", "1.5"])
def test_an_entry_that_is_no_id_is_404(client, staff, entry):
    client.force_login(staff)
    response = client.get(reverse("scorecards:summons_create"), {"entry": entry})
    assert response.status_code == 404


def _tabs(html: str) -> tuple[list[str], list[str]]:
    """The scoring tab bar: every tab's link, and the link of the active one."""
    nav = re.search(r'data-figure="scoring-nav">(.*?)</ul>', html, re.S)
    assert nav, "no scoring tab bar"
    links = re.findall(r'<a class="([^"]*)"[^>]*href="([^"]+)"', nav.group(1))
    return [href for _c, href in links], [href for c, href in links if "active" in c.split()]


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("staff", ["scoring_home", "scoring_appeals", "summons_list"], []),
        ("company_user_a", ["scoring_home", "scoring_appeals", "summons_list"], []),
        ("grid_worker", ["summons_list"], ["scoring_home", "scoring_appeals"]),
    ],
)
def test_the_summonses_page_has_the_scoring_tabs_with_its_own_active(
    client, request, who, shown, hidden
):
    client.force_login(request.getfixturevalue(who))
    tabs, active = _tabs(client.get(reverse("scorecards:summons_list")).content.decode())
    assert active == [reverse("scorecards:summons_list")]
    for name in shown:
        assert reverse(f"scorecards:{name}") in tabs
    for name in hidden:  # pages the reader may not open are not offered
        assert reverse(f"scorecards:{name}") not in tabs


@pytest.mark.parametrize(
    ("page", "tab"), [("scoring_home", "scoring_home"), ("scoring_appeals", "scoring_appeals")]
)
def test_the_other_scoring_pages_mark_their_own_tab(client, company_user_a, page, tab):
    client.force_login(company_user_a)
    _tabs_found, active = _tabs(client.get(reverse(f"scorecards:{page}")).content.decode())
    assert active == [reverse(f"scorecards:{tab}")]
