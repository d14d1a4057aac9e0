"""Real ``db_worker`` processes send notification emails to a real SMTP server: a worker killed in
the middle of a send, a mail server stopped and started again, two workers sharing the queue.

PostgreSQL only: the workers are separate processes that need the committed rows and row locks of
a real server (as ``tests/webhooks/test_workers.py``).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts.models import Role
from notifications import tasks
from notifications.content import Message
from notifications.models import EmailStatus, Notification
from notifications.services import notify
from tests.factories import UserFactory

from .smtp import SmtpServer

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (worker processes)"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3


def worker_env(smtp_port: int) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=20",
        "DEFAULT_FROM_EMAIL": "audits@acme.example",
        "NOTIFICATION_LEASE_SECONDS": str(LEASE),
        "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "1",
        "NOTIFICATION_RETRY_DELAYS": "1,1,1,1,1,1,1,1,1,1",
        "TASK_WORKER_HOUSEKEEPING_SECONDS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def start_worker(name: str, smtp_port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--worker-id",
            name,
        ],
        cwd=ROOT,
        env=worker_env(smtp_port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(*workers: subprocess.Popen) -> list[str]:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    return [worker.communicate(timeout=20)[1].decode() for worker in workers]


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NOTIFICATION_SWEEP_INTERVAL_SECONDS = 1
    return settings


@pytest.fixture
def server():
    smtp = SmtpServer()
    smtp.start()
    yield smtp
    smtp.stop()


def tell(people, n=0) -> None:
    """One notification per person, recorded (and its email enqueued) as a change would."""
    for person in people:
        notify(
            organization_id=person.organization_id,
            recipients=[person],
            kind="weekly_digest",  # every role but auditors hears it
            key=f"test:{n}:{person.pk}",
            message=lambda: Message(
                subject=f"News {n}", link="https://audits.example/dashboard/", text="t", html="<p>h</p>"
            ),
        )


def wait_until(condition, timeout=60.0, workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        assert all(w.poll() is None for w in workers), "a worker died"
        time.sleep(0.1)
    return False


def test_a_worker_killed_mid_send_leaves_the_email_to_the_next_one(db_queue, server, org):
    person = UserFactory(organization=org, role=Role.ADMIN, email="alice@acme.example")
    gate = threading.Event()
    server.inbox.hold = gate  # the first conversation waits at RCPT, before any message is accepted
    first = start_worker("doomed", server.port)
    second = None
    try:
        tell([person])
        assert wait_until(server.inbox.held.is_set, workers=[first]), "the worker never reached the server"
        os.kill(first.pid, signal.SIGKILL)  # mid-send: connected, envelope half sent
        first.wait(timeout=20)
        gate.set()
        row = Notification.objects.get()
        assert (row.email_status, row.attempt_count, server.messages) == (EmailStatus.PENDING, 1, [])

        # Nobody ran `notifications_sweep --schedule`: the new worker starts the sweep chain itself.
        second = start_worker("survivor", server.port)
        assert wait_until(lambda: len(server.messages) >= 1, workers=[second])
        time.sleep(LEASE + 1)  # time enough for a double send to show up
    finally:
        errors = stop(*(w for w in (first, second) if w is not None))

    assert [m.rcpt_tos for m in server.messages] == [["alice@acme.example"]], errors
    row.refresh_from_db()
    assert (row.email_status, row.attempt_count) == (EmailStatus.SENT, 2)
    assert server.messages[0].message["Message-ID"] == f"<notification-{row.pk}.{person.pk}@acme.example>"


def test_nothing_is_lost_while_the_mail_server_is_down(db_queue, server, org):
    people = [UserFactory(organization=org, role=Role.MANAGER, email=f"m{n}@acme.example") for n in range(3)]
    server.stop()
    worker = start_worker("patient", server.port)
    try:
        tell(people)
        assert wait_until(
            lambda: Notification.objects.filter(attempt_count__gte=2).count() == 3, workers=[worker]
        ), "the sends were not retried"
        assert not server.messages
        server.start()  # the same port again
        assert wait_until(lambda: len(server.messages) >= 3, workers=[worker])
        time.sleep(1.5)
    finally:
        errors = stop(worker)

    assert sorted(m.rcpt_tos[0] for m in server.messages) == sorted(p.email for p in people), errors
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_two_workers_send_each_email_exactly_once(db_queue, server, org):
    people = [UserFactory(organization=org, role=Role.STAFF, email=f"s{n}@acme.example") for n in range(20)]
    workers = [start_worker("worker-a", server.port), start_worker("worker-b", server.port)]
    try:
        tell(people)
        # As if the sweep had also re-enqueued every send: duplicates must not double-send.
        for pk in Notification.objects.values_list("pk", flat=True):
            tasks.send_email.enqueue(pk)
        sent = wait_until(
            lambda: (
                Notification.objects.filter(email_status=EmailStatus.SENT).count() == 20
                and not DBTaskResult.objects.filter(
                    status__in=["READY", "RUNNING"], task_path=tasks.send_email.module_path
                ).exists()
            ),
            workers=workers,
        )
        assert sent, (
            Counter(Notification.objects.values_list("email_status", flat=True)),
            Counter(DBTaskResult.objects.values_list("status", "task_path")),
            len(server.messages),
        )
        time.sleep(0.5)
    finally:
        errors = stop(*workers)

    assert Counter(m.rcpt_tos[0] for m in server.messages) == Counter({p.email: 1 for p in people}), errors
    worker_ids = Counter(
        wid for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for wid in ids
    )
    assert set(worker_ids) == {"worker-a", "worker-b"}, worker_ids


def test_a_sweep_chain_that_died_with_its_worker_is_restarted_by_the_workers(
    db_queue, server, org, monkeypatch
):
    """The sweep is a chain of tasks, each queueing the next when it ends; a worker SIGKILLed while
    running one leaves it RUNNING for ever and queues no next link. The workers' housekeeping looks
    every TASK_WORKER_HOUSEKEEPING_SECONDS and queues a new link, so a send whose task was lost is
    still found and sent."""
    person = UserFactory(organization=org, role=Role.ADMIN, email="carol@acme.example")
    sweep_links = DBTaskResult.objects.filter(task_path=tasks.sweep.module_path)
    worker = start_worker("lonely", server.port)
    try:
        assert wait_until(lambda: sweep_links.filter(status="READY").exists(), workers=[worker]), (
            "the worker did not start the sweep chain"
        )
        # The chain's link dies with "its worker": RUNNING for ever, no successor queued.
        sweep_links.filter(status="READY").update(status="RUNNING", worker_ids=["killed"])
        # A send whose task was lost (the request's process died between its commit and the enqueue).
        monkeypatch.setattr("notifications.services.emails_enqueue", lambda ids: None)
        tell([person])
        row = Notification.objects.get()
        assert row.email_status == EmailStatus.PENDING
        assert wait_until(lambda: len(server.messages) >= 1, workers=[worker]), Counter(
            sweep_links.values_list("status", flat=True)
        )
        time.sleep(LEASE + 1)
    finally:
        errors = stop(worker)

    assert [m.rcpt_tos for m in server.messages] == [["carol@acme.example"]], errors
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
