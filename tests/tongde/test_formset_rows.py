"""Every formset is bounded: a management form that claims 10**12 rows (tampered, or a script gone
wrong) is refused with Django's translated "at most" message, and the page builds no more rows
than the formset allows. Django's default bound (max_num + 1,000) built and rendered up to 2,000
rows, which took a minute and a half for the patrol form."""

from __future__ import annotations

import pytest

from campaigns.forms_meetings import AttendanceFormSet, DecisionFormSet
from campaigns.forms_patrols import ProblemFormSet
from scorecards.forms_inspections import FindingFormSet
from scorecards.forms_setup import (
    CommitmentFormSet,
    CriterionFormSet,
    DeductionFormSet,
    VetoFormSet,
)
from tongde.bounds import MAX_ROWS

FORMSETS = {
    "attendance": (AttendanceFormSet, {}),
    "decisions": (DecisionFormSet, {}),
    "problems": (ProblemFormSet, {"user": "staff"}),
    "findings": (FindingFormSet, {"rubric_ids": []}),
    "commitments": (CommitmentFormSet, {}),
    "criteria": (CriterionFormSet, {}),
    "deductions": (DeductionFormSet, {}),
    "vetoes": (VetoFormSet, {}),
}


@pytest.mark.parametrize("name", FORMSETS)
def test_a_claim_of_a_trillion_rows_is_refused_and_builds_few(request, db, name):
    formset_class, form_kwargs = FORMSETS[name]
    form_kwargs = {
        k: request.getfixturevalue(v) if isinstance(v, str) else v for k, v in form_kwargs.items()
    }
    # given a management form that claims 10**12 rows
    data = {"x-TOTAL_FORMS": str(10**12), "x-INITIAL_FORMS": "0"}
    # when the formset reads it
    formset = formset_class(data, prefix="x", form_kwargs=form_kwargs)
    # then it refuses, having built at most its bound
    assert not formset.is_valid()
    assert formset.non_form_errors()
    assert len(formset.forms) <= MAX_ROWS
