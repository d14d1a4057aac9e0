"""Cost of a visit's PDF report against the same visit's JSON, on the same server in the same run.

    .venv/bin/python bench/bench_pdf.py [--rounds 100]

Runs in-process through Django's WSGI handler (``django.test.Client``: every middleware, JWT
authentication, the scoped fetch) on a database of its own: ``bench_pdf`` on the PostgreSQL server
at ``BENCH_POSTGRES_URL`` (default ``postgres://root@127.0.0.1:5432``) when one answers, else a
temporary SQLite file; photos on local disk in a temporary ``MEDIA_ROOT``. The visit has 40 answers
(every item type, comments, a critical failure) and six photos uploaded through the photo pipeline,
read by its region's manager. It prints:

- the median time of ``GET /api/v1/visits/{id}/report.pdf`` over the median time of
  ``GET /api/v1/visits/{id}/`` (goal: at most 5x), measured in alternating rounds so both see the
  same machine load;
- the SQL queries of each request, and the PDF's size and page count.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import in_process_django  # noqa: E402 - after the path

DB_NAME = "bench_pdf"
GOAL = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    with in_process_django(DB_NAME) as database:
        run(args.rounds, database)


def seed():
    """A 40-answer visit with six photos, and its region's manager."""
    import datetime as dt
    import uuid

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Location, Organization, Region, Role, User
    from audits.models import Assignment
    from audits.services import visit_submit
    from checklists.models import Checklist, ChecklistVersion
    from photos.services import photo_add
    from tests.documents.factories import forty_answers, forty_sections
    from tests.photos.images import jpeg, scene

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench Coffee")
    region = Region.objects.create(organization=org, code="B", name="Bench")
    site = Location.objects.create(
        organization=org,
        region=region,
        code="B-1",
        name="Bench Centraal",
        latitude=52.37,
        longitude=4.89,
        timezone="Europe/Amsterdam",
    )
    auditor = User.objects.create_user(
        "bench-auditor", password="x" * 12, organization=org, role=Role.AUDITOR, display_name="Bench Auditor"
    )
    manager = User.objects.create_user(
        "bench-manager", password="x" * 12, organization=org, role=Role.MANAGER
    )
    manager.regions.set([region])
    checklist = Checklist.objects.create(
        organization=org, name="Full store audit", channel="in_person", current_version=1
    )
    version = ChecklistVersion.objects.create(
        checklist=checklist, number=1, pass_threshold=80, sections=forty_sections(), etag="bench-pdf"
    )
    now = timezone.now()
    assignment = Assignment.objects.create(
        organization=org,
        location=site,
        checklist=checklist,
        checklist_version=version,
        auditor=auditor,
        due_from=now - dt.timedelta(days=1),
        due_until=now + dt.timedelta(days=1),
    )
    started = now - dt.timedelta(hours=1)
    visit, _ = visit_submit(
        actor=auditor,
        data={
            "id": str(uuid.uuid4()),
            "assignment": assignment.pk,
            "location": site.pk,
            "checklist": checklist.pk,
            "checklist_version": 1,
            "kind": "mystery",
            "started_at": started.isoformat(),
            "ended_at": (started + dt.timedelta(minutes=25)).isoformat(),
            "answers": forty_answers(),
            "notes": "Bench visit.",
        },
    )
    for seed_value in range(6):
        photo_add(
            actor=auditor,
            visit=visit,
            photo_id=uuid.uuid4(),
            item_key="storefront" if seed_value < 4 else "",
            image=io.BytesIO(jpeg(scene((1600, 1200), seed=seed_value + 1))),
        )
    return visit, manager


def run(rounds: int, database: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader
    from rest_framework_simplejwt.tokens import AccessToken

    visit, manager = seed()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(manager)}")
    json_url = f"/api/v1/visits/{visit.pk}/"
    pdf_url = f"/api/v1/visits/{visit.pk}/report.pdf"

    def timed(url: str, content_type: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith(content_type), response["Content-Type"]
        return elapsed

    queries = {}
    for name, url in (("json", json_url), ("pdf", pdf_url)):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        queries[name] = len(captured.captured_queries)
    pdf = client.get(pdf_url).content
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    assert images == 6, f"{images} thumbnails in the PDF, 6 expected"

    for _ in range(10):  # warm-up: fonts registered, connections open, caches filled
        timed(json_url, "application/json")
        timed(pdf_url, "application/pdf")
    jsons, pdfs = [], []
    for _ in range(rounds):
        jsons.append(timed(json_url, "application/json"))
        pdfs.append(timed(pdf_url, "application/pdf"))
        jsons.append(timed(json_url, "application/json"))

    json_ms = statistics.median(jsons) * 1000
    pdf_ms = statistics.median(pdfs) * 1000
    ratio = pdf_ms / json_ms
    print(f"database: {database}; rounds: {rounds}; visit: 40 answers, 6 photos (local storage)")
    print(f"GET /api/v1/visits/{{id}}/ (baseline)  median {json_ms:7.2f} ms, {queries['json']} queries")
    print(f"GET /api/v1/visits/{{id}}/report.pdf   median {pdf_ms:7.2f} ms, {queries['pdf']} queries")
    print(f"PDF: {len(pdf) // 1024} KiB, {pages} page(s), {images} thumbnails")
    print(f"ratio pdf/json: {ratio:.2f}x (goal <= {GOAL:g}x) -> {'OK' if ratio <= GOAL else 'OVER'}")


if __name__ == "__main__":
    main()
