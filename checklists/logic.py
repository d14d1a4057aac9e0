"""Show-if logic: a small, pure JSON Logic evaluator that answers exactly as json-logic-js does.

A checklist item or section may carry ``show_if``, a JSON Logic expression over the answers to
earlier items. Phones evaluate it with a JSON Logic library (json-logic-js or a port) and the
server with ``apply`` below; both must show the same items, so this module reproduces
json-logic-js 2.0.5 for the operators the contract allows (``var``, ``===``, ``!==``, ``<``,
``<=``, ``>``, ``>=``, ``!``, ``and``, ``or``, ``in``), JavaScript's quirks included:

- truthiness is JavaScript's (``0``, ``""``, ``null``, ``NaN`` are false; ``"0"`` is true), except
  that json-logic-js also counts an empty array as false;
- ``===`` is strict: ``1 === 1.0`` but ``1 !== "1"`` and ``true !== 1``; arrays and objects are
  equal only to themselves;
- ``<`` and friends compare as JavaScript does (strings with strings by UTF-16 code units,
  anything else as numbers: ``null`` is 0, ``"10"`` is 10, ``"abc"`` is NaN and compares false);
- ``and``/``or`` return the deciding operand, not a boolean; ``in`` finds an element in an array
  (strictly) or a substring in a string (of the operand's string form);
- ``var`` reads a (dotted) key of the data, or its default (else null) when it is missing.

``checklists/logic_cases.json`` holds the conformance cases that the test suite runs through this
module *and* json-logic-js. The evaluator recurses at most as deep as the expression (validation
caps that at ``MAX_DEPTH``) and does a bounded amount of work per node, so its time is linear in the
expression's size; ``expression_problems`` refuses at publish what the contract refuses.
``visibility`` walks a version's tree in order and says which items are hidden.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from core.validation import Problem

OPERATORS = ("var", "===", "!==", "<", "<=", ">", ">=", "!", "and", "or", "in")
COMPARISONS = frozenset({"<", "<=", ">", ">="})
MAX_DEPTH = 10
MAX_BYTES = 2048
#: Item types whose answer is never a number: comparing them with ``<`` is always a mistake.
NON_NUMBER_TYPES = frozenset({"yes_no", "choice", "text", "photo"})


class _Undefined:
    """JavaScript's ``undefined`` (what an empty ``and`` returns, or ``===`` with one operand)."""

    _instance: _Undefined | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


class _NativeFunction:
    """A built-in method reached through ``var`` (``{"var": "length.toFixed"}``): truthy, opaque."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"function {self.name}() {{ [native code] }}"


# Properties every JavaScript value of a kind inherits; ``var`` reaches them when the data does not
# shadow them. The server's data always holds every item key, so they only matter to odd paths.
_OBJECT_PROTO = frozenset(
    "constructor hasOwnProperty isPrototypeOf propertyIsEnumerable toLocaleString toString valueOf "
    "__defineGetter__ __defineSetter__ __lookupGetter__ __lookupSetter__ __proto__".split()
)
_STRING_PROTO = _OBJECT_PROTO | frozenset(
    "anchor at big blink bold charAt charCodeAt codePointAt concat endsWith fixed fontcolor fontsize "
    "includes indexOf isWellFormed italics lastIndexOf link localeCompare match matchAll normalize "
    "padEnd padStart repeat replace replaceAll search slice small split startsWith strike sub substr "
    "substring sup toLocaleLowerCase toLocaleUpperCase toLowerCase toUpperCase toWellFormed trim "
    "trimEnd trimLeft trimRight trimStart".split()
)
_ARRAY_PROTO = _OBJECT_PROTO | frozenset(
    "at concat copyWithin entries every fill filter find findIndex findLast findLastIndex flat flatMap "
    "forEach includes indexOf join keys lastIndexOf map pop push reduce reduceRight reverse shift "
    "slice some sort splice toReversed toSorted toSpliced unshift values with".split()
)
_NUMBER_PROTO = _OBJECT_PROTO | frozenset("toExponential toFixed toPrecision".split())
_CANONICAL_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")


# --- JavaScript values ------------------------------------------------------------------------


def _is_js_number(value: Any) -> bool:
    """A JavaScript number (``typeof value === "number"``): any int or float, not only finite JSON ones."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_double(value: int | float) -> float:
    """A JSON number as JavaScript holds it: a double (huge integers round, or overflow to Infinity)."""
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def truthy(value: Any) -> bool:
    """json-logic-js's ``truthy``: JavaScript's ``!!value``, except that ``[]`` is false."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if value is True:
        return True
    if _is_js_number(value):
        number = _as_double(value)
        return number != 0 and not math.isnan(number)
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return len(value) > 0
    return True  # objects and functions


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript's ``===``."""
    if _is_js_number(a) and _is_js_number(b):
        return _as_double(a) == _as_double(b)  # NaN is never equal, as in JavaScript
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if a is None or b is None or a is UNDEFINED or b is UNDEFINED:
        return a is b
    return a is b  # arrays, objects, functions: identity


def number_to_string(number: float) -> str:
    """ECMAScript ``Number::toString(10)``: shortest round-trip digits, JavaScript's layout."""
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "0"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    sign = "-" if number < 0 else ""
    text = repr(abs(number))  # Python's repr is the shortest round-trip form too
    mantissa, _, exponent = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: the position of the decimal point relative to the digit string (ECMAScript's "n").
    n = len(whole.lstrip("0")) if whole.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    n += int(exponent or 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    if k == 1:
        return sign + digits + exp
    return sign + digits[0] + "." + digits[1:] + exp


def to_string(value: Any) -> str:
    """JavaScript's ``String(value)`` for JSON values (arrays join, objects are ``[object Object]``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if _is_js_number(value):
        return number_to_string(_as_double(value))
    if isinstance(value, list):
        return ",".join("" if item is None or item is UNDEFINED else to_string(item) for item in value)
    if isinstance(value, _NativeFunction):
        return repr(value)
    return "[object Object]"


_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_PREFIXED = re.compile(r"^0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$")


def _string_to_number(text: str) -> float:
    text = text.strip(_JS_SPACE)
    if text == "":
        return 0.0
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    if _DECIMAL.match(text):
        try:
            return float(text)
        except OverflowError:  # pragma: no cover - float() returns inf rather than raising
            return math.inf
    if _PREFIXED.match(text):
        return float(int(text[2:], {"x": 16, "o": 8, "b": 2}[text[1].lower()]))
    return math.nan


def to_number(value: Any) -> float:
    """JavaScript's ``Number(value)`` for primitives."""
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if value is UNDEFINED:
        return math.nan
    if _is_js_number(value):
        return _as_double(value)
    if isinstance(value, str):
        return _string_to_number(value)
    return math.nan  # pragma: no cover - objects are turned into strings first


def _to_primitive(value: Any) -> Any:
    if isinstance(value, (list, dict, _NativeFunction)):
        return to_string(value)
    return value


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def less_than(a: Any, b: Any) -> bool | None:
    """The abstract relational comparison ``a < b``: True, False, or None (``undefined``: NaN)."""
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return _utf16(a) < _utf16(b)  # UTF-16 code units, as JavaScript compares strings
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return None
    return x < y


def _lt(a: Any, b: Any) -> bool:
    return less_than(a, b) is True


def _le(a: Any, b: Any) -> bool:
    # a <= b is !(b < a), false when either side is NaN.
    result = less_than(b, a)
    return result is False


def _index_of(haystack: Any, needle: Any) -> bool:
    """``b.indexOf(a) !== -1`` as json-logic-js's ``in`` calls it (false when ``b`` has no indexOf)."""
    if not truthy_js(haystack):
        return False
    if isinstance(haystack, str):
        text, part = _utf16(haystack), _utf16(to_string(needle))
        start = text.find(part)
        while start != -1 and start % 2:  # a match must start on a code unit
            start = text.find(part, start + 1)
        return start != -1
    if isinstance(haystack, list):
        return any(strict_equals(item, needle) for item in haystack)
    return False


def truthy_js(value: Any) -> bool:
    """JavaScript's plain ``!!value`` (an empty array is true here)."""
    if isinstance(value, list):
        return True
    return truthy(value)


# --- var --------------------------------------------------------------------------------------


def _property(data: Any, name: str) -> Any:
    """``data[name]`` in JavaScript for JSON data; UNDEFINED when there is no such property."""
    if isinstance(data, dict):
        if name in data:
            return data[name]
        return _NativeFunction(name) if name in _OBJECT_PROTO else UNDEFINED
    if isinstance(data, list):
        if _CANONICAL_INDEX.match(name):
            index = int(name)
            return data[index] if index < len(data) else UNDEFINED
        if name == "length":
            return len(data)
        return _NativeFunction(name) if name in _ARRAY_PROTO else UNDEFINED
    if isinstance(data, str):
        units = _utf16(data)
        if _CANONICAL_INDEX.match(name):
            index = int(name)
            if index * 2 < len(units):
                return units[index * 2 : index * 2 + 2].decode("utf-16-be", "surrogatepass")
            return UNDEFINED
        if name == "length":
            return len(units) // 2
        return _NativeFunction(name) if name in _STRING_PROTO else UNDEFINED
    if isinstance(data, bool):
        return _NativeFunction(name) if name in _OBJECT_PROTO else UNDEFINED
    if _is_js_number(data):
        return _NativeFunction(name) if name in _NUMBER_PROTO else UNDEFINED
    return UNDEFINED  # a function's own properties are out of scope


def _var(data: Any, values: list) -> Any:
    path = values[0] if values else UNDEFINED
    not_found = None if len(values) < 2 or values[1] is UNDEFINED else values[1]
    if path is UNDEFINED or path is None or path == "":
        return data
    current = data
    for part in to_string(path).split("."):
        if current is None or current is UNDEFINED:
            return not_found
        current = _property(current, part)
        if current is UNDEFINED:
            return not_found
    return current


# --- apply ------------------------------------------------------------------------------------


class UnknownOperator(ValueError):
    """An operator outside the allowed set (json-logic-js throws ``Unrecognized operation``)."""


def is_logic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1


def apply(logic: Any, data: Any = None) -> Any:
    """Evaluate ``logic`` against ``data`` exactly as json-logic-js's ``jsonLogic.apply`` does."""
    if isinstance(logic, list):
        return [apply(item, data) for item in logic]
    if not is_logic(logic):
        return logic
    op, values = next(iter(logic.items()))
    if not isinstance(values, list):
        values = [values]
    if op in ("and", "or"):
        return _and_or(op, values, data)
    if op not in OPERATORS:
        raise UnknownOperator(f"Unrecognized operation {op}")
    args = [apply(value, data) for value in values]
    if op == "var":
        return _var(data, args)
    a = args[0] if args else UNDEFINED
    b = args[1] if len(args) > 1 else UNDEFINED
    if op in ("<", "<="):
        return _between(op, a, b, args[2] if len(args) > 2 else UNDEFINED)
    return _BINARY[op](a, b)


def _and_or(op: str, values: list, data: Any) -> Any:
    """``and``/``or`` short-circuit: the first falsy (``and``) or truthy (``or``) operand, else the last."""
    current = UNDEFINED
    for value in values:
        current = apply(value, data)
        if truthy(current) == (op == "or"):
            return current
    return current


def _between(op: str, a: Any, b: Any, c: Any) -> bool:
    """``<``/``<=`` with two operands, or json-logic's three-operand "between"."""
    compare = _lt if op == "<" else _le
    if c is UNDEFINED:
        return compare(a, b)
    return compare(a, b) and compare(b, c)


_BINARY = {
    "===": strict_equals,
    "!==": lambda a, b: not strict_equals(a, b),
    "!": lambda a, b: not truthy(a),
    "in": lambda a, b: _index_of(b, a),
    ">": lambda a, b: _lt(b, a),
    ">=": lambda a, b: _le(b, a),
}


def shown(logic: Any, data: Any) -> bool:
    """Whether an item with this ``show_if`` is shown: absent (None) or truthy."""
    return logic is None or truthy(apply(logic, data))


# --- publish-time checks ------------------------------------------------------------------------


def expression_size(logic: Any) -> int:
    """Bytes of the expression's compact JSON (the 2 KB limit)."""
    return len(json.dumps(logic, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _depth_exceeds(logic: Any, limit: int) -> bool:
    stack = [(logic, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth) for child in node)  # an argument list is not a level
    return False


def expression_problems(
    logic: Any, path: str, *, earlier: Mapping[str, str], later: Iterable[str], own: str | None
) -> list[Problem]:
    """Every mistake in one ``show_if``; ``earlier`` maps the keys it may name to their item types.

    ``later`` are the keys it may not name (they come after it, or belong to its own section),
    ``own`` the key of the item carrying it (None for a section's ``show_if``).
    """
    try:
        size = expression_size(logic)
    except (TypeError, ValueError, RecursionError):
        return [Problem(path, "Not a JSON Logic expression.", "invalid_expression")]
    if size > MAX_BYTES:
        return [Problem(path, f"At most {MAX_BYTES} bytes of JSON.", "expression_too_long")]
    if _depth_exceeds(logic, MAX_DEPTH):
        return [Problem(path, f"Operations nest at most {MAX_DEPTH} deep.", "expression_too_deep")]
    problems: list[Problem] = []
    checker = _Checker(problems, earlier=earlier, later=set(later), own=own)
    checker.node(logic, path)
    return problems


ARITY: dict[str, tuple[int, int | None]] = {
    "var": (1, 2),
    "===": (2, 2),
    "!==": (2, 2),
    "!": (1, 1),
    "in": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
}
ARITY.update({">": (2, 2), ">=": (2, 2), "and": (1, None), "or": (1, None)})


@dataclass
class _Checker:
    problems: list[Problem]
    earlier: Mapping[str, str]
    later: set[str]
    own: str | None
    _seen: set = field(default_factory=set)

    def add(self, path: str, message: str, code: str) -> None:
        self.problems.append(Problem(path, message, code))

    def arity_ok(self, op: str, args: list, opath: str) -> bool:
        low, high = ARITY[op]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"{low} to {high}" if high else f"at least {low}"
            self.add(opath, f"'{op}' takes {wanted} operand(s).", "invalid_arity")
            return False
        return True

    def node(self, logic: Any, path: str) -> None:
        if isinstance(logic, list):
            for index, item in enumerate(logic):
                self.node(item, f"{path}.{index}")
        elif isinstance(logic, dict):
            self.operation(logic, path)
        elif isinstance(logic, float) and not math.isfinite(logic):
            self.add(path, "Numbers must be finite.", "invalid_expression")
        elif isinstance(logic, str) and _has_lone_surrogate(logic):
            self.add(path, "Lone surrogates are not allowed.", "invalid_expression")
        # Other literals (strings, numbers, booleans, null) are fine.

    def operation(self, logic: dict, path: str) -> None:
        if len(logic) != 1:
            self.add(path, "An operation is an object with exactly one operator key.", "invalid_expression")
            return
        op, values = next(iter(logic.items()))
        opath = f"{path}.{op}"
        if op not in OPERATORS:
            self.add(opath, f"Unknown operator '{op}'; allowed: {', '.join(OPERATORS)}.", "unknown_operator")
            return
        args = values if isinstance(values, list) else [values]
        args_path = (lambda i: f"{opath}.{i}") if isinstance(values, list) else (lambda i: opath)
        if not self.arity_ok(op, args, opath):
            return
        if op == "var":
            self.var(args, args_path)
            return
        for index, arg in enumerate(args):
            self.node(arg, args_path(index))
        if op in COMPARISONS:
            for index, arg in enumerate(args):
                self.number_operand(arg, args_path(index), op)

    def var(self, args: list, args_path) -> None:
        key = args[0]
        if not isinstance(key, str) or not key:
            self.add(args_path(0), "'var' names an earlier item by its key (a string).", "invalid_var")
        elif key == self.own:
            self.add(
                args_path(0),
                f"'{key}' is this item itself: show_if reads earlier answers only.",
                "self_reference",
            )
        elif key in self.later:
            self.add(
                args_path(0),
                f"'{key}' is not an earlier item: show_if reads answers given before it "
                "(a section's show_if reads earlier sections' items).",
                "forward_reference",
            )
        elif key not in self.earlier:
            self.add(args_path(0), f"Unknown item '{key}'.", "unknown_item")
        if len(args) == 2 and isinstance(args[1], (dict, list)):
            self.add(args_path(1), "A var's default is a plain value.", "invalid_var")

    def number_operand(self, arg: Any, path: str, op: str) -> None:
        """``<``...``>=`` compare numbers: refuse operands that are certainly not numbers."""
        if isinstance(arg, bool) or isinstance(arg, str) or arg is None or isinstance(arg, list):
            self.add(path, f"'{op}' compares numbers; this operand is not a number.", "not_a_number")
        elif isinstance(arg, dict) and len(arg) == 1:
            op_inner, values = next(iter(arg.items()))
            if op_inner in ("===", "!==", "!", "in"):
                self.add(path, f"'{op}' compares numbers; this operand is true or false.", "not_a_number")
            elif op_inner == "var":
                var_args = values if isinstance(values, list) else [values]
                key = var_args[0] if var_args else None
                kind = self.earlier.get(key) if isinstance(key, str) else None
                if kind in NON_NUMBER_TYPES:
                    self.add(
                        path,
                        f"'{op}' compares numbers; '{key}' is a {kind} item, whose answer is never a number.",
                        "not_a_number",
                    )


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


# --- visibility of a version's items --------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """Which items a visit's answers hide, and which shown items have no answer."""

    hidden: frozenset[str]
    hidden_items: list[str]  # in checklist order
    unanswered_items: list[str]  # shown, not photo, and without an answer (in checklist order)

    def is_hidden(self, key: str) -> bool:
        return key in self.hidden


def _iter_items(sections: Iterable[Mapping]) -> Iterator[tuple[Mapping, Mapping]]:
    for section in sections:
        for item in section.get("items") or []:
            yield section, item


def has_logic(sections: Iterable[Mapping]) -> bool:
    return any(
        section.get("show_if") is not None
        or any(item.get("show_if") is not None for item in section.get("items") or [])
        for section in sections
    )


_Body = TypeVar("_Body", bound=Mapping[str, Any])


class _AnswerBody(NamedTuple):
    value: Any
    na: bool


def visibility(sections: Iterable[Mapping], answers: Mapping[str, Any]) -> Visibility:
    """Walk the tree in order: each ``show_if`` sees the earlier answers, hidden ones as null.

    ``answers`` maps item keys to an object with ``value`` and ``na`` (``AnswerInput``,
    ``ParsedAnswer``...) or to nothing (unanswered). The data an expression reads holds every item
    key: the answer's value, or null when it is N/A, hidden or unanswered (a phone must build it the
    same way, so that ``var`` defaults never apply to item keys). Pure: no database.
    """
    sections = list(sections)
    data: dict[Any, Any] = {item.get("key"): None for _, item in _iter_items(sections)}
    hidden: list[str] = []
    unanswered: list[str] = []
    for section in sections:
        section_shown = shown(section.get("show_if"), data)
        for item in section.get("items") or []:
            key = item.get("key")
            if not (section_shown and shown(item.get("show_if"), data)):
                hidden.append(key)
                continue
            answer = answers.get(key)
            if answer is None:
                if item.get("type") != "photo":
                    unanswered.append(key)
                continue
            if not getattr(answer, "na", False):
                data[key] = getattr(answer, "value", None)
    return Visibility(hidden=frozenset(hidden), hidden_items=hidden, unanswered_items=unanswered)


def answers_shown(sections: Iterable[Mapping], answers: Iterable[_Body]) -> list[_Body]:
    """The answer bodies (``{"item", "value", "na"}``) a phone sends: those of items left shown.

    A phone never asks a hidden item; builders of visits (the demo, scenario tests) use this to
    drop the answers to items that the other answers hide.
    """
    answers = list(answers)
    given = {a["item"]: _AnswerBody(a.get("value"), a.get("na", False)) for a in answers}
    hidden = visibility(sections, given).hidden
    return [answer for answer in answers if answer["item"] not in hidden]
