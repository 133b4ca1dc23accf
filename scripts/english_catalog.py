"""Make the English catalog the identity: msgids are English, so each msgstr is its msgid.

`makemessages` keeps stale English and marks near-matches fuzzy; this rewrites every entry, so
the catalog is complete and nothing is fuzzy. Usage: python scripts/english_catalog.py PO_FILE
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BLOCK = re.compile(r'((?:"[^\n]*"\n)+)')


def rewrite(text: str) -> str:
    entries = text.split("\n\n")
    out = [entries[0].replace("#, fuzzy\n", "")]
    for entry in entries[1:]:
        lines = [
            line for line in entry.split("\n") if not line.startswith("#|") and line != "#, fuzzy"
        ]
        entry = "\n".join(lines)
        entry = re.sub(r"^#, fuzzy, ", "#, ", entry, flags=re.M)
        entry = entry.replace(", fuzzy", "")
        singular = re.search(r'^msgid ((?:"[^\n]*"\n?)+)', entry, re.M)
        plural = re.search(r'^msgid_plural ((?:"[^\n]*"\n?)+)', entry, re.M)
        if singular and plural:
            entry = re.sub(
                r'^msgstr\[0\] (?:"[^\n]*"\n?)+',
                lambda _: "msgstr[0] " + singular.group(1),
                entry,
                flags=re.M,
            )
            entry = re.sub(
                r'^msgstr\[1\] (?:"[^\n]*"\n?)+',
                lambda _: "msgstr[1] " + plural.group(1),
                entry,
                flags=re.M,
            )
        elif singular:
            entry = re.sub(
                r'^msgstr (?:"[^\n]*"\n?)+',
                lambda _: "msgstr " + singular.group(1),
                entry,
                flags=re.M,
            )
        out.append(entry)
    return "\n\n".join(out)


if __name__ == "__main__":
    path = Path(sys.argv[1])
    path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
