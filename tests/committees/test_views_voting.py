"""Voting pages: permissions per role, online voting with codes and its rate limit, paper entry,
import, tally pages, public results, and the secrecy of the ballot on every public page."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from committees import voting
from committees.models import Ballot, Election, RollEntry
from compounds.models import Dwelling, Owner
from tests import factories
from tests.committees.factories import CommitteeFactory, ElectionFactory
from tests.committees.test_voting import NOW, build_compound, voting_election

CODE_RE = re.compile(r"\b[3-9A-HJ-NP-Y]{5}-[3-9A-HJ-NP-Y]{5}\b")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dwellings(compound_a):
    return build_compound(compound_a)


@pytest.fixture
def election(compound_a, dwellings, staff):
    return voting_election(compound_a, staff)


@pytest.fixture
def tallied(election, dwellings, staff):
    for dwelling, choices in zip(dwellings[:4], [["甲"], ["甲"], ["乙"], []], strict=True):
        voting.ballot_cast(
            election=election,
            roll_entry=RollEntry.objects.get(election=election, dwelling=dwelling),
            choices=choices,
            channel="on_site",
            now=NOW,
        )
    Election.objects.filter(pk=election.pk).update(stage=Election.Stage.TALLY)
    election.refresh_from_db()
    voting.election_tally(election=election, user=staff)
    election.refresh_from_db()
    return election


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- permissions ------------------------------------------------------------------------------

READ = ["voting_detail", "voting_tracker", "tally_detail", "tally_sheet"]
BALLOTS = ["ballot_list"]
WRITE = ["voting_codes", "ballot_entry", "ballot_import", "ballot_dwelling_search"]
EXPECTED = {
    #  role:          (read, ballot list, write)
    "anonymous": (302, 302, 302),
    "resident": (403, 403, 403),
    "company_user_a": (404, 404, 404),
    "company_user_b": (404, 404, 404),
    "other_staff": (404, 404, 404),
    "committee_member_a": (200, 403, 403),
    "grid_worker": (200, 200, 403),
    "staff": (200, 200, 200),
    "superuser": (200, 200, 200),
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("name", READ + BALLOTS + WRITE)
def test_every_staff_page_for_every_role(client, request, tallied, role, name):
    # given (the tallied election also serves the write pages: they answer GET in any stage)
    user = None if role == "anonymous" else request.getfixturevalue(role)
    login(client, user)
    read, ballots, write = EXPECTED[role]
    expected = read if name in READ else ballots if name in BALLOTS else write

    # when
    response = client.get(reverse(f"committees:{name}", args=[tallied.pk]))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize("name", ["vote", "receipt_check", "result_list"])
def test_public_pages_need_no_login(client, election, name):
    assert client.get(reverse(f"committees:{name}")).status_code == 200


def test_result_page_only_once_tallied(client, election):
    assert client.get(reverse("committees:result_detail", args=[election.pk])).status_code == 404


def test_tally_sheet_only_once_tallied(client, staff, election):
    login(client, staff)
    assert client.get(reverse("committees:tally_sheet", args=[election.pk])).status_code == 404


def test_staff_post_pages_refuse_grid_workers(client, grid_worker, election):
    login(client, grid_worker)
    for name in ("voting_codes", "ballot_entry"):
        response = client.post(reverse(f"committees:{name}", args=[election.pk]))
        assert response.status_code == 403
    assert not RollEntry.objects.exclude(voting_code_hash="").exists()


# --- voting codes -----------------------------------------------------------------------------


def test_codes_are_shown_once_right_after_issuing(client, staff, election):
    # given
    login(client, staff)

    # when
    response = client.post(reverse("committees:voting_codes", args=[election.pk]))

    # then five codes are printed, and the page may not be cached
    codes = set(CODE_RE.findall(response.content.decode()))
    assert len(codes) == 5
    assert "no-store" in response["Cache-Control"]
    assert all(voting.voting_code_entry(election=election, code=c) for c in codes)

    # and no later page shows them again
    for url in (
        reverse("committees:voting_codes", args=[election.pk]),
        reverse("committees:voting_detail", args=[election.pk]),
    ):
        assert not codes & set(CODE_RE.findall(client.get(url).content.decode()))


# --- online voting ----------------------------------------------------------------------------


def post_code(client, election, code, ip="203.0.113.7"):
    return client.post(
        reverse("committees:vote"),
        {"step": "code", "election": election.pk, "code": code},
        REMOTE_ADDR=ip,
    )


def post_ballot(client, election, code, choices, ip="203.0.113.7", **button):
    """The ballot as sent by the review's "cast" button (``confirm="yes"``), unless another
    button is named (``confirm=""`` for the ballot's own "next" button)."""
    button = {"confirm": "yes", **button}
    return client.post(
        reverse("committees:vote"),
        {"step": "ballot", "election": election.pk, "code": code, "choices": choices, **button},
        REMOTE_ADDR=ip,
    )


def test_the_ballot_is_read_back_before_it_is_cast(client, staff, election):
    # given a code entered and two candidates ticked
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    post_code(client, election, code)

    # when the ballot's button is pressed
    response = post_ballot(client, election, code, ["乙", "甲"], confirm="")

    # then nothing is cast yet: the choices are read back, in ballot order, with both buttons
    page = response.content.decode()
    assert response.status_code == 200
    assert not Ballot.objects.exists()
    review = page[page.index('id="review"') :]
    assert review.index("甲") < review.index("乙")
    assert "丙" not in review[: review.index("</div>")]
    assert 'name="confirm" value="yes"' in page
    assert 'name="change" value="yes"' in page
    assert page.count('name="choices"') == 2

    # and the review's cast button casts exactly what was read back
    post_ballot(client, election, code, ["甲", "乙"])
    assert Ballot.objects.get().choices == ["甲", "乙"]


def test_a_blank_ballot_is_named_before_it_is_cast(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    with translation.override("en"):
        page = post_ballot(client, election, code, [], confirm="").content.decode()
    assert "this is a blank ballot" in page
    assert not Ballot.objects.exists()


def test_change_goes_back_to_the_ballot_with_the_ticks_kept(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    page = post_ballot(client, election, code, ["乙"], confirm="", change="yes").content.decode()
    assert 'id="review"' not in page
    assert re.search(r'<input[^>]*value="乙"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="甲"[^>]*checked', page)
    assert not Ballot.objects.exists()


def test_a_motion_vote_is_read_back_in_words(client, staff, compound_a, dwellings):
    motion = voting_election(compound_a, staff, motion=True)
    code = voting.voting_codes_issue(election=motion, user=staff)[0][1]
    page = post_ballot(client, motion, code, "no", confirm="").content.decode()
    review = page[page.index('id="review"') :]
    with translation.override("zh-hans"):
        said = translation.gettext("no")
    assert said != "no"
    assert f">{said}</strong>" in review
    assert not Ballot.objects.exists()


def test_too_many_choices_are_refused_before_the_review(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    page = post_ballot(client, election, code, ["甲", "乙", "丙"], confirm="").content.decode()
    assert 'id="review"' not in page
    assert str(voting.TOO_MANY_CHOICES % {"count": 3, "seats": 2}) in page


def test_a_resident_votes_with_a_code_once(client, staff, election):
    # given
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]

    # when the code is entered, the ballot shows the qualified candidates only
    page = post_code(client, election, code).content.decode()
    assert "甲" in page
    assert "丙" in page
    assert "未审" not in page

    # and the ballot is cast
    response = post_ballot(client, election, code, ["甲", "乙"])

    # then the receipt is shown and the ballot stored
    ballot = Ballot.objects.get()
    assert ballot.receipt_code in response.content.decode()
    assert ballot.choices == ["甲", "乙"]
    assert ballot.channel == Ballot.Channel.ONLINE

    # and the code cannot vote again
    again = post_code(client, election, code)
    assert str(voting.CODE_USED) in again.content.decode()
    post_ballot(client, election, code, ["丙"])
    assert Ballot.objects.count() == 1


def test_too_many_choices_online_are_refused_and_the_code_stays_usable(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    response = post_ballot(client, election, code, ["甲", "乙", "丙"])
    assert response.status_code == 200
    assert not Ballot.objects.exists()
    assert post_ballot(client, election, code, ["甲"]).status_code == 200
    assert Ballot.objects.count() == 1


def test_code_entry_is_rate_limited_per_address_and_election(client, settings, staff, election):
    # given at most 3 wrong codes per 60 s
    settings.COMMITTEE_RULES = {
        **settings.COMMITTEE_RULES,
        "code_attempts": 3,
        "code_window_seconds": 60,
    }
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]

    # when three wrong codes come from one address
    for wrong in ("AAAAA-AAAAA", "BBBBB-BBBBB", "CCCCC-CCCCC"):
        assert post_code(client, election, wrong).status_code == 200

    # then even the right code is refused from that address, with a clear message
    refused = post_code(client, election, code)
    assert refused.status_code == 429
    assert str(voting.CODE_RATE_LIMITED % {"minutes": 1}) in refused.content.decode()
    assert post_ballot(client, election, code, ["甲"]).status_code == 429
    assert not Ballot.objects.exists()

    # but another address is not blocked
    assert "甲" in post_code(client, election, code, ip="198.51.100.9").content.decode()

    # and once the window has passed, the first address may try again
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        again = post_code(client, election, code)
    assert again.status_code == 200
    assert 'name="step" value="ballot"' in again.content.decode()


def test_right_codes_do_not_use_up_the_budget(client, settings, staff, election):
    settings.COMMITTEE_RULES = {**settings.COMMITTEE_RULES, "code_attempts": 2}
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    for _ in range(5):
        assert post_code(client, election, code).status_code == 200


def test_receipt_check_says_counted_without_choices_or_dwelling(client, election, dwellings):
    # given
    ballot = voting.ballot_cast(
        election=election,
        roll_entry=RollEntry.objects.get(election=election, dwelling=dwellings[0]),
        choices=["乙"],
        channel="on_site",
        now=NOW,
    )

    # when
    page = client.post(reverse("committees:receipt_check"), {"code": ballot.receipt_code})

    # then
    html = page.content.decode()
    assert election.title in html
    assert "乙" not in html
    assert dwellings[0].code not in html
    missing = client.post(reverse("committees:receipt_check"), {"code": "AAAA-AAAA-AAAA"})
    assert election.title not in missing.content.decode()


# --- paper ballots ----------------------------------------------------------------------------


def test_staff_enter_paper_ballots_one_by_one(client, staff, election):
    # given
    login(client, staff)
    url = reverse("committees:ballot_entry", args=[election.pk])

    # when
    first = client.post(url, {"dwelling": "101", "choices": ["甲"], "channel": "door_to_door"})
    second = client.post(url, {"dwelling": "101", "choices": ["乙"], "channel": "on_site"})

    # then
    assert first.status_code == 302
    assert second.status_code == 200
    assert str(voting.ALREADY_VOTED) in second.content.decode()
    ballot = Ballot.objects.get()
    assert (ballot.choices, ballot.entered_by) == (["甲"], staff)


def test_dwelling_search_finds_the_roll(client, staff, election):
    login(client, staff)
    url = reverse("committees:ballot_dwelling_search", args=[election.pk])
    html = client.get(url, {"dwelling": "10"}).content.decode()
    assert "1/" in html
    assert "101" in html
    assert "105" in html


@pytest.mark.parametrize(
    "typed", ["１０２", "\u3000１０２\u3000", "１／{unit}／１０２", "1/{unit}/１０２"]
)
def test_staff_may_type_the_dwelling_in_full_width(client, staff, election, dwellings, typed):
    # given a Chinese input method in full-width mode
    login(client, staff)
    url = reverse("committees:ballot_entry", args=[election.pk])
    typed = typed.format(unit=dwellings[1].unit.code)

    # when
    response = client.post(url, {"dwelling": typed, "choices": ["甲"], "channel": "on_site"})

    # then the ballot is the dwelling's whose code it looks like
    assert response.status_code == 302
    assert Ballot.objects.get().roll_entry.dwelling == dwellings[1]


def test_dwelling_search_reads_full_width(client, staff, election):
    login(client, staff)
    url = reverse("committees:ballot_dwelling_search", args=[election.pk])
    html = client.get(url, {"dwelling": "１０３"}).content.decode()
    assert "103" in html
    assert "101" not in html


def test_a_voting_code_typed_in_full_width_votes(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    wide = code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # ABCDE-… as ＡＢＣＤＥ－…
    assert "甲" in post_code(client, election, wide.lower()).content.decode()
    post_ballot(client, election, wide, ["甲"])
    assert Ballot.objects.get().channel == Ballot.Channel.ONLINE


def test_upload_reports_every_bad_row_and_saves_nothing(client, staff, election):
    # given
    login(client, staff)
    url = reverse("committees:ballot_import", args=[election.pk])
    data = "dwelling,choices,channel,proxy_for\n999,甲,on_site,\n101,丁,on_site,\n".encode("gbk")

    # when
    upload = io.BytesIO(data)
    upload.name = "ballots.csv"
    response = client.post(url, {"file": upload})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    # Each column as the file named it, with its letter, in the reader's language.
    for row, letter, header in ((2, "A", "dwelling"), (3, "B", "choices")):
        with translation.override("zh-hans"):
            column = translation.gettext("column %(letter)s (%(name)s)") % {
                "letter": letter,
                "name": header,
            }
        assert html.count(f"<tr><td>{row}</td><td>{column}</td>") == 1
    assert not Ballot.objects.exists()


def test_upload_of_a_good_file_saves_all(client, staff, election):
    login(client, staff)
    upload = io.BytesIO(b"dwelling,choices,channel,proxy_for\n101,\xe7\x94\xb2,on_site,\n")
    upload.name = "ballots.csv"
    response = client.post(
        reverse("committees:ballot_import", args=[election.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert Ballot.objects.get().choices == ["甲"]


def test_ballot_list_shows_who_voted_never_what(client, staff, tallied):
    login(client, staff)
    html = client.get(reverse("committees:ballot_list", args=[tallied.pk])).content.decode()
    assert "1/" in html
    assert "甲" not in html.split("<table", 1)[1]


def test_ballot_list_queries_do_not_grow_with_ballots(client, staff, compound_a):
    # given an election with 200 dwellings on the roll
    unit = factories.UnitFactory(building=factories.BuildingFactory(compound=compound_a))
    Dwelling.objects.bulk_create(
        Dwelling(unit=unit, code=f"{i:04d}", area_m2=Decimal("80.00")) for i in range(200)
    )
    election = voting_election(compound_a, staff)
    entries = list(RollEntry.objects.filter(election=election))
    login(client, staff)
    url = reverse("committees:ballot_list", args=[election.pk])

    def add_ballots(batch):
        Ballot.objects.bulk_create(
            Ballot(
                election=election,
                roll_entry=e,
                choices=["甲"],
                channel="on_site",
                receipt_code=voting.new_receipt_code(),
                cast_at=NOW,
                entered_by=staff,
            )
            for e in batch
        )

    def queries() -> int:
        client.get(url)  # warm the session and memberships
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    # when
    add_ballots(entries[:10])
    at_10 = queries()
    add_ballots(entries[10:])
    at_200 = queries()

    # then
    assert at_10 == at_200


# --- tally pages ------------------------------------------------------------------------------


def test_tally_page_says_recomputed_unchanged(client, committee_member_a, tallied):
    login(client, committee_member_a)
    html = client.get(reverse("committees:tally_detail", args=[tallied.pk])).content.decode()
    assert '<span class="badge text-bg-success" id="verify">' in html


def test_tracker_refreshes_every_30_seconds_while_voting(client, staff, election):
    login(client, staff)
    html = client.get(reverse("committees:voting_tracker", args=[election.pk])).content.decode()
    assert 'hx-trigger="every 30s"' in html


# --- secrecy ----------------------------------------------------------------------------------


def test_no_public_page_names_a_dwelling_or_an_owner(client, staff, compound_a, tallied):
    # given distinctive dwelling codes and owner names, a receipt, and a second election open
    dwelling_ids = list(
        Dwelling.objects.filter(unit__building__compound=compound_a).values_list("pk", flat=True)
    )
    for pk in dwelling_ids:
        Dwelling.objects.filter(pk=pk).update(code=f"QZ{pk}Q")
    for owner in Owner.objects.all():
        Owner.objects.filter(pk=owner.pk).update(name=f"Xowner{owner.pk}Y")
    secrets_ = {
        *(f"QZ{pk}Q" for pk in dwelling_ids),
        *(f"Xowner{pk}Y" for pk in Owner.objects.values_list("pk", flat=True)),
    }
    receipt = Ballot.objects.filter(election=tallied).first().receipt_code
    open_election = voting_election(compound_a, staff, names=("丁", "戊"))
    code = voting.voting_codes_issue(election=open_election, user=staff)[0][1]

    # when every public page is fetched, in both languages
    pages = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for url in (
                reverse("committees:vote"),
                reverse("committees:result_list"),
                reverse("committees:result_detail", args=[tallied.pk]),
            ):
                pages.append(client.get(url))
            pages.append(client.post(reverse("committees:receipt_check"), {"code": receipt}))
            pages.append(post_code(client, open_election, code))
    pages.append(post_ballot(client, open_election, code, ["丁"]))

    # then none of them shows a dwelling code or an owner's name
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert not [s for s in secrets_ if s in html], response.request["PATH_INFO"]


# --- the roll's area --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summed", "shown"),
    [
        # SQLite sums a numeric column as a float with binary noise.
        (88053.0399999996, Decimal("88053.04")),
        (88053.04500001, Decimal("88053.05")),
        (Decimal("88053.04"), Decimal("88053.04")),
        (Decimal("60"), Decimal("60.00")),
        ("60.5", Decimal("60.50")),
        (0, Decimal("0.00")),
    ],
)
def test_roll_area_is_an_exact_decimal_with_two_places(summed, shown):
    area = voting._decimal(summed)
    assert area == shown
    assert str(area) == str(shown)


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "88053.04"), ("en", "88,053.04")])
def test_voting_page_shows_the_roll_area_to_the_hundredth(
    client, staff, compound_a, language, shown
):
    # given a roll whose areas sum to 88053.04 m²
    build_compound(compound_a, areas=("88000.01", "50.00", "3.03"))
    election = voting_election(compound_a, staff)
    login(client, staff)

    # when
    with translation.override(language):
        url = reverse("committees:voting_detail", args=[election.pk])
    content = client.get(url).content.decode()

    # then
    assert f">{shown}</dd>" in content
    assert "88053.039" not in content


def test_voting_page_shows_an_empty_roll_as_zero_area(client, staff, compound_a):
    election = voting_election(compound_a, staff)
    login(client, staff)
    content = client.get(reverse("committees:voting_detail", args=[election.pk])).content.decode()
    assert ">0.00</dd>" in content
    assert voting.roll_summary(election=election)["area"] == Decimal("0.00")


# --- people by their names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_name", "shown"), [("王晓梅", "by 王晓梅."), ("", "by {username}.")]
)
def test_the_tally_page_names_who_tallied(client, tallied, staff, first_name, shown):
    # given
    type(staff).objects.filter(pk=staff.pk).update(first_name=first_name)
    login(client, staff)

    # when
    with translation.override("en"):
        url = reverse("committees:tally_detail", args=[tallied.pk])
    content = client.get(url).content.decode()

    # then
    assert shown.format(username=staff.username) in content


def test_the_ballot_list_names_who_entered_each_ballot(client, election, dwellings, staff):
    # given
    type(staff).objects.filter(pk=staff.pk).update(first_name="王晓梅")
    staff.refresh_from_db()
    voting.ballot_cast(
        election=election,
        roll_entry=RollEntry.objects.get(election=election, dwelling=dwellings[0]),
        choices=["甲"],
        channel="on_site",
        user=staff,
        now=NOW,
    )
    login(client, staff)

    # when
    content = client.get(reverse("committees:ballot_list", args=[election.pk])).content.decode()

    # then
    # the "entered by" cell holds the name, not the login
    assert re.search(r"<td\b[^>]*>王晓梅</td>", content)
    assert not re.search(rf"<td\b[^>]*>{re.escape(staff.username)}</td>", content)


def test_the_receipt_code_travels_by_post_not_in_the_address(client, tallied):
    # given
    receipt = Ballot.objects.filter(election=tallied).first().receipt_code
    url = reverse("committees:receipt_check")

    # when
    by_get = client.get(url, {"code": receipt})
    empty = client.get(url)
    by_post = client.post(url, {"code": receipt})

    # then a code in the address is not looked up; the form posts
    assert tallied.title not in by_get.content.decode()
    assert 'method="post"' in empty.content.decode()
    assert empty.context["form"].is_bound is False
    assert tallied.title in by_post.content.decode()


def test_the_vote_form_asks_for_an_election_or_motion(client, election):
    with translation.override("en"):
        response = client.get(reverse("committees:vote"))
        assert str(response.context["code_form"]["election"].label) == "Election or motion"


def test_the_results_page_leads_to_the_vote_and_the_posted_lists(client, election, compound_b):
    # given an election taking ballots, one whose candidates are posted, and one in preparation
    posted = ElectionFactory(
        committee=CommitteeFactory(compound=compound_b),
        stage=Election.Stage.PUBLICITY,
        title="公示中的换届选举",
    )
    ElectionFactory(committee=posted.committee, title="筹备中的换届选举")

    # when a visitor without an account opens the election results
    with translation.override("en"):
        page = client.get(reverse("committees:result_list")).content.decode()
        vote = reverse("committees:vote")
        link = reverse("committees:election_public_candidates", args=[posted.pk])

    # then the open vote is named with its closing time, and the button leads to voting
    voting_now = page[page.index('id="voting-now"') : page.index('id="posted"')]
    assert election.title in voting_now
    assert "voting closes" in voting_now
    assert f'href="{vote}"' in page
    # and the posted list leads to its public page; an election in preparation is not shown
    assert f'href="{link}"' in page
    assert "筹备中的换届选举" not in page


def test_the_posted_list_leads_back_to_the_results(client, compound_b):
    posted = ElectionFactory(
        committee=CommitteeFactory(compound=compound_b), stage=Election.Stage.PUBLICITY
    )
    url = reverse("committees:election_public_candidates", args=[posted.pk])
    page = client.get(url).content.decode()
    assert f'href="{reverse("committees:result_list")}"' in page


def test_the_receipt_leads_on_to_the_results(client, staff, election):
    code = voting.voting_codes_issue(election=election, user=staff)[0][1]
    page = post_ballot(client, election, code, ["甲"]).content.decode()
    assert 'id="receipt"' in page
    assert f'href="{reverse("committees:result_list")}"' in page


def test_the_receipt_check_says_what_it_is_for_and_leads_on(client):
    with translation.override("en"):
        page = client.get(reverse("committees:receipt_check")).content.decode()
        results = reverse("committees:result_list")
    assert "never how you voted" in page
    assert f'href="{results}"' in page


@pytest.mark.parametrize(
    ("role", "linked"), [("committee_member_a", False), ("grid_worker", True), ("staff", True)]
)
def test_the_election_page_counts_the_ballots_and_links_them_for_who_may_read_them(
    client, request, tallied, role, linked
):
    # given: four ballots cast, which the election log does not list one by one
    login(client, request.getfixturevalue(role))
    # when
    response = client.get(reverse("committees:election_detail", args=[tallied.pk]))
    # then: the count is the ballots', and only staff and grid workers get the ballot list
    assert response.context["ballots_logged"] == 4
    ballot_list = reverse("committees:ballot_list", args=[tallied.pk])
    assert (f'href="{ballot_list}"' in response.content.decode()) is linked
