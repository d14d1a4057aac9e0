"""What a visit report says, as plain data: every text resolved to one language and every figure
formatted, before any layout (``documents.layout`` sets it on the page).

Pure: built from ``documents.selectors.VisitReportRows`` without touching the database (the rows
come with everything joined and prefetched) or the photo store. Figures are rounded as the API
rounds them (visit and section scores two decimals, item scores four, half up). Checklist texts
(section titles, prompts, option labels) are in the language asked for, falling back to the
version's default (``checklists.definition.text_in``); the report's own labels are English.
Hidden items are left out; the auditor is named only when ``rows.show_auditor`` says the caller
may know who audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audits.models import Answer, VisitKind, VisitStatus
from audits.rendering import rounded
from checklists.definition import text_in
from checklists.models import Channel
from core.roles import API_KEY_ROLE, Role
from disputes.models import Dispute, DisputeStatus, ItemDecision

from .selectors import VisitReportRows

#: Thumbnails shown at most; a visit with more says how many more it has.
MAX_PHOTOS = 24
MAX_CAPTION = 90
DASH = "–"
_REVIEW_STATUS = {
    "approved": VisitStatus.APPROVED,
    "returned": VisitStatus.RETURNED,
    "rejected": VisitStatus.REJECTED,
}


@dataclass(frozen=True)
class AnswerLine:
    prompt: str
    answer: str
    comment: str
    score: str
    critical: bool
    failed: bool


@dataclass(frozen=True)
class SectionBlock:
    title: str
    score: str
    lines: list[AnswerLine]


@dataclass(frozen=True)
class PhotoTile:
    id: uuid.UUID
    thumbnail: str
    width: int
    height: int
    caption: str


@dataclass(frozen=True)
class DisputeLine:
    prompt: str
    reason: str
    original: str
    proposed: str
    decision: str


@dataclass(frozen=True)
class DisputeBlock:
    status: str
    opened: str
    opened_by: str
    comment: str
    decided: str
    decision_comment: str
    evidence: int
    items: list[DisputeLine]


@dataclass(frozen=True)
class VisitReport:
    visit_id: str
    organization: str
    location: str
    local_date: str
    checklist: str
    facts: list[tuple[str, str]]
    score: str
    pass_threshold: str
    passed: bool
    original_score: str | None
    critical_failures: list[str]
    sections: list[SectionBlock]
    notes: str
    photos: list[PhotoTile] = field(default_factory=list)
    photos_omitted: int = 0
    disputes: list[DisputeBlock] = field(default_factory=list)


# --- figures and dates ----------------------------------------------------------------------------


def score_text(value: float | None) -> str:
    """A visit or section score (0..100), two decimals; a dash when nothing was scored."""
    shown = rounded(value, 2)
    return DASH if shown is None else f"{shown:.2f}"


def item_score_text(value: float | None) -> str:
    """An item score (0..1) as the API rounds it (four decimals), without trailing zeros."""
    shown = rounded(value, 4)
    if shown is None:
        return DASH
    return f"{shown:.4f}".rstrip("0").rstrip(".")


def number_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_text(moment: dt.datetime | None, tz: dt.tzinfo) -> str:
    return DASH if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _offset(moment: dt.datetime) -> str:
    raw = moment.strftime("%z")  # +0100
    return f"UTC{raw[:3]}:{raw[3:]}" if raw else "UTC"


def visit_time_text(started: dt.datetime, ended: dt.datetime, tz_name: str) -> str:
    """``2026-11-20 10:02–10:19 (Europe/Amsterdam, UTC+01:00)`` in the location's time zone."""
    tz = zone(tz_name)
    start, end = started.astimezone(tz), ended.astimezone(tz)
    until = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return f"{start:%Y-%m-%d %H:%M}–{until} ({tz_name}, {_offset(start)})"


# --- answers as people read them ------------------------------------------------------------------


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _bounds(item: Mapping[str, Any]) -> str:
    low, high = item.get("pass_min"), item.get("pass_max")
    if low is not None and high is not None:
        return f" (pass {number_text(low)}–{number_text(high)})"
    if low is not None:
        return f" (pass ≥ {number_text(low)})"
    if high is not None:
        return f" (pass ≤ {number_text(high)})"
    return ""


def value_text(item: Mapping[str, Any], value: object, na: bool, texts: Texts, photos: int = 0) -> str:
    """An answer's value as a person reads it: Yes/No, ``4 (1–5)``, the option's label, N/A..."""
    kind = item.get("type")
    if na:
        return "N/A"
    if kind == "photo":
        return _plural(photos, "photo")
    if value is None:
        return DASH
    if kind == "yes_no" and isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "scale":
        return f"{number_text(value)} ({item.get('scale_min')}–{item.get('scale_max')})"
    if kind == "choice":
        return texts.option(item, value)
    if kind == "number":
        return number_text(value) + _bounds(item)
    return value if isinstance(value, str) else number_text(value)


@dataclass(frozen=True)
class Texts:
    """Checklist texts in the chosen language (``None``: the version's default)."""

    language: str | None
    languages: list[str]

    def __call__(self, value: object) -> str:
        return text_in(value, self.language, self.languages)

    def option(self, item: Mapping[str, Any], key: object) -> str:
        for option in item.get("options") or []:
            if option.get("key") == key:
                return self(option.get("label")) or str(key)
        return str(key)


# --- the report -----------------------------------------------------------------------------------


def _sections(rows: VisitReportRows, texts: Texts) -> list[SectionBlock]:
    visit = rows.visit
    answers: dict[str, Answer] = {answer.item_key: answer for answer in rows.answers}
    photo_counts = Counter(photo.item_key for photo in rows.photos)
    hidden = set(visit.hidden_items or [])
    unanswered = set(visit.unanswered_items or [])
    failures = set(visit.critical_failures or [])
    section_scores = {s.get("key"): s.get("score") for s in visit.section_scores or []}
    blocks = []
    for section in visit.checklist_version.sections or []:
        lines = []
        for item in section.get("items") or []:
            key = item.get("key")
            answer = answers.get(key)
            if key in hidden or (answer is None and key not in unanswered and item.get("type") != "photo"):
                continue
            if answer is None:
                shown = (
                    "Not answered"
                    if key in unanswered
                    else value_text(item, None, False, texts, photo_counts[key])
                )
                comment, score = "", None
            else:
                shown = value_text(item, answer.value, answer.na, texts, photo_counts[key])
                comment, score = answer.comment, answer.score
            lines.append(
                AnswerLine(
                    prompt=texts(item.get("prompt")) or key,
                    answer=shown,
                    comment=comment,
                    score=item_score_text(score),
                    critical=bool(item.get("critical")),
                    failed=key in failures,
                )
            )
        if lines:
            title = texts(section.get("title")) or section.get("key", "")
            blocks.append(
                SectionBlock(
                    title=title, score=score_text(section_scores.get(section.get("key"))), lines=lines
                )
            )
    return blocks


def _items(rows: VisitReportRows) -> dict[str, Mapping[str, Any]]:
    return {
        item.get("key"): item
        for section in rows.visit.checklist_version.sections or []
        for item in section.get("items") or []
    }


def _photos(rows: VisitReportRows, texts: Texts, tz: dt.tzinfo) -> list[PhotoTile]:
    items = _items(rows)
    tiles = []
    for photo in rows.photos[:MAX_PHOTOS]:
        item = items.get(photo.item_key)
        caption = (texts(item.get("prompt")) or photo.item_key) if item else "General"
        if len(caption) > MAX_CAPTION:
            caption = caption[: MAX_CAPTION - 1].rstrip() + "…"
        if photo.taken_at is not None:
            caption = f"{caption} · {local_text(photo.taken_at, tz)}"
        tiles.append(
            PhotoTile(
                id=photo.pk,
                thumbnail=photo.thumbnail,
                width=photo.width,
                height=photo.height,
                caption=caption,
            )
        )
    return tiles


def _role_label(role: str) -> str:
    if role == API_KEY_ROLE:
        return "API key"
    return Role(role).label.lower() if role in Role.values else role


def _dispute(
    dispute: Dispute, items: dict[str, Mapping[str, Any]], texts: Texts, tz: dt.tzinfo
) -> DisputeBlock:
    lines = []
    for entry in dispute.items.all():
        item = items.get(entry.item_key, {"key": entry.item_key})
        original = value_text(item, entry.original_value, entry.original_na, texts)
        if entry.original_score is not None:
            original += f" (score {item_score_text(entry.original_score)})"
        lines.append(
            DisputeLine(
                prompt=texts(item.get("prompt")) or entry.item_key,
                reason=entry.reason,
                original=original,
                proposed=value_text(item, entry.proposed_value, entry.proposed_na, texts),
                decision=ItemDecision(entry.decision).label
                if entry.decision in ItemDecision.values
                else "Pending",
            )
        )
    return DisputeBlock(
        status=DisputeStatus(dispute.status).label
        if dispute.status in DisputeStatus.values
        else dispute.status,
        opened=local_text(dispute.opened_at, tz),
        opened_by=_role_label(dispute.created_by_role),
        comment=dispute.comment,
        decided=local_text(dispute.decided_at, tz) if dispute.decided_at else "",
        decision_comment=dispute.decision_comment,
        evidence=int(getattr(dispute, "evidence_count", 0) or 0),
        items=lines,
    )


def _status(rows: VisitReportRows) -> str:
    visit = rows.visit
    label = VisitStatus(visit.status).label if visit.status in VisitStatus.values else visit.status
    review = rows.review
    # The review that set the current status (a returned visit revised since is "submitted" again).
    if review is None or _REVIEW_STATUS.get(review.action) != visit.status:
        return label
    comment = str((review.changes or {}).get("comment") or "")
    return f"{label} {local_text(review.at, zone(visit.location.timezone))}" + (
        f": {comment}" if comment else ""
    )


def _facts(rows: VisitReportRows) -> list[tuple[str, str]]:
    visit = rows.visit
    location = visit.location
    checklist = visit.checklist
    channel = Channel(checklist.channel).label if checklist.channel in Channel.values else checklist.channel
    kind = VisitKind(visit.kind).label if visit.kind in VisitKind.values else visit.kind
    facts = [
        ("Location", f"{location.name} ({location.code})"),
        ("Region", location.region.name),
    ]
    if location.address:
        facts.append(("Address", location.address))
    facts += [
        ("Date", visit_time_text(visit.started_at, visit.ended_at, location.timezone)),
        ("Checklist", f"{checklist.name}, version {visit.checklist_version.number}"),
        ("Kind", f"{kind} · {channel}"),
        ("Status", _status(rows)),
    ]
    if rows.show_auditor and visit.auditor is not None:
        auditor = visit.auditor
        facts.append(("Auditor", auditor.display_name or auditor.username))
    flags = [
        text
        for flag, text in (
            (visit.off_site, "recorded off site"),
            (visit.outside_window, "outside the assignment window"),
        )
        if flag
    ]
    if flags:
        facts.append(("Flags", "; ".join(flags).capitalize()))
    return facts


def _threshold(value: Decimal | float | int) -> str:
    return f"{Decimal(str(value)):.2f}"


def visit_report(rows: VisitReportRows, *, language: str | None) -> VisitReport:
    """The report of ``rows.visit`` with checklist texts in ``language`` (``None``: the default)."""
    visit = rows.visit
    version = visit.checklist_version
    texts = Texts(language=language, languages=list(version.languages or []))
    tz = zone(visit.location.timezone)
    items = _items(rows)
    failures = [
        texts(items[key].get("prompt")) or key if key in items else key
        for key in visit.critical_failures or []
    ]
    return VisitReport(
        visit_id=str(visit.pk),
        organization=visit.organization.name,
        location=f"{visit.location.name} ({visit.location.code})",
        local_date=local_text(visit.started_at, tz)[:10],
        checklist=visit.checklist.name,
        facts=_facts(rows),
        score=score_text(visit.score),
        pass_threshold=_threshold(version.pass_threshold),
        passed=visit.passed,
        original_score=None if visit.original_score is None else score_text(visit.original_score),
        critical_failures=failures,
        sections=_sections(rows, texts),
        notes=visit.notes,
        photos=_photos(rows, texts, tz),
        photos_omitted=max(0, len(rows.photos) - MAX_PHOTOS),
        disputes=[_dispute(dispute, items, texts, tz) for dispute in rows.disputes],
    )
