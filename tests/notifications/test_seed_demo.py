"""``seed_demo`` prints the emails of a seeded critical failure (the demo's console backend)."""

import io

import pytest
from django.core.management import call_command

from notifications.models import EmailStatus, Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_critical_failure_emails_and_back_fills_quietly(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = io.StringIO()

    call_command("seed_demo", weeks=4, stdout=out)

    printed = out.getvalue()
    assert "Emails of the seeded critical failure at Utrecht Neude (2):" in printed
    assert printed.count("Subject: Critical failure at Utrecht Neude") == 2
    assert "To: admin@demo-coffee.example" in printed and "To: manager@demo-coffee.example" in printed
    assert "Content-Type: text/html" in printed and "/dashboard/visits/" in printed
    sent = Notification.objects.filter(email_status=EmailStatus.SENT)
    assert sorted(sent.values_list("recipient__username", "kind")) == [
        ("demo-admin", "critical_failure"),
        ("demo-manager", "critical_failure"),
    ]
    # Only the last week and the disputes notified: the back-filled history stayed quiet.
    # (the integrity and calibration demo visits of the last days notify too; the history would be hundreds)
    assert Notification.objects.count() < 60

    again = io.StringIO()
    call_command("seed_demo", weeks=4, stdout=again)
    assert "Emails of the seeded" not in again.getvalue()
