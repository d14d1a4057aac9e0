"""The one place that writes Django's private ORM state, to skip queries we know the answer to.

Both helpers tell the ORM what a service already knows (the rows it just wrote), so that reading
them back costs no query. They touch attributes Django does not document (``_result_cache``,
``_prefetch_done``, ``_prefetched_objects_cache``, ``_state``); ``tests/core/test_orm.py`` pins
the behaviour they rely on, so a Django upgrade that changes it fails there first.
"""

from collections.abc import Iterable

from django.db import models


def prefetched_set(instance: models.Model, name: str, objects: Iterable[models.Model]) -> None:
    """Make ``instance.<name>.all()`` answer ``objects`` without a query, as ``prefetch_related`` would."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def mark_saved(instances: Iterable[models.Model], using: str) -> None:
    """Mark rows written by raw SQL as loaded from database ``using`` (as ``bulk_create`` leaves them)."""
    for instance in instances:
        instance._state.adding, instance._state.db = False, using
