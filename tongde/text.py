"""Text as people type it with a Chinese input method, folded to what the code compares.

A Chinese input method in full-width mode types １２．５, －３, ９０％ and the ideographic space
(U+3000); in Chinese punctuation mode the key for "." gives "。". The registry and ballot imports
fold their cells the same way (NFKC); this is the one copy for forms and lookups, so the project
package does not import from an app.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import formats

# Not folded by NFKC, but typed for a number: the ideographic full stop (Chinese punctuation
# mode's ".") and the minus sign (U+2212) that pasting from a document brings.
_NUMBER_MARKS = str.maketrans({"。": ".", "\u2212": "-"})
# Thousands grouped by commas, as in 1,234 or 12,345.6; anything else with a comma (1,5) is
# left as typed, so the field refuses it rather than guessing.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def fold_width(text: str) -> str:
    """``text`` with full-width digits, letters and punctuation as their ASCII forms (NFKC) and
    outer spaces, the ideographic space among them, trimmed. Empty stays empty."""
    return unicodedata.normalize("NFKC", text).strip() if text else ""


def fold_number(text: str) -> str:
    """``fold_width``, then what else a number may be typed with: "。" as the decimal point, the
    minus sign as "-", and commas between groups of three digits dropped (1,234 is 1234).

    Only the typing is folded: the result is still for the field to accept or refuse."""
    text = fold_width(text).translate(_NUMBER_MARKS)
    if "," in text and _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text


def month_name(day: dt.date) -> str:
    """The month of ``day`` as prose says it: 2026年10月, October 2026. Addresses, open data and
    snapshots keep 2026-10."""
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def long_date(day: dt.date) -> str:
    """A day as prose says it in the active language: 2026年11月28日, 28 November 2026. Tables and
    file names keep 2026-11-28."""
    return formats.date_format(day, "DATE_FORMAT")
