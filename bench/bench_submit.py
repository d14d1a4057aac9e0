"""Cost of submitting a visit through the full stack, against a bare authenticated GET in the same run.

    .venv/bin/python bench/bench_submit.py [--rounds 150]

Runs in-process through Django's WSGI handler (``django.test.Client``: every middleware,
JWT authentication, DRF parsing, validation, scoring, the transaction with its outbox event) on a
database of its own: ``bench_submit`` on the PostgreSQL server at ``BENCH_POSTGRES_URL`` (default
``postgres://root@127.0.0.1:5432``) when one answers, else a temporary SQLite file. It prints:

- the median time of ``POST /api/v1/visits/`` with 40 answers over the median time of
  ``GET /api/v1/me/`` (goal: at most 3x), measured in alternating rounds so both see the same
  machine load;
- the number of SQL queries of a submission with 10 and with 40 answers (must be equal);
- the median time of a 40-item submission whose checklist has 10 ``show_if`` expressions over one
  with none (goal: within 10%), measured in alternating rounds too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import SERVER, drop_postgres, postgres_available  # noqa: E402 - after the path

DB_NAME = "bench_submit"


def yes_no_sections(count: int) -> list[dict]:
    per_section = 10
    return [
        {
            "key": f"s{s}",
            "title": f"Section {s}",
            "weight": 1 + s % 3,
            "items": [
                {"key": f"q{s}_{i}", "prompt": f"Question {i}", "type": "yes_no", "weight": 1}
                for i in range(min(per_section, count - s * per_section))
            ],
        }
        for s in range((count + per_section - 1) // per_section)
    ]


def with_show_if(sections: list[dict], expressions: int = 10) -> list[dict]:
    """The same tree with ``show_if`` on ``expressions`` items, each reading an earlier answer
    (every one shown when the earlier item is answered, so both visits carry the same answers)."""
    keys = [item["key"] for section in sections for item in section["items"]]
    step = len(keys) // expressions
    chosen = {keys[i * step + step - 1]: keys[i * step] for i in range(expressions)}
    out = []
    for section in sections:
        items = []
        for item in section["items"]:
            earlier = chosen.get(item["key"])
            if earlier is not None:
                item = {
                    **item,
                    "show_if": {"or": [{"===": [{"var": earlier}, True]}, {"!==": [{"var": earlier}, True]}]},
                }
            items.append(item)
        out.append({**section, "items": items})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=150)
    args = parser.parse_args()

    on_postgres = postgres_available(DB_NAME)
    tmp = tempfile.mkdtemp(prefix="bench-submit-")
    database_url = f"{SERVER}/{DB_NAME}" if on_postgres else f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",  # fast hashing, no throttling in the way
        DATABASE_URL=database_url,
        MEDIA_ROOT=tmp,
    )
    import django

    django.setup()
    try:
        run(args.rounds, "PostgreSQL" if on_postgres else "SQLite")
    finally:
        from django.db import connections

        connections.close_all()
        if on_postgres:
            drop_postgres(DB_NAME)


def run(rounds: int, database: str) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    call_command("migrate", verbosity=0)

    from accounts.models import Location, Organization, Region, Role, User
    from audits.models import Assignment
    from checklists.models import Checklist, ChecklistVersion

    org = Organization.objects.create(name="Bench Coffee")
    region = Region.objects.create(organization=org, code="B", name="Bench")
    site = Location.objects.create(
        organization=org,
        region=region,
        code="B-1",
        name="Bench 1",
        latitude=52.37,
        longitude=4.89,
        timezone="Europe/Amsterdam",
    )
    auditor = User.objects.create_user(
        "bench-auditor", password="x" * 12, organization=org, role=Role.AUDITOR
    )

    versions = {}
    trees = {10: yes_no_sections(10), 40: yes_no_sections(40), "logic": with_show_if(yes_no_sections(40))}
    for count, tree in trees.items():
        checklist = Checklist.objects.create(
            organization=org, name=f"{count} items", channel="in_person", current_version=1
        )
        versions[count] = ChecklistVersion.objects.create(
            checklist=checklist, number=1, pass_threshold=80, sections=tree, etag=f"bench-{count}"
        )

    now = timezone.now()

    def assignment_for(count) -> Assignment:
        version = versions[count]
        return Assignment.objects.create(
            organization=org,
            location=site,
            checklist_id=version.checklist_id,
            checklist_version=version,
            auditor=auditor,
            due_from=now - dt.timedelta(days=1),
            due_until=now + dt.timedelta(days=1),
        )

    def body(count) -> dict:
        job = assignment_for(count)
        items = [item["key"] for section in versions[count].sections for item in section["items"]]
        started = now - dt.timedelta(hours=1)
        return {
            "id": str(uuid.uuid4()),
            "assignment": job.pk,
            "location": site.pk,
            "checklist": job.checklist_id,
            "checklist_version": 1,
            "kind": "mystery",
            "started_at": started.isoformat(),
            "ended_at": (started + dt.timedelta(minutes=20)).isoformat(),
            "position": {"latitude": 52.3701, "longitude": 4.8901, "accuracy_m": 10},
            "answers": [
                {"item": key, "value": i % 4 != 0, "na": False, "comment": ""} for i, key in enumerate(items)
            ],
            "notes": "Bench visit.",
        }

    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(auditor).access_token}")

    def post(payload: dict) -> float:
        started = time.perf_counter()
        response = client.post("/api/v1/visits/", payload, content_type="application/json")
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.content[:500]
        return elapsed

    def get_me() -> float:
        started = time.perf_counter()
        response = client.get("/api/v1/me/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        return elapsed

    # Query counts first (one submission each), then warm-up.
    query_counts = {}
    for count in (10, 40):
        payload = body(count)
        with CaptureQueriesContext(connection) as captured:
            post(payload)
        query_counts[count] = len(captured.captured_queries)
        if os.environ.get("BENCH_SHOW_QUERIES"):
            print("\n".join(q["sql"][:120] for q in captured.captured_queries))
    for _ in range(10):
        post(body(40))
        get_me()

    bodies = [body(40) for _ in range(rounds)]  # made beforehand: their setup is not measured
    posts, gets = [], []
    for payload in bodies:
        gets.append(get_me())
        posts.append(post(payload))
        gets.append(get_me())

    # 40 items with 10 show_if expressions against 40 items with none, alternating.
    pairs = [(body(40), body("logic")) for _ in range(rounds)]
    plain, logic = [], []
    for _ in range(10):
        post(body("logic"))
    for without, with_logic in pairs:
        plain.append(post(without))
        logic.append(post(with_logic))

    post_ms = statistics.median(posts) * 1000
    get_ms = statistics.median(gets) * 1000
    ratio = post_ms / get_ms
    plain_ms, logic_ms = statistics.median(plain) * 1000, statistics.median(logic) * 1000
    logic_ratio = logic_ms / plain_ms
    print(f"database: {database}; rounds: {rounds}")
    print(f"GET /api/v1/me/ (baseline)        median {get_ms:7.2f} ms")
    print(f"POST /api/v1/visits/ (40 answers) median {post_ms:7.2f} ms")
    print(f"ratio submit/GET: {ratio:.2f}x (goal <= 3x) -> {'OK' if ratio <= 3 else 'OVER'}")
    print(
        f"queries per submission: 10 answers -> {query_counts[10]}, 40 answers -> {query_counts[40]} "
        f"-> {'equal' if query_counts[10] == query_counts[40] else 'GROWS'}"
    )
    print(f"POST, 40 items, no show_if           median {plain_ms:7.2f} ms")
    print(f"POST, 40 items, 10 show_if           median {logic_ms:7.2f} ms")
    print(
        f"ratio show_if/none: {logic_ratio:.3f} (goal <= 1.10) -> {'OK' if logic_ratio <= 1.10 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
