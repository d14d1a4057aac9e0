"""Instant pick-up of background tasks on PostgreSQL: ``NOTIFY`` at enqueue, ``LISTEN`` in the worker.

django-tasks-db's worker polls the queue table, sleeping ``--interval`` seconds whenever it finds it
empty, so a task enqueued by a request waits half an interval on average. On PostgreSQL every
enqueue now also sends ``NOTIFY`` on :data:`CHANNEL` on the enqueuing connection: inside a
transaction PostgreSQL delivers it at commit (never for a rollback), when the task's row becomes
visible. The worker (``core/management/commands/db_worker.py``) waits on a connection of its own
that ``LISTEN``\\s to the channel, so it wakes within milliseconds of the commit; the poll interval
stays as the fallback (tasks deferred with ``run_after``, a lost listening connection) and is all
there is on SQLite, which has no notifications.

A notification only says "look at the queue": workers still claim with ``SELECT ... FOR UPDATE SKIP
LOCKED``, so several workers woken by one ``NOTIFY`` run the task once, and a lost notification only
costs a poll interval.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.backend import TaskResult as DBBackendTaskResult
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

CHANNEL = "django_tasks_db_enqueued"


def queue_alias() -> str:
    """The database holding the queue (where workers claim and enqueuers insert)."""
    return router.db_for_write(DBTaskResult)


def task_enqueued_notify(sender: type, task_result: object, **kwargs: Any) -> None:
    """``task_enqueued`` receiver: ``NOTIFY`` the workers on the connection that inserted the task.

    Sent in the enqueuing transaction, so the wake-up reaches workers when the row is committed.
    Other backends (the dummy one in tests, the immediate one) and SQLite send nothing.
    """
    if not isinstance(task_result, DBBackendTaskResult):
        return
    alias = task_result.db_result._state.db or queue_alias()
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"NOTIFY {CHANNEL}")


class TaskWakeup:
    """A connection of its own, ``LISTEN``-ing on :data:`CHANNEL`; :meth:`wait` returns on a
    notification or after the timeout (a plain sleep on SQLite, or while PostgreSQL is away)."""

    def __init__(self, alias: str, *, enabled: bool = True) -> None:
        self.alias = alias
        self.enabled = enabled
        self.wrapper: BaseDatabaseWrapper | None = None

    @property
    def supported(self) -> bool:
        return self.enabled and connections[self.alias].vendor == "postgresql"

    def listen(self) -> bool:
        """Start listening (again) if not yet; False when not possible (SQLite, database away)."""
        if not self.supported:
            return False
        if self.wrapper is not None:
            return True
        wrapper = connections.create_connection(self.alias)
        try:
            with wrapper.cursor() as cursor:  # autocommit: LISTEN takes effect at once
                cursor.execute(f"LISTEN {CHANNEL}")
        except DatabaseError as exc:
            logger.warning("task wake-up: cannot LISTEN (%s); polling until it can", exc)
            wrapper.close()
            return False
        self.wrapper = wrapper
        return True

    def wait(self, timeout: float) -> bool:
        """Block until a task was enqueued (True) or ``timeout`` seconds passed (False)."""
        if not self.listen():
            time.sleep(timeout)
            return False
        assert self.wrapper is not None  # noqa: S101 - set by listen()
        raw = self.wrapper.connection
        try:
            woken = any(True for _ in raw.notifies(timeout=timeout, stop_after=1))
            # Drop the notifications already here: one look at the queue answers them all.
            for _ in raw.notifies(timeout=0):
                pass
        except Exception as exc:  # noqa: BLE001 - psycopg's own errors: the connection is gone
            logger.warning("task wake-up: listening connection lost (%s); polling", exc)
            self.close()
            time.sleep(timeout)
            return False
        return woken

    def close(self) -> None:
        if self.wrapper is not None:
            try:
                self.wrapper.close()
            except DatabaseError:
                logger.debug("task wake-up: closing a broken connection failed", exc_info=True)
            self.wrapper = None
