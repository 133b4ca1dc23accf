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
