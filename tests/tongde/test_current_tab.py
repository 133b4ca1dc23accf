"""Every tab bar and menu tells screen readers which tab is the current page, not only the eye:
a nav link marked ``active`` by a template condition carries ``aria-current="page"`` under the
same condition (WCAG 1.3.1: information shown by colour alone is lost to a screen reader)."""

from __future__ import annotations

import re

from tests.tongde.test_formats import _template_lines_where

# A nav link that a condition marks active, whose condition does not also set aria-current.
# Dropdown toggles are buttons that open a menu, not links to a page, so they are not marked.
ACTIVE_WITHOUT_ARIA = re.compile(
    r'class="nav-link(?![^"]*dropdown-toggle)[^"]*\{% if [^%]+%\} ?active\{% endif %\}"'
)


def test_a_nav_link_marked_active_is_also_the_current_page_for_screen_readers():
    assert _template_lines_where(ACTIVE_WITHOUT_ARIA.search) == []


def test_the_check_finds_a_link_marked_for_the_eye_only():
    line = """<a class="nav-link{% if active == 'x' %} active{% endif %}" href="/x/">X</a>"""
    assert ACTIVE_WITHOUT_ARIA.search(line)
    fixed = line.replace("active{% endif %}", 'active" aria-current="page{% endif %}')
    assert not ACTIVE_WITHOUT_ARIA.search(fixed)
