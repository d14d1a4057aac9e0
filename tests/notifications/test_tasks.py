"""The periodic tasks: queued once by ``notifications_sweep --schedule``, renewing themselves."""

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from notifications import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return settings


def queued():
    return sorted(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_schedule_queues_the_sweep_and_the_digest_check_once(db_queue):
    out = io.StringIO()
    call_command("notifications_sweep", "--schedule", stdout=out)
    call_command("notifications_sweep", "--schedule", stdout=out)

    assert queued() == ["notifications.tasks.digests", "notifications.tasks.sweep"]
    assert "Periodic sweep task queued." in out.getvalue()
    assert "Periodic digests task already queued." in out.getvalue()


def test_each_chain_renews_itself_after_running(db_queue):
    assert tasks.sweep.call() == 0
    assert tasks.digests.call() == 0

    assert queued() == ["notifications.tasks.digests", "notifications.tasks.sweep"]
    run_after = DBTaskResult.objects.get(task_path="notifications.tasks.digests").run_after
    sweep_after = DBTaskResult.objects.get(task_path="notifications.tasks.sweep").run_after
    assert (run_after - sweep_after).total_seconds() > 600  # every 15 minutes against every minute


def test_without_a_backend_that_can_wait_nothing_is_scheduled(queue):
    assert tasks.schedule() == {"sweep": False, "digests": False}


def test_the_sweep_alone_reports_what_it_requeued():
    out = io.StringIO()
    call_command("notifications_sweep", stdout=out)

    assert out.getvalue().strip() == "Re-enqueued 0 overdue notification emails."
