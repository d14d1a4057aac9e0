"""Scoring, pure: hand-computed cases for every rule, then properties that must hold for any checklist."""

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.scoring import AnswerInput, HiddenItemAnswered, item_score, score_visit
from core.validation import round_half_up


def yes_no(key, weight=1, critical=False, allow_na=False):
    return {"key": key, "type": "yes_no", "weight": weight, "critical": critical, "allow_na": allow_na}


def section(key, items, weight=1):
    return {"key": key, "title": key.title(), "weight": weight, "items": items}


def answers(**values):
    return {
        key: (AnswerInput(na=True) if value == "N/A" else AnswerInput(value=value))
        for key, value in values.items()
    }


# --- item scores -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(True, 1), (False, 0)])
def test_yes_no_scores_one_for_true_and_zero_for_false(value, expected):
    assert item_score({"type": "yes_no"}, value) == expected


def test_scale_scores_the_distance_from_its_minimum():
    item = {"type": "scale", "scale_min": 1, "scale_max": 5}
    assert item_score(item, 1) == 0
    assert item_score(item, 4) == Fraction(3, 4)
    assert item_score(item, 5) == 1


def test_choice_scores_its_points_over_the_best_option():
    item = {
        "type": "choice",
        "options": [
            {"key": "none", "points": 0},
            {"key": "some", "points": 1},
            {"key": "great", "points": 4},
        ],
    }
    assert [item_score(item, key) for key in ("none", "some", "great")] == [0, Fraction(1, 4), 1]


def test_number_passes_inside_its_bounds_with_bounds_included():
    item = {"type": "number", "pass_min": 1, "pass_max": 5}
    assert [item_score(item, v) for v in (0.99, 1, 3.5, 5, 5.01)] == [0, 1, 1, 1, 0]
    assert item_score({"type": "number", "pass_max": 5}, -100) == 1
    assert item_score({"type": "number", "pass_min": 2.5}, 2.4) == 0


def test_number_without_bounds_text_and_photo_are_unscored():
    assert item_score({"type": "number"}, 42) is None
    assert item_score({"type": "text"}, "Lovely") is None
    assert item_score({"type": "photo"}, None) is None


def test_a_boolean_is_not_a_number():
    assert item_score({"type": "number", "pass_max": 5}, True) is None
    assert item_score({"type": "scale", "scale_min": 0, "scale_max": 1}, True) is None


# --- sections, weights, N/A, visit ------------------------------------------------------------


def test_section_score_is_the_weighted_mean_of_its_items():
    sections = [section("s", [yes_no("a", weight=1), yes_no("b", weight=3)])]
    result = score_visit(sections, answers(a=True, b=False), 80)
    assert result.sections[0].score == 25
    assert result.score == 25


def test_visit_score_is_the_weighted_mean_of_sections_and_rounds_two_thirds_up():
    sections = [section("s1", [yes_no("a")], weight=2), section("s2", [yes_no("b")], weight=1)]
    result = score_visit(sections, answers(a=True, b=False), 50)
    assert result.score == Fraction(200, 3)
    assert result.rounded == Decimal("66.67")
    assert result.passed is True


def test_na_answers_are_left_out_of_their_section():
    sections = [section("s", [yes_no("a", allow_na=True), yes_no("b"), yes_no("c")])]
    result = score_visit(sections, answers(a="N/A", b=True, c=False), 0)
    assert result.sections[0].score == 50
    assert result.items["a"].score is None


def test_a_section_with_nothing_scored_has_no_score_and_does_not_weigh_on_the_visit():
    sections = [
        section("s1", [yes_no("a")], weight=1),
        section("s2", [{"key": "t", "type": "text", "weight": 5}], weight=100),
    ]
    result = score_visit(sections, answers(a=True, t="fine"), 80)
    assert [s.score for s in result.sections] == [100, None]
    assert result.score == 100


def test_a_visit_with_nothing_scored_has_no_score_and_does_not_pass():
    result = score_visit([section("s", [yes_no("a", allow_na=True)])], answers(a="N/A"), 0)
    assert result.score is None
    assert result.passed is False


def test_a_failed_critical_item_fails_the_visit_whatever_the_score():
    sections = [section("s", [yes_no("ok", weight=99), yes_no("solved", critical=True)])]
    result = score_visit(sections, answers(ok=True, solved=False), 50)
    assert result.score == 99
    assert result.critical_failures == ["solved"]
    assert result.passed is False


def test_a_critical_item_marked_na_does_not_fail():
    sections = [section("s", [yes_no("ok"), yes_no("solved", critical=True, allow_na=True)])]
    result = score_visit(sections, answers(ok=True, solved="N/A"), 50)
    assert result.critical_failures == []
    assert result.passed is True


def test_passing_compares_the_exact_score_with_the_threshold():
    sections = [section("s", [yes_no("a"), yes_no("b"), yes_no("c"), yes_no("d"), yes_no("e")])]
    exactly_80 = score_visit(sections, answers(a=True, b=True, c=True, d=True, e=False), Decimal("80.00"))
    assert exactly_80.score == 80 and exactly_80.passed is True
    below = score_visit(
        [section("s", [{"key": "x", "type": "scale", "scale_min": 0, "scale_max": 100000}])],
        answers(x=79999),
        80,
    )
    assert below.rounded == Decimal("80.00")  # rounds to the threshold for display...
    assert below.passed is False  # ...but the exact 79.999 is below it


def test_scores_round_half_up_not_to_even():
    # 1/800 of the scale is exactly 0.125 points: Python's round() would say 0.12.
    result = score_visit(
        [section("s", [{"key": "x", "type": "scale", "scale_min": 0, "scale_max": 800}])], answers(x=1), 0
    )
    assert result.score == Fraction(1, 8)
    assert result.rounded == Decimal("0.13")
    assert round_half_up(Fraction(1, 8), 2) == Decimal("0.13")
    assert round_half_up(Fraction(5, 2), 0) == Decimal("3")
    assert round_half_up(Fraction(2, 3), 4) == Decimal("0.6667")
    assert round_half_up(Fraction(1, 20000), 4) == Decimal("0.0001")
    assert round_half_up(0.125, 2) == Decimal("0.13")


def test_item_scores_round_to_four_decimals():
    result = score_visit(
        [section("s", [{"key": "x", "type": "scale", "scale_min": 0, "scale_max": 3}])], answers(x=2), 0
    )
    assert result.items["x"].rounded == Decimal("0.6667")


def test_weights_may_be_decimals_and_are_taken_exactly():
    sections = [section("s", [yes_no("a", weight=0.1), yes_no("b", weight=0.2)])]
    result = score_visit(sections, answers(a=True, b=False), 0)
    assert result.score == Fraction(100, 3)


def test_missing_optional_keys_fall_back_to_defaults():
    sections = [{"key": "s", "items": [{"key": "a", "type": "yes_no"}]}]  # no weights, no flags
    assert score_visit(sections, answers(a=True), 80).score == 100


# --- properties --------------------------------------------------------------------------------

weights = st.one_of(st.integers(1, 10), st.fractions(min_value=Fraction(1, 10), max_value=10))


@st.composite
def items(draw, key):
    kind = draw(st.sampled_from(["yes_no", "scale", "choice", "number", "text", "photo"]))
    item = {
        "key": key,
        "type": kind,
        "weight": draw(weights),
        "critical": draw(st.booleans()),
        "allow_na": draw(st.booleans()),
    }
    if kind == "scale":
        low = draw(st.integers(-5, 5))
        item.update(scale_min=low, scale_max=low + draw(st.integers(1, 10)))
    elif kind == "choice":
        points = draw(st.lists(st.integers(0, 10), min_size=1, max_size=5))
        points[0] = max(points[0], 1)
        item["options"] = [{"key": f"o{i}", "points": p} for i, p in enumerate(points)]
    elif kind == "number":
        low = draw(st.one_of(st.none(), st.integers(-10, 10)))
        high = draw(st.one_of(st.none(), st.integers(10, 30)))
        item.update(pass_min=low, pass_max=high)
    return item


@st.composite
def values(draw, item):
    kind = item["type"]
    if kind == "yes_no":
        return draw(st.booleans())
    if kind == "scale":
        return draw(st.integers(item["scale_min"], item["scale_max"]))
    if kind == "choice":
        return draw(st.sampled_from([o["key"] for o in item["options"]]))
    if kind == "number":
        return draw(st.one_of(st.integers(-50, 50), st.floats(-50, 50, allow_nan=False)))
    if kind == "text":
        return draw(st.text(max_size=5))
    return None


@st.composite
def visits(draw):
    """A checklist definition and a complete, valid set of answers for it."""
    count = draw(st.integers(1, 4))
    sections = []
    counter = 0
    for s in range(count):
        section_items = []
        for _ in range(draw(st.integers(1, 5))):
            section_items.append(draw(items(f"i{counter}")))
            counter += 1
        sections.append(section(f"s{s}", section_items, weight=draw(weights)))
    given_answers = {}
    for sec in sections:
        for item in sec["items"]:
            if item["allow_na"] and draw(st.booleans()):
                given_answers[item["key"]] = AnswerInput(na=True)
            else:
                given_answers[item["key"]] = AnswerInput(value=draw(values(item)))
    threshold = draw(st.integers(0, 100))
    return sections, given_answers, threshold


@settings(max_examples=150, deadline=None)
@given(visits())
def test_scores_stay_between_0_and_100(visit):
    sections, given_answers, threshold = visit
    result = score_visit(sections, given_answers, threshold)
    assert result.score is None or 0 <= result.score <= 100
    assert all(s.score is None or 0 <= s.score <= 100 for s in result.sections)
    assert all(i.score is None or 0 <= i.score <= 1 for i in result.items.values())


@settings(max_examples=150, deadline=None)
@given(visits(), st.data())
def test_an_na_answer_leaves_every_other_items_contribution_unchanged(visit, data):
    """Marking an item N/A scores the visit exactly as if the item were not in the checklist."""
    sections, given_answers, threshold = visit
    key = data.draw(st.sampled_from(sorted(given_answers)))
    with_na = dict(given_answers, **{key: AnswerInput(na=True)})
    without = copy.deepcopy(sections)
    for sec in without:
        sec["items"] = [item for item in sec["items"] if item["key"] != key]
    others = {k: v for k, v in given_answers.items() if k != key}

    marked = score_visit(sections, with_na, threshold)
    removed = score_visit(without, others, threshold)
    assert marked.score == removed.score
    assert [s.score for s in marked.sections] == [s.score for s in removed.sections]
    assert {k: v.score for k, v in marked.items.items() if k != key} == {
        k: v.score for k, v in removed.items.items()
    }


@settings(max_examples=150, deadline=None)
@given(visits(), st.fractions(min_value=Fraction(1, 100), max_value=1000))
def test_scaling_every_weight_by_k_changes_nothing(visit, k):
    sections, given_answers, threshold = visit
    scaled = copy.deepcopy(sections)
    for sec in scaled:
        sec["weight"] = Fraction(sec["weight"]) * k
        for item in sec["items"]:
            item["weight"] = Fraction(item["weight"]) * k
    before = score_visit(sections, given_answers, threshold)
    after = score_visit(scaled, given_answers, threshold)
    assert after.score == before.score
    assert [s.score for s in after.sections] == [s.score for s in before.sections]
    assert after.passed == before.passed


@settings(max_examples=150, deadline=None)
@given(visits())
def test_any_critical_item_at_zero_means_not_passed(visit):
    sections, given_answers, threshold = visit
    result = score_visit(sections, given_answers, threshold)
    zero_criticals = [
        item["key"]
        for sec in sections
        for item in sec["items"]
        if item["critical"] and result.items[item["key"]].score == 0
    ]
    assert result.critical_failures == zero_criticals
    if zero_criticals:
        assert result.passed is False
    elif result.score is not None:
        assert result.passed == (result.score >= threshold)


# --- hidden items (show_if) ----------------------------------------------------------------------


def _without(sections, keys):
    out = copy.deepcopy(sections)
    for sec in out:
        sec["items"] = [item for item in sec["items"] if item["key"] not in keys]
    return out


def _never(sections, key):
    """A show_if that is false whatever the answers, reading an earlier item when there is one."""
    keys = [item["key"] for sec in sections for item in sec["items"]]
    earlier = keys[: keys.index(key)]
    if not earlier:
        return {"!": True}
    return {"and": [{"===": [{"var": earlier[0]}, "no such answer"]}, True]}


@settings(max_examples=150, deadline=None)
@given(visits(), st.data())
def test_hiding_an_item_changes_no_other_items_contribution(visit, data):
    """An item hidden by its show_if scores the visit exactly as if it were not in the checklist."""
    sections, given_answers, threshold = visit
    key = data.draw(st.sampled_from(sorted(given_answers)))
    hidden = copy.deepcopy(sections)
    for sec in hidden:
        for item in sec["items"]:
            if item["key"] == key:
                item["show_if"] = _never(sections, key)
    others = {k: v for k, v in given_answers.items() if k != key}

    shown = score_visit(hidden, others, threshold)
    removed = score_visit(_without(sections, {key}), others, threshold)
    assert shown.hidden_items == [key]
    assert shown.items[key].score is None and key not in shown.critical_failures
    assert shown.score == removed.score and shown.passed == removed.passed
    assert [s.score for s in shown.sections] == [s.score for s in removed.sections]
    assert {k: v.score for k, v in shown.items.items() if k != key} == {
        k: v.score for k, v in removed.items.items()
    }


@settings(max_examples=150, deadline=None)
@given(visits(), st.data())
def test_a_visit_whose_hidden_items_carry_answers_is_refused(visit, data):
    sections, given_answers, threshold = visit
    key = data.draw(st.sampled_from(sorted(given_answers)))
    hidden = copy.deepcopy(sections)
    for sec in hidden:
        for item in sec["items"]:
            if item["key"] == key:
                item["show_if"] = _never(sections, key)
    with pytest.raises(HiddenItemAnswered) as refused:
        score_visit(hidden, given_answers, threshold)
    assert refused.value.keys == [key]
    # A re-score of stored answers may drop them instead: exactly as if the item were absent.
    rescored = score_visit(hidden, given_answers, threshold, drop_hidden=True)
    others = {k: v for k, v in given_answers.items() if k != key}
    assert rescored.score == score_visit(_without(sections, {key}), others, threshold).score


@st.composite
def visits_with_logic(draw):
    """A visit whose items carry random show_if over earlier items (answers given to shown ones)."""
    sections, given_answers, threshold = draw(visits())
    keys = [item["key"] for sec in sections for item in sec["items"]]
    logic_sections = copy.deepcopy(sections)
    position = 0
    for sec in logic_sections:
        for item in sec["items"]:
            earlier = keys[:position]
            if earlier and draw(st.booleans()):
                target = draw(st.sampled_from(earlier))
                item["show_if"] = draw(
                    st.sampled_from(
                        [
                            {"var": target},
                            {"!": {"var": target}},
                            {"===": [{"var": target}, None]},
                            {"in": [{"var": target}, [True, 1, "a"]]},
                            {"or": [{"var": target}, {"!": {"var": target}}]},
                        ]
                    )
                )
            position += 1
    return logic_sections, given_answers, threshold


@settings(max_examples=150, deadline=None)
@given(visits_with_logic())
def test_a_visit_scores_like_its_checklist_without_the_hidden_items(visit):
    sections, given_answers, threshold = visit
    result = score_visit(sections, given_answers, threshold, drop_hidden=True)
    hidden = set(result.hidden_items)
    kept = {k: v for k, v in given_answers.items() if k not in hidden}
    plain = _without(sections, hidden)
    for sec in plain:
        for item in sec["items"]:
            item.pop("show_if", None)
    expected = score_visit(plain, kept, threshold)
    assert result.score == expected.score and result.passed == expected.passed
    assert result.critical_failures == expected.critical_failures
    assert result.unanswered_items == expected.unanswered_items == []


def test_a_rescore_that_reveals_an_item_lists_it_as_unanswered():
    sections = [
        section(
            "greeting",
            [
                yes_no("greeted"),
                {**yes_no("acknowledged"), "show_if": {"!": {"var": "greeted"}}},
                yes_no("smiled"),
            ],
        )
    ]
    # Submitted with greeted = true: the follow-up was hidden and had no answer.
    first = score_visit(sections, answers(greeted=True, smiled=True), 80)
    assert (first.hidden_items, first.unanswered_items, first.score) == (["acknowledged"], [], Decimal(100))
    # A dispute flips greeted to false: the follow-up shows, has no answer, and is left out.
    again = score_visit(sections, answers(greeted=False, smiled=True), 80, drop_hidden=True)
    assert again.hidden_items == [] and again.unanswered_items == ["acknowledged"]
    assert again.items["acknowledged"].score is None
    assert again.score == 50
