"""Show-if logic: the conformance file through the server's evaluator and through json-logic-js,
the publish-time checks (each mistake at its path), and the evaluator's bounds."""

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from audits.scoring import AnswerInput
from checklists import logic
from checklists.definition import definition_problems
from checklists.logic import UNDEFINED, answers_shown, apply, truthy, visibility

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = ROOT / "checklists" / "logic_cases.json"
JS_DIR = ROOT / "tests" / "js"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def encode(value):
    """The server's result in the cases file's spelling (undefined and Infinity have no JSON)."""
    if value is UNDEFINED:
        return {"$undefined": True}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$number": "Infinity" if value > 0 else "-Infinity"}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


def same(a, b) -> bool:
    """JSON equality where numbers compare by value (1 == 1.0) but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def server_outcome(case) -> dict:
    if "sections" in case:
        answers = {
            key: AnswerInput(value=answer.get("value"), na=answer.get("na", False))
            for key, answer in case["answers"].items()
        }
        seen = visibility(case["sections"], answers)
        return {"hidden": seen.hidden_items, "unanswered": seen.unanswered_items}
    result = apply(case["logic"], case["data"])
    return {"result": encode(result), "shown": truthy(result)}


def expected_outcome(case) -> dict:
    if "sections" in case:
        return {"hidden": case["hidden"], "unanswered": case["unanswered"]}
    return {"result": case["result"], "shown": case["shown"]}


# --- the conformance file ---------------------------------------------------------------------


def _operators(node, found):
    if isinstance(node, list):
        for item in node:
            _operators(item, found)
    elif isinstance(node, dict):
        for op, values in node.items():
            found.add(op)
            _operators(values, found)


def test_the_conformance_file_covers_every_operator_and_the_tricky_inputs():
    assert len(CASES) >= 150
    assert len({case["name"] for case in CASES}) == len(CASES), "case names are unique"
    found: set = set()
    for case in CASES:
        _operators(case.get("logic"), found)
        for section in case.get("sections", []):
            _operators(section.get("show_if"), found)
            for item in section["items"]:
                _operators(item.get("show_if"), found)
    assert set(logic.OPERATORS) <= found
    names = " ".join(case["name"] for case in CASES)
    for topic in ("null", "N/A", "chain", "numbers vs strings", "in: substring", "in: in array", "section"):
        assert topic in names, topic
    assert sum("sections" in case for case in CASES) >= 20  # hidden chains through whole checklists


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_server_evaluator_gives_every_expected_outcome(case):
    assert same(server_outcome(case), expected_outcome(case))


def _node_results() -> list:
    """Every case through json-logic-js (installed by scripts/test.sh: npm ci --prefix tests/js)."""
    node = shutil.which("node")
    in_ci = os.environ.get("CI", "").lower() == "true"
    if node is None:
        if in_ci:
            pytest.fail("Node.js is required in CI to run the conformance cases through json-logic-js.")
        pytest.skip(
            "SKIPPED LOUDLY: Node.js is not installed, so json-logic-js did not run the conformance cases."
        )
    if not (JS_DIR / "node_modules" / "json-logic-js").is_dir():
        if in_ci:
            pytest.fail("json-logic-js is not installed: scripts/test.sh runs `npm ci --prefix tests/js`.")
        pytest.skip("SKIPPED LOUDLY: json-logic-js is not installed; run `npm ci --prefix tests/js`.")
    completed = subprocess.run(
        [node, str(JS_DIR / "run_cases.js"), str(CASES_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_json_logic_js_and_the_server_agree_on_every_case():
    results = _node_results()
    assert len(results) == len(CASES)
    differences = []
    for case, reference in zip(CASES, results, strict=True):
        server = server_outcome(case)
        if not same(reference, expected_outcome(case)):
            differences.append((case["name"], "file", expected_outcome(case), "json-logic-js", reference))
        if not same(reference, server):
            differences.append((case["name"], "server", server, "json-logic-js", reference))
    assert differences == []


# --- the evaluator ----------------------------------------------------------------------------


def test_javascript_number_formatting_inside_in():
    assert logic.number_to_string(1e21) == "1e+21"
    assert logic.number_to_string(1.5e-7) == "1.5e-7"
    assert logic.number_to_string(0.000001) == "0.000001"
    assert logic.number_to_string(123456789.125) == "123456789.125"
    assert logic.number_to_string(-0.0) == "0"
    assert apply({"in": [2.0, "x2y"]}) is True


def test_strings_compare_by_utf16_code_units_as_in_javascript():
    # U+FF61 sorts after U+1F600 by code point but before it by UTF-16 code unit.
    assert apply({"<": ["\U0001f600", "\uff61"]}) is True


def test_an_operator_outside_the_allowed_set_never_runs():
    with pytest.raises(logic.UnknownOperator):
        apply({"log": "hello"})
    with pytest.raises(logic.UnknownOperator):
        apply({"===": [{"substr": ["abc", 1]}, "bc"]})


def _values(node) -> int:
    if isinstance(node, list):
        return 1 + sum(_values(item) for item in node)
    if isinstance(node, dict):
        return 1 + sum(_values(item) for item in node.values())
    return 1


def test_evaluation_visits_each_node_of_the_expression_at_most_once(monkeypatch):
    """Time linear in the size: ``apply`` runs once per JSON value of the expression, at most."""
    calls = 0
    original = logic.apply

    def counting(node, data=None):
        nonlocal calls
        calls += 1
        return original(node, data)

    monkeypatch.setattr(logic, "apply", counting)  # the evaluator's own recursion goes through it
    expression = {"or": [{"and": [{"===": [{"var": "a"}, n]}, {"!": {"var": "b"}}]} for n in range(35)]}
    assert logic.expression_size(expression) <= logic.MAX_BYTES
    assert counting(expression, {"a": -1, "b": False}) is False
    assert 35 * 5 < calls <= _values(expression)


# --- publish-time checks ----------------------------------------------------------------------


def _tree(*items, section_show_if=None, second=None):
    sections = [{"key": "first", "title": "First", "items": list(items)}]
    if second is not None:
        extra = {"key": "second", "title": "Second", "items": second}
        if section_show_if is not None:
            extra["show_if"] = section_show_if
        sections.append(extra)
    return sections


def _yes_no(key, show_if=None):
    item = {"key": key, "prompt": key, "type": "yes_no"}
    if show_if is not None:
        item["show_if"] = show_if
    return item


def _problems(sections, **kwargs):
    return [(p.path, p.code) for p in definition_problems(sections=sections, pass_threshold=80, **kwargs)]


def test_a_valid_show_if_passes():
    sections = _tree(
        _yes_no("greeted"),
        {"key": "wait", "prompt": "Minutes?", "type": "number"},
        _yes_no("acknowledged", {"and": [{"!": {"var": "greeted"}}, {">=": [{"var": "wait"}, 2]}]}),
        second=[_yes_no("solved", {"in": [{"var": ["greeted", False]}, [True]]})],
        section_show_if={"!==": [{"var": "greeted"}, None]},
    )
    assert _problems(sections) == []


@pytest.mark.parametrize(
    "show_if,path,code",
    [
        ({"if": [True, 1, 0]}, "sections.0.items.1.show_if.if", "unknown_operator"),
        ({"==": [{"var": "greeted"}, True]}, "sections.0.items.1.show_if.==", "unknown_operator"),
        ({"and": [True, {"log": 1}]}, "sections.0.items.1.show_if.and.1.log", "unknown_operator"),
        ({"var": "later"}, "sections.0.items.1.show_if.var", "forward_reference"),
        ({"var": "asked"}, "sections.0.items.1.show_if.var", "self_reference"),
        ({"var": ["nope"]}, "sections.0.items.1.show_if.var.0", "unknown_item"),
        ({"var": 3}, "sections.0.items.1.show_if.var", "invalid_var"),
        ({"var": ["greeted", {"var": "x"}]}, "sections.0.items.1.show_if.var.1", "invalid_var"),
        ({"<": [{"var": "greeted"}, 3]}, "sections.0.items.1.show_if.<.0", "not_a_number"),
        ({">=": [{"var": "wait"}, "3"]}, "sections.0.items.1.show_if.>=.1", "not_a_number"),
        ({"<=": [{"===": [1, 1]}, 3]}, "sections.0.items.1.show_if.<=.0", "not_a_number"),
        ({"===": [1]}, "sections.0.items.1.show_if.===", "invalid_arity"),
        ({"and": []}, "sections.0.items.1.show_if.and", "invalid_arity"),
        ({"!": [1, 2]}, "sections.0.items.1.show_if.!", "invalid_arity"),
        ({"===": [{"a": 1, "b": 2}, 1]}, "sections.0.items.1.show_if.===.0", "invalid_expression"),
        ({}, "sections.0.items.1.show_if", "invalid_expression"),
    ],
)
def test_each_mistake_is_reported_at_its_path(show_if, path, code):
    sections = [
        {
            "key": "first",
            "title": "First",
            "items": [
                _yes_no("greeted"),
                _yes_no("asked", show_if),
                _yes_no("later"),
                {"key": "wait", "prompt": "Minutes?", "type": "number"},
            ],
        }
    ]
    # "wait" comes after "asked": make it earlier for the number checks.
    sections[0]["items"].insert(0, sections[0]["items"].pop())
    shifted = path.replace("items.1", "items.2")
    assert (shifted, code) in _problems(sections)


def test_a_section_show_if_reads_only_earlier_sections():
    sections = _tree(
        _yes_no("greeted"),
        second=[_yes_no("solved"), _yes_no("thanked")],
        section_show_if={"or": [{"var": "greeted"}, {"var": "solved"}]},
    )
    assert _problems(sections) == [("sections.1.show_if.or.1.var", "forward_reference")]


def test_too_deep_and_too_long_expressions_are_refused():
    deep = {"var": "greeted"}
    for _ in range(10):
        deep = {"!": deep}
    assert _problems(_tree(_yes_no("greeted"), _yes_no("x", deep))) == [
        ("sections.0.items.1.show_if", "expression_too_deep")
    ]
    long = {"in": [{"var": "greeted"}, ["a" * 50] * 45]}
    assert _problems(_tree(_yes_no("greeted"), _yes_no("x", long))) == [
        ("sections.0.items.1.show_if", "expression_too_long")
    ]
    ten_deep = {"var": "greeted"}
    for _ in range(9):
        ten_deep = {"!": ten_deep}
    assert _problems(_tree(_yes_no("greeted"), _yes_no("x", ten_deep))) == []


def test_pathological_nesting_is_refused_without_recursing():
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    problems = _problems(_tree(_yes_no("greeted"), _yes_no("x", {"in": ["a", nested]})))
    assert problems and problems[0][0] == "sections.0.items.1.show_if"


def test_every_item_type_can_be_read_and_non_numbers_cannot_be_compared():
    items = [
        _yes_no("yn"),
        {"key": "sc", "prompt": "p", "type": "scale", "scale_min": 1, "scale_max": 5},
        {
            "key": "ch",
            "prompt": "p",
            "type": "choice",
            "options": [{"key": "a", "label": "A", "points": 1}, {"key": "b", "label": "B", "points": 0}],
        },
        {"key": "nu", "prompt": "p", "type": "number"},
        {"key": "tx", "prompt": "p", "type": "text"},
    ]
    for key in ("sc", "nu"):
        assert _problems(_tree(*items, _yes_no("z", {">": [{"var": key}, 2]}))) == []
    for key in ("yn", "ch", "tx"):
        assert _problems(_tree(*items, _yes_no("z", {">": [{"var": key}, 2]}))) == [
            ("sections.0.items.5.show_if.>.0", "not_a_number")
        ]


def test_answers_shown_drops_the_answers_to_items_the_others_hide():
    sections = [
        {
            "key": "s",
            "items": [
                {"key": "greeted", "type": "yes_no"},
                {"key": "acknowledged", "type": "yes_no", "show_if": {"===": [{"var": "greeted"}, False]}},
                {"key": "smile", "type": "yes_no"},
            ],
        }
    ]
    answers = [
        {"item": "greeted", "value": True},
        {"item": "acknowledged", "value": True},
        {"item": "smile", "value": False, "na": False},
    ]

    assert [a["item"] for a in answers_shown(sections, answers)] == ["greeted", "smile"]
    answers[0] = {"item": "greeted", "value": False}
    assert [a["item"] for a in answers_shown(sections, answers)] == ["greeted", "acknowledged", "smile"]
