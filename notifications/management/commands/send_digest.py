"""``manage.py send_digest --user USERNAME --week 2026-W48``: one person's weekly digest, now.

Builds the digest of that ISO week (Monday to Sunday) as the person reads the reports, records it
in their inbox and sends its email at once (through ``EMAIL_URL``; a failed send is left to the
worker's retries). Idempotent like the scheduled digest: a week already sent is not sent again.
``--week`` defaults to the week that ended last (in the person's time zone).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.notification_kinds import NotificationKind
from accounts.selectors import person_timezone
from accounts.services import user_find
from core.exceptions import RetentionError
from notifications.delivery import email_send
from notifications.digest import IsoWeek, digest_key, digest_send, due_week
from notifications.models import Notification


class Command(BaseCommand):
    help = "Send one person's weekly digest for an ISO week (e.g. 2026-W48) now."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username (or user id).")
        parser.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: the week that ended last).")

    def handle(self, *args, user: str, week: str | None = None, **options):
        try:
            person = user_find(username_or_id=user)
        except RetentionError as exc:
            raise CommandError(str(exc))
        if week:
            try:
                iso_week = IsoWeek.parse(week)
            except ValueError as exc:
                raise CommandError(str(exc))
        else:
            local_today = timezone.now()
            iso_week = (
                due_week(local_today, person_timezone(person)) or IsoWeek.of(local_today.date()).previous()
            )
        if not person.is_active or not person.wants_notification(NotificationKind.WEEKLY_DIGEST):
            raise CommandError(
                f"{person.username} does not get the weekly digest (inactive, an auditor, or switched it off)."
            )
        existing = Notification.objects.filter(recipient=person, key=digest_key(iso_week)).first()
        if existing is not None:
            self.stdout.write(
                f"The digest {iso_week.label} for {person.username} was sent already ({existing.email_status})."
            )
            return
        queued = digest_send(user=person, week=iso_week)
        outcome = email_send(notification_id=queued[0]) if queued else "inbox only (no email address)"
        self.stdout.write(f"Digest {iso_week.label} for {person.username}: {outcome}.")
