"""Two staff save the first version of a year's rubric at the same moment, in two threads with
their own connections (PostgreSQL only: SQLite serialises writers differently). Both found no
rubric; one creates version 1, the other's insert hits the unique version and takes that
version 1 instead (``setup.rubric_for``'s IntegrityError path), applying its edit to it. The
year ends with one version 1, holding the edit saved last."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections

from scorecards import agreements, setup
from scorecards.models import Rubric

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

YEAR = 2027


def _rows(community, parking: str) -> dict:
    """The default's rows with parking at ``parking`` points and general management making up
    the 100."""
    draft = setup.default_rubric(community, YEAR)
    criteria = [
        {"code": c.code, "name": c.name, "name_zh": c.name_zh, "max_points": c.max_points}
        for c in draft.criteria
    ]
    by_code = {row["code"]: row for row in criteria}
    by_code["general_management"]["max_points"] += by_code["parking"]["max_points"] - int(parking)
    by_code["parking"]["max_points"] = int(parking)
    deductions = [
        {
            "criterion": c.code,
            "code": d.code,
            "name": d.name,
            "name_zh": d.name_zh,
            "points": d.points,
        }
        for c in draft.criteria
        for d in c.items
    ]
    vetoes = [{"code": v.code, "name": v.name, "name_zh": v.name_zh} for v in draft.vetoes]
    return {"criteria": criteria, "deductions": deductions, "vetoes": vetoes}


def test_two_first_saves_at_once_make_one_version_1(community, monkeypatch):
    # given both saves past their look for a rubric, about to create version 1
    barrier = threading.Barrier(2)
    create = setup._create

    lost: list[int] = []

    def create_together(draft):
        barrier.wait(timeout=10)
        try:
            return create(draft)
        except IntegrityError:
            lost.append(draft.rubric.year)
            raise

    monkeypatch.setattr(setup, "_create", create_together)
    saved: list[int] = []
    errors: list[BaseException] = []

    def first_save(parking: str) -> None:
        try:
            rubric = agreements.rubric_adopt(
                community=community, year=YEAR, note=f"停车{parking}分", **_rows(community, parking)
            )
            saved.append(rubric.pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=first_save, args=(p,)) for p in ("5", "8")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    # then one version 1, which both saves edited; the one saved last stands
    assert errors == []
    assert lost == [YEAR]  # one insert hit the unique version and took the other's
    rubric = Rubric.objects.get(community=community, year=YEAR)
    assert rubric.version == 1
    assert saved == [rubric.pk, rubric.pk]
    parking = rubric.criteria.get(code="parking").max_points
    assert rubric.note == f"停车{parking:.0f}分"
    assert rubric.as_rules().max_total == 100
