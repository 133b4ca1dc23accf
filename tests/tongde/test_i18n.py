"""The catalogs are complete: Chinese first, English second, nothing left untranslated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
ENTRY = re.compile(
    r'^(#, .*\n)?(?:#\|.*\n)*(msgctxt .*\n(?:".*"\n)*)?msgid (".*"\n(?:".*"\n)*)'
    r'(?:msgid_plural .*\n(?:".*"\n)*)?msgstr(?:\[0\])? (".*"\n(?:".*"\n)*)',
    re.M,
)


def _entries(lang: str) -> list[tuple[str, str, bool]]:
    text = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    out = []
    for match in ENTRY.finditer(text + "\n"):
        flags, _, msgid, msgstr = match.groups()
        unquote = lambda block: "".join(re.findall(r'"(.*)"', block))  # noqa: E731
        if unquote(msgid):
            out.append((unquote(msgid), unquote(msgstr), bool(flags and "fuzzy" in flags)))
    return out


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    entries = _entries(lang)

    assert len(entries) > 50
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_compiled_catalog_is_not_older_than_its_source(lang):
    folder = LOCALE / lang / "LC_MESSAGES"
    po, mo = folder / "django.po", folder / "django.mo"
    assert mo.exists()
    # A .po edited without `make messages` would leave the site showing stale text.
    assert _entries(lang)
    with translation.override("zh-hans" if lang == "zh_Hans" else "en"):
        sample = next(msgid for msgid, _, _ in _entries(lang) if "%" not in msgid)
        expected = {m: s for m, s, _ in _entries(lang)}[sample]
        assert translation.gettext(sample) == expected, f"{mo} is stale: run make messages"
    assert po.stat().st_size > 0


def test_chinese_is_the_default_language():
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Registry") != "Registry"


@pytest.mark.django_db
def test_english_pages_show_years_without_a_thousands_separator(client, community, staff):
    """English groups digits (5,180 households), but a year is a name, not a quantity."""
    from tests import factories

    building = factories.BuildingFactory(
        compound=factories.CompoundFactory(community=community), built_year=2001
    )
    client.force_login(staff)
    pages = [
        "/en/scorecards/setup/",
        f"/en/scorecards/setup/{community.slug}/2026/rubric/",
        f"/en/scorecards/setup/{community.slug}/2026/settings/",
        f"/en/registry/buildings/{building.pk}/",
        f"/en/campaigns/public/{community.slug}/totals/?year=2020",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not re.search(r"\b20\d,\d\d\d\b|\b2,0\d\d\b", html), url


def test_django_password_messages_address_the_reader_as_everything_else_does():
    from django.contrib.auth import password_validation

    with translation.override("zh-hans"):
        texts = [
            str(password_validation.password_validators_help_text_html()),
            translation.gettext(
                "Your old password was entered incorrectly. Please enter it again."
            ),
        ]
    joined = "".join(texts)
    assert "您的密码" in joined
    assert "你" not in joined
