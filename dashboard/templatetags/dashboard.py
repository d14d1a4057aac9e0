"""Template helpers of the dashboard: figures as the API gives them, charts' data beside them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from dashboard.charts import Chart

register = template.Library()


@register.filter
def figure(value: float | int | None) -> str:
    """A report figure as the API has it (two decimals at most, no trailing zeros); a dash for none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


@register.filter
def signed(value: float | int | None) -> str:
    """A change with its sign (``+3.5``, ``-2``, ``0``); a dash for none."""
    if value is None:
        return "–"
    text = figure(value)
    return f"+{text}" if value > 0 else text


@register.filter
def get(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    return None if mapping is None else mapping.get(key)


@register.simple_tag
def chart_data(chart: Chart) -> SafeString:
    """The chart's spec as JSON beside its drawing (``<script type="application/json">``: data, not
    code, so the CSP lets it be; ``dashboard.js`` draws from it)."""
    return json_script(chart.spec(), f"{chart.id}-data")


@register.filter
def get_index(values: list[Any] | None, index: int) -> Any:
    if values is None or not 0 <= index < len(values):
        return None
    return values[index]


@register.filter
def query_with_page(filters: Any, page: int) -> str:
    """The page's filters with another page of a paginated list."""
    return str(filters.query(page=page))


@register.filter
def query_with(filters: Any, name: str) -> str:
    """The page's filters, ready for one more parameter: ``?window=90&name`` (the value follows)."""
    query = str(filters.query(**{name: None}))
    return f"{query}&{name}" if query else f"?{name}"


@register.simple_tag
def posted(data: Any, prefix: str, key: str) -> str:
    """What the form sent for ``prefix:key`` (kept when the page comes back with errors)."""
    return str(data.get(f"{prefix}:{key}", "")) if hasattr(data, "get") else ""


@register.simple_tag
def ticked(data: Any, name: str, value: str) -> str:
    return "checked" if hasattr(data, "getlist") and value in data.getlist(name) else ""


def _said(value: Any) -> str:
    if value is None:
        return "—"
    return figure(value) if isinstance(value, float) else str(value)


@register.filter
def changes_text(changes: Mapping[str, Any] | None) -> list[str]:
    """A history entry's ``changes`` in words: ``status: submitted → approved``, ``comment: “...”``."""
    lines = []
    for name, change in (changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            lines.append(f"{name}: {_said(change[0])} → {_said(change[1])}")
        elif name == "comment":
            lines.append(f"comment: “{change}”")
        else:
            lines.append(f"{name}: {change}")
    return lines
