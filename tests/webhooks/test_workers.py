"""Two real ``db_worker`` processes share the queue: every event reaches the receiver exactly once.

PostgreSQL only: the workers are separate processes that need the committed rows and row locks
(``SELECT ... FOR UPDATE SKIP LOCKED``) of a real server.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from webhooks.delivery import delivery_enqueue
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import event_record
from webhooks.signing import verify

from .conftest import SECRET

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (two worker processes)"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 30


def worker_env() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def start_worker(name: str) -> subprocess.Popen:
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
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_two_workers_deliver_each_event_exactly_once(org, make_webhook, receiver, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    make_webhook(url=receiver.url)
    workers = [start_worker("worker-a"), start_worker("worker-b")]
    try:
        with transaction.atomic():
            events = [
                event_record(organization=org, type="visit.submitted", data={"n": n}) for n in range(EVENTS)
            ]
        # As if the sweep had also re-enqueued every delivery: duplicates must not double-send.
        for delivery_id in Delivery.objects.values_list("pk", flat=True):
            delivery_enqueue(delivery_id=delivery_id)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = not DBTaskResult.objects.filter(
                status__in=["READY", "RUNNING"], task_path="webhooks.tasks.deliver"
            ).exists()
            if done and Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == EVENTS:
                break
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.1)
        time.sleep(0.3)  # Give a late double send the chance to show up.
    finally:
        for worker in workers:
            worker.terminate()
        errors = [worker.communicate(timeout=20)[1].decode() for worker in workers]

    received = Counter(r.headers["X-Webhook-Id"] for r in receiver.requests)
    assert received == Counter({str(event.pk): 1 for event in events}), errors
    assert all(verify(SECRET, r.headers, r.body, tolerance=120) for r in receiver.requests)
    assert (
        DBTaskResult.objects.filter(status="SUCCESSFUL", task_path="webhooks.tasks.deliver").count()
        == 2 * EVENTS
    )
    # Both processes took work from the shared queue.
    worker_ids = Counter(
        wid for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for wid in ids
    )
    assert set(worker_ids) == {"worker-a", "worker-b"}, worker_ids


def test_workers_claim_tasks_with_skip_locked():
    """What lets workers on several machines share the queue without waiting on each other."""

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        DBTaskResult.objects.ready().get_locked()
    assert "FOR UPDATE SKIP LOCKED" in queries[-1]["sql"]
