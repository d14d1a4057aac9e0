"""Redis for tests that need a cache shared by processes: 127.0.0.1:6379 unless TEST_REDIS_URL says.

Where no Redis answers, such tests skip loudly on a developer's machine and fail under CI (CI=true).
"""

import os
import uuid

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} does not answer ({exc}); this test needs a shared cache."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    return REDIS_URL


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


def drop_prefix(prefix: str) -> None:

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
