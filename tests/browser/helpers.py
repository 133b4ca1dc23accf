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


# The page's width against the screen's and, when it is wider, the element that reaches furthest
# past the right edge: its box or what overflows it (an unbroken line of text), the deepest of
# those that reach as far, so the culprit and not its wrappers. What sits inside a frame that clips
# or scrolls (a ``.table-responsive``) is skipped: the frame scrolls, not the page. The screen is
# the layout viewport: a phone zooms out over a page too wide, which widens ``innerWidth``.
OVERFLOW = """() => {
  const screen = Math.min(window.innerWidth, document.documentElement.clientWidth);
  const wide = document.documentElement.scrollWidth;
  if (wide <= screen) return null;
  const clips = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  let worst = null, right = screen + 1, deepest = -1;
  const visit = (el, depth) => {
    const box = el.getBoundingClientRect();
    const frame = el !== document.body && clips(el);
    const reach = Math.round(frame ? box.right : box.left + Math.max(box.width, el.scrollWidth));
    if (reach > right || (reach === right && depth > deepest)) {
      worst = el; right = reach; deepest = depth;
    }
    if (frame) return;
    for (const child of el.children) visit(child, depth + 1);
  };
  visit(document.body, 0);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map(c => "." + c).join("");
  const path = [];
  for (let el = worst; el && el !== document.body && path.length < 4; el = el.parentElement) {
    path.unshift(name(el));
  }
  const text = worst ? worst.textContent.trim().replace(/\\s+/g, " ").slice(0, 40) : "";
  return {wide, screen, element: path.join(" > ") || "body", right, text};
}"""


def phone_overflow(page: Page) -> str | None:
    """Why the page scrolls sideways (its width and the widest element), or ``None``."""
    found = page.evaluate(OVERFLOW)
    if found is None:
        return None
    return (
        f"{found['wide']} px wide on a {found['screen']} px screen; widest: {found['element']}"
        f" (right edge {found['right']} px) {found['text']!r}"
    )


def fits_phone(page: Page) -> None:
    """Nothing wider than the screen: a phone user must never scroll sideways."""
    overflow = phone_overflow(page)
    assert overflow is None, f"{page.url} is {overflow}"


def jpeg(folder: Path, name: str = "photo.jpg") -> Path:
    """A real photo-sized JPEG (the server judges uploads by content, and thumbnails it)."""
    path = folder / name
    image = Image.new("RGB", (1200, 900), (120, 140, 90))
    image.paste((200, 60, 40), (300, 200, 900, 700))
    image.save(path, "JPEG", quality=85)
    return path
