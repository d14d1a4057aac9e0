"""Fault: ``kill -9`` a gunicorn worker while visits are being submitted; retries make exactly one.

    .venv/bin/python bench/fault_kill_worker.py [--seconds 12] [--clients 16] [--kills 6]

Its own database (``bench_kill`` on the shared PostgreSQL), gunicorn with 2 sync workers on
127.0.0.1:<free port>. ``--clients`` threads submit visits (phone-made UUIDs) as fast as they can,
so both workers are always busy; meanwhile a killer sends SIGKILL to a worker that is serving a
request, ``--kills`` times. A client whose request dies (connection reset, no answer, 5xx) resends
the same body blindly until it gets 200/201, as a phone does.

Every other acknowledged visit also gets a photo, resent the same way. Then, in the database:
every visit id sent exists exactly once, with its answers, one
``submitted`` history entry and one ``visit.submitted`` event (nothing half-written, nothing twice),
no assignment has two visits, and every photo id sent exists exactly once. The last lines print the counts; exit status 1 on a failure.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

NETWORK_ERROR = 0


class Run:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[str, list[int]] = defaultdict(list)
        self.photo_statuses: dict[str, list[int]] = defaultdict(list)
        self.in_flight = 0
        self.stop = threading.Event()

    def record(self, visit_id: str, status: int) -> None:
        with self.lock:
            self.statuses[visit_id].append(status)

    def record_photo(self, photo_id: str, status: int) -> None:
        with self.lock:
            self.photo_statuses[photo_id].append(status)

    def flight(self, delta: int) -> None:
        with self.lock:
            self.in_flight += delta


def client(ref: h.AuditorRef, base: str, run: Run, deadline: float, max_retries: int) -> None:
    """Submit visits (and, for every other one, a photo), resending each blindly until answered."""
    state = {"session": h.session_for(ref.token)}
    rng = random.Random(ref.user_id)
    queue = list(ref.assignments)

    def until_answered(record, url: str, **kwargs) -> int:
        for attempt in range(max_retries + 1):
            run.flight(+1)
            try:
                status = state["session"].post(url, timeout=30, **kwargs).status_code
            except requests.RequestException:
                status = NETWORK_ERROR
                state["session"] = h.session_for(ref.token)  # the old connection died with the worker
            finally:
                run.flight(-1)
            record(status)
            if status != NETWORK_ERROR and status < 500:
                return status
            time.sleep(0.05 * (attempt + 1))  # blind retry: same id, same body
        return status

    while queue and time.monotonic() < deadline:
        body = h.visit_body(queue.pop(0), rng=rng)
        visit_id = body["id"]
        status = until_answered(
            functools.partial(run.record, visit_id),
            f"{base}/api/v1/visits/",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        if status in (200, 201) and rng.random() < 0.5:
            photo_id = str(uuid.uuid4())
            until_answered(
                functools.partial(run.record_photo, photo_id),
                f"{base}/api/v1/visits/{visit_id}/photos/",
                data={"id": photo_id, "item": ""},
                files={"image": ("photo.jpg", h.jpeg_bytes(rng.randrange(1 << 30)), "image/jpeg")},
            )


def killer(server: h.Gunicorn, run: Run, kills: int, interval: float, rng: random.Random) -> list[int]:
    killed: list[int] = []
    time.sleep(interval)
    while len(killed) < kills and not run.stop.is_set():
        # Only kill while requests are in flight: with both workers saturated, the victim is
        # almost surely inside a submit (parsing, scoring, in the transaction, or answering).
        h.wait_for(lambda: run.in_flight >= 2, timeout=10, interval=0.005, what="requests in flight")
        pids = [pid for pid in server.worker_pids() if pid not in killed]
        if not pids:
            time.sleep(0.1)
            continue
        victim = rng.choice(pids)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        h.log(f"kill -9 worker {victim} ({run.in_flight} request(s) in flight)")
        time.sleep(interval)
    return killed


def killed_inside_transaction(server: h.Gunicorn, seed: h.Seed, database_url: str) -> dict:
    """Deterministic mid-submit kill: hold the outbox table locked so both workers stop inside
    their submit transaction (visit, answers and history written, event insert waiting), kill -9
    both, release, and check that nothing of those visits was kept until the client's blind retry
    stores each exactly once."""
    import psycopg

    from audits.models import Visit
    from webhooks.models import Event

    bodies = [h.visit_body(ref.assignments.pop()) for ref in seed.auditors[:2]]
    tokens = [ref.token for ref in seed.auditors[:2]]
    dbname = database_url.rsplit("/", 1)[-1]
    first: list[int] = [NETWORK_ERROR, NETWORK_ERROR]

    def send(n: int) -> int:
        try:
            return (
                h.session_for(tokens[n])
                .post(f"{server.base}/api/v1/visits/", json=bodies[n], timeout=30)
                .status_code
            )
        except requests.RequestException:
            return NETWORK_ERROR

    def waiting(conn) -> int:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname]
        ).fetchone()[0]

    with psycopg.connect(database_url, autocommit=True) as watch, psycopg.connect(database_url) as locker:
        locker.execute(f"LOCK TABLE {Event._meta.db_table} IN EXCLUSIVE MODE")
        senders = [threading.Thread(target=lambda n=n: first.__setitem__(n, send(n))) for n in range(2)]
        for sender in senders:
            sender.start()
        h.wait_for(
            lambda: waiting(watch) >= 2,
            timeout=15,
            interval=0.02,
            what="both submits blocked mid-transaction",
        )
        workers = server.worker_pids()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        h.log(f"kill -9 workers {workers}, each blocked inside a submit transaction")
        for sender in senders:
            sender.join(timeout=30)
        locker.rollback()  # release the outbox: the orphaned backends notice their client is gone
        h.wait_for(
            lambda: (
                watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND xact_start IS NOT NULL "
                    "AND pid <> pg_backend_pid()",
                    [dbname],
                ).fetchone()[0]
                == 0
            ),
            timeout=30,
            what="the killed workers' transactions to end",
        )
    ids = [body["id"] for body in bodies]
    kept_before_retry = Visit.objects.filter(pk__in=ids).count()
    retried: list[int] = []
    for n in range(2):
        for _attempt in range(50):
            status = send(n)
            if status != NETWORK_ERROR and status < 500:
                break
            time.sleep(0.1)
        retried.append(status)
    visits_after = Visit.objects.filter(pk__in=ids).count()
    events_after = sum(
        1
        for data in Event.objects.filter(type="visit.submitted").values_list("data", flat=True)
        if data.get("id") in ids
    )
    return {
        "ids": ids,
        "first_send_statuses": first,
        "visits_kept_before_retry": kept_before_retry,
        "retry_statuses": retried,
        "visits_after_retry": visits_after,
        "events_after_retry": events_after,
    }


def count_in_database(org_id: int, run: Run) -> dict:
    from django.db.models import Count

    from audits.models import Answer, Visit, VisitHistory
    from webhooks.models import Event

    sent = set(run.statuses)
    acked = {vid for vid, statuses in run.statuses.items() if statuses[-1] in (200, 201)}
    stored = {str(pk) for pk in Visit.objects.filter(organization_id=org_id).values_list("pk", flat=True)}
    answers = Counter(
        str(vid)
        for vid in Answer.objects.filter(visit__organization_id=org_id).values_list("visit_id", flat=True)
    )
    history = Counter(
        str(vid)
        for vid in VisitHistory.objects.filter(visit__organization_id=org_id, action="submitted").values_list(
            "visit_id", flat=True
        )
    )
    events = Counter(
        str(data.get("id"))
        for data in Event.objects.filter(organization_id=org_id, type="visit.submitted").values_list(
            "data", flat=True
        )
    )
    from photos.models import Photo

    photos_sent = set(run.photo_statuses)
    photos_acked = {pid for pid, statuses in run.photo_statuses.items() if statuses[-1] in (200, 201)}
    photos_stored = {
        str(pk) for pk in Photo.objects.filter(organization_id=org_id).values_list("pk", flat=True)
    }
    retried = {vid for vid, statuses in run.statuses.items() if len(statuses) > 1}
    replayed = {vid for vid in retried if run.statuses[vid][-1] == 200}
    return {
        "visits_sent": len(sent),
        "visits_acked": len(acked),
        "visits_never_acked": len(sent - acked),
        "visits_stored": len(stored),
        "visits_lost": len(acked - stored),
        "visits_unknown": len(stored - sent),
        "requests_interrupted": sum(s.count(NETWORK_ERROR) for s in run.statuses.values()),
        "requests_5xx": sum(1 for s in run.statuses.values() for x in s if x >= 500),
        "visits_retried": len(retried),
        "retries_answered_200_replay": len(replayed),
        "visits_wrong_answer_count": sum(1 for vid in stored if answers[vid] != h.ANSWERS_PER_VISIT),
        "visits_history_not_1": sum(1 for vid in stored if history[vid] != 1),
        "visits_events_not_1": sum(1 for vid in stored if events[vid] != 1),
        "photos_sent": len(photos_sent),
        "photos_never_acked": len(photos_sent - photos_acked),
        "photos_lost": len(photos_acked - photos_stored),
        "photos_unknown": len(photos_stored - photos_sent),
        "photo_requests_interrupted": sum(s.count(NETWORK_ERROR) for s in run.photo_statuses.values()),
        "assignments_with_2_visits": Visit.objects.filter(organization_id=org_id)
        .values("assignment_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--kill-every", type=float, default=1.5, help="seconds between kills")
    parser.add_argument("--max-retries", type=int, default=30)
    parser.add_argument("--database", default="bench_kill")
    args = parser.parse_args()

    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    server = None
    try:
        with h.bench_database(args.database) as database_url:
            env = h.server_env(database_url=database_url, media_root=media.name)
            h.django_setup(env)
            h.migrate(env)
            seed = h.seed(auditors=args.clients, assignments_per_auditor=400)
            server = h.Gunicorn(env, workers=2, threads=1).start()
            phase1 = killed_inside_transaction(server, seed, database_url)
            initial_workers = server.worker_pids()

            run = Run()
            for visit_id in phase1["ids"]:  # counted with the rest: exactly one each
                run.statuses[visit_id] = [NETWORK_ERROR, 201]
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(
                    target=client, args=(ref, server.base, run, deadline, args.max_retries), daemon=True
                )
                for ref in seed.auditors
            ]
            for thread in threads:
                thread.start()
            killed = killer(server, run, args.kills, args.kill_every, random.Random(7))
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            run.stop.set()
            final_workers = server.worker_pids()
            server.stop()
            errors = server.server_error_summary()
            counts = count_in_database(seed.organization_id, run)
    finally:
        if server:
            server.cleanup()
        media.cleanup()

    print()
    print(
        "phase 1, both workers killed while blocked inside a submit transaction: first sends "
        f"{phase1['first_send_statuses']}, visits kept before retry {phase1['visits_kept_before_retry']}, "
        f"retries {phase1['retry_statuses']}, visits after {phase1['visits_after_retry']}/2, "
        f"events {phase1['events_after_retry']}/2"
    )
    print("phase 2, random kills under load:")
    print(f"workers at start {initial_workers}, killed {len(killed)}: {killed}, at the end {final_workers}")
    for key, value in counts.items():
        print(f"  {key}: {value}")
    for summary, n in errors.most_common(10):
        print(f"server error x{n}: {summary}")
    failures = []
    if counts["visits_lost"] or counts["visits_never_acked"]:
        failures.append("visits lost or never acknowledged")
    if counts["visits_unknown"] or counts["photos_unknown"]:
        failures.append("rows nobody sent")
    if counts["photos_lost"] or counts["photos_never_acked"]:
        failures.append("photos lost or never acknowledged")
    if counts["assignments_with_2_visits"] or counts["visits_wrong_answer_count"]:
        failures.append("duplicate or half-written visits")
    if counts["visits_history_not_1"] or counts["visits_events_not_1"]:
        failures.append("history/events not exactly one per visit")
    if (
        phase1["first_send_statuses"] != [NETWORK_ERROR, NETWORK_ERROR]
        or phase1["visits_kept_before_retry"] != 0
        or phase1["retry_statuses"] != [201, 201]
        or phase1["visits_after_retry"] != 2
        or phase1["events_after_retry"] != 2
    ):
        failures.append("phase 1: a killed transaction was kept, or its retry did not store exactly one")
    if sum(errors.values()):
        failures.append("server errors logged")
    if not killed or not (counts["requests_interrupted"] + counts["photo_requests_interrupted"]):
        failures.append("no request was interrupted: the kill did not land mid-request")
    print()
    print(
        f"RESULT kills={len(killed)} interrupted={counts['requests_interrupted']}+"
        f"{counts['photo_requests_interrupted']} (visits+photos) "
        f"retried={counts['visits_retried']} replayed_200={counts['retries_answered_200_replay']} "
        f"sent={counts['visits_sent']} stored={counts['visits_stored']} lost={counts['visits_lost']} "
        f"photos sent={counts['photos_sent']} lost={counts['photos_lost']} "
        f"duplicates={counts['assignments_with_2_visits'] + counts['visits_wrong_answer_count']}"
    )
    print(
        "RESULT "
        + ("FAIL: " + ", ".join(failures) if failures else "PASS: exactly one visit (and photo) per id")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
