"""Excel downloads: the plain file name older clients read is clean whatever the language."""

from __future__ import annotations

import pytest

from tongde import exports


@pytest.mark.parametrize(
    ("title", "plain"),
    [
        ("整治行动 2026-11-29", "2026-11-29"),
        ("季度通报 2026-Q3 ", "2026-Q3"),
        ("红黑榜  2026-10 康盛花园", "2026-10"),
        ("Clean-up operations 2026-11-29", "Clean-up operations 2026-11-29"),
        ("康盛花园", "export"),
        ('a "quoted" \\ name', "a quoted name"),
    ],
)
def test_the_plain_file_name_has_no_stray_spaces(title, plain):
    assert exports.ascii_stem(title) == plain


def test_the_download_names_both_forms():
    response = exports.xlsx_response("季度通报 2026-Q3", [])
    disposition = response["Content-Disposition"]
    assert 'filename="2026-Q3.xlsx"' in disposition
    assert "filename*=UTF-8''%E5%AD%A3" in disposition
