"""``manage.py db_worker``: django-tasks-db's worker, woken by ``NOTIFY`` on PostgreSQL.

Same command, options and behaviour as django-tasks-db's own (``core`` comes before
``django_tasks_db`` in ``INSTALLED_APPS``, so this one is found first); the only change is how an
idle worker waits: instead of sleeping ``--interval`` seconds it waits up to that long for a
notification that a task was enqueued (``core.task_wakeup``). On SQLite it sleeps, as before.
"""

from __future__ import annotations

import logging
import os
import random
import time
from argparse import ArgumentParser, BooleanOptionalAction
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.module_loading import import_string
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from core.task_wakeup import TaskWakeup, queue_alias

logger = logging.getLogger("django_tasks_db")


class ListeningWorker(db_worker.Worker):
    """The package's worker loop, with :meth:`TaskWakeup.wait` where it had ``time.sleep``."""

    def __init__(self, *, listen: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wakeup = TaskWakeup(queue_alias(), enabled=listen)
        self.housekeeping_every = float(settings.TASK_WORKER_HOUSEKEEPING_SECONDS)
        self.housekeeping_due = 0.0  # monotonic; 0: at the first turn of the loop

    def housekeeping(self) -> None:
        """Call each of ``settings.TASK_WORKER_HOUSEKEEPING`` (by dotted path: this layer knows no
        app): each queues the next run of a self-renewing chain unless one is queued. A chain whose
        running link was SIGKILLed with its worker never renews itself; this restarts it. Failures
        are logged and tried again next time, never fatal to the worker."""
        self.housekeeping_due = time.monotonic() + self.housekeeping_every
        for path in settings.TASK_WORKER_HOUSEKEEPING:
            try:
                import_string(path)()
            except Exception:
                logger.exception("Housekeeping %s failed on worker_id=%s", path, self.worker_id)

    def claim(self) -> tuple[DBTaskResult[Any, Any] | None, bool]:
        """The next ready task, claimed for this worker; and whether the queue could be read."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
            except OperationalError as exc:
                if is_locked_database_exception(exc):  # SQLite busy: try again later
                    return None, False
                raise
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result, True

    def done(self, *, task_result: DBTaskResult[Any, Any] | None, retrieved: bool) -> bool:
        if self.batch and retrieved and task_result is None:
            logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info(
                "Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks, self.worker_id
            )
            return True
        return False

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        # Listen before the first look at the queue: a task enqueued in between still wakes us.
        listening = self.wakeup.listen()
        logger.info("Waiting for tasks with %s", "LISTEN/NOTIFY" if listening else f"a {self.interval}s poll")
        if self.startup_delay and self.interval and not listening:
            time.sleep(random.random())  # noqa: S311 - a herd of polling workers
        try:
            while self.running:
                close_old_connections()
                if time.monotonic() >= self.housekeeping_due:
                    self.housekeeping()
                task_result, retrieved = self.claim()
                if task_result is not None:
                    self.run_task(task_result)
                if self.done(task_result=task_result, retrieved=retrieved):
                    return
                close_old_connections()
                if self.running and task_result is None:
                    until_housekeeping = max(self.housekeeping_due - time.monotonic(), 0.0)
                    self.wakeup.wait(min(self.interval, until_housekeeping))
        finally:
            self.wakeup.close()


class Command(db_worker.Command):
    help = "Run a database background worker (woken at once by NOTIFY on PostgreSQL; polls on SQLite)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--listen",
            action=BooleanOptionalAction,
            default=True,
            help="On PostgreSQL, wake on NOTIFY when a task is enqueued; --no-listen only polls every "
            "--interval (e.g. behind a transaction-pooling PgBouncer) (default: %(default)s)",
        )

    def handle(self, **options: Any) -> None:
        """The package's ``handle`` with :class:`ListeningWorker` for its worker."""
        self.configure_logging(options["verbosity"])
        reload, batch = options["reload"], options["batch"]
        if reload and batch:
            logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ListeningWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
            listen=options["listen"],
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
