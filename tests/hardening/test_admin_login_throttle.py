"""The admin site's password forms are throttled like the token endpoint: per address, ``THROTTLE_AUTH``,
429 with ``Retry-After``; and in production the counters are shared by every process (Redis)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.hardening.redis_helpers import drop_prefix, require_redis, unique_prefix

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def auth_rate(settings):
    """THROTTLE_AUTH at 5 guesses a day, counters from zero.

    Counting windows are fixed: a day-long one keeps a slow run from straddling a window boundary
    and getting a fresh budget halfway through a test."""
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "5/day"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield
    cache.clear()


def _guess(client, n=0):
    return client.post("/admin/login/", {"username": "alice", "password": f"wrong-{n}"})


@pytest.mark.django_db
def test_admin_login_guesses_past_the_auth_rate_get_429_with_retry_after(auth_rate, admin):
    attacker = Client(REMOTE_ADDR="198.51.100.1")
    answered = [_guess(attacker, n).status_code for n in range(5)]
    throttled = _guess(attacker, 5)

    assert answered == [200] * 5  # the form again, "enter a correct username and password"
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 24 * 3600
    # Even the right password is not looked at from that address now...
    right = attacker.post("/admin/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert right.status_code == 429
    # ...and the token endpoint draws on the same budget for that address.
    api = attacker.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "x"}, content_type="application/json"
    )
    assert api.status_code == 429
    # Showing the form is free, and another address has its own budget.
    assert attacker.get("/admin/login/").status_code == 200
    assert _guess(Client(REMOTE_ADDR="198.51.100.2")).status_code == 200


@pytest.mark.django_db
def test_admin_password_change_is_throttled_per_address_too(auth_rate, django_user_model):
    staff = django_user_model.objects.create_user(
        username="root-admin", password="correct-horse-battery", is_staff=True, is_superuser=True
    )
    client = Client(REMOTE_ADDR="198.51.100.3")
    client.force_login(staff)
    body = {"old_password": "wrong", "new_password1": "n3w-Passphrase!", "new_password2": "n3w-Passphrase!"}
    answered = [client.post("/admin/password_change/", body).status_code for _ in range(5)]
    throttled = client.post("/admin/password_change/", body)

    assert answered == [200] * 5
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0


@pytest.mark.slow
def test_two_production_processes_share_one_budget_of_admin_login_guesses(tmp_path):
    redis_url = require_redis()
    prefix = unique_prefix()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "throttle-test-" + "s" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        # A day-long window: a slow run cannot straddle a window boundary and get a fresh budget.
        "THROTTLE_AUTH": "6/day",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("TEST_DB_NAME", None)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    try:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.hardening.admin_guesses", "5"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        drop_prefix(prefix)
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-2000:]
    statuses = [status for stdout, _ in outputs for status in json.loads(stdout.strip().splitlines()[-1])]

    # Ten guesses from one address over two processes: six answered, four refused. With counters in
    # each process's memory, all ten would have been answered.
    assert sorted(statuses) == [200] * 6 + [429] * 4
