"""The visit page: everything about one visit, and the writes people make on it.

Answers with their item scores, photos through signed links, disputes, actions and history (the
auditor's name only for admins and managers, as in the API); review buttons for managers and
admins, the dispute form for those who may dispute (staff above all), the decision form for an open
dispute, and the link to the visit's PDF. The writes call the API's services
(``audits.services.visit_review``, ``disputes.services.dispute_open`` and ``dispute_decide``) and a
refusal comes back as the page again, with the service's words beside the field they name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from audits.models import Visit, VisitKind, VisitStatus
from audits.selectors import visit_history, visit_list
from audits.services import visit_review
from checklists.definition import is_scored, text_in
from core.exceptions import DomainConflict
from core.tenancy import get_scoped_or_404, shows_auditor_identity
from disputes import services as dispute_services
from disputes.models import Dispute, DisputeStatus
from disputes.selectors import dispute_list
from photos.selectors import photos_of_visit
from photos.storage import photo_url

from .filters import parse_filters
from .forms import DisputableItem, ReviewForm, by_item, decision_body, dispute_body, service_errors
from .views import MANAGERS, OVERDUE_FIRST, Page, filtered_actions, local_time, pretty_key

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

    def render_page(self, context: dict[str, Any], status: int = 200) -> HttpResponse:
        # No filter bar here, but the filters the page was opened with go on in its links.
        filters, _ = parse_filters(self.request.GET, self.user)
        return super().render_page({"filters": filters, **context}, status=status)

    def visit(self, pk: object) -> Visit:
        qs = visit_list(self.user).select_related("location__region", "checklist", "auditor")
        return get_scoped_or_404(qs, pk=pk)

    def sections(self, visit: Visit) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """The version's sections and items, their texts in the reader's language (else the default)."""
        version = visit.checklist_version
        languages = list(version.languages or [])
        chosen = self.language.pick(languages)
        sections = []
        for section in version.sections or []:
            title = text_in(section.get("title", ""), chosen, languages) or pretty_key(section.get("key", ""))
            items = [
                {
                    **item,
                    "prompt": text_in(item.get("prompt", ""), chosen, languages),
                    "options": [
                        {**option, "label": text_in(option.get("label", ""), chosen, languages)}
                        for option in item.get("options") or []
                    ],
                }
                for item in section.get("items") or []
            ]
            sections.append(({**section, "title": title}, items))
        return sections

    def visit_context(self, visit: Visit, **extra: Any) -> dict[str, Any]:
        user, now = self.user, timezone.now()
        tz = visit.location.timezone
        sections = self.sections(visit)
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
                filtered_actions(user, now, {"visit": str(visit.pk)}).order_by(
                    OVERDUE_FIRST, "due_date", "id"
                )
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
