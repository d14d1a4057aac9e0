"""Webhook delivery speed: commit-to-receiver latency on an idle worker, and one worker's throughput.

    .venv/bin/python bench/bench_webhooks.py [--events 20] [--burst 300] [--interval 0.1] [--listen-interval 10]

Uses its own database: ``bench_webhooks`` on the PostgreSQL server at ``BENCH_POSTGRES_URL``
(default postgres://root@127.0.0.1:5432) when it answers, else a throwaway SQLite file. Starts a
receiver on 127.0.0.1 (in this process, so commit and receipt times share one clock) and one
``manage.py db_worker`` subprocess at a time.

1. Latency: ``--events`` times, commit one event in a transaction and wait for the receiver's 200,
   first with a worker polling every ``--interval`` seconds (``--no-listen``), then (PostgreSQL)
   with one woken by LISTEN/NOTIFY and polling only every ``--listen-interval`` seconds; baselines:
   a bare HTTP POST of the same body to the same receiver, and the polling worker. Ratios of medians.
2. Throughput: commit ``--burst`` events at once and time until the last one is received;
   baseline: the same number of bare sequential POSTs. Events per second and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432")
DB_NAME = "bench_webhooks"
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_url() -> str:
    """A fresh ``bench_webhooks`` database on PostgreSQL if reachable, else a temp SQLite file."""
    try:
        import psycopg

        with psycopg.connect(
            f"{PG.replace('postgres://', 'postgresql://')}/postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        return f"{PG}/{DB_NAME}"
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        log(f"PostgreSQL not reachable ({type(exc).__name__}); using SQLite")
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-webhooks-')}/db.sqlite3"


class Receiver:
    def __init__(self):
        self.received: dict[str, float] = {}
        self.counts: Counter[str] = Counter()  # deliveries per event id (a redelivery counts twice)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                event_id = self.headers.get("X-Webhook-Id")
                if event_id:
                    with receiver.lock:
                        receiver.received.setdefault(event_id, time.perf_counter())
                        receiver.counts[event_id] += 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, ids, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if all(i in self.received for i in ids):
                    return
            time.sleep(0.002)
        raise TimeoutError(f"{len([i for i in ids if i not in self.received])} events never arrived")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.1, help="poll interval of the polling baseline")
    parser.add_argument(
        "--listen-interval", type=float, default=10.0, help="poll interval of the LISTEN worker"
    )
    parser.add_argument("--conn-max-age", type=int, default=60, help="DB_CONN_MAX_AGE of the worker")
    args = parser.parse_args()

    url = database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1",
        "LOG_LEVEL": "ERROR",
        # A worker keeps its database connection (as documented for production workers).
        "DB_CONN_MAX_AGE": str(args.conn_max_age),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from accounts.models import Organization
    from webhooks.models import Delivery, Webhook
    from webhooks.services import event_record
    from webhooks.signing import event_body, signed_headers

    log(f"database: {connection.vendor} ({url.rsplit('/', 1)[-1]})")
    call_command("migrate", verbosity=0)
    receiver = Receiver()
    org = Organization.objects.create(name="Bench webhooks")
    Webhook.objects.create(
        organization=org, url=receiver.url, events=["visit.submitted"], secret="whsec_bench"
    )
    data = {
        "visit": {"id": "00000000-0000-0000-0000-000000000000", "score": 87.5, "answers": list(range(30))}
    }

    def start_worker(*, interval: float, listen: bool) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                str(interval),
                "--listen" if listen else "--no-listen",
                "--no-startup-delay",
                "-v",
                "0",
            ],
            cwd=ROOT,
            env=env,
        )

    def stop_worker(worker: subprocess.Popen) -> None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()

    def commit_events(count: int) -> list[str]:
        with transaction.atomic():
            events = [event_record(organization=org, type="visit.submitted", data=data) for _ in range(count)]
        return [str(e.pk) for e in events]  # on_commit enqueues ran inside the block's exit

    def idle_latencies(*, interval: float, listen: bool) -> tuple[list[float], list[float]]:
        """Commit one event at a time to an idle worker; seconds until the receiver got it."""
        worker = start_worker(interval=interval, listen=listen)
        try:
            receiver.wait(commit_events(1), timeout=60)  # warm up: the worker started and delivered
            phase_start = timezone.now()
            latencies = []
            for _ in range(args.events):
                time.sleep(max(args.interval * 1.5, 0.2))  # let the worker go idle
                start = time.perf_counter()
                ids = commit_events(1)
                receiver.wait(ids, timeout=60)
                latencies.append(receiver.received[ids[0]] - start)
            # Commit to pick-up, as the queue saw it: the wake-up alone, without the delivery's work.
            pickups = [
                (started - enqueued).total_seconds()
                for enqueued, started in DBTaskResult.objects.filter(
                    enqueued_at__gte=phase_start, started_at__isnull=False
                ).values_list("enqueued_at", "started_at")
            ]
            return latencies, pickups
        finally:
            stop_worker(worker)

    def p90(values: list[float]) -> float:
        return sorted(values)[int(0.9 * len(values)) - 1]

    # 1. Latency on an idle worker: polling (the baseline, no LISTEN), then LISTEN/NOTIFY with a
    #    poll interval so long that only a notification can explain a fast delivery.
    polled, polled_pickup = idle_latencies(interval=args.interval, listen=False)
    listened, listened_pickup = (
        idle_latencies(interval=args.listen_interval, listen=True)
        if connection.vendor == "postgresql"
        else ([], [])
    )
    worker = start_worker(interval=args.interval, listen=True)
    try:
        receiver.wait(commit_events(1), timeout=60)
        import urllib3

        pool = urllib3.PoolManager()
        body = event_body(
            event_id="bench",
            type="visit.submitted",
            created_at=org.created_at
            if hasattr(org, "created_at")
            else __import__("datetime").datetime.now(),
            data=data,
        )
        bare = []
        for _ in range(args.events):
            headers = signed_headers(
                secret="whsec_bench", event_id="", raw_body=body, timestamp=int(time.time())
            )
            start = time.perf_counter()
            pool.request("POST", receiver.url, body=body, headers=headers, retries=False)
            bare.append(time.perf_counter() - start)
        lat, base = statistics.median(polled), statistics.median(bare)
        log(
            f"latency commit->200, polling every {args.interval}s (--no-listen), median of {args.events}: "
            f"{lat * 1000:.1f} ms (p90 {p90(polled) * 1000:.1f} ms); bare POST median {base * 1000:.2f} ms"
        )
        log(f"  ratio delivery/bare = {lat / base:.1f}x  (conn max age {args.conn_max_age}s)")
        log(f"  commit to pick-up by the worker, median: {statistics.median(polled_pickup) * 1000:.1f} ms")
        if listened:
            fast = statistics.median(listened)
            log(
                f"latency commit->200, LISTEN/NOTIFY (poll {args.listen_interval}s), median of {args.events}: "
                f"{fast * 1000:.1f} ms (p90 {p90(listened) * 1000:.1f} ms); "
                f"ratio to the {args.interval}s poll = {fast / lat:.2f}x, to a bare POST = {fast / base:.1f}x"
            )
            log(
                f"  commit to pick-up by the worker, median: {statistics.median(listened_pickup) * 1000:.1f} ms"
            )

        # 2. Throughput of one worker.
        start = time.perf_counter()
        ids = commit_events(args.burst)
        receiver.wait(ids, timeout=300)
        elapsed = max(receiver.received[i] for i in ids) - start
        rate = args.burst / elapsed
        start = time.perf_counter()
        for _ in range(args.burst):
            pool.request("POST", receiver.url, body=body, headers=headers, retries=False)
        bare_rate = args.burst / (time.perf_counter() - start)
        log(
            f"throughput, one worker: {rate:.0f} events/s ({args.burst} in {elapsed:.2f}s); "
            f"bare sequential POSTs {bare_rate:.0f}/s; ratio bare/worker = {bare_rate / rate:.1f}x"
        )
        undelivered = Delivery.objects.exclude(status="succeeded").count()
        log(f"deliveries not succeeded: {undelivered}")
        return 0 if undelivered == 0 else 1
    finally:
        stop_worker(worker)
        receiver.server.shutdown()
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
