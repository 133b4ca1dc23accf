"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Never ``playwright install``: the browser is the distribution's ``/usr/bin/chromium`` (CI installs
it with apt, see ``.ci/run``). Without it the tests are skipped with the reason printed; with
``REQUIRE_SERVICES=1`` (CI) that skip becomes a failure, as for ``needs_redis`` in
``tests/conftest.py``, so CI can never go green without having driven a browser.

``DJANGO_ALLOW_ASYNC_UNSAFE`` is set in ``tests/conftest.py``: Playwright's sync API runs an event
loop in the test thread, and Django would otherwise refuse ORM calls made from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
MISSING = f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"

# A phone in portrait: what residents vote on.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def _chromium_present() -> bool:
    return CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items) -> None:
    if _chromium_present():
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # A skip for a missing browser is a failure when CI demands the services. The skip's report
    # is turned into a failed one: raising from this hook would be an INTERNALERROR instead.
    report = yield
    demanded = REQUIRE_SERVICES and "browser" in item.keywords
    if demanded and report.skipped and not _chromium_present():
        report.outcome = "failed"
        report.longrepr = f"REQUIRE_SERVICES=1 but a browser test would be skipped: {MISSING}"
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # Relative ``page.goto`` paths resolve against the live server. Defining it here also
    # replaces pytest-playwright's fallback fixture, which pytest 9 warns about.
    return live_server.url


# Playwright's sync API marks its event loop as running in the main thread for as long as
# Playwright is started. pytest-playwright starts it once per session, so every test after the
# browser tests (pytest-django runs transactional tests late, plain ones after them) would run
# beside a "running" loop. Django's connections are then kept per async context (asgiref's
# ``Local``): a second connection opens, is never closed, and the test database cannot be dropped
# at the end ("being accessed by other users"). So Playwright and its browser live for this
# package only, and the connections opened meanwhile are closed before the loop stops. These
# replace the plugin's session fixtures of the same names (``--device``, ``--video`` and
# ``connect_options`` are not supported here).


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw
        connections.close_all()


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args: dict[str, Any], browser_type: BrowserType):
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser) -> Iterator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args(base_url: str) -> dict[str, Any]:
    # The ``page`` fixture is a resident's phone unless a test opens another context.
    return {**PHONE, "base_url": base_url}


@pytest.fixture
def step(output_path: str):
    """``with step(page, "name"):`` screenshots the page when the step is done, or as it stood
    when the step failed (``name-FAILED.png``), for reviewing the phone layout and for debugging
    a red run. Full page, so nothing below the fold hides. The folder is pytest-playwright's
    per-test ``output_path`` under ``test-results/``, which the plugin empties at every session
    start."""
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _step(page, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            page.screenshot(path=folder / f"{name}-FAILED.png", full_page=True)
            raise
        page.screenshot(path=folder / f"{name}.png", full_page=True)

    return _step
