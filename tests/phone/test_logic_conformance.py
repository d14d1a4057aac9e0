"""The phone app's show_if evaluator runs the server's conformance cases (checklists/logic_cases.json).

``tests/phone/run_app_cases.mjs`` loads the app's own module (``phone/static/phone/logic.mjs``) over
its vendored json-logic-js in Node.js, exactly the files the browser runs, and every case must give
the file's expected result and the server evaluator's. Without Node.js the test is skipped loudly
(failed under ``CI=true``), like the json-logic-js leg of ``tests/checklists/test_logic.py``.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browsers import in_ci
from tests.checklists.test_logic import CASES, CASES_FILE, expected_outcome, same, server_outcome

RUNNER = Path(__file__).resolve().parent / "run_app_cases.mjs"


def test_the_app_and_the_server_agree_on_every_conformance_case():
    node = shutil.which("node")
    if node is None:
        if in_ci():
            pytest.fail("Node.js is required in CI to run the conformance cases through the phone app.")
        pytest.skip("SKIPPED LOUDLY: Node.js is not installed, so the phone app's evaluator was not checked.")
    completed = subprocess.run(
        [node, str(RUNNER), str(CASES_FILE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert len(results) == len(CASES) >= 280
    differences = [
        (case["name"], expected_outcome(case), server_outcome(case), app)
        for case, app in zip(CASES, results, strict=True)
        if not (same(app, expected_outcome(case)) and same(app, server_outcome(case)))
    ]
    assert differences == []
