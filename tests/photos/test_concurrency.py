"""Real concurrency on PostgreSQL: retried uploads racing each other, and photo.max under a race."""

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.exceptions import DomainConflict
from photos import services
from photos.models import Photo
from webhooks.models import Event

from . import images

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency"
    ),
]

THREADS = 4


def race(calls):
    """Run the callables at the same instant, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            return call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def adder(visit, auditor, photo_id, data, item=""):
    return lambda: services.photo_add(
        actor=auditor, visit=visit, photo_id=photo_id, item_key=item, image=io.BytesIO(data)
    )


def test_concurrent_retries_of_one_upload_create_one_photo(visit, auditor):
    photo_id = uuid.uuid4()
    data = images.jpeg()
    outcomes = race([adder(visit, auditor, photo_id, data) for _ in range(THREADS)])
    assert all(isinstance(o, services.PhotoAddResult) for o in outcomes), outcomes
    assert sum(o.created for o in outcomes) == 1
    assert {o.photo.pk for o in outcomes} == {photo_id}
    assert Photo.objects.count() == 1
    assert Event.objects.filter(type="photo.added").count() == 1


def test_concurrent_uploads_cannot_overshoot_photo_max(visit, auditor):
    pictures = [images.jpeg(images.scene(seed=seed)) for seed in range(THREADS)]
    outcomes = race([adder(visit, auditor, uuid.uuid4(), data, item="clean_windows") for data in pictures])
    created = [o for o in outcomes if isinstance(o, services.PhotoAddResult)]
    refused = [o for o in outcomes if isinstance(o, DomainConflict)]
    assert len(created) == 1 and len(refused) == THREADS - 1, outcomes
    assert Photo.objects.filter(item_key="clean_windows").count() == 1
