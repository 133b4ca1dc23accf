"""Uploads are judged by content: photos (JPEG, PNG, WebP within the size limit, thumbnails
upright) and documents (the kinds each caller takes)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tongde import uploads


def image_bytes(fmt: str = "JPEG", size=(800, 600), color="red", exif_orientation=None) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_accepted_formats(fmt, ext):
    file = upload(image_bytes(fmt), name="whatever.bin")
    uploads.photo_check(file)
    assert uploads.photo_format(file) == ext


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.jpg", uploads.PHOTO_EMPTY),
        (b"%PDF-1.4 not a photo", "fake.jpg", uploads.PHOTO_NOT_IMAGE),
        (b"hello, I am text", "notes.jpg", uploads.PHOTO_NOT_IMAGE),
        # a real JPEG header cut short is not a photo either
        (image_bytes("JPEG")[:200], "cut.jpg", uploads.PHOTO_NOT_IMAGE),
    ],
)
def test_refused_by_content(data, name, message):
    with pytest.raises(ValidationError) as info:
        uploads.photo_check(upload(data, name=name))
    assert info.value.messages == [str(message)]


def test_refuses_an_image_in_another_format():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError) as info:
        uploads.photo_check(upload(out.getvalue(), name="a.gif"))
    assert info.value.code == "bad_format"
    assert "GIF" in info.value.messages[0]


@pytest.mark.parametrize(("limit", "refused"), [(None, False), (-1, True), (0, False)])
def test_size_limit_is_a_setting(settings, limit, refused):
    # given: the limit one byte below, at, and far above the file's size
    data = image_bytes("PNG", size=(50, 50))
    settings.PHOTO_MAX_BYTES = len(data) + (limit if limit is not None else 10**6)
    # when / then
    if refused:
        with pytest.raises(ValidationError) as info:
            uploads.photo_check(upload(data, name="a.png"))
        assert info.value.code == "too_large"
    else:
        uploads.photo_check(upload(data, name="a.png"))


def test_thumbnail_fits_480_and_keeps_proportions():
    thumb = uploads.make_thumbnail(upload(image_bytes("JPEG", size=(1600, 1200))))
    with Image.open(thumb) as image:
        assert image.format == "JPEG"
        assert image.size == (480, 360)


def test_thumbnail_is_turned_upright_and_drops_exif():
    # given: a landscape sensor image that the phone marks "rotate 90° clockwise" (orientation 6)
    data = image_bytes("JPEG", size=(400, 200), exif_orientation=6)
    # when
    thumb = uploads.make_thumbnail(upload(data))
    # then
    with Image.open(thumb) as image:
        assert image.size == (200, 400)
        assert not image.getexif()


def test_thumbnail_of_a_transparent_png():
    thumb = uploads.make_thumbnail(upload(image_bytes("PNG", size=(100, 100)), name="a.png"))
    with Image.open(thumb) as image:
        assert image.mode == "RGB"


def test_photo_files_have_random_names():
    original, thumb = uploads.photo_files(upload(image_bytes("PNG"), name="张三家门口.png"))
    assert original.name.endswith(".png")
    assert "张三" not in original.name
    assert thumb.name.endswith(".jpg")
    assert original.name != thumb.name


@pytest.mark.parametrize("side", [11_000, 20_000])  # Pillow warns past 89 MP, refuses past 179
def test_a_photo_of_too_many_pixels_says_so(side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # a few hundred KB, hundreds of megapixels
    with pytest.raises(ValidationError) as info:
        uploads.photo_check(upload(out.getvalue(), name="huge.png"))
    assert info.value.code == "too_many_pixels"


def gps_photo(fmt: str = "JPEG", size=(400, 200), orientation=6) -> bytes:
    """A phone photo: the GPS position (Jiuquan), the camera and an orientation in its EXIF."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 44.0, 0.0), 3: "E", 4: (98.0, 30.0, 0.0)}  # GPSInfo
    image = Image.new("RGB", size, "red")
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>")
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("WEBP", "webp"), ("PNG", "png")])
def test_a_stored_photo_keeps_no_position_camera_or_time(fmt, ext):
    data = gps_photo(fmt)
    with Image.open(io.BytesIO(data)) as sent:
        assert sent.getexif().get_ifd(0x8825)  # the phone's photo does carry the position
    original, _ = uploads.photo_files(upload(data, name=f"a.{ext}"))
    assert original.name.endswith(f".{ext}")
    stored = original.read()
    assert b"PhoneMaker" not in stored
    assert b"xmpmeta" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt
        assert not image.getexif()
        assert image.size == (200, 400)  # turned upright before the orientation tag went


def test_a_photo_sent_as_a_document_keeps_no_position_either():
    content = uploads.document_content(upload(gps_photo(), name="scan.jpg"), kinds={"pdf", "jpg"})
    stored = content.read()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()


def test_a_transparent_palette_png_stays_transparent():
    image = Image.new("P", (20, 20), 0)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    original, _ = uploads.photo_files(upload(out.getvalue(), name="a.png"))
    with Image.open(original) as stored:
        assert stored.info.get("transparency") == 0
