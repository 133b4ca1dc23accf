"""Opening a page writes nothing: every page each role reaches on the demo, swept.

A GET is what a link prefetch, a crawler or a curious look does; if it wrote, merely looking at
next year's rubric would make version 1 of a rubric nobody decided on. The writes a page may do
by design are listed below with why.
"""

from __future__ import annotations

import re

import pytest

from tests.crawl import ROLES, crawl, shape

_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

# (page shape as ``tests.crawl.shape`` writes it, table): the writes a page does by design, and
# why. Signing in (the session, ``last_login``) happens before the crawl and is not a page's.
ALLOWED: dict[tuple[str, str], str] = {
    ("/scorecards/feedback/N/", "scorecards_weeklyfeedback"): "the company opening its weekly"
    " feedback marks it read, once (feedback_mark_read): the community sees that it arrived",
}


def written_tables(queries: list[str]) -> list[str]:
    """The tables the statements insert into, update or delete from, in order."""
    return [m.group(2) for q in queries if (m := _WRITE.match(q))]


def test_written_tables_reads_the_statement():
    assert written_tables(
        [
            'SELECT "a"."id" FROM "a" WHERE "a"."x" = \'UPDATE "b"\'',
            'INSERT INTO "scorecards_rubric" ("year") VALUES (2027) RETURNING "id"',
            'UPDATE "auth_user" SET "last_login" = now()',
            'DELETE FROM "django_session" WHERE "session_key" = \'x\'',
            "SELECT 1 FOR UPDATE",
        ]
    ) == ["scorecards_rubric", "auth_user", "django_session"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "public")
def test_no_page_writes(demo, role):
    # given every page the role reaches
    pages = crawl(role)

    # when the statements of each page are read for writes
    found = [
        f"{path}: {table}"
        for path, page in pages.items()
        for table in dict.fromkeys(written_tables(page.sql))
        if (shape(path), table) not in ALLOWED
    ]

    # then none writes but by design
    assert len(pages) > 5, "the crawl reached almost nothing"
    assert not found, "\n".join(found)
