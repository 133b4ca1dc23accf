"""Every form and filter that offers compounds lists them as people read them: by community,
then by name in pinyin order with numbers by value (帝豪花园 before 供电局家属院, 楼院2号 before
楼院14号), not in the order of their character codes or of their codes. Forms of inspections,
complaints and summons list the managed compounds first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from campaigns.forms import CampaignFilter, CampaignForm
from campaigns.forms_meetings import VersionForm
from campaigns.forms_patrols import ProblemFilter, ProblemForm
from campaigns.models import Problem
from compounds.filters import BuildingFilter, DwellingFilter, HouseholdFilter
from compounds.forms import GridForm
from compounds.forms_accounts import AccountForm
from compounds.forms_residents import CompoundChoiceForm
from compounds.models import Community, Compound
from scorecards.forms_inspections import ComplaintForm, InspectionForm, RectificationFilter
from scorecards.forms_summons import SummonsForm
from scorecards.models import Rectification
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pinyin order comes from PostgreSQL's ICU"
    ),
]

# name, kind, and a code whose order is neither the pinyin's nor the characters'.
COMPOUNDS = [
    ("供电局家属院", Compound.Kind.COURTYARD, "a-gongdian"),
    ("西环北路楼院14号", Compound.Kind.COURTYARD, "b-14"),
    ("帝豪花园", Compound.Kind.MANAGED, "z-dihao"),
    ("西环北路楼院2号", Compound.Kind.COURTYARD, "c-2"),
    ("康盛花园", Compound.Kind.MANAGED, "y-kangsheng"),
]
AS_READ = ["帝豪花园", "供电局家属院", "康盛花园", "西环北路楼院2号", "西环北路楼院14号"]
MANAGED_FIRST = ["帝豪花园", "康盛花园", "供电局家属院", "西环北路楼院2号", "西环北路楼院14号"]


@pytest.fixture
def compounds(community):
    return [
        factories.CompoundFactory(community=community, name=name, kind=kind, code=code)
        for name, kind, code in COMPOUNDS
    ]


def offered(field) -> list[str]:
    """The compounds' names in the order the field offers them."""
    names = dict(Compound.objects.values_list("pk", "name"))
    return [names[int(getattr(v, "value", v))] for v, _label in field.choices if v]


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_registry_filters(staff, compounds):
    request = _request(staff)
    for filterset in (BuildingFilter, DwellingFilter, HouseholdFilter):
        kwargs = {} if filterset is BuildingFilter else {"can_see_owners": True}
        form = filterset(None, request=request, **kwargs).form
        assert offered(form.fields["compound"]) == AS_READ, filterset.__name__


def test_registry_forms(staff, community, compounds):
    grid_form = GridForm(communities=Community.objects.filter(pk=community.pk))
    assert offered(grid_form.fields["compounds"]) == AS_READ
    assert offered(CompoundChoiceForm().fields["compound"]) == AS_READ
    assert offered(AccountForm(manager=staff).fields["compound"]) == AS_READ


def test_patrol_problem_form_and_filter(staff, compounds):
    assert offered(ProblemForm(user=staff).fields["compound"]) == AS_READ
    form = ProblemFilter(None, queryset=Problem.objects.none(), request=_request(staff)).form
    assert offered(form.fields["compound"]) == AS_READ


def test_operation_form_filter_and_regulation_form(staff, community, compounds):
    assert offered(CampaignForm(community=community).fields["compounds"]) == AS_READ
    assert offered(CampaignFilter(None, request=_request(staff)).form.fields["compound"]) == (
        AS_READ
    )
    assert offered(VersionForm(community=community).fields["compounds"]) == AS_READ


def test_inspection_complaint_and_summons_forms_list_managed_compounds_first(staff, compounds):
    assert offered(InspectionForm(user=staff).fields["compound"]) == MANAGED_FIRST
    assert offered(ComplaintForm(user=staff).fields["compound"]) == MANAGED_FIRST
    assert offered(SummonsForm(user=staff).fields["compound"]) == ["帝豪花园", "康盛花园"]


def test_the_rectification_filter_lists_managed_compounds_first(staff, compounds):
    form = RectificationFilter(
        None, queryset=Rectification.objects.none(), request=_request(staff)
    ).form
    assert offered(form.fields["compound"]) == MANAGED_FIRST
