"""Shared fixtures: one per role, media in a temp dir, and the live-service switch.

Tests marked ``needs_redis`` need a live Redis (and so a real Celery worker). Without
``REDIS_URL`` they are skipped with the reason printed; with ``REQUIRE_SERVICES=1`` (CI) such a
skip is turned into a failure, so CI can never go green on a missing service.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config) -> None:
    if REQUIRE_SERVICES:
        missing = [v for v in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(v)]
        if missing:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 but {', '.join(missing)} unset")


def pytest_collection_modifyitems(config, items) -> None:
    if settings.REDIS_URL:
        return
    for item in items:
        if "needs_redis" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs a live Redis: set REDIS_URL"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # A skip for a missing service is a failure when CI demands the services. The report is
    # turned into a failed one: raising from this hook would be an INTERNALERROR instead.
    report = yield
    demanded = REQUIRE_SERVICES and "needs_redis" in item.keywords
    if demanded and report.skipped and not settings.REDIS_URL:
        report.outcome = "failed"
        report.longrepr = "REQUIRE_SERVICES=1 but a live-Redis test would be skipped"
    return report


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> None:
    # The real hasher costs about 0.5 s per user and tests create hundreds. Session-wide, so
    # users made by module-scoped fixtures (the demo) are hashed the same way as the rest.
    from django.conf import settings as django_settings
    from django.contrib.auth import hashers

    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request to /en/ leaves English active in the thread; every test starts in Chinese, the
    # language the messages of parametrised expectations were rendered in at collection.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    # The local-memory cache outlives a test; cached open data must not leak into the next.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def session_media_root(tmp_path_factory):
    # What a module-scoped fixture writes (the demo's problem photos, loaded once per module)
    # lands here, not in the real media folder: ``_media_root`` below only covers each test. A
    # module that serves those files sets MEDIA_ROOT back to this folder for its tests.
    from django.test import override_settings

    root = tmp_path_factory.mktemp("session-media")
    with override_settings(MEDIA_ROOT=root):
        yield root


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo_media(settings, session_media_root) -> None:
    """For the tests of a module whose demo was loaded once (``tests.crawl.demo_for_module``):
    its photos are in the session's media folder, not in the test's own."""
    settings.MEDIA_ROOT = session_media_root


@pytest.fixture(autouse=True)
def _plain_static(settings) -> None:
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def community(db):
    return factories.CommunityFactory(slug="tongde-lane", name="同德巷社区")


@pytest.fixture
def other_community(db):
    return factories.CommunityFactory(slug="other", name="其他社区")


@pytest.fixture
def company_a(db):
    return factories.PropertyCompanyFactory(name="甲物业")


@pytest.fixture
def company_b(db):
    return factories.PropertyCompanyFactory(name="乙物业")


@pytest.fixture
def compound_a(community, company_a):
    compound = factories.CompoundFactory(community=community, name="甲小区", code="a")
    factories.ServiceContractFactory(compound=compound, company=company_a)
    return compound


@pytest.fixture
def compound_b(community, company_b):
    compound = factories.CompoundFactory(community=community, name="乙小区", code="b")
    factories.ServiceContractFactory(compound=compound, company=company_b)
    return compound


@pytest.fixture
def staff(community):
    return factories.membership_user("staff", community=community)


@pytest.fixture
def grid_worker(community):
    return factories.membership_user("grid_worker", community=community)


@pytest.fixture
def company_user_a(company_a):
    return factories.membership_user("company", company=company_a)


@pytest.fixture
def company_user_b(company_b):
    return factories.membership_user("company", company=company_b)


@pytest.fixture
def committee_member_a(compound_a):
    return factories.membership_user("committee", compound=compound_a)


@pytest.fixture
def resident(db):
    """A logged-in member of the public: an account with no role."""
    return factories.UserFactory()


@pytest.fixture
def superuser(db):
    return factories.UserFactory(is_superuser=True, is_staff=True)
