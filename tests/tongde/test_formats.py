"""Dates in tables and lists follow the reader's language: the numeric form Chinese offices
write, and day-month-year with the month's name in English (never the ambiguous 11/27/2026)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from committees.elections import _local

DAY = dt.date(2026, 11, 7)
MOMENT = dt.datetime(2026, 11, 7, 9, 5, tzinfo=dt.UTC)  # 17:05 in Shanghai


@pytest.mark.parametrize(
    ("language", "short_date", "short_datetime"),
    [("zh-hans", "2026-11-07", "2026-11-07 17:05"), ("en", "7 Nov 2026", "7 Nov 2026 17:05")],
)
def test_short_formats_per_language(settings, language, short_date, short_datetime):
    template = Template(
        '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ moment|date:"SHORT_DATETIME_FORMAT" }}'
    )
    with translation.override(language):
        assert date_format(DAY, "SHORT_DATE_FORMAT") == short_date
        assert template.render(Context({"day": DAY, "moment": MOMENT})) == (
            f"{short_date}|{short_datetime}"
        )
        assert _local(MOMENT) == short_datetime


@pytest.mark.parametrize(
    ("language", "date", "datetime"),
    [
        ("zh-hans", "2026年11月7日", "2026年11月7日 17:05"),
        ("en", "7 November 2026", "7 November 2026, 17:05"),
    ],
)
def test_prose_formats_per_language(language, date, datetime):
    with translation.override(language):
        assert date_format(DAY, "DATE_FORMAT") == date
        assert date_format(timezone.localtime(MOMENT), "DATETIME_FORMAT") == datetime


def test_date_inputs_keep_the_browser_format():
    """A date input's value must stay ISO whatever the language, or the browser drops it."""
    with translation.override("en"):
        rendered = Template('<input type="date" value="{{ day|date:\'Y-m-d\' }}">').render(
            Context({"day": DAY})
        )
    assert 'value="2026-11-07"' in rendered


DISPLAYED_ISO = re.compile(r"""date:["']Y-m-d""")
IN_ATTRIBUTE = re.compile(r"""(?:value|min|max)="[^"]*date:["']Y-m-d[^"]*\"""")


def _template_lines_where(found) -> list[str]:
    """``file:line`` of every template line for which ``found(line)`` is true."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in templates.rglob("*"):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if found(line):
                offenders.append(f"{path.relative_to(templates)}:{number}")
    return offenders


def test_no_template_displays_a_hard_coded_iso_date():
    assert (
        _template_lines_where(lambda line: DISPLAYED_ISO.search(IN_ATTRIBUTE.sub("", line))) == []
    )


# A month shown to people: "Y-m" with double quotes. URL arguments ({% url ... m|date:'Y-m' %})
# keep the machine label and use single quotes, as do inputs' values.
DISPLAYED_MONTH = re.compile(r"""date:"Y-m"(?!-)""")


def test_no_template_displays_a_hard_coded_month_label():
    assert _template_lines_where(DISPLAYED_MONTH.search) == []
