"""The dashboard's write forms: what a person fills in, turned into what the services take.

Reviews, disputes (opened and decided) and action steps call the very services the API calls
(``audits.services.visit_review``, ``disputes.services.dispute_open`` / ``dispute_decide``,
``actions.services.action_resolve`` / ``action_verify`` / ``action_reopen``); the forms only collect
fields and shape them as the API's bodies. Every rule (who may, which state, which value fits an
item) stays in the service, whose errors the page shows beside the field they name.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict

from core.exceptions import DomainConflict

MAX_TEXT = 2000


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("return", "Return to the auditor"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    comment = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment (required to return a visit)",
    )


class StepForm(forms.Form):
    """An action's step: its text (a resolution, or a reviewer's comment); where to go back is ``next``."""

    text = forms.CharField(required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


@dataclass(frozen=True)
class DisputableItem:
    """An item of the visit a dispute may name, with what the form offers for its proposed answer."""

    key: str
    prompt: str
    type: str
    allow_na: bool
    current: str  # the visit's answer, as shown
    options: list[tuple[str, str]] = field(default_factory=list)  # choice items: (key, label)
    scale: tuple[Any, Any] | None = None  # scale items: (min, max)


#: The largest number the form takes for a proposed answer (far beyond any scale or count).
MAX_NUMBER = Decimal(10) ** 15


def _number(text: str) -> int | float | None:
    """A number as typed (``3``, ``2.5``), or None; ``1e999999`` and the like are refused unread."""
    text = text.strip()
    if len(text) > 32:
        return None
    try:
        value = Decimal(text)
        if not value.is_finite() or abs(value) >= MAX_NUMBER:
            return None
    except ArithmeticError:  # not a number, or one past the decimal context (Overflow)
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def proposed_value(item: DisputableItem, raw: str) -> tuple[Any, bool]:
    """``(value, ok)``: the typed value the API's ``proposed.value`` would carry for ``raw``."""
    raw = raw.strip()
    if item.type == "yes_no":
        return {"yes": True, "no": False}.get(raw), raw in ("yes", "no")
    if item.type in ("scale", "number"):
        number = _number(raw) if raw else None
        return number, number is not None
    return raw, bool(raw)


def dispute_body(
    data: QueryDict, items: list[DisputableItem]
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The API's dispute body from the form, the item keys it names (in order), and the problems the
    form itself sees (a value that is not a number, say), keyed by item."""
    chosen = [item for item in items if item.key in set(data.getlist("items"))]
    problems: dict[str, str] = {}
    entries = []
    for item in chosen:
        na = item.allow_na and data.get(f"na:{item.key}") == "on"
        value: Any = None
        if not na:
            value, ok = proposed_value(item, data.get(f"value:{item.key}", ""))
            if not ok:
                problems[item.key] = "Give the answer you propose (or N/A where the item allows it)."
        entries.append(
            {
                "item": item.key,
                "reason": data.get(f"reason:{item.key}", ""),
                "proposed": {"value": value, "na": na},
            }
        )
    body = {"id": data.get("id") or str(uuid.uuid4()), "comment": data.get("comment", ""), "items": entries}
    return body, [item.key for item in chosen], problems


def decision_body(data: QueryDict, item_keys: list[str]) -> dict[str, Any]:
    """The API's decision body: every disputed item's decision, and the comment."""
    return {
        "comment": data.get("comment", ""),
        "items": [{"item": key, "decision": data.get(f"decision:{key}", "")} for key in item_keys],
    }


def service_errors(exc: Exception) -> tuple[int, dict[str, list[str]]]:
    """A service's refusal as ``(status, {path: [messages]})``; the path ``""`` concerns no field."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return 400, {_path(name): list(messages) for name, messages in exc.message_dict.items()}
        return 400, {"": list(exc.messages)}
    if isinstance(exc, DomainConflict):
        return 409, {_path(exc.attr or ""): [exc.message]}
    if isinstance(exc, PermissionDenied):
        return 403, {"": [str(exc) or "You may not do this."]}
    if isinstance(exc, Http404):
        return 404, {"": ["Not found: it may have been removed, or it is not yours to see."]}
    raise exc


def _path(name: str) -> str:
    return "" if name in ("__all__", "non_field_errors") else name


def by_item(errors: Mapping[str, list[str]], item_keys: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Errors at ``items.N...`` filed under the N-th item's key; the rest in a general list."""
    per_item: dict[str, list[str]] = {}
    general: list[str] = []
    for path, messages in errors.items():
        parts = path.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(item_keys):
            per_item.setdefault(item_keys[int(parts[1])], []).extend(messages)
        elif path in ("", "items", "comment", "id"):
            general.extend(messages)
        else:
            general.extend(f"{path}: {message}" for message in messages)
    return per_item, general
