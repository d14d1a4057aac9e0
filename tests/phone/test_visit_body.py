"""The phone app's pure helpers, run in Node.js on the very modules the browser loads.

What the app sends is what the contract asks: shown items only (a hidden one would be a 400
``hidden_item``), no value for photo items, ``null`` for N/A; the server's errors land on the item
their ``attr`` names; photos shrink to at most 1600 px, never grow. Skipped loudly without Node.js
(failed under ``CI=true``).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browsers import in_ci

RUNNER = Path(__file__).resolve().parent / "run_app_units.mjs"

TREE = {
    "sections": [
        {
            "key": "door",
            "items": [
                {"key": "storefront", "type": "photo", "photo": {"min": 1, "max": 3}},
                {"key": "greeted", "type": "yes_no"},
                {"key": "acknowledged", "type": "yes_no", "show_if": {"===": [{"var": "greeted"}, False]}},
                {"key": "warmth", "type": "scale", "scale_min": 1, "scale_max": 5, "allow_na": True},
            ],
        },
        {
            "key": "till",
            "show_if": {"!==": [{"var": "warmth"}, None]},
            "items": [{"key": "wait", "type": "number"}, {"key": "story", "type": "text"}],
        },
    ]
}


def run(draft: dict, errors: list | None = None, sizes: list | None = None) -> dict:
    node = shutil.which("node")
    if node is None:
        if in_ci():
            pytest.fail("Node.js is required in CI to run the phone app's helpers.")
        pytest.skip("SKIPPED LOUDLY: Node.js is not installed, so the phone app's helpers were not run.")
    payload = {"tree": TREE, "draft": draft, "errors": errors or [], "sizes": sizes or []}
    completed = subprocess.run(
        [node, str(RUNNER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def draft(**answers) -> dict:
    return {
        "id": "6f1c0d3e-0000-4000-8000-000000000001",
        "assignment": 41,
        "location": 7,
        "checklist": 3,
        "checklist_version": 2,
        "started_at": "2026-11-20T10:02:00+01:00",
        "ended_at": "2026-11-20T10:19:00+01:00",
        "position": {"latitude": 52.37, "longitude": 4.89, "accuracy_m": 12},
        "answers": answers,
        "notes": "",
        "photos": [],
    }


def test_the_body_holds_shown_items_only_and_no_photo_values():
    out = run(
        draft(
            greeted={"value": True, "na": False, "comment": ""},
            acknowledged={"value": True, "na": False, "comment": "answered, then hidden"},
            warmth={"value": 4, "na": False, "comment": "Smiled."},
            wait={"value": 3, "na": False},
            story={"value": "Fine.", "na": False},
        )
    )
    assert [a["item"] for a in out["body"]["answers"]] == ["greeted", "warmth", "wait", "story"]
    assert out["body"]["answers"][1] == {"item": "warmth", "value": 4, "na": False, "comment": "Smiled."}
    assert out["body"]["assignment"] == 41
    assert out["body"]["position"]["accuracy_m"] == 12
    assert out["body"]["kind"] == "mystery"
    assert out["unanswered"] == []


def test_n_a_sends_null_and_closes_the_branch_that_reads_it():
    out = run(draft(greeted={"value": False, "na": False}, warmth={"value": 5, "na": True}))
    assert out["body"]["answers"] == [
        {"item": "greeted", "value": False, "na": False, "comment": ""},
        {"item": "acknowledged", "value": None, "na": False, "comment": ""},
        {"item": "warmth", "value": None, "na": True, "comment": ""},
    ]
    assert out["unanswered"] == ["acknowledged"]  # shown (greeted: no), not answered yet


def test_the_server_s_errors_land_on_the_item_their_path_names():
    errors = [
        {"code": "max_length", "detail": "At most 2000 characters.", "attr": "answers.1.comment"},
        {"code": "in_future", "detail": "started_at is in the future.", "attr": "started_at"},
        {"code": "id_taken", "detail": "Taken.", "attr": None},
    ]
    out = run(draft(greeted={"value": True, "na": False}, warmth={"value": 2, "na": False}), errors)
    assert out["errors"] == {
        "warmth": ["At most 2000 characters."],
        "visit": ["started_at: started_at is in the future.", "Taken."],
    }


def test_photos_shrink_to_1600_px_and_never_grow():
    out = run(draft(), sizes=[[4032, 3024], [3024, 4032], [1600, 900], [640, 480], [8000, 10]])
    assert out["sizes"] == [
        {"width": 1600, "height": 1200},
        {"width": 1200, "height": 1600},
        {"width": 1600, "height": 900},
        {"width": 640, "height": 480},
        {"width": 1600, "height": 2},
    ]
