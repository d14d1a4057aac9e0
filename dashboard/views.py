"""The dashboard's pages: what managers and staff would rather look at than read.

Each page is thin: it parses its filters (``dashboard.filters``), asks the selectors the API asks
(``reports``, ``actions``, ``disputes``, ``audits``, ``accounts``, ``photos``: the same scoping, no
second copy of a rule), turns report rows into charts (``dashboard.charts``) and renders a template.
Writes go through the API's services (``dashboard.forms`` shapes their bodies). The logged-in
``User`` is the ``Principal`` every selector and service takes.

Who sees what: admins and managers land on the overview, staff on their location, auditors on a
page that sends them to their phone (every other page answers them 403). Anything outside the
caller's scope is a 404 page, exactly like something that does not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.models import Location, User
from accounts.selectors import locations_visible_to, regions_visible_to
from actions import services as action_services
from actions.filters import ActionFilter
from actions.models import Action, ActionStatus
from actions.selectors import action_list
from audits.filters import VisitFilter
from audits.selectors import visits_visible_to
from core.exceptions import DomainConflict
from core.roles import Role
from core.tenancy import get_scoped_or_404
from core.throttling import throttle_password_posts
from disputes.filters import DisputeFilter
from disputes.models import Dispute, DisputeStatus
from disputes.selectors import dispute_list, disputes_report
from reports.selectors import (
    Language,
    Summary,
    change,
    item_performance,
    location_ranking,
    perception_gap,
    summary,
    trend,
)

from . import charts
from .filters import PageFilters, options, parse_filters
from .forms import StepForm, service_errors

READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.STAFF})
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
MAX_REGION_LINES = 12  # the overview draws one line per region, up to this many (filter for others)
RANKING_PAGE = 25  # ranking rows per page (each with its small trend)
RECENT_VISITS = 10
BOARD_COLUMN = 50  # cards per column of the actions board
QUEUE_LENGTH = 50  # disputes per list of the queue
WEAKEST_ITEMS = 10
# Actions lists put overdue ones first (``is_overdue``: the action list's SQL annotation).
OVERDUE_FIRST = F("is_overdue").desc()


def user_of(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the pages below are only reached signed in
        raise PermissionDenied
    return user


def local_time(instant: dt.datetime | None, tz_name: str) -> dt.datetime | None:
    """An instant in a location's time zone (visits are read in their location's local time)."""
    if instant is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localtime(instant, zone)


def pretty_key(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize() or key


# --- signing in and landing -------------------------------------------------------------------


def _login_refused(request: HttpRequest, wait: int) -> HttpResponse:
    return render(request, "dashboard/login_throttled.html", {"wait": wait}, status=429)


login = throttle_password_posts(
    auth_views.LoginView.as_view(template_name="dashboard/login.html", redirect_authenticated_user=True),
    refused=_login_refused,
)
logout = auth_views.LogoutView.as_view()


def home(request: HttpRequest) -> HttpResponse:
    """Where each role lands: managers and admins the overview, staff their location, auditors a note."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = user_of(request)
    if user.role in MANAGERS:
        return redirect("dashboard:overview")
    if user.role == Role.STAFF:
        own = list(locations_visible_to(user).values_list("pk", flat=True)[:2])
        if len(own) == 1:
            return redirect("dashboard:location", pk=own[0])
        return redirect("dashboard:ranking")
    return render(request, "dashboard/auditor.html", {"user": user})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: say so in words (the page may have expired)."""
    return render(request, "dashboard/csrf_failure.html", status=403)


# --- the pages' frame ---------------------------------------------------------------------------


class Page(View):
    """A signed-in page for admins, managers and staff, with the filter bar in its URL."""

    template_name = ""
    nav = ""
    http_method_names = ["get", "head"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.user = user_of(request)
        if self.user.role not in READERS:
            return render(request, "dashboard/auditor.html", {"user": self.user}, status=403)
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            return self.error(404, "Not found: it may have been removed, or it is not yours to see.")
        except PermissionDenied as exc:
            return self.error(403, str(exc) or "You may not see this page.")

    def error(self, status: int, message: str) -> HttpResponse:
        return render(
            self.request,
            "dashboard/error.html",
            {"user": self.user, "status": status, "message": message, "query": ""},
            status=status,
        )

    @property
    def language(self) -> Language:
        return Language(accept_language=self.request.headers.get("Accept-Language"))

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        filters, form = parse_filters(request.GET, self.user)
        bar = {
            "filter_form": form,
            "filter_options": {name: options(form, name) for name in ("window", "region", "checklist")},
        }
        if filters is None:
            return self.render_page({**bar, "bad_filters": True}, status=400)
        return self.render_page({"filters": filters, **bar, **self.page(filters, **kwargs)})

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def render_page(self, context: dict[str, Any], status: int = 200) -> HttpResponse:
        filters: PageFilters | None = context.get("filters")
        base = {
            "user": self.user,
            "nav": self.nav,
            "is_manager": self.user.role in MANAGERS,
            "query": filters.query() if filters else "",
        }
        return render(self.request, self.template_name, {**base, **context}, status=status)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: float | int | None
    previous: float | int | None
    arrow: charts.Arrow
    unit: str = ""


def _kpis(current: Summary, previous: Summary) -> list[Kpi]:
    visits_change = current.visits - previous.visits
    return [
        Kpi("Visits", current.visits, previous.visits, charts.arrow(visits_change, unit="visits")),
        Kpi(
            "Average score",
            current.average_score,
            previous.average_score,
            charts.arrow(change(current.average_score, previous.average_score)),
        ),
        Kpi(
            "Pass rate",
            current.pass_rate,
            previous.pass_rate,
            charts.arrow(change(current.pass_rate, previous.pass_rate), unit="percentage points"),
            unit="%",
        ),
    ]


def _window_kpis(user: User, filters: PageFilters, **narrowing: int | None) -> list[Kpi]:
    report = filters.report(**narrowing)
    return _kpis(summary(principal=user, filters=report), summary(principal=user, filters=report.previous()))


def _scope_params(filters: PageFilters, **extra: object) -> dict[str, str]:
    """The list filters (``ActionFilter``, ``DisputeFilter``) the page's region narrows to."""
    params = {"region": str(filters.region.pk)} if filters.region else {}
    params.update({name: str(value) for name, value in extra.items() if value is not None})
    return params


def filtered_actions(user: User, now: dt.datetime, params: dict[str, str]) -> QuerySet[Action]:
    """The action list as ``GET /actions/?...`` filters it (the API's own FilterSet)."""
    return ActionFilter(data=params, queryset=action_list(user, now)).qs


def filtered_disputes(user: User, params: dict[str, str]) -> QuerySet[Dispute]:
    return DisputeFilter(data=params, queryset=dispute_list(user)).qs


# --- overview -------------------------------------------------------------------------------------


class OverviewView(Page):
    template_name = "dashboard/overview.html"
    nav = "overview"

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        user, now = self.user, timezone.now()
        regions = list(regions_visible_to(user).order_by("name", "id"))
        if filters.region:
            regions = [region for region in regions if region.pk == filters.region.pk]
        trends = [
            (
                region.name,
                trend(principal=user, filters=filters.report(region_id=region.pk), period=filters.period),
            )
            for region in regions[:MAX_REGION_LINES]
        ]
        ranking = location_ranking(principal=user, filters=filters.report())
        scope = _scope_params(filters)
        return {
            "kpis": _window_kpis(user, filters),
            "open_actions": filtered_actions(user, now, {**scope, "status": ActionStatus.OPEN}).count(),
            "overdue_actions": filtered_actions(user, now, {**scope, "overdue": "true"}).count(),
            "open_disputes": filtered_disputes(user, {**scope, "status": DisputeStatus.OPEN}).count(),
            "trend_chart": charts.region_trends("chart-regions", trends) if trends else None,
            "trend_rows": _trend_rows([region_trend for _, region_trend in trends]),
            "trend_regions": regions[:MAX_REGION_LINES],
            "more_regions": max(0, len(regions) - MAX_REGION_LINES),
            "best": ranking[:3],
            # The three at the bottom that are not among the best three already, weakest first.
            "weakest": list(reversed(ranking[max(3, len(ranking) - 3) :])),
            "arrows": charts.ranking_arrows(ranking),
        }


def _trend_rows(trends: list[Any]) -> list[tuple[str, str, list[Any]]]:
    """The trends' points side by side, one row per period (they share their periods)."""
    if not trends:
        return []
    period = trends[0].period
    return [
        (
            charts.period_label(point.period_start, period),
            point.period_start.isoformat(),
            [t.series[i] for t in trends],
        )
        for i, point in enumerate(trends[0].series)
    ]


# --- location ranking ---------------------------------------------------------------------------


class RankingView(Page):
    template_name = "dashboard/ranking.html"
    nav = "ranking"

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        user = self.user
        rows = location_ranking(principal=user, filters=filters.report())
        page = Paginator(rows, RANKING_PAGE).get_page(self.request.GET.get("page"))
        sparklines = {
            row.location.id: charts.sparkline(
                f"spark-{row.location.id}",
                row.location.name,
                trend(
                    principal=user,
                    filters=filters.report(region_id=None, location_id=row.location.id),
                    period=filters.period,
                ),
            )
            for row in page
        }
        return {
            "page": page,
            "rows": [(row, charts.arrow(row.change), sparklines[row.location.id]) for row in page],
        }


# --- one location ---------------------------------------------------------------------------------


class LocationView(Page):
    template_name = "dashboard/location.html"
    nav = "location"

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        user, now = self.user, timezone.now()
        location: Location = get_scoped_or_404(
            locations_visible_to(user).select_related("region"), pk=kwargs["pk"]
        )
        narrowing: dict[str, int | None] = {"region_id": None, "location_id": location.pk}
        report = filters.report(**narrowing)
        location_trend = trend(principal=user, filters=report, period=filters.period)
        titles = {key: pretty_key(key) for key in charts.section_keys(location_trend)}
        gap = perception_gap(principal=user, filters=report, language=self.language)
        visit_params = {
            "location": str(location.pk),
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
        }
        if filters.checklist:
            visit_params["checklist"] = str(filters.checklist.pk)
        recent = VisitRows(user, location).rows(visit_params)
        actions = (
            filtered_actions(user, now, {"location": str(location.pk)})
            .exclude(status=ActionStatus.CANCELLED)
            .select_related("location")
            .order_by(OVERDUE_FIRST, "status", "due_date", "id")[:BOARD_COLUMN]
        )
        return {
            "location": location,
            "kpis": _window_kpis(user, filters, **narrowing),
            "trend": location_trend,
            "trend_chart": charts.location_trend("chart-trend", location_trend, titles),
            "section_titles": [titles[key] for key in charts.section_keys(location_trend)],
            "section_keys": charts.section_keys(location_trend),
            "weakest": item_performance(principal=user, filters=report, language=self.language)[
                :WEAKEST_ITEMS
            ],
            "gap": gap,
            "gap_chart": charts.perception_gap("chart-gap", gap) if gap.results else None,
            "recent": recent,
            "actions": list(actions),
            "open_disputes": list(
                filtered_disputes(
                    user, {"location": str(location.pk), "status": DisputeStatus.OPEN}
                ).select_related("visit")
            ),
        }


class VisitRows:
    """A location's visits as ``GET /visits/?location=...`` lists them, newest first, for a table."""

    def __init__(self, user: User, location: Location) -> None:
        self.user, self.location = user, location

    def rows(self, params: dict[str, str]) -> list[dict[str, Any]]:
        visits = VisitFilter(data=params, queryset=visits_visible_to(self.user)).qs
        visits = visits.select_related("checklist").order_by("-started_at", "-id")[:RECENT_VISITS]
        return [
            {"visit": visit, "started": local_time(visit.started_at, self.location.timezone)}
            for visit in visits
        ]


# --- actions board ------------------------------------------------------------------------------

COLUMNS = (
    (ActionStatus.OPEN, "Open", (OVERDUE_FIRST, "due_date", "id")),
    (ActionStatus.RESOLVED, "Resolved, to verify", ("resolved_at", "id")),
    (ActionStatus.VERIFIED, "Verified", ("-verified_at", "-id")),
)


# Sample ids the board's links are reversed with once, then replaced by each card's own.
_SAMPLE_UUID, _SAMPLE_INT = "00000000-0000-4000-8000-000000000000", "987654321"


@functools.cache
def _link(name: str, sample: str, **fixed: str) -> str:
    """The path of the route ``name`` with ``{pk}`` in place of its id: reversed once, then formatted
    (a board renders hundreds of links; ``reverse`` for each one was a third of its time)."""
    return reverse(name, kwargs={"pk": sample, **fixed}).replace(sample, "{pk}")


@dataclass(frozen=True)
class Card:
    """An action on the board, with its links made once."""

    action: Action
    id: str
    location_url: str
    visit_url: str
    resolve_url: str
    verify_url: str
    reopen_url: str


def _card(action: Action) -> Card:
    pk = str(action.pk)
    return Card(
        action=action,
        id=pk,
        location_url=_link("dashboard:location", _SAMPLE_INT).format(pk=action.location_id),
        visit_url=_link("dashboard:visit", _SAMPLE_UUID).format(pk=action.visit_id)
        if action.visit_id
        else "",
        resolve_url=_link("dashboard:action-step", _SAMPLE_UUID, step="resolve").format(pk=pk),
        verify_url=_link("dashboard:action-step", _SAMPLE_UUID, step="verify").format(pk=pk),
        reopen_url=_link("dashboard:action-step", _SAMPLE_UUID, step="reopen").format(pk=pk),
    )


class ActionsBoardView(Page):
    template_name = "dashboard/actions.html"
    nav = "actions"

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        user, now = self.user, timezone.now()
        location = self.location_param()
        scope = _scope_params(filters, location=location.pk if location else None)
        # The action list as ``GET /actions/?region=&location=`` filters it, then one column per status.
        board = filtered_actions(user, now, scope).select_related("location")
        columns = []
        for status, title, ordering in COLUMNS:
            qs = board.filter(status=status)
            cards = [_card(action) for action in qs.order_by(*ordering)[:BOARD_COLUMN]]
            total = len(cards) if len(cards) < BOARD_COLUMN else qs.count()
            columns.append({"status": status, "title": title, "cards": cards, "total": total})
        return {
            "columns": columns,
            "may_resolve": action_services.may_resolve(user),
            "may_manage": action_services.may_manage(user),
            "next": self.request.get_full_path(),
            "location_name": location.name if location else "",
            "extra_params": {"location": location.pk} if location else {},
        }

    def location_param(self) -> Location | None:
        """``?location=``: one location's board (one the caller sees, else a 404 page)."""
        raw = self.request.GET.get("location", "").strip()
        if not raw:
            return None
        return get_scoped_or_404(locations_visible_to(self.user).only("id", "name"), pk=raw)


DONE = {"resolve": "resolved", "verify": "verified", "reopen": "reopened"}


class ActionStepView(View):
    """``POST /dashboard/actions/<id>/<step>/``: resolve, verify or reopen through the API's services."""

    http_method_names = ["post"]
    steps: dict[str, tuple[Callable[..., Action], str, str]] = {
        "resolve": (
            action_services.action_resolve,
            "resolution",
            "Action resolved: a manager will verify it.",
        ),
        "verify": (action_services.action_verify, "comment", "Action verified."),
        "reopen": (action_services.action_reopen, "comment", "Action reopened."),
    }

    def post(self, request: HttpRequest, pk: object, step: str) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("dashboard:login")
        user = user_of(request)
        if step not in self.steps:
            raise Http404
        form = StepForm(request.POST)
        service, field_name, success = self.steps[step]
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or reverse("dashboard:actions")
        if not form.is_valid():  # text too long: say so, as the service would for a blank one
            for problem in form.errors.get("text", []):
                messages.error(request, f"Not {DONE[step]}: {problem}")
            return HttpResponseRedirect(target, status=303)
        try:
            service(actor=user, action_id=pk, **{field_name: form.cleaned_data["text"]})
        except (ValidationError, DomainConflict, PermissionDenied, Http404) as exc:
            _, errors = service_errors(exc)
            for problems in errors.values():
                for problem in problems:
                    messages.error(request, f"Not {DONE[step]}: {problem}")
            return HttpResponseRedirect(target, status=303)
        messages.success(request, success)
        return HttpResponseRedirect(target, status=303)


# --- disputes queue -----------------------------------------------------------------------------


class DisputesQueueView(Page):
    template_name = "dashboard/disputes.html"
    nav = "disputes"

    def page(self, filters: PageFilters, **kwargs: Any) -> dict[str, Any]:
        user = self.user
        window = _scope_params(
            filters, **{"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat()}
        )
        open_ones = filtered_disputes(user, {**window, "status": DisputeStatus.OPEN}).select_related(
            "visit", "location"
        )
        decided = (
            filtered_disputes(user, window)
            .exclude(status=DisputeStatus.OPEN)
            .select_related("visit", "location")
            .order_by("-decided_at", "-id")
        )
        return {
            "lists": [
                (
                    list(open_ones.order_by("opened_at", "id")[:QUEUE_LENGTH]),
                    "Waiting for a decision",
                    "No open dispute.",
                ),
                (list(decided[:QUEUE_LENGTH]), "Decided", "No dispute decided yet."),
            ],
            "report": disputes_report(principal=user, filters=filters.report()).overall,
        }
