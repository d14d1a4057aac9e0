"""Test settings: fast hashing, a throwaway MEDIA_ROOT, the immediate task backend."""

import tempfile

from .base import *  # noqa: F401,F403
from .base import REST_FRAMEWORK, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="audit-test-media-")
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.dummy.DummyBackend")}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "auth": "1000/min",
        "auditor": "100000/min",
        "staff": "100000/min",
        "api_key": "100000/min",
        "anon": "100000/min",
        "admin": "100000/min",
        "manager": "100000/min",
    },
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Several suites may share one PostgreSQL server: TEST_DB_NAME keeps their databases apart.
if env("TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DB_NAME")}  # noqa: F405

# A second alias for the replica routing tests: the same test database (a mirror), reads routed there
# only where a test turns REPLICA_READS on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
