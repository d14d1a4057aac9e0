"""Logging in, refreshing, expiry, deactivation and throttling of the token endpoints."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
PASSWORD = "correct-horse-battery"  # the factories' password


def login(client, username, password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def issued_at(monkeypatch):
    """``issued_at(moment)``: tokens minted from now on think it is ``moment``."""

    def shift(moment):
        monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", lambda: moment)

    return shift


def test_login_returns_tokens_that_open_the_api(anon, admin):
    response = login(anon, "alice")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = bearer(response.json()["access"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_wrong_password_is_a_401_in_the_error_shape(anon, admin):
    response = login(anon, "alice", "not-the-password")

    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "no_active_account"
    assert body["errors"][0]["attr"] is None


def test_inactive_user_cannot_log_in(anon, admin):
    UserFactory(organization=admin.organization, username="gone", is_active=False)

    assert login(anon, "gone").status_code == 401


def test_deactivated_user_loses_access_and_refresh_at_once(anon, admin, org):
    bob = UserFactory(organization=org, username="bob")
    tokens = login(anon, "bob").json()
    bob.is_active = False
    bob.save()

    assert bearer(tokens["access"]).get("/api/v1/me/").status_code == 401
    refreshed = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401


def test_refresh_gives_a_new_working_access_token(anon, admin):
    refresh = login(anon, "alice").json()["refresh"]

    response = anon.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 200
    assert bearer(response.json()["access"]).get("/api/v1/me/").status_code == 200


def test_expired_access_token_is_refused_but_refresh_still_works(anon, admin, issued_at):
    issued_at(timezone.now() - dt.timedelta(minutes=16))  # access tokens live 15 minutes
    tokens = login(anon, "alice").json()
    issued_at(timezone.now())

    expired = bearer(tokens["access"]).get("/api/v1/me/")
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["code"] == "token_not_valid"
    refreshed = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert bearer(refreshed.json()["access"]).get("/api/v1/me/").status_code == 200


def test_expired_refresh_token_is_refused(anon, admin, issued_at):
    issued_at(timezone.now() - dt.timedelta(days=8))  # refresh tokens live 7 days
    refresh = login(anon, "alice").json()["refresh"]
    issued_at(timezone.now())

    response = anon.post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json()["errors"] == [
        {"code": "token_not_valid", "detail": "Token is expired", "attr": None}
    ]


def test_an_access_token_is_no_refresh_token(anon, admin):
    access = login(anon, "alice").json()["access"]

    assert anon.post(REFRESH, {"refresh": access}, format="json").status_code == 401


def test_refresh_of_a_deleted_user_is_a_401_not_a_crash(anon, org):
    ghost = UserFactory(organization=org, username="ghost")
    refresh = login(anon, "ghost").json()["refresh"]
    ghost.delete()

    assert anon.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


def test_garbage_bearer_token_is_a_401_naming_the_scheme(anon):
    response = bearer("not-a-jwt").get("/api/v1/me/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_token_body_with_unknown_field_or_missing_password_is_a_400(anon, admin):
    unknown = anon.post(TOKEN, {"username": "alice", "password": PASSWORD, "otp": "1"}, format="json")
    missing = anon.post(TOKEN, {"username": "alice"}, format="json")

    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "otp"
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "password"


@pytest.mark.parametrize("path", [TOKEN, REFRESH])
def test_token_endpoints_are_throttled_with_retry_after(anon, admin, settings, path):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/day"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [
            anon.post(path, {"refresh": "x"} if path == REFRESH else {}, format="json").status_code
            for _ in range(3)
        ]
        throttled = anon.post(path, {}, format="json")
    cache.clear()

    assert 429 not in statuses
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 24 * 3600  # a fixed day-long window
    assert throttled.json()["type"] == "client_error"
    assert throttled.json()["errors"][0]["code"] == "throttled"


def test_token_responses_carry_exactly_the_documented_fields(anon, admin):
    tokens = login(anon, "alice").json()
    refreshed = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()

    assert set(tokens) == {"access", "refresh"}
    assert set(refreshed) == {"access", "refresh"}  # refresh tokens rotate
