"""Report and export reads from a read replica (``DATABASE_REPLICA_URL``), everything else on the primary.

The replica is the database alias ``replica`` (configured only when ``DATABASE_REPLICA_URL`` is set,
``REPLICA_READS`` on). ``ReplicaRouter`` sends ORM reads there only inside ``replica_reads()``,
which the report and export views enter for their request (and the CSV stream for its chunks);
writes, and the reads of every other request (a visit read right after its own write, the
review queue, the visit endpoints), stay on the primary, so nobody misses their own writes
through replication lag. Raw SQL that reports run picks its connection with ``read_alias()``.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

REPLICA = "replica"

_T = TypeVar("_T")
_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Route the reads made inside to the replica (when one is configured)."""
    token = _reads.set(True)
    try:
        yield
    finally:
        _reads.reset(token)


def on_replica(chunks: Iterable[_T]) -> Iterator[_T]:
    """``chunks`` consumed inside ``replica_reads``: a streamed response reads after its view returned."""
    with replica_reads():
        yield from chunks


def read_alias() -> str:
    """The alias a read made now goes to."""
    if _reads.get() and getattr(settings, "REPLICA_READS", False) and REPLICA in settings.DATABASES:
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads inside ``replica_reads`` to the replica, the rest to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # the replica follows the primary's schema through replication
