"""Dashboard pages against the API calls that carry the same data, in one run; and each page's weight.

    .venv/bin/python bench/bench_dashboard.py [--rounds 15] [--weeks 26]

Runs in-process through Django's WSGI handler (``django.test.Client``: every middleware, the
session or the JWT, the selectors, the template or the serializer) on a database of its own:
``bench_dashboard`` on the PostgreSQL server at ``BENCH_POSTGRES_URL`` (default
``postgres://root@127.0.0.1:5432``) when one answers, else a temporary SQLite file, filled by
``seed_demo`` (the demo organization). For each page, as the person it is for, it prints:

- the median server time of the page over the sum of the medians of the API calls that carry the
  same data for the same person and window (goal: at most 2x), measured in alternating rounds so
  both see the same machine load;
- the page's own weight: its HTML plus the dashboard's CSS and JS (the chart library, Chart.js and
  Chartkick.js, aside), in KB (goal: under 100 KB).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import in_process_django  # noqa: E402 - after the path

DB_NAME = "bench_dashboard"
OWN_ASSETS = ("dashboard/dashboard.css", "dashboard/dashboard.js")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--weeks", type=int, default=26, help="Weeks of demo history (seed_demo).")
    args = parser.parse_args()

    with in_process_django(DB_NAME, quiet=True) as database:
        run(args.rounds, args.weeks, database)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(rounds: int, weeks: int, database: str) -> None:
    import io

    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Location, User
    from audits.models import Visit
    from disputes.models import Dispute

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", weeks=weeks, stdout=io.StringIO())
    print(
        f"database: {database}; seed_demo --weeks {weeks} in {time.monotonic() - started:.0f}s; rounds: {rounds}"
    )

    own_css_js = sum(Path(finders.find(name)).stat().st_size for name in OWN_ASSETS)
    manager = User.objects.get(username="demo-manager")
    staff = User.objects.get(username="demo-staff")
    amsterdam = Location.objects.get(code="AMS-01")
    disputed = Dispute.objects.filter(location=amsterdam).order_by("-opened_at").first()
    visit = disputed.visit_id if disputed else Visit.objects.filter(location=amsterdam).first().pk

    def page_client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def api_client(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    pages = {}
    clients = {
        "manager": (page_client(manager), api_client(manager)),
        "staff": (page_client(staff), api_client(staff)),
    }

    def window_of(html: str) -> tuple[str, str, str]:
        import re

        found = re.search(r'data-from="([\d-]+)" data-to="([\d-]+)" data-period="(\w+)"', html)
        if found is None:  # a page without a filter bar (the visit)
            return "2026-01-01", "2026-01-01", "week"
        return found.group(1), found.group(2), found.group(3)

    def api_calls(name: str, who: str, html: str) -> list[str]:
        """The API requests that carry what the page shows, for the same person and window."""
        first, last, period = window_of(html)
        window = f"from={first}&to={last}"
        import datetime as dt

        length = dt.date.fromisoformat(last) - dt.date.fromisoformat(first) + dt.timedelta(days=1)
        before = f"from={dt.date.fromisoformat(first) - length}&to={dt.date.fromisoformat(first) - dt.timedelta(days=1)}"
        _, api = clients[who]
        if name == "overview":
            regions = [r["id"] for r in api.get("/api/v1/regions/").json()["results"]]
            return [
                f"/api/v1/reports/location-ranking/?{window}",
                f"/api/v1/reports/location-ranking/?{before}",
                f"/api/v1/reports/perception-gap/?{window}",
                f"/api/v1/reports/perception-gap/?{before}",
                *(f"/api/v1/regions/{pk}/trend/?{window}&period={period}" for pk in regions),
                "/api/v1/actions/?status=open",
                "/api/v1/actions/?overdue=true",
                "/api/v1/disputes/?status=open",
            ]
        if name == "ranking":
            rows = api.get(f"/api/v1/reports/location-ranking/?{window}").json()["results"]
            return [
                f"/api/v1/reports/location-ranking/?{window}",
                *(
                    f"/api/v1/locations/{row['location']['id']}/trend/?{window}&period={period}"
                    for row in rows[:25]
                ),
            ]
        if name == "location":
            here = f"location={amsterdam.pk}"
            return [
                f"/api/v1/locations/{amsterdam.pk}/trend/?{window}&period={period}",
                f"/api/v1/locations/{amsterdam.pk}/trend/?{before}&period={period}",
                f"/api/v1/reports/item-performance/?{window}&{here}",
                f"/api/v1/reports/perception-gap/?{window}&{here}",
                f"/api/v1/visits/?{window}&{here}",
                f"/api/v1/actions/?{here}",
                f"/api/v1/disputes/?{here}&status=open",
            ]
        if name == "visit":
            return [
                f"/api/v1/visits/{visit}/",
                f"/api/v1/visits/{visit}/history/",
                f"/api/v1/visits/{visit}/photos/",
                f"/api/v1/disputes/?visit={visit}",
                f"/api/v1/actions/?visit={visit}",
            ]
        if name == "actions":
            return [f"/api/v1/actions/?status={status}" for status in ("open", "resolved", "verified")]
        if name == "disputes":
            return [
                f"/api/v1/disputes/?status=open&{window}",
                f"/api/v1/disputes/?{window}",
                f"/api/v1/reports/disputes/?{window}",
            ]
        raise ValueError(name)

    pages = [
        ("overview", "manager", "/dashboard/overview/"),
        ("ranking", "manager", "/dashboard/locations/"),
        ("location", "staff", f"/dashboard/locations/{amsterdam.pk}/"),
        ("visit", "manager", f"/dashboard/visits/{visit}/"),
        ("actions", "manager", "/dashboard/actions/"),
        ("disputes", "manager", "/dashboard/disputes/"),
    ]
    print(f"{'page':<10} {'as':<8} {'page ms':>8} {'API ms':>8} {'calls':>5} {'ratio':>6}  {'own KB':>7}")
    worst = 0.0
    heaviest = 0.0
    for name, who, url in pages:
        browse, api = clients[who]
        first = browse.get(url)
        assert first.status_code == 200, (url, first.status_code)
        html = first.content.decode()
        calls = api_calls(name, who, html)
        for call in calls:
            response = api.get(call)
            assert response.status_code == 200, (call, response.status_code)
        page_times: list[float] = []
        call_times: dict[str, list[float]] = {call: [] for call in calls}
        for _ in range(rounds):
            began = time.perf_counter()
            browse.get(url)
            page_times.append(time.perf_counter() - began)
            for call in calls:
                began = time.perf_counter()
                api.get(call)
                call_times[call].append(time.perf_counter() - began)
        page_ms = _median_ms(page_times)
        api_ms = sum(_median_ms(samples) for samples in call_times.values())
        ratio = page_ms / api_ms
        weight = (len(first.content) + own_css_js) / 1024
        worst, heaviest = max(worst, ratio), max(heaviest, weight)
        print(
            f"{name:<10} {who:<8} {page_ms:8.1f} {api_ms:8.1f} {len(calls):5d} {ratio:5.2f}x  {weight:7.1f}"
        )
    print(f"worst ratio page/API: {worst:.2f}x (goal <= 2x) -> {'OK' if worst <= 2 else 'OVER'}")
    print(
        f"heaviest page (HTML + own CSS/JS): {heaviest:.1f} KB (goal < 100 KB) -> {'OK' if heaviest < 100 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
