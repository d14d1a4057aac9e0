"""Webhook events of fieldwork (``job.claimed``, ``payout.created``), built from the models.

A claimed job is rendered without its auditor (as an API key reads assignments); a payout names its
auditor by id only, as the payouts list does for admins.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Organization
from audits.models import Assignment
from core.events import EventType, event_publish
from core.money import money_text
from core.rendering import dt_representation

from .models import Payout


def job_data(job: Assignment) -> dict[str, Any]:
    return {
        "id": job.pk,
        "location": job.location_id,
        "checklist": job.checklist_id,
        "due_from": dt_representation(job.due_from),
        "due_until": dt_representation(job.due_until),
        "fee": money_text(job.fee),
        "expense_cap": money_text(job.expense_cap),
        "status": job.status,
    }


def payout_representation(payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.pk,
        "auditor": payout.auditor_id,
        "visit": str(payout.visit_id),
        "fee": money_text(payout.fee),
        "expenses": money_text(payout.expenses),
        "total": money_text(payout.total),
        "currency": payout.currency,
        "status": payout.status,
        "created_at": dt_representation(payout.created_at),
        "paid_at": dt_representation(payout.paid_at),
        "reference": payout.reference,
    }


def job_claimed_publish(job: Assignment) -> None:
    event_publish(
        organization=Organization(pk=job.organization_id), type=EventType.JOB_CLAIMED, data=job_data(job)
    )


def payout_created_publish(payout: Payout) -> None:
    event_publish(
        organization=Organization(pk=payout.organization_id),
        type=EventType.PAYOUT_CREATED,
        data=payout_representation(payout),
    )
