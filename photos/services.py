"""Writes for photos: adding a photo to a visit (or to a dispute of it), deleting photos, sweeping
orphaned objects.

Write order (no row without its objects, no objects without a row):

1. everything that can be decided without side effects (idempotent replay, permission, visit
   status, item, ``photo.max``, the picture itself, reuse);
2. the objects are uploaded under deterministic names (a retry overwrites the same keys);
3. the row and its ``photo.added`` event are written in one transaction, under a lock on the visit
   that re-checks status and ``photo.max`` (concurrent uploads cannot overshoot it);
4. if step 3 fails for any reason, the objects from step 2 are deleted again (unless a concurrent
   twin's row owns the very same names). What a crash leaves behind, ``photos_cleanup`` removes.

The database transaction deliberately does not span the upload: holding a row lock while talking
to S3 would make a slow store stall every writer of that visit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage, default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from audits.models import Visit, VisitStatus
from audits.services import visit_photo_flags_refresh
from core.exceptions import DomainConflict, RetentionError, ServiceUnavailable
from core.principal import Principal
from core.roles import API_KEY_ROLE, Role

from . import imaging, storage
from .events import photo_added_publish
from .models import Photo
from .selectors import (
    EvidenceRow,
    photo_by_id,
    photo_count_for_item,
    reuse_match_exists,
    visit_submitter_id,
)

OPEN_STATUSES = (VisitStatus.SUBMITTED, VisitStatus.RETURNED)
DEFAULT_PHOTO_RULE = {"min": 0, "max": 3}


class UnsupportedMedia(Exception):
    """The upload is not a photo type we take (rendered as 415 by the view)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PhotoAddResult:
    photo: Photo
    created: bool


def item_photo_rules(sections: Any) -> dict[str, dict[str, int]]:
    """``{item_key: {"min": int, "max": int}}`` for every item of a checklist version's sections."""
    rules: dict[str, dict[str, int]] = {}
    for section in sections or []:
        for item in section.get("items") or []:
            rule = item.get("photo") or {}
            rules[item.get("key")] = {
                "min": int(rule.get("min", DEFAULT_PHOTO_RULE["min"]) or 0),
                "max": int(rule.get("max", DEFAULT_PHOTO_RULE["max"]) or 0),
            }
    return rules


@dataclass(frozen=True)
class Evidence:
    """Photos that are a dispute's or a corrective action's evidence, not their visit's own.

    ``field`` is the ``Photo`` field that holds ``row`` (a ``disputes.Dispute`` or an
    ``actions.Action``, whose model has a ``status``); the caller has decided who may send it.
    Evidence is taken while ``row.status`` is one of ``open_statuses`` (else 409 ``closed_code``),
    for one of ``item_keys`` or none, and records no ``photo.added`` event (the visit's photos do
    not change). ``max_per_item`` caps photos per item; ``None`` keeps the checklist item's
    ``photo.max`` (counted per row).
    """

    field: Literal["dispute", "action"]
    row: EvidenceRow
    open_statuses: tuple[str, ...]
    closed_code: str
    item_keys: frozenset[str]
    max_per_item: int | None = None

    @property
    def counted(self) -> tuple[str, EvidenceRow]:
        return self.field, self.row

    def check_open(self, status: str) -> None:
        if status not in self.open_statuses:
            raise DomainConflict(
                f"Evidence may be added to this {self.field} only while it is "
                f"{' or '.join(self.open_statuses)} (it is {status}).",
                code=self.closed_code,
            )


#: A photo of a receipt for the visit's declared expenses (``fieldwork`` requires one to pay them),
#: taken as ``item: "receipt"`` unless the checklist has an item of that key.
RECEIPT_ITEM = "receipt"
MAX_RECEIPTS = 10


def _item_limit(visit: Visit | None, item_key: str, evidence: Evidence | None) -> int:
    if evidence is not None and item_key and item_key not in evidence.item_keys:
        raise ValidationError({"item": ValidationError(f"Not an item of this {evidence.field}.", "invalid")})
    if evidence is not None and evidence.max_per_item is not None:
        return evidence.max_per_item
    if not item_key:
        unattached: int = settings.PHOTO_MAX_UNATTACHED
        return unattached
    rules = item_photo_rules(visit.checklist_version.sections if visit is not None else [])
    if item_key == RECEIPT_ITEM and item_key not in rules:
        return MAX_RECEIPTS
    if item_key not in rules:
        raise ValidationError(
            {"item": ValidationError("Unknown item key for this visit's checklist.", "invalid")}
        )
    return rules[item_key]["max"]


def _may_upload(actor: Principal, visit: Visit) -> bool:
    """The visit's own submitter (auditor or staff), admins, and API keys allowed to write."""
    role = actor.role
    if role == Role.ADMIN:
        return True
    if role == API_KEY_ROLE:
        return actor.can_write
    if role in (Role.AUDITOR, Role.STAFF):
        return actor.pk is not None and actor.pk == visit_submitter_id(visit)
    return False


def _owner(visit: Visit | None, evidence: Evidence | None) -> dict[str, Any]:
    """The photo's ``visit``/``dispute``/``action`` ids: what a retry must match."""
    owner: dict[str, Any] = {"visit_id": visit.pk if visit is not None else None}
    owner["dispute_id"] = evidence.row.pk if evidence is not None and evidence.field == "dispute" else None
    owner["action_id"] = evidence.row.pk if evidence is not None and evidence.field == "action" else None
    return owner


def _replay(existing: Photo, visit: Visit | None, evidence: Evidence | None) -> PhotoAddResult:
    stored = {
        "visit_id": existing.visit_id,
        "dispute_id": existing.dispute_id,
        "action_id": existing.action_id,
    }
    if stored != _owner(visit, evidence):
        where = "visit" if evidence is None else f"visit or {evidence.field}"
        raise DomainConflict(f"This photo id is already used by another {where}.", code="photo_id_conflict")
    return PhotoAddResult(existing, created=False)


def _check_capacity(visit: Visit | None, item_key: str, limit: int, evidence: Evidence | None) -> None:
    counted = evidence.counted if evidence is not None else None
    if photo_count_for_item(visit, item_key, counted) >= limit:
        what = f"item {item_key!r}" if item_key else "this visit (photos without an item)"
        if evidence is not None and evidence.max_per_item is not None:
            what = f"this {evidence.field}" + (f" for item {item_key!r}" if item_key else "")
        raise DomainConflict(f"No more photos may be added to {what}: at most {limit}.", code="photo_limit")


def _check_visit_photos_allowed(actor: Principal, visit: Visit) -> None:
    if not _may_upload(actor, visit):
        raise PermissionDenied("Only the visit's submitter or an admin may add photos.")
    if visit.status not in OPEN_STATUSES:
        raise DomainConflict(
            f"Photos may be added only while the visit is submitted or returned (it is {visit.status}).",
            code="visit_closed",
        )


def _place(visit: Visit | None, evidence: Evidence | None) -> tuple[int, str | None, uuid.UUID]:
    """Organization id, time zone (for EXIF times without an offset) and storage folder of a photo."""
    if visit is not None:
        return visit.organization_id, (visit.location.timezone if visit.location_id else None), visit.pk
    assert evidence is not None  # a photo belongs to a visit or to an action (a database constraint)
    row = evidence.row
    return row.organization_id, row.location.timezone, row.pk


def photo_add(
    *,
    actor: Principal,
    visit: Visit | None,
    photo_id: uuid.UUID,
    item_key: str,
    image: IO[bytes],
    evidence: Evidence | None = None,
) -> PhotoAddResult:
    """Attach an uploaded picture to ``visit`` (or, with ``evidence``, to a dispute or an action;
    ``visit`` is None for an action without one); retry-safe on ``photo_id`` (see the module docstring).

    Raises ``ValidationError`` (400: unknown item, bad picture), ``UnsupportedMedia`` (415),
    ``PermissionDenied`` (403), ``DomainConflict`` (409: id taken by another visit, visit, dispute or
    action closed, ``photo.max`` reached), ``StorageUnavailable`` (503) and ``ServiceUnavailable`` (503:
    every decode slot of this process stayed busy for ``PHOTO_DECODE_WAIT_SECONDS``).
    """
    item_key = item_key or ""
    existing = photo_by_id(photo_id)
    if existing is not None:  # a retry: answer what is stored, whatever happened to the visit since
        return _replay(existing, visit, evidence)
    if evidence is not None:
        evidence.check_open(evidence.row.status)
    elif visit is not None:
        _check_visit_photos_allowed(actor, visit)
    limit = _item_limit(visit, item_key, evidence)
    _check_capacity(visit, item_key, limit, evidence)
    organization_id, time_zone, folder = _place(visit, evidence)

    try:
        processed = imaging.process_image(
            image,
            default_tz=time_zone,
            display_size=settings.PHOTO_DISPLAY_SIZE,
            thumb_size=settings.PHOTO_THUMB_SIZE,
            quality=settings.PHOTO_JPEG_QUALITY,
            max_pixels=settings.PHOTO_MAX_PIXELS,
            max_decode_bytes=settings.PHOTO_MAX_DECODE_BYTES,
            max_concurrent_decodes=settings.PHOTO_MAX_CONCURRENT_DECODES,
            decode_wait=settings.PHOTO_DECODE_WAIT_SECONDS,
            keep_upright_jpeg=settings.PHOTO_KEEP_UPRIGHT_JPEG,
        )
    except imaging.DecoderBusy as exc:
        raise ServiceUnavailable(detail=str(exc), code="decoder_busy")
    except imaging.UnsupportedImageType as exc:
        raise UnsupportedMedia(exc.message)
    except imaging.InvalidImage as exc:
        raise ValidationError({"image": ValidationError(exc.message, exc.code)})

    reused = reuse_match_exists(
        organization_id=organization_id,
        exclude_visit_id=visit.pk if visit is not None else None,
        dhash=processed.dhash,
        max_distance=settings.PHOTO_REUSE_MAX_DISTANCE,
    )
    names = storage.object_names(
        organization_id=organization_id,
        visit_id=folder,
        photo_id=photo_id,
        content_hash=processed.content_hash,
    )
    storage.put_objects({names["display"]: processed.display, names["thumb"]: processed.thumbnail})

    try:
        photo = _photo_row_create(
            visit=visit,
            organization_id=organization_id,
            photo_id=photo_id,
            item_key=item_key,
            limit=limit,
            processed=processed,
            names=names,
            reused=reused,
            evidence=evidence,
        )
    except IntegrityError:
        # A concurrent twin with the same id won the insert: answer as a retry would.
        twin = photo_by_id(photo_id)
        _discard(names, keep=twin)
        if twin is None:
            raise
        return _replay(twin, visit, evidence)
    except BaseException:
        _discard(names, keep=None)
        raise
    return PhotoAddResult(photo, created=True)


@transaction.atomic
def _photo_row_create(
    *,
    visit: Visit | None,
    organization_id: int,
    photo_id: uuid.UUID,
    item_key: str,
    limit: int,
    processed: imaging.ProcessedImage,
    names: dict[str, str],
    reused: bool,
    evidence: Evidence | None,
) -> Photo:
    # Serialize writers of this visit (or dispute, or action): status and photo.max are re-checked
    # under the lock.
    if evidence is not None:
        locked = type(evidence.row).objects.select_for_update().only("id", "status").get(pk=evidence.row.pk)
        evidence.check_open(locked.status)
    elif visit is not None:
        locked_visit = Visit.objects.select_for_update().only("id", "status").get(pk=visit.pk)
        if locked_visit.status not in OPEN_STATUSES:
            raise DomainConflict("The visit was closed while the photo was uploading.", code="visit_closed")
    _check_capacity(visit, item_key, limit, evidence)
    phash = imaging.to_signed64(processed.dhash)
    band0, band1, band2, band3 = imaging.bands(processed.dhash)
    photo = Photo.objects.create(
        id=photo_id,
        organization_id=organization_id,
        **_owner(visit, evidence),
        item_key=item_key,
        width=processed.width,
        height=processed.height,
        taken_at=processed.taken_at,
        image=names["display"],
        thumbnail=names["thumb"],
        content_hash=processed.content_hash,
        phash=phash,
        phash_band0=band0,
        phash_band1=band1,
        phash_band2=band2,
        phash_band3=band3,
        reused=reused,
        size_bytes=min(processed.size_bytes, 2**31 - 1),
    )
    if evidence is None and visit is not None:
        # The visit's reused_photo / photo_time_mismatch flags follow its photos, in this transaction.
        visit_photo_flags_refresh(visit_id=visit.pk)
        photo_added_publish(photo, organization=visit.organization)
    return photo


def _discard(names: dict[str, str], *, keep: Photo | None) -> None:
    owned = {keep.image, keep.thumbnail} if keep is not None else set()
    storage.delete_objects([name for name in names.values() if name not in owned])


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo: the row first (committed), then its objects; leftovers go to the cleanup."""
    names = [photo.image, photo.thumbnail]
    with transaction.atomic():
        Photo.objects.filter(pk=photo.pk).delete()
        transaction.on_commit(lambda: storage.delete_objects(names))


def photos_cleanup(*, older_than: dt.timedelta | None = None, dry_run: bool = False) -> list[str]:
    """Delete stored objects that no photo row points at (crash leftovers), older than a grace period.

    The grace period keeps an upload that is between "objects written" and "row committed" safe.
    Returns the names removed (or that would be, with ``dry_run``).
    """
    if older_than is None:
        older_than = dt.timedelta(minutes=settings.PHOTO_ORPHAN_GRACE_MINUTES)
    cutoff = timezone.now() - older_than
    store = storage.default_storage
    orphans = []
    for name in storage.walk_objects(store):
        photo_id = _photo_id_from_name(name)
        if (
            photo_id is not None
            and Photo.objects.filter(Q(image=name) | Q(thumbnail=name), pk=photo_id).exists()
        ):
            continue
        try:
            if store.get_modified_time(name) > cutoff:
                continue
        except storage.STORAGE_ERRORS:
            continue
        orphans.append(name)
    if not dry_run:
        storage.delete_objects(orphans, storage=store)
    return orphans


def _photo_id_from_name(name: str) -> uuid.UUID | None:
    parts = name.split("/")
    if len(parts) != 5:
        return None
    try:
        return uuid.UUID(parts[3])
    except ValueError:
        return None


# --- retention: purging old photos --------------------------------------------------------------
#
# Purging removes photos (storage objects first, then rows) of visits that started more than
# ``PHOTO_RETENTION_DAYS`` ago. Objects go before rows so that a purge interrupted by a crash or a
# storage outage leaves rows that the next run deletes again, never an object nobody points at.

PURGE_BATCH_SIZE = 200


def photo_retention_days() -> int:
    """Days photos are kept (``PHOTO_RETENTION_DAYS``, from the environment; 730 by default)."""
    days: int = settings.PHOTO_RETENTION_DAYS
    return days


@dataclass
class PurgeResult:
    cutoff: dt.datetime
    photos: int = 0
    bytes: int = 0
    objects_deleted: int = 0
    dry_run: bool = False


def photos_older_than(*, days: int, now: dt.datetime | None = None) -> tuple[QuerySet[Photo], dt.datetime]:
    """Photos of visits that started more than ``days`` days before ``now`` (evidence of an action
    without a visit: taken more than ``days`` days before)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = Q(visit__started_at__lt=cutoff) | Q(visit__isnull=True, created_at__lt=cutoff)
    return Photo.objects.filter(old), cutoff


def photos_purge(
    *,
    days: int,
    dry_run: bool = False,
    storage: Storage | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[PurgeResult], None] | None = None,
) -> PurgeResult:
    """Delete the photos (storage objects and rows) of visits older than ``days`` days.

    Works in small batches so a large purge neither holds long locks nor loads every row at once.
    A storage error stops the purge with a ``RetentionError``: the rows of objects not yet deleted
    remain, and the next run picks them up.
    """
    if days < 0:
        raise RetentionError("--older-than-days must be zero or more.")
    storage = storage or default_storage
    queryset, cutoff = photos_older_than(days=days, now=now)
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        result.photos = queryset.count()
        result.bytes = queryset.aggregate(total=Sum("size_bytes"))["total"] or 0
        return result

    while True:
        batch = list(
            queryset.order_by("pk").values_list("pk", "image", "thumbnail", "size_bytes")[:PURGE_BATCH_SIZE]
        )
        if not batch:
            return result
        for pk, image, thumbnail, size in batch:
            for name in (image, thumbnail):
                if name:
                    _storage_delete(storage, name, result)
            Photo.objects.filter(pk=pk).delete()  # may be gone already: its visit went meanwhile
            result.photos += 1
            result.bytes += size or 0
        if progress:
            progress(result)


def _storage_delete(storage: Storage, name: str, result: PurgeResult) -> None:
    try:
        storage.delete(name)  # deleting a missing object is not an error
    except Exception as exc:  # any backend: OSError, botocore errors, ...
        raise RetentionError(
            f"Photo storage failed after {result.photos} photo(s) were deleted ({exc.__class__.__name__}: "
            f"{exc}); re-run the command later to finish."
        ) from exc
    result.objects_deleted += 1
