"""``manage.py webhooks_sweep [--schedule]``: re-enqueue overdue webhook deliveries now.

Run it from cron, or once with ``--schedule`` at deploy time: that also queues the
self-renewing sweep task so the workers keep sweeping every ``WEBHOOK_SWEEP_INTERVAL_SECONDS``.
"""

from django.core.management.base import BaseCommand

from webhooks.delivery import deliveries_sweep
from webhooks.tasks import sweep_schedule


class Command(BaseCommand):
    help = "Re-enqueue overdue webhook deliveries; --schedule also starts the periodic sweep task."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule", action="store_true", help="Also queue the self-renewing sweep task (idempotent)."
        )

    def handle(self, *args, schedule: bool = False, **options):
        count = deliveries_sweep()
        self.stdout.write(f"Re-enqueued {count} overdue deliveries.")
        if schedule:
            queued = sweep_schedule()
            self.stdout.write("Periodic sweep queued." if queued else "Periodic sweep already queued.")
