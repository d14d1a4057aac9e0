"""``manage.py purge_photos [--older-than-days N] [--dry-run]``: delete old photo evidence.

Removes the stored images and thumbnails, then the rows, of photos whose visit started more than
N days ago (default ``PHOTO_RETENTION_DAYS``, 730). Visits and their scores stay. Safe to re-run.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import RetentionError
from photos.services import photo_retention_days, photos_purge


class Command(BaseCommand):
    help = "Delete photos (storage objects and rows) of visits older than N days."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help="Age in days of the visits whose photos go (default: PHOTO_RETENTION_DAYS, 730).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args: Any, older_than_days: int | None, dry_run: bool, **options: Any) -> None:
        days = photo_retention_days() if older_than_days is None else older_than_days
        try:
            result = photos_purge(
                days=days,
                dry_run=dry_run,
                progress=lambda r: self.stdout.write(f"  ... {r.photos} photo(s) deleted so far"),
            )
        except RetentionError as exc:
            raise CommandError(str(exc))
        cutoff = result.cutoff.isoformat(timespec="seconds")
        if dry_run:
            self.stdout.write(
                f"Dry run: {result.photos} photo(s), {result.bytes} byte(s), of visits started before "
                f"{cutoff} would be deleted."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {result.photos} photo(s) ({result.objects_deleted} stored object(s), "
                    f"{result.bytes} byte(s)) of visits started before {cutoff}."
                )
            )
