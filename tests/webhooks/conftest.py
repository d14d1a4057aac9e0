"""Webhook test helpers: a real HTTP receiver on 127.0.0.1, endpoints, and a hand-cranked worker."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from webhooks.models import Delivery, Webhook

SECRET = "whsec_test-secret-0123456789abcdef"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then ``default``), recording what came in."""

    server: ThreadingHTTPServer
    script: list[int] = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def next_status(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else self.default


def _handler(receiver_ref: list[Receiver]):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            receiver = receiver_ref[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.next_status()
            self.send_response(status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST  # noqa: N815 - a followed redirect would show up as a GET

        def log_message(self, *args):
            pass

    return Handler


def start_receiver() -> Receiver:
    ref: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
    server.daemon_threads = True
    receiver = Receiver(server=server)
    ref.append(receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return receiver


@pytest.fixture
def receiver():
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def allow_private(settings):
    """The test setting that lets deliveries reach the receiver on 127.0.0.1."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    return settings


@pytest.fixture
def make_webhook(org):
    def make(url="https://93.184.215.14/hook", events=None, organization=None, secret=SECRET, **fields):
        return Webhook.objects.create(
            organization=organization or org,
            url=url,
            events=events or ["visit.submitted"],
            secret=secret,
            **fields,
        )

    return make


@pytest.fixture
def queue():
    """The test task queue (django-tasks' DummyBackend): see what was enqueued, then run it."""
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def run_queued(backend) -> list:
    """Run every queued task once, as one worker would, and return their results."""
    pending = list(backend.results)
    backend.clear()
    return [result.task.call(*result.args, **result.kwargs) for result in pending]


def make_due(delivery: Delivery) -> None:
    """Skip the wait before the next scheduled retry."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


class ConnectSpy:
    """Records every attempt to open a socket connection (and blocks it)."""

    def __init__(self):
        self.calls: list = []


@pytest.fixture
def connect_spy(monkeypatch):
    spy = ConnectSpy()

    def refuse_connect(sock, address, *args, **kwargs):
        spy.calls.append(address)
        raise AssertionError(f"connection attempted to {address}")

    def refuse_create_connection(address, *args, **kwargs):
        spy.calls.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "create_connection", refuse_create_connection)
    return spy
