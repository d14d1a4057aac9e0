"""Notifications: one row per person and thing they are told about, which is both their inbox
entry and the outbox of its email.

A ``Notification`` is written in the transaction of the change it reports (a visit submitted, a
dispute opened...), so it commits or rolls back with it. ``key`` names what it is about
(``visit.submitted:<visit id>``, ``weekly_digest:2026-W48``, ``action_overdue:<action id>``) and is
unique per recipient: whatever runs twice (a resent event, two digest runs, two workers), a person
is told of one thing once. The email is sent after commit by the task worker, which claims the
row with a conditional UPDATE and a lease (``locked_until``, ``claim_token``) exactly like webhook
deliveries, so two workers holding the same task never both send it.
"""

from django.conf import settings
from django.db import models

from accounts.notification_kinds import NotificationKind


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Never sent: the person has no email address, or is no longer active.
    SKIPPED = "skipped", "Skipped"


class Notification(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    key = models.CharField(max_length=200, help_text="What it is about; unique per recipient.")
    subject = models.CharField(max_length=200)
    link = models.URLField(max_length=500)
    body_text = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The email, sent by the worker (see ``notifications.delivery``).
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    swept_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_person")
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at", "id"], name="notification_inbox"),
            models.Index(fields=["email_status", "next_attempt_at"], name="notification_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.subject}"


class OverdueNotice(models.Model):
    """An open corrective action found overdue, once: its staff were told (``action_overdue``).

    Marks the action as handled whoever was told (nobody, if the location has no staff or they
    switched the kind off), so the periodic check never looks at it again.
    """

    action = models.OneToOneField(
        "actions.Action", on_delete=models.CASCADE, primary_key=True, related_name="overdue_notice"
    )
    noticed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"overdue: {self.action_id}"
