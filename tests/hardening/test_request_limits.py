"""Oversized and malformed bodies get clear 4xx answers in the error shape, never a 500."""

import json

import pytest


def test_a_json_body_over_the_limit_is_413(client_for, auditor, settings):
    body = json.dumps({"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client_for(auditor).post("/api/v1/visits/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


@pytest.mark.parametrize(
    "raw",
    [
        "\x00\x01{",
        "[" * 100_000 + "]" * 100_000,
        '{"id": 1e999999}',
        '{"notes": "\\u0000"}',
        '{"answers": [{"item": "a", "value": 123456789012345678901234567890}]}',
        '{"started_at": "\\ud800"}',
    ],
    ids=["binary", "deep-nesting", "huge-exponent", "nul-char", "huge-int", "lone-surrogate"],
)
def test_hostile_json_is_a_4xx_in_the_error_shape(client_for, auditor, raw):
    response = client_for(auditor).post("/api/v1/visits/", raw, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.json()["type"] in ("validation_error", "client_error")
