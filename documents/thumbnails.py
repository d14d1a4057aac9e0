"""Photo thumbnails for the visit report, read from the photo store (local disk or S3).

A report is still worth having when the store has trouble: a thumbnail that cannot be read (object
missing, store down or timing out, bytes that are not a picture) is ``None`` and the report shows
a placeholder in its place. Once the store itself fails to answer (a connection error or time-out,
not a missing object), the remaining thumbnails are not tried: one slow store must not cost a
time-out per photo.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError
from django.core.files.storage import Storage, default_storage
from PIL import Image

from photos.storage import STORAGE_ERRORS

logger = logging.getLogger(__name__)

#: The store's thumbnails are small JPEGs (a few dozen KB); anything far larger is not one.
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
MAX_THUMBNAIL_PIXELS = 4_000_000
# A thumbnail that is not a picture Pillow can read (or one too large to be ours) is skipped alike.
_PICTURE_ERRORS: tuple[type[BaseException], ...] = (
    *STORAGE_ERRORS,
    ValueError,
    SyntaxError,
    Image.DecompressionBombError,
)


@dataclass(frozen=True)
class Thumbnail:
    """A readable thumbnail: JPEG bytes and their pixel size."""

    data: bytes
    width: int
    height: int


def _read(name: str, storage: Storage) -> bytes | None:
    with storage.open(name, "rb") as handle:
        data: bytes = handle.read(MAX_THUMBNAIL_BYTES + 1)
    return data if len(data) <= MAX_THUMBNAIL_BYTES else None


def _picture(data: bytes) -> Thumbnail | None:
    """The thumbnail as JPEG (re-encoded if the store holds another format), or None."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > MAX_THUMBNAIL_PIXELS:
            return None
        if image.format == "JPEG":
            return Thumbnail(data=data, width=width, height=height)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        return Thumbnail(data=out.getvalue(), width=width, height=height)


def load_thumbnails(
    names: Iterable[tuple[uuid.UUID, str]], *, storage: Storage | None = None
) -> dict[uuid.UUID, Thumbnail | None]:
    """``{photo_id: Thumbnail or None}`` for ``(photo_id, storage name)`` pairs, in one pass."""
    store = storage or default_storage
    found: dict[uuid.UUID, Thumbnail | None] = {}
    store_down = False
    for photo_id, name in names:
        found[photo_id] = None
        if store_down or not name:
            continue
        try:
            data = _read(name, store)
            found[photo_id] = None if data is None else _picture(data)
        except BotoCoreError as exc:  # connection refused, time-out: the store, not this object
            logger.warning("visit report: photo store unavailable (%s)", exc.__class__.__name__)
            store_down = True
        except _PICTURE_ERRORS as exc:
            logger.warning("visit report: thumbnail %s unreadable (%s)", photo_id, exc.__class__.__name__)
    return found
