"""Sending notification emails: enqueueing, one attempt, its outcome, and the sweep.

The same design as webhook deliveries (``webhooks.delivery``), on the same queue and workers:
a ``Notification`` is written with the change it reports; its email is enqueued by task name
(``SEND_TASK``) after the commit; a worker claims the send with a conditional UPDATE and a lease,
talks to the mail server outside any transaction, then records the outcome. A failed send is
retried after ``NOTIFICATION_RETRY_DELAYS``; the sweep re-enqueues sends whose task was lost or
whose worker died, once their lease has run out. ``notifications.tasks`` runs these functions.

Once, not twice: only the worker holding the claim sends, so two workers (or a task enqueued twice)
never both send one email. A worker killed mid-conversation leaves a message the server never
accepted (SMTP takes a message only at the end of its DATA), which the next worker sends once the
lease runs out. Every attempt carries the same ``Message-ID``, so in the one case SMTP cannot rule
out (the server accepted the message and the worker died before it could record so), mail systems
that drop duplicate Message-IDs still show it once.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import EmailStatus, Notification

if TYPE_CHECKING:
    from django_tasks.base import Task

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
#: The task that sends one email; queued rows name it, so it keeps this path.
SEND_TASK = "notifications.tasks.send_email"
ERROR_MAX = 500


def _send_task() -> Task[[int], str]:
    """The ``send_email`` task, looked up by its queue name (``notifications.tasks`` imports this)."""
    send: Task[[int], str] = import_string(SEND_TASK)
    return send


def emails_enqueue(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        email_enqueue(notification_id=notification_id)


def email_enqueue(*, notification_id: int, run_after: datetime | None = None) -> bool:
    """Put one send on the task queue; never raises (the sweep is the safety net)."""
    try:
        task = _send_task()
        if run_after is not None and run_after > timezone.now():
            if not task.get_backend().supports_defer:
                return False  # This backend cannot wait; the sweep enqueues it once it is due.
            task = task.using(run_after=run_after)
        task.enqueue(notification_id)
        return True
    except Exception:
        logger.exception("Could not enqueue notification email %s; the sweep will retry it.", notification_id)
        return False


def message_id(notification: Notification) -> str:
    """The same ``Message-ID`` on every attempt of one notification."""
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    domain = sender[1].strip(" >") if len(sender) == 2 else "localhost"
    return f"<notification-{notification.pk}.{notification.recipient_id}@{domain or 'localhost'}>"


def email_message(
    notification: Notification, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The email of a notification: its text, with the HTML as an alternative part."""
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification), "Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    message.attach_alternative(notification.body_html, "text/html")
    return message


def _claim(notification_id: int, now: datetime, token: uuid.UUID) -> bool:
    return bool(
        Notification.objects.filter(
            pk=notification_id, email_status=EmailStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(
            locked_until=now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS),
            claim_token=token,
            attempt_count=F("attempt_count") + 1,
        )
    )


def _permanent(error: Exception) -> bool:
    """Whether retrying cannot help: the server refused for good (a 5xx reply, RFC 5321), every
    recipient or the message itself."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def email_send(*, notification_id: int, connection: BaseEmailBackend | None = None) -> str:
    """Send a notification's email if it is due and nobody else is sending it; returns the outcome.

    Not one transaction: the claim commits before the mail server is contacted, so no lock is held
    while it takes its time; the outcome is recorded in a second short transaction.
    """
    now = timezone.now()
    token = uuid.uuid4()
    if not _claim(notification_id, now, token):
        return "not_due"
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return "gone"
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        reason = (
            "The person has no email address." if recipient.is_active else "The person is no longer active."
        )
        return _outcome_record(notification_id=notification_id, token=token, error=None, skipped=reason)
    error: Exception | None = None
    try:
        email_message(notification, connection=connection or get_connection(fail_silently=False)).send()
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, TLS failed
        error = exc
    except Exception as exc:  # a bad address, a backend's own error: recorded and retried, never stuck
        logger.exception("Notification email %s could not be built or sent.", notification_id)
        error = exc
    return _outcome_record(notification_id=notification_id, token=token, error=error)


@transaction.atomic
def _outcome_record(
    *, notification_id: int, token: uuid.UUID, error: Exception | None, skipped: str = ""
) -> str:
    notification = (
        Notification.objects.select_for_update().filter(pk=notification_id, claim_token=token).first()
    )
    if notification is None:
        return "stale"  # Our lease ran out and another worker took over.
    now = timezone.now()
    outcome = "sent"
    next_try: datetime | None = None
    if skipped:
        notification.email_status = EmailStatus.SKIPPED
        notification.last_error = skipped
        notification.next_attempt_at = None
        outcome = "skipped"
    elif error is None:
        notification.email_status = EmailStatus.SENT
        notification.sent_at = now
        notification.last_error = ""
        notification.next_attempt_at = None
    else:
        notification.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
        delays = settings.NOTIFICATION_RETRY_DELAYS
        step = notification.attempt_count - 1  # failed attempts before this one
        if _permanent(error) or step >= len(delays):
            notification.email_status = EmailStatus.FAILED
            notification.next_attempt_at = None
            outcome = "failed"
        else:
            next_try = now + timedelta(seconds=delays[step])
            notification.next_attempt_at = next_try
            outcome = "retry_scheduled"
        logger.warning(
            "Notification email %s not sent (%s): %s", notification_id, outcome, notification.last_error
        )
    notification.locked_until = None
    notification.claim_token = None
    notification.save(
        update_fields=[
            "email_status",
            "sent_at",
            "last_error",
            "next_attempt_at",
            "locked_until",
            "claim_token",
        ]  # not ``updated_at``: that moves for the inbox (read), not for the email's bookkeeping
    )
    if next_try is not None:
        retry_at = next_try
        transaction.on_commit(lambda: email_enqueue(notification_id=notification_id, run_after=retry_at))
    return outcome


@transaction.atomic
def emails_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Re-enqueue sends that are overdue: their task was lost or their worker died.

    "Overdue" means due for longer than one sweep interval, with no live lease; each is
    re-enqueued at most once per interval (a duplicate task finds nothing to claim anyway).
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.NOTIFICATION_SWEEP_INTERVAL_SECONDS)
    overdue = list(
        Notification.objects.filter(email_status=EmailStatus.PENDING, next_attempt_at__lte=now - grace)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .filter(Q(swept_at__isnull=True) | Q(swept_at__lte=now - grace))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if overdue:
        Notification.objects.filter(pk__in=overdue).update(swept_at=now)
        transaction.on_commit(lambda: emails_enqueue(overdue))
    return len(overdue)
