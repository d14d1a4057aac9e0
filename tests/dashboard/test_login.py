"""Session login with the existing accounts: Django's auth views, CSRF, throttled like the token endpoint."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def person(org, region):
    user = UserFactory(organization=org, role="manager", username="mona", regions=[region])
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def auth_rate(settings):
    """THROTTLE_AUTH at 5 guesses a day (a day-long window: no boundary inside a test), from zero."""
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "5/day"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield
    cache.clear()


def _login(client, username="mona", password=PASSWORD, **extra):
    return client.post("/dashboard/login/", {"username": username, "password": password, **extra})


def test_the_login_form_signs_people_in_and_sends_them_where_they_work(person):
    client = Client(enforce_csrf_checks=True)
    form = client.get("/dashboard/login/")
    token = form.cookies["csrftoken"].value
    response = _login(client, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/")["Location"] == "/dashboard/overview/"
    assert client.get("/dashboard/overview/").status_code == 200


def test_login_goes_back_to_the_page_asked_for(person):
    client = Client()
    response = _login(client, next="/dashboard/locations/?window=28")
    assert response["Location"] == "/dashboard/locations/?window=28"
    assert _login(Client(), next="https://evil.example/")["Location"] == "/dashboard/"


def test_usernames_match_as_the_api_matches_them(person):
    assert _login(Client(), username="MONA").status_code == 302


def test_a_wrong_password_shows_the_form_again_with_a_message(person):
    response = _login(Client(), password="nope")
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode().lower()


def test_inactive_people_cannot_sign_in_and_lose_their_session(person):
    client = Client()
    assert _login(client).status_code == 302
    person.is_active = False
    person.save()
    assert client.get("/dashboard/overview/").status_code == 302  # back to the login page
    assert _login(Client()).status_code == 200


def test_a_password_change_ends_existing_sessions(person):
    client = Client()
    _login(client)
    person.set_password("another-long-passphrase")
    person.save()
    assert client.get("/dashboard/overview/")["Location"].startswith("/dashboard/login/")


def test_the_login_form_refuses_a_post_without_its_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    response = _login(client)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_logout_is_a_post_that_ends_the_session(person):
    client = Client()
    _login(client)
    assert client.get("/dashboard/logout/").status_code == 405
    response = client.post("/dashboard/logout/")
    assert response["Location"] == "/dashboard/login/"
    assert client.get("/dashboard/overview/").status_code == 302


def test_login_guesses_are_throttled_per_address_like_the_token_endpoint(auth_rate, person):
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    answered = [_login(guesser, password=f"wrong-{n}").status_code for n in range(5)]
    throttled = _login(guesser)  # even the right password is not looked at now

    assert answered == [200] * 5
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 24 * 3600
    assert "Too many login attempts" in throttled.content.decode()
    # The token endpoint draws on the same budget for that address...
    api = guesser.post(
        "/api/v1/auth/token/", {"username": "mona", "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 429
    # ...showing the form is free, and another address has its own budget.
    assert guesser.get("/dashboard/login/").status_code == 200
    assert _login(Client(REMOTE_ADDR="198.51.100.8")).status_code == 302


def test_guesses_at_the_token_endpoint_count_against_the_login_form(auth_rate, person):
    guesser = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(5):
        guesser.post(
            "/api/v1/auth/token/", {"username": "mona", "password": f"x{n}"}, content_type="application/json"
        )
    assert _login(guesser).status_code == 429


def test_production_sends_the_session_and_csrf_cookies_over_https_only():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "test-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.LOGIN_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True", "dashboard:login"]
