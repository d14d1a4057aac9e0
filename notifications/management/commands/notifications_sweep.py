"""``manage.py notifications_sweep [--schedule]``: re-enqueue overdue notification emails now.

Run it from cron, or once with ``--schedule`` at deploy time: that also queues the two
self-renewing tasks, the sweep (every ``NOTIFICATION_SWEEP_INTERVAL_SECONDS``) and the weekly
digests' check (every ``DIGEST_CHECK_INTERVAL_SECONDS``).
"""

from django.core.management.base import BaseCommand

from notifications.delivery import emails_sweep
from notifications.tasks import schedule as schedule_tasks


class Command(BaseCommand):
    help = "Re-enqueue overdue notification emails; --schedule also starts the sweep and digest tasks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Also queue the self-renewing sweep and weekly-digest tasks (idempotent).",
        )

    def handle(self, *args, schedule: bool = False, **options):
        count = emails_sweep()
        self.stdout.write(f"Re-enqueued {count} overdue notification emails.")
        if schedule:
            for name, queued in schedule_tasks().items():
                self.stdout.write(f"Periodic {name} task {'queued' if queued else 'already queued'}.")
