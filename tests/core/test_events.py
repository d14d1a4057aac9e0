"""Domain events: apps publish, the webhook outbox records, in the publisher's transaction."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from core.events import EventType, domain_event, event_publish
from notifications.services import domain_event_notify
from webhooks import delivery, tasks
from webhooks.models import Event
from webhooks.services import domain_event_record


def test_a_published_event_is_in_the_outbox(org):
    event_publish(organization=org, type=EventType.VISIT_SUBMITTED, data={"id": "v1"})

    (event,) = Event.objects.all()
    assert (event.organization_id, event.type, event.data) == (org.pk, "visit.submitted", {"id": "v1"})


def test_an_event_rolls_back_with_the_change_that_published_it(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        event_publish(organization=org, type=EventType.PHOTO_ADDED, data={})
        raise RuntimeError("the change fails after publishing")

    assert not Event.objects.exists()


def test_publishing_with_nobody_recording_is_refused_not_lost(org):
    domain_event.disconnect(domain_event_record, dispatch_uid="webhooks.outbox")
    domain_event.disconnect(domain_event_notify, dispatch_uid="notifications.outbox")
    try:
        with pytest.raises(ImproperlyConfigured):
            event_publish(organization=org, type=EventType.VISIT_SUBMITTED, data={})
    finally:
        domain_event.connect(domain_event_record, dispatch_uid="webhooks.outbox")
        domain_event.connect(domain_event_notify, dispatch_uid="notifications.outbox")


def test_delivery_enqueues_the_task_that_workers_run():
    assert delivery._deliver_task() is tasks.deliver
