"""A real server for tests that the in-process test client cannot make: gunicorn on 127.0.0.1.

``seeded_gunicorn`` migrates a fresh SQLite database in ``home``, seeds it with ``seed_demo`` and
serves it with the production command (gunicorn, ``gunicorn.conf.py``) on a free port, until the
``with`` block ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_manage(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def seeded_gunicorn(home: Path, *, settings_module: str, weeks: int, env: dict[str, str]) -> Iterator[str]:
    """Serve ``seed_demo --weeks weeks`` from ``home`` with ``settings_module``; yields the base URL."""
    (home / "media").mkdir()
    server_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DB_NAME")}
    server_env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        MEDIA_ROOT=str(home / "media"),
        PYTHONDONTWRITEBYTECODE="1",
        **env,
    )
    run_manage(["migrate", "--noinput", "-v", "0"], server_env)
    run_manage(["seed_demo", "--weeks", str(weeks)], server_env)
    port = free_port()
    log = open(home / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=server_env,
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
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
