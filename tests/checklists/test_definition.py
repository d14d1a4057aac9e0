"""The pure definition module: every rule names the path of the mistake; normalization fills defaults."""

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.definition import (
    CHANNELS,
    ITEM_TYPES,
    definition_problems,
    is_scored,
    items_by_key,
    normalize_sections,
    validate_definition,
    version_etag,
)
from checklists.models import Channel

from .conftest import DEFINITION

# Field names the fuzzer draws from, so that it reaches deep into sections and items.
KEYS = [
    "key",
    "title",
    "weight",
    "items",
    "prompt",
    "type",
    "critical",
    "allow_na",
    "photo",
    "min",
    "max",
    "scale_min",
    "scale_max",
    "options",
    "label",
    "points",
    "pass_min",
    "pass_max",
    "source",
    "help_text",
]


def problems_of(mutate=None, **override):
    body = copy.deepcopy(DEFINITION)
    if mutate:
        mutate(body)
    body.update(override)
    kwargs = {k: body[k] for k in ("sections", "pass_threshold", "channel") if k in body}
    return {(p.path, p.code) for p in definition_problems(**kwargs)}


def item(body, s, i):
    return body["sections"][s]["items"][i]


def test_the_reference_definition_is_valid():
    assert problems_of() == set()


# (what is wrong, how to break it, the path and code the editor must highlight)
CASES = [
    (
        "duplicate section key",
        lambda b: b["sections"][1].update(key="greeting"),
        "sections.1.key",
        "duplicate_key",
    ),
    (
        "item key reused in another section",
        lambda b: item(b, 1, 0).update(key="greeted_within_30s"),
        "sections.1.items.0.key",
        "duplicate_key",
    ),
    (
        "key with a space",
        lambda b: item(b, 0, 1).update(key="warm welcome"),
        "sections.0.items.1.key",
        "invalid_key",
    ),
    ("key not a string", lambda b: b["sections"][0].update(key=7), "sections.0.key", "invalid_key"),
    ("key too long", lambda b: item(b, 0, 0).update(key="k" * 65), "sections.0.items.0.key", "invalid_key"),
    ("item without key", lambda b: item(b, 0, 0).pop("key"), "sections.0.items.0.key", "required"),
    (
        "zero item weight",
        lambda b: item(b, 0, 0).update(weight=0),
        "sections.0.items.0.weight",
        "invalid_weight",
    ),
    (
        "negative section weight",
        lambda b: b["sections"][0].update(weight=-1),
        "sections.0.weight",
        "invalid_weight",
    ),
    (
        "boolean weight",
        lambda b: item(b, 0, 0).update(weight=True),
        "sections.0.items.0.weight",
        "invalid_weight",
    ),
    (
        "string weight",
        lambda b: item(b, 0, 0).update(weight="2"),
        "sections.0.items.0.weight",
        "invalid_weight",
    ),
    (
        "scale_min equal to scale_max",
        lambda b: item(b, 0, 1).update(scale_min=5),
        "sections.0.items.1.scale_max",
        "min_not_below_max",
    ),
    (
        "scale bound not an integer",
        lambda b: item(b, 0, 1).update(scale_max=4.5),
        "sections.0.items.1.scale_max",
        "invalid_integer",
    ),
    (
        "scale without scale_min",
        lambda b: item(b, 0, 1).pop("scale_min"),
        "sections.0.items.1.scale_min",
        "required",
    ),
    (
        "choice without options",
        lambda b: item(b, 1, 1).pop("options"),
        "sections.1.items.1.options",
        "required",
    ),
    (
        "choice with no options",
        lambda b: item(b, 1, 1).update(options=[]),
        "sections.1.items.1.options",
        "too_few_options",
    ),
    (
        "duplicate option key",
        lambda b: item(b, 1, 1)["options"][1].update(key="none"),
        "sections.1.items.1.options.1.key",
        "duplicate_key",
    ),
    (
        "option points not a number",
        lambda b: item(b, 1, 1)["options"][0].update(points="2"),
        "sections.1.items.1.options.0.points",
        "invalid_points",
    ),
    (
        "negative option points",
        lambda b: item(b, 1, 1)["options"][1].update(points=-1),
        "sections.1.items.1.options.1.points",
        "invalid_points",
    ),
    (
        "no option worth anything",
        lambda b: item(b, 1, 1)["options"][0].update(points=0),
        "sections.1.items.1.options",
        "no_positive_points",
    ),
    (
        "option without label",
        lambda b: item(b, 1, 1)["options"][0].pop("label"),
        "sections.1.items.1.options.0.label",
        "required",
    ),
    (
        "pass_min above pass_max",
        lambda b: item(b, 1, 2).update(pass_min=10),
        "sections.1.items.2.pass_min",
        "min_above_max",
    ),
    (
        "pass bound not a number",
        lambda b: item(b, 1, 2).update(pass_max="5"),
        "sections.1.items.2.pass_max",
        "invalid_number",
    ),
    (
        "photo.min above photo.max",
        lambda b: item(b, 0, 0).update(photo={"min": 4, "max": 2}),
        "sections.0.items.0.photo.min",
        "min_above_max",
    ),
    (
        "photo.max below the default min of a photo item",
        lambda b: item(b, 1, 4).update(photo={"max": 0}),
        "sections.1.items.4.photo.min",
        "min_above_max",
    ),
    (
        "negative photo count",
        lambda b: item(b, 0, 0).update(photo={"min": -1, "max": 2}),
        "sections.0.items.0.photo.min",
        "invalid_photo_count",
    ),
    (
        "fractional photo count",
        lambda b: item(b, 0, 0).update(photo={"min": 0, "max": 2.5}),
        "sections.0.items.0.photo.max",
        "invalid_photo_count",
    ),
    (
        "photo not an object",
        lambda b: item(b, 0, 0).update(photo=3),
        "sections.0.items.0.photo",
        "not_an_object",
    ),
    (
        "unknown item type",
        lambda b: item(b, 0, 0).update(type="stars"),
        "sections.0.items.0.type",
        "invalid_choice",
    ),
    ("item without type", lambda b: item(b, 0, 0).pop("type"), "sections.0.items.0.type", "required"),
    ("item without prompt", lambda b: item(b, 0, 0).pop("prompt"), "sections.0.items.0.prompt", "required"),
    ("blank prompt", lambda b: item(b, 0, 0).update(prompt="   "), "sections.0.items.0.prompt", "invalid"),
    ("section without title", lambda b: b["sections"][0].pop("title"), "sections.0.title", "required"),
    ("section without items", lambda b: b["sections"][0].update(items=[]), "sections.0.items", "empty"),
    ("items not a list", lambda b: b["sections"][0].update(items={"a": 1}), "sections.0.items", "not_a_list"),
    (
        "item not an object",
        lambda b: b["sections"][0]["items"].append("oops"),
        "sections.0.items.2",
        "not_an_object",
    ),
    (
        "critical not a boolean",
        lambda b: item(b, 0, 0).update(critical="yes"),
        "sections.0.items.0.critical",
        "invalid_boolean",
    ),
    (
        "allow_na not a boolean",
        lambda b: item(b, 0, 0).update(allow_na=1),
        "sections.0.items.0.allow_na",
        "invalid_boolean",
    ),
    (
        "critical text item",
        lambda b: item(b, 1, 3).update(critical=True),
        "sections.1.items.3.critical",
        "unscored_critical",
    ),
    (
        "critical number item without bounds",
        lambda b: item(b, 1, 2).update(critical=True, pass_max=None),
        "sections.1.items.2.critical",
        "unscored_critical",
    ),
    (
        "unknown item field",
        lambda b: item(b, 0, 0).update(colour="red"),
        "sections.0.items.0.colour",
        "unknown_field",
    ),
    (
        "type field on the wrong type",
        lambda b: item(b, 0, 0).update(scale_max=5),
        "sections.0.items.0.scale_max",
        "unknown_field",
    ),
    (
        "unknown section field",
        lambda b: b["sections"][0].update(colour="red"),
        "sections.0.colour",
        "unknown_field",
    ),
    ("source not a string", lambda b: item(b, 0, 0).update(source=3), "sections.0.items.0.source", "invalid"),
    (
        "help_text too long",
        lambda b: item(b, 0, 0).update(help_text="x" * 2001),
        "sections.0.items.0.help_text",
        "max_length",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_at_its_path(mutate, path, code):
    assert (path, code) in problems_of(mutate)


@pytest.mark.parametrize(
    ("override", "path", "code"),
    [
        ({"sections": []}, "sections", "empty"),
        ({"sections": {"key": "a"}}, "sections", "not_a_list"),
        ({"sections": ["x"]}, "sections.0", "not_an_object"),
        ({"channel": "fax"}, "channel", "invalid_choice"),
        ({"pass_threshold": 100.5}, "pass_threshold", "out_of_range"),
        ({"pass_threshold": -1}, "pass_threshold", "out_of_range"),
        ({"pass_threshold": True}, "pass_threshold", "invalid"),
        ({"pass_threshold": "80"}, "pass_threshold", "invalid"),
        ({"pass_threshold": float("nan")}, "pass_threshold", "invalid"),
        ({"pass_threshold": 80.123}, "pass_threshold", "max_decimal_places"),
    ],
)
def test_top_level_mistakes_are_reported(override, path, code):
    assert (path, code) in problems_of(**override)


def test_missing_sections_and_threshold_are_required():
    found = {(p.path, p.code) for p in definition_problems()}
    assert found == {("sections", "required"), ("pass_threshold", "required")}


def test_every_mistake_is_reported_at_once():
    def break_many(body):
        body["sections"][1]["key"] = "greeting"
        item(body, 0, 1)["scale_min"] = 9
        item(body, 1, 1)["options"][1]["key"] = "none"
        item(body, 1, 2)["pass_min"] = 10
        item(body, 0, 0)["weight"] = 0

    found = problems_of(break_many, pass_threshold=101)
    assert {path for path, _ in found} == {
        "sections.1.key",
        "sections.0.items.1.scale_max",
        "sections.1.items.1.options.1.key",
        "sections.1.items.2.pass_min",
        "sections.0.items.0.weight",
        "pass_threshold",
    }


def test_validate_definition_raises_with_paths():
    body = copy.deepcopy(DEFINITION)
    item(body, 0, 1)["scale_max"] = 1
    with pytest.raises(ValidationError) as caught:
        validate_definition(sections=body["sections"], pass_threshold=80)
    assert set(caught.value.message_dict) == {"sections.0.items.1.scale_max"}


def test_whole_floats_count_as_integers_for_scales_and_photos():
    def floats(body):
        item(body, 0, 1).update(scale_min=1.0, scale_max=5.0)
        item(body, 0, 0)["photo"] = {"min": 0.0, "max": 2.0}

    assert problems_of(floats) == set()


# --- normalization --------------------------------------------------------------------------------


def test_normalization_fills_every_default():
    sections = normalize_sections(DEFINITION["sections"])
    yes_no, scale = sections[0]["items"]
    assert yes_no == {
        "key": "greeted_within_30s",
        "prompt": "Greeted within 30 seconds?",
        "help_text": "",
        "type": "yes_no",
        "weight": 1,
        "critical": False,
        "allow_na": False,
        "source": "",
        "photo": {"min": 0, "max": 3},
    }
    assert (scale["scale_min"], scale["scale_max"]) == (1, 5)
    assert sections[1]["weight"] == 1
    by_key = items_by_key(sections)
    assert by_key["minutes_waited"][1]["pass_min"] is None
    assert by_key["minutes_waited"][1]["pass_max"] == 5
    assert by_key["storefront"][1]["photo"] == {"min": 1, "max": 5}
    assert by_key["transfers"][1]["options"][0] == {"key": "none", "label": "No", "points": 2}


def test_normalization_is_idempotent_and_leaves_its_input_alone():
    original = copy.deepcopy(DEFINITION["sections"])
    once = normalize_sections(original)
    assert normalize_sections(once) == once
    assert original == DEFINITION["sections"]


def test_normalization_keeps_explicit_values():
    sections = normalize_sections(
        [
            {
                "key": "s",
                "title": "S",
                "weight": 2.5,
                "items": [
                    {
                        "key": "i",
                        "prompt": "P",
                        "type": "yes_no",
                        "weight": 3.0,
                        "critical": True,
                        "photo": {"min": 2, "max": 2},
                    }
                ],
            }
        ]
    )
    stored = sections[0]["items"][0]
    assert sections[0]["weight"] == 2.5
    assert stored["weight"] == 3 and isinstance(stored["weight"], int)
    assert stored["critical"] is True
    assert stored["photo"] == {"min": 2, "max": 2}


def test_items_by_key_maps_each_item_to_its_section_in_definition_order():
    sections = normalize_sections(DEFINITION["sections"])
    by_key = items_by_key(sections)
    assert list(by_key) == [
        "greeted_within_30s",
        "welcome_warmth",
        "problem_solved",
        "transfers",
        "minutes_waited",
        "remarks",
        "storefront",
    ]
    section, found = by_key["transfers"]
    assert section["key"] == "resolution" and found["type"] == "choice"


def test_is_scored_follows_the_contract():
    by_key = items_by_key(normalize_sections(DEFINITION["sections"]))
    scored = {key for key, (_, found) in by_key.items() if is_scored(found)}
    assert scored == {"greeted_within_30s", "welcome_warmth", "problem_solved", "transfers", "minutes_waited"}
    assert not is_scored({"type": "number", "pass_min": None, "pass_max": None})


def test_etag_changes_with_content_and_not_with_key_order():
    sections = normalize_sections(DEFINITION["sections"])
    etag = version_etag(checklist_id=1, number=1, pass_threshold=Decimal("80"), sections=sections)
    reordered = [dict(reversed(list(s.items()))) for s in sections]
    assert version_etag(checklist_id=1, number=1, pass_threshold=Decimal("80.00"), sections=reordered) == etag
    assert version_etag(checklist_id=1, number=1, pass_threshold=Decimal("81"), sections=sections) != etag
    assert version_etag(checklist_id=1, number=2, pass_threshold=Decimal("80"), sections=sections) != etag
    assert len(etag) == 64


# --- no input crashes the validator (a 500 would be a bug) -------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(ITEM_TYPES),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(sections=json_values, threshold=json_values)
def test_any_json_gets_problems_or_passes_never_an_exception(sections, threshold):
    problems = definition_problems(sections=sections, pass_threshold=threshold)
    assert all(p.path for p in problems)
    if not problems:
        normalize_sections(sections)


def test_the_pure_module_knows_the_models_channels():

    assert CHANNELS == tuple(Channel.values)
