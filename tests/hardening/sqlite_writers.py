"""Run as a script: N parallel self-assessments through the API against a file SQLite database.

Usage: ``python -m tests.hardening.sqlite_writers DB_PATH WRITERS``. Prints one JSON line, a count of
the HTTP statuses answered. Used by ``test_sqlite_concurrency.py`` in a subprocess of its own, so the
database is a real file shared by real connections (pytest's SQLite test database is in memory).
"""

import json
import os
import sys
import threading


def main(db_path: str, writers: int) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("TEST_DB_NAME", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)

    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Role
    from tests.audits.conftest import FULL_SECTIONS, self_assessment_body
    from tests.factories import (
        ChecklistFactory,
        LocationFactory,
        OrganizationFactory,
        RegionFactory,
        UserFactory,
    )

    org = OrganizationFactory()
    location = LocationFactory(region=RegionFactory(organization=org))
    checklist = ChecklistFactory(organization=org, sections=FULL_SECTIONS)
    staff = [
        UserFactory(organization=org, role=Role.STAFF, username=f"writer{n}", locations=[location])
        for n in range(writers)
    ]
    connections.close_all()

    barrier = threading.Barrier(writers)
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def write(user):
        # A 503 is an answer to count, not an exception to re-raise.
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        body = self_assessment_body(location, checklist)
        try:
            barrier.wait(timeout=30)
            status = str(client.post("/api/v1/visits/", body, format="json").status_code)
        except Exception as exc:  # noqa: BLE001 - reported, and fails the test
            status = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=write, args=(user,)) for user in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
