"""The action list: who sees what, filters, sync, and ``overdue`` computed by the database."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Action
from actions.selectors import action_list
from actions.services import overdue_moment
from tests.factories import LocationFactory, RegionFactory, UserFactory

from .conftest import action_url, manual_body, today_at


def _ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def _due_in(action_id, days, location):
    """Move an action's due date (as if it were set so) relative to the location's today."""
    due = today_at(location) + dt.timedelta(days=days)
    Action.objects.filter(pk=action_id).update(
        due_date=due, overdue_at=overdue_moment(due, location.timezone)
    )


# --- visibility -------------------------------------------------------------------------------


def test_each_role_sees_its_scope(
    client_for, admin, manager, staff, auditor, create_action, location, other_location
):
    mine = create_action()["id"]
    far = create_action(by=admin, at=other_location)["id"]
    assert _ids(client_for(admin).get(action_url())) == {mine, far}
    assert _ids(client_for(manager).get(action_url())) == {mine}
    assert _ids(client_for(staff).get(action_url())) == {mine}
    assert client_for(auditor).get(action_url()).status_code == 403
    assert client_for(auditor).get(action_url(mine)).status_code == 403
    assert client_for(staff).get(action_url(far)).status_code == 404
    assert client_for(manager).get(action_url(far, "history/")).status_code == 404


def test_api_keys_read_everything_of_their_organization(
    key_client_for, org, create_action, admin, other_location
):
    ids = {create_action()["id"], create_action(by=admin, at=other_location)["id"]}
    assert _ids(key_client_for(org, ["read"]).get(action_url())) == ids


def test_another_organization_sees_nothing(client_for, foreign_admin, create_action):
    action = create_action()
    assert _ids(client_for(foreign_admin).get(action_url())) == set()
    missing = client_for(foreign_admin).get(action_url(uuid.uuid4()))
    foreign = client_for(foreign_admin).get(action_url(action["id"]))
    assert (foreign.status_code, foreign.json()) == (
        missing.status_code,
        missing.json(),
    ) and foreign.status_code == 404


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_is_open_after_the_due_date_and_filters_both_ways(
    client_for, manager, staff, create_action, location
):
    late, today, done = (create_action()["id"] for _ in range(3))
    _due_in(late, -1, location)
    _due_in(today, 0, location)
    _due_in(done, -2, location)
    client_for(staff).post(action_url(done, "resolve/"), {"resolution": "Done, late."}, format="json")

    rows = {row["id"]: row["overdue"] for row in client_for(manager).get(action_url()).json()["results"]}
    assert rows == {late: True, today: False, done: False}
    assert _ids(client_for(manager).get(action_url() + "?overdue=true")) == {late}
    assert _ids(client_for(manager).get(action_url() + "?overdue=false")) == {today, done}
    assert client_for(manager).get(action_url(late)).json()["overdue"] is True


@pytest.mark.parametrize("value", ["maybe", "1", "TRUE", ""])
def test_an_overdue_filter_that_is_not_true_or_false_is_a_400(client_for, manager, value):
    response = client_for(manager).get(action_url() + f"?overdue={value}")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "overdue"


def test_overdue_turns_at_midnight_in_the_location_time_zone(org, admin, create_action):
    tokyo = LocationFactory(region=RegionFactory(organization=org), timezone="Asia/Tokyo")
    lima = LocationFactory(region=tokyo.region, timezone="America/Lima")
    due = dt.date(2026, 5, 4)
    for place in (tokyo, lima):
        action = create_action(by=admin, at=place)
        Action.objects.filter(pk=action["id"]).update(
            due_date=due, overdue_at=overdue_moment(due, place.timezone)
        )
    # 5 May 2026, 00:30 in Tokyo = 4 May 15:30 UTC = 4 May 10:30 in Lima.
    instant = dt.datetime(2026, 5, 4, 15, 30, tzinfo=dt.UTC)
    overdue = {a.location_id: a.is_overdue for a in action_list(admin, instant)}
    assert overdue == {tokyo.pk: True, lima.pk: False}
    later = dt.datetime(2026, 5, 5, 5, 0, tzinfo=dt.UTC)  # 5 May 00:00 in Lima
    assert {a.location_id: a.is_overdue for a in action_list(admin, later)} == {tokyo.pk: True, lima.pk: True}


def test_moving_a_location_to_another_time_zone_moves_when_its_actions_fall_overdue(
    client_for, admin, create_action, location
):
    action = create_action()
    due = Action.objects.get(pk=action["id"]).due_date
    response = client_for(admin).patch(
        f"/api/v1/locations/{location.pk}/", {"timezone": "Asia/Tokyo"}, format="json"
    )
    assert response.status_code == 200, response.json()
    row = Action.objects.get(pk=action["id"])
    next_day = dt.datetime.combine(
        due + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert row.overdue_at == next_day


def test_the_overdue_count_uses_the_open_actions_index_on_postgresql(org, admin, create_action):
    if connection.vendor != "postgresql":
        pytest.skip("an EXPLAIN of PostgreSQL's planner")
    for _ in range(3):
        create_action(by=admin)
    query = Action.objects.filter(Action.overdue_q(timezone.now()), organization=org).values("id")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "action_open_overdue_at" in plan, plan


# --- sync and filters ---------------------------------------------------------------------------


def test_a_phone_syncs_changes_with_updated_since(client_for, staff, manager, create_action):
    first, second = create_action()["id"], create_action()["id"]
    synced = client_for(staff).get(action_url()).json()["results"]
    mark = max(row["updated_at"] for row in synced)
    client_for(staff).post(action_url(first, "resolve/"), {"resolution": "Done."}, format="json")
    changed = client_for(staff).get(action_url(), {"updated_since": mark}).json()["results"]
    assert [row["id"] for row in changed] == [first] and changed[0]["status"] == "resolved"
    assert second not in {row["id"] for row in changed}


def test_filters_by_status_source_location_and_region(
    client_for, admin, staff, create_action, location, other_location, make_approved
):
    manual = create_action(by=admin)["id"]
    far = create_action(by=admin, at=other_location)["id"]
    visit = make_approved(location)
    automatic = set(map(str, Action.objects.filter(visit=visit).values_list("id", flat=True)))
    client = client_for(admin)
    assert _ids(client.get(action_url(), {"source": "manual"})) == {manual, far}
    assert (
        _ids(client.get(action_url(), {"source": "critical_failure"}))
        | _ids(client.get(action_url(), {"source": "low_score"}))
        == automatic
    )
    assert _ids(client.get(action_url(), {"location": other_location.pk})) == {far}
    assert _ids(client.get(action_url(), {"region": location.region_id})) == {manual} | automatic
    assert _ids(client.get(action_url(), {"visit": str(visit.pk)})) == automatic
    client_for(staff).post(action_url(manual, "resolve/"), {"resolution": "Done."}, format="json")
    assert _ids(client.get(action_url(), {"status": "resolved"})) == {manual}
    assert client.get(action_url(), {"status": "closed"}).status_code == 400


def test_the_list_is_soonest_due_first(client_for, admin, create_action, location):
    later = create_action(by=admin, due_date=(today_at(location) + dt.timedelta(days=20)).isoformat())["id"]
    sooner = create_action(by=admin, due_date=today_at(location).isoformat())["id"]
    rows = client_for(admin).get(action_url()).json()["results"]
    assert [row["id"] for row in rows] == [sooner, later]


def test_a_page_of_actions_is_a_fixed_number_of_queries(
    client_for, manager, create_action, django_assert_num_queries
):
    create_action()
    client = client_for(manager)
    # Authentication (the user), then the page: one query whatever its size.
    with django_assert_num_queries(2):
        assert len(client.get(action_url()).json()["results"]) == 1
    for _ in range(9):
        create_action()
    with django_assert_num_queries(2):
        assert len(client.get(action_url() + "?overdue=false").json()["results"]) == 10
    first = Action.objects.first().pk
    with CaptureQueriesContext(connection) as history:
        client.get(action_url(first, "history/"))
    assert len(history) == 3  # the user, the action, the history page (with its actors)


def test_staff_of_two_locations_see_both(org, client_for, create_action, location, other_location, admin):
    both = UserFactory(organization=org, role="staff", locations=[location, other_location])
    ids = {create_action(by=admin)["id"], create_action(by=admin, at=other_location)["id"]}
    assert _ids(client_for(both).get(action_url())) == ids


def test_manual_body_helper_makes_valid_bodies(client_for, admin, location):
    assert client_for(admin).post(action_url(), manual_body(location), format="json").status_code == 201
