"""Two people editing the same agreement, rubric or monthly report: the second save is refused
(409), nothing of it is saved, and saving the page it comes back with goes through
(``tongde.concurrency``). Each page edits a row and its children in one form, so a colleague's
change to the children only counts too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from scorecards import agreements, reports
from scorecards.models import Agreement, Commitment, CommitmentStatus, MonthlyReport
from scorecards.setup import rubric_for
from tests import factories
from tests.crawl import parse
from tongde import concurrency

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 27, 4, tzinfo=dt.UTC), tick=False)


def en_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"scorecards:{name}", args=args)


def form_data(response, path: str) -> dict[str, list[str]]:
    """What the browser sends back untouched from the page's POST form."""
    _, found = parse(response.content.decode(), f"http://testserver{path}")
    (form,) = [f for f in found if f.method == "post" and f.action.startswith(path)]
    return form.data()


def errors_text(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


@pytest.fixture
def agreement(compound_a, company_a) -> Agreement:
    agreement = Agreement.objects.create(
        compound=compound_a, company=company_a, year=2026, fee_standard="0.90元/㎡·月"
    )
    Commitment.objects.create(agreement=agreement, text="每日清扫楼道")
    return agreement


# Agreement ---------------------------------------------------------------------------------------


def _agreement_rows(agreement: Agreement) -> list[dict]:
    return [
        {"id": c.pk, "text": c.text, "standard": c.standard, "is_withdrawn": c.is_withdrawn}
        for c in agreement.commitments.all()
    ]


def test_agreement_edit_refused_when_a_field_changed_meanwhile(client, staff, agreement):
    # given: staff opens the agreement; a colleague then changes the fee standard
    client.force_login(staff)
    path = en_url("agreement_edit", agreement.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    agreements.agreement_update(agreement=agreement, data={"fee_standard": "1.20元/㎡·月"})
    # when: staff saves their own change
    data["notes"] = ["业主大会通过"]
    response = client.post(path, data)
    # then: refused, nothing saved, the field says what it is now
    assert response.status_code == 409
    agreement.refresh_from_db()
    assert (agreement.fee_standard, agreement.notes) == ("1.20元/㎡·月", "")
    assert "1.20元/㎡·月" in " ".join(response.context["form"].errors["fee_standard"])
    # when: staff saves the page it came back with
    response = client.post(path, form_data(response, path))
    # then: staff's values stand, the fee standard they had typed included
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.fee_standard, agreement.notes) == ("0.90元/㎡·月", "业主大会通过")


def test_agreement_edit_refused_when_only_a_commitment_changed_meanwhile(client, staff, agreement):
    # given: staff opens the agreement; a colleague then rewords the commitment
    client.force_login(staff)
    path = en_url("agreement_edit", agreement.pk)
    data = form_data(client.get(path), path)
    rows = _agreement_rows(agreement)
    rows[0]["text"] = "每日清扫楼道两次"
    agreements.agreement_update(agreement=agreement, data={}, commitments=rows)
    # when: staff saves a change of the notes (the old wording still on the page)
    data["notes"] = ["备注"]
    response = client.post(path, data)
    # then: refused; the commitment keeps the colleague's words; the page names the list
    assert response.status_code == 409
    assert list(agreement.commitments.values_list("text", flat=True)) == ["每日清扫楼道两次"]
    assert str(Commitment._meta.verbose_name_plural) in errors_text(response)
    # when: saved again, knowingly
    assert client.post(path, form_data(response, path)).status_code == 302
    agreement.refresh_from_db()
    assert agreement.notes == "备注"


def test_agreement_edit_without_a_change_meanwhile_saves(client, staff, agreement):
    client.force_login(staff)
    path = en_url("agreement_edit", agreement.pk)
    data = form_data(client.get(path), path)
    data["notes"] = ["备注"]
    assert client.post(path, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.notes == "备注"


# Rubric ------------------------------------------------------------------------------------------


def test_rubric_edit_refused_when_its_rows_changed_meanwhile(client, staff, community):
    # given: staff opens the rubric's editor; a colleague then moves 5 points between criteria
    rubric = rubric_for(community, 2026)
    client.force_login(staff)
    path = en_url("rubric_edit", rubric.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    first, last = rubric.criteria.order_by("position")[0], rubric.criteria.order_by("position")[7]
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "name_zh": c.name_zh,
            "max_points": c.max_points + (5 if c == first else -5 if c == last else 0),
        }
        for c in rubric.criteria.order_by("position")
    ]
    deductions = [
        {"criterion": c.code, "code": d.code, "name": d.name, "name_zh": d.name_zh}
        | {"points": d.points}
        for c in rubric.criteria.order_by("position")
        for d in c.deduction_items.all()
    ]
    vetoes = [
        {"code": v.code, "name": v.name, "name_zh": v.name_zh} for v in rubric.veto_items.all()
    ]
    agreements.rubric_update(rubric=rubric, criteria=rows, deductions=deductions, vetoes=vetoes)
    # when: staff saves a note on the page as it was
    data["note"] = ["改停车"]
    response = client.post(path, data)
    # then: refused, the colleague's points stand, the criteria are named as changed
    assert response.status_code == 409
    rubric.refresh_from_db()
    assert rubric.note == ""
    assert rubric.criteria.get(pk=first.pk).max_points == first.max_points + 5
    assert "rubric criteria" in errors_text(response)
    # when: saved again, knowingly: staff's rows (the old points) replace the colleague's
    assert client.post(path, form_data(response, path)).status_code == 302
    rubric.refresh_from_db()
    assert rubric.note == "改停车"
    assert rubric.criteria.get(pk=first.pk).max_points == first.max_points


def test_rubric_adopt_of_an_unsaved_year_carries_no_fingerprint(client, staff, community):
    # A first save makes a new row: nothing to compare with.
    client.force_login(staff)
    path = en_url("rubric_adopt", community.slug, 2026)
    assert concurrency.EDITED_FROM not in form_data(client.get(path), path)


# Monthly report ----------------------------------------------------------------------------------


@pytest.fixture
def draft(compound_a, company_a, company_user_a, agreement) -> MonthlyReport:
    return reports.report_create(
        compound=compound_a,
        month=OCT,
        by=company_user_a,
        company_ids=[company_a.pk],
        data={"staff_on_duty": 5},
        statuses={c.pk: {"status": "met"} for c in agreement.commitments.all()},
    )


@pytest.fixture
def colleague(company_a):
    return factories.membership_user("company", company=company_a)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"data": {"narrative": "同事写的"}}, "narrative"),
        # Only a commitment's status: the report row itself is untouched.
        ({"statuses": "partly"}, "commitment statuses"),
    ],
    ids=["field", "status"],
)
def test_report_edit_refused_when_a_colleague_saved_meanwhile(
    client, company_user_a, colleague, draft, agreement, change, named
):
    # given: a company user opens the draft; a colleague of the same company then saves it
    client.force_login(company_user_a)
    path = en_url("report_edit", draft.pk)
    data = form_data(client.get(path), path)
    assert data[concurrency.EDITED_FROM][0]
    commitment = agreement.commitments.get()
    if "statuses" in change:
        statuses = {commitment.pk: {"status": change["statuses"], "note": "同事"}}
        reports.report_update(report=draft, by=colleague, statuses=statuses)
    else:
        reports.report_update(report=draft, by=colleague, **change)
    before = MonthlyReport.objects.filter(pk=draft.pk).values().get()
    statuses_before = list(CommitmentStatus.objects.filter(report=draft).values())
    # when: the first user saves the page as it was, with a change of their own
    data["staff_on_duty"] = ["9"]
    response = client.post(path, data)
    # then: refused, nothing saved, the page says what changed
    assert response.status_code == 409
    assert MonthlyReport.objects.filter(pk=draft.pk).values().get() == before
    assert list(CommitmentStatus.objects.filter(report=draft).values()) == statuses_before
    form = response.context["form"]
    if named == "narrative":
        assert "同事写的" in " ".join(form.errors["narrative"])
    else:
        assert named in errors_text(response)
    # when: saved again, knowingly
    assert client.post(path, form_data(response, path)).status_code == 302
    draft.refresh_from_db()
    assert draft.staff_on_duty == 9
    assert draft.commitment_statuses.get().status == "met"


def test_report_edit_without_a_change_meanwhile_saves(client, company_user_a, draft):
    client.force_login(company_user_a)
    path = en_url("report_edit", draft.pk)
    data = form_data(client.get(path), path)
    data["staff_on_duty"] = ["7"]
    assert client.post(path, data).status_code == 302
    draft.refresh_from_db()
    assert draft.staff_on_duty == 7
