"""Checklist definitions: validation, normalization and fingerprinting, as pure functions.

A definition is what an admin sends to publish a version: a ``pass_threshold`` and a list of
``sections``, each with ``items``. ``definition_problems`` reports *every* mistake at once, each
with the path of the offending field (``sections.1.items.0.scale_max``), so an editor can
highlight them all. ``normalize_sections`` fills the defaults so that every consumer (scoring,
photos, reports, phones) can rely on every key being present. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from core.languages import canonical_tag
from core.text import unstorable_text_problem
from core.validation import (
    Problem,
    Problems,
    canonical_json,
    is_integer,
    is_number,
    problems_as_dict,
    round_half_up,
)

from .logic import expression_problems

MISSING: Any = object()

CHANNELS = ("in_person", "phone", "website", "email", "chat", "social")
ITEM_TYPES = ("yes_no", "scale", "choice", "number", "text", "photo")
#: Types whose answers get an item score (``number`` only when it has a bound).
SCORED_TYPES = frozenset({"yes_no", "scale", "choice", "number"})

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_SECTIONS = 50
MAX_ITEMS = 500
MAX_OPTIONS = 50
MAX_PHOTOS = 50
MAX_LENGTHS = {"title": 200, "prompt": 500, "help_text": 2000, "source": 300, "label": 200}
#: Texts people read, which a version declaring ``languages`` may translate.
TRANSLATABLE = frozenset({"title", "prompt", "help_text", "label"})
MAX_LANGUAGES = 20

SECTION_FIELDS = ("key", "title", "weight", "show_if", "items")
COMMON_ITEM_FIELDS = (
    "key",
    "prompt",
    "help_text",
    "type",
    "weight",
    "critical",
    "allow_na",
    "source",
    "photo",
    "show_if",
)
TYPE_FIELDS = {
    "yes_no": (),
    "scale": ("scale_min", "scale_max"),
    "choice": ("options",),
    "number": ("pass_min", "pass_max"),
    "text": (),
    "photo": (),
}
DEFAULT_PHOTO = {"min": 0, "max": 3}
#: A ``photo`` item exists to collect evidence, so it asks for at least one picture.
DEFAULT_PHOTO_FOR_PHOTO_ITEM = {"min": 1, "max": 5}


def _is_text(value: Any, *, blank: bool) -> bool:
    return isinstance(value, str) and (blank or value.strip() != "")


class _Collector(Problems):
    """The shared problems collector, plus the checks every node of a definition repeats."""

    def __init__(self) -> None:
        super().__init__()
        self.languages: list[str] = []  # declared by the version (first = default); see _check_languages

    def unknown_fields(self, obj: Mapping[str, Any], allowed: tuple[str, ...], path: str, what: str) -> None:
        for name in obj:
            if name not in allowed:
                self.add(_join(path, str(name)), f"Unknown field for {what}.", "unknown_field")

    def text(
        self, obj: Mapping[str, Any], name: str, path: str, *, required: bool, blank: bool = False
    ) -> None:
        if name not in obj:
            if required:
                self.add(_join(path, name), "This field is required.", "required")
            return
        value = obj[name]
        if name in TRANSLATABLE and isinstance(value, Mapping):
            _check_translation(self, value, _join(path, name), name=name, blank=blank)
            return
        if not _is_text(value, blank=blank):
            self.add(_join(path, name), "Must be a non-empty string." if not blank else "Must be a string.")
        elif len(value) > MAX_LENGTHS.get(name, 200):
            self.add(_join(path, name), f"At most {MAX_LENGTHS.get(name, 200)} characters.", "max_length")
        elif problem := unstorable_text_problem(value):  # NUL, lone surrogate: no database stores them
            self.add(_join(path, name), *problem)

    def key(self, obj: Mapping[str, Any], path: str) -> str | None:
        if "key" not in obj:
            self.add(_join(path, "key"), "This field is required.", "required")
            return None
        value = obj["key"]
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.add(
                _join(path, "key"),
                "Must be 1-64 letters, digits, '_' or '-', starting with a letter or digit.",
                "invalid_key",
            )
            return None
        return value

    def weight(self, obj: Mapping[str, Any], path: str) -> None:
        if "weight" in obj and not (is_number(obj["weight"]) and obj["weight"] > 0):
            self.add(_join(path, "weight"), "Must be a number greater than 0.", "invalid_weight")

    def boolean(self, obj: Mapping[str, Any], name: str, path: str) -> None:
        if name in obj and not isinstance(obj[name], bool):
            self.add(_join(path, name), "Must be true or false.", "invalid_boolean")


def _join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


# --- validation --------------------------------------------------------------------------------


def definition_problems(
    *,
    sections: Any = MISSING,
    pass_threshold: Any = MISSING,
    channel: Any = MISSING,
    languages: Any = MISSING,
) -> list[Problem]:
    """Every mistake in a definition, each with its path; an empty list means it is valid.

    ``channel`` is checked only when given (new versions keep their checklist's channel).
    """
    out = _Collector()
    if channel is not MISSING and channel not in CHANNELS:
        out.add("channel", f"Must be one of: {', '.join(CHANNELS)}.", "invalid_choice")
    _check_threshold(out, pass_threshold)
    _check_languages(out, languages)
    _check_sections(out, sections)
    _check_show_if(out, sections)
    return out.problems


def _check_threshold(out: _Collector, value: Any) -> None:
    if value is MISSING:
        out.add("pass_threshold", "This field is required.", "required")
    elif not is_number(value):
        out.add("pass_threshold", "Must be a number from 0 to 100.", "invalid")
    elif not 0 <= value <= 100:
        out.add("pass_threshold", "Must be between 0 and 100.", "out_of_range")
    elif Decimal(str(value)) != round_half_up(Decimal(str(value)), 2):
        out.add("pass_threshold", "At most two decimal places.", "max_decimal_places")


def _sections_list_problem(sections: Any) -> tuple[str, str] | None:
    """What is wrong with ``sections`` as a whole, as ``(message, code)``, or None."""
    if sections is MISSING:
        return "This field is required.", "required"
    if not isinstance(sections, list):
        return "Must be a list of sections.", "not_a_list"
    if not sections:
        return "A checklist needs at least one section.", "empty"
    if len(sections) > MAX_SECTIONS:
        return f"At most {MAX_SECTIONS} sections.", "max_length"
    return None


def _note_key(
    out: _Collector, key: str | None, seen: dict[str, int], index: int, path: str, what: str
) -> None:
    """Remember a section or option key, or report it as a duplicate of an earlier one."""
    if key is None:
        return
    if key in seen:
        out.add(f"{path}.key", f"Duplicate {what} key '{key}' (also {what}s.{seen[key]}).", "duplicate_key")
    else:
        seen[key] = index


def _section_items(out: _Collector, section: Mapping[str, Any], path: str) -> list[Any] | None:
    """The section's items when they are a non-empty list, else None (with the problem)."""
    items = section.get("items", MISSING)
    if items is MISSING:
        out.add(f"{path}.items", "This field is required.", "required")
    elif not isinstance(items, list):
        out.add(f"{path}.items", "Must be a list of items.", "not_a_list")
    elif not items:
        out.add(f"{path}.items", "A section needs at least one item.", "empty")
    else:
        return items
    return None


def _check_sections(out: _Collector, sections: Any) -> None:
    problem = _sections_list_problem(sections)
    if problem is not None:
        out.add("sections", *problem)
        return
    section_keys: dict[str, int] = {}
    item_keys: dict[str, str] = {}
    total_items = 0
    for s_index, section in enumerate(sections):
        path = f"sections.{s_index}"
        if not isinstance(section, Mapping):
            out.add(path, "Must be an object.", "not_an_object")
            continue
        out.unknown_fields(section, SECTION_FIELDS, path, "a section")
        _note_key(out, out.key(section, path), section_keys, s_index, path, "section")
        out.text(section, "title", path, required=True)
        out.weight(section, path)
        items = _section_items(out, section, path)
        if items is None:
            continue
        total_items += len(items)
        if total_items > MAX_ITEMS:
            out.add(f"{path}.items", f"A checklist has at most {MAX_ITEMS} items.", "max_length")
            return
        for i_index, item in enumerate(items):
            _check_item(out, item, f"{path}.items.{i_index}", item_keys)


def _check_item(out: _Collector, item: Any, path: str, item_keys: dict[str, str]) -> None:
    if not isinstance(item, Mapping):
        out.add(path, "Must be an object.", "not_an_object")
        return
    kind = item.get("type", MISSING)
    if kind is MISSING:
        out.add(f"{path}.type", "This field is required.", "required")
    elif kind not in ITEM_TYPES:
        out.add(f"{path}.type", f"Must be one of: {', '.join(ITEM_TYPES)}.", "invalid_choice")
        kind = MISSING
    allowed = COMMON_ITEM_FIELDS + (
        TYPE_FIELDS[kind] if kind is not MISSING else sum(TYPE_FIELDS.values(), ())
    )
    for name in item:
        if name not in allowed:
            owner = next((t for t, fields in TYPE_FIELDS.items() if name in fields), None)
            message = f"Only {owner} items take '{name}'." if owner else "Unknown field for an item."
            out.add(_join(path, str(name)), message, "unknown_field")

    key = out.key(item, path)
    if key is not None:
        # Answers name items by key alone, so keys are unique across the whole version.
        if key in item_keys:
            out.add(f"{path}.key", f"Duplicate item key '{key}' (also {item_keys[key]}).", "duplicate_key")
        else:
            item_keys[key] = path
    out.text(item, "prompt", path, required=True)
    out.text(item, "help_text", path, required=False, blank=True)
    out.text(item, "source", path, required=False, blank=True)
    out.weight(item, path)
    out.boolean(item, "critical", path)
    out.boolean(item, "allow_na", path)
    _check_photo(out, item, path, kind)

    if kind == "scale":
        _check_scale(out, item, path)
    elif kind == "choice":
        _check_options(out, item, path)
    elif kind == "number":
        _check_number_bounds(out, item, path)
    if item.get("critical") is True and not _can_fail(item, kind):
        out.add(
            f"{path}.critical",
            "Only scored items can be critical (text and photo items, and number items without "
            "pass_min/pass_max, are never scored).",
            "unscored_critical",
        )


# --- languages and translated texts ----------------------------------------------------------------


def _check_languages(out: _Collector, languages: Any) -> None:
    """``languages``: absent, or a list of distinct language tags; the first is the default."""
    if languages is MISSING or languages is None:
        return
    if not isinstance(languages, list):
        out.add("languages", 'Must be a list of language tags, e.g. ["en", "fr"].', "not_a_list")
        return
    if not languages:
        out.add("languages", "List at least one language (the first is the default).", "empty")
        return
    if len(languages) > MAX_LANGUAGES:
        out.add("languages", f"At most {MAX_LANGUAGES} languages.", "max_length")
        return
    tags: list[str] = []
    for index, raw in enumerate(languages):
        tag = canonical_tag(raw)
        if tag is None:
            out.add(
                f"languages.{index}",
                "Must be a language tag such as 'en', 'fr' or 'pt-BR'.",
                "invalid_language",
            )
        elif tag.lower() in (t.lower() for t in tags):
            out.add(f"languages.{index}", f"'{tag}' is listed twice.", "duplicate_language")
        else:
            tags.append(tag)
    if len(tags) == len(languages):
        out.languages = tags


def _check_translation(
    out: _Collector, value: Mapping[str, Any], path: str, *, name: str, blank: bool
) -> None:
    """A translation object ``{"en": "...", "fr": "..."}``: the default language, declared keys only."""
    if not out.languages:
        out.add(
            path,
            'A translation object needs the version to declare its languages (e.g. "languages": ["en", "fr"]).',
            "languages_not_declared",
        )
        return
    declared = {tag.lower(): tag for tag in out.languages}
    limit = MAX_LENGTHS.get(name, 200)
    for key, text in value.items():
        tpath = _join(path, str(key))
        if not isinstance(key, str) or key.lower() not in declared:
            out.add(
                tpath,
                f"Not a declared language (declared: {', '.join(out.languages)}).",
                "undeclared_language",
            )
        elif not _is_text(text, blank=blank):
            out.add(tpath, "Must be a non-empty string." if not blank else "Must be a string.")
        elif len(text) > limit:
            out.add(tpath, f"At most {limit} characters.", "max_length")
    default = out.languages[0]
    if not any(isinstance(k, str) and k.lower() == default.lower() for k in value):
        out.add(_join(path, default), f"The default language ('{default}') is required.", "required")


# --- show-if ---------------------------------------------------------------------------------------


def _check_show_if(out: _Collector, sections: Any) -> None:
    """Each ``show_if`` may read only items that come before it (a section's: earlier sections')."""
    if not isinstance(sections, list):
        return
    order: list[tuple[str, Any]] = []  # (key, type) of every well-formed item, in order
    section_items: list[list[tuple[str, Any]]] = []
    for section in sections:
        items = section.get("items") if isinstance(section, Mapping) else None
        mine = [
            (item["key"], item.get("type"))
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("key"), str)
        ]
        section_items.append(mine)
        order.extend(mine)
    all_keys = [key for key, _ in order]
    position = 0
    for s_index, section in enumerate(sections):
        if not isinstance(section, Mapping):
            continue
        mine = section_items[s_index]
        if section.get("show_if") is not None:
            earlier = dict(order[:position])
            _add_logic_problems(
                out, section["show_if"], f"sections.{s_index}.show_if", earlier, all_keys[position:], None
            )
        given_items = section.get("items")
        items = given_items if isinstance(given_items, list) else []
        for i_index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            key = item.get("key") if isinstance(item.get("key"), str) else None
            if item.get("show_if") is not None:
                here = position + _index_among(items, i_index)
                earlier = dict(order[:here])
                _add_logic_problems(
                    out,
                    item["show_if"],
                    f"sections.{s_index}.items.{i_index}.show_if",
                    earlier,
                    all_keys[here:],
                    key,
                )
        position += len(mine)


def _index_among(items: list[Any], index: int) -> int:
    """How many well-formed (keyed) items come before ``items[index]``."""
    return sum(1 for item in items[:index] if isinstance(item, Mapping) and isinstance(item.get("key"), str))


def _add_logic_problems(
    out: _Collector, logic: Any, path: str, earlier: dict[str, Any], later: list[str], own: Any
) -> None:
    for problem in expression_problems(logic, path, earlier=earlier, later=later, own=own):
        out.add(problem.path, problem.message, problem.code)


def _can_fail(item: Mapping[str, Any], kind: Any) -> bool:
    if kind is MISSING:
        return True  # the type error is reported already
    if kind == "number":
        return item.get("pass_min") is not None or item.get("pass_max") is not None
    return kind in SCORED_TYPES


def _check_photo(out: _Collector, item: Mapping[str, Any], path: str, kind: Any) -> None:
    if "photo" not in item:
        return
    photo, ppath = item["photo"], f"{path}.photo"
    if not isinstance(photo, Mapping):
        out.add(ppath, "Must be an object {min, max}.", "not_an_object")
        return
    out.unknown_fields(photo, ("min", "max"), ppath, "photo")
    ok = True
    for bound in ("min", "max"):
        if bound in photo and not (is_integer(photo[bound]) and 0 <= photo[bound] <= MAX_PHOTOS):
            out.add(
                f"{ppath}.{bound}", f"Must be a whole number from 0 to {MAX_PHOTOS}.", "invalid_photo_count"
            )
            ok = False
    if not ok:
        return
    default = DEFAULT_PHOTO_FOR_PHOTO_ITEM if kind == "photo" else DEFAULT_PHOTO
    low, high = photo.get("min", default["min"]), photo.get("max", default["max"])
    if low > high:
        out.add(f"{ppath}.min", "photo.min must not exceed photo.max.", "min_above_max")
    elif kind == "photo" and high < 1:
        out.add(f"{ppath}.max", "A photo item must allow at least one photo.", "invalid_photo_count")


def _check_scale(out: _Collector, item: Mapping[str, Any], path: str) -> None:
    ok = True
    for bound in ("scale_min", "scale_max"):
        if bound not in item:
            out.add(f"{path}.{bound}", "This field is required for scale items.", "required")
            ok = False
        elif not is_integer(item[bound]) or abs(item[bound]) > 1000:
            out.add(f"{path}.{bound}", "Must be a whole number (between -1000 and 1000).", "invalid_integer")
            ok = False
    if ok and not item["scale_min"] < item["scale_max"]:
        out.add(f"{path}.scale_max", "scale_max must be greater than scale_min.", "min_not_below_max")


def _check_options(out: _Collector, item: Mapping[str, Any], path: str) -> None:
    options, opath = item.get("options", MISSING), f"{path}.options"
    if options is MISSING:
        out.add(opath, "This field is required for choice items.", "required")
        return
    if not isinstance(options, list):
        out.add(opath, "Must be a list of options.", "not_a_list")
        return
    if len(options) < 2:
        out.add(opath, "A choice item needs at least two options.", "too_few_options")
    if len(options) > MAX_OPTIONS:
        out.add(opath, f"At most {MAX_OPTIONS} options.", "max_length")
        return
    seen: dict[str, int] = {}
    any_positive = False
    points_ok = True
    for index, option in enumerate(options):
        p = f"{opath}.{index}"
        if not isinstance(option, Mapping):
            out.add(p, "Must be an object {key, label, points}.", "not_an_object")
            points_ok = False
            continue
        out.unknown_fields(option, ("key", "label", "points"), p, "an option")
        _note_key(out, out.key(option, p), seen, index, p, "option")
        out.text(option, "label", p, required=True)
        points = _option_points(out, option, p)
        points_ok = points_ok and points is not None
        any_positive = any_positive or bool(points)
    if points_ok and options and not any_positive:
        # The item score is points / best points: at least one option must be worth something.
        out.add(opath, "At least one option must be worth more than 0 points.", "no_positive_points")


def _option_points(out: _Collector, option: Mapping[str, Any], path: str) -> Any:
    """An option's points when valid (a number of 0 or more), else None (with the problem)."""
    if "points" not in option:
        out.add(f"{path}.points", "This field is required.", "required")
        return None
    if not (is_number(option["points"]) and option["points"] >= 0):
        out.add(f"{path}.points", "Must be a number of 0 or more.", "invalid_points")
        return None
    return option["points"]


def _check_number_bounds(out: _Collector, item: Mapping[str, Any], path: str) -> None:
    ok = True
    for bound in ("pass_min", "pass_max"):
        value = item.get(bound)
        if value is not None and not is_number(value):
            out.add(f"{path}.{bound}", "Must be a number or null.", "invalid_number")
            ok = False
    low, high = item.get("pass_min"), item.get("pass_max")
    if ok and low is not None and high is not None and low > high:
        out.add(f"{path}.pass_min", "pass_min must not exceed pass_max.", "min_above_max")


@dataclass(frozen=True)
class Definition:
    pass_threshold: Decimal
    sections: list[dict[str, Any]]
    languages: list[str]


def validate_definition(
    *,
    sections: Any = MISSING,
    pass_threshold: Any = MISSING,
    channel: Any = MISSING,
    languages: Any = MISSING,
) -> Definition:
    """Validate and normalize, or raise ``ValidationError`` naming every mistake by its path."""
    problems = definition_problems(
        sections=sections, pass_threshold=pass_threshold, channel=channel, languages=languages
    )
    if problems:
        raise ValidationError(problems_as_dict(problems))
    tags = normalize_languages(languages)
    return Definition(
        pass_threshold=to_threshold(pass_threshold),
        sections=normalize_sections(sections, languages=tags),
        languages=tags,
    )


def normalize_languages(languages: Any) -> list[str]:
    """Declared languages as canonical tags (``[]`` when none are declared)."""
    if not isinstance(languages, list):
        return []
    return [tag for tag in (canonical_tag(raw) for raw in languages) if tag is not None]


# --- normalization and fingerprint ---------------------------------------------------------------


def to_threshold(value: Any) -> Decimal:
    try:
        return round_half_up(Decimal(str(value)), 2)
    except (InvalidOperation, ValueError, TypeError):
        return Decimal("80.00")


def _clean_number(value: Any) -> Any:
    """Whole floats become ints so that ``3`` and ``3.0`` store (and fingerprint) the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _normalize_text(value: Any, languages: list[str]) -> Any:
    """A translation object keeps the declared languages it has, in declared order and spelling."""
    if not isinstance(value, Mapping) or not languages:
        return value
    lowered = {str(key).lower(): text for key, text in value.items()}
    return {tag: lowered[tag.lower()] for tag in languages if tag.lower() in lowered}


def normalize_item(item: Mapping[str, Any], languages: list[str] | None = None) -> dict[str, Any]:
    """One item with every key present, in a stable order; tolerant of partial input.

    ``show_if`` is kept only when set (an item without it is always shown).
    """
    languages = languages or []
    kind = item.get("type")
    default_photo = DEFAULT_PHOTO_FOR_PHOTO_ITEM if kind == "photo" else DEFAULT_PHOTO
    given_photo = item.get("photo")
    photo = given_photo if isinstance(given_photo, Mapping) else {}
    out = {
        "key": item.get("key"),
        "prompt": _normalize_text(item.get("prompt", ""), languages),
        "help_text": _normalize_text(item.get("help_text", ""), languages),
        "type": kind,
        "weight": _clean_number(item.get("weight", 1)),
        "critical": item.get("critical", False),
        "allow_na": item.get("allow_na", False),
        "source": item.get("source", ""),
        "photo": {
            "min": _clean_number(photo.get("min", default_photo["min"])),
            "max": _clean_number(photo.get("max", default_photo["max"])),
        },
    }
    if kind == "scale":
        out["scale_min"] = _clean_number(item.get("scale_min"))
        out["scale_max"] = _clean_number(item.get("scale_max"))
    elif kind == "choice":
        out["options"] = [
            {
                "key": o.get("key"),
                "label": _normalize_text(o.get("label", ""), languages),
                "points": _clean_number(o.get("points", 0)),
            }
            for o in item.get("options") or []
            if isinstance(o, Mapping)
        ]
    elif kind == "number":
        out["pass_min"] = _clean_number(item.get("pass_min"))
        out["pass_max"] = _clean_number(item.get("pass_max"))
    if item.get("show_if") is not None:
        out["show_if"] = item["show_if"]
    return out


def normalize_sections(sections: Any, languages: list[str] | None = None) -> Any:
    """The tree with every default filled in (weight 1, critical/allow_na false, photo bounds...).

    Idempotent, and it never mutates its input. Anything that is not a list of sections is
    returned unchanged (validation is a separate step).
    """
    if not isinstance(sections, list):
        return sections
    normalized = []
    for section in deepcopy(sections):
        if not isinstance(section, Mapping):
            normalized.append(section)
            continue
        out = {
            "key": section.get("key"),
            "title": _normalize_text(section.get("title", ""), languages or []),
            "weight": _clean_number(section.get("weight", 1)),
        }
        if section.get("show_if") is not None:
            out["show_if"] = section["show_if"]
        out["items"] = [
            normalize_item(item, languages) if isinstance(item, Mapping) else item
            for item in (section.get("items") or [])
        ]
        normalized.append(out)
    return normalized


def version_etag(
    *,
    checklist_id: int | None,
    number: int,
    pass_threshold: Decimal,
    sections: Any,
    languages: list[str] | None = None,
) -> str:
    """A strong validator for a version's tree: the SHA-256 of its canonical JSON."""
    payload = {
        "checklist": checklist_id,
        "number": number,
        "pass_threshold": str(to_threshold(pass_threshold)),
        "sections": sections,
    }
    if languages:  # versions without languages keep the ETag they always had
        payload["languages"] = languages
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def language_etag(etag: str, language: str) -> str:
    """The ETag of a version's tree resolved to one language."""
    return hashlib.sha256(f"{etag}:{language}".encode()).hexdigest()


# --- texts in one language ---------------------------------------------------------------------------


def text_in(value: Any, language: str | None, languages: list[str]) -> str:
    """A text as a string in ``language``, falling back to the version's default language."""
    if not isinstance(value, Mapping):
        return value if isinstance(value, str) else ""
    default = languages[0] if languages else next(iter(value), None)
    for tag in (language, default):
        text = value.get(tag) if tag is not None else None
        if isinstance(text, str) and text != "":
            return text
    return next((text for text in value.values() if isinstance(text, str)), "")


def resolve_texts(
    sections: list[Mapping[str, Any]], language: str | None, languages: list[str]
) -> list[dict[str, Any]]:
    """The tree with every translatable text resolved to a string in ``language`` (pure, a copy)."""
    resolved = []
    for section in sections:
        out = dict(section)
        out["title"] = text_in(section.get("title"), language, languages)
        items = []
        for item in section.get("items", []):
            copy = dict(item)
            copy["prompt"] = text_in(item.get("prompt"), language, languages)
            copy["help_text"] = text_in(item.get("help_text"), language, languages)
            if "options" in item:
                copy["options"] = [
                    {**option, "label": text_in(option.get("label"), language, languages)}
                    for option in item["options"]
                ]
            items.append(copy)
        out["items"] = items
        resolved.append(out)
    return resolved


# --- reading a tree ----------------------------------------------------------------------------


def iter_items(sections: list[Mapping[str, Any]]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """``(section, item)`` pairs in definition order."""
    for section in sections:
        for item in section.get("items", []):
            yield section, item


def items_by_key(sections: list[Mapping[str, Any]]) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """``{item_key: (section, item)}`` in definition order (answers reference items by key)."""
    return {item["key"]: (section, item) for section, item in iter_items(sections)}


def is_scored(item: Mapping[str, Any]) -> bool:
    """Whether answers to ``item`` get an item score (the contract's Scoring rules)."""
    kind = item.get("type")
    if kind == "number":
        return item.get("pass_min") is not None or item.get("pass_max") is not None
    return kind in SCORED_TYPES
