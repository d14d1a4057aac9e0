"""``python manage.py photos_cleanup [--older-than-minutes N] [--dry-run]``: remove orphaned objects.

An upload writes its objects before its row; a process killed in between leaves objects that no
row points at. This sweeps them (only those older than the grace period, so uploads in flight are
left alone).
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from photos.services import photos_cleanup


class Command(BaseCommand):
    help = "Delete stored photo objects that no photo row points at."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=settings.PHOTO_ORPHAN_GRACE_MINUTES,
            help="Grace period for uploads in flight (default %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted.")

    def handle(self, *args, older_than_minutes, dry_run, **options):
        removed = photos_cleanup(older_than=dt.timedelta(minutes=older_than_minutes), dry_run=dry_run)
        for name in removed:
            self.stdout.write(name)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {len(removed)} orphaned object(s)")
