"""Background tasks (django-tasks, the same queue and ``db_worker`` as webhooks).

``send_email`` makes one send (see ``notifications.delivery``). Two self-renewing chains keep the
rest going, started by ``manage.py notifications_sweep --schedule`` (idempotent): ``sweep``
re-enqueues sends whose task was lost or whose worker died, every
``NOTIFICATION_SWEEP_INTERVAL_SECONDS``, and tells staff of corrective actions that have fallen
overdue; ``digests`` sends the weekly digests that have come due,
every ``DIGEST_CHECK_INTERVAL_SECONDS``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from . import delivery, digest, services


@task()
def send_email(notification_id: int) -> str:
    """Send the email of one notification (a no-op if it is not due or already being sent)."""
    return delivery.email_send(notification_id=notification_id)


@task()
def sweep() -> int:
    """Re-enqueue overdue sends and tell staff of actions fallen overdue, then schedule the next
    sweep (a self-renewing chain)."""
    try:
        return delivery.emails_sweep() + services.overdue_actions_notify()
    finally:
        _schedule(sweep, settings.NOTIFICATION_SWEEP_INTERVAL_SECONDS)


@task()
def digests() -> int:
    """Send the weekly digests that are due, then schedule the next look."""
    try:
        return digest.digests_send_due()
    finally:
        _schedule(digests, settings.DIGEST_CHECK_INTERVAL_SECONDS)


def _schedule(chain: Task[[], int], seconds: int) -> bool:
    """Make sure one future run of ``chain`` is queued; True if this call queued it.

    Only the database backend can hold a task until later. If two chains ever start (two workers
    racing), the next run of either sees the other's queued run and stops renewing itself.
    """
    backend = chain.get_backend()
    if not backend.supports_defer or not backend.supports_get_result:
        return False
    queued = DBTaskResult.objects.filter(
        task_path=chain.module_path, status="READY", backend_name=backend.alias
    ).exists()
    if queued:
        return False
    chain.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue()
    return True


def schedule() -> dict[str, bool]:
    """Queue both chains unless they are queued already: ``{name: queued_now}``."""
    return {
        "sweep": _schedule(sweep, settings.NOTIFICATION_SWEEP_INTERVAL_SECONDS),
        "digests": _schedule(digests, settings.DIGEST_CHECK_INTERVAL_SECONDS),
    }
