"""Visit scoring, pure: no database, no Django, only the checklist tree and the answers.

The contract's rules, computed exactly with ``fractions.Fraction`` and rounded half up only for
output (visit and section scores to two decimals, item scores to four):

- item score in 0..1: ``yes_no`` true 1 / false 0; ``scale`` (value - min) / (max - min);
  ``choice`` the option's points over the highest points among its options; ``number`` 1 inside
  ``pass_min``/``pass_max`` (bounds included), else 0, unscored without bounds; ``text`` and
  ``photo`` unscored. N/A answers are left out.
- section score: weighted mean (item weights) of its scored items, x 100; ``None`` when nothing in
  it is scored.
- visit score: weighted mean (section weights) of the sections that have a score; ``None`` when
  no section has one.
- a critical item fails when its item score is 0; any failure means not passed whatever the score.
  Otherwise passed is ``exact score >= pass_threshold`` (the exact score, not the rounded one).
  A visit with nothing scored is not passed.
- an item hidden by its (or its section's) ``show_if`` is left out exactly like N/A; the answers
  decide what is hidden (``checklists.logic.visibility``, pure too). A hidden item that carries an
  answer is refused (``HiddenItemAnswered``), never scored, unless the caller re-scores stored
  answers and asks for them to be dropped (``drop_hidden=True``: a revision or a dispute may hide
  an item that had an answer). A shown item without an answer is left out and listed in
  ``unanswered_items``.

Definitions are normalized when published, but this module reads every optional key with a
default so that it never depends on that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from checklists.logic import has_logic, visibility
from core.validation import is_number, round_half_up

SCORED_TYPES = frozenset({"yes_no", "scale", "choice", "number"})
UNSCORED_TYPES = frozenset({"text", "photo"})

_HUNDRED = Fraction(100)
_ONE, _ZERO = Fraction(1), Fraction(0)


@dataclass(frozen=True)
class AnswerInput:
    """One answer as scoring sees it: a value, or N/A."""

    value: Any = None
    na: bool = False


@dataclass(frozen=True)
class ItemResult:
    key: str
    section_key: str | None  # as the definition says (scoring is total: it never raises on one)
    score: Fraction | None  # exact, 0..1; None when unscored, N/A or unanswered
    critical_failure: bool = False

    @property
    def rounded(self) -> Decimal | None:
        return None if self.score is None else round_half_up(self.score, 4)


@dataclass(frozen=True)
class SectionResult:
    key: str | None
    score: Fraction | None  # exact, 0..100

    @property
    def rounded(self) -> Decimal | None:
        return None if self.score is None else round_half_up(self.score, 2)


class HiddenItemAnswered(ValueError):
    """Answers were given for items their ``show_if`` hides: such a visit is never scored."""

    def __init__(self, keys: list[str]):
        super().__init__(f"Hidden items carry answers: {', '.join(keys)}")
        self.keys = keys


@dataclass(frozen=True)
class VisitScore:
    score: Fraction | None  # exact, 0..100
    passed: bool
    critical_failures: list[str] = field(default_factory=list)
    sections: list[SectionResult] = field(default_factory=list)
    items: dict[str, ItemResult] = field(default_factory=dict)
    hidden_items: list[str] = field(default_factory=list)  # in checklist order
    unanswered_items: list[str] = field(default_factory=list)  # shown, not photo, no answer

    @property
    def rounded(self) -> Decimal | None:
        return None if self.score is None else round_half_up(self.score, 2)


def exact(number: Any) -> Fraction:
    """An exact Fraction for an int, float, Decimal, Fraction or numeric string.

    Floats go through their shortest decimal repr so that ``0.1`` means one tenth, as the
    person who typed it meant, not the nearest binary fraction.
    """
    if isinstance(number, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(number, Fraction):
        return number
    if isinstance(number, int):
        return Fraction(number)
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return Fraction(Decimal(repr(number)))
    if isinstance(number, Decimal):
        if not number.is_finite():
            raise ValueError("not a finite number")
        return Fraction(number)
    if isinstance(number, str):
        return Fraction(Decimal(number))
    raise TypeError(f"not a number: {number!r}")


def _weight(node: Mapping[str, Any], default: int = 1) -> Fraction | int:
    raw = node.get("weight", default)
    if type(raw) is int:  # the usual case, kept an int: exact, and Fraction arithmetic is slow
        return raw if raw > 0 else 0
    try:
        weight = exact(raw)
    except (TypeError, ValueError, ArithmeticError):
        return Fraction(0)
    return weight if weight > 0 else Fraction(0)


def item_score(item: Mapping[str, Any], value: Any) -> Fraction | None:
    """The exact 0..1 score of one answered (not N/A) item, or None when the item is unscored.

    Values are expected to be validated already; anything that does not fit scores None rather
    than raising, so the function is total. Text, photo and unknown types are unscored.
    """
    scorer = _SCORERS.get(item.get("type"))
    if scorer is None:
        return None
    try:
        return scorer(item, value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _yes_no_score(item: Mapping[str, Any], value: Any) -> Fraction | None:
    if not isinstance(value, bool):
        return None
    return _ONE if value else _ZERO


def _scale_score(item: Mapping[str, Any], value: Any) -> Fraction | None:
    if not is_number(value):
        return None
    low, high = exact(item.get("scale_min", 0)), exact(item.get("scale_max", 0))
    if high <= low:
        return None
    return _clamp((exact(value) - low) / (high - low))


def _choice_score(item: Mapping[str, Any], value: Any) -> Fraction | None:
    options = item.get("options") or []
    points = {option.get("key"): option.get("points", 0) for option in options if isinstance(option, Mapping)}
    if not isinstance(value, str) or value not in points:
        return None
    best = max(exact(p) for p in points.values())
    if best <= 0:
        return None
    return _clamp(exact(points[value]) / best)


def _number_score(item: Mapping[str, Any], value: Any) -> Fraction | None:
    if not is_number(value):
        return None
    low, high = item.get("pass_min"), item.get("pass_max")
    if low is None and high is None:
        return None
    number = exact(value)
    inside = (low is None or number >= exact(low)) and (high is None or number <= exact(high))
    return _ONE if inside else _ZERO


_SCORERS: dict[Any, Callable[[Mapping[str, Any], Any], Fraction | None]] = {
    "yes_no": _yes_no_score,
    "scale": _scale_score,
    "choice": _choice_score,
    "number": _number_score,
}


def _clamp(value: Fraction) -> Fraction:
    return min(_ONE, max(_ZERO, value))


def _weighted_mean(pairs: Iterable[tuple[Fraction, Fraction | int]]) -> Fraction | None:
    # Whole scores times int weights are summed as ints (exact, and much faster than Fractions).
    total_weight: Fraction | int = 0
    total: Fraction | int = 0
    for score, weight in pairs:
        if score.denominator == 1 and type(weight) is int:
            total += score.numerator * weight
        else:
            total += score * weight
        total_weight += weight
    if total_weight == 0:
        return None
    return Fraction(total) / total_weight


def score_visit(
    sections: Iterable[Mapping[str, Any]],
    answers: Mapping[str, AnswerInput],
    pass_threshold: Any,
    *,
    drop_hidden: bool = False,
) -> VisitScore:
    """Score a visit: ``answers`` maps item keys to ``AnswerInput``; missing items count as unanswered.

    Raises ``HiddenItemAnswered`` when an item hidden by ``show_if`` has an answer, unless
    ``drop_hidden`` (re-scoring stored answers), which leaves such answers out.
    """
    sections = list(sections)
    hidden: frozenset[str] = frozenset()
    hidden_items: list[str] = []
    if has_logic(sections):
        seen = visibility(sections, answers)
        hidden, hidden_items, unanswered_items = seen.hidden, seen.hidden_items, seen.unanswered_items
        answered_hidden = [key for key in hidden_items if key in answers]
        if answered_hidden and not drop_hidden:
            raise HiddenItemAnswered(answered_hidden)
    else:
        unanswered_items = [
            item.get("key")
            for section in sections
            for item in section.get("items") or []
            if item.get("key") not in answers and item.get("type") != "photo"
        ]
    items: dict[str, ItemResult] = {}
    section_results: list[SectionResult] = []
    section_pairs: list[tuple[Fraction, Fraction | int]] = []
    critical_failures: list[str] = []

    for section in sections:
        item_pairs: list[tuple[Fraction, Fraction | int]] = []
        for item in section.get("items") or []:
            key = item.get("key")
            answer = None if key in hidden else answers.get(key)
            score = None if answer is None or answer.na else item_score(item, answer.value)
            failed = bool(item.get("critical", False)) and score is not None and score == 0
            if failed:
                critical_failures.append(key)
            items[key] = ItemResult(
                key=key, section_key=section.get("key"), score=score, critical_failure=failed
            )
            weight = _weight(item)
            if score is not None and weight > 0:
                item_pairs.append((score, weight))
        mean = _weighted_mean(item_pairs)
        section_score = None if mean is None else mean * _HUNDRED
        section_results.append(SectionResult(key=section.get("key"), score=section_score))
        section_weight = _weight(section)
        if section_score is not None and section_weight > 0:
            section_pairs.append((section_score, section_weight))

    visit_score = _weighted_mean(section_pairs)
    threshold = exact(pass_threshold if pass_threshold is not None else 0)
    passed = not critical_failures and visit_score is not None and visit_score >= threshold
    return VisitScore(
        score=visit_score,
        passed=passed,
        critical_failures=critical_failures,
        sections=section_results,
        items=items,
        hidden_items=hidden_items,
        unanswered_items=unanswered_items,
    )
