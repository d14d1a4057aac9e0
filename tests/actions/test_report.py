"""The actions report: per-location counts, on-time rate and median days to verify, recurring items.

Actions are made the way users make them (approvals, manual creation, resolve, verify, an upheld
dispute that cancels one); only their instants are moved (``created_at``, ``overdue_at``) so that
on-time rates and medians have exact expected values.
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from actions.models import Action, ActionSource, ActionStatus
from actions.serializers import ActionCreateSerializer
from actions.services import action_create, action_reopen, action_resolve, action_verify
from audits.periods import local_date
from audits.services import visit_review, visit_submit
from disputes.services import dispute_decide, dispute_open
from tests.audits.conftest import visit_body
from tests.disputes.conftest import decide_body, dispute_body
from tests.factories import (
    AssignmentFactory,
    LocationFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
)

from .conftest import FAILING, PASSING, manual_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/actions/"
DAY = dt.timedelta(days=1)


# --- building actions ---------------------------------------------------------------------------


def manual(by, location, *, now=None, visit=None, item=""):
    """A manual action created through the service as of ``now`` (it counts on that local date)."""
    now = now or timezone.now()
    due = local_date(now, location.timezone) + 7 * DAY
    body = ActionCreateSerializer(
        data=manual_body(
            location, due_date=due.isoformat(), visit=str(visit.pk) if visit else None, item=item
        )
    )
    body.is_valid(raise_exception=True)
    action, created = action_create(actor=by, data=body.validated_data, now=now)
    assert created
    return action


def settle(action, *, created, resolver, resolved=None, verifier=None, verified=None, overdue_at=None):
    """Back-date ``action`` to ``created`` (and its overdue instant), then resolve and verify it at
    the given instants through the services."""
    moved = {"created_at": created}
    if overdue_at is not None:
        moved["overdue_at"] = overdue_at
    Action.objects.filter(pk=action.pk).update(**moved)
    if resolved is not None:
        action_resolve(actor=resolver, action_id=action.pk, resolution="Briefed the team.", now=resolved)
    if verified is not None:
        action_verify(actor=verifier, action_id=action.pk, comment="Seen it.", now=verified)
    return Action.objects.get(pk=action.pk)


def overdue_now(action):
    Action.objects.filter(pk=action.pk).update(overdue_at=timezone.now() - dt.timedelta(hours=1))


def approved_visit(location, checklist, auditor, by, *, started_at=None, answers=FAILING):
    """A mystery visit started at ``started_at``, submitted and approved (its failures become actions)."""
    assignment = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    overrides = {}
    if started_at is not None:
        overrides = {
            "started_at": started_at.isoformat(),
            "ended_at": (started_at + dt.timedelta(minutes=17)).isoformat(),
        }
    visit, _ = visit_submit(actor=auditor, data=visit_body(assignment, answers=answers, **overrides))
    return visit_review(actor=by, visit_id=visit.pk, decision="approve")


def critical_action(visit):
    return Action.objects.get(visit=visit, source=ActionSource.CRITICAL_FAILURE)


def verified_failure(location, checklist, auditor, *, admin, resolver, verifier, now):
    """``solved`` failed in a visit a month ago; its action was resolved 25 and verified 20 days ago."""
    visit = approved_visit(location, checklist, auditor, admin, started_at=now - 30 * DAY)
    return settle(
        critical_action(visit),
        created=now - 30 * DAY,
        resolver=resolver,
        resolved=now - 25 * DAY,
        verifier=verifier,
        verified=now - 20 * DAY,
    )


def ref(location):
    return {"id": location.pk, "code": location.code, "name": location.name}


def figures(created, open, overdue, resolved, verified, on_time_rate, median):
    return {
        "created": created,
        "open": open,
        "overdue": overdue,
        "resolved": resolved,
        "verified": verified,
        "on_time_rate": on_time_rate,
        "median_days_to_verify": median,
    }


# --- the figures ----------------------------------------------------------------------------------


@pytest.fixture
def base():
    """An instant a month ago, on a whole second: the actions below are back-dated to it."""
    return timezone.now().replace(microsecond=0) - 30 * DAY


@pytest.fixture
def story(base, org, location, other_location, staff, manager, admin, foreign_admin, make_approved):
    """Amsterdam (``location``, the manager's region): verified after 2 and 4 days, one resolved on
    time, one resolved late, one open past its due date, and an approval's two actions of which an
    upheld dispute cancelled the critical one (the low-score one stays open).

    Rotterdam (``other_location``, another region): verified after 1, 6 and 10 days (the 10-day one
    resolved late), two open past their due date.

    Another organization: a verified and an overdue action that nobody here may count.
    """
    for days in (2, 4):
        settle(
            manual(manager, location),
            created=base,
            resolver=staff,
            resolved=base + DAY,
            verifier=manager,
            verified=base + days * DAY,
        )
    settle(manual(manager, location), created=base, resolver=staff, resolved=base + DAY)
    settle(
        manual(manager, location),
        created=base,
        resolver=staff,
        resolved=base + DAY,
        overdue_at=base + DAY / 2,
    )
    overdue_now(manual(manager, location))
    visit = make_approved(location)
    opened, _ = dispute_open(actor=staff, visit_id=visit.pk, data=dispute_body(("solved", True)))
    dispute_decide(actor=admin, dispute_id=opened.pk, data=decide_body(("solved", "upheld")))
    assert critical_action(visit).status == ActionStatus.CANCELLED

    for days, late in ((1, False), (6, False), (10, True)):
        settle(
            manual(admin, other_location),
            created=base,
            resolver=admin,
            resolved=base + DAY / 2 if not late else base + 3 * DAY,
            verifier=admin,
            verified=base + days * DAY,
            overdue_at=base + 2 * DAY,
        )
    for _ in range(2):
        overdue_now(manual(admin, other_location))

    foreign = LocationFactory(region=RegionFactory(organization=foreign_admin.organization))
    settle(
        manual(foreign_admin, foreign),
        created=base,
        resolver=foreign_admin,
        resolved=base + DAY,
        verifier=foreign_admin,
        verified=base + 8 * DAY,
    )
    overdue_now(manual(foreign_admin, foreign))
    return foreign


def test_figures_per_location_and_overall(client_for, admin, location, other_location, story):
    response = client_for(admin).get(URL)
    assert response.status_code == 200, response.json()
    data = response.json()
    # Most overdue first: Rotterdam (2 overdue) before Amsterdam (1), whatever the names' order.
    assert data["results"] == [
        {"location": ref(other_location), **figures(5, 2, 2, 0, 3, 40.0, 6.0)},
        {"location": ref(location), **figures(6, 2, 1, 2, 2, 60.0, 3.0)},
    ]
    # Overall figures come from all rows (the median of 1, 2, 4, 6, 10 days), not from the locations'.
    assert data["overall"] == figures(11, 4, 3, 2, 5, 50.0, 4.0)
    assert data["recurring"] == []


def test_another_organization_sees_only_its_own(client_for, foreign_admin, story):
    data = client_for(foreign_admin).get(URL).json()
    assert [row["location"]["id"] for row in data["results"]] == [story.pk]
    assert data["overall"] == figures(2, 1, 1, 0, 1, 50.0, 8.0)


def test_managers_and_staff_see_only_their_locations(client_for, manager, staff, location, story):
    for who in (manager, staff):
        data = client_for(who).get(URL).json()
        assert data["results"] == [{"location": ref(location), **figures(6, 2, 1, 2, 2, 60.0, 3.0)}]
        assert data["overall"] == figures(6, 2, 1, 2, 2, 60.0, 3.0)


def test_a_read_only_api_key_reads_the_whole_organization(key_client_for, org, story):
    response = key_client_for(org).get(URL)
    assert response.status_code == 200
    assert response.json()["overall"]["created"] == 11


def test_auditors_may_not_read_it(client_for, auditor, story):
    response = client_for(auditor).get(URL)
    assert response.status_code == 403
    assert response.json()["type"] == "client_error"


def test_anonymous_callers_are_401(anon):
    assert anon.get(URL).status_code == 401


def test_region_and_location_narrow_the_report(
    client_for, admin, location, other_location, region, other_region, story
):
    client = client_for(admin)
    by_region = client.get(URL, {"region": other_region.pk}).json()
    assert [row["location"]["id"] for row in by_region["results"]] == [other_location.pk]
    assert by_region["overall"] == figures(5, 2, 2, 0, 3, 40.0, 6.0)
    by_location = client.get(URL, {"location": location.pk}).json()
    assert [row["location"]["id"] for row in by_location["results"]] == [location.pk]
    assert by_location["overall"] == figures(6, 2, 1, 2, 2, 60.0, 3.0)


def test_a_location_or_region_outside_the_callers_scope_is_a_400(
    client_for, manager, admin, other_location, other_region, story
):
    for who, params, attr in (
        (manager, {"location": other_location.pk}, "location"),
        (manager, {"region": other_region.pk}, "region"),
        (admin, {"location": story.pk}, "location"),  # another organization's
    ):
        response = client_for(who).get(URL, params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["type"] == "validation_error"
        assert [error["attr"] for error in body["errors"]] == [attr]


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-05-10", "to": "2026-05-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),  # longer than three years
        ({"location": "amsterdam"}, "location"),
        ({"location": "99999999999999999999999"}, "location"),
        ({"region": "-1"}, "region"),
        ({"region": "1e3"}, "region"),
    ],
)
def test_malformed_parameters_are_400_in_the_error_shape(client_for, admin, params, attr):
    response = client_for(admin).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == [attr]
    assert body["errors"][0]["code"] and body["errors"][0]["detail"]


def test_an_empty_window_has_zeros_and_null_rates(client_for, admin, story):
    data = client_for(admin).get(URL, {"from": "2001-01-01", "to": "2001-12-31"}).json()
    assert data == {"overall": figures(0, 0, 0, 0, 0, None, None), "results": [], "recurring": []}


# --- on time, precisely ----------------------------------------------------------------------------


def test_resolved_at_the_overdue_instant_is_late_and_a_second_before_is_on_time(
    client_for, admin, staff, manager, location, base
):
    deadline = base + 5 * DAY
    for resolved in (deadline - dt.timedelta(seconds=1), deadline):
        settle(
            manual(manager, location), created=base, resolver=staff, resolved=resolved, overdue_at=deadline
        )
    overall = client_for(admin).get(URL).json()["overall"]
    assert (overall["resolved"], overall["on_time_rate"]) == (2, 50.0)


def test_open_actions_count_in_the_rate_only_once_overdue(client_for, admin, staff, manager, location, base):
    settle(manual(manager, location), created=base, resolver=staff, resolved=base + DAY)
    manual(manager, location)  # open, due next week: its timeliness is not known yet
    client = client_for(admin)
    assert client.get(URL).json()["overall"]["on_time_rate"] == 100.0
    overdue_now(manual(manager, location))
    overall = client.get(URL).json()["overall"]
    assert (overall["created"], overall["open"], overall["overdue"], overall["on_time_rate"]) == (
        3,
        2,
        1,
        50.0,
    )


def test_open_actions_only_have_a_null_rate_and_median(client_for, admin, manager, location):
    manual(manager, location)
    assert client_for(admin).get(URL).json()["overall"] == figures(1, 1, 0, 0, 0, None, None)


def test_the_median_of_an_odd_count_is_the_middle_one_in_fractions_of_a_day(
    client_for, admin, staff, manager, location, base
):
    for hours in (30, 12, 200):
        settle(
            manual(manager, location),
            created=base,
            resolver=staff,
            resolved=base + dt.timedelta(hours=6),
            verifier=manager,
            verified=base + dt.timedelta(hours=hours),
        )
    overall = client_for(admin).get(URL).json()["overall"]
    assert (overall["verified"], overall["median_days_to_verify"]) == (3, 1.25)


def test_a_reopened_action_that_is_resolved_again_counts_from_its_creation(
    client_for, admin, staff, manager, location, base
):
    action = settle(manual(manager, location), created=base, resolver=staff, resolved=base + DAY)
    action_reopen(actor=manager, action_id=action.pk, comment="Still slow.", now=base + DAY * 3 / 2)
    settle(
        action,
        created=base,
        resolver=staff,
        resolved=base + 2 * DAY,
        verifier=manager,
        verified=base + 3 * DAY,
    )
    overall = client_for(admin).get(URL).json()["overall"]
    assert (overall["verified"], overall["median_days_to_verify"], overall["on_time_rate"]) == (1, 3.0, 100.0)


# --- the window -------------------------------------------------------------------------------------


@pytest.fixture
def tokyo(region):
    return LocationFactory(region=region, code="TYO-01", name="Tokyo Shibuya", timezone="Asia/Tokyo")


def test_the_window_selects_the_visits_local_date(client_for, admin, manager, tokyo, checklist, auditor):
    # 20:00 UTC is 05:00 the next day in Tokyo: the actions count on the Tokyo date.
    utc_day = timezone.now().date() - 20 * DAY
    started = dt.datetime.combine(utc_day, dt.time(20, 0), tzinfo=dt.UTC)
    visit = approved_visit(tokyo, checklist, auditor, admin, started_at=started)
    tokyo_day = utc_day + DAY
    assert Action.objects.filter(visit=visit).count() == 2
    # A manual action made today for that visit counts on the visit's date too.
    manual(manager, tokyo, visit=visit, item="solved")
    client = client_for(admin)

    def created(day_from, day_to):
        params = {"from": day_from.isoformat(), "to": day_to.isoformat()}
        return client.get(URL, params).json()["overall"]["created"]

    assert created(tokyo_day, tokyo_day) == 3
    assert created(utc_day, utc_day) == 0
    assert created(tokyo_day + DAY, timezone.now().date() + DAY) == 0


def test_a_manual_action_without_a_visit_counts_on_its_creation_local_date(client_for, admin, manager, tokyo):
    utc_day = timezone.now().date() - 10 * DAY
    made = dt.datetime.combine(utc_day, dt.time(16, 30), tzinfo=dt.UTC)  # 01:30 the next day in Tokyo
    manual(manager, tokyo, now=made)
    client = client_for(admin)

    def created(day):
        return client.get(URL, {"from": day.isoformat(), "to": day.isoformat()}).json()["overall"]["created"]

    assert (created(utc_day), created(utc_day + DAY)) == (0, 1)


def test_the_default_window_ends_today_and_reaches_back_ninety_days(
    client_for, admin, manager, location, checklist, auditor
):
    now = timezone.now()
    approved_visit(location, checklist, auditor, admin, started_at=now - 80 * DAY)
    approved_visit(location, checklist, auditor, admin, started_at=now - 100 * DAY)
    manual(manager, location)
    # The two actions of the 80-day-old visit and today's manual one; not the 100-day-old visit's.
    assert client_for(admin).get(URL).json()["overall"]["created"] == 3


# --- recurring items --------------------------------------------------------------------------------


@pytest.fixture
def recurrence(location, other_location, checklist, auditor, admin, staff, manager):
    """At Amsterdam, ``solved`` failed a month ago; its action was verified 20 days ago. It failed
    again in visits 10 and 3 days ago (recurrences), and in one that started 22 days ago but was
    approved only later (before the verification: not a recurrence). A passing visit 5 days ago
    fails nothing. Rotterdam failed ``solved`` 5 days ago but never had it verified."""
    now = timezone.now().replace(microsecond=0)
    verified_failure(location, checklist, auditor, admin=admin, resolver=staff, verifier=manager, now=now)
    before = approved_visit(location, checklist, auditor, admin, started_at=now - 22 * DAY)
    again = [approved_visit(location, checklist, auditor, admin, started_at=now - d * DAY) for d in (10, 3)]
    approved_visit(location, checklist, auditor, admin, started_at=now - 5 * DAY, answers=PASSING)
    elsewhere = approved_visit(other_location, checklist, auditor, admin, started_at=now - 5 * DAY)
    return {"before": before, "again": again, "elsewhere": elsewhere}


def test_an_item_that_fails_again_after_its_action_was_verified_recurs(
    client_for, admin, location, recurrence
):
    data = client_for(admin).get(URL).json()
    assert data["recurring"] == [
        {
            "location": ref(location),
            "item": "solved",
            "failed_again": 2,
            "last_failed_on": recurrence["again"][-1].local_date.isoformat(),
        }
    ]


def test_an_item_verified_twice_counts_each_later_failure_once(client_for, admin, staff, manager, recurrence):
    now = timezone.now().replace(microsecond=0)
    settle(
        critical_action(recurrence["before"]),
        created=now - 22 * DAY,
        resolver=staff,
        resolved=now - 16 * DAY,
        verifier=manager,
        verified=now - 15 * DAY,
    )
    [row] = client_for(admin).get(URL).json()["recurring"]
    assert row["failed_again"] == 2


def test_last_failed_on_is_the_later_visits_local_date(client_for, admin, manager, tokyo, checklist, auditor):
    now = timezone.now().replace(microsecond=0)
    verified_failure(tokyo, checklist, auditor, admin=admin, resolver=admin, verifier=manager, now=now)
    utc_day = now.date() - 4 * DAY
    started = dt.datetime.combine(utc_day, dt.time(20, 0), tzinfo=dt.UTC)  # 05:00 the next day in Tokyo
    approved_visit(tokyo, checklist, auditor, admin, started_at=started)
    [row] = client_for(manager).get(URL).json()["recurring"]
    assert (row["location"], row["item"], row["failed_again"], row["last_failed_on"]) == (
        ref(tokyo),
        "solved",
        1,
        (utc_day + DAY).isoformat(),
    )


def test_a_failure_in_a_later_visit_at_another_location_is_not_a_recurrence(
    client_for, admin, other_location, checklist, auditor, staff, manager, location
):
    now = timezone.now().replace(microsecond=0)
    verified_failure(location, checklist, auditor, admin=admin, resolver=staff, verifier=manager, now=now)
    approved_visit(other_location, checklist, auditor, admin, started_at=now - 5 * DAY)
    assert client_for(admin).get(URL).json()["recurring"] == []
    # The same failure at the verified location does recur.
    approved_visit(location, checklist, auditor, admin, started_at=now - 4 * DAY)
    assert [r["location"]["id"] for r in client_for(admin).get(URL).json()["recurring"]] == [location.pk]


def test_a_resolved_but_unverified_action_makes_no_recurrence(
    client_for, admin, checklist, auditor, staff, location
):
    now = timezone.now().replace(microsecond=0)
    first = approved_visit(location, checklist, auditor, admin, started_at=now - 30 * DAY)
    action_resolve(actor=staff, action_id=critical_action(first).pk, resolution="Fixed.", now=now - 25 * DAY)
    approved_visit(location, checklist, auditor, admin, started_at=now - 5 * DAY)
    assert client_for(admin).get(URL).json()["recurring"] == []


def test_recurrences_are_counted_in_the_window_of_the_later_visit(client_for, admin, location, recurrence):
    later = recurrence["again"][-1].local_date
    # The verified action's visit (a month ago) is outside this window: the recurrence still counts.
    data = client_for(admin).get(URL, {"from": later.isoformat(), "to": later.isoformat()}).json()
    assert [(r["item"], r["failed_again"], r["last_failed_on"]) for r in data["recurring"]] == [
        ("solved", 1, later.isoformat())
    ]
    earlier = recurrence["again"][0].local_date
    data = client_for(admin).get(URL, {"from": earlier.isoformat(), "to": earlier.isoformat()}).json()
    assert [(r["failed_again"], r["last_failed_on"]) for r in data["recurring"]] == [(1, earlier.isoformat())]


def test_a_recurrence_cancelled_by_an_upheld_dispute_no_longer_counts(
    client_for, admin, staff, location, recurrence
):
    latest = recurrence["again"][-1]
    opened, _ = dispute_open(actor=staff, visit_id=latest.pk, data=dispute_body(("solved", True)))
    dispute_decide(actor=admin, dispute_id=opened.pk, data=decide_body(("solved", "upheld")))
    [row] = client_for(admin).get(URL).json()["recurring"]
    assert (row["failed_again"], row["last_failed_on"]) == (1, recurrence["again"][0].local_date.isoformat())


def test_recurring_items_follow_the_callers_scope(client_for, org, other_region, location, recurrence):
    south = UserFactory(organization=org, role=Role.MANAGER, regions=[other_region])
    assert client_for(south).get(URL).json()["recurring"] == []
    foreign = UserFactory(organization=OrganizationFactory(), role=Role.ADMIN)
    assert client_for(foreign).get(URL).json()["recurring"] == []


# --- cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.STAFF])
def test_the_query_count_is_the_same_for_one_and_for_five_locations(
    client_for, org, region, checklist, auditor, admin, role, base, django_assert_num_queries
):
    resolver = UserFactory(organization=org, role=Role.STAFF)  # given every new location
    reader = resolver if role == Role.STAFF else UserFactory(organization=org, role=role, regions=[region])
    now = timezone.now().replace(microsecond=0)

    def add_location():
        site = LocationFactory(region=region)
        resolver.locations.add(site)
        verified_failure(site, checklist, auditor, admin=admin, resolver=resolver, verifier=admin, now=now)
        approved_visit(site, checklist, auditor, admin, started_at=now - 5 * DAY)
        for days in (1, 2, 3):
            settle(
                manual(admin, site),
                created=base,
                resolver=resolver,
                resolved=base + DAY,
                verifier=admin,
                verified=base + days * DAY,
            )
        overdue_now(manual(admin, site))

    client = client_for(reader)
    add_location()
    # The caller (JWT), the grouped counts, the medians per location and overall, the recurring items;
    # the caller's scope is a join in each, not a query of its own.
    with django_assert_num_queries(5):
        one = client.get(URL).json()
    for _ in range(4):
        add_location()
    with django_assert_num_queries(5):
        five = client.get(URL).json()
    assert (len(one["results"]), len(one["recurring"])) == (1, 1)
    assert (len(five["results"]), len(five["recurring"])) == (5, 5)
    # Per location: 10 days for the approval's action, 1, 2 and 3 for the manual ones.
    assert five["overall"] == figures(40, 20, 5, 0, 20, 80.0, 2.5)
