"""The job board at 10,000 open jobs, against a bare authenticated GET in the same run.

    .venv/bin/python bench/bench_jobs.py [--jobs 10000] [--rounds 100]

Runs in-process through Django's WSGI handler (``django.test.Client``: every middleware, JWT
authentication, the board's one SQL query, the serializer) on a database of its own:
``bench_jobs`` on the PostgreSQL server at ``BENCH_POSTGRES_URL`` (default
``postgres://root@127.0.0.1:5432``) when one answers, else a temporary SQLite file. The
organization has ``--jobs`` open jobs at 2,000 locations spread over the Netherlands (about 300 km
by 250 km), a quarter of them needing a qualification, some of them a minimum rating; the auditor
lives in Utrecht with a 25 km radius, holds none of the qualifications and visited a few of the
nearby locations recently. It prints:

- the median time of ``GET /api/v1/jobs/`` (a full first page, 50 jobs) over the median time of
  ``GET /api/v1/me/`` (goal: at most 3x), measured in alternating rounds so both see the same
  machine load;
- the board's SQL queries per request (constant), and how many jobs it found in all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import in_process_django  # noqa: E402 - after the path

DB_NAME = "bench_jobs"
UTRECHT = (52.0907, 5.1214)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    with in_process_django(DB_NAME, quiet=True) as database:
        run(args.jobs, args.rounds, database)


def seed(jobs: int):
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Location, Organization, Region, Role, User
    from audits.models import Assignment
    from checklists.models import Qualification
    from fieldwork.models import AuditorProfile
    from tests.factories import ChecklistFactory, VisitFactory

    rng = random.Random(20)
    org = Organization.objects.create(name="Bench Jobs")
    region = Region.objects.create(organization=org, code="NL", name="Netherlands")
    locations = Location.objects.bulk_create(
        Location(
            organization=org,
            region=region,
            code=f"L{i:05d}",
            name=f"Store {i}",
            latitude=rng.uniform(50.8, 53.5),
            longitude=rng.uniform(3.4, 7.2),
            timezone="Europe/Amsterdam",
        )
        for i in range(2_000)
    )
    plain = ChecklistFactory(organization=org)
    french = ChecklistFactory(organization=org)
    french.required_qualifications.add(
        Qualification.objects.create(organization=org, code="fr", name="French")
    )
    now = timezone.now()
    Assignment.objects.bulk_create(
        Assignment(
            organization=org,
            location=rng.choice(locations),
            checklist=french if i % 4 == 0 else plain,
            checklist_version=(french if i % 4 == 0 else plain).versions.get(),
            auditor=None,
            is_job=True,
            min_rating=rng.choice([None, None, None, 4, 6]),
            due_from=now - dt.timedelta(days=1),
            due_until=now + dt.timedelta(days=rng.randint(2, 30)),
        )
        for i in range(jobs)
    )
    auditor = User.objects.create_user(
        "bench-shopper", password="x" * 12, organization=org, role=Role.AUDITOR
    )
    AuditorProfile.objects.create(
        user=auditor,
        organization=org,
        home_latitude=UTRECHT[0],
        home_longitude=UTRECHT[1],
        travel_radius_km=25,
    )
    nearby = [
        loc
        for loc in locations
        if abs(loc.latitude - UTRECHT[0]) < 0.2 and abs(loc.longitude - UTRECHT[1]) < 0.3
    ]
    for location in nearby[:5]:
        VisitFactory(
            organization=org, location=location, auditor=auditor, started_at=now - dt.timedelta(days=10)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return auditor


def run(jobs: int, rounds: int, database: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    auditor = seed(jobs)
    seeded = time.monotonic() - started
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(auditor).access_token}")

    def timed(path: str) -> tuple[float, dict]:
        begun = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - begun
        assert response.status_code == 200, response.content[:500]
        return elapsed, response.json()

    with CaptureQueriesContext(connection) as captured:
        _, first = timed("/api/v1/jobs/?page_size=50")
    queries = len(captured.captured_queries)
    found, page = len(first["results"]), first
    while page["next"]:
        _, page = timed(page["next"].split("testserver", 1)[-1])
        found += len(page["results"])
    for _ in range(10):
        timed("/api/v1/jobs/?page_size=50")
        timed("/api/v1/me/")
    boards, gets = [], []
    for _ in range(rounds):
        gets.append(timed("/api/v1/me/")[0])
        boards.append(timed("/api/v1/jobs/?page_size=50")[0])
        gets.append(timed("/api/v1/me/")[0])

    board_ms, get_ms = statistics.median(boards) * 1000, statistics.median(gets) * 1000
    ratio = board_ms / get_ms
    print(f"database: {database}; open jobs: {jobs}; seeded in {seeded:.0f}s; rounds: {rounds}")
    print(f"GET /api/v1/me/ (baseline)          median {get_ms:7.2f} ms")
    print(f"GET /api/v1/jobs/ (50 of {found} jobs) median {board_ms:7.2f} ms, {queries} queries")
    print(f"ratio board/GET: {ratio:.2f}x (goal <= 3x) -> {'OK' if ratio <= 3 else 'OVER'}")


if __name__ == "__main__":
    main()
