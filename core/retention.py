"""Retention: forgetting a departed auditor and purging old photo evidence.

Both are admin operations run from the command line (``forget_auditor``, ``purge_photos``).

*Forgetting* pseudonymises a person instead of deleting them: their visits, answers and history
are the organization's records and stay (reports do not change), but everything that says who
the person was is erased. The user row survives as ``deleted-<id>`` so that "the same auditor
submitted and later revised this visit" still holds, while nobody can tell who that was.

*Purging* removes photos (storage objects first, then rows) of visits that started more than
``PHOTO_RETENTION_DAYS`` ago. Objects go before rows so that a purge interrupted by a crash or a
storage outage leaves rows that the next run deletes again, never an object nobody points at.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from audits.models import Assignment, AssignmentStatus
from photos.models import Photo

PURGE_BATCH_SIZE = 200


class RetentionError(Exception):
    """A retention request that cannot be carried out as asked (unknown user, wrong role)."""


def photo_retention_days() -> int:
    """Days photos are kept (``PHOTO_RETENTION_DAYS``, from the environment; 730 by default)."""
    days: int = settings.PHOTO_RETENTION_DAYS
    return days


# --- forgetting a person ---------------------------------------------------------------------


def user_find(*, username_or_id: str) -> User:
    """Resolve a command-line argument: a username first, then (all digits) a user id."""
    user = User.objects.filter(username=username_or_id).first()
    if user is None and username_or_id.isdigit():
        user = User.objects.filter(pk=int(username_or_id)).first()
    if user is None:
        raise RetentionError(f"No user with username or id {username_or_id!r}.")
    return user


def pseudonym_for(user: User) -> str:
    return f"deleted-{user.pk}"


@dataclass(frozen=True)
class ForgetResult:
    user_id: int
    username: str
    already_forgotten: bool
    visits_kept: int
    history_entries: int
    assignments_cancelled: int


@transaction.atomic
def auditor_forget(*, user: User, allow_any_role: bool = False) -> ForgetResult:
    """Erase a departed person's personal data; keep their visits under a pseudonym.

    Clears names and e-mail, makes the password unusable, deactivates the account (outstanding
    JWTs stop working: simplejwt refuses inactive users), drops their region and location scopes
    and cancels their still-open assignments so that managers can send someone else.
    Running it again on a forgotten user changes nothing.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role != Role.AUDITOR and not allow_any_role:
        raise RetentionError(
            f"User {user.pk} is a {user.role}, not an auditor; pass --any-role to forget them anyway."
        )
    if user.is_superuser:
        raise RetentionError("Refusing to forget a superuser; remove the superuser flag first.")

    visits_kept = user.visits.count()
    history_entries = _history_entries_of(user)
    if user.pseudonymised_at is not None:
        return ForgetResult(user.pk, user.username, True, visits_kept, history_entries, 0)

    user.username = pseudonym_for(user)
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.display_name = ""
    user.is_active = False
    user.is_staff = False
    user.last_login = None
    user.set_unusable_password()
    user.pseudonymised_at = timezone.now()
    user.save()
    user.regions.clear()
    user.locations.clear()
    # Open assignments would otherwise wait forever for someone who has left; cancelling bumps
    # updated_at, so phones and tools syncing with ?updated_since= see the change.
    assignments_cancelled = Assignment.objects.filter(auditor=user, status=AssignmentStatus.OPEN).update(
        status=AssignmentStatus.CANCELLED, updated_at=timezone.now()
    )
    return ForgetResult(user.pk, user.username, False, visits_kept, history_entries, assignments_cancelled)


def _history_entries_of(user: User) -> int:
    # History rows keep pointing at the (now pseudonymous) user: the actor renders as
    # "deleted-<id>" and the trail of who did what to a visit stays consistent.
    from audits.models import VisitHistory

    return VisitHistory.objects.filter(actor=user).count()


# --- purging old photos -------------------------------------------------------------------------


@dataclass
class PurgeResult:
    cutoff: dt.datetime
    photos: int = 0
    bytes: int = 0
    objects_deleted: int = 0
    dry_run: bool = False


def photos_older_than(*, days: int, now: dt.datetime | None = None) -> tuple[QuerySet[Photo], dt.datetime]:
    """Photos of visits that started more than ``days`` days before ``now``."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return Photo.objects.filter(visit__started_at__lt=cutoff), cutoff


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
