"""Whether an uploaded file reads as the type its first bytes claim: a PDF must parse as a PDF
with at least one page (pypdf), an image must decode as that image (Pillow). Magic bytes alone
let HTML and script through behind ``%PDF-``; a file finance opens must be what it says.

Both libraries only parse the bytes in memory. Hostile input can make a parser raise anything
(its own errors, ValueError, RecursionError, a decompression-bomb error), so every exception
is the same verdict: not readable."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader

IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
MAX_PIXELS = 60_000_000
"""More than any phone or scanner makes; a few megabytes of PNG could otherwise decode to
gigabytes of pixels."""


def unreadable(content: bytes, media_type: str) -> str | None:
    """Why ``content`` does not read as ``media_type``, or None when it does."""
    try:
        if media_type == "application/pdf":
            return None if len(PdfReader(io.BytesIO(content)).pages) else "a PDF without pages"
        with Image.open(io.BytesIO(content), formats=[IMAGE_FORMATS[media_type]]) as image:
            if image.width * image.height > MAX_PIXELS:
                return f"more than {MAX_PIXELS} pixels"
            image.load()
    except Exception as exc:
        return f"{type(exc).__name__}"
    return None
