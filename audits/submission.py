"""Reading a visit body as a phone sends it: shape checks and answer checks, no database.

``parse_visit_body`` checks the envelope (ids, kind, times, position, notes) and
``parse_answers`` checks the answers against a checklist version's sections. Both add every
problem they find to one ``Problems`` collection (``core.validation``) under the field's path (``answers.3.value``), so
the caller can report all of them at once. ``comparable_hash`` is the idempotency fingerprint: two
bodies with the same JSON values (key order, ``1`` vs ``1.0``) and the same meaning (optional fields
left out or written out with their defaults, an id in capitals, a time in another offset) have the
same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from checklists.definition import items_by_key
from checklists.logic import has_logic, visibility
from core.money import MoneyError, money_parse
from core.validation import Problems, canonical_json, is_integer, is_number

KINDS = ("mystery", "self_assessment")
VISIT_FIELDS = frozenset(
    {
        "id",
        "assignment",
        "location",
        "checklist",
        "checklist_version",
        "kind",
        "started_at",
        "ended_at",
        "position",
        "answers",
        "notes",
        "expenses",
    }
)
EXPENSES_FIELDS = frozenset({"amount", "note", "currency"})
ANSWER_FIELDS = frozenset({"item", "value", "na", "comment"})
POSITION_FIELDS = frozenset({"latitude", "longitude", "accuracy_m", "mock"})
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MIN_YEAR, MAX_YEAR = 1970, 9000  # room for any zone's local date on either side
MAX_NOTES = 10_000
MAX_COMMENT = 2_000
MAX_TEXT = 5_000
MAX_ANSWERS = 1_000


# --- canonical JSON ---------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """A JSON-ready form where equal JSON values are equal: numbers by exact decimal value.

    Booleans stay booleans (``true`` is not ``1``), numbers become tagged decimal strings
    (``1``, ``1.0`` and ``1e0`` are one value), objects are sorted by key.
    """
    kind = type(value)
    # Exact JSON types first (the parser's output): no isinstance chain for every string and flag.
    if value is None or kind is str or kind is bool:
        return value
    if kind is dict:
        return {key if type(key) is str else str(key): _canonical(item) for key, item in value.items()}
    if kind is list:
        return [_canonical(item) for item in value]
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return {"$number": repr(value)}
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        normalized = number.normalize()
        return {
            "$number": format(normalized, "f") if normalized == normalized.to_integral() else str(normalized)
        }
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return {"$other": str(value)}


MAX_DEPTH = 8  # a visit body is four levels deep: body, answers, answer, value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when containers nest deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, (dict, list)):
            if depth > limit:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def check_shape(data: Any) -> None:
    """Refuse, before any recursive walk, a body nested deeper than a visit body can be."""
    if too_deep(data):
        raise ValidationError(
            {"non_field_errors": ValidationError("The body is nested too deeply.", code="too_deep")}
        )


def canonical_hash(value: Any) -> str:
    """The idempotency fingerprint: SHA-256 of the canonical JSON of the body's canonical values."""
    return hashlib.sha256(canonical_json(_canonical(value)).encode("utf-8", "surrogatepass")).hexdigest()


# --- the body as compared for idempotency -----------------------------------------------------
# Two bodies that say the same thing are one body: whether a client writes out an optional field's
# default (``"na": false``, ``"comment": ""``, ``"notes": ""``, ``null``) or leaves it out, spells the
# id in capitals or gives the times in another offset. Generated clients write defaults out; phones
# may not. ``defaults`` fills in what the server would have filled in (a mystery visit's location,
# checklist and version come from its assignment), so leaving those out is the same body too.

ENVELOPE_IDS = ("assignment", "location", "checklist", "checklist_version")


def _same_id(raw: Any) -> Any:
    parsed = parse_visit_id(raw)
    return raw if parsed is None else str(parsed)


def _same_instant(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        parsed = parse_datetime(raw)
        if parsed is None or parsed.utcoffset() is None:
            return raw
        return parsed.astimezone(dt.UTC).isoformat()
    except (ValueError, OverflowError):
        return raw


def _drop(mapping: dict, name: str, *defaults: Any) -> None:
    """Remove ``name`` when it holds one of ``defaults`` (by identity: ``0`` is not ``False``)."""
    if name in mapping and any(mapping[name] is default for default in defaults):
        del mapping[name]


def _comparable_answer(raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    answer = dict(raw)
    _drop(answer, "value", None)
    _drop(answer, "na", None, False)
    if answer.get("comment") == "":
        del answer["comment"]
    _drop(answer, "comment", None)
    return answer


def _answer_order(answer: Any) -> str:
    return answer["item"]


def comparable_body(data: Any, defaults: Mapping[str, Any] | None = None) -> Any:
    """``data`` with every optional field's default filled in and equivalent spellings made one.

    Only for comparing bodies (``canonical_hash(comparable_body(body))``); the body itself is
    validated and stored as sent. Anything that is not a well-formed value is left as it is, so a
    malformed body never equals a well-formed one.
    """
    if not isinstance(data, Mapping):
        return data
    body = dict(data)
    for name, value in (defaults or {}).items():
        if body.get(name) is None:
            body[name] = value
    if "id" in body:
        body["id"] = _same_id(body["id"])
    for name in ("started_at", "ended_at"):
        if name in body:
            body[name] = _same_instant(body[name])
    for name in (*ENVELOPE_IDS, "position", "notes", "expenses"):
        _drop(body, name, None)
    if body.get("notes") == "":
        del body["notes"]
    if isinstance(body.get("position"), Mapping):
        body["position"] = dict(body["position"])
        _drop(body["position"], "accuracy_m", None)
        _drop(body["position"], "mock", None, False)
    answers = body.get("answers")
    if isinstance(answers, list):
        answers = [_comparable_answer(answer) for answer in answers]
        # Answers are keyed by item (an item answered twice is a 400): their order says nothing.
        keys = [a.get("item") if isinstance(a, Mapping) else None for a in answers]
        if all(type(key) is str for key in keys) and len(set(keys)) == len(keys):
            answers.sort(key=_answer_order)
        body["answers"] = answers
    return body


def comparable_hash(data: Any, defaults: Mapping[str, Any] | None = None) -> str:
    """The idempotency fingerprint: equal for bodies that only differ in defaults and spellings."""
    return canonical_hash(comparable_body(data, defaults))


# --- envelope ---------------------------------------------------------------------------------


@dataclass
class VisitBody:
    id: uuid.UUID | None = None
    assignment: int | None = None
    location: int | None = None
    checklist: int | None = None
    checklist_version: int | None = None
    kind: str | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    mock: bool = False
    notes: str = ""
    expenses_amount: Decimal | None = None
    expenses_note: str = ""
    expenses_currency: str | None = None
    answers: Any = field(default_factory=list)


def parse_visit_id(raw: Any) -> uuid.UUID | None:
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _parse_id(data: Mapping, name: str, problems: Problems, *, required: bool) -> int | None:
    raw = data.get(name)
    if raw is None:
        if required:
            problems.add(name, "This field is required.", "required")
        return None
    if not is_integer(raw) or raw < 1 or raw > 2**63 - 1:
        problems.add(name, "A valid integer id is required.", "invalid")
        return None
    return int(raw)


def _parse_datetime(data: Mapping, name: str, problems: Problems) -> dt.datetime | None:
    raw = data.get(name)
    if raw is None:
        problems.add(name, "This field is required.", "required")
        return None
    if not isinstance(raw, str):
        problems.add(name, "An ISO 8601 datetime string is required.", "invalid")
        return None
    try:
        parsed = parse_datetime(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        problems.add(name, "An ISO 8601 datetime is required, e.g. 2026-11-20T10:02:00+01:00.", "invalid")
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.add(name, "The datetime must carry a UTC offset.", "naive_datetime")
        return None
    try:
        in_utc = parsed.astimezone(dt.UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not MIN_YEAR <= in_utc.year <= MAX_YEAR:
        problems.add(
            name, f"The datetime must fall between the years {MIN_YEAR} and {MAX_YEAR}.", "out_of_range"
        )
        return None
    return in_utc


def _parse_position(raw: Any, body: VisitBody, problems: Problems) -> None:
    if raw is None:
        return
    if not isinstance(raw, Mapping):
        problems.add(
            "position", "An object {latitude, longitude, accuracy_m, mock} or null is required.", "invalid"
        )
        return
    for key in sorted(printable_key(k) for k in set(raw) - POSITION_FIELDS):
        problems.add(f"position.{key}", "Unknown field.", "unknown_field")
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = raw.get(name)
        if value is None:
            problems.add(f"position.{name}", "This field is required.", "required")
        elif not is_number(value) or not low <= value <= high:
            problems.add(f"position.{name}", f"A number from {low} to {high} is required.", "out_of_range")
        else:
            setattr(body, name, float(value))
    accuracy = raw.get("accuracy_m")
    if accuracy is not None:
        if not is_number(accuracy) or accuracy < 0:
            problems.add("position.accuracy_m", "A non-negative number of metres is required.", "invalid")
        else:
            body.accuracy_m = float(accuracy)
    mock = raw.get("mock")
    if mock is not None:
        if not isinstance(mock, bool):
            problems.add("position.mock", "true or false is required.", "invalid_type")
        else:
            body.mock = mock


def _parse_expenses(raw: Any, body: VisitBody, problems: Problems) -> None:
    """``expenses: {amount, note, currency}`` (amount a decimal string) or null."""
    if raw is None:
        return
    if not isinstance(raw, Mapping):
        problems.add("expenses", "An object {amount, note} or null is required.", "invalid")
        return
    for key in sorted(printable_key(k) for k in set(raw) - EXPENSES_FIELDS):
        problems.add(f"expenses.{key}", "Unknown field.", "unknown_field")
    try:
        body.expenses_amount = money_parse(raw.get("amount"))
    except MoneyError as error:
        problems.add("expenses.amount", error.message, "required" if "amount" not in raw else error.code)
    note = raw.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_COMMENT:
        problems.add("expenses.note", f"A string of at most {MAX_COMMENT} characters is required.", "invalid")
    else:
        body.expenses_note = note
    currency = raw.get("currency")
    if currency is not None and not isinstance(currency, str):
        problems.add("expenses.currency", "An ISO 4217 code is required.", "invalid")
    else:
        body.expenses_currency = currency


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def printable_key(key: Any) -> str:
    """A key as an error path or message can name it: lone surrogates spelled out (``\\ud800``).

    The error body is UTF-8 JSON, which cannot carry a lone surrogate.
    """
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")


def unstorable_strings(value: Any, path: str = ""):
    """Paths of strings (keys included) a database cannot store: NUL characters, lone surrogates."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and next(unstorable_strings(key), None) is not None:
                yield path or "non_field_errors"
            else:
                yield from unstorable_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_strings(item, f"{path}.{index}" if path else str(index))


def may_hold_unstorable(value: Any) -> bool:
    """A cheap screen before the walk: no such character anywhere in the JSON text means none.

    ``json.dumps`` keeps lone surrogates as they are and spells NUL ``\\u0000`` (a typed backslash
    before ``u0000`` only sends the body to the exact walk).
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return True
    return "\\u0000" in text or _UNSTORABLE.search(text) is not None


def parse_visit_body(data: Any, *, now: dt.datetime, problems: Problems, revising: bool = False) -> VisitBody:
    """Check the envelope of a visit body; answers are only checked to be a list here."""
    body = VisitBody()
    if not isinstance(data, Mapping):
        problems.add("non_field_errors", "A JSON object is required.", "invalid")
        return body
    _check_keys_and_characters(data, problems)
    _parse_ids(data, body, problems, revising=revising)
    _parse_kind(data, body, problems, revising=revising)
    _parse_times(data, body, problems, now=now)
    _parse_position(data.get("position"), body, problems)
    _parse_notes(data, body, problems)
    _parse_expenses(data.get("expenses"), body, problems)
    body.answers = _answer_list(data, problems)
    return body


def _check_keys_and_characters(data: Mapping, problems: Problems) -> None:
    if may_hold_unstorable(data):
        for path in unstorable_strings(data):
            problems.add(path, "NUL characters and lone surrogates are not allowed.", "invalid_characters")
    for key in sorted(printable_key(k) for k in set(data) - VISIT_FIELDS):
        problems.add(key, "Unknown field.", "unknown_field")


def _parse_ids(data: Mapping, body: VisitBody, problems: Problems, *, revising: bool) -> None:
    if "id" in data or not revising:
        body.id = parse_visit_id(data.get("id"))
        if body.id is None:
            problems.add("id", "A UUID made by the client is required.", "invalid")
    body.assignment = _parse_id(data, "assignment", problems, required=False)
    body.location = _parse_id(data, "location", problems, required=False)
    body.checklist = _parse_id(data, "checklist", problems, required=False)
    body.checklist_version = _parse_id(data, "checklist_version", problems, required=False)


def _parse_kind(data: Mapping, body: VisitBody, problems: Problems, *, revising: bool) -> None:
    kind = data.get("kind")
    if kind is None:
        if not revising:
            problems.add("kind", "This field is required.", "required")
    elif kind not in KINDS:
        problems.add("kind", f"One of {', '.join(KINDS)} is required.", "invalid_choice")
    else:
        body.kind = kind


def _parse_times(data: Mapping, body: VisitBody, problems: Problems, *, now: dt.datetime) -> None:
    body.started_at = _parse_datetime(data, "started_at", problems)
    body.ended_at = _parse_datetime(data, "ended_at", problems)
    if body.started_at and body.ended_at and body.started_at >= body.ended_at:
        problems.add("ended_at", "ended_at must be after started_at.", "invalid_order")
    if body.started_at and body.started_at > now + FUTURE_TOLERANCE:
        problems.add("started_at", "started_at is in the future.", "in_future")


def _parse_notes(data: Mapping, body: VisitBody, problems: Problems) -> None:
    notes = data.get("notes", "")
    if notes is None:
        notes = ""
    if not isinstance(notes, str):
        problems.add("notes", "A string is required.", "invalid")
    elif len(notes) > MAX_NOTES:
        problems.add("notes", f"At most {MAX_NOTES} characters.", "max_length")
    else:
        body.notes = notes


def _answer_list(data: Mapping, problems: Problems) -> list:
    """The raw answers when they are a list of acceptable length, else ``[]`` (and a problem)."""
    answers = data.get("answers")
    if answers is None:
        problems.add("answers", "This field is required.", "required")
    elif not isinstance(answers, list):
        problems.add("answers", "A list of answers is required.", "invalid")
    elif len(answers) > MAX_ANSWERS:
        problems.add("answers", f"At most {MAX_ANSWERS} answers.", "max_length")
    else:
        return answers
    return []


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedAnswer:
    position: int
    section_key: str
    item_key: str
    value: Any
    na: bool
    comment: str


def _check_value(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    kind = item.get("type")
    if kind == "photo":
        if value is not None:
            problems.add(path, "Photo items take no value; upload photos instead.", "no_value_allowed")
        return
    if value is None:
        problems.add(path, "A value is required (or mark the answer N/A where allowed).", "required")
        return
    check = _VALUE_CHECKS.get(kind)
    if check is not None:
        check(item, value, path, problems)


def _check_yes_no(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, bool):
        problems.add(path, "true or false is required.", "invalid_type")


def _check_scale(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    low, high = item.get("scale_min", 0), item.get("scale_max", 0)
    if not is_integer(value) or not low <= value <= high:
        problems.add(path, f"An integer from {low} to {high} is required.", "out_of_range")


def _check_choice(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    keys = [option.get("key") for option in item.get("options") or [] if isinstance(option, Mapping)]
    if not isinstance(value, str) or value not in keys:
        problems.add(
            path, f"One of the option keys is required: {', '.join(map(str, keys))}.", "invalid_choice"
        )


def _check_number(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    if not is_number(value):
        problems.add(path, "A number is required.", "invalid_type")


def _check_text(item: Mapping, value: Any, path: str, problems: Problems) -> None:
    if not isinstance(value, str):
        problems.add(path, "A string is required.", "invalid_type")
    elif len(value) > MAX_TEXT:
        problems.add(path, f"At most {MAX_TEXT} characters.", "max_length")


# Keyed by whatever the definition says (a stored definition is not trusted to be well formed).
_VALUE_CHECKS: dict[Any, Callable[[Mapping[str, Any], Any, str, Problems], None]] = {
    "yes_no": _check_yes_no,
    "scale": _check_scale,
    "choice": _check_choice,
    "number": _check_number,
    "text": _check_text,
}


def parse_answers(raw_answers: list, sections: Any, problems: Problems) -> list[ParsedAnswer]:
    """Check every answer against the version's items; report unanswered items at ``answers``.

    Items hidden by ``show_if`` (given the other answers) take no answer: one listed is refused at
    ``answers.N.item`` with ``hidden_item``; they are never reported as unanswered.
    """
    known = items_by_key(sections)
    parsed: list[ParsedAnswer] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_answers):
        path = f"answers.{index}"
        key = _answer_item(raw, path, known, seen, problems)
        if key is None:
            continue
        seen.add(key)
        section, item = known[key]
        na = _answer_na(raw, path, problems)
        comment = _answer_comment(raw, path, problems)
        value = raw.get("value")
        check_na_or_value(item, na, value, path, problems)
        parsed.append(
            ParsedAnswer(
                position=index,
                section_key=str(section.get("key")),
                item_key=key,
                value=value,
                na=na,
                comment=comment,
            )
        )

    if has_logic(sections):
        shown = visibility(sections, {answer.item_key: answer for answer in parsed})
        for answer in parsed:
            if shown.is_hidden(answer.item_key):
                problems.add(
                    f"answers.{answer.position}.item",
                    f"Item '{answer.item_key}' is hidden by its show_if given the other answers: "
                    "leave it out.",
                    "hidden_item",
                )
        missing = shown.unanswered_items
    else:
        missing = [key for key, (_, item) in known.items() if key not in seen and item.get("type") != "photo"]
    if missing:
        problems.add("answers", f"Unanswered items: {', '.join(missing)}.", "unanswered_items")
    return parsed


def _answer_item(raw: Any, path: str, known: Mapping, seen: set[str], problems: Problems) -> str | None:
    """The answer's item key, or None (with its problem) when the answer cannot be read further."""
    if not isinstance(raw, Mapping):
        problems.add(path, "An answer object {item, value, na, comment} is required.", "invalid")
        return None
    if not raw.keys() <= ANSWER_FIELDS:
        for unknown in sorted(printable_key(k) for k in set(raw) - ANSWER_FIELDS):
            problems.add(f"{path}.{unknown}", "Unknown field.", "unknown_field")
    key = raw.get("item")
    if not isinstance(key, str) or not key:
        problems.add(f"{path}.item", "An item key is required.", "required")
        return None
    if key not in known:
        problems.add(
            f"{path}.item", f"Unknown item '{printable_key(key)}' in this checklist version.", "unknown_item"
        )
        return None
    if key in seen:
        problems.add(
            f"{path}.item", f"Item '{printable_key(key)}' is answered more than once.", "duplicate_item"
        )
        return None
    return key


def _answer_na(raw: Mapping, path: str, problems: Problems) -> bool:
    na = raw.get("na", False)
    if na is None:
        return False
    if not isinstance(na, bool):
        problems.add(f"{path}.na", "true or false is required.", "invalid_type")
        return False
    return na


def _answer_comment(raw: Mapping, path: str, problems: Problems) -> str:
    comment = raw.get("comment", "")
    if comment is None:
        return ""
    if not isinstance(comment, str):
        problems.add(f"{path}.comment", "A string is required.", "invalid_type")
        return ""
    if len(comment) > MAX_COMMENT:
        problems.add(f"{path}.comment", f"At most {MAX_COMMENT} characters.", "max_length")
    return comment


def check_na_or_value(item: Mapping, na: bool, value: Any, path: str, problems: Problems) -> None:
    if not na:
        _check_value(item, value, f"{path}.value", problems)
        return
    if not item.get("allow_na", False):
        problems.add(f"{path}.na", "This item cannot be marked N/A.", "na_not_allowed")
    if value is not None:
        problems.add(f"{path}.value", "An N/A answer takes no value.", "no_value_allowed")
