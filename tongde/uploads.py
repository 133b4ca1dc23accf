"""Uploaded files, judged by their content: photos, and documents (minutes, regulations, scans,
report attachments, proxy authorisations).

An upload is judged by what is in it, never by its name or the content type the browser sent (both
are the uploader's to choose). A photo is what Pillow reads as JPEG, PNG or WebP, up to
``settings.PHOTO_MAX_BYTES``; its thumbnail is at most 480×480, turned upright from the EXIF
orientation that phones write, and re-encoded as JPEG. The photo itself is kept upright and
re-encoded in its own format without its EXIF and XMP blocks, which hold the photographer's GPS
position, the time and the camera (photos may be shown to the public). A document is a PDF (it
starts with ``%PDF``), a Word file (a zip holding ``word/document.xml``) or a photo (stored like
one), each caller naming the kinds it takes. Files are stored under random names: the uploader's
file name, which may carry people's names, never reaches the disk.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Collection
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_SIZE = (480, 480)
# Pillow's format name → the extension a stored photo gets.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
FORMAT_OF_EXTENSION = {ext: fmt for fmt, ext in FORMATS.items()}
# Far above any phone camera (200 MP) yet far below what would exhaust memory when decoded.
MAX_PIXELS = 120_000_000

PHOTO_EMPTY = _("The file is empty.")
PHOTO_TOO_LARGE = _("The photo is %(size)s; at most %(limit)s is accepted.")
PHOTO_NOT_IMAGE = _("The file is not a photo (judged by its content, not its name).")
PHOTO_BAD_FORMAT = _("Photos in %(format)s format are not accepted: use JPEG, PNG or WebP.")
PHOTO_TOO_MANY_PIXELS = _("The photo has too many pixels: send a smaller one.")


def stored_file(field) -> File:
    """The file ``field`` names, opened for reading: 404 when the storage no longer has it (a
    database restored without its media folder), not a server error."""
    try:
        return field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc


def max_bytes() -> int:
    return getattr(settings, "PHOTO_MAX_BYTES", 8 * 1024 * 1024)


def read_all(file: IO[bytes]) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def size_of(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(0)
    return size


def photo_format(file: IO[bytes]) -> str:
    """The extension (jpg, png, webp) of an acceptable photo, or ``ValidationError``."""
    size = size_of(file)
    if size == 0:
        raise ValidationError(PHOTO_EMPTY, code="empty")
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            PHOTO_TOO_LARGE % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    return _image_format(file)


def _image_format(file: IO[bytes]) -> str:
    data = read_all(file)
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(PHOTO_TOO_MANY_PIXELS, code="too_many_pixels")
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses to open an image of that many pixels at all: same answer as above.
        raise ValidationError(PHOTO_TOO_MANY_PIXELS, code="too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        # verify() raises assorted errors for truncated or corrupt files; all mean "not a photo".
        raise ValidationError(PHOTO_NOT_IMAGE, code="not_image") from exc
    if kind not in FORMATS:
        raise ValidationError(PHOTO_BAD_FORMAT % {"format": kind}, code="bad_format")
    return FORMATS[kind]


def photo_check(file: IO[bytes]) -> None:
    """Refuse (``ValidationError`` with a translated message) an empty, oversized, corrupt or
    non-image file, or an image in a format other than JPEG, PNG or WebP."""
    photo_format(file)


def make_thumbnail(file: IO[bytes]) -> ContentFile:
    """A JPEG of at most 480×480, upright, without EXIF. Call after ``photo_check``."""
    with Image.open(io.BytesIO(read_all(file))) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            # JPEG has no alpha: flatten transparent PNG/WebP onto white.
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(12)}.jpg")


def without_metadata(file: IO[bytes], ext: str) -> bytes:
    """The photo upright and re-encoded in its own format, without its EXIF and XMP blocks: a
    phone writes the GPS position, the time and the camera there, and photos may be shown to the
    public. The colour profile stays. Call after ``photo_check``."""
    with Image.open(io.BytesIO(read_all(file))) as image:
        icc_profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        transparency = upright.info.get("transparency")
        upright.info.clear()
        options: dict = {"icc_profile": icc_profile} if icc_profile else {}
        if transparency is not None and ext == "png":
            options["transparency"] = transparency
        if ext == "jpg":
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            options.update(quality=92, optimize=True)
        elif ext == "webp":
            options.update(quality=92)
        else:
            options.update(optimize=True)
        out = io.BytesIO()
        upright.save(out, FORMAT_OF_EXTENSION[ext], **options)
    return out.getvalue()


def photo_files(file: IO[bytes]) -> tuple[ContentFile, ContentFile]:
    """Check a photo and return (the photo without its metadata, its thumbnail) as files with
    random names, ready for ``ImageField.save(name, content)``: the uploader's file name never
    reaches the disk."""
    ext = photo_format(file)
    original = ContentFile(without_metadata(file, ext), name=f"{secrets.token_hex(12)}.{ext}")
    return original, make_thumbnail(file)


# --- Documents -----------------------------------------------------------------------------------

DOCUMENT_EMPTY = PHOTO_EMPTY  # one message for any empty upload
DOCUMENT_TOO_LARGE = _("The file is %(size)s; at most %(limit)s is accepted.")
DOCUMENT_BAD_TYPE = _(
    "The file is not a PDF, a Word document (.docx) or a photo (JPEG, PNG, WebP), judged by its "
    "content, not its name."
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
DOCUMENT_KINDS = tuple(CONTENT_TYPES)
ZIP_MAGIC = b"PK\x03\x04"


def _sniff(file: IO[bytes]) -> str | None:
    """The kind of ``file`` by its content (pdf, docx, or a photo's extension), or None."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        # Any zip is not a Word document: look for the part every .docx has.
        try:
            with zipfile.ZipFile(io.BytesIO(read_all(file))) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else None
        except zipfile.BadZipFile:
            return None
    try:
        return _image_format(file)
    except ValidationError:
        return None


def document_kind(
    file: IO[bytes],
    *,
    kinds: Collection[str] = DOCUMENT_KINDS,
    limit: int | None = None,
    bad_type: str = DOCUMENT_BAD_TYPE,
) -> str:
    """The extension of an acceptable document of one of ``kinds``, judged by its content, at
    most ``limit`` bytes (``settings.PHOTO_MAX_BYTES`` by default), or ``ValidationError`` with a
    translated message (``bad_type`` when it is none of ``kinds``)."""
    size = size_of(file)
    if size == 0:
        raise ValidationError(DOCUMENT_EMPTY, code="empty")
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise ValidationError(
            DOCUMENT_TOO_LARGE % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    kind = _sniff(file)
    if kind not in kinds:
        raise ValidationError(bad_type, code="bad_type")
    return kind


def document_content(file: IO[bytes], **check) -> ContentFile:
    """A checked document (``document_kind``'s arguments) as content under a random name."""
    ext = document_kind(file, **check)
    data = without_metadata(file, ext) if ext in FORMATS.values() else read_all(file)
    return ContentFile(data, name=f"{secrets.token_hex(16)}.{ext}")


def content_type(name: str) -> str:
    """The content type to serve a stored file with, from the extension it was stored under."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
