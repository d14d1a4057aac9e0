"""A real server for tests that the in-process test client cannot make: gunicorn on 127.0.0.1.

``demo_server`` migrates a fresh SQLite database in a temporary directory, seeds it with
``seed_demo`` (an organization with open assignments for its auditors), and serves it with the
production command (gunicorn, ``gunicorn.conf.py``) on a free port. Everything it starts is
stopped at the end of the session.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PHOTO_CAP = 256 * 1024  # a small photo cap, so the oversize test sends little


@dataclass
class Server:
    url: str
    password: str = "Demo-Coffee-2026"

    def token(self, username: str) -> str:
        response = requests.post(
            f"{self.url}/api/v1/auth/token/",
            json={"username": username, "password": self.password},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(args, env) -> None:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("server")
    (home / "media").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DB_NAME")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.integration.server_settings",
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        MEDIA_ROOT=str(home / "media"),
        PHOTO_MAX_UPLOAD_BYTES=str(PHOTO_CAP),
        PYTHONDONTWRITEBYTECODE="1",
    )
    _run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run(["manage.py", "seed_demo", "--weeks", "1"], env)

    port = _free_port()
    log = open(home / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until it answers (at most about 60 s), or it died
            if server.poll() is not None:
                break
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or its workers still booting
                pass
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        assert server.poll() is None, (home / "gunicorn.log").read_text()
        yield Server(url=url)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
