"""What every browser journey uses: the accounts' password and signing in, the page's Chinese
wording, the phone-width check, a photo."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext, override, pgettext
from PIL import Image
from playwright.sync_api import Page

from compounds.models import Membership
from tests import factories

# The password of every account a journey creates (it passes Django's validators).
PASSWORD = "tongde-browser-2026"  # noqa: S105


def log_in(page: Page, base: str, username: str, next_path: str = "") -> None:
    """Sign in through the login form, then go on to ``next_path`` (else where signing in
    leads)."""
    query = f"?next={next_path}" if next_path else ""
    page.goto(f"{base}/accounts/login/{query}")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def staff_account(username: str, community, **extra):
    """An account of the community's staff that signs in with ``PASSWORD``."""
    user = factories.UserFactory(username=username, **extra)
    validate_password(PASSWORD, user)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, role=Membership.Role.STAFF, community=community)
    return user


def zh_in(context: str, message: str) -> str:
    """``zh`` for a message with a context (``pgettext``)."""
    with override("zh-hans"):
        return pgettext(context, message)


def zh(message: str) -> str:
    """What the page says by default (Chinese), whether or not the catalog translates it."""
    with override("zh-hans"):
        return gettext(message)


def fits_phone(page: Page) -> None:
    """Nothing wider than the screen: a phone user must never scroll sideways."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide on a {width[1]} px screen"


def jpeg(folder: Path, name: str = "photo.jpg") -> Path:
    """A real photo-sized JPEG (the server judges uploads by content, and thumbnails it)."""
    path = folder / name
    image = Image.new("RGB", (1200, 900), (120, 140, 90))
    image.paste((200, 60, 40), (300, 200, 900, 700))
    image.save(path, "JPEG", quality=85)
    return path
