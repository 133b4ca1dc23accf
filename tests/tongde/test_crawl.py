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
