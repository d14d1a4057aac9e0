"""Emails reach a real SMTP server: both parts, subject, recipients, links; retried, never doubled.

The server is aiosmtpd on 127.0.0.1 (``smtp`` fixture); the worker is played by running the queued
tasks by hand (``run_queued``), as one ``db_worker`` would.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from disputes.services import dispute_decide, dispute_open
from notifications import tasks
from notifications.delivery import _send_task, email_send, emails_sweep
from notifications.models import EmailStatus, Notification
from tests.disputes.conftest import decide_body, dispute_body
from tests.factories import UserFactory

from .conftest import CRITICAL_ANSWERS, LOW_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, region, location):
    return {
        "admin": UserFactory(organization=org, role=Role.ADMIN, username="alice", email="alice@acme.example"),
        "manager": UserFactory(
            organization=org,
            role=Role.MANAGER,
            username="manny",
            email="manny@acme.example",
            regions=[region],
        ),
        "staff": UserFactory(
            organization=org,
            role=Role.STAFF,
            username="stella",
            email="stella@acme.example",
            locations=[location],
        ),
    }


def make_due(*rows):
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(next_attempt_at=timezone.now())


def test_a_critical_failure_arrives_with_both_parts_and_absolute_links(
    work, smtp_settings, smtp, queue, people, location, make_visit
):
    visit = make_visit(location, CRITICAL_ANSWERS)
    assert len(queue.results) == 2  # enqueued at commit, one task per email

    assert work() == ["sent", "sent"]

    received = smtp.inbox.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in received) == ["alice@acme.example", "manny@acme.example"]
    mail = received[0]
    assert mail.mail_from == "audits@acme.example"
    assert mail.subject == f"Critical failure at Amsterdam Centraal: 1 critical item, score {visit.score:.2f}"
    link = f"https://audits.acme.example/dashboard/visits/{visit.pk}/"
    assert link in mail.text and f'href="{link}"' in mail.html
    assert "https://audits.acme.example/dashboard/" in mail.text
    for part in (mail.text, mail.html):
        assert "Problem solved on first contact?" in part
        assert "Amsterdam Centraal" in part and "AMS-01" in part
        assert "Store visit, version 1" in part
    assert "&lt;" not in mail.text  # the text part is not HTML-escaped
    # Simple, self-contained HTML: inline styles, no scripts, stylesheets or remote images.
    assert "<script" not in mail.html and "<link" not in mail.html and "<img" not in mail.html
    assert 'lang="en"' in mail.html
    assert (
        mail.message["Message-ID"]
        == f"<notification-{Notification.objects.get(recipient__username=mail.rcpt_tos[0].split('@')[0]).pk}.{Notification.objects.get(recipient__username=mail.rcpt_tos[0].split('@')[0]).recipient_id}@acme.example>"
    )
    assert all(row.email_status == EmailStatus.SENT for row in Notification.objects.all())


def test_the_inbox_entry_says_what_the_email_says(
    work, smtp_settings, smtp, queue, people, location, make_visit
):
    make_visit(location, LOW_ANSWERS)
    work()

    row = Notification.objects.get(recipient=people["admin"])
    mail = next(r for r in smtp.inbox.wait_for(2) if r.rcpt_tos == ["alice@acme.example"])
    assert mail.subject == row.subject == "Below threshold at Amsterdam Centraal: 43.75 (pass 80.00)"
    assert row.link in mail.text


def test_staff_never_learn_who_audited_nor_who_decided(
    work,
    smtp_settings,
    smtp,
    queue,
    people,
    location,
    make_visit,
    auditor,
    django_capture_on_commit_callbacks,
):
    visit = make_visit(location, LOW_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        dispute, _ = dispute_open(
            actor=people["staff"], visit_id=visit.pk, data=dispute_body(comment="Till log")
        )
        dispute_decide(
            actor=people["manager"],
            dispute_id=dispute.pk,
            data=decide_body(("wait_minutes", "upheld"), comment="The receipt settles it."),
        )
    work()

    staff_mail = [r for r in smtp.inbox.wait_for(5) if r.rcpt_tos == ["stella@acme.example"]]
    assert len(staff_mail) == 1
    mail = staff_mail[0]
    entry = Notification.objects.get(recipient=people["staff"])
    assert mail.subject == entry.subject
    assert "upheld" in mail.subject and "43.75 → 52.08" in mail.subject
    assert "The receipt settles it." in mail.text and "The receipt settles it." in mail.html
    for text in (mail.text, mail.html, entry.subject, mail.subject):
        for secret in (
            "otto-secret",
            "Otto Secretus",
            "manny",
            people["manager"].display_name,
            str(auditor.pk) + "@",
        ):
            assert secret not in text


def test_an_smtp_server_that_is_down_loses_nothing(
    work, smtp_settings, smtp, queue, people, location, make_visit
):
    smtp.stop()
    make_visit(location, CRITICAL_ANSWERS)

    assert work() == ["retry_scheduled", "retry_scheduled"]
    rows = list(Notification.objects.all())
    assert {row.email_status for row in rows} == {EmailStatus.PENDING}
    assert all("Connection refused" in row.last_error or "Errno" in row.last_error for row in rows)
    assert all(row.next_attempt_at > timezone.now() for row in rows)  # backing off
    assert len(queue.results) == 2  # the retries are queued (to run after the delay)

    smtp.start()  # the same port again
    queue.clear()
    make_due(*rows)
    assert run_queued_ids(rows) == ["sent", "sent"]

    assert len(smtp.inbox.wait_for(2)) == 2
    assert run_queued_ids(rows) == ["not_due", "not_due"]  # a late duplicate task sends nothing
    assert len(smtp.messages) == 2


def run_queued_ids(rows):
    return [email_send(notification_id=row.pk) for row in rows]


def test_a_refusing_server_is_retried_with_growing_delays(
    smtp_settings, smtp, queue, people, location, make_visit, settings
):
    people["manager"].notification_settings = {"critical_failure": False, "low_score": False}
    people["manager"].save()
    smtp.inbox.refuse = ["451 4.3.0 Mailbox busy"] * 3
    make_visit(location, CRITICAL_ANSWERS)
    row = Notification.objects.get()
    delays = []
    for _ in range(3):
        before = timezone.now()
        assert email_send(notification_id=row.pk) in ("retry_scheduled", "not_due")
        row.refresh_from_db()
        delays.append(round((row.next_attempt_at - before).total_seconds()))
        make_due(row)

    assert delays == settings.NOTIFICATION_RETRY_DELAYS[:3]
    assert "451" in row.last_error
    assert email_send(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.email_status, row.attempt_count) == (EmailStatus.SENT, 4)
    assert len(smtp.messages) == 1


def test_a_recipient_refused_for_good_fails_at_once(
    work, smtp_settings, smtp, queue, people, location, make_visit
):
    people["admin"].email = "nobody@invalid.example"
    people["admin"].save()

    async def refuse_rcpt(server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.inbox.handle_RCPT = refuse_rcpt
    make_visit(location, CRITICAL_ANSWERS)

    assert sorted(work()) == ["failed", "sent"]
    failed = Notification.objects.get(recipient=people["admin"])
    assert failed.email_status == EmailStatus.FAILED and "550" in failed.last_error
    assert failed.next_attempt_at is None


def test_retries_end_in_failed_after_the_last_delay(
    smtp_settings, smtp, people, location, make_visit, settings
):
    settings.NOTIFICATION_RETRY_DELAYS = [1, 2]
    people["manager"].email = ""
    people["manager"].save()
    smtp.stop()
    make_visit(location, CRITICAL_ANSWERS)
    row = Notification.objects.get(recipient=people["admin"])

    outcomes = []
    for _ in range(3):
        make_due(row)
        outcomes.append(email_send(notification_id=row.pk))

    assert outcomes == ["retry_scheduled", "retry_scheduled", "failed"]
    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED and row.attempt_count == 3


def test_a_send_claimed_by_a_worker_that_died_is_sent_once_its_lease_runs_out(
    committing, work, smtp_settings, smtp, queue, people, location, make_visit
):
    make_visit(location, CRITICAL_ANSWERS)
    queue.clear()
    now = timezone.now()
    # A worker claimed both sends a minute ago and died before the server accepted anything.
    Notification.objects.update(
        next_attempt_at=now - dt.timedelta(minutes=2),
        locked_until=now + dt.timedelta(minutes=4),
        claim_token="6f1c9a4e-0000-4000-8000-000000000000",
    )
    assert emails_sweep(now=now) == 0  # the lease still runs: hands off
    assert [email_send(notification_id=n.pk) for n in Notification.objects.all()] == ["not_due", "not_due"]

    Notification.objects.update(locked_until=now - dt.timedelta(seconds=1))  # ... until it runs out
    with committing():
        assert emails_sweep(now=now) == 2
        assert emails_sweep(now=now + dt.timedelta(seconds=10)) == 0  # once per interval
    assert work() == ["sent", "sent"]
    assert len(smtp.inbox.wait_for(2)) == 2
    assert work() == []


def test_the_sweep_picks_up_sends_whose_task_was_lost(
    committing, work, smtp_settings, smtp, queue, people, location, make_visit
):
    make_visit(location, CRITICAL_ANSWERS)
    queue.clear()  # the enqueue after commit was lost

    assert emails_sweep() == 0  # not overdue yet
    with committing():
        assert emails_sweep(now=timezone.now() + dt.timedelta(minutes=2)) == 2
    assert work() == ["sent", "sent"]


def test_the_send_task_is_found_by_its_queue_name():
    assert _send_task() is tasks.send_email


def test_an_inactive_or_addressless_recipient_is_skipped_at_send_time(
    work, smtp_settings, smtp, queue, people, location, make_visit
):
    make_visit(location, CRITICAL_ANSWERS)
    people["admin"].is_active = False
    people["admin"].save()
    people["manager"].email = ""
    people["manager"].save()

    assert sorted(work()) == ["skipped", "skipped"]
    assert not smtp.messages
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SKIPPED}


def test_a_subject_is_one_short_line(work, smtp_settings, smtp, queue, people, location, make_visit):
    location.name = "A" * 180 + "\nInjected: header"
    location.save()
    make_visit(location, CRITICAL_ANSWERS)
    work()

    mail = smtp.inbox.wait_for(2)[0]
    assert "\n" not in mail.subject and len(mail.subject) <= 200
    assert mail.message["Injected"] is None
    assert re.search(r"A{100}", mail.text)


def test_an_unexpected_error_is_recorded_and_retried_not_left_claimed(
    work, smtp_settings, smtp, queue, people, location, make_visit, monkeypatch
):
    def broken(self, fail_silently=False):
        raise ValueError("the backend choked")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    make_visit(location, CRITICAL_ANSWERS)

    assert work() == ["retry_scheduled", "retry_scheduled"]
    row = Notification.objects.first()
    assert row.locked_until is None and row.last_error == "ValueError: the backend choked"


def test_the_admin_site_queues_failed_emails_again(
    work, smtp_settings, smtp, queue, people, location, make_visit, client, django_user_model
):
    smtp.inbox.refuse = ["554 5.7.1 Rejected as spam"] * 2
    make_visit(location, CRITICAL_ANSWERS)
    assert work() == ["failed", "failed"]  # a 5xx is final: no retry
    assert not queue.results
    operator = django_user_model.objects.create_superuser("root", "root@acme.example", "a-long-passphrase")
    client.force_login(operator)

    response = client.post(
        "/admin/notifications/notification/",
        {"action": "send_again", "_selected_action": list(Notification.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 302
    assert work() == ["sent", "sent"]
    assert len(smtp.inbox.wait_for(2)) == 2
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}
