"""Background tasks of the audit loop.

Assignments also expire lazily whenever they are read (so lists never show a stale ``open``);
this task lets a worker flip them for the whole installation, e.g. from a scheduler or cron
(``enqueue`` it hourly), so that webhooks-free integrations polling ``updated_since`` see them too.
"""

from django_tasks import task

from . import services


@task()
def expire_assignments() -> int:
    """Flip every overdue open assignment without a visit to ``expired``; returns how many."""
    return services.assignments_expire()
