"""Real concurrency for the PostgreSQL tests: calls released at the same moment from their own threads."""

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections

from core.exceptions import DomainConflict


def race(*calls: Callable[[], Any], outcome: Callable[[Any], Any] = lambda result: result) -> list[Any]:
    """Run every call at the same moment, each in its own thread and database connection.

    Each call's result becomes ``outcome(result)``; a refusal becomes its code; anything else its
    repr (which fails the test by name). The outcomes come back sorted.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            result = outcome(call())
        except (DomainConflict, PermissionDenied) as exc:
            result = getattr(exc, "code", repr(exc))
        except Exception as exc:  # anything else fails the test with its name
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes, key=str)
