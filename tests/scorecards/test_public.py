"""Public red/black pages: only current publications, corrections replace what they correct,
drafts appear nowhere, every role reads the same page, cached per community and language and
cleared on publication, query counts independent of the number of compounds."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scorecards import public
from scorecards.models import Appeal, Scorecard
from scorecards.setup import rubric_for
from scorecards.signals import list_published
from tests import factories
from tests.scorecards.test_public_data import BLACK_REASONS, bulk_publish, publish, row

APRIL, MAY, JUNE = dt.date(2024, 4, 1), dt.date(2024, 5, 1), dt.date(2024, 6, 1)


@pytest.fixture
def world(community, compound_a, compound_b, compound_c, company_user_b):
    april = publish(
        community,
        APRIL,
        [
            row(compound_a, "88.50", "none", rank=2),
            row(compound_b, "91.00", "red", rank=1),
            row(
                compound_c,
                "75.00",
                "unranked",
                inspections=1,
                reasons={"reasons": ["too_few_inspections"]},
            ),
        ],
    )
    may1 = publish(
        community,
        MAY,
        [
            row(compound_a, "92.25", "red", rank=1),
            row(compound_b, "65.50", "black", rank=3, veto=True, reasons=BLACK_REASONS),
            row(compound_c, "80.00", "none", rank=2),
        ],
    )
    appeal = Appeal.objects.create(
        entry=may1.entries.get(compound=compound_b),
        grounds="报告已按时提交",
        filed_by=company_user_b,
        status=Appeal.Status.UPHELD,
        decision="Report was filed on time: veto lifted",
        decided_at=timezone.now(),
    )
    may2 = publish(
        community,
        MAY,
        [
            row(compound_a, "92.25", "red", rank=1),
            row(compound_b, "73.50", "none", rank=3),
            row(compound_c, "80.00", "none", rank=2),
        ],
        sequence=2,
        correction_of=may1,
        note="Veto lifted after appeal: the report was on time",
    )
    appeal.correction = may2
    appeal.save()
    # June: a draft only, never published.
    Scorecard.objects.create(
        compound=compound_a,
        company=compound_a.contracts.first().company,
        month=JUNE,
        rubric=rubric_for(community, 2024),
        total=Decimal("12.34"),
        band="black",
    )
    return {"april": april, "may1": may1, "may2": may2, "appeal": appeal}


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Selectors -----------------------------------------------------------------------------------


def test_latest_is_the_correction(world, community):
    assert public.latest_publication(community) == world["may2"]
    assert public.month_publication(community, dt.date(2024, 5, 20)) == world["may2"]
    assert public.month_publication(community, JUNE) is None
    assert [p.month for p in public.published_months(community)] == [MAY, APRIL]


def test_compound_trend_uses_current_editions(world, community, compound_b):
    trend = public.compound_trend(community, compound_b.pk)
    assert [(e.publication.month, e.score) for e in trend] == [
        (APRIL, Decimal("91.00")),
        (MAY, Decimal("73.50")),
    ]


def test_appeal_outcome_reaches_the_corrected_entry(world, compound_b):
    listing = public.public_list(world["may2"])
    entry = next(e for e in listing.entries if e.compound_id == compound_b.pk)
    assert entry.public_appeal == world["appeal"]
    assert [band for band, _ in listing.groups] == ["red", "black", "none", "unranked"]


# --- Pages ------------------------------------------------------------------------------------


def test_latest_page_in_english(client, world, community):
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "Red and black list of" in html
    assert "<strong>May 2024</strong>" in html  # the month as readers say it
    assert "92.25" in html
    assert "73.50" in html
    # The corrected edition's black listing is gone; the correction says why.
    assert "65.50" not in html
    assert "Veto lifted after appeal: the report was on time" in html
    assert "This list corrects edition 1 of May 2024." in html
    # The appeal outcome is public.
    assert "upheld" in html
    assert "Report was filed on time: veto lifted" in html
    # No personal data: not the appellant's grounds, nor who published.
    assert "报告已按时提交" not in html
    assert world["may2"].published_by.username not in html


def test_month_page_of_a_corrected_month_shows_the_correction(client, world, community):
    html = _page(client, f"/en/scorecards/public/{community.slug}/2024-05/")
    assert "65.50" not in html
    assert "73.50" in html
    assert "edition 2" in html


def test_black_reasons_on_a_black_entry(client, community, compound_a, compound_b):
    publish(
        community,
        MAY,
        [
            row(compound_a, "95", "red", rank=1),
            row(compound_b, "60", "black", rank=2, veto=True, reasons=BLACK_REASONS),
        ],
    )
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "Cleanliness: 3 findings" in html
    assert "Fire safety and fire lanes: 1 finding" in html
    assert "No monthly report after the grace period" in html
    assert "A veto item applies" in html
    zh = _page(client, f"/scorecards/public/{community.slug}/")
    assert "环境卫生" in zh
    assert "宽限期满仍未报送月报" in zh
    assert "黑榜" in zh


@pytest.mark.parametrize(
    ("criterion", "shown"),
    [
        ({"count": 3, "points": "6.00"}, "Cleanliness: 3 findings (−6.00)"),
        ({"count": 1, "points": "6.00"}, "Cleanliness: 1 finding (−6.00)"),
        (
            {"count": 0, "points": "3.00", "adjusted": "3.00"},
            "Cleanliness: adjusted by staff (−3.00)",
        ),
        # Published before adjustments were stored apart: no count means an adjustment.
        ({"count": 0, "points": "3.00"}, "Cleanliness: adjusted by staff (−3.00)"),
        (
            {"count": 2, "points": "5.00", "adjusted": "1.00"},
            "Cleanliness: 2 findings, adjusted by staff −1.00 (−5.00)",
        ),
        (
            {"count": 2, "points": "4.00", "adjusted": "-2.00"},
            "Cleanliness: 2 findings, adjusted by staff +2.00 (−4.00)",
        ),
        # Adjustments that cancel out are no adjustment.
        ({"count": 2, "points": "4.00", "adjusted": "0.00"}, "Cleanliness: 2 findings (−4.00)"),
    ],
)
def test_black_reason_of_a_criterion(client, community, compound_a, criterion, shown):
    reasons = {
        "reasons": ["below_black"],
        "criteria": [
            {"code": "cleanliness", "name": "Cleanliness", "name_zh": "环境卫生", **criterion}
        ],
    }
    publish(community, MAY, [row(compound_a, "60", "black", rank=1, reasons=reasons)])
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert shown in html
    assert "0 findings" not in html


@pytest.mark.parametrize(
    ("band", "score", "reasons", "shown", "hidden"),
    [
        # At or above the red line, kept off by an overdue rectification: says so.
        (
            "none",
            "92",
            ["overdue_rectification"],
            "A rectification is overdue: not on the red list",
            None,
        ),
        # On the red list: its reason is the list itself, not repeated.
        ("red", "92", ["at_or_above_red"], None, "Score at or above the red-list line"),
        # Neither list, no reason stored: nothing to say.
        ("none", "85", [], None, "not on the red list"),
        ("unranked", "80", ["too_few_inspections"], "Too few inspections this month", None),
    ],
)
def test_reason_of_an_entry_off_the_lists(
    client, community, compound_a, band, score, reasons, shown, hidden
):
    publish(community, MAY, [row(compound_a, score, band, rank=1, reasons={"reasons": reasons})])
    # The list and the compound's own page (its trend table) say the same.
    for url in (
        f"/en/scorecards/public/{community.slug}/",
        f"/en/scorecards/public/{community.slug}/compound/{compound_a.pk}/",
    ):
        html = _page(client, url)
        if shown:
            assert shown in html, url
        if hidden:
            assert hidden not in html, url


def test_earlier_editions_are_linked_and_readable(client, world, community):
    slug = community.slug
    html = _page(client, f"/en/scorecards/public/{slug}/2024-05/")
    first = f"/en/scorecards/public/{slug}/2024-05/edition/1/"
    assert f'href="{first}"' in html
    old = _page(client, first)
    assert "65.50" in old  # as first published
    assert "This edition was replaced by edition 2." in old
    assert f'href="/en/scorecards/public/{slug}/2024-05/"' in old
    # A month published once has no edition links.
    assert "/2024-04/edition/" not in _page(client, f"/en/scorecards/public/{slug}/2024-04/")
    assert client.get(f"/en/scorecards/public/{slug}/2024-05/edition/3/").status_code == 404


def test_month_and_archive_pages(client, world, community):
    html = _page(client, f"/en/scorecards/public/{community.slug}/2024-04/")
    assert "91.00" in html
    assert "88.50" in html
    archive = _page(client, f"/en/scorecards/public/{community.slug}/months/")
    assert ">May 2024<" in archive
    assert ">April 2024<" in archive
    assert "2024-06" not in archive
    assert "June 2024" not in archive


@pytest.mark.parametrize(
    ("page", "earlier"),
    [
        ("", ["April 2024", "March 2024"]),  # the latest: May
        ("2024-05/", ["April 2024", "March 2024"]),
        ("2024-04/", ["March 2024"]),
        ("2024-03/", []),  # the first month: nothing earlier, the archive still linked
        ("2024-04/edition/1/", ["March 2024"]),
    ],
)
def test_earlier_months_are_only_earlier(client, community, compound_a, page, earlier):
    # given: March, April and May published
    for month in (dt.date(2024, 3, 1), APRIL, MAY):
        publish(community, month, [row(compound_a, "88", "none", rank=1)])
    # when
    html = _page(client, f"/en/scorecards/public/{community.slug}/{page}")
    # then
    if earlier:
        listed = html.split('id="earlier-months">', 1)[1].split("</ul>", 1)[0]
        assert re.findall(r">([^<>]+)</a>", listed) == earlier
    else:
        assert "Earlier months" not in html
        assert 'id="earlier-months"' not in html
    assert f'href="/en/scorecards/public/{community.slug}/months/"' in html


@pytest.mark.parametrize(
    ("page", "told"),
    [("", False), ("2024-05/", False), ("2024-04/", True), ("2024-04/edition/1/", True)],
)
def test_an_earlier_month_leads_to_the_latest_list(client, community, compound_a, page, told):
    # given: April and May published
    for month in (APRIL, MAY):
        publish(community, month, [row(compound_a, "88", "none", rank=1)])
    # when the list of a month is read
    html = _page(client, f"/en/scorecards/public/{community.slug}/{page}")
    # then only an earlier month's list says so, and leads to the latest
    if told:
        note = html.split('id="older-month">', 1)[1].split("</div>", 1)[0]
        assert "This is an earlier month's list." in note
        assert f'href="/en/scorecards/public/{community.slug}/"' in note
        assert "Read the latest list (May 2024)" in note
    else:
        assert 'id="older-month"' not in html


def test_a_lone_edition_is_not_numbered(client, community, compound_a):
    publish(community, MAY, [row(compound_a, "88", "none", rank=1)])
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "edition 1" not in html


def test_a_lone_month_links_no_other(client, community, compound_a):
    publish(community, MAY, [row(compound_a, "88", "none", rank=1)])
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "Earlier months" not in html
    assert "All published months" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/scorecards/public/nowhere/",
        "/scorecards/public/tongde-lane/2024-06/",  # draft month
        "/scorecards/public/tongde-lane/2024-13/",
        "/scorecards/public/tongde-lane/2023-01/",
        "/scorecards/public/tongde-lane/2024-06/edition/1/",  # draft month
        "/scorecards/public/tongde-lane/2024-13/edition/1/",
        "/scorecards/public/nowhere/2024-05/edition/1/",
    ],
)
def test_unknown_and_unpublished_are_404(client, world, path):
    assert client.get(path).status_code == 404


def test_drafts_appear_on_no_public_page(client, world, community, compound_a, compound_b):
    pages = [
        f"/en/scorecards/public/{community.slug}/",
        f"/en/scorecards/public/{community.slug}/months/",
        f"/en/scorecards/public/{community.slug}/2024-04/",
        f"/en/scorecards/public/{community.slug}/2024-05/",
        f"/en/scorecards/public/{community.slug}/compound/{compound_a.pk}/",
        f"/en/scorecards/public/{community.slug}/company/{world['may2'].entries.get(compound=compound_a).company_id}/",
    ]
    for url in pages:
        html = _page(client, url)
        assert "12.34" not in html, url
        assert "/2024-06/" not in html, url
        assert "June 2024" not in html, url


def test_compound_page_has_trend_chart(client, world, community, compound_b):
    html = _page(client, f"/en/scorecards/public/{community.slug}/compound/{compound_b.pk}/")
    assert "<svg" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert html.count("<circle") == 2
    assert "2024-04: 91.00" in html
    assert "2024-05: 73.50" in html
    assert "65.50" not in html


def test_compound_table_fits_a_phone_with_inspections_under_the_score(
    client, world, community, compound_b
):
    html = _page(client, f"/en/scorecards/public/{community.slug}/compound/{compound_b.pk}/")
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    # Four columns (month, score, band, rank): the count of inspections reads under the score.
    assert len(re.findall(r"<th[ >]", table.split("</thead>", 1)[0])) == 4
    assert re.search(
        r'text-end">\d+\.\d\d<div class="small text-muted[^"]*">\d+ inspections?<', table
    )


def test_compound_never_published_is_404(client, world, community, other_community):
    never = factories.CompoundFactory(community=community, name="未参评小区")
    assert (
        client.get(f"/scorecards/public/{community.slug}/compound/{never.pk}/").status_code == 404
    )
    elsewhere = factories.CompoundFactory(community=other_community)
    assert (
        client.get(f"/scorecards/public/{community.slug}/compound/{elsewhere.pk}/").status_code
        == 404
    )


def test_company_page_lists_its_compounds(
    client, world, community, company_a, compound_a, compound_c, compound_b
):
    html = _page(client, f"/en/scorecards/public/{community.slug}/company/{company_a.pk}/")
    assert compound_a.name in html
    assert compound_c.name in html
    assert compound_b.name not in html
    # Monthly averages: April 88.50 (compound C is unranked and not averaged), May
    # (92.25 + 80.00) / 2.
    assert "2024-04: 88.50" in html
    assert "81.75" not in html
    assert "86.13" in html
    stranger = factories.PropertyCompanyFactory()
    assert (
        client.get(f"/scorecards/public/{community.slug}/company/{stranger.pk}/").status_code == 404
    )


def test_company_average_leaves_out_unranked_lines(
    client, community, company_a, compound_a, compound_c
):
    # A compound with no inspection is unranked at 100.00: that is no score to average.
    publish(
        community,
        APRIL,
        [
            row(compound_a, "80.00", "none", rank=1),
            row(compound_c, "100.00", "unranked", inspections=0),
        ],
    )
    publish(
        community,
        MAY,
        [
            row(compound_a, "100.00", "unranked", inspections=0),
            row(compound_c, "100.00", "unranked", inspections=0),
        ],
    )
    html = _page(client, f"/en/scorecards/public/{community.slug}/company/{company_a.pk}/")
    table = html.split("<tbody>")[-1].split("</tbody>")[0]
    april = f"/en/scorecards/public/{community.slug}/2024-04/"
    may = f"/en/scorecards/public/{community.slug}/2024-05/"
    # Each month is named as people say it, and leads to that month's list.
    assert f'<td><a href="{april}">April 2024</a></td><td class="text-end">80.00</td>' in table
    assert "90.00" not in html
    # A month of unranked lines only has no average and no point on the chart.
    assert f'<td><a href="{may}">May 2024</a></td><td class="text-end">—</td>' in table
    assert "2024-05: " not in html
    assert html.count("<circle") == 1


@pytest.mark.parametrize(
    ("band", "inspections", "shown"),
    [
        ("none", 2, Decimal("88.00")),
        ("black", 1, Decimal("88.00")),  # a veto black-lists even with too few inspections
        ("unranked", 1, None),
        ("unranked", 0, None),
    ],
)
def test_public_score_of_an_entry(community, compound_a, band, inspections, shown):
    publication = publish(community, MAY, [row(compound_a, "88", band, inspections=inspections)])
    assert publication.entries.get().public_score == shown


def test_an_unranked_compound_shows_no_score_on_any_page(
    client, community, company_a, compound_a, compound_c
):
    # given: one clean inspection, too few to rank, computes 100.00
    publish(
        community,
        MAY,
        [
            row(compound_a, "88.00", "none", rank=1),
            row(
                compound_c,
                "100.00",
                "unranked",
                inspections=1,
                reasons={"reasons": ["too_few_inspections"]},
            ),
        ],
    )
    slug = community.slug
    # when / then: the list, the compound's trend and the company's compounds agree with the
    # open data (null score)
    for url in (
        f"/en/scorecards/public/{slug}/",
        f"/en/scorecards/public/{slug}/2024-05/",
        f"/en/scorecards/public/{slug}/compound/{compound_c.pk}/",
        f"/en/scorecards/public/{slug}/company/{company_a.pk}/",
    ):
        html = _page(client, url)
        assert "100.00" not in html, url
        assert "88.00" in html or "compound/" in url, url
        assert "—" in html, url
    assert "Too few inspections this month" in _page(client, f"/en/scorecards/public/{slug}/")


def test_no_list_yet(client, community):
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "No list has been published yet." in html


@pytest.mark.parametrize(
    "who",
    [
        None,
        "staff",
        "grid_worker",
        "company_user_a",
        "company_user_b",
        "committee_member_a",
        "resident",
    ],
)
def test_every_role_reads_the_same_public_list(client, world, community, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert "92.25" in html
    assert "73.50" in html
    assert "65.50" not in html
    assert "12.34" not in html
    # Every role reads a replaced edition the same way too.
    old = _page(client, f"/en/scorecards/public/{community.slug}/2024-05/edition/1/")
    assert "65.50" in old
    assert "12.34" not in old


def test_post_is_refused(client, world, community):
    assert client.post(f"/scorecards/public/{community.slug}/").status_code == 405


# --- Cache -----------------------------------------------------------------------------------------


def test_second_anonymous_request_is_served_from_cache(client, world, community):
    url = f"/en/scorecards/public/{community.slug}/"
    first = _page(client, url)
    with CaptureQueriesContext(connection) as queries:
        second = _page(client, url)
    assert len(queries) == 0
    assert second.count("92.25") == first.count("92.25") == 1
    assert "@@scorecards-public-csrf@@" not in second
    assert "@@scorecards-public-csrf@@" not in first


def test_cached_page_needs_no_csrf_token_and_links_each_language(client, world, community):
    # A cached anonymous page has no form: the language switch is a link to the same page under
    # the other language's URL, so no visitor needs a CSRF cookie to read the list.
    url = f"/en/scorecards/public/{community.slug}/"
    first = client.get(url)
    second = client.get(url)
    html = second.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "X-CSRFToken" not in html
    assert "csrftoken" not in second.cookies
    assert f'href="/scorecards/public/{community.slug}/" hreflang="zh-hans"' in html
    assert f'href="{url}" hreflang="en"' in html
    assert first.content == second.content
    chinese = client.get(f"/scorecards/public/{community.slug}/")
    assert chinese.status_code == 200
    assert 'lang="zh-hans"' in chinese.content.decode()


def test_logged_in_pages_switch_language_by_links_too(client, world, community, staff):
    client.force_login(staff)
    html = client.get(f"/en/scorecards/public/{community.slug}/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html  # the log-out form
    assert f'href="/scorecards/public/{community.slug}/" hreflang="zh-hans"' in html
    assert "/i18n/setlang/" not in html


def test_languages_are_cached_apart(client, world, community):
    en = _page(client, f"/en/scorecards/public/{community.slug}/")
    zh = _page(client, f"/scorecards/public/{community.slug}/")
    # Each reader reads the band headings in their own language only.
    for zh_name, en_name in (
        ("红榜", "Red list"),
        ("黑榜", "Black list"),
        ("未上榜", "Not listed"),
    ):
        assert f'">{en_name} <span class="badge' in en
        assert zh_name not in en.split("<main", 1)[-1]
        assert f'">{zh_name} <span class="badge' in zh
    assert '<html lang="en">' in en
    assert '<html lang="zh-hans">' in zh


def test_cache_is_cleared_on_list_published(client, community, compound_a, compound_b):
    url = f"/en/scorecards/public/{community.slug}/"
    publish(community, APRIL, [row(compound_a, "91", "red", rank=1)])
    assert "April 2024" in _page(client, url)
    # A new publication written without the signal: the cached page still shows April...
    publish(community, MAY, [row(compound_b, "77.77", "none", rank=1)])
    assert "77.77" not in _page(client, url)
    # ...until the publication is announced.
    list_published.send(sender=None, community_id=community.pk, month=MAY)
    assert "77.77" in _page(client, url)


def test_signal_of_another_community_keeps_the_cache(
    client, community, other_community, compound_a, compound_b
):
    url = f"/en/scorecards/public/{community.slug}/"
    publish(community, APRIL, [row(compound_a, "91", "red", rank=1)])
    _page(client, url)
    publish(community, MAY, [row(compound_b, "77.77", "none", rank=1)])
    list_published.send(sender=None, community_id=other_community.pk, month=MAY)
    assert "77.77" not in _page(client, url)


def test_invalidation_drops_the_version(community):
    first = public.page_key(community.slug, "en", "latest")
    assert public.page_key(community.slug, "en", "latest") == first
    list_published.send(sender=None, community_id=community.pk, month=MAY)
    assert public.page_key(community.slug, "en", "latest") != first
    assert cache.get(first) is None


# --- Query counts --------------------------------------------------------------------------------


def _queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        _page(client, url)
    return len(queries)


@pytest.mark.parametrize("page", ["latest", "month", "archive", "company"])
def test_query_count_does_not_grow_with_compounds(
    client, community, other_community, company_a, page
):
    def url(c):
        return {
            "latest": f"/en/scorecards/public/{c.slug}/",
            "month": f"/en/scorecards/public/{c.slug}/2024-05/",
            "archive": f"/en/scorecards/public/{c.slug}/months/",
            "company": f"/en/scorecards/public/{c.slug}/company/{company_a.pk}/",
        }[page]

    bulk_publish(community, company_a, MAY, 10)
    small = _queries(client, url(community))
    bulk_publish(other_community, company_a, MAY, 1000)
    large = _queries(client, url(other_community))
    assert small == large
    html = _page(client, url(other_community))
    assert "批量小区202405-0999" in html or page == "archive"


# --- Through the publishing service ------------------------------------------------------------


def test_publish_month_refreshes_the_cached_page(
    client, community, compound_a, compound_b, staff, django_capture_on_commit_callbacks
):
    from scorecards.scoring import publish_month

    rubric = rubric_for(community, 2024)
    for compound, total, band in ((compound_a, "93.50", "red"), (compound_b, "61.25", "black")):
        for month in (MAY, JUNE):
            Scorecard.objects.create(
                compound=compound,
                company=compound.contracts.first().company,
                month=month,
                rubric=rubric,
                total=Decimal(total) - (month.month - 5),
                band=band,
                inspections=2,
            )
    url = f"/en/scorecards/public/{community.slug}/"
    assert "No list has been published yet." in _page(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        publish_month(community=community, month=MAY, user=staff)
    html = _page(client, url)
    assert "93.50" in html
    assert "61.25" in html
    # June stays a draft: on no page, in no export.
    assert "92.50" not in html
    assert client.get(f"/scorecards/public/{community.slug}/2024-06/").status_code == 404
    api = client.get(f"/api/v1/communities/{community.slug}/redblack/latest.json").json()
    assert api["month"] == "2024-05"
    assert sorted(r["score"] for r in api["rows"]) == ["61.25", "93.50"]


def test_other_workers_see_a_publication_within_the_version_memo(
    client, community, compound_a, compound_b, monkeypatch
):
    import time

    url = f"/en/scorecards/public/{community.slug}/"
    publish(community, APRIL, [row(compound_a, "91", "red", rank=1)])
    _page(client, url)
    publish(community, MAY, [row(compound_b, "77.77", "none", rank=1)])
    # Another worker published: the shared version is gone, this worker's memo still holds it.
    cache.delete(f"scorecards:public:{community.slug}:version")
    assert "77.77" not in _page(client, url)
    later = time.monotonic() + 1.5
    monkeypatch.setattr(public.time, "monotonic", lambda: later)
    assert "77.77" in _page(client, url)


def test_without_version_memo_every_hit_reads_the_version(client, community, compound_a, settings):
    settings.SCORECARDS_PUBLIC_VERSION_SECONDS = 0
    url = f"/en/scorecards/public/{community.slug}/"
    publish(community, APRIL, [row(compound_a, "91", "red", rank=1)])
    _page(client, url)
    publish(community, MAY, [row(compound_a, "77.77", "none", rank=1)])
    cache.delete(f"scorecards:public:{community.slug}:version")
    assert "77.77" in _page(client, url)


@pytest.mark.parametrize("page", ["", "2024-04/", "2024-05/edition/1/"])
def test_the_list_says_which_compounds_are_ranked(client, world, community, page):
    # Residents of a courtyard (no property company) otherwise look for it in vain.
    html = _page(client, f"/en/scorecards/public/{community.slug}/{page}")
    note = re.search(r'<p[^>]*id="who-is-ranked"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "served by a property company under an agreement are ranked" in note
    assert "courtyards without a property company are not" in note


def test_the_list_says_which_compounds_are_ranked_before_any_publication(client, community):
    html = _page(client, f"/en/scorecards/public/{community.slug}/")
    assert 'id="who-is-ranked"' in html
