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
import uuid
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
from audits.models import Visit, VisitKind, VisitStatus
from audits.selectors import visit_history, visit_list, visits_visible_to
from audits.services import visit_review
from checklists.definition import is_scored, text_in
from core.exceptions import DomainConflict
from core.roles import Role
from core.tenancy import get_scoped_or_404, shows_auditor_identity
from core.throttling import throttle_password_posts
from disputes import services as dispute_services
from disputes.filters import DisputeFilter
from disputes.models import Dispute, DisputeStatus
from disputes.selectors import dispute_list, disputes_report
from photos.selectors import photos_of_visit
from photos.storage import photo_url
from reports.selectors import (
    Language,
    change,
    item_performance,
    location_ranking,
    perception_gap,
    summary,
    trend,
)

from . import charts
from .filters import PageFilters, options, parse_filters
from .forms import (
    DisputableItem,
    ReviewForm,
    StepForm,
    by_item,
    decision_body,
    dispute_body,
    service_errors,
)

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


def _kpis(current: Any, previous: Any) -> list[Kpi]:
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


def _actions(user: User, now: dt.datetime, params: dict[str, str]) -> QuerySet[Action]:
    """The action list as ``GET /actions/?...`` filters it (the API's own FilterSet)."""
    return ActionFilter(data=params, queryset=action_list(user, now)).qs


def _disputes(user: User, params: dict[str, str]) -> QuerySet[Dispute]:
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
            "open_actions": _actions(user, now, {**scope, "status": ActionStatus.OPEN}).count(),
            "overdue_actions": _actions(user, now, {**scope, "overdue": "true"}).count(),
            "open_disputes": _disputes(user, {**scope, "status": DisputeStatus.OPEN}).count(),
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
            _actions(user, now, {"location": str(location.pk)})
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
                _disputes(user, {"location": str(location.pk), "status": DisputeStatus.OPEN}).select_related(
                    "visit"
                )
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


# --- one visit ------------------------------------------------------------------------------------

VALUE_WORDS = {True: "Yes", False: "No"}
REVIEWED = {
    "approve": "Visit approved.",
    "return": "Visit returned to its auditor.",
    "reject": "Visit rejected.",
}


def _shown_value(item: dict[str, Any], answer: Any) -> str:
    """An answer as a person reads it: ``Yes``, ``4 (of 1–5)``, an option's label, ``N/A``."""
    if answer is None:
        return "—"
    return shown(item, answer.value, answer.na)


def shown(item: dict[str, Any], value: Any, na: bool) -> str:
    if na:
        return "N/A"
    kind = item.get("type")
    if kind == "yes_no" and isinstance(value, bool):
        return VALUE_WORDS[value]
    if kind == "scale" and value is not None:
        return f"{value} (of {item.get('scale_min')}–{item.get('scale_max')})"
    if kind == "choice":
        labels = {option.get("key"): option.get("label") for option in item.get("options") or []}
        return str(labels.get(value, value))
    if kind == "photo":
        return "Photo evidence"
    return "—" if value in (None, "") else str(value)


class VisitView(Page):
    template_name = "dashboard/visit.html"
    nav = "visit"
    http_method_names = ["get", "head", "post"]

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        visit = self.visit(kwargs["pk"])
        return self.render_page(self.visit_context(visit))

    def visit(self, pk: object) -> Visit:
        qs = visit_list(self.user).select_related("location__region", "checklist", "auditor")
        return get_scoped_or_404(qs, pk=pk)

    def texts(self, visit: Visit) -> tuple[dict[str, str], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
        """Section titles and the version's items with their texts in the version's default language."""
        version = visit.checklist_version
        languages = list(version.languages or [])
        chosen = self.language.pick(languages)
        sections = []
        titles = {}
        for section in version.sections or []:
            title = text_in(section.get("title", ""), chosen, languages) or pretty_key(section.get("key", ""))
            titles[section.get("key")] = title
            items = []
            for item in section.get("items") or []:
                resolved = dict(item)
                resolved["prompt"] = text_in(item.get("prompt", ""), chosen, languages)
                resolved["options"] = [
                    {**option, "label": text_in(option.get("label", ""), chosen, languages)}
                    for option in item.get("options") or []
                ]
                items.append(resolved)
            sections.append(({**section, "title": title}, items))
        return titles, sections

    def visit_context(self, visit: Visit, **extra: Any) -> dict[str, Any]:
        user, now = self.user, timezone.now()
        tz = visit.location.timezone
        _, sections = self.texts(visit)
        answers = {answer.item_key: answer for answer in visit.answers.all()}
        hidden = set(visit.hidden_items or [])
        critical = set(visit.critical_failures or [])
        section_scores = {entry.get("key"): entry.get("score") for entry in visit.section_scores or []}
        answer_sections = [
            {
                "title": section["title"],
                "score": section_scores.get(section.get("key")),
                "rows": [
                    {
                        "prompt": item["prompt"],
                        "key": item["key"],
                        "value": "Hidden (not asked)"
                        if item["key"] in hidden
                        else _shown_value(item, answers.get(item["key"])),
                        "comment": answers[item["key"]].comment if item["key"] in answers else "",
                        "score": _item_score(answers.get(item["key"])),
                        "critical": item["key"] in critical,
                    }
                    for item in items
                ],
            }
            for section, items in sections
        ]
        disputes = list(dispute_list(user).filter(visit=visit).order_by("-opened_at"))
        open_dispute = next((d for d in disputes if d.status == DisputeStatus.OPEN), None)
        definitions = {item["key"]: item for _, items in sections for item in items}
        prompts = {key: item["prompt"] for key, item in definitions.items()}
        show_auditor = shows_auditor_identity(user)
        context = {
            "visit": visit,
            "started": local_time(visit.started_at, tz),
            "ended": local_time(visit.ended_at, tz),
            "auditor_name": (str(visit.auditor) if visit.auditor else None) if show_auditor else None,
            "answer_sections": answer_sections,
            "photos": [
                {
                    "thumb": photo_url(photo, "thumb"),
                    "full": photo_url(photo, "display"),
                    "item": prompts.get(photo.item_key, ""),
                }
                for photo in photos_of_visit(visit).order_by("taken_at", "id")
            ],
            "history": self.history(visit, tz),
            "disputes": [self.dispute_rows(dispute, definitions, tz) for dispute in disputes],
            "actions": list(
                _actions(user, now, {"visit": str(visit.pk)}).order_by(OVERDUE_FIRST, "due_date", "id")
            ),
            "can_review": user.role in MANAGERS and visit.status == VisitStatus.SUBMITTED,
            "review_form": ReviewForm(),
            "disputable": self.disputable(visit, sections, answers, hidden, open_dispute),
            "decide": open_dispute if user.role in MANAGERS and open_dispute is not None else None,
            "decide_items": _dispute_items(open_dispute, definitions) if open_dispute is not None else [],
            "new_dispute_id": uuid_text(),
            "pdf_url": f"/api/v1/visits/{visit.pk}/report.pdf",
        }
        context.update(extra)
        return context

    def history(self, visit: Visit, tz: str) -> list[dict[str, Any]]:
        hide_auditor = not shows_auditor_identity(self.user)
        rows = []
        for entry in visit_history(visit):
            actor = None
            if entry.actor_id is not None and not (hide_auditor and entry.actor_id == visit.auditor_id):
                actor = str(entry.actor)
            elif entry.actor_id is not None:
                actor = "The auditor"
            rows.append(
                {
                    "at": local_time(entry.at, tz),
                    "action": entry.get_action_display(),
                    "actor": actor,
                    "changes": entry.changes,
                }
            )
        return rows

    def dispute_rows(
        self, dispute: Dispute, definitions: dict[str, dict[str, Any]], tz: str
    ) -> dict[str, Any]:
        return {
            "dispute": dispute,
            "opened": local_time(dispute.opened_at, tz),
            "decided": local_time(dispute.decided_at, tz),
            "items": _dispute_items(dispute, definitions),
        }

    def disputable(
        self,
        visit: Visit,
        sections: list[tuple[dict[str, Any], list[dict[str, Any]]]],
        answers: dict[str, Any],
        hidden: set[str],
        open_dispute: Dispute | None,
    ) -> list[DisputableItem]:
        """The items a dispute form offers: scored, visible, not disputed before; none when the visit
        cannot take a dispute from this person (the service decides the rest: the window, say)."""
        if not dispute_services.may_dispute(self.user) or visit.kind != VisitKind.MYSTERY:
            return []
        if visit.status not in dispute_services.DISPUTABLE_STATUSES or open_dispute is not None:
            return []
        disputed = set(visit.disputes.values_list("items__item_key", flat=True))
        offered = []
        for _, items in sections:
            for item in items:
                key = item["key"]
                if not is_scored(item) or key in hidden or key in disputed:
                    continue
                offered.append(
                    DisputableItem(
                        key=key,
                        prompt=item["prompt"],
                        type=item.get("type", ""),
                        allow_na=bool(item.get("allow_na")),
                        current=_shown_value(item, answers.get(key)),
                        options=[
                            (option.get("key"), option.get("label")) for option in item.get("options") or []
                        ],
                        scale=(item.get("scale_min"), item.get("scale_max"))
                        if item.get("type") == "scale"
                        else None,
                    )
                )
        return offered

    # --- writes: the API's services, their refusals shown on the page -----------------------------

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = request.GET.get("form", "")
        handler: Callable[[Visit], HttpResponse] | None = {
            "review": self.post_review,
            "dispute": self.post_dispute,
            "decide": self.post_decision,
        }.get(form)
        visit = self.visit(kwargs["pk"])
        if handler is None:
            raise Http404
        return handler(visit)

    def done(self, visit: Visit, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return HttpResponseRedirect(reverse("dashboard:visit", kwargs={"pk": visit.pk}), status=303)

    def refused(self, visit: Visit, exc: Exception, **extra: Any) -> HttpResponse:
        status, errors = service_errors(exc)
        visit = self.visit(visit.pk)  # as it stands after the refusal (nothing was written)
        return self.render_page(self.visit_context(visit, errors=errors, **extra), status=status)

    def post_review(self, visit: Visit) -> HttpResponse:
        form = ReviewForm(self.request.POST)
        if not form.is_valid():
            return self.render_page(self.visit_context(visit, review_form=form), status=400)
        try:
            visit_review(actor=self.user, visit_id=visit.pk, **form.cleaned_data)
        except (ValidationError, DomainConflict, PermissionDenied, Http404) as exc:
            status, errors = service_errors(exc)
            general = {}
            for path, problems in errors.items():
                if path in form.fields:  # beside its field; anything else at the top of the page
                    for problem in problems:
                        form.add_error(path, problem)
                else:
                    general[path] = problems
            context = self.visit_context(self.visit(visit.pk), review_form=form, errors=general)
            return self.render_page(context, status=status)
        return self.done(visit, REVIEWED[form.cleaned_data["decision"]])

    def post_dispute(self, visit: Visit) -> HttpResponse:
        context = self.visit_context(visit)
        offered: list[DisputableItem] = context["disputable"]
        body, keys, problems = dispute_body(self.request.POST, offered)
        sent = {"posted": self.request.POST, "new_dispute_id": body["id"]}
        if problems:
            return self.render_page(
                {**context, **sent, "dispute_errors": {k: [v] for k, v in problems.items()}}, status=400
            )
        try:
            dispute_services.dispute_open(actor=self.user, visit_id=visit.pk, data=body)
        except (ValidationError, DomainConflict, PermissionDenied, Http404) as exc:
            status, errors = service_errors(exc)
            per_item, general = by_item(errors, keys)
            if not keys and "items" in errors:
                general = ["Tick at least one item to dispute."]
            extra = {"dispute_errors": per_item, "errors": {"": general} if general else {}}
            return self.render_page({**context, **sent, **extra}, status=status)
        return self.done(visit, "Dispute opened: the region's managers will decide it.")

    def post_decision(self, visit: Visit) -> HttpResponse:
        dispute = dispute_list(self.user).filter(visit=visit, status=DisputeStatus.OPEN).first()
        if dispute is None:
            return self.refused(visit, DomainConflict("This visit has no open dispute to decide."))
        body = decision_body(self.request.POST, dispute.item_keys)
        try:
            decided = dispute_services.dispute_decide(actor=self.user, dispute_id=dispute.pk, data=body)
        except (ValidationError, DomainConflict, PermissionDenied, Http404) as exc:
            status, errors = service_errors(exc)
            per_item, general = by_item(errors, dispute.item_keys)
            context = self.visit_context(
                visit,
                decision_errors=per_item,
                errors={"": general} if general else {},
                posted=self.request.POST,
            )
            return self.render_page(context, status=status)
        return self.done(visit, f"Dispute decided: {decided.get_status_display().lower()}.")


def _dispute_items(dispute: Dispute, definitions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A dispute's items with their prompts and answers as people read them."""
    rows = []
    for item in dispute.items.all():
        definition = definitions.get(item.item_key, {})
        rows.append(
            {
                "item": item,
                "prompt": definition.get("prompt") or item.item_key,
                "was": shown(definition, item.original_value, item.original_na),
                "proposed": shown(definition, item.proposed_value, item.proposed_na),
            }
        )
    return rows


def _item_score(answer: Any) -> float | None:
    if answer is None or answer.score is None:
        return None
    return round(answer.score * 100, 2)


def uuid_text() -> str:
    """A fresh id for a dispute form: posting the same form twice opens one dispute (the API's replay)."""
    return str(uuid.uuid4())


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
        visit_url=_link("dashboard:visit", _SAMPLE_UUID).format(pk=action.visit_id) if action.visit_id else "",
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
        board = _actions(user, now, scope).select_related("location")
        columns = []
        for status, title, ordering in COLUMNS:
            qs = board.filter(status=status)
            cards = [_card(action) for action in qs.order_by(*ordering)[:BOARD_COLUMN]]
            total = len(cards) if len(cards) < BOARD_COLUMN else qs.count()
            columns.append({"status": status, "title": title, "cards": cards, "total": total})
        return {
            "columns": columns,
            "step_form": StepForm(),
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
        form.is_valid()
        service, field_name, success = self.steps[step]
        target = form.cleaned_data.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
        target = target or reverse("dashboard:actions")
        try:
            service(actor=user, action_id=pk, **{field_name: form.cleaned_data.get("text", "")})
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
        open_ones = _disputes(user, {**window, "status": DisputeStatus.OPEN}).select_related(
            "visit", "location"
        )
        decided = (
            _disputes(user, window)
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
