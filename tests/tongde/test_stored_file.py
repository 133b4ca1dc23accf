"""A file a row names but the storage no longer holds is a 404 on every page that serves one."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from campaigns.models import Meeting
from tongde import uploads


@pytest.mark.django_db
def test_a_stored_file_opens_and_a_missing_one_is_not_found(community):
    meeting = Meeting(community=community, kind="joint", held_on="2026-11-20", title="会议")
    meeting.minutes.save("minutes.pdf", ContentFile(b"%PDF-1.4 minutes"), save=True)

    with uploads.stored_file(meeting.minutes) as handle:
        assert handle.read() == b"%PDF-1.4 minutes"
    meeting.minutes.storage.delete(meeting.minutes.name)
    with pytest.raises(Http404):
        uploads.stored_file(meeting.minutes)
    # A row with no file at all is not found either.
    meeting.minutes = ""
    with pytest.raises(Http404):
        uploads.stored_file(meeting.minutes)
