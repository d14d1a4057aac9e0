"""Production settings: no secret or no shared cache, no start; HTTPS and cookie hardening on; Argon2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.settings import base

ROOT = Path(__file__).resolve().parents[2]


def _import_production(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "CACHE_URL", "CACHE_KEY_PREFIX")
    } | env
    code = (
        "import config.settings.production as p; "
        "print(p.SECURE_HSTS_SECONDS, p.SESSION_COOKIE_SECURE, p.CACHES['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


SHARED_CACHE = "redis://127.0.0.1:6379/0"


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_production(CACHE_URL=SHARED_CACHE)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("cache_url", [None, "locmemcache://", "dummycache://"])
def test_production_refuses_to_start_without_a_cache_shared_by_processes(cache_url):
    # Throttle counters in each process's memory would give every worker its own budget of guesses.
    env = {"DJANGO_SECRET_KEY": "x" * 60} | ({"CACHE_URL": cache_url} if cache_url else {})
    result = _import_production(**env)
    assert result.returncode != 0
    assert "CACHE_URL must name a cache shared by every process" in result.stderr


def test_production_with_a_secret_key_and_redis_turns_on_https_hardening():
    result = _import_production(DJANGO_SECRET_KEY="x" * 60, CACHE_URL=SHARED_CACHE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "django.core.cache.backends.redis.RedisCache"]


def test_passwords_are_hashed_with_argon2_outside_tests():

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024


_PROBE = """
import django, json
django.setup()
from django.test import Client
c = Client()
print(json.dumps({p: c.get(p).status_code for p in ("/healthz", "/readyz", "/api/v1/me/")}))
print(json.dumps({p: c.get(p, secure=True).status_code for p in ("/healthz", "/api/v1/me/")}))
"""


def test_health_probes_over_plain_http_are_not_redirected_to_https(tmp_path):
    """Load balancers probe /healthz and /readyz over HTTP and do not follow redirects."""
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path),
        "CACHE_URL": SHARED_CACHE,  # production refuses to start without one; the probes never use it
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    plain, secure = (__import__("json").loads(line) for line in result.stdout.splitlines()[-2:])
    assert plain["/healthz"] == 200 and plain["/readyz"] == 200
    assert plain["/api/v1/me/"] == 301  # everything else still goes to HTTPS
    assert secure == {"/healthz": 200, "/api/v1/me/": 401}
