"""Delivering events: the outbox, signed attempts to a real receiver, retries, disabling."""

import json
import socket
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from webhooks import services, tasks
from webhooks.delivery import deliveries_sweep, delivery_attempt
from webhooks.models import Delivery, DeliveryStatus, Event
from webhooks.services import event_record
from webhooks.signing import verify

from .conftest import SECRET, make_due, run_queued

pytestmark = pytest.mark.django_db


def record(org, type="visit.submitted", data=None):
    with transaction.atomic():
        return event_record(organization=org, type=type, data=data or {"visit": {"id": "v1"}})


def test_event_creates_a_delivery_per_subscribed_active_endpoint(org, other_org, make_webhook, queue):
    wanted = make_webhook(events=["visit.submitted", "photo.added"])
    make_webhook(events=["visit.reviewed"])
    make_webhook(is_active=False)
    make_webhook(organization=other_org)
    event = event_record(organization=org, type="visit.submitted", data={})
    assert list(Delivery.objects.filter(event=event).values_list("webhook", flat=True)) == [wanted.pk]


def test_event_and_deliveries_roll_back_with_the_change(
    org, make_webhook, queue, django_capture_on_commit_callbacks
):
    make_webhook()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                event_record(organization=org, type="visit.submitted", data={})
                raise RuntimeError("the visit could not be saved")
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert queue.results == []


def test_delivery_is_enqueued_only_after_commit(org, make_webhook, queue, django_capture_on_commit_callbacks):
    make_webhook()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_record(organization=org, type="visit.submitted", data={})
            assert queue.results == []
    assert [r.task.name for r in queue.results] == ["deliver"]


def test_recording_an_event_without_endpoints_costs_two_queries(org, django_assert_num_queries):
    with django_assert_num_queries(2):
        event_record(organization=org, type="visit.submitted", data={})


def test_failing_receiver_gets_retries_with_the_same_event_id_and_valid_signatures(
    org, make_webhook, receiver, allow_private, queue, django_capture_on_commit_callbacks
):
    receiver.script = [500, 503]  # then 200
    make_webhook(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        event = record(org, data={"visit": {"id": "v1", "score": 87.5}})
    with django_capture_on_commit_callbacks(execute=True):
        assert run_queued(queue) == ["retry_scheduled"]
    delivery = Delivery.objects.get(event=event)
    assert delivery.next_attempt_at - timezone.now() == pytest.approx(
        timedelta(seconds=5), abs=timedelta(seconds=2)
    )
    # The retry was enqueued to run after the delay: nothing happens before it is due.
    assert [r.task.run_after for r in queue.results] == [delivery.next_attempt_at]
    assert run_queued(queue) == ["not_due"]
    make_due(delivery)
    assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
    make_due(delivery)
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"

    assert len(receiver.requests) == 3
    for received in receiver.requests:
        assert received.headers["X-Webhook-Id"] == str(event.pk)
        assert verify(SECRET, received.headers, received.body)
        assert json.loads(received.body) == {
            "id": str(event.pk),
            "type": "visit.submitted",
            "created_at": event.created_at.isoformat(),
            "data": {"visit": {"id": "v1", "score": 87.5}},
        }
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.number, a.status_code, a.next_retry_at is not None) for a in delivery.attempts.all()] == [
        (1, 500, True),
        (2, 503, True),
        (3, 200, False),
    ]


def test_retries_follow_the_schedule_then_give_up(org, make_webhook, receiver, allow_private, queue):
    receiver.default = 500
    make_webhook(url=receiver.url)
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    gaps = []
    for _ in range(8):
        before = timezone.now()
        delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            gaps.append(round((delivery.next_attempt_at - before).total_seconds() / 60, 1))
            make_due(delivery)
    assert gaps == [0.1, 5.0, 30.0, 120.0, 300.0, 600.0, 600.0]
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempt_count == 8
    assert delivery_attempt(delivery_id=delivery.pk) == "not_due"
    assert len(receiver.requests) == 8


def test_outbox_survives_a_crash_between_commit_and_enqueue(
    org, make_webhook, receiver, allow_private, queue, monkeypatch, django_capture_on_commit_callbacks
):
    make_webhook(url=receiver.url)

    def broker_down(*args, **kwargs):
        raise ConnectionError("task queue unreachable")

    monkeypatch.setattr(type(tasks.deliver), "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = record(org)  # The caller's commit still succeeds.
    assert Event.objects.filter(pk=event.pk).exists()
    assert receiver.requests == [] and queue.results == []

    monkeypatch.undo()
    allow_private.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    # Right after commit the sweep leaves it alone (its own task may still be on its way) ...
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep() == 0
    # ... one interval later it re-enqueues it, once per interval.
    later = timezone.now() + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_sweep(now=later) == 1
        assert deliveries_sweep(now=later) == 0
    assert run_queued(queue) == ["delivered"]
    assert [r.headers["X-Webhook-Id"] for r in receiver.requests] == [str(event.pk)]


def test_sweep_recovers_an_attempt_whose_worker_died(org, make_webhook, receiver, allow_private, queue):
    make_webhook(url=receiver.url)
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    # A worker claimed it and died: its lease is still running, so nobody else may send it yet.
    Delivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() + timedelta(minutes=5))
    assert delivery_attempt(delivery_id=delivery.pk) == "not_due"
    assert deliveries_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    # Once the lease has run out, the sweep hands it to a worker again.
    Delivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert deliveries_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"


def test_a_duplicate_task_sends_nothing_twice(org, make_webhook, receiver, allow_private, queue):
    make_webhook(url=receiver.url)
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    assert delivery_attempt(delivery_id=delivery.pk) == "not_due"
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(org, make_webhook, receiver, allow_private, queue):
    receiver.default = 302
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    make_webhook(url=receiver.url)
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
    attempt = delivery.attempts.get()
    assert attempt.status_code == 302 and "redirects are not followed" in attempt.error
    assert len(receiver.requests) == 1


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    org, make_webhook, allow_private, settings, queue
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # Accepts the connection (backlog) but never answers.
    try:
        make_webhook(url=f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        event = event_record(organization=org, type="visit.submitted", data={})
        delivery = Delivery.objects.get(event=event)
        assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
    finally:
        silent.close()
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "timed out" in attempt.error.lower()


def test_url_turning_private_after_registration_is_refused_at_delivery(
    org, make_webhook, queue, monkeypatch, connect_spy
):
    make_webhook(url="https://hooks.example/hook")
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    # DNS now answers with a loopback address (rebinding): the attempt fails without connecting.
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))],
    )
    assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
    assert "loopback" in delivery.attempts.get().error
    assert connect_spy.calls == []


def test_delivery_connects_to_the_checked_address_and_keeps_the_host_name(
    org, make_webhook, receiver, allow_private, queue, monkeypatch
):
    resolved = []

    def fake_dns(host, *args, **kwargs):
        resolved.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    make_webhook(url=f"http://hooks.example:{receiver.port}/in")
    event = event_record(organization=org, type="visit.submitted", data={})
    assert delivery_attempt(delivery_id=Delivery.objects.get(event=event).pk) == "delivered"
    assert resolved.count("hooks.example") == 1  # Resolved once, by the guard; the socket used that answer.
    assert receiver.requests[0].headers["Host"] == f"hooks.example:{receiver.port}"


def test_endpoint_failing_for_five_days_is_disabled_with_a_reason(
    org, make_webhook, receiver, allow_private, queue
):
    receiver.default = 500
    webhook = make_webhook(url=receiver.url, failing_since=timezone.now() - timedelta(days=4, hours=23))
    first = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    assert delivery_attempt(delivery_id=first.pk) == "retry_scheduled"
    webhook.refresh_from_db()
    assert webhook.is_active

    webhook.failing_since = timezone.now() - timedelta(days=5, minutes=1)
    webhook.save()
    second = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    assert delivery_attempt(delivery_id=second.pk) == "endpoint_disabled"
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert "failed for 5 days" in webhook.disabled_reason and "HTTP 500" in webhook.disabled_reason
    # What it is still owed is parked, not dropped, and no new events queue up for it.
    assert set(Delivery.objects.filter(webhook=webhook).values_list("status", "next_attempt_at")) == {
        (DeliveryStatus.PENDING, None)
    }
    event_record(organization=org, type="visit.submitted", data={})
    assert Delivery.objects.filter(webhook=webhook).count() == 2

    receiver.default = 200
    services.webhook_update(webhook=webhook, is_active=True)
    webhook.refresh_from_db()
    assert webhook.is_active and webhook.failing_since is None and webhook.disabled_reason == ""
    for delivery in Delivery.objects.filter(webhook=webhook):
        assert delivery_attempt(delivery_id=delivery.pk) == "delivered"


def test_success_clears_the_failure_record(org, make_webhook, receiver, allow_private, queue):
    webhook = make_webhook(url=receiver.url, failing_since=timezone.now() - timedelta(days=2))
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    webhook.refresh_from_db()
    assert webhook.failing_since is None


def test_attempt_for_a_disabled_endpoint_is_parked_without_sending(
    org, make_webhook, receiver, allow_private, queue
):
    webhook = make_webhook(url=receiver.url)
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    services.webhook_update(webhook=webhook, is_active=False)
    assert delivery_attempt(delivery_id=delivery.pk) == "parked"
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is None and delivery.attempt_count == 0


def test_rotated_secret_signs_the_next_attempt(org, make_webhook, receiver, allow_private, queue):
    webhook = make_webhook(url=receiver.url)
    _, new_secret = services.webhook_rotate_secret(webhook=webhook)
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    delivery_attempt(delivery_id=delivery.pk)
    received = receiver.requests[0]
    assert verify(new_secret, received.headers, received.body)
    assert not verify(SECRET, received.headers, received.body)


def test_sweep_task_renews_itself_only_on_a_backend_that_can_wait(queue):
    # The test backend keeps tasks in memory and cannot be asked what is queued: no chain here.
    assert tasks.sweep_deliveries.call() == 0
    assert queue.results == []


def test_recording_an_event_for_subscribed_endpoints_costs_three_queries(
    org, make_webhook, django_assert_num_queries
):
    make_webhook()
    make_webhook(events=["visit.submitted", "visit.reviewed"])
    with django_assert_num_queries(3):
        event_record(organization=org, type="visit.submitted", data={})


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    return DBTaskResult.objects


def test_the_sweep_keeps_exactly_one_future_run_queued(database_queue):
    assert tasks.sweep_schedule() is True
    assert tasks.sweep_schedule() is False  # Idempotent: deploys and cron may call it freely.
    (queued,) = database_queue.filter(task_path="webhooks.tasks.sweep_deliveries")
    assert queued.run_after > timezone.now()
    # A run (as a worker would: its own row is RUNNING) queues its successor once.
    database_queue.filter(pk=queued.pk).update(status="RUNNING")
    assert tasks.sweep_deliveries.call() == 0
    assert database_queue.filter(task_path="webhooks.tasks.sweep_deliveries", status="READY").count() == 1


def test_sweep_command_re_enqueues_overdue_deliveries(
    org, make_webhook, database_queue, django_capture_on_commit_callbacks
):

    make_webhook()
    event = event_record(organization=org, type="visit.submitted", data={})
    Delivery.objects.filter(event=event).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks_sweep", "--schedule", stdout=out)
    assert (
        "Re-enqueued 1 overdue deliveries." in out.getvalue() and "Periodic sweep queued." in out.getvalue()
    )
    assert database_queue.filter(task_path="webhooks.tasks.deliver").count() == 1


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_timeout(
    org, make_webhook, allow_private, settings, queue
):
    """Per-read socket timeouts alone would let one byte every 0.1 s hold the worker for ever."""

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def drip():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"X-Slow: .\r\n")
            except OSError:
                break
            time.sleep(0.1)
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    try:
        make_webhook(url=f"http://127.0.0.1:{server.getsockname()[1]}/hook")
        delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
        started = time.monotonic()
        assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
        assert time.monotonic() - started < 2
    finally:
        stop.set()
        server.close()
    assert delivery.attempts.get().error == "Timed out after 0.5 s."
