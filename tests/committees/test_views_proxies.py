"""Proxy authorisations: the service's refusals, files judged by content, pages per role, and a
proxy's ballot accepted once recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from committees import proxies, voting
from committees.models import Election, ElectionLogEntry, ProxyAuthorisation, RollEntry
from tests import factories
from tests.campaigns.factories import image_bytes
from tests.committees.test_voting import CLOSES, NOW, build_compound, voting_election
from tongde import uploads

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = image_bytes("JPEG")
PNG = image_bytes("PNG")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dwellings(compound_a):
    return build_compound(compound_a)


@pytest.fixture
def election(compound_a, dwellings, staff):
    return voting_election(compound_a, staff)


@pytest.fixture
def entry(election, dwellings):
    return RollEntry.objects.get(election=election, dwelling=dwellings[2])


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- the service --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "ext"), [(PDF, "pdf"), (JPEG, "jpg"), (PNG, "png")], ids=["pdf", "jpeg", "png"]
)
def test_proxy_record_stores_the_document_under_a_random_name_and_logs(
    election, entry, staff, settings, data, ext
):
    # given an election in its voting window and a signed authorisation
    # when staff record the proxy
    proxy = proxies.proxy_record(
        election=election, roll_entry=entry, proxy_name="李代理", document=data, user=staff
    )
    # then the row, the file (named by its content, not by the owner) and a log entry exist
    proxy.refresh_from_db()
    assert proxy.proxy_name == "李代理"
    assert proxy.recorded_by == staff
    assert proxy.document.name.endswith(f".{ext}")
    assert "李" not in proxy.document.name
    with proxy.document.open("rb") as f:
        assert f.read() == data
    log = ElectionLogEntry.objects.get(election=election, action="proxy.recorded")
    assert log.actor == staff
    assert log.detail["proxy_name"] == "李代理"
    assert log.detail["dwelling"] == "1/" + entry.dwelling.unit.code + "/103"


BAD_FILES = [
    ("missing", None, proxies.DOCUMENT_REQUIRED),
    ("empty", b"", uploads.DOCUMENT_EMPTY),
    ("text", b"I authorise my neighbour", proxies.DOCUMENT_BAD_TYPE),
    ("html named like a pdf", b"<html><script>alert(1)</script>", proxies.DOCUMENT_BAD_TYPE),
    ("zip", b"PK\x03\x04" + b"\x00" * 20, proxies.DOCUMENT_BAD_TYPE),
    ("pdf marker not at the start", b" %PDF-1.4", proxies.DOCUMENT_BAD_TYPE),
    # A JPEG's first bytes and nothing a decoder can read: not a photo of the authorisation.
    (
        "jpeg header only",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
        proxies.DOCUMENT_BAD_TYPE,
    ),
    ("a webp photo", image_bytes("WEBP"), proxies.DOCUMENT_BAD_TYPE),
    (
        "over 5 MB",
        PDF + b"\x00" * proxies.MAX_DOCUMENT_BYTES,
        uploads.DOCUMENT_TOO_LARGE
        % {
            "size": filesizeformat(len(PDF) + proxies.MAX_DOCUMENT_BYTES),
            "limit": filesizeformat(proxies.MAX_DOCUMENT_BYTES),
        },
    ),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_proxy_record_refuses_a_bad_document_and_saves_nothing(
    election, entry, staff, settings, case, data, message
):
    # given a file that is missing, empty, too large or not a PDF/JPEG/PNG by content
    # when staff try to record the proxy
    with pytest.raises(ValidationError) as exc:
        proxies.proxy_record(
            election=election, roll_entry=entry, proxy_name="李代理", document=data, user=staff
        )
    # then the refusal names the document, and no row, file or log entry is left
    assert exc.value.message_dict["document"] == [str(message)]
    assert not ProxyAuthorisation.objects.exists()
    assert not stored_files(settings)
    assert not ElectionLogEntry.objects.filter(action="proxy.recorded").exists()


def test_exactly_5_mb_is_accepted(election, entry, staff):
    # given a PDF of exactly the limit
    data = PDF + b"\x00" * (proxies.MAX_DOCUMENT_BYTES - len(PDF))
    # when / then it is recorded
    proxies.proxy_record(
        election=election, roll_entry=entry, proxy_name="李代理", document=data, user=staff
    )
    assert ProxyAuthorisation.objects.count() == 1


def _other_election_entry(compound_b, staff):
    build_compound(compound_b)
    other = voting_election(compound_b, staff)
    return RollEntry.objects.filter(election=other).first()


@pytest.mark.parametrize(
    "case",
    ["not voting", "window closed", "already voted", "duplicate", "other election", "no name"],
)
def test_proxy_record_refusals(election, entry, staff, settings, compound_b, case):
    # given an election and a dwelling in the state the case describes
    roll_entry, name, now = entry, "李代理", NOW
    expected = {
        "not voting": proxies.PROXY_NOT_VOTING,
        "window closed": proxies.PROXY_WINDOW_CLOSED,
        "already voted": proxies.PROXY_ALREADY_VOTED,
        "duplicate": proxies.PROXY_DUPLICATE % {"name": "李代理"},
        "other election": proxies.PROXY_WRONG_ELECTION,
        "no name": proxies.PROXY_NAME_REQUIRED,
    }[case]
    if case == "not voting":
        Election.objects.filter(pk=election.pk).update(stage=Election.Stage.PUBLICITY)
    elif case == "window closed":
        now = CLOSES
    elif case == "already voted":
        voting.ballot_cast(
            election=election, roll_entry=entry, choices=["甲"], channel="on_site", now=NOW
        )
    elif case == "duplicate":
        proxies.proxy_record(
            election=election, roll_entry=entry, proxy_name=name, document=PDF, user=staff
        )
    elif case == "other election":
        roll_entry = _other_election_entry(compound_b, staff)
    elif case == "no name":
        name = "  "
    before = ProxyAuthorisation.objects.count()
    files_before = len(stored_files(settings))
    # when staff try to record a proxy
    with pytest.raises(ValidationError) as exc:
        proxies.proxy_record(
            election=election,
            roll_entry=roll_entry,
            proxy_name=name,
            document=PDF,
            user=staff,
            now=now,
        )
    # then it is refused with its message, and nothing is stored
    assert str(expected) in exc.value.messages
    assert ProxyAuthorisation.objects.count() == before
    assert len(stored_files(settings)) == files_before


def test_a_recorded_proxy_may_vote_and_an_unrecorded_one_may_not(election, entry, staff, dwellings):
    # given a proxy recorded for one dwelling
    proxy = proxies.proxy_record(
        election=election, roll_entry=entry, proxy_name="李代理", document=PDF, user=staff
    )
    other = RollEntry.objects.get(election=election, dwelling=dwellings[3])
    # when the proxy votes for another dwelling, then it is refused
    with pytest.raises(voting.VotingError):
        voting.ballot_cast(
            election=election, roll_entry=other, choices=["甲"], channel="on_site", proxy=proxy
        )
    # when the proxy votes for the dwelling it was authorised for, then the ballot counts
    ballot = voting.ballot_cast(
        election=election, roll_entry=entry, choices=["甲"], channel="on_site", proxy=proxy
    )
    assert ballot.proxy == proxy


# --- pages and roles ----------------------------------------------------------------------------


@pytest.fixture
def other_staff(other_community):
    return factories.membership_user("staff", community=other_community)


@pytest.fixture
def recorded(election, entry, staff):
    return proxies.proxy_record(
        election=election, roll_entry=entry, proxy_name="李代理", document=PDF, user=staff
    )


ROLES = ["anonymous", "resident", "company", "committee", "grid", "staff", "other_staff", "super"]


@pytest.fixture
def users(resident, company_user_a, committee_member_a, grid_worker, staff, other_staff, superuser):
    return {
        "anonymous": None,
        "resident": resident,
        "company": company_user_a,
        "committee": committee_member_a,
        "grid": grid_worker,
        "staff": staff,
        "other_staff": other_staff,
        "super": superuser,
    }


# role → expected status for: list, new (GET), dwelling search, document
EXPECTED = {
    "anonymous": (302, 302, 302, 302),
    "resident": (403, 403, 403, 403),
    "company": (404, 404, 404, 404),
    "committee": (403, 403, 403, 403),
    "grid": (200, 403, 403, 200),
    "staff": (200, 200, 200, 200),
    "other_staff": (404, 404, 404, 404),
    "super": (200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_proxy_pages_per_role(client, users, election, recorded, role):
    # given a recorded proxy and a user of each role
    login(client, users[role])
    urls = [
        reverse("committees:proxy_list", args=[election.pk]),
        reverse("committees:proxy_create", args=[election.pk]),
        reverse("committees:proxy_dwelling_search", args=[election.pk]) + "?dwelling=10",
        reverse("committees:proxy_document", args=[recorded.pk]),
    ]
    # when they open each page
    statuses = tuple(client.get(url).status_code for url in urls)
    # then each answers as the role allows
    assert statuses == EXPECTED[role]


def test_proxy_list_shows_the_dwelling_and_the_proxy(client, staff, election, recorded):
    # given a recorded proxy
    login(client, staff)
    # when staff open the list
    html = client.get(reverse("committees:proxy_list", args=[election.pk])).content.decode()
    # then it shows the dwelling, the proxy and a link to the document
    assert "李代理" in html
    assert "1/" + recorded.roll_entry.dwelling.unit.code + "/103" in html
    assert reverse("committees:proxy_document", args=[recorded.pk]) in html


def test_document_is_served_with_its_checked_type_and_nosniff(client, grid_worker, recorded):
    # given a recorded proxy with a PDF
    login(client, grid_worker)
    # when a grid worker opens the document
    response = client.get(reverse("committees:proxy_document", args=[recorded.pk]))
    # then it is the PDF, never sniffed as anything else nor cached
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_dwelling_search_lists_matches_with_their_state(client, staff, election, recorded):
    # given a recorded proxy for dwelling 103
    login(client, staff)
    # when staff type "10"
    url = reverse("committees:proxy_dwelling_search", args=[election.pk])
    html = client.get(url, {"dwelling": "10"}).content.decode()
    # then every dwelling 101-105 is offered, and 103 shows its proxy
    for code in ("101", "102", "103", "104", "105"):
        assert f'/{code}"' in html
    assert html.count("badge") == 1


def _post(client, election, *, dwelling="103", name="李代理", data=PDF, filename="auth.pdf"):
    payload = {"dwelling": dwelling, "proxy_name": name}
    if data is not None:
        payload["document"] = SimpleUploadedFile(filename, data)
    return client.post(reverse("committees:proxy_create", args=[election.pk]), payload)


def test_staff_record_a_proxy_through_the_page(client, staff, election):
    # given staff on the form
    login(client, staff)
    # when they submit a dwelling, a name and a PNG
    response = _post(client, election, data=PNG, filename="scan.png")
    # then the proxy is recorded and they are back on the list
    assert response.status_code == 302
    assert response.url == reverse("committees:proxy_list", args=[election.pk])
    proxy = ProxyAuthorisation.objects.get()
    assert proxy.document.name.endswith(".png")


@pytest.mark.parametrize(
    ("case", "kwargs", "field", "message"),
    [
        ("text file named .pdf", {"data": b"hello", "filename": "a.pdf"}, "document",
         proxies.DOCUMENT_BAD_TYPE),
        ("no file", {"data": None}, "document", None),
        ("too large", {"data": PDF + b"\x00" * proxies.MAX_DOCUMENT_BYTES}, "document", None),
        ("unknown dwelling", {"dwelling": "999"}, "dwelling", None),
        ("no name", {"name": ""}, "proxy_name", None),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_bad_submissions_are_shown_and_nothing_is_saved(
    client, staff, election, settings, case, kwargs, field, message
):
    # given staff on the form
    login(client, staff)
    # when they submit something wrong
    response = _post(client, election, **kwargs)
    # then the form comes back with the error on the field, and nothing is stored
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message is not None:
        assert str(message) in errors[field]
    assert not ProxyAuthorisation.objects.exists()
    assert not stored_files(settings)


def test_service_refusal_shows_on_the_form(client, staff, election):
    # given an election whose voting window has closed
    login(client, staff)
    with time_machine.travel(CLOSES + dt.timedelta(minutes=1), tick=False):
        # when staff submit a good proxy
        response = _post(client, election)
    # then the refusal is shown and nothing is saved
    assert response.status_code == 400
    assert str(proxies.PROXY_WINDOW_CLOSED) in response.context["form"].non_field_errors()
    assert not ProxyAuthorisation.objects.exists()


def test_grid_worker_cannot_record(client, grid_worker, election):
    # given a grid worker
    login(client, grid_worker)
    # when they post a proxy
    response = _post(client, election)
    # then they are refused and nothing is saved
    assert response.status_code == 403
    assert not ProxyAuthorisation.objects.exists()
