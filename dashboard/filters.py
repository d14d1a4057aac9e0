"""The filter bar every page shares: window, region and checklist, read from (and kept in) the URL.

A page's URL carries its filters (``?window=90&region=3&checklist=1``, or ``?from=...&to=...``), so
it can be bookmarked and shared; every link between pages carries them on. Regions and checklists
are offered and accepted within the caller's scope, by the same selectors the API's report
parameters use (``regions_visible_to``, ``checklists_visible_to``): an id outside it is refused
exactly like one that does not exist. The window follows the reports' rules (``MAX_WINDOW_DAYS``,
the years visits may have) and becomes the reports' own ``ReportFilters``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from accounts.models import Region
from accounts.selectors import regions_visible_to
from audits.submission import MAX_YEAR, MIN_YEAR
from checklists.models import Checklist
from checklists.selectors import checklists_visible_to
from core.principal import Principal
from reports.selectors import ReportFilters
from reports.serializers import MAX_WINDOW_DAYS, today

#: Windows offered in the filter bar, in days up to today (the reports' default is 90), or custom dates.
WINDOWS = {28: "Last 4 weeks", 90: "Last 90 days", 182: "Last 26 weeks", 364: "Last 52 weeks"}
DEFAULT_WINDOW = 90
CUSTOM = "custom"
#: Windows up to this many days are drawn week by week, longer ones month by month.
WEEKLY_UP_TO_DAYS = 182
#: The parameters that make up a page's filters (carried from page to page).
FILTER_PARAMS = ("window", "from", "to", "region", "checklist")


class FilterForm(forms.Form):
    window = forms.ChoiceField(
        choices=[(str(days), label) for days, label in WINDOWS.items()] + [(CUSTOM, "Custom dates")],
        required=False,
        label="Window",
    )
    to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), required=False, empty_label="All regions", label="Region"
    )
    checklist = forms.ModelChoiceField(
        queryset=Checklist.objects.none(), required=False, empty_label="All checklists", label="Checklist"
    )

    def __init__(self, data: QueryDict, *, principal: Principal) -> None:
        super().__init__(data)
        # ``from`` is a Python keyword: declared here, before ``to`` in the bar.
        date_from = forms.DateField(
            required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields = {"window": self.fields["window"], "from": date_from, **self.fields}
        region: Any = self.fields["region"]
        region.queryset = regions_visible_to(principal).only("id", "code", "name").order_by("name", "id")
        region.label_from_instance = lambda row: row.name
        checklist: Any = self.fields["checklist"]
        checklist.queryset = checklists_visible_to(principal).only("id", "name").order_by("name", "id")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
                self.add_error(name, f"Must fall between the years {MIN_YEAR} and {MAX_YEAR}.")
        date_from, date_to = data.get("from"), data.get("to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("to", "The window must not end before it starts.")
            elif (date_to - date_from).days + 1 > MAX_WINDOW_DAYS:
                self.add_error("from", f"The window may span at most {MAX_WINDOW_DAYS} days (three years).")
        return data


@dataclass(frozen=True)
class PageFilters:
    """What a page shows: the window (inclusive local dates), its bucket size, region and checklist."""

    date_from: dt.date
    date_to: dt.date
    window: int | None = DEFAULT_WINDOW
    region: Region | None = None
    checklist: Checklist | None = None
    #: The filter parameters as the URL gave them (and as links to other pages carry them on).
    params: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def period(self) -> str:
        """Trends over this window: by week up to 26 weeks, by month beyond."""
        return "week" if self.days <= WEEKLY_UP_TO_DAYS else "month"

    def report(self, **narrowing: int | None) -> ReportFilters:
        """The reports' filters for this window; ``narrowing`` (``region_id``, ``location_id``) wins."""
        fields: dict[str, Any] = {
            "region_id": self.region.pk if self.region else None,
            "checklist_id": self.checklist.pk if self.checklist else None,
            **narrowing,
        }
        return ReportFilters(date_from=self.date_from, date_to=self.date_to, **fields)

    def query(self, **extra: object) -> str:
        """``?window=...`` for a link that keeps these filters (``extra`` adds or, with None, drops)."""
        params: dict[str, object] = {**self.params, **extra}
        kept = {name: value for name, value in params.items() if value not in (None, "")}
        return f"?{urlencode(kept)}" if kept else ""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


def options(form: FilterForm, name: str) -> list[Option]:
    """A select's options, with the one the URL chose (rendered by hand: cheaper than the widgets)."""
    chosen = str(form.data.get(name, "") or "")
    field: Any = form.fields[name]
    if name == "window":
        return [Option(str(value), str(label), str(value) == chosen) for value, label in field.choices]
    rows = [Option("", str(field.empty_label), chosen == "")]
    rows += [
        Option(str(row.pk), field.label_from_instance(row), str(row.pk) == chosen) for row in field.queryset
    ]
    return rows


def parse_filters(query: QueryDict, principal: Principal) -> tuple[PageFilters | None, FilterForm]:
    """The page's filters from its query string, or ``None`` with the form's errors to show.

    A preset window ends today; custom dates (``window=custom``, or ``from``/``to`` without a
    window) default to the 90 days up to ``to``, and ``to`` to today.
    """
    shown = query.copy()
    if not shown.get("window"):  # the select shows what applies: custom dates, or the default window
        shown["window"] = CUSTOM if shown.get("from") or shown.get("to") else str(DEFAULT_WINDOW)
    form = FilterForm(shown, principal=principal)
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    chosen = data.get("window") or ""
    window: int | None
    if chosen == CUSTOM:
        window = None
        date_to = data.get("to") or today()
        date_from = data.get("from") or date_to - dt.timedelta(days=DEFAULT_WINDOW - 1)
        if date_from > date_to:
            form.add_error("to", "The window must not end before it starts.")
            return None, form
    else:
        window = int(chosen)
        date_to = today()
        date_from = date_to - dt.timedelta(days=window - 1)
    params = {
        name: str(query.get(name, "")).strip() for name in FILTER_PARAMS if str(query.get(name, "")).strip()
    }
    filters = PageFilters(
        date_from=date_from,
        date_to=date_to,
        window=window,
        region=data.get("region"),
        checklist=data.get("checklist"),
        params=params,
    )
    return filters, form
