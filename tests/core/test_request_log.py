"""The request log: one structured line per request, never a secret."""

import json
import logging

import pytest

from core.logging import JsonFormatter

PASSWORD = "correct-horse-battery"


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="request")

    def lines():
        return [JsonFormatter().format(r) for r in caplog.records if r.name == "request"]

    return lines


def test_each_request_logs_method_path_status_duration_and_organization(admin, client_for, org, request_log):
    client_for(admin).get("/api/v1/locations/?search=centraal")

    (line,) = request_log()
    entry = json.loads(line)
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/locations/"  # never the query string
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert entry["organization_id"] == org.pk
    assert "centraal" not in line


def test_api_key_requests_log_the_organization(org, key_client_for, request_log):
    key_client_for(org, ["read"]).get("/api/v1/regions/")

    assert json.loads(request_log()[0])["organization_id"] == org.pk


def test_passwords_tokens_and_keys_never_reach_the_log(anon, admin, org, admin_key, request_log, client_for):
    raw_key = admin_key
    tokens = anon.post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    ).json()
    anon.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    anon.get("/api/v1/me/")
    anon.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    anon.get("/api/v1/me/")
    client_for(admin).post(
        "/api/v1/users/",
        {"username": "newbie", "password": "another-secret-pw", "role": "auditor"},
        format="json",
    )

    logged = "\n".join(request_log())
    assert len(request_log()) == 5
    for secret in [
        PASSWORD,
        "another-secret-pw",
        tokens["access"],
        tokens["refresh"],
        raw_key,
        "Bearer",
        "Api-Key",
    ]:
        assert secret not in logged


def test_failed_requests_are_logged_with_their_status(anon, request_log):
    anon.get("/api/v1/users/")

    entry = json.loads(request_log()[0])
    assert entry["status"] == 401
    assert entry["organization_id"] is None


@pytest.fixture
def admin_key(org, make_api_key):
    return make_api_key(org)[1]
