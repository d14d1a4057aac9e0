"""The weekly digest: Monday 08:00 in each person's zone, once per person and week, with the
reports' own figures."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from audits.services import visit_submit
from disputes.services import dispute_open
from notifications import digest as digest_module
from notifications.digest import IsoWeek, digest_build, digests_send_due, due_week
from notifications.models import Notification
from tests.audits.conftest import visit_body
from tests.disputes.conftest import dispute_body
from tests.factories import AssignmentFactory, LocationFactory, RegionFactory, UserFactory

from .conftest import CRITICAL_ANSWERS, LOW_ANSWERS, PASSING_ANSWERS

pytestmark = pytest.mark.django_db

W48 = IsoWeek(2026, 48)  # Monday 23 to Sunday 29 November 2026
# Monday 30 November 2026, 00:30 UTC: 09:30 in Tokyo, still Sunday 19:30 in New York.
MONDAY_EARLY = dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC)
# 13:00 UTC: 08:00 in New York (EST, UTC-5).
NEW_YORK_EIGHT = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def at(day: int, hour: int = 12, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(org, checklist, auditor):
    """Tokyo and New York stores (one region each), their staff, a manager of both, an admin."""
    asia = RegionFactory(organization=org, code="ASIA", name="Asia")
    americas = RegionFactory(organization=org, code="AMER", name="Americas")
    tokyo = LocationFactory(region=asia, code="TYO-01", name="Tokyo Shibuya", timezone="Asia/Tokyo")
    new_york = LocationFactory(
        region=americas, code="NYC-01", name="New York Fifth", timezone="America/New_York"
    )
    return {
        "tokyo": tokyo,
        "new_york": new_york,
        "asia": asia,
        "tokyo_staff": UserFactory(organization=org, role=Role.STAFF, username="yui", locations=[tokyo]),
        "ny_staff": UserFactory(organization=org, role=Role.STAFF, username="nick", locations=[new_york]),
        "manager": UserFactory(
            organization=org, role=Role.MANAGER, username="manny", regions=[asia, americas]
        ),
    }


def submit_at(location, checklist, auditor, when, answers):
    job = AssignmentFactory(
        organization=location.organization,
        location=location,
        checklist=checklist,
        checklist_version=checklist.versions.get(number=1),
        auditor=auditor,
    )
    body = visit_body(
        job,
        answers=answers,
        started_at=when.isoformat(),
        ended_at=(when + dt.timedelta(minutes=20)).isoformat(),
    )
    visit, _ = visit_submit(actor=auditor, data=body, now=when + dt.timedelta(hours=1))
    return visit


def test_the_digest_is_due_at_eight_on_monday_in_the_persons_zone():
    assert due_week(MONDAY_EARLY, "Asia/Tokyo") == W48
    # Still Sunday in New York: the week due there is the one before (sent last Monday, if running).
    assert due_week(MONDAY_EARLY, "America/New_York") == IsoWeek(2026, 47)
    assert due_week(NEW_YORK_EIGHT - dt.timedelta(minutes=1), "America/New_York") is None  # Monday 07:59
    assert due_week(NEW_YORK_EIGHT, "America/New_York") == W48
    # All week long, until next Monday 08:00, the week just ended is the one due.
    assert due_week(at(6, month=12), "America/New_York") == W48
    assert due_week(dt.datetime(2026, 12, 7, 8, 0, tzinfo=UTC), "Europe/London") == IsoWeek(2026, 49)


def test_iso_weeks_parse_and_refuse():
    assert IsoWeek.parse("2026-W48").monday == dt.date(2026, 11, 23)
    assert IsoWeek.parse("2026-W53").monday == dt.date(2026, 12, 28)  # 2026 has 53 weeks
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)
    for bad in ("2025-W53", "2026-W00", "2026-48", "next week", "2026-W4"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)


def test_tokyo_hears_first_new_york_at_its_own_eight(
    smtp_settings, smtp, work, committing, world, org, admin
):
    org.timezone = "Europe/Amsterdam"
    org.save()
    # Set up on Sunday: New York's staff had last week's digest; the rest are new here.
    Notification.objects.create(
        organization=org,
        recipient=world["ny_staff"],
        kind="weekly_digest",
        key="weekly_digest:2026-W47",
        subject="Weekly digest 2026-W47",
        link="https://audits.acme.example/dashboard/",
        body_text="",
        body_html="",
        email_status="sent",
    )
    with committing():
        # 09:30 in Tokyo, Sunday 19:30 in New York, 01:30 in Amsterdam (the manager's and the
        # admin's zone: no location of their own, so the organization's).
        assert digests_send_due(now=MONDAY_EARLY) == 1
    assert list(
        Notification.objects.filter(key__endswith="W48").values_list("recipient__username", flat=True)
    ) == ["yui"]

    with committing():
        # 08:00 in New York, 14:00 in Amsterdam: everyone else is due now; Tokyo's was sent.
        assert digests_send_due(now=NEW_YORK_EIGHT) == 3
        assert digests_send_due(now=NEW_YORK_EIGHT) == 0  # run twice: nothing more
    assert work() == ["sent"] * 4
    received = smtp.inbox.wait_for(4)
    assert sorted(r.rcpt_tos[0].split("@")[0] for r in received) == ["alice", "manny", "nick", "yui"]
    assert all(r.subject.startswith("Weekly digest 2026-W48") for r in received)
    assert Notification.objects.filter(key="weekly_digest:2026-W48").count() == 4


def test_people_who_switched_it_off_and_auditors_get_none(world, auditor, admin, committing):
    world["manager"].notification_settings = {"weekly_digest": False}
    world["manager"].save()

    with committing():
        digests_send_due(now=NEW_YORK_EIGHT)

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "alice",
        "nick",
        "yui",
    ]


def test_the_figures_are_the_reports_own(
    world, checklist, auditor, client_for, committing, smtp_settings, smtp, work
):
    tokyo, manager = world["tokyo"], world["manager"]
    # The week before: one passing visit. W48: a critical failure and a low score (one on Sunday
    # 29th 23:30 Tokyo time, which is still Sunday there though Sunday 14:30 UTC).
    submit_at(tokyo, checklist, auditor, at(18), PASSING_ANSWERS)
    submit_at(tokyo, checklist, auditor, at(24), CRITICAL_ANSWERS)
    submit_at(tokyo, checklist, auditor, dt.datetime(2026, 11, 29, 14, 30, tzinfo=UTC), LOW_ANSWERS)
    submit_at(world["new_york"], checklist, auditor, at(25), PASSING_ANSWERS)
    submit_at(world["new_york"], checklist, auditor, dt.datetime(2026, 11, 30, 3, 0, tzinfo=UTC), LOW_ANSWERS)

    for person, trend_url in (
        (world["tokyo_staff"], f"/api/v1/locations/{tokyo.pk}/trend/"),
        (manager, None),
    ):
        digest = digest_build(person, W48)
        api = client_for(person)
        if trend_url:
            series = api.get(trend_url, {"period": "week", "from": "2026-11-16", "to": "2026-11-29"}).json()[
                "series"
            ]
            (before, this) = series
            assert (digest.visits, digest.average_score, digest.pass_rate) == (
                this["visits"],
                this["average_score"],
                this["pass_rate"],
            )
            assert (digest.previous_visits, digest.previous_average_score, digest.previous_pass_rate) == (
                before["visits"],
                before["average_score"],
                before["pass_rate"],
            )
        ranking = api.get(
            "/api/v1/reports/location-ranking/", {"from": "2026-11-23", "to": "2026-11-29"}
        ).json()
        assert [(r.location.id, r.average_score, r.change, r.pass_rate) for r in digest.lowest_locations] == [
            (r["location"]["id"], r["average_score"], r["change"], r["pass_rate"])
            for r in reversed(ranking["results"][-5:])
        ]
        items = api.get(
            "/api/v1/reports/item-performance/", {"from": "2026-11-23", "to": "2026-11-29"}
        ).json()
        assert [(i.item, i.average_item_score, i.answers) for i in digest.weakest_items] == [
            (i["item"], i["average_item_score"], i["answers"]) for i in items["results"][:3]
        ]

    tokyo_digest = digest_build(world["tokyo_staff"], W48)
    assert tokyo_digest.visits == 2 and tokyo_digest.previous_visits == 1
    assert tokyo_digest.pass_rate == 0.0 and tokyo_digest.previous_pass_rate == 100.0
    manager_digest = digest_build(manager, W48)
    assert manager_digest.visits == 4  # New York's Monday-morning UTC visit is still its Sunday


def test_the_email_shows_the_figures_with_links_to_the_dashboard(
    world, checklist, auditor, smtp_settings, smtp, work, committing
):
    tokyo = world["tokyo"]
    submit_at(tokyo, checklist, auditor, at(18), PASSING_ANSWERS)
    submit_at(tokyo, checklist, auditor, at(24), LOW_ANSWERS)
    with committing():
        digests_send_due(now=MONDAY_EARLY)
    work()

    (mail,) = [r for r in smtp.inbox.wait_for(2) if r.rcpt_tos == [world["tokyo_staff"].email]]
    digest = digest_build(world["tokyo_staff"], W48)
    assert mail.subject == (
        f"Weekly digest 2026-W48: average {digest.average_score:.2f} ({digest.average_change:+.2f}), "
        f"pass rate {digest.pass_rate:.2f}%"
    )
    location_link = f"https://audits.acme.example/dashboard/locations/{tokyo.pk}/"
    for part in (mail.text, mail.html):
        assert "https://audits.acme.example/dashboard/" in part
        assert location_link in part
        assert f"{digest.average_score:.2f}" in part and f"{digest.previous_average_score:.2f}" in part
        assert digest.weakest_items[0].prompt in part
        assert "Open disputes" in part
    assert (
        Notification.objects.get(recipient=world["tokyo_staff"]).link
        == "https://audits.acme.example/dashboard/"
    )


def test_open_disputes_are_counted_and_linked(world, checklist, auditor, smtp_settings, committing):
    tokyo = world["tokyo"]
    visit = submit_at(tokyo, checklist, auditor, at(24), LOW_ANSWERS)
    dispute, _ = dispute_open(actor=world["tokyo_staff"], visit_id=visit.pk, data=dispute_body(), now=at(25))

    digest = digest_build(world["tokyo_staff"], W48)

    assert digest.open_disputes == 1
    assert digest.disputes[0].link == f"https://audits.acme.example/dashboard/disputes/{dispute.pk}/"
    assert digest_build(world["ny_staff"], W48).open_disputes == 0  # not their location


def test_send_digest_sends_one_now_and_only_once(world, smtp_settings, smtp):
    out = io.StringIO()
    call_command("send_digest", user="YUI", week="2026-W48", stdout=out)

    assert "Digest 2026-W48 for yui: sent." in out.getvalue()
    (mail,) = smtp.inbox.wait_for(1)
    assert mail.rcpt_tos == [world["tokyo_staff"].email] and "2026-W48" in mail.subject

    again = io.StringIO()
    call_command("send_digest", user="yui", week="2026-W48", stdout=again)
    assert "sent already" in again.getvalue()
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"user": "nobody", "week": "2026-W48"}, "No user"),
        ({"user": "yui", "week": "2026-W60"}, "does not exist"),
        ({"user": "yui", "week": "last week"}, "not an ISO week"),
        ({"user": "otto-secret", "week": "2026-W48"}, "does not get the weekly digest"),
    ],
)
def test_send_digest_refuses_what_it_cannot_do(world, auditor, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_digest", stdout=io.StringIO(), **options)
    assert not Notification.objects.exists()


def test_a_digest_failing_for_one_person_does_not_stop_the_others(world, monkeypatch, committing):
    real = digest_module.digest_build

    def broken_for_yui(user, week):
        if user.username == "yui":
            raise RuntimeError("boom")
        return real(user, week)

    monkeypatch.setattr(digest_module, "digest_build", broken_for_yui)
    with committing():
        assert digests_send_due(now=NEW_YORK_EIGHT) == 2

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["manny", "nick"]
    with committing():
        monkeypatch.undo()
        assert digests_send_due(now=NEW_YORK_EIGHT) == 1  # the next run catches up
