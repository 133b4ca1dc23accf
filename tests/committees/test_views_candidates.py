"""The pages that correct a candidate and record a withdrawal: who may use them, what a refusal
shows, and what the election page and the posted list show afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from committees import candidates, elections
from committees.models import Candidate, Election
from tests import factories
from tests.committees.factories import (
    CandidateFactory,
    CommitteeFactory,
    ElectionFactory,
    qualify,
)

pytestmark = pytest.mark.django_db

Stage = Election.Stage
REASON = "本人书面申请退出：工作调动，无法履职"


def en_url(name: str, *args) -> str:
    """The English page (/en/...), so that assertions on wording hold once zh-hans is filled."""
    with translation.override("en"):
        return reverse(f"committees:{name}", args=args)


def en(message, **params) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def committee_member_b(compound_b):
    return factories.membership_user("committee", compound=compound_b)


@pytest.fixture
def election(compound_a):
    """Compound A's election in its vetting stage."""
    return ElectionFactory(
        committee=CommitteeFactory(compound=compound_a),
        stage=Stage.VETTING,
        stage_started_at=timezone.now() - dt.timedelta(days=2),
    )


@pytest.fixture
def candidate(election, staff):
    return qualify(
        CandidateFactory(
            election=election, name="张叁", nominated_on=timezone.localdate(), statement="服务大家"
        ),
        staff,
    )


def _login(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def _correction(candidate: Candidate, **changes) -> dict[str, str]:
    data = {
        "name": candidate.name,
        "owner": candidate.owner_id or "",
        "nominated_on": candidate.nominated_on.isoformat(),
        "statement": candidate.statement,
    }
    data.update(
        {f: "on" for f in ("is_party_member", "is_veteran", "is_cadre") if getattr(candidate, f)}
    )
    return {**data, **changes}


def _withdrawal(**changes) -> dict[str, str]:
    return {"reason": REASON, "withdrawn_on": timezone.localdate().isoformat(), **changes}


def _unchanged(candidate: Candidate) -> bool:
    before = (candidate.name, candidate.withdrawn_on, candidate.withdrawal_reason)
    candidate.refresh_from_db()
    after = (candidate.name, candidate.withdrawn_on, candidate.withdrawal_reason)
    return before == after and not candidate.election.log.exists()


# Permissions --------------------------------------------------------------------------------------

# role → status of the correction page (GET), and of either form sent (POST); 302 for anonymous
# is the login redirect, for staff the way back to the election after saving.
EXPECTED = {
    "anonymous": (302, 302),
    "resident": (403, 403),
    "company_user_a": (404, 404),
    "committee_member_b": (404, 404),
    "other_staff": (404, 404),
    "grid_worker": (403, 403),
    "committee_member_a": (403, 403),
    "staff": (200, 302),
    "superuser": (200, 302),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_who_may_open_the_correction_page(client, request, candidate, role):
    # given
    _login(client, request, role)
    # when
    response = client.get(en_url("candidate_correct", candidate.pk))
    # then
    assert response.status_code == EXPECTED[role][0]
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("candidate_correct", lambda c: _correction(c, name="张三")),
        ("candidate_withdraw", lambda c: _withdrawal()),
    ],
)
def test_who_may_correct_or_withdraw_a_candidate(client, request, candidate, role, name, data):
    # given
    _login(client, request, role)
    # when
    response = client.post(en_url(name, candidate.pk), data(candidate))
    # then
    status = EXPECTED[role][1]
    assert response.status_code == status
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))
    if status == 302 and role != "anonymous":
        assert response.url == candidate.election.get_absolute_url() + "#candidates"
        assert candidate.election.log.count() == 1
    else:
        assert _unchanged(candidate)


def test_another_communitys_candidate_is_not_found_and_stays_as_it_was(
    client, candidate, other_staff
):
    # given: staff of another community, who may edit their own elections
    client.force_login(other_staff)
    # when
    pages = [
        client.get(en_url("candidate_correct", candidate.pk)),
        client.post(en_url("candidate_correct", candidate.pk), _correction(candidate, name="x")),
        client.post(en_url("candidate_withdraw", candidate.pk), _withdrawal()),
    ]
    # then
    assert [p.status_code for p in pages] == [404, 404, 404]
    assert _unchanged(candidate)


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 405), ("grid_worker", 405), ("company_user_a", 404), ("anonymous", 302)],
)
def test_opening_the_withdrawal_address_follows_the_post_only_pattern(
    client, request, candidate, role, status
):
    # given
    _login(client, request, role)
    # when
    response = client.get(en_url("candidate_withdraw", candidate.pk))
    # then: election readers get the site's page for a form-only address (it confirms nothing
    # about the candidate); nothing changes for anybody
    assert response.status_code == status
    if status == 405:
        assert response["Allow"] == "POST"
        assert "This address only takes a form submission" in response.content.decode()
    assert _unchanged(candidate)


# Correcting ---------------------------------------------------------------------------------------


def test_staff_correct_a_candidate(client, candidate, staff, compound_a):
    # given: an owner of the compound to link
    owner = factories.OwnerFactory(community=compound_a.community, name="张三")
    factories.DwellingFactory(unit__building__compound=compound_a, owner=owner)
    client.force_login(staff)
    url = en_url("candidate_correct", candidate.pk)
    # when
    form = client.get(url)
    response = client.post(
        url, _correction(candidate, name="张三", owner=owner.pk, is_veteran="on"), follow=True
    )
    # then
    assert form.context["form"].initial["name"] == "张叁"
    assert response.redirect_chain[-1][1] == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.owner, candidate.is_veteran) == ("张三", owner, True)
    html = response.content.decode()
    assert "The candidate is corrected" in html
    assert "张叁 → 张三" in html  # the log on the election page


def test_a_correction_after_the_list_is_posted_is_refused_with_the_reason(client, candidate, staff):
    # given
    Election.objects.filter(pk=candidate.election_id).update(stage=Stage.PUBLICITY)
    client.force_login(staff)
    url = en_url("candidate_correct", candidate.pk)
    # when
    page = client.get(url)
    response = client.post(url, _correction(candidate, name="张三"))
    # then: the page says why and offers no form; the post is refused the same way
    assert en(candidates.CORRECTION_CLOSED) in page.content.decode()
    assert 'name="name"' not in page.content.decode()
    assert response.status_code == 400
    assert en(candidates.CORRECTION_CLOSED) in response.content.decode()
    assert _unchanged(candidate)


def test_a_correction_to_a_name_in_use_shows_on_the_field(client, candidate, staff):
    CandidateFactory(election=candidate.election, name="李四")
    client.force_login(staff)
    response = client.post(
        en_url("candidate_correct", candidate.pk), _correction(candidate, name="李四")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [en(elections.CANDIDATE_NAME_TAKEN)]
    assert _unchanged(candidate)


# Withdrawing --------------------------------------------------------------------------------------


def test_staff_record_a_withdrawal_and_the_candidate_stays_on_the_page_marked(
    client, candidate, staff
):
    # given
    client.force_login(staff)
    # when
    response = client.post(en_url("candidate_withdraw", candidate.pk), _withdrawal(), follow=True)
    # then
    candidate.refresh_from_db()
    assert (candidate.withdrawn_on, candidate.withdrawn_by) == (timezone.localdate(), staff)
    html = response.content.decode()
    assert "has withdrawn and is no longer on the ballot" in html
    assert "张叁" in html
    assert ">withdrawn</span>" in html
    assert REASON in html
    # and the row offers neither vetting, correction nor a second withdrawal
    for name in ("vetting_decide", "candidate_correct", "candidate_withdraw"):
        assert en_url(name, candidate.pk) not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", candidates.WITHDRAWAL_REASON_REQUIRED),
        ({"reason": "   "}, "reason", candidates.WITHDRAWAL_REASON_REQUIRED),
        ({"withdrawn_on": "2999-01-01"}, "withdrawn_on", candidates.WITHDRAWN_IN_FUTURE),
        ({"withdrawn_on": "2020-01-01"}, "withdrawn_on", candidates.WITHDRAWN_BEFORE_NOMINATION),
        ({"withdrawn_on": "not a date"}, "withdrawn_on", None),
    ],
)
def test_bad_withdrawals_show_why_keep_what_was_typed_and_save_nothing(
    client, candidate, staff, data, field, message
):
    # given
    client.force_login(staff)
    # when
    response = client.post(en_url("candidate_withdraw", candidate.pk), _withdrawal(**data))
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message is not None:
        assert errors[field] == [en(message)]
        assert en(message) in response.content.decode()
    if field != "reason":
        assert REASON in response.content.decode()
    assert _unchanged(candidate)


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        (Stage.NOMINATION, 302),
        (Stage.VETTING, 302),
        (Stage.PUBLICITY, 302),
        (Stage.VOTING, 400),
        (Stage.TALLY, 400),
        (Stage.CLOSED, 400),
    ],
)
def test_a_withdrawal_once_voting_has_opened_is_refused_with_the_reason(
    client, candidate, staff, stage, status
):
    Election.objects.filter(pk=candidate.election_id).update(stage=stage)
    client.force_login(staff)
    response = client.post(en_url("candidate_withdraw", candidate.pk), _withdrawal())
    assert response.status_code == status
    if status == 400:
        assert en(candidates.WITHDRAWAL_CLOSED) in response.content.decode()
        assert _unchanged(candidate)


def test_withdrawing_twice_says_it_is_already_withdrawn(client, candidate, staff):
    client.force_login(staff)
    url = en_url("candidate_withdraw", candidate.pk)
    client.post(url, _withdrawal())
    response = client.post(url, _withdrawal(reason="第二次"))
    assert response.status_code == 400
    assert en(candidates.ALREADY_WITHDRAWN) in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.withdrawal_reason == REASON
    assert candidate.election.log.count() == 1


# What the pages show ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "can_correct", "can_withdraw"),
    [
        (Stage.NOMINATION, True, True),
        (Stage.VETTING, True, True),
        (Stage.PUBLICITY, False, True),
        (Stage.VOTING, False, False),
    ],
)
def test_the_election_page_offers_what_the_stage_allows(
    client, candidate, staff, grid_worker, stage, can_correct, can_withdraw
):
    # given
    Election.objects.filter(pk=candidate.election_id).update(stage=stage)
    correct = en_url("candidate_correct", candidate.pk)
    withdraw = en_url("candidate_withdraw", candidate.pk)
    # when
    client.force_login(staff)
    staff_html = client.get(en_url("election_detail", candidate.election_id)).content.decode()
    client.force_login(grid_worker)
    reader_html = client.get(en_url("election_detail", candidate.election_id)).content.decode()
    # then
    assert (correct in staff_html, withdraw in staff_html) == (can_correct, can_withdraw)
    assert correct not in reader_html
    assert withdraw not in reader_html


def test_the_posted_list_leaves_out_a_candidate_who_withdrew(client, election, candidate, staff):
    # given: two qualified candidates posted; one withdraws during publicity
    qualify(CandidateFactory(election=election, name="李四"), staff)
    Election.objects.filter(pk=election.pk).update(stage=Stage.PUBLICITY)
    candidates.candidate_withdraw(
        candidate=candidate, user=staff, reason=REASON, withdrawn_on=timezone.localdate()
    )
    # when
    html = client.get(en_url("election_public_candidates", election.pk)).content.decode()
    # then
    assert "李四" in html
    assert "张叁" not in html
    assert REASON not in html


def _candidates(election, staff, n: int) -> None:
    for i in range(n):
        c = qualify(CandidateFactory(election=election, name=f"候选{i}"), staff)
        if i % 2:
            candidates.candidate_withdraw(
                candidate=c, user=staff, reason="退出", withdrawn_on=timezone.localdate()
            )


@pytest.mark.parametrize("n", [2, 8])
def test_the_election_page_runs_the_same_queries_for_2_and_8_candidates(
    client, election, staff, django_assert_num_queries, n
):
    # given: half of them withdrawn, each recorded by a staff member
    _candidates(election, staff, n)
    client.force_login(staff)
    url = en_url("election_detail", election.pk)
    # when: session, user, memberships, the election, its steps, the advance check (names of
    # standing candidates still pending, names of those not owners of the compound, count of
    # standing qualified ones), ballots logged, the log, the candidates with their vetting,
    # reviewer, who recorded a withdrawal and whether the registry has them as owners, their
    # checklists, the objections
    with django_assert_num_queries(13):
        response = client.get(url)
    # then
    assert response.status_code == 200
    assert len(response.context["candidates"]) == n
