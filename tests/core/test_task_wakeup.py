"""Background tasks start at once on PostgreSQL: ``NOTIFY`` at commit wakes an idle ``db_worker``.

The poll interval stays the fallback (and all there is on SQLite). What the tests pin down: the
enqueue sends ``NOTIFY`` in the enqueuing transaction (delivered at commit, not before, never for a
rollback); a real worker started with a 30 s poll runs a task long before its next poll; a lost
listening connection falls back to polling and listens again; SQLite sends nothing and sleeps.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from core.task_wakeup import CHANNEL, TaskWakeup

from .wakeup_tasks import ping

ROOT = Path(__file__).resolve().parents[2]
POLL = 30  # the worker's --interval: far longer than any test here waits for a task
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY needs PostgreSQL"
)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_BACKEND


def notify_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("NOTIFY")]


def run_status(result_id, *, timeout: float) -> str:
    """The task's status once it finished, or its last status after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        status = DBTaskResult.objects.get(pk=result_id).status
        if status in ("SUCCESSFUL", "FAILED"):
            break
        time.sleep(0.05)
    return status


@pytest.mark.django_db
def test_sqlite_enqueue_sends_nothing_and_the_worker_polls(db_tasks, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite half")
    with CaptureQueriesContext(connection) as queries:
        ping.enqueue(1)
    assert notify_queries(queries) == []
    slept = []
    monkeypatch.setattr("core.task_wakeup.time.sleep", slept.append)
    wakeup = TaskWakeup("default")
    assert wakeup.listen() is False
    assert wakeup.wait(2.5) is False
    assert slept == [2.5]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_notify_reaches_listeners_at_commit_and_never_for_a_rollback(db_tasks):
    wakeup = TaskWakeup("default")
    assert wakeup.listen()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            ping.enqueue(1)
            assert wakeup.wait(0.3) is False  # not before the task's row is visible
        assert notify_queries(queries) == [f"NOTIFY {CHANNEL}"]
        assert wakeup.wait(10) is True

        with transaction.atomic():
            ping.enqueue(2)
            transaction.set_rollback(True)
        assert wakeup.wait(0.3) is False
    finally:
        wakeup.close()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_listening_connection_falls_back_to_polling_then_listens_again(db_tasks):
    wakeup = TaskWakeup("default")
    assert wakeup.listen()
    try:
        pid = wakeup.wrapper.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert wakeup.wait(0.1) is False  # no exception: it polled
        assert wakeup.wrapper is None
        assert wakeup.listen()  # the next wait listens again
        ping.enqueue(3)
        assert wakeup.wait(10) is True
    finally:
        wakeup.close()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_with_a_long_poll_runs_a_task_well_before_its_next_poll(db_tasks):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--interval",
            str(POLL),
            "--no-reload",
            "--worker-id",
            "w1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = ping.enqueue(1)  # the worker's first look at the queue may find it, or its NOTIFY does
        assert run_status(first.id, timeout=60) == "SUCCESSFUL"
        time.sleep(1)  # let it look at the queue again, find it empty and wait (up to POLL seconds)
        with transaction.atomic():
            second = ping.enqueue(2)
        assert run_status(second.id, timeout=POLL / 2) == "SUCCESSFUL", "waited for the poll"
        assert worker.poll() is None
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
    assert "Waiting for tasks with LISTEN/NOTIFY" in output
