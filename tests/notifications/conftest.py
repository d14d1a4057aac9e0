"""Notification fixtures: a real SMTP server, the test task queue, visits that fail, people to tell."""

import pytest
from django_tasks import default_task_backend

from accounts.models import Role
from tests.audits.conftest import FULL_SECTIONS, GOOD_ANSWERS
from tests.disputes.conftest import ANSWERS as DISPUTABLE_ANSWERS  # noqa: F401 - shared with tests here
from tests.disputes.conftest import submit_visit
from tests.factories import ChecklistFactory, UserFactory

from .smtp import SmtpServer

#: A visit whose critical item (``solved``) fails (and scores far below the threshold of 80).
CRITICAL_ANSWERS = [
    {"item": "greeted", "value": False, "na": False, "comment": ""},
    {"item": "warmth", "value": 3, "na": False, "comment": ""},
    {"item": "offer", "value": "some", "na": False, "comment": ""},
    {"item": "wait_minutes", "value": 12, "na": False, "comment": ""},
    {"item": "solved", "value": False, "na": False, "comment": "Sent away."},
    {"item": "remarks", "value": "Slow.", "na": False, "comment": ""},
]
#: No critical failure, 43.75 against 80.
LOW_ANSWERS = DISPUTABLE_ANSWERS
PASSING_ANSWERS = GOOD_ANSWERS


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp):
    """Mail goes to the test SMTP server (the test runner's default is Django's in-memory outbox)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Acme audits <audits@acme.example>"
    settings.PUBLIC_BASE_URL = "https://audits.acme.example"
    return settings


@pytest.fixture
def queue():
    """The test task queue (django-tasks' DummyBackend): see what was enqueued, then run it."""
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


@pytest.fixture
def work(queue, django_capture_on_commit_callbacks):
    """``work()`` runs every queued task once, as one worker would (what they enqueue after their
    commits is queued again), and returns their results."""

    def run() -> list:
        pending = list(queue.results)
        queue.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return [result.task.call(*result.args, **result.kwargs) for result in pending]

    return run


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """``with committing(): ...`` runs what the block leaves for after the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def checklist(org):
    return ChecklistFactory(organization=org, sections=FULL_SECTIONS, name="Store visit")


@pytest.fixture
def auditor(org):
    return UserFactory(
        organization=org, role=Role.AUDITOR, username="otto-secret", display_name="Otto Secretus"
    )


@pytest.fixture
def make_visit(checklist, auditor, django_capture_on_commit_callbacks):
    """Submit a mystery visit as its auditor, running what waits for the commit (the email tasks'
    enqueueing; the test's own transaction never commits)."""

    def make(location, answers=None, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return submit_visit(location, checklist, by or auditor, answers)

    return make
