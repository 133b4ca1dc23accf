"""The problem list on a phone (375 px): one card per problem, the description as wide as the
card instead of a column one character wide, the company and deadline labelled, and nothing wider
than the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns import patrols
from compounds.models import Compound
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.helpers import fits_phone, log_in, staff_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 375, "height": 812}}

# Each description cell's width against the screen's, and whether the deadline cell shows its
# label (the card layout's ::before).
MEASURE = """() => {
  const cells = [...document.querySelectorAll("td[data-description]")];
  const deadline = document.querySelector("td[data-label]:last-child");
  return {
    widths: cells.map(c => c.getBoundingClientRect().width / window.innerWidth),
    label: deadline ? getComputedStyle(deadline, "::before").content : "",
  };
}"""


@pytest.fixture
def problems():
    community = factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")
    courtyard = factories.CompoundFactory(
        community=community, name="西环北路楼院14号", code="x14", kind=Compound.Kind.COURTYARD
    )
    staff = staff_account("wang", community, first_name="王晓梅")
    grid = factories.GridFactory(community=community, name="西环北路南片网格", worker=staff)
    today = timezone.localdate()
    patrols.patrol_log(
        grid=grid,
        patrolled_on=today - dt.timedelta(days=2),
        route="西环北路楼院14号东门至3号楼",
        user=staff,
        problems=[
            patrols.ProblemInput(
                compound=courtyard,
                description="3号楼2单元楼道堆放纸箱和旧家具，堵塞安全通道，多次劝说未清理",
                fixed_on_spot=False,
            ),
            patrols.ProblemInput(
                compound=courtyard,
                description="5号楼北侧私拉电线给电动车充电（飞线充电），存在火灾隐患",
                fixed_on_spot=False,
                deadline_on=today,
            ),
        ],
    )
    return staff


def test_the_problem_list_is_one_card_per_problem_on_a_phone(live_server, browser, step, problems):
    # given
    context = browser.new_context(**NARROW, base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "wang")
        # when
        with step(page, "problems-phone"):
            page.goto(f"{live_server.url}/campaigns/problems/")
            measured = page.evaluate(MEASURE)
            # then: no sideways scroll, descriptions readable, the deadline says what it is
            fits_phone(page)
            assert len(measured["widths"]) == 2
            assert all(w >= 0.4 for w in measured["widths"]), measured
            assert measured["label"] not in ("", "none", "normal"), measured
            assert page.locator("[data-countdown='0']").is_visible()
    finally:
        context.close()
