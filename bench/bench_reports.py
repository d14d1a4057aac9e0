"""Reports at scale, PostgreSQL: ratios measured in one run, against baselines from the same run.

    python bench/bench_reports.py [--large 1000000] [--db bench_reports] [--reuse]

1. Builds a fresh database (``--db``, default ``bench_reports`` on the local server; never the
   test or development ones) and generates 10,000 visits (20 answers each) over 20 locations and
   two years with ``generate_load``.
2. Times every report for a fixed scope and window: region ``LR0000`` (10 locations) over the 90
   days up to the end date (a location trend over 12 months), the report's selector (the SQL plus
   its rounding) and the HTTP request (auth, parsing, JSON), each the median of several runs, and
   a hand-written SQL query producing the same numbers (checked equal).
3. Grows the data to ``--large`` visits by adding locations in other regions at the same density
   (the fixed scope's rows do not change, the tables grow around it) and times everything again.
   Prints time(large) / time(10k) (goal <= 2) and time(report) / time(hand SQL) (goal <= 1.5).
4. CSV export through a real gunicorn worker: rows per second (goal >= 100k) and the worker's
   peak RSS (VmHWM) for an export of about 1k rows and one of about 1M rows, each on a fresh
   worker (goal: within 20%).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = "2026-11-20"
SMALL = 10_000
REPEAT = 15


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", type=int, default=1_000_000, help="Visits at the large size.")
    parser.add_argument("--db", default="bench_reports")
    parser.add_argument("--host", default="postgres://root@127.0.0.1:5432")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep an already generated database (skip step 1 and 3)."
    )
    parser.add_argument("--csv-rows", type=int, default=1_000_000, help="Rows of the big CSV export.")
    parser.add_argument(
        "--csv-only", action="store_true", help="Only the CSV figures, on the existing database."
    )
    return parser.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.host}/{ARGS.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("THROTTLE_ADMIN", "100000/min")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=os.environ, cwd=ROOT)


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{ARGS.host}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}"')
        conn.execute(f'CREATE DATABASE "{ARGS.db}"')
    manage("migrate", "-v0")


if ARGS.csv_only:
    ARGS.reuse = True
if not ARGS.reuse:
    fresh_database()
    manage("generate_load", "--visits", str(SMALL), "--locations", "20", "--end", END, "--days", "730")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)  # no request log lines in the figures

import datetime as dt  # noqa: E402

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import Location, Organization, Region, Role, User  # noqa: E402
from reports import selectors  # noqa: E402
from reports.selectors import ReportFilters, rate, round_figure  # noqa: E402

END_DATE = dt.date.fromisoformat(END)
FROM_90 = END_DATE - dt.timedelta(days=89)
FROM_12M = (
    dt.date(END_DATE.year - 1, END_DATE.month + 1, 1) if END_DATE.month < 12 else dt.date(END_DATE.year, 1, 1)
)


def median_seconds(fn, repeat: int = REPEAT) -> float:
    fn()  # warm caches and plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved(functions: dict, repeat: int = REPEAT) -> dict:
    """Median seconds of each function, run in turns so a busy neighbour slows them all alike."""
    for fn in functions.values():
        fn()  # warm caches and plans
    times: dict = {name: [] for name in functions}
    for _ in range(repeat):
        for name, fn in functions.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


COUNTED = "v.organization_id = %s AND v.kind = 'mystery' AND v.status IN ('submitted', 'approved')"


def hand_trend(org, *, column: str, where: str, params: list, first, last):
    base = f"FROM audits_visit v JOIN accounts_location l ON l.id = v.location_id WHERE {COUNTED} AND {where} AND v.local_date BETWEEN %s AND %s"
    args = [org.pk, *params, first, last]
    totals = fetch(
        f"SELECT v.{column}, count(*), avg(v.score), count(*) FILTER (WHERE v.passed) {base} GROUP BY 1", args
    )
    sections = fetch(
        f"SELECT v.{column}, e ->> 'key', avg((e ->> 'score')::float8) {base.replace('WHERE', ', jsonb_array_elements(v.section_scores) e WHERE', 1)} "
        "AND jsonb_typeof(e -> 'score') = 'number' GROUP BY 1, 2",
        args,
    )
    return (
        sorted((d, n, round_figure(a), rate(p, n)) for d, n, a, p in totals),
        sorted((d, k, round_figure(a)) for d, k, a in sections),
    )


def from_trend(body: dict):
    day = dt.date.fromisoformat
    totals = sorted(
        (day(p["period_start"]), p["visits"], p["average_score"], p["pass_rate"])
        for p in body["series"]
        if p["visits"]
    )
    sections = sorted(
        (day(p["period_start"]), k, v) for p in body["series"] for k, v in p["sections"].items()
    )
    return totals, sections


def hand_ranking(org, region, first, last):
    length = (last - first).days + 1
    prev_first = first - dt.timedelta(days=length)
    rows = fetch(
        f"""
        SELECT l.id, l.code, l.name,
               count(*) FILTER (WHERE v.local_date >= %s), avg(v.score) FILTER (WHERE v.local_date >= %s),
               count(*) FILTER (WHERE v.local_date >= %s AND v.passed), avg(v.score) FILTER (WHERE v.local_date < %s)
        FROM audits_visit v JOIN accounts_location l ON l.id = v.location_id
        WHERE {COUNTED} AND l.region_id = %s AND v.local_date BETWEEN %s AND %s
        GROUP BY l.id, l.code, l.name HAVING count(*) FILTER (WHERE v.local_date >= %s) > 0
        ORDER BY avg(v.score) FILTER (WHERE v.local_date >= %s) DESC, 4 DESC, l.name
        """,
        [first, first, first, first, org.pk, region.pk, prev_first, last, first, first],
    )
    return sorted((i, n, round_figure(a), rate(p, n), round_figure(pa)) for i, _, _, n, a, p, pa in rows)


def from_ranking(rows):
    return sorted(
        (r["location"]["id"], r["visits"], r["average_score"], r["pass_rate"], r["previous_average_score"])
        for r in rows
    )


def hand_items(org, region, first, last):
    rows = fetch(
        f"""
        SELECT v.checklist_id, a.item_key, count(*), avg(a.score)
        FROM audits_answer a JOIN audits_visit v ON v.id = a.visit_id JOIN accounts_location l ON l.id = v.location_id
        WHERE {COUNTED} AND l.region_id = %s AND v.local_date BETWEEN %s AND %s AND a.score IS NOT NULL
        GROUP BY 1, 2 ORDER BY avg(a.score)
        """,
        [org.pk, region.pk, first, last],
    )
    return sorted((c, k, n, round_figure(a * 100)) for c, k, n, a in rows)


def from_items(rows):
    return sorted((r["checklist"], r["item"], r["answers"], r["average_item_score"]) for r in rows)


def hand_gap(org, region, first, last):
    both = "v.organization_id = %s AND v.status IN ('submitted', 'approved') AND l.region_id = %s AND v.local_date BETWEEN %s AND %s"
    args = [org.pk, region.pk, first, last]
    items = fetch(
        f"""
        SELECT v.checklist_id, a.item_key, avg(a.score) FILTER (WHERE v.kind = 'self_assessment'),
               avg(a.score) FILTER (WHERE v.kind = 'mystery')
        FROM audits_answer a JOIN audits_visit v ON v.id = a.visit_id JOIN accounts_location l ON l.id = v.location_id
        WHERE {both} AND a.score IS NOT NULL GROUP BY 1, 2
        """,
        args,
    )
    overall = fetch(
        f"SELECT v.kind, avg(v.score) FROM audits_visit v JOIN accounts_location l ON l.id = v.location_id WHERE {both} GROUP BY 1",
        args,
    )
    return (
        sorted((c, k, _pct(s), _pct(m)) for c, k, s, m in items),
        sorted(
            {"mystery": None, "self_assessment": None, **{k: round_figure(a) for k, a in overall}}.items()
        ),
    )


def _pct(average):
    return None if average is None else round_figure(average * 100)


def from_gap(body):
    items = sorted(
        (r["checklist"], r["item"], r["self_assessment_score"], r["mystery_score"]) for r in body["results"]
    )
    overall = sorted(
        [
            ("mystery", body["overall"]["mystery_score"]),
            ("self_assessment", body["overall"]["self_assessment_score"]),
        ]
    )
    return items, overall


def measure(stage: str) -> dict:
    org = Organization.objects.get(name="Load Test Org")
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"organization": org, "role": Role.ADMIN, "display_name": "Bench"}
    )
    region = Region.objects.get(organization=org, code="LR0000")
    store = Location.objects.get(organization=org, code="LL000000")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(admin).access_token}")
    window = ReportFilters(date_from=FROM_90, date_to=END_DATE, region_id=region.pk)
    year = ReportFilters(date_from=FROM_12M, date_to=END_DATE, location_id=store.pk)
    q90 = {"from": FROM_90.isoformat(), "to": END, "region": region.pk}
    cases = {
        "location trend (month, 12 months)": (
            lambda: selectors.trend(principal=admin, filters=year, period="month"),
            lambda: client.get(
                f"/api/v1/locations/{store.pk}/trend/", {"from": FROM_12M, "to": END, "period": "month"}
            ),
            lambda: hand_trend(
                org,
                column="month_start",
                where="v.location_id = %s",
                params=[store.pk],
                first=FROM_12M,
                last=END_DATE,
            ),
            from_trend,
        ),
        "region trend (week, 90 days)": (
            lambda: selectors.trend(principal=admin, filters=window, period="week"),
            lambda: client.get(
                f"/api/v1/regions/{region.pk}/trend/", {"from": FROM_90, "to": END, "period": "week"}
            ),
            lambda: hand_trend(
                org,
                column="week_start",
                where="l.region_id = %s",
                params=[region.pk],
                first=FROM_90,
                last=END_DATE,
            ),
            from_trend,
        ),
        "location ranking (region, 90 days)": (
            lambda: selectors.location_ranking(principal=admin, filters=window),
            lambda: client.get("/api/v1/reports/location-ranking/", q90),
            lambda: hand_ranking(org, region, FROM_90, END_DATE),
            from_ranking,
        ),
        "item performance (region, 90 days)": (
            lambda: selectors.item_performance(principal=admin, filters=window),
            lambda: client.get("/api/v1/reports/item-performance/", q90),
            lambda: hand_items(org, region, FROM_90, END_DATE),
            from_items,
        ),
        "perception gap (region, 90 days)": (
            lambda: selectors.perception_gap(principal=admin, filters=window),
            lambda: client.get("/api/v1/reports/perception-gap/", q90),
            lambda: hand_gap(org, region, FROM_90, END_DATE),
            from_gap,
        ),
    }
    results = {}
    visits = fetch("SELECT count(*) FROM audits_visit", [])[0][0]
    answers = fetch("SELECT count(*) FROM audits_answer", [])[0][0]
    print(f"\n== {stage}: {visits:,} visits, {answers:,} answers ==")
    for name, (selector, http, hand, normalize) in cases.items():
        response = http()
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        same = normalize(body if "trend" in name or "gap" in name else body["results"]) == hand()
        assert same, f"{name}: report and hand-written SQL disagree"
        # The report's own SQL (as the ORM emitted it), replayed raw: its quality against the hand's.
        with CaptureQueriesContext(connection) as captured:
            selector()
        statements = [query["sql"] for query in captured.captured_queries]

        def replay(statements=statements):
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                    cursor.fetchall()

        results[name] = interleaved(
            {"selector": selector, "http": http, "hand": hand, "report_sql": replay}, repeat=REPEAT
        )
        r = results[name]
        print(
            f"{name:40s} selector {r['selector'] * 1000:8.2f} ms  http {r['http'] * 1000:8.2f} ms  "
            f"hand SQL {r['hand'] * 1000:8.2f} ms  its SQL {r['report_sql'] * 1000:8.2f} ms  "
            f"selector/hand {r['selector'] / r['hand']:.2f}  its SQL/hand {r['report_sql'] / r['hand']:.2f}  same numbers: yes"
        )
    # Not a fixed scope: the whole organization's 90 days grows with the data (for information).
    org_window = ReportFilters(date_from=FROM_90, date_to=END_DATE)
    results["item performance (whole org, 90 days)"] = {
        "selector": median_seconds(
            lambda: selectors.item_performance(principal=admin, filters=org_window), repeat=3
        )
    }
    print(
        f"{'item performance (whole org, 90 days)':40s} selector "
        f"{results['item performance (whole org, 90 days)']['selector'] * 1000:8.2f} ms  (grows with the window's rows)"
    )
    return results


def csv_export(rows_wanted: int, label: str) -> tuple[int, float, int]:
    """Stream an export of about ``rows_wanted`` rows from a fresh gunicorn worker: rows, seconds, peak RSS (kB)."""
    import socket
    import urllib.request

    org = Organization.objects.get(name="Load Test Org")
    admin = User.objects.get(username="bench-admin")
    token = str(RefreshToken.for_user(admin).access_token)
    # Choose a window ending at END holding about rows_wanted answers (20 per visit).
    per_day = (
        fetch(
            "SELECT count(*) FROM audits_visit WHERE organization_id = %s AND local_date BETWEEN %s AND %s",
            [org.pk, END_DATE - dt.timedelta(days=29), END_DATE],
        )[0][0]
        / 30
    )
    if rows_wanted <= 5000:
        store = Location.objects.get(organization=org, code="LL000000")
        params = f"location={store.pk}&to={END}"
        # about rows_wanted / 20 visits of one store: pick the start date
        dates = fetch(
            "SELECT local_date FROM audits_visit WHERE location_id = %s AND local_date <= %s ORDER BY local_date DESC LIMIT %s",
            [store.pk, END_DATE, max(1, rows_wanted // 20)],
        )
        params += f"&from={dates[-1][0].isoformat()}"
    else:
        days = max(1, round(rows_wanted / 20 / per_day))
        params = f"from={(END_DATE - dt.timedelta(days=days - 1)).isoformat()}&to={END}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/exports/visits.csv?{params}",
            headers={"Authorization": f"Bearer {token}"},
        )

        def cpu_seconds() -> float:
            fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        cpu_before = cpu_seconds()
        started = time.perf_counter()
        lines = 0
        with urllib.request.urlopen(request, timeout=600) as response:
            while chunk := response.read(1 << 20):
                lines += chunk.count(b"\r\n")
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        status = Path(f"/proc/{worker}/status").read_text()
        peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = lines - 1
    print(
        f"CSV {label:10s} {rows:>10,} rows in {seconds:7.2f} s = {rows / seconds:>10,.0f} rows/s "
        f"(worker CPU {cpu:.2f} s = {rows / max(cpu, 0.01):,.0f} rows per CPU-second), "
        f"worker peak RSS {peak_kb / 1024:.1f} MiB"
    )
    return rows, seconds, peak_kb


def main() -> None:
    if ARGS.csv_only:
        return export_figures()
    small = measure(f"small ({SMALL:,} visits)")
    if not ARGS.reuse:
        extra = ARGS.large - SMALL
        locations = max(20, 20 * ARGS.large // SMALL - 20)  # same visits per location as the small stage
        started = time.perf_counter()
        manage(
            "generate_load",
            "--visits",
            str(extra),
            "--locations",
            str(locations),
            "--end",
            END,
            "--days",
            "730",
            "--seed",
            "2",
            "--batch",
            "10000",
            "--defer-indexes",
        )
        print(f"generated {extra:,} more visits in {time.perf_counter() - started:.0f} s")
        connection.close()
    large = measure(f"large ({ARGS.large:,} visits)")

    print("\n== ratios ==")
    for name in small:
        s, big = small[name], large[name]
        line = f"{name:40s} large/small selector {big['selector'] / s['selector']:5.2f}"
        if "http" in s:
            line += (
                f"  http {big['http'] / s['http']:5.2f}  report/hand SQL at large: selector "
                f"{big['selector'] / big['hand']:5.2f}, http {big['http'] / big['hand']:5.2f}, "
                f"its SQL {big['report_sql'] / big['hand']:5.2f}"
            )
        print(line)

    export_figures()


def export_figures() -> None:
    print(f"\n== CSV export (load average {open('/proc/loadavg').read().split()[0]}) ==")
    _, _, small_peak = csv_export(1000, "~1k rows")
    rows, seconds, big_peak = csv_export(ARGS.csv_rows, "big")
    print(
        f"peak RSS big/small: {big_peak / small_peak:.2f} (goal <= 1.2); rows/s {rows / seconds:,.0f} (goal >= 100,000)"
    )


if __name__ == "__main__":
    main()
