"""Load test: 50 simulated auditors for 60 s against gunicorn + PostgreSQL, then count in the DB.

    .venv/bin/python bench/load_auditors.py [--seconds 60] [--auditors 50] [--workers 4] [--threads 4]

Creates its own database (``bench_load`` on BENCH_POSTGRES_URL, default
postgres://root@127.0.0.1:5432), migrates it, seeds one organization with open assignments,
starts gunicorn (production settings, no DEBUG) on 127.0.0.1:<free port> and runs one thread per
auditor, each with its own ``requests.Session``. An auditor loops: submit a visit with a
phone-made UUID against its next open assignment, attach photos (small JPEGs made with Pillow),
now and then resend the same visit or photo (as a phone whose acknowledgement got lost does,
sometimes concurrently with the first send), sync its assignments with ``?updated_since=`` every
few seconds, and hit a bare endpoint (``/healthz`` and ``/api/v1/me/``) so their latency is measured
at the same concurrency as the submits.

Afterwards it compares what clients sent and were told with what the database holds: no 5xx,
no lost visit (every acknowledged id is stored), no duplicate (one row per id, one visit per
assignment, the right number of answers, one photo row per photo id). The last lines print the
counts and the latency ratios; the exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
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


class Ledger:
    """What the clients sent and what they were told, per visit id and per photo id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.visit_sent: set[str] = set()
        self.visit_statuses: dict[str, list[int]] = defaultdict(list)
        self.photo_sent: dict[str, str] = {}
        self.photo_statuses: dict[str, list[int]] = defaultdict(list)
        self.statuses: Counter = Counter()  # (kind, status) over every request
        self.concurrent_pairs: list[tuple[int, int]] = []
        self.concurrent_photo_pairs: list[tuple[int, int]] = []

    def visit(self, visit_id: str, status: int) -> None:
        with self.lock:
            self.visit_sent.add(visit_id)
            self.visit_statuses[visit_id].append(status)

    def photo(self, photo_id: str, visit_id: str, status: int) -> None:
        with self.lock:
            self.photo_sent[photo_id] = visit_id
            self.photo_statuses[photo_id].append(status)

    def count(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1


PHOTO_SEEDS = itertools.count(1)
NETWORK_ERROR = 0  # recorded as the status of a request that got no HTTP answer


class Auditor(threading.Thread):
    def __init__(
        self,
        ref: h.AuditorRef,
        *,
        base: str,
        deadline: float,
        args,
        ledger: Ledger,
        tally: h.Tally,
        me_ok: bool,
    ):
        super().__init__(name=f"auditor-{ref.user_id}", daemon=True)
        self.ref = ref
        self.base = base
        self.deadline = deadline
        self.args = args
        self.ledger = ledger
        self.tally = tally
        self.me_ok = me_ok
        self.rng = random.Random(ref.user_id)
        self.session = h.session_for(ref.token)
        self.queue = ref.assignments  # shared: an assignment is used once, whoever runs it
        self.last_sync: str | None = None
        self.next_sync = time.monotonic() + self.rng.uniform(0, args.sync_every)

    # one request, timed and recorded
    def call(
        self, kind: str, method: str, path: str, session: requests.Session | None = None, **kwargs
    ) -> int:
        session = session or self.session
        started = time.perf_counter()
        try:
            response = session.request(method, self.base + path, timeout=30, **kwargs)
            status = response.status_code
        except requests.RequestException:
            status = NETWORK_ERROR
        self.tally.sample(kind, time.perf_counter() - started)
        self.ledger.count(kind, status)
        return status

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            if time.monotonic() >= self.next_sync:
                self.sync()
            self.bare()
            if not self.queue:
                time.sleep(0.2)  # out of assignments: keep syncing and measuring only
                continue
            visit_id = self.submit_visit(self.queue.pop(0))
            if visit_id:
                for n in range(self.rng.choice(self.args.photos_per_visit)):
                    self.upload_photo(visit_id, item="storefront" if n == 0 else "")

    def bare(self) -> None:
        self.call("healthz", "GET", "/healthz")
        if self.me_ok:
            self.call("me", "GET", "/api/v1/me/")

    def sync(self) -> None:
        started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 2))
        params = {"updated_since": self.last_sync} if self.last_sync else {}
        status = self.call("sync", "GET", "/api/v1/assignments/", params=params)
        if status == 200:
            self.last_sync = started
        self.next_sync = time.monotonic() + self.args.sync_every

    def post_visit(self, body: dict, kind: str, session: requests.Session | None = None) -> int:
        status = self.call(
            kind,
            "POST",
            "/api/v1/visits/",
            session=session,
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        self.ledger.visit(body["id"], status)
        return status

    def submit_visit(self, assignment: h.AssignmentRef) -> str | None:
        body = h.visit_body(assignment, rng=self.rng)
        if self.rng.random() < self.args.concurrent_dup_rate:
            # Two sends of the same body at once (the phone retried while the first was in flight).
            results: list[int] = []
            twin = threading.Thread(
                target=lambda: results.append(
                    self.post_visit(body, "submit-dup", session=h.session_for(self.ref.token))
                )
            )
            twin.start()
            status = self.post_visit(body, "submit")
            twin.join()
            with self.ledger.lock:
                self.ledger.concurrent_pairs.append((status, results[0] if results else NETWORK_ERROR))
        else:
            status = self.post_visit(body, "submit")
        for _ in range(5):  # blind retries with the same body until the server answers
            if status != NETWORK_ERROR and status < 500:
                break
            time.sleep(0.2)
            status = self.post_visit(body, "submit-retry")
        if status in (200, 201) and self.rng.random() < self.args.dup_rate:
            self.post_visit(body, "submit-dup")  # the acknowledgement "got lost": send it again
        return body["id"] if status in (200, 201) else None

    def upload_photo(self, visit_id: str, *, item: str) -> None:
        photo_id = str(uuid.uuid4())
        image = h.jpeg_bytes(next(PHOTO_SEEDS))  # every photo different, so duplicates show

        def send(kind: str, session: requests.Session | None = None) -> int:
            status = self.call(
                kind,
                "POST",
                f"/api/v1/visits/{visit_id}/photos/",
                session=session,
                data={"id": photo_id, "item": item},
                files={"image": ("photo.jpg", image, "image/jpeg")},
            )
            self.ledger.photo(photo_id, visit_id, status)
            return status

        if self.rng.random() < self.args.concurrent_dup_rate:
            # The phone resent the upload while the first one was still in flight.
            results: list[int] = []
            twin = threading.Thread(
                target=lambda: results.append(send("photo-dup", session=h.session_for(self.ref.token)))
            )
            twin.start()
            status = send("photo")
            twin.join()
            with self.ledger.lock:
                self.ledger.concurrent_photo_pairs.append((status, results[0] if results else NETWORK_ERROR))
            return
        status = send("photo")
        if status in (200, 201) and self.rng.random() < self.args.dup_rate:
            send("photo-dup")


def preflight(base: str, seed: h.Seed) -> tuple[bool, bool]:
    """Do the endpoints the test needs exist? Returns (visits_ok, me_ok)."""
    session = h.session_for(seed.auditors[0].token)
    me = session.get(f"{base}/api/v1/me/", timeout=10).status_code
    visits = session.get(f"{base}/api/v1/visits/", timeout=10).status_code
    assignments = session.get(f"{base}/api/v1/assignments/", timeout=10).status_code
    h.log(f"preflight: GET /api/v1/me/ {me}, /api/v1/visits/ {visits}, /api/v1/assignments/ {assignments}")
    return visits == 200, me == 200


def count_in_database(org_id: int, ledger: Ledger) -> dict:
    from django.db.models import Count

    from audits.models import Answer, Visit
    from photos.models import Photo

    visits = Visit.objects.filter(organization_id=org_id)
    stored = {str(pk) for pk in visits.values_list("pk", flat=True)}
    acked = {vid for vid, statuses in ledger.visit_statuses.items() if any(s in (200, 201) for s in statuses)}
    answers = dict(
        Answer.objects.filter(visit__organization_id=org_id).values_list("visit_id").annotate(n=Count("id"))
    )
    per_assignment = visits.values("assignment_id").annotate(n=Count("id")).filter(n__gt=1).count()
    photos = Photo.objects.filter(organization_id=org_id)
    photos_stored = {str(pk) for pk in photos.values_list("pk", flat=True)}
    photos_acked = {
        pid for pid, statuses in ledger.photo_statuses.items() if any(s in (200, 201) for s in statuses)
    }
    photo_dupes = photos.values("content_hash").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "visits_sent": len(ledger.visit_sent),
        "visits_acked": len(acked),
        "visits_stored": len(stored),
        "visits_lost": len(acked - stored),
        "visits_unknown": len(stored - ledger.visit_sent),
        "visits_stored_unacked": len((ledger.visit_sent - acked) & stored),
        "visits_wrong_answers": sum(
            1 for vid in stored if answers.get(uuid.UUID(vid), 0) != h.ANSWERS_PER_VISIT
        ),
        "assignments_with_2_visits": per_assignment,
        "photos_sent": len(ledger.photo_sent),
        "photos_acked": len(photos_acked),
        "photos_stored": len(photos_stored),
        "photos_lost": len(photos_acked - photos_stored),
        "photos_unknown": len(photos_stored - set(ledger.photo_sent)),
        "photo_duplicates": photo_dupes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--auditors", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--assignments-per-auditor", type=int, default=150)
    parser.add_argument("--dup-rate", type=float, default=0.15, help="share of visits/photos sent twice")
    parser.add_argument(
        "--concurrent-dup-rate",
        type=float,
        default=0.05,
        help="share of visits and photos sent twice at once",
    )
    parser.add_argument(
        "--photos-per-visit", type=lambda s: [int(x) for x in s.split(",")], default=[0, 1, 1, 2]
    )
    parser.add_argument("--sync-every", type=float, default=10.0, help="seconds between assignment syncs")
    parser.add_argument("--database", default="bench_load")
    parser.add_argument(
        "--baseline-seconds", type=float, default=5, help="one auditor alone first, for unloaded latencies"
    )
    args = parser.parse_args()

    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    server = None
    try:
        with h.bench_database(args.database) as database_url:
            env = h.server_env(database_url=database_url, media_root=media.name)
            h.django_setup(env)
            h.migrate(env)
            seed = h.seed(auditors=args.auditors, assignments_per_auditor=args.assignments_per_auditor)
            server = h.Gunicorn(env, workers=args.workers, threads=args.threads).start()
            visits_ok, me_ok = preflight(server.base, seed)
            if not visits_ok:
                h.log("the visits endpoint does not answer 200 yet: nothing to load-test")
                return 2

            ledger, tally, alone = Ledger(), h.Tally(), h.Tally()
            if args.baseline_seconds > 0:
                # One auditor alone first: the same requests without queueing, for context.
                solo = Auditor(
                    seed.auditors[0],
                    base=server.base,
                    deadline=time.monotonic() + args.baseline_seconds,
                    args=args,
                    ledger=ledger,
                    tally=alone,
                    me_ok=me_ok,
                )
                solo.next_sync = 0
                solo.run()
            deadline = time.monotonic() + args.seconds
            threads = [
                Auditor(
                    ref,
                    base=server.base,
                    deadline=deadline,
                    args=args,
                    ledger=ledger,
                    tally=tally,
                    me_ok=me_ok,
                )
                for ref in seed.auditors
            ]
            h.log(f"{len(threads)} auditors running for {args.seconds:.0f}s")
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started
            server.stop()  # nothing may write any more: now count
            errors = server.server_error_summary()
            tracebacks = sum(errors.values())
            counts = count_in_database(seed.organization_id, ledger)
            for summary, n in errors.most_common(10):
                print(f"server error x{n}: {summary}")
            return report(args, ledger, tally, alone, counts, tracebacks, elapsed)
    finally:
        if server:
            server.cleanup()
        media.cleanup()


def report(
    args, ledger: Ledger, tally: h.Tally, alone: h.Tally, counts: dict, tracebacks: int, elapsed: float
) -> int:
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for (kind, status), n in ledger.statuses.items():
        by_kind[kind][status] += n
    total = sum(ledger.statuses.values())
    server_errors = sum(n for (_, status), n in ledger.statuses.items() if status >= 500)
    network_errors = sum(n for (_, status), n in ledger.statuses.items() if status == NETWORK_ERROR)
    pairs = Counter(tuple(sorted(pair)) for pair in ledger.concurrent_pairs)

    print()
    print(f"requests: {total} in {elapsed:.1f}s ({total / elapsed:.1f}/s) by {args.auditors} auditors")
    for kind in sorted(by_kind):
        print(
            f"  {kind:<13} "
            + ", ".join(f"{status or 'neterr'}: {n}" for status, n in sorted(by_kind[kind].items()))
        )
    print(f"  concurrent twin submits (status pairs): {dict(pairs)}")
    photo_pairs = Counter(tuple(sorted(pair)) for pair in ledger.concurrent_photo_pairs)
    print(f"  concurrent twin uploads (status pairs): {dict(photo_pairs)}")
    for key, value in counts.items():
        print(f"  {key}: {value}")

    base = "me" if tally.samples.get("me") else "healthz"
    base_p50 = h.percentile(tally.samples[base], 50)
    base_p95 = h.percentile(tally.samples[base], 95)
    print()
    for kind in ("healthz", "me", "sync", "submit", "submit-dup", "photo"):
        values = tally.samples.get(kind)
        if not values:
            continue
        p50, p95 = h.percentile(values, 50), h.percentile(values, 95)
        print(
            f"latency {kind:<10} n={len(values):<6} p50 {h.ms(p50):>10}  p95 {h.ms(p95):>10}  "
            f"(x{p50 / base_p50:.1f} / x{p95 / base_p95:.1f} of {base})"
        )

    if alone.samples:
        print()
        for kind in ("healthz", "me", "sync", "submit", "photo"):
            values = alone.samples.get(kind)
            if values:
                print(
                    f"alone   {kind:<10} n={len(values):<6} p50 {h.ms(h.percentile(values, 50)):>10}  "
                    f"p95 {h.ms(h.percentile(values, 95)):>10}  (one auditor, before the load)"
                )

    failures = []
    if server_errors or tracebacks:
        failures.append("5xx")
    if network_errors:
        failures.append("network errors")
    if counts["visits_lost"] or counts["photos_lost"]:
        failures.append("lost writes")
    if counts["assignments_with_2_visits"] or counts["visits_wrong_answers"] or counts["photo_duplicates"]:
        failures.append("duplicates")
    if counts["visits_unknown"] or counts["photos_unknown"]:
        failures.append("rows nobody sent")
    unexpected = sum(
        n
        for (kind, status), n in ledger.statuses.items()
        if 400 <= status < 500 and kind.startswith(("submit", "photo"))
    )
    if unexpected:
        failures.append("4xx on valid writes")
    print()
    print(
        f"RESULT 5xx={server_errors} tracebacks={tracebacks} network_errors={network_errors} "
        f"unexpected_4xx={unexpected} lost_visits={counts['visits_lost']} lost_photos={counts['photos_lost']} "
        f"duplicate_visits={counts['assignments_with_2_visits'] + counts['visits_wrong_answers']} "
        f"duplicate_photos={counts['photo_duplicates']}"
    )
    print(
        f"RESULT visits acked={counts['visits_acked']} stored={counts['visits_stored']}, "
        f"photos acked={counts['photos_acked']} stored={counts['photos_stored']}; "
        f"submit p50/p95 = x{h.percentile(tally.samples.get('submit', []), 50) / base_p50:.1f}"
        f"/x{h.percentile(tally.samples.get('submit', []), 95) / base_p95:.1f} of {base}"
    )
    print("RESULT " + ("FAIL: " + ", ".join(failures) if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
