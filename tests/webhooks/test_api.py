"""/api/v1/webhooks/: admin-only endpoint management, write-only secrets, the delivery log."""

import socket

import pytest
from django.utils import timezone

from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery, Webhook
from webhooks.services import event_record

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
PUBLIC = "https://93.184.215.14/hook"


def create(client, **body):
    return client.post(URL, {"url": PUBLIC, "events": ["visit.submitted"], **body}, format="json")


def test_admin_registers_an_endpoint_and_sees_a_generated_secret_once(admin, client_for):
    client = client_for(admin)
    response = create(client, events=["visit.submitted", "photo.added"])
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["photo.added", "visit.submitted"]
    assert body["is_active"] is True and body["disabled_reason"] == ""
    assert Webhook.objects.get(pk=body["id"]).secret == body["secret"]

    for response in (client.get(URL), client.get(f"{URL}{body['id']}/")):
        assert response.status_code == 200
        assert "secret" not in str(response.json())
    patched = client.patch(f"{URL}{body['id']}/", {"events": ["visit.reviewed"]}, format="json")
    assert patched.status_code == 200 and "secret" not in patched.json()
    assert patched.json()["events"] == ["visit.reviewed"]


def test_a_chosen_secret_is_kept(admin, client_for):
    response = create(client_for(admin), secret="my-own-secret-of-32-characters!!")
    assert response.json()["secret"] == "my-own-secret-of-32-characters!!"


def test_short_secret_unknown_event_and_unknown_field_are_named(admin, client_for):
    response = create(
        client_for(admin), secret="short", events=["visit.submitted", "visit.deleted"], colour="red"
    )
    assert response.status_code == 400
    attrs = {error["attr"] for error in response.json()["errors"]}
    assert attrs == {"colour"}
    response = create(client_for(admin), secret="short", events=["visit.deleted"])
    assert {error["attr"] for error in response.json()["errors"]} == {"secret", "events.0"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://2130706433/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "ftp://93.184.215.14/hook",
    ],
)
def test_registration_refuses_unsafe_urls_without_connecting(admin, client_for, url, connect_spy):
    response = create(client_for(admin), url=url)
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["url"]
    assert connect_spy.calls == []
    assert not Webhook.objects.exists()


def test_a_name_that_does_not_resolve_yet_is_accepted_but_never_reached(
    admin, client_for, org, queue, monkeypatch, connect_spy
):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    response = create(client_for(admin), url="https://hooks.example.com/audits")
    assert response.status_code == 201
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    assert delivery_attempt(delivery_id=delivery.pk) == "retry_scheduled"
    assert "does not resolve" in delivery.attempts.get().error
    assert connect_spy.calls == []


def test_changing_the_url_is_checked_too(admin, client_for):
    client = client_for(admin)
    webhook_id = create(client).json()["id"]
    response = client.patch(f"{URL}{webhook_id}/", {"url": "http://10.0.0.5/"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "url"


def test_private_hosts_are_accepted_when_the_setting_allows_them(admin, client_for, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    assert create(client_for(admin), url="http://127.0.0.1:9000/hook").status_code == 201


def test_rotating_the_secret_shows_the_new_one_once(admin, client_for):
    client = client_for(admin)
    created = create(client).json()
    response = client.post(f"{URL}{created['id']}/rotate-secret/", {}, format="json")
    assert response.status_code == 200
    new_secret = response.json()["secret"]
    assert new_secret != created["secret"]
    assert Webhook.objects.get(pk=created["id"]).secret == new_secret
    assert "secret" not in client.get(f"{URL}{created['id']}/").json()


def test_delete_removes_the_endpoint(admin, client_for):
    client = client_for(admin)
    webhook_id = create(client).json()["id"]
    assert client.delete(f"{URL}{webhook_id}/").status_code == 204
    assert client.get(f"{URL}{webhook_id}/").status_code == 404


def test_put_is_not_allowed(admin, client_for):
    client = client_for(admin)
    webhook_id = create(client).json()["id"]
    assert client.put(f"{URL}{webhook_id}/", {"url": PUBLIC}, format="json").status_code == 405


@pytest.mark.parametrize("role", ["manager", "auditor", "staff"])
def test_only_admins_manage_webhooks(role, request, client_for, make_webhook):
    webhook = make_webhook()
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{webhook.pk}/").status_code == 403
    assert create(client).status_code == 403
    assert client.get(f"{URL}{webhook.pk}/deliveries/").status_code == 403


def test_anonymous_callers_are_unauthenticated(anon):
    assert anon.get(URL).status_code == 401


def test_api_keys_may_read_but_never_change_webhooks(org, key_client_for, make_webhook):
    webhook = make_webhook()
    reader = key_client_for(org, ["read"])
    assert reader.get(URL).status_code == 200
    assert "secret" not in str(reader.get(f"{URL}{webhook.pk}/").json())
    writer = key_client_for(org, ["read", "write"])
    assert create(writer).status_code == 403
    assert writer.patch(f"{URL}{webhook.pk}/", {"is_active": False}, format="json").status_code == 403
    assert writer.post(f"{URL}{webhook.pk}/rotate-secret/", {}, format="json").status_code == 403


def test_other_organizations_endpoints_are_not_found(foreign_admin, client_for, make_webhook, org):
    webhook = make_webhook()
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    client = client_for(foreign_admin)
    assert client.get(URL).json()["results"] == []
    for path in (
        f"{URL}{webhook.pk}/",
        f"{URL}{webhook.pk}/deliveries/",
        f"{URL}{webhook.pk}/deliveries/{delivery.pk}/",
    ):
        assert client.get(path).status_code == 404
    assert client.patch(f"{URL}{webhook.pk}/", {"is_active": False}, format="json").status_code == 404
    assert client.post(f"{URL}{webhook.pk}/rotate-secret/", {}, format="json").status_code == 404
    assert client.post(f"{URL}{webhook.pk}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert client.delete(f"{URL}{webhook.pk}/").status_code == 404
    assert Webhook.objects.filter(pk=webhook.pk, is_active=True).exists()


def test_delivery_of_another_endpoint_is_not_found_under_this_one(admin, client_for, make_webhook, org):
    first, second = make_webhook(), make_webhook()
    event = event_record(organization=org, type="visit.submitted", data={})
    other = Delivery.objects.get(event=event, webhook=second)
    assert client_for(admin).get(f"{URL}{first.pk}/deliveries/{other.pk}/").status_code == 404


def test_delivery_log_shows_every_attempt(
    admin, client_for, org, make_webhook, receiver, allow_private, queue, django_assert_max_num_queries
):
    receiver.script = [500]
    webhook = make_webhook(url=receiver.url)
    deliveries = []
    for _ in range(3):
        event = event_record(organization=org, type="visit.submitted", data={})
        deliveries.append(Delivery.objects.get(event=event))
    delivery_attempt(delivery_id=deliveries[0].pk)
    Delivery.objects.filter(pk=deliveries[0].pk).update(next_attempt_at=timezone.now())
    delivery_attempt(delivery_id=deliveries[0].pk)

    client = client_for(admin)
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}{webhook.pk}/deliveries/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [d["id"] for d in results] == [d.pk for d in reversed(deliveries)]
    oldest = results[-1]
    assert oldest["event_id"] == str(deliveries[0].event_id) and oldest["event_type"] == "visit.submitted"
    assert oldest["status"] == "succeeded" and oldest["attempt_count"] == 2
    first, second = oldest["attempts"]
    assert first["status_code"] == 500 and first["error"] == "HTTP 500" and first["next_retry_at"]
    assert first["duration_ms"] >= 0 and first["at"]
    assert second["status_code"] == 200 and second["next_retry_at"] is None
    pending = client.get(f"{URL}{webhook.pk}/deliveries/?status=pending").json()["results"]
    assert len(pending) == 2 and all(d["attempts"] == [] for d in pending)
    wrong = client.get(f"{URL}{webhook.pk}/deliveries/?status=lost")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["attr"] == "status"


def test_admin_redelivers_an_event_by_hand(
    admin, client_for, org, make_webhook, receiver, allow_private, queue, django_capture_on_commit_callbacks
):
    webhook = make_webhook(url=receiver.url)
    event = event_record(organization=org, type="visit.submitted", data={})
    delivery = Delivery.objects.get(event=event)
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(f"{URL}{webhook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert [r.task.name for r in queue.results] == ["deliver"]
    assert delivery_attempt(delivery_id=delivery.pk) == "delivered"
    ids = [r.headers["X-Webhook-Id"] for r in receiver.requests]
    assert ids == [str(event.pk), str(event.pk)]
    assert [a.manual for a in delivery.attempts.all()] == [False, True]


def test_redelivery_to_a_disabled_endpoint_is_a_conflict(admin, client_for, org, make_webhook):
    webhook = make_webhook()
    delivery = Delivery.objects.get(event=event_record(organization=org, type="visit.submitted", data={}))
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    response = client_for(admin).post(f"{URL}{webhook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "webhook_disabled"


def test_disabled_endpoint_shows_why_and_is_re_enabled_by_patch(admin, client_for, make_webhook):
    since = timezone.now() - timezone.timedelta(days=6)
    webhook = make_webhook(
        is_active=False,
        failing_since=since,
        disabled_at=timezone.now(),
        disabled_reason="Disabled automatically: x",
    )
    client = client_for(admin)
    shown = client.get(f"{URL}{webhook.pk}/").json()
    assert shown["is_active"] is False and shown["disabled_reason"] == "Disabled automatically: x"
    assert shown["failing_since"] is not None
    response = client.patch(f"{URL}{webhook.pk}/", {"is_active": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["is_active"] is True and body["disabled_reason"] == "" and body["failing_since"] is None
