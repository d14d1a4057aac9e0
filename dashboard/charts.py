"""Charts: the reports' rows (``reports.selectors``) as Chartkick.js specs and as tables, pure.

The browser draws each chart with Chartkick.js over Chart.js, both served from this server out of
the ``chartkick`` package's static files (``static/dashboard/dashboard.js`` reads the spec from a
``<script type="application/json">`` beside the chart: no inline script, so the CSP holds). Every
chart carries the numbers its table shows, and ``keys`` (the API's own x values: period starts,
item keys) so a test can hold each point to the matching API report.

A spec is ``{"type", "data", "options", "keys"}`` where ``data`` is Chartkick's: a list of series
``{"name", "data": [[label, value], ...]}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.selectors import GapItemRow, PerceptionGap, RankingRow, Trend

# Colour-blind safe (Okabe-Ito), each at least 3:1 against white for lines and bars.
PALETTE = ("#0063b0", "#c75300", "#00845a", "#b3279a", "#6b5d00", "#5a3fb0", "#a0361c", "#007c8c")
AVERAGE_COLOUR = "#1f2328"
SELF_COLOUR, MYSTERY_COLOUR = "#c75300", "#0063b0"
LABEL_CHARS = 34  # item prompts longer than this are cut on the chart (the table has them whole)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    colour: str


@dataclass(frozen=True)
class Chart:
    """One chart: its x labels (shown), x keys (the API's), series, and how to draw it."""

    id: str
    kind: str  # a Chartkick chart class: LineChart, BarChart, ColumnChart
    title: str
    labels: list[str]
    keys: list[str]
    series: list[Series]
    options: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        labels = unique(self.labels)
        data = [
            {"name": series.name, "data": [list(point) for point in zip(labels, series.values, strict=True)]}
            for series in self.series
        ]
        options = {"colors": [series.colour for series in self.series], **self.options}
        height = options.pop("height", None)
        return {"type": self.kind, "data": data, "options": options, "keys": self.keys, "height": height}

    @property
    def summary(self) -> str:
        """What a screen reader hears for the drawing (the table beside it holds the numbers)."""
        names = ", ".join(series.name for series in self.series)
        return f"{self.title}: {names}. The numbers are in the table that follows."


def unique(labels: Sequence[str]) -> list[str]:
    """Labels told apart (Chartkick files points under their label): a repeat gets `` (2)``, ..."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def period_label(start: dt.date, period: str) -> str:
    """``6 Jan`` for a week (its Monday), ``Jan 2026`` for a month, ``Q1 2026`` for a quarter."""
    if period == "week":
        return f"{start.day} {start:%b}"
    if period == "month":
        return f"{start:%b %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _score_axis(**extra: Any) -> dict[str, Any]:
    """Scores run from 0 to 100; x values are shown as given (``discrete``), empty periods are gaps
    that the line spans."""
    return {
        "min": 0,
        "max": 100,
        "legend": "bottom",
        "discrete": True,
        "curve": False,
        "dataset": {"spanGaps": True},
        **extra,
    }


SPARKLINE = {
    "height": "44px",
    "min": 0,
    "max": 100,
    "legend": False,
    "points": False,
    "discrete": True,
    "dataset": {"spanGaps": True, "borderWidth": 2},
    "library": {"scales": {"x": {"display": False}, "y": {"display": False}}, "layout": {"padding": 2}},
}


def region_trends(chart_id: str, trends: Sequence[tuple[str, Trend]]) -> Chart:
    """The average score per period of each region (one ``/regions/{id}/trend/`` each)."""
    first = trends[0][1] if trends else Trend(period="week", series=[])
    starts = [point.period_start for point in first.series]
    return Chart(
        id=chart_id,
        kind="LineChart",
        title=f"Average score per {first.period}, by region",
        labels=[period_label(start, first.period) for start in starts],
        keys=[start.isoformat() for start in starts],
        series=[
            Series(name, [point.average_score for point in trend.series], PALETTE[index % len(PALETTE)])
            for index, (name, trend) in enumerate(trends)
        ],
        options=_score_axis(),
    )


def section_keys(trend: Trend) -> list[str]:
    """Every section that has a score in some period, in key order (as the API's ``sections``)."""
    return sorted({key for point in trend.series for key in point.sections})


def location_trend(chart_id: str, trend: Trend, section_titles: dict[str, str]) -> Chart:
    """A location's average score per period and one line per section (``/locations/{id}/trend/``)."""
    starts = [point.period_start for point in trend.series]
    series = [Series("Average score", [point.average_score for point in trend.series], AVERAGE_COLOUR)]
    for index, key in enumerate(section_keys(trend)):
        values = [point.sections.get(key) for point in trend.series]
        series.append(Series(section_titles.get(key, key), values, PALETTE[index % len(PALETTE)]))
    return Chart(
        id=chart_id,
        kind="LineChart",
        title=f"Score per {trend.period}, with its sections",
        labels=[period_label(start, trend.period) for start in starts],
        keys=[start.isoformat() for start in starts],
        series=series,
        options=_score_axis(),
    )


def sparkline(chart_id: str, name: str, trend: Trend) -> Chart:
    """A ranking row's small trend: its average score per period, no axes."""
    starts = [point.period_start for point in trend.series]
    return Chart(
        id=chart_id,
        kind="LineChart",
        title=f"{name}: average score per {trend.period}",
        labels=[period_label(start, trend.period) for start in starts],
        keys=[start.isoformat() for start in starts],
        series=[Series("Average score", [point.average_score for point in trend.series], PALETTE[0])],
        options=SPARKLINE,
    )


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else f"{text[: LABEL_CHARS - 1].rstrip()}…"


def perception_gap(chart_id: str, gap: PerceptionGap) -> Chart:
    """Self-assessment against mystery score per item (``/reports/perception-gap/``), largest gap first."""
    rows: list[GapItemRow] = gap.results
    return Chart(
        id=chart_id,
        kind="BarChart",
        title="Perception gap: self-assessment against mystery score, per item",
        labels=[_short(row.prompt or row.item) for row in rows],
        keys=[f"{row.checklist}:{row.item}" for row in rows],
        series=[
            Series("Self-assessment", [row.self_assessment_score for row in rows], SELF_COLOUR),
            Series("Mystery visits", [row.mystery_score for row in rows], MYSTERY_COLOUR),
        ],
        options=_score_axis(height=f"{max(160, 60 + 34 * len(rows))}px"),
    )


@dataclass(frozen=True)
class Arrow:
    """How a figure moved since the window before, for people and for screen readers."""

    symbol: str
    css: str
    words: str


def arrow(change: float | None, *, unit: str = "points") -> Arrow:
    if change is None:
        return Arrow("–", "flat", "no earlier figure to compare")
    if change > 0:
        return Arrow("▲", "up", f"up {change:g} {unit}")
    if change < 0:
        return Arrow("▼", "down", f"down {-change:g} {unit}")
    return Arrow("▬", "flat", "unchanged")


def ranking_arrows(rows: Iterable[RankingRow]) -> dict[int, Arrow]:
    return {row.location.id: arrow(row.change) for row in rows}
