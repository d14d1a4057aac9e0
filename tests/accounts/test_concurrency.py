"""Two admins racing for the same code: one wins, the other gets a 409 (never a 500).

Needs PostgreSQL: the loser's INSERT really waits on the winner's uncommitted row.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from accounts.models import Region
from accounts.services import region_create
from core.exceptions import DomainConflict

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def wait_for_lock_waiter(timeout=10.0):
    """Until another session waits on a lock we hold (the loser's INSERT on the unique index).

    ``pg_locks`` is read live; ``pg_stat_activity`` would be a snapshot frozen in this transaction.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the second insert never waited")


def test_concurrent_creates_of_one_code_give_one_region_and_one_conflict(org):
    outcome = {}

    def loser():
        try:
            region_create(organization=org, code="EAST", name="Second")
            outcome["loser"] = "created"
        except DomainConflict as exc:
            outcome["loser"] = exc.code
        except Exception as exc:  # anything else is a bug: show it
            outcome["loser"] = repr(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        region_create(organization=org, code="EAST", name="First")  # not committed yet
        thread = threading.Thread(target=loser)
        thread.start()
        wait_for_lock_waiter()
    thread.join(10)

    assert outcome == {"loser": "duplicate_code"}
    assert list(Region.objects.filter(code="EAST").values_list("name", flat=True)) == ["First"]
