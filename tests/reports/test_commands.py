"""``seed_demo`` tells the reports' story; ``generate_load`` writes visits the reports read."""

import datetime as dt
import io
import uuid

from django.core.management import call_command
from django.db.models import Avg, Count
from django.utils import timezone

from accounts.models import Location, Organization, User
from audits.models import Answer, Assignment, Visit
from audits.periods import period_keys
from checklists.logic import answers_shown


def test_seed_demo_builds_a_believable_organization_once(db):
    out = io.StringIO()
    call_command("seed_demo", weeks=4, stdout=out)

    demo = Organization.objects.get(name="Demo Coffee Co.")
    assert {loc.timezone for loc in Location.objects.filter(organization=demo)} >= {
        "Europe/Amsterdam",
        "America/New_York",
        "Asia/Tokyo",
    }
    assert set(User.objects.filter(organization=demo).values_list("role", flat=True)) == {
        "admin",
        "manager",
        "auditor",
        "staff",
    }
    by_kind = dict(
        Visit.objects.filter(organization=demo)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    # Plus 2 calibrations of 2 visits and 4 flagged visits (integrity and calibration), and 2 visits
    # of claimed jobs (fieldwork).
    assert by_kind == {"mystery": 7 * 4 + 8 + 2, "self_assessment": 7 * 2}
    means = dict(
        Visit.objects.filter(organization=demo)
        .values("kind")
        .annotate(m=Avg("score"))
        .values_list("kind", "m")
    )
    assert means["self_assessment"] > means["mystery"] + 5  # staff are rosier than shoppers
    assert Visit.objects.filter(organization=demo, status="approved").exists()
    assert demo.photos.exists()
    assert "demo-admin" in out.getvalue() and "Demo-Coffee-2026" in out.getvalue()

    again = io.StringIO()
    call_command("seed_demo", weeks=4, stdout=again)

    assert "already exists" in again.getvalue()
    assert Visit.objects.filter(organization=demo).count() == 7 * 6 + 8 + 2


def test_generate_load_writes_scored_visits_with_period_keys(db, client_for):
    call_command(
        "generate_load", visits=30, locations=3, end=dt.date(2026, 11, 20), days=60, stdout=io.StringIO()
    )

    visits = Visit.objects.filter(organization__name="Load Test Org").select_related("location")
    assert visits.count() == 30
    assert Answer.objects.filter(visit__in=visits).count() == 30 * 20
    for visit in visits:
        keys = period_keys(visit.started_at, visit.location.timezone)
        assert (visit.local_date, visit.week_start, visit.month_start, visit.quarter_start) == (
            keys.local_date,
            keys.week_start,
            keys.month_start,
            keys.quarter_start,
        )
        sections = [s["score"] for s in visit.section_scores]
        assert abs(sum(sections) / len(sections) - visit.score) < 0.01

    call_command("generate_load", visits=10, locations=2, stdout=io.StringIO())
    assert Location.objects.filter(organization__name="Load Test Org").count() == 5


def test_seed_demo_leaves_open_assignments_for_each_demo_auditor_to_try(db, client_for):
    """A newcomer signing in as a demo auditor finds work due over the coming weeks and can do it."""

    call_command("seed_demo", weeks=2, stdout=io.StringIO())
    now = timezone.now()
    open_count = Assignment.objects.filter(status="open").count()
    call_command("seed_demo", weeks=2, stdout=io.StringIO())
    # A re-run adds nothing; 6 open assignments, and 4 unclaimed jobs on the board (fieldwork).
    assert Assignment.objects.filter(status="open").count() == open_count == 6 + 4

    for username in ("demo-auditor", "demo-auditor-2"):
        auditor = User.objects.get(username=username)
        client = client_for(auditor)
        listed = client.get("/api/v1/assignments/", {"status": "open"}).json()["results"]
        assert len(listed) == 3, username
        for row in listed:
            assert dt.datetime.fromisoformat(row["due_from"]) <= now
            assert dt.datetime.fromisoformat(row["due_until"]) >= now + dt.timedelta(days=13)
        # The auditor's whole flow: read the checklist version, submit a visit for the assignment.
        first = listed[0]
        version = client.get(
            f"/api/v1/checklists/{first['checklist']}/versions/{first['checklist_version']}/"
        )
        assert version.status_code == 200
        items = [item for section in version.json()["sections"] for item in section["items"]]
        answers = [
            {"item": i["key"], "na": True} if i["allow_na"] else {"item": i["key"], "value": _any_value(i)}
            for i in items
            if i["type"] != "photo"
        ]
        answers = answers_shown(version.json()["sections"], answers)  # as a phone asks them (show_if)
        started = now - dt.timedelta(minutes=30)
        response = client.post(
            "/api/v1/visits/",
            {
                "id": str(uuid.uuid4()),
                "assignment": first["id"],
                "kind": "mystery",
                "started_at": started.isoformat(),
                "ended_at": (started + dt.timedelta(minutes=20)).isoformat(),
                "answers": answers,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()

    Assignment.objects.filter(status="open").update(due_until=now - dt.timedelta(days=1))
    out = io.StringIO()
    call_command("seed_demo", weeks=2, stdout=out)
    assert "topped up" in out.getvalue()  # once they ran out, a re-run brings new ones
    assert Assignment.objects.filter(status="open", due_until__gt=now).count() == 6


def _any_value(item):
    return {
        "yes_no": True,
        "scale": item.get("scale_max"),
        "choice": (item.get("options") or [{}])[0].get("key"),
        "number": item.get("pass_min") if item.get("pass_min") is not None else 0,
        "text": "ok",
    }[item["type"]]
