"""The demo's patrol problems carry photos as a grid worker's phone would: most problems a photo
when found, every problem the company answered a photo of the fix; small JPEGs, the same bytes
under the same names every load, stored like an upload; a second load writes no file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from campaigns import demo_patrols
from campaigns.models import Problem

User = get_user_model()


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, media):
    """Load the demo once for the module, its files in ``media``; roll it back afterwards."""
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media_root(settings, media) -> None:
    # Each test reads the module's demo files (this replaces the per-test folder of conftest).
    settings.MEDIA_ROOT = media


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def _planned() -> list[tuple[str, demo_patrols.ProblemPlan]]:
    return [
        (f"{p.grid}|{p.patrolled_on}|{n}", item)
        for p in demo_patrols.plan()
        for n, item in enumerate(p.problems)
    ]


def test_most_problems_have_a_photo_and_every_answered_one_a_photo_of_the_fix(demo, media):
    problems = Problem.objects.filter(compound__community__slug="tongde-lane")
    planned = _planned()
    # given the plan: most problems photographed, not all
    expected = sum(item.has_photo for _key, item in planned)
    assert len(planned) * 0.6 < expected < len(planned)

    # then the photos are there, as many as planned, and each answer has its photo of the fix
    assert problems.count() == len(planned)
    assert problems.exclude(photo="").count() == expected
    answered = problems.exclude(company_answer="")
    assert answered.exists()
    assert not answered.filter(answer_photo="").exists()
    assert not problems.filter(company_answer="").exclude(answer_photo="").exists()
    # closed by the company and sent back alike
    assert answered.filter(status=Problem.Status.CLOSED).exclude(answer_photo="").exists()
    assert answered.filter(status=Problem.Status.ASSIGNED).exclude(answer_photo="").exists()

    # stored like an upload: under the fields' folders, small JPEGs that Pillow reads
    for problem in problems.exclude(photo=""):
        assert problem.photo.name.startswith("problems/")
        assert (media / problem.photo.name).is_file()
    for problem in answered:
        assert problem.answer_photo.name.startswith("problems/answers/")
    sizes = [path.stat().st_size for path in media.rglob("*.jpg")]
    assert len(sizes) == expected + answered.count()
    assert max(sizes) < 10_000
    with Image.open(media / answered.first().answer_photo.name) as image:
        assert image.format == "JPEG"


def test_each_photo_is_the_bytes_drawn_from_its_problem(demo, media):
    # given a photographed problem of the plan and its key
    key = next(k for k, item in _planned() if item.has_photo)
    expected = demo_patrols._photo_file(key)

    # then it is stored under the name drawn from its key, with the bytes drawn from it
    problem = Problem.objects.get(photo__endswith=f"/{expected.name}")
    assert (media / problem.photo.name).read_bytes() == demo_patrols.photo(key)
    assert demo_patrols.photo(key) == demo_patrols.photo(key)
    assert demo_patrols.photo(key) != demo_patrols.photo(key, cleared=True)


def test_a_second_load_adds_no_photo_and_writes_no_file(demo, media):
    # given
    before = _files(media)
    names = list(Problem.objects.order_by("pk").values_list("pk", "photo", "answer_photo"))

    # when
    call_command("load_demo", stdout=io.StringIO())

    # then
    assert _files(media) == before
    assert list(Problem.objects.order_by("pk").values_list("pk", "photo", "answer_photo")) == names


def test_the_problem_page_shows_both_photos(demo, client):
    problem = (
        Problem.objects.exclude(photo="")
        .exclude(answer_photo="")
        .filter(status=Problem.Status.CLOSED)
        .order_by("pk")
        .first()
    )
    client.force_login(User.objects.get(username="staff"))

    response = client.get(reverse("campaigns:problem_detail", args=[problem.pk]))

    html = response.content.decode()
    for which, alt in (("found", "Photo of the problem"), ("answer", "Evidence photo")):
        url = reverse("campaigns:problem_photo", args=[problem.pk, which])
        assert f'src="{url}" alt="{zh(alt)}"' in html
        photo = client.get(url)
        assert photo.status_code == 200
        field = problem.photo if which == "found" else problem.answer_photo
        with field.open("rb") as stored:
            assert b"".join(photo.streaming_content) == stored.read()
