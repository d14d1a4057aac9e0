"""What each notification says: its subject, its link, and the email's text and HTML parts.

Both parts come from templates (``templates/notifications/email/<name>.txt`` and ``.html``), with
one context; subjects are made here, short and plain. Links are absolute (``PUBLIC_BASE_URL``)
and point at the dashboard's pages. Nothing here names who audited a visit, who opened a dispute or
who decided it: every message is fit for every recipient, staff included.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import Location
from checklists.definition import items_by_key, text_in

if TYPE_CHECKING:
    from audits.models import Visit
    from checklists.models import ChecklistVersion
    from disputes.models import Dispute

SUBJECT_MAX = 200


@dataclass(frozen=True)
class Message:
    subject: str
    link: str
    text: str
    html: str


# --- links --------------------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def dashboard_url() -> str:
    return absolute_url("/dashboard/")


def location_url(location_id: int) -> str:
    return absolute_url(f"/dashboard/locations/{location_id}/")


def visit_url(visit_id: object) -> str:
    return absolute_url(f"/dashboard/visits/{visit_id}/")


def dispute_url(dispute_id: object) -> str:
    return absolute_url(f"/dashboard/disputes/{dispute_id}/")


def action_url(action_id: object) -> str:
    return absolute_url(f"/dashboard/actions/{action_id}/")


# --- rendering ----------------------------------------------------------------------------------


def render_message(template: str, context: Mapping[str, Any], *, subject: str, link: str) -> Message:
    """Both parts of one email from ``template``'s ``.txt`` and ``.html`` (autoescaped) files."""
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1] + "…"
    full = {**context, "subject": subject, "link": link, "dashboard_url": dashboard_url()}
    text = render_to_string(f"notifications/email/{template}.txt", full)
    html = render_to_string(f"notifications/email/{template}.html", full)
    return Message(subject=subject, link=link, text=text, html=html)


def figure(value: float | Decimal | None) -> str:
    """A score or rate as reports show it: two decimals, or an em dash for none."""
    return "—" if value is None else f"{float(value):.2f}"


def change(value: float | None) -> str:
    """A change against the week before, signed (``+2.10``, ``-0.50``, ``±0.00``), or an em dash."""
    if value is None:
        return "—"
    if value == 0:
        return "±0.00"
    return f"{value:+.2f}"


def _local(instant: dt.datetime | None, tz_name: str) -> str:
    if instant is None:
        return ""
    return instant.astimezone(zoneinfo.ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")


def _item_prompts(version: ChecklistVersion, language: str | None) -> dict[str, str]:
    languages: list[str] = list(version.languages or [])
    return {
        key: text_in(item.get("prompt", ""), language, languages) or key
        for key, (_, item) in items_by_key(version.sections or []).items()
    }


def _section_titles(version: ChecklistVersion, language: str | None) -> dict[str, str]:
    languages: list[str] = list(version.languages or [])
    return {
        str(section.get("key")): text_in(section.get("title", ""), language, languages)
        or str(section.get("key"))
        for section in version.sections or []
    }


def _visit_context(visit: Visit, language: str | None) -> dict[str, Any]:
    location = visit.location
    version = visit.checklist_version
    prompts = _item_prompts(version, language)
    titles = _section_titles(version, language)
    return {
        "location": location,
        "location_url": location_url(location.pk),
        "checklist": visit.checklist.name,
        "version": version.number,
        "started": _local(visit.started_at, location.timezone),
        "timezone": location.timezone,
        "score": figure(visit.score),
        "threshold": figure(version.pass_threshold),
        "critical_items": [prompts.get(key, key) for key in visit.critical_failures or []],
        "sections": [
            {"title": titles.get(str(s.get("key")), str(s.get("key"))), "score": figure(s.get("score"))}
            for s in visit.section_scores or []
        ],
    }


# --- messages, one per kind of news -------------------------------------------------------------


def visit_message(visit: Visit, *, critical: bool, language: str | None) -> Message:
    """A mystery visit submitted with a critical failure, or below its pass threshold."""
    context = _visit_context(visit, language)
    where = visit.location.name
    if critical:
        count = len(context["critical_items"])
        subject = f"Critical failure at {where}: {count} critical item{'s' if count != 1 else ''}, score {context['score']}"
    else:
        subject = f"Below threshold at {where}: {context['score']} (pass {context['threshold']})"
    return render_message(
        "visit_critical_failure" if critical else "visit_low_score",
        context,
        subject=subject,
        link=visit_url(visit.pk),
    )


def _disputed_items(dispute: Dispute, prompts: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "prompt": prompts.get(item.item_key, item.item_key),
            "reason": item.reason,
            "original": "N/A" if item.original_na else _plain(item.original_value),
            "proposed": "N/A" if item.proposed_na else _plain(item.proposed_value),
            "decision": item.decision,
        }
        for item in dispute.items.all()
    ]


def _plain(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "—" if value is None else str(value)


_ROLE_WORDS = {
    "staff": "location staff",
    "manager": "a manager",
    "admin": "an admin",
    "api_key": "an integration",
}


def dispute_opened_message(dispute: Dispute, *, language: str | None) -> Message:
    visit = dispute.visit
    context = {
        **_visit_context(visit, language),
        "items": _disputed_items(dispute, _item_prompts(visit.checklist_version, language)),
        "comment": dispute.comment,
        "opened_by": _ROLE_WORDS.get(dispute.created_by_role, dispute.created_by_role),
        "visit_date": visit.local_date.isoformat(),
    }
    count = len(context["items"])
    subject = (
        f"Dispute opened: {visit.location.name}, visit of {visit.local_date.isoformat()} "
        f"({count} item{'s' if count != 1 else ''})"
    )
    return render_message("dispute_opened", context, subject=subject, link=dispute_url(dispute.pk))


_OUTCOME_WORDS = {"upheld": "upheld", "partially_upheld": "partly upheld", "rejected": "rejected"}


def dispute_decided_message(
    dispute: Dispute, *, rescored: Mapping[str, Any] | None, language: str | None
) -> Message:
    visit = dispute.visit
    score_change = (rescored or {}).get("score")
    before_after = None
    if isinstance(score_change, list) and len(score_change) == 2:
        before_after = {"before": figure(score_change[0]), "after": figure(score_change[1])}
    outcome = _OUTCOME_WORDS.get(dispute.status, dispute.status)
    context = {
        **_visit_context(visit, language),
        "items": _disputed_items(dispute, _item_prompts(visit.checklist_version, language)),
        "outcome": outcome,
        "decision_comment": dispute.decision_comment,
        "rescored": before_after,
        "visit_date": visit.local_date.isoformat(),
    }
    subject = f"Dispute {outcome}: {visit.location.name}, visit of {visit.local_date.isoformat()}"
    if before_after:
        subject += f" (score {before_after['before']} → {before_after['after']})"
    return render_message("dispute_decided", context, subject=subject, link=dispute_url(dispute.pk))


_SOURCE_WORDS = {
    "critical_failure": "a critical failure in a mystery visit",
    "low_score": "a mystery visit below its pass threshold",
    "manual": "a manager's request",
}


def action_message(action: Mapping[str, Any], location: Location, *, overdue: bool) -> Message:
    """A corrective action of ``location``: new (``action.created``), or overdue.

    ``action`` is the action as an API key reads it (the event's data): ``id``, ``title``,
    ``description``, ``source``, ``due_date``, ``item``.
    """
    title = str(action.get("title") or "Corrective action")
    due = str(action.get("due_date") or "")
    context = {
        "location": location,
        "location_url": location_url(location.pk),
        "title": title,
        "description": str(action.get("description") or ""),
        "source": _SOURCE_WORDS.get(str(action.get("source")), str(action.get("source") or "")),
        "due_date": due,
        "overdue": overdue,
    }
    subject = (
        f"Overdue action at {location.name}: {title} (due {due})"
        if overdue
        else f"New action for {location.name}: {title} (due {due})"
    )
    return render_message(
        "action_overdue" if overdue else "action_assigned",
        context,
        subject=subject,
        link=action_url(action.get("id")),
    )
