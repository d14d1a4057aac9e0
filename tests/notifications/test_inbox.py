"""``/api/v1/notifications/``: a person's own inbox, paginated and filtered; marking one read."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def entry(person, n, kind="critical_failure", **fields):
    return Notification.objects.create(
        organization_id=person.organization_id,
        recipient=person,
        kind=kind,
        key=f"test:{n}",
        subject=f"News {n}",
        link=f"https://audits.example/dashboard/visits/{n}/",
        body_text="text",
        body_html="<p>html</p>",
        **fields,
    )


def test_the_inbox_lists_ones_own_notifications_newest_first(client_for, manager, admin):
    first, second = entry(manager, 1), entry(manager, 2, kind="low_score")
    entry(admin, 3)

    response = client_for(manager).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert body["results"][0] == {
        "id": second.pk,
        "kind": "low_score",
        "subject": "News 2",
        "link": "https://audits.example/dashboard/visits/2/",
        "created_at": body["results"][0]["created_at"],
        "read_at": None,
        "updated_at": body["results"][0]["updated_at"],
    }


def test_marking_read_is_idempotent(client_for, manager):
    row = entry(manager, 1)
    client = client_for(manager)

    first = client.post(f"{URL}{row.pk}/read/")
    again = client.post(f"{URL}{row.pk}/read/")

    assert first.status_code == again.status_code == 200
    assert first.json()["read_at"] is not None
    assert again.json()["read_at"] == first.json()["read_at"]
    assert client.get(URL, {"unread": "true"}).json()["results"] == []
    assert [r["id"] for r in client.get(URL, {"unread": "false"}).json()["results"]] == [row.pk]


def test_someone_elses_notification_is_not_found(client_for, manager, admin, foreign_admin):
    theirs = entry(admin, 1)
    foreign = entry(foreign_admin, 2)

    for pk in (theirs.pk, foreign.pk, 10**30, "abc"):
        assert client_for(manager).post(f"{URL}{pk}/read/").status_code == 404
        assert client_for(manager).get(f"{URL}{pk}/").status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_one_notification_reads_alone(client_for, staff):
    row = entry(staff, 1, kind="dispute_decided")

    response = client_for(staff).get(f"{URL}{row.pk}/")

    assert response.status_code == 200 and response.json()["kind"] == "dispute_decided"


def test_updated_since_lists_whats_new_or_read_since(client_for, manager):
    old, fresh = entry(manager, 1), entry(manager, 2)
    Notification.objects.filter(pk__in=[old.pk, fresh.pk]).update(
        updated_at=timezone.now() - dt.timedelta(hours=2)
    )
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    client = client_for(manager)
    assert client.get(URL, {"updated_since": since}).json()["results"] == []

    client.post(f"{URL}{old.pk}/read/")

    assert [r["id"] for r in client.get(URL, {"updated_since": since}).json()["results"]] == [old.pk]


def test_kind_narrows_the_list(client_for, manager):
    entry(manager, 1)
    wanted = entry(manager, 2, kind="weekly_digest")

    results = client_for(manager).get(URL, {"kind": "weekly_digest"}).json()["results"]

    assert [r["id"] for r in results] == [wanted.pk]


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"unread": "maybe"}, "unread"),
        ({"kind": "birthday"}, "kind"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client_for, manager, params, attr):
    response = client_for(manager).get(URL, params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_pages_are_bounded_and_linked(client_for, manager):
    for n in range(5):
        entry(manager, n)

    page = client_for(manager).get(URL, {"page_size": 2}).json()

    assert len(page["results"]) == 2 and page["next"] is not None
    rest = client_for(manager).get(page["next"]).json()
    assert len(rest["results"]) == 2


def test_api_keys_have_no_inbox(key_client_for, org):
    client = key_client_for(org, ["read", "write"])

    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}1/read/").status_code == 403


def test_every_role_has_an_inbox(client_for, org):
    for role in Role.values:
        person = UserFactory(organization=org, role=role)
        entry(person, person.pk)
        assert len(client_for(person).get(URL).json()["results"]) == 1


def test_a_page_costs_a_fixed_number_of_queries(client_for, manager, django_assert_num_queries):
    client = client_for(manager)
    for n in range(3):
        entry(manager, n)
    client.get(URL)

    with django_assert_num_queries(2):  # authentication, the page
        response = client.get(URL)
    assert len(response.json()["results"]) == 3


def test_the_inbox_takes_no_other_writes(client_for, manager):
    row = entry(manager, 1)
    client = client_for(manager)

    assert client.delete(f"{URL}{row.pk}/").status_code == 405
    assert client.post(URL, {}, format="json").status_code == 405
