"""Make the English catalog the identity: msgids are English, so each msgstr is its msgid.

`makemessages` keeps stale English and marks near-matches fuzzy; this rewrites every entry, so
the catalog is complete and nothing is fuzzy. Usage: python scripts/english_catalog.py PO_FILE
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

STRING_BLOCK = r'(?:"[^\n]*"\n?)+'


def _set(entry: str, keyword: str, text: str) -> str:
    """Replace the quoted block after ``keyword`` (msgstr, msgstr[0]...) with ``text``."""
    pattern = r"^" + re.escape(keyword) + " " + STRING_BLOCK
    text = text.rstrip("\n")

    def replace(match: re.Match) -> str:
        # Keep the block's own line end: an entry's last line has none.
        return f"{keyword} {text}" + ("\n" if match.group(0).endswith("\n") else "")

    return re.sub(pattern, replace, entry, flags=re.M)


def _identity(entry: str) -> str:
    lines = [line for line in entry.split("\n") if not line.startswith("#|")]
    entry = "\n".join(line for line in lines if line != "#, fuzzy")
    entry = re.sub(r"^(#,.*), fuzzy", r"\1", entry, flags=re.M)
    entry = re.sub(r"^#, fuzzy, ", "#, ", entry, flags=re.M)
    singular = re.search(r"^msgid (" + STRING_BLOCK + ")", entry, re.M)
    plural = re.search(r"^msgid_plural (" + STRING_BLOCK + ")", entry, re.M)
    if singular and plural:
        entry = _set(entry, "msgstr[0]", singular.group(1))
        return _set(entry, "msgstr[1]", plural.group(1))
    if singular:
        return _set(entry, "msgstr", singular.group(1))
    return entry


def rewrite(text: str) -> str:
    header, *entries = text.split("\n\n")
    return "\n\n".join([header.replace("#, fuzzy\n", ""), *map(_identity, entries)])


if __name__ == "__main__":
    path = Path(sys.argv[1])
    path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
