"""Slow clients cannot starve the production server (deploy/serve.sh: nginx in front of gunicorn).

The real thing on loopback: production settings, gunicorn's sync workers behind nginx, a migrated
SQLite file and Redis for the throttles. For 30 s, 50 sockets send request headers one byte a second
(reconnecting when dropped) while ``/healthz`` and a login are asked every second: every one must be
answered. Straight at gunicorn's sync workers (the setup before), six such sockets left ``/healthz``
unanswered for the whole 30 s.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.hardening.redis_helpers import drop_prefix, require_redis, unique_prefix

ROOT = Path(__file__).resolve().parents[2]
ATTACK_SECONDS = 30
ATTACKERS = 50
PASSWORD = "slow-client-test-passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx:
        return nginx
    message = "nginx is not installed (.ci/run installs it: apt-get install nginx-light)."
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(f"SKIPPED LOUDLY: {message}")


@pytest.fixture
def production_server(tmp_path):
    nginx = require_nginx()
    redis_url = require_redis()
    prefix = unique_prefix()
    port, upstream = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "TEST_DB"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "slowloris-test-" + "k" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CACHE_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "THROTTLE_AUTH": "1000/min",  # the probe logs in every second; throttles are tested elsewhere
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "REQUEST_LOG_LEVEL": "WARNING",
        "LISTEN": f"127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{upstream}",
        "GUNICORN_WORKERS": "2",
        "SERVE_RUNTIME_DIR": str(tmp_path / "serve"),
        "NGINX": nginx,
    }
    setup = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from accounts.models import Role; from tests.factories import OrganizationFactory, UserFactory;"
        f"UserFactory(organization=OrganizationFactory(), role=Role.ADMIN, username='ada', password={PASSWORD!r})"
    )
    prepared = subprocess.run(
        [sys.executable, "-c", setup], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]

    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        ["bash", "deploy/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"deploy/serve.sh did not come up:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        yield base, port
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()
        drop_prefix(prefix)


class SlowClients:
    """``count`` sockets each sending a request's headers one byte a second, reconnecting when dropped."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.stop = threading.Event()
        self.connections = 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def _connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.connections += 1
        return sock

    def _run(self):
        sock = None
        while not self.stop.is_set():
            try:
                sock = sock or self._connect()
                sock.sendall(b"X")  # one byte of a header line that never ends
            except OSError:
                if sock:
                    sock.close()
                sock = None
            self.stop.wait(1)
        if sock:
            sock.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)


@pytest.mark.slow
def test_healthz_and_login_keep_answering_during_a_30_second_slow_client_attack(production_server):
    base, port = production_server
    session = requests.Session()
    outcomes = []
    with SlowClients(port, ATTACKERS) as attack:
        time.sleep(3)  # the attack holds its connections before the first probe
        end = time.monotonic() + ATTACK_SECONDS - 3
        while time.monotonic() < end:
            for name, call in (
                ("healthz", lambda: session.get(f"{base}/healthz", timeout=10)),
                (
                    "login",
                    lambda: session.post(
                        f"{base}/api/v1/auth/token/",
                        json={"username": "ada", "password": PASSWORD},
                        timeout=10,
                    ),
                ),
            ):
                try:
                    outcomes.append((name, call().status_code))
                except requests.RequestException as exc:
                    outcomes.append((name, type(exc).__name__))
            time.sleep(1)
        held = attack.connections

    assert held >= ATTACKERS
    assert len(outcomes) >= 20
    assert {outcome for outcome in outcomes if outcome[0] == "healthz"} == {("healthz", 200)}, outcomes
    assert {outcome for outcome in outcomes if outcome[0] == "login"} == {("login", 200)}, outcomes
