"""No page runs a query per row (N+1): every page each role reaches on the demo, swept.

The lists assert their query counts at two data sizes; this sweep covers what they do not
(detail pages, dashboards, forms). Each page's SQL is grouped by *shape*: numbers, quoted
strings, ``IN (...)`` lists and arrays are blanked, so ``SELECT ... WHERE id = 3`` and ``... id = 4``
are one shape. A shape run more than ``BOUND`` times on one page is a query per row.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.crawl import ROLES, crawl, shape

# A page may legitimately ask the same thing a few times (a form field's choices and its
# validation, two tables of one model); more than this is a loop.
BOUND = 3

# Shapes that repeat by design, not per row. Transaction bookkeeping: every ``atomic`` block
# (the test client's own, a service's) opens and closes a savepoint; they are not reads.
IGNORED = re.compile(r"^(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")

# Repeats that cannot be removed, each with its reason: (page shape as ``tests.crawl.shape``
# writes it, the start of the SQL shape) -> why. None today.
ALLOWED: dict[tuple[str, str], str] = {}

_IN_LIST = re.compile(r"\bIN \([^()]*\)")
_ARRAY = re.compile(r"\bARRAY\[[^\[\]]*\]")
_QUOTED = re.compile(r"'(?:[^']|'')*'")
# A server-side cursor (``.iterator()``) is named after a counter: the same query, another name.
_CURSOR = re.compile(r'"_django_curs_[^"]*"')
_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?\b")


def sql_shape(sql: str) -> str:
    """The statement with its literals blanked: the same query for another row looks alike."""
    sql = _QUOTED.sub("?", sql)
    sql = _CURSOR.sub('"_django_curs"', sql)
    sql = _IN_LIST.sub("IN (...)", sql)
    sql = _ARRAY.sub("ARRAY[...]", sql)
    return _NUMBER.sub("?", sql)


def repeats(queries: list[str]) -> dict[str, int]:
    """The shapes that ran more than ``BOUND`` times, with how often."""
    counts = Counter(sql_shape(q) for q in queries if not IGNORED.match(q))
    return {s: n for s, n in counts.items() if n > BOUND}


def test_shapes_blank_literals_and_lists():
    # given the same query for two rows, and a list of another length
    one = 'SELECT "a"."id" FROM "a" WHERE ("a"."id" = 3 AND "a"."name" = \'x\'\'y\')'
    two = 'SELECT "a"."id" FROM "a" WHERE ("a"."id" = 14 AND "a"."name" = \'z\')'
    three = 'SELECT "U0"."id" FROM "a" U0 WHERE "U0"."id" IN (1, 2, 3) LIMIT 21'
    four = 'SELECT "U0"."id" FROM "a" U0 WHERE "U0"."id" IN (7) LIMIT 21'

    # then
    assert sql_shape(one) == sql_shape(two)
    assert sql_shape(three) == sql_shape(four)
    assert '"U0"' in sql_shape(three)  # an alias is not a literal
    assert repeats([one, two, one]) == {}  # up to the bound
    assert repeats([one, two, one, two]) == {sql_shape(one): 4}
    assert repeats(['SAVEPOINT "s1"', 'SAVEPOINT "s2"'] * 3) == {}
    cursors = [f'DECLARE "_django_curs_1_sync_{n}" NO SCROLL CURSOR FOR SELECT 1' for n in range(4)]
    assert len(repeats(cursors)) == 1
    bulk = "INSERT INTO a SELECT * FROM UNNEST((ARRAY[1,2])::bigint[])"
    assert sql_shape(bulk) == sql_shape("INSERT INTO a SELECT * FROM UNNEST((ARRAY[3])::bigint[])")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "public")
def test_no_page_runs_a_query_per_row(demo, role):
    # given every page the role reaches
    pages = crawl(role)

    # when the SQL of each page answering 200 is grouped by shape
    found = []
    for path, page in pages.items():
        if page.status != 200:
            continue
        for sql, count in repeats(page.sql).items():
            if not any(shape(path) == p and sql.startswith(s) for p, s in ALLOWED):
                found.append(f"{path}: {count}× {sql[:400]}")

    # then no shape repeats past the bound
    assert len(pages) > 5, "the crawl reached almost nothing"
    assert not found, "\n\n".join(found)
