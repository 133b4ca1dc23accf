from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scorecards import rules
from scorecards.models import ScoringSettings
from scorecards.setup import DEFAULT_DEDUCTION_ITEMS, rubric_for, settings_for

pytestmark = pytest.mark.django_db


def test_settings_default_to_the_domain_figures(community):
    found = settings_for(community, 2026)
    assert (found.red_at, found.black_below, found.min_inspections) == (90, 70, 2)
    assert (found.report_due_day, found.reply_days, found.publish_by_day) == (5, 3, 15)
    assert found.bands == rules.DEFAULT_BANDS
    assert settings_for(community, 2026).pk == found.pk


def test_settings_of_a_new_year_carry_the_previous_year_over(community):
    ScoringSettings.objects.create(community=community, year=2025, red_at=Decimal(92))
    assert settings_for(community, 2026).red_at == Decimal(92)
    assert ScoringSettings.objects.filter(community=community).count() == 2


def test_report_due_and_missing_dates(community):
    found = settings_for(community, 2026)
    import datetime as dt

    assert found.report_due_on(dt.date(2026, 12, 1)) == dt.date(2027, 1, 5)
    assert found.report_missing_after(dt.date(2026, 2, 1)) == dt.date(2026, 3, 8)


def test_default_rubric_is_the_domain_rubric(community):
    rubric = rubric_for(community, 2026)
    assert rubric.as_rules() == rules.DEFAULT_RUBRIC
    assert rubric.as_rules().max_total == 100
    assert rubric.criteria.get(code="fire_safety").deduction_items.count() == 2
    assert rubric_for(community, 2026).pk == rubric.pk


def test_the_default_rubric_is_written_in_bulk(community):
    # when a year's rubric is made on first use (the rubric page does so on a GET)
    with CaptureQueriesContext(connection) as queries:
        rubric = rubric_for(community, 2027)

    # then one INSERT per table, not one per criterion, each item under its own criterion
    inserts = [q["sql"].split('"')[1] for q in queries if q["sql"].startswith("INSERT")]
    assert sorted(inserts) == [
        "scorecards_deductionitem",
        "scorecards_rubric",
        "scorecards_rubriccriterion",
        "scorecards_vetoitem",
    ]
    assert rubric.as_rules() == rules.DEFAULT_RUBRIC
    for criterion in rubric.criteria.prefetch_related("deduction_items"):
        items = sorted(criterion.deduction_items.all(), key=lambda d: d.position)
        expected = DEFAULT_DEDUCTION_ITEMS.get(criterion.code, ())
        assert [(d.code, d.name_zh, d.points) for d in items] == [
            (code, name_zh, Decimal(points)) for code, _name, name_zh, points in expected
        ]
