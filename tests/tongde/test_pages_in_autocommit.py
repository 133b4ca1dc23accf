"""Every page opens as it does in production: outside a transaction.

Every other test runs inside one (pytest-django wraps each test, and the sweeps load the demo
once in a transaction they roll back), so a page that reads rows ``select_for_update`` or
otherwise needs a transaction passes there and fails for real (the meeting and target-rate edit
pages did). Here the demo is committed, each role crawls every page it reaches in autocommit, and
no page may answer a server error.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.crawl import ROLES, crawl


def _client(username: str | None) -> Client:
    # Errors become 500 answers, so one crawl reports every failing page, not the first.
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_opens_in_autocommit():
    # given the demo, committed
    call_command("load_demo", stdout=io.StringIO())
    assert connection.get_autocommit()
    failures = []
    reached = 0
    # when each role crawls every page it reaches
    for role in ROLES:
        pages = crawl(role, client=_client(role))
        reached += len(pages)
        failures += [
            f"{role or 'public'}: {path} ({page.status})"
            for path, page in pages.items()
            if page.status >= 500
        ]
    # then none fails
    assert reached > 300
    assert not failures, "\n".join(failures)
