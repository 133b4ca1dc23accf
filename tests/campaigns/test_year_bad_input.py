"""A year out of any record's range, in a filter, a query string or an address, gets a clear
answer (the filter's translated message, this year, a 404) instead of a server error: a year
lookup builds dates, and year -1 or 10**12 makes none."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.forms_meetings import MeetingFilter
from campaigns.models import Meeting

BAD_YEARS = ["-1", "0", str(10**12), "2026.5"]


@pytest.mark.parametrize("year", BAD_YEARS)
def test_the_meeting_filter_refuses_an_impossible_year(db, year):
    filterset = MeetingFilter({"year": year}, queryset=Meeting.objects.all())
    assert "year" in filterset.errors
    assert list(filterset.qs) == []  # the other filters still apply; this one is ignored


@pytest.mark.django_db
@pytest.mark.parametrize("year", BAD_YEARS)
def test_the_meeting_list_shows_the_error_for_an_impossible_year(client, staff, year):
    client.force_login(staff)
    response = client.get(reverse("campaigns:meeting_list"), {"year": year})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["-1", str(10**12), "1999", "2101"])
def test_the_designation_page_falls_back_to_this_year(client, staff, community, year):
    client.force_login(staff)
    response = client.get(
        reverse("campaigns:designation_list"), {"community": community.pk, "year": year}
    )
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.django_db
@pytest.mark.parametrize("year", [0, 1999, 2101, 10**12])
def test_a_designation_address_with_an_impossible_year_is_not_found(client, staff, community, year):
    client.force_login(staff)
    url = reverse("campaigns:designation_targets", args=[community.pk, year])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
