"""``EMAIL_URL``: where mail goes, parsed by django-environ; a bad one stops the process at start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.email_url import email_settings

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("consolemail://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        (
            "smtp://mail.example.com",
            {
                "EMAIL_BACKEND": SMTP,
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 25,
                "EMAIL_USE_TLS": False,
            },
        ),
        (
            "smtp+tls://me%40example.com:p%2Fss@mail.example.com:587",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "me@example.com",
                "EMAIL_HOST_PASSWORD": "p/ss",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtp+ssl://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("smtp://127.0.0.1:2525?timeout=3", {"EMAIL_PORT": 2525, "EMAIL_TIMEOUT": 3.0}),
        ("filemail:///tmp/mails", {"EMAIL_FILE_PATH": "/tmp/mails"}),
    ],
)
def test_email_urls_become_django_settings(url, expected):
    settings = email_settings(url, timeout=15)

    assert {key: settings[key] for key in expected} == expected
    assert settings.get("EMAIL_TIMEOUT", 15) in (15, expected.get("EMAIL_TIMEOUT"))


@pytest.mark.parametrize(
    "url",
    [
        "smtp://user:s3cret-pass@mail.example.com:notaport",
        "smtp://user:s3cret/pass@mail.example.com:587",  # an unescaped "/" in the password
        "smtp://user:s3cret-pass@[::1",
        "smtp://user:s3cret-pass@mail.example.com:99999",
        "smpt://user:s3cret-pass@mail.example.com",
        "user:s3cret-pass@mail.example.com",
        "smtp://user:s3cret-pass@:25",
        "smtp://mail.example.com?timeout=0",
        "smtp://mail.example.com?verify=s3cret-pass",
    ],
)
def test_a_malformed_url_is_refused_naming_the_variable_never_the_password(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        email_settings(url)

    message = str(refused.value)
    assert message.startswith("EMAIL_URL is not a usable email URL")
    assert "s3cret" not in message


def test_the_process_does_not_start_with_a_malformed_email_url(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EMAIL_URL": "smtp+tls://alerts:hunter2/x@mail.example.com:587",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL is not a usable email URL" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_public_base_url_must_be_an_http_url(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PUBLIC_BASE_URL": "audits.example.com",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0 and "PUBLIC_BASE_URL must be an http(s) URL" in result.stderr
