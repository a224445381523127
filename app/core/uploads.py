"""Checking an uploaded image by its content, with Pillow: never by its name or its type."""

import io
import warnings
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from app.core.i18n import current_language

# Pillow's format name -> (Content-Type, file extension)
FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
MAX_PIXELS = 40_000_000  # a 5 MB file can decode to gigabytes: refuse before decoding


class ImageRefused(ValueError):
    """An upload that is not an image we accept, with a sentence saying why."""

    status = 400


class ImageTooLarge(ImageRefused):
    status = 413


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    extension: str
    width: int
    height: int


def _megabytes(size: int) -> str:
    """'5.0 MB', '5,0 Mo': the number and the unit as the reader writes them."""
    number = format_decimal(size / (1024 * 1024), format="0.0", locale=current_language())
    return _("%(number)s MB", number=number)


def check_image(data: bytes, max_bytes: int) -> CheckedImage:
    """Say what the bytes are if they are a whole PNG, JPEG, WebP or GIF image; else refuse."""
    if len(data) > max_bytes:
        raise ImageTooLarge(
            _(
                "The image is %(size)s; the largest accepted is %(limit)s. Save it smaller (for "
                "example 1600 pixels wide) and upload it again.",
                size=_megabytes(len(data)),
                limit=_megabytes(max_bytes),
            )
        )
    if not data:
        raise ImageRefused(_("The file is empty. Choose an image to upload."))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise ImageRefused(
            _(
                "SVG images are not accepted, because they can carry scripts. Export the "
                "drawing as PNG and upload that."
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found = FORMATS.get(image.format or "")
                width, height = image.size
                if found is None:
                    raise ImageRefused(_not_accepted())
                if width * height > MAX_PIXELS:
                    raise ImageRefused(
                        _(
                            "The image is %(width)d × %(height)d pixels; keep it under 40 "
                            "megapixels.",
                            width=width,
                            height=height,
                        )
                    )
                image.verify()  # checks the file's structure and checksums
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decodes every pixel: a truncated file fails here
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # fmt: skip
        raise ImageRefused(_not_accepted()) from error
    return CheckedImage(found[0], found[1], width, height)


def _not_accepted() -> str:
    return _(
        "This file is not a PNG, JPEG, WebP or GIF image (whatever its name says). "
        "Choose an image in one of these formats."
    )


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str


def check_attachment(data: bytes, max_bytes: int) -> CheckedFile:
    """An image (as `check_image` checks it) or a PDF document; anything else is refused."""
    if data[:5] != b"%PDF-":
        try:
            checked = check_image(data, max_bytes)
        except ImageRefused as refused:
            if str(refused) != _not_accepted():
                raise
            raise ImageRefused(
                _(
                    "This file is not a PDF document nor a PNG, JPEG, WebP or GIF image "
                    "(whatever its name says). Save it in one of these formats."
                )
            ) from refused
        return CheckedFile(checked.content_type, checked.extension)
    if len(data) > max_bytes:
        raise ImageTooLarge(
            _(
                "The file is %(size)s; the largest accepted is %(limit)s.",
                size=_megabytes(len(data)),
                limit=_megabytes(max_bytes),
            )
        )
    if b"%%EOF" not in data[-1024:]:
        raise ImageRefused(
            _("This PDF file is cut short or damaged. Save it again and upload the new copy.")
        )
    return CheckedFile("application/pdf", ".pdf")
