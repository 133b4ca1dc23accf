"""The crawl behind the sweeps (``tests.crawl``): which addresses count as one page."""

from __future__ import annotations

import pytest

from tests.crawl import parse, same_site, shape


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("/registry/compounds/3/", "/registry/compounds/14/", True),
        ("/scorecards/?month=2026-09&band=black", "/scorecards/?band=red&month=2026-08", True),
        ("/scorecards/?band=", "/scorecards/?compound=", False),
        ("/scorecards/", "/scorecards/?page=2", False),
        ("/scorecards/?page=2", "/scorecards/?page=3", True),
        ("/a/?x=1&x=2", "/a/?x=3", True),
    ],
)
def test_a_shape_blanks_numbers_and_query_values_but_keeps_query_keys(one, other, same):
    assert (shape(one) == shape(other)) is same


def test_same_site_keeps_the_query_and_skips_downloads():
    here = "http://testserver/registry/compounds/"
    assert same_site("?community=3", here) == "/registry/compounds/?community=3"
    assert same_site("3/#top", here) == "/registry/compounds/3/"
    assert same_site("?format=xlsx", here) is None
    assert same_site("/registry/compounds/?page=2&format=xlsx", here) is None
    assert same_site("https://example.org/", here) is None
    assert same_site("mailto:a@example.org", here) is None


def test_links_keep_their_query_strings():
    html = '<a href="?status=overdue&amp;page=2">x</a><a href="/b/">y</a>'
    links, _ = parse(html, "http://testserver/a/")
    assert links == ["/a/?status=overdue&page=2", "/b/"]


@pytest.mark.parametrize(
    ("html", "sent"),
    [
        # A select sends its selected option, else its first.
        (
            '<select name="k"><option value="">-</option><option value="a" selected>A</option>'
            "</select>",
            {"k": ["a"]},
        ),
        (
            '<select name="k"><option value="x">X</option><option value="y">Y</option></select>',
            {"k": ["x"]},
        ),
        # A select of many sends what is selected, and nothing when nothing is.
        (
            '<select name="m" multiple><option value="1" selected>1</option><option value="2">2'
            '</option><option value="3" selected>3</option></select>',
            {"m": ["1", "3"]},
        ),
        ('<select name="m" multiple><option value="1">1</option></select>', {}),
        # A textarea's opening line break is not part of its value.
        ('<textarea name="t">\nfirst line\n</textarea>', {"t": ["first line\n"]}),
        ('<input type="checkbox" name="c"><input type="checkbox" name="d" checked>', {"d": ["on"]}),
    ],
)
def test_a_form_sends_what_a_browser_sends_untouched(html, sent):
    _, (form,) = parse(f'<form method="post">{html}</form>', "http://testserver/a/")
    assert form.data() == sent
