"""Background tasks (django-tasks): one delivery attempt, and the sweep that keeps the outbox honest.

Workers run ``python manage.py db_worker``. The database backend hands each queued task to one
worker (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL); a delivery attempt is additionally
claimed on the ``Delivery`` row, so a task enqueued twice (by the commit hook and by the sweep)
still sends the event once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from . import delivery

logger = logging.getLogger(__name__)


@task()
def deliver(delivery_id: int) -> str:
    """Make the attempt that is due for this delivery (a no-op if it is not due or already taken)."""
    return delivery.delivery_attempt(delivery_id=delivery_id)


@task()
def sweep_deliveries() -> int:
    """Re-enqueue overdue deliveries, then schedule the next sweep (a self-renewing chain)."""
    try:
        return delivery.deliveries_sweep()
    finally:
        sweep_schedule()


def sweep_schedule() -> bool:
    """Make sure one future sweep is queued; returns True if this call queued it.

    Only the database backend can hold a task until later. If two chains ever start (two workers
    racing), the next run of either sees the other's queued sweep and stops renewing itself.
    """
    backend = sweep_deliveries.get_backend()
    if not backend.supports_defer or not backend.supports_get_result:
        return False

    queued = DBTaskResult.objects.filter(
        task_path=sweep_deliveries.module_path, status="READY", backend_name=backend.alias
    ).exists()
    if queued:
        return False
    run_after = timezone.now() + timedelta(seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS)
    sweep_deliveries.using(run_after=run_after).enqueue()
    return True
