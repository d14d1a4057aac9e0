"""``seed_demo`` tells the reports' story; ``generate_load`` writes visits the reports read."""

import datetime as dt
import io

from django.core.management import call_command
from django.db.models import Avg, Count

from accounts.models import Location, Organization, User
from audits.models import Answer, Visit
from audits.periods import period_keys


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
    assert by_kind == {"mystery": 7 * 4, "self_assessment": 7 * 2}
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
    assert Visit.objects.filter(organization=demo).count() == 7 * 6


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
