"""Where photo objects live and how clients reach them.

Objects go to Django's default storage (``media/`` on disk, or S3 through django-storages when
``S3_BUCKET`` is set) under deterministic names, so a retried upload writes the same keys. Every
storage failure surfaces as ``core.exceptions.StorageUnavailable`` (503), never as a 500.

Links expire: on S3 they are presigned (``X-Amz-Expires`` <= 15 minutes); on local storage they point
at ``/api/v1/photos/{id}/file/`` with an expiry and an HMAC signature (``django.core.signing``), since
``media/`` is never served publicly.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from core.exceptions import StorageUnavailable

logger = logging.getLogger(__name__)

ROOT = "photos"
VARIANTS = ("display", "thumb")
_SIGNER_SALT = "photos.file-link"

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - boto3 is a declared dependency
    BotoCoreError = ClientError = OSError  # type: ignore[misc,assignment]

# What a broken or unreachable store raises: connection errors, timeouts, 5xx/403 from S3, full disks.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError, OSError)


def object_names(
    *, organization_id: int, visit_id: uuid.UUID, photo_id: uuid.UUID, content_hash: str
) -> dict:
    """Deterministic object names: the same upload always maps to the same keys.

    The content hash keeps two different uploads racing under one photo id from overwriting each
    other's objects: the loser's names differ and it removes only its own.
    """
    stem = f"{ROOT}/{organization_id}/{visit_id}/{photo_id}/{content_hash[:16]}"
    return {"display": f"{stem}-display.jpg", "thumb": f"{stem}-thumb.jpg"}


def is_local(storage=None) -> bool:
    # ``default_storage`` is a lazy proxy; isinstance sees through it.
    return isinstance(storage or default_storage, FileSystemStorage)


def put_objects(objects: dict[str, bytes], storage=None) -> None:
    """Write every object or none: a failure removes what was written and raises StorageUnavailable."""
    storage = storage or default_storage
    written: list[str] = []
    try:
        for name, data in objects.items():
            saved = storage.save(name, ContentFile(data, name=name.rsplit("/", 1)[-1]))
            written.append(saved)
            if saved != name:  # a misconfigured storage renamed it: the row would point nowhere
                raise StorageUnavailable(f"Storage renamed {name!r} to {saved!r}; enable overwrite.")
    except STORAGE_ERRORS as exc:
        delete_objects(written, storage=storage)
        logger.warning("photo storage write failed: %s", exc.__class__.__name__)
        raise StorageUnavailable(str(exc)) from exc
    except StorageUnavailable:
        delete_objects(written, storage=storage)
        raise


def delete_objects(names: Iterable[str], storage=None) -> list[str]:
    """Best-effort delete; returns the names that could not be removed (the cleanup command retries)."""
    storage = storage or default_storage
    failed = []
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except STORAGE_ERRORS:
            failed.append(name)
    if failed:
        logger.warning("photo storage delete failed for %d object(s); left for photos_cleanup", len(failed))
    return failed


def walk_objects(storage=None, root: str = ROOT) -> Iterator[str]:
    """Every object name under ``root`` (depth-first; works on local disk and S3 alike)."""
    storage = storage or default_storage
    try:
        directories, files = storage.listdir(root)
    except FileNotFoundError:
        return
    for file in files:
        yield f"{root}/{file}"
    for directory in directories:
        yield from walk_objects(storage, f"{root}/{directory}")


# --- Links ----------------------------------------------------------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SIGNER_SALT, algorithm="sha256")


def _link_message(photo_id, variant: str, expires: int) -> str:
    return f"{photo_id}:{variant}:{expires}"


def link_signature(photo_id, variant: str, expires: int) -> str:
    return _signer().signature(_link_message(photo_id, variant, expires))


def link_check(photo_id, variant: str, expires: str, signature: str, *, now: float | None = None) -> str:
    """'ok', 'expired' or 'invalid' for a local file link's query parameters."""
    # ``exp``: ASCII digits, no longer than a Unix time (``int()`` refuses 4,300 digits and more).
    well_formed = expires.isascii() and expires.isdigit() and len(expires) <= 12
    if variant not in VARIANTS or not well_formed or not signature:
        return "invalid"
    expected = link_signature(photo_id, variant, int(expires))
    if not constant_time_compare(expected, signature):
        return "invalid"
    if int(expires) < (now if now is not None else time.time()):
        return "expired"
    return "ok"


def photo_url(photo, variant: str, *, request=None, storage=None, now: float | None = None) -> str:
    """An expiring link to one derivative of ``photo`` (``display`` or ``thumb``)."""
    storage = storage or default_storage
    ttl = settings.PHOTO_URL_TTL_SECONDS
    name = photo.image if variant == "display" else photo.thumbnail
    if not is_local(storage):
        try:
            return storage.url(name, expire=ttl)
        except TypeError:  # a storage without per-call expiry (its own setting applies)
            return storage.url(name)
    expires = int(now if now is not None else time.time()) + ttl
    path = reverse("photo-file", kwargs={"pk": photo.pk})
    query = f"?variant={variant}&exp={expires}&sig={link_signature(photo.pk, variant, expires)}"
    url = f"{path}{query}"
    return request.build_absolute_uri(url) if request is not None else url
