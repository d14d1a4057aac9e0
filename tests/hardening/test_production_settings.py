"""Production settings: no secret, no start; HTTPS and cookie hardening on; Argon2 for passwords."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.settings import base

ROOT = Path(__file__).resolve().parents[2]


def _import_production(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"} | env
    code = "import config.settings.production as p; print(p.SECURE_HSTS_SECONDS, p.SESSION_COOKIE_SECURE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_production()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_with_a_secret_key_turns_on_https_hardening():
    result = _import_production(DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True"]


def test_passwords_are_hashed_with_argon2_outside_tests():

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
