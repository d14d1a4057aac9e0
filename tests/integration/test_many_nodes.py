"""The short version of ``bench/many_nodes.py`` in CI: two gunicorn nodes and two task workers on
one PostgreSQL and one S3 endpoint, one node and one worker killed with SIGKILL and restarted under
load; nothing acknowledged is lost and nothing is stored, queued or notified twice.

It runs in the PostgreSQL leg (its database sits beside the test database) and needs Redis (the
production settings refuse a per-process cache): without them it skips loudly, and fails under CI.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.hardening.redis_helpers import require_redis

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 60


def postgres_server_url() -> str:
    """The PostgreSQL server of this run; on the SQLite leg, a skip (loud unless the PostgreSQL leg
    will run it) or, under CI where there is no PostgreSQL at all, a failure."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        )
    url = os.environ.get("TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test")
    try:
        psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
    except psycopg.Error as exc:
        message = f"no PostgreSQL at {url} ({type(exc).__name__}): bench/many_nodes.py needs one"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    pytest.skip("runs in the PostgreSQL leg of the suite")


@pytest.mark.slow
@pytest.mark.postgres
def test_a_node_and_a_worker_killed_under_load_lose_and_duplicate_nothing(transactional_db):
    server = postgres_server_url()
    redis_url = require_redis()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "TEST_DB_NAME", "DJANGO_SETTINGS_MODULE")
        },
        "BENCH_POSTGRES_URL": server,
        "BENCH_CACHE_URL": redis_url,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [
        sys.executable,
        "bench/many_nodes.py",
        "--seconds",
        "10",
        "--auditors",
        "10",
        "--assignments-per-auditor",
        "20",
        "--drain-seconds",
        "20",
        "--database",
        f"many_nodes_{os.getpid()}",
        # A copy of this run's test database (migrated already, and empty between tests).
        "--template",
        connection.settings_dict["NAME"],
    ]
    connection.close()  # nobody may be connected to a template
    script = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = script.communicate(timeout=BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        script.terminate()  # the script stops what it started (nodes, workers, S3) and drops its database
        try:
            output, _ = script.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            script.kill()
            output, _ = script.communicate()
        pytest.fail(f"many_nodes.py took more than {BOUND_SECONDS}s:\n{output[-3000:]}")
    tail = output[-4000:]
    assert "killed node 2" in output and "restarted node 2 and the worker" in output, tail
    summary = next(line for line in output.splitlines() if line.startswith("RESULT lost"))
    assert "lost visits=0 photos=0 events=0 deliveries=0 " in summary, summary
    assert "duplicated visits=0 photos=0 events=0 notifications=0" in summary, summary
    assert "lost visits=0 photos=0 events=0 deliveries=0 notifications=0;" in summary, (summary, tail)
    assert script.returncode == 0, tail
    assert "RESULT PASS" in output, tail
