"""A visit whose JSON answer holds a NUL or a lone surrogate is a 400 naming the answer.

Before: PostgreSQL refused the NUL in ``jsonb`` (a 500) while SQLite stored it.
"""

import json

import pytest

from tests.audits.conftest import visit_body


@pytest.mark.parametrize(
    "value,code", [("a\x00b", "null_characters_not_allowed"), ("\ud83d", "surrogate_characters_not_allowed")]
)
def test_a_visit_answer_that_cannot_be_stored_is_a_400(client_for, auditor, assignment, value, code):
    body = visit_body(assignment)
    text_answer = next(i for i, a in enumerate(body["answers"]) if isinstance(a.get("value"), str))
    body["answers"][text_answer]["value"] = value

    response = client_for(auditor).generic(
        "POST", "/api/v1/visits/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400, response.content
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [
        (code, f"answers.{text_answer}.value")
    ]
