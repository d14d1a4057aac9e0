"""Schema-driven fuzzing: schemathesis against the app in-process (WSGI), as every role.

Every operation in ``openapi/schema.yaml`` is exercised with positive and negative data and all
default checks (no server error, documented status codes and content types, response bodies
matching their schema, negative data rejected, auth not ignored). The CI budget is
``FUZZ_EXAMPLES`` per operation (default 100, split across the roles); the nightly-style run in the
README raises it.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .dataset import build_dataset

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi" / "schema.yaml"
ROLES = ("admin", "manager", "auditor", "staff", "api_key")
EXAMPLES_PER_ROLE = max(1, int(os.environ.get("FUZZ_EXAMPLES", "100")) // len(ROLES))

schema = schemathesis.openapi.from_path(str(SCHEMA_PATH))
schema.app = get_wsgi_application()


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end.

    Requests go through the real WSGI handler, whose request signals would close the connection
    (and with it this transaction); Django's own test client unhooks them the same way.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_dataset()
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_ROLE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
)
def test_api_conforms_to_schema(case, role, dataset, db):
    # Schema-valid data may still break a business rule (an id of nothing, a visit that does not
    # fit its checklist): a 400 for it is right, so positive-data acceptance is not demanded.
    case.call_and_validate(
        headers={"Authorization": dataset.auth_header(role)}, excluded_checks=[positive_data_acceptance]
    )
