"""Throttles per role and per API key: each caller has its own bucket, and 429 says when to retry."""

import pytest
from django.core.cache import cache
from django.test import override_settings


@pytest.fixture
def tight_rates(settings):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auditor": "3/day", "api_key": "2/day"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield
    cache.clear()


def test_an_auditor_past_their_rate_gets_429_with_retry_after(tight_rates, client_for, auditor, admin):
    client = client_for(auditor)
    statuses = [client.get("/api/v1/me/").status_code for _ in range(3)]
    throttled = client.get("/api/v1/me/")

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 24 * 3600  # windows are fixed: a day, so no run straddles one
    assert throttled.json()["errors"][0]["code"] == "throttled"
    # Admins have their own (higher) rate, and another person's bucket is untouched.
    assert client_for(admin).get("/api/v1/me/").status_code == 200


def test_each_api_key_has_its_own_bucket(tight_rates, org, key_client_for):
    first, second = key_client_for(org), key_client_for(org)
    assert [first.get("/api/v1/locations/").status_code for _ in range(2)] == [200, 200]
    throttled = first.get("/api/v1/locations/")

    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert second.get("/api/v1/locations/").status_code == 200
