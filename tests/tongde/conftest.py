"""The sweeps' demo: loaded once per module that asks for ``demo``, rolled back after its last
test (``tests.crawl.demo_for_module``), its photos read from the session's media folder."""

from __future__ import annotations

import pytest

from tests.crawl import demo_for_module


@pytest.fixture(scope="module")
def _demo_of_module(django_db_setup, django_db_blocker):
    with demo_for_module(django_db_blocker):
        yield


@pytest.fixture
def demo(_demo_of_module, demo_media, db) -> None:
    """The demo, for a test that crawls it (the crawl opens its photos too)."""
