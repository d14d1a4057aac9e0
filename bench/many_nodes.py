"""Many nodes: 2 gunicorn nodes + 2 task workers + PostgreSQL + S3, one node and one worker SIGKILLed.

    .venv/bin/python bench/many_nodes.py [--seconds 60] [--auditors 50] [--drain-seconds 45]

Everything on 127.0.0.1: its own database (``bench_many_nodes`` on BENCH_POSTGRES_URL), a moto S3
endpoint (photos), two gunicorn nodes (production settings) sharing both, two ``db_worker``
processes (LISTEN/NOTIFY) sharing the queue, and a webhook receiver subscribed to
``visit.submitted`` and ``photo.added``. ``--auditors`` client threads (``load_auditors.Auditor``:
phone-made UUIDs, photos, blind resends, concurrent twins, syncs) spread their requests over both
nodes as a load balancer would, and send a request that got no answer (or a 502/503) to the other
node, unchanged. A third of the way in, one node (master and workers) and one worker are killed
with SIGKILL; three seconds later both are started again.

After the load the workers get ``--drain-seconds`` to finish the queue (a task whose worker died
is recovered by the sweeps, with leases and retry delays shortened to seconds for the run). Then it counts, in the
database and at the receiver, against what clients were told: visits, photos (rows and S3
objects), outbox events, webhook deliveries and notifications (one per failed mystery visit and
overseer, each email sent): 0 lost and 0 duplicated, or ``RESULT FAIL`` and exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import load_auditors as la  # noqa: E402
from bench_webhooks import Receiver  # noqa: E402

RETRYABLE = {la.NETWORK_ERROR, 502, 503, 504}


class Worker:
    """One ``manage.py db_worker`` process; ``kill`` is a SIGKILL, ``start`` starts a new one."""

    def __init__(self, name: str, env: dict, logdir: Path):
        self.name, self.env, self.generation = name, env, 0
        self.logfile = logdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.generation += 1
        with open(self.logfile, "ab") as out:
            self.proc = subprocess.Popen(
                [
                    h.PYTHON,
                    "manage.py",
                    "db_worker",
                    "--interval",
                    "1",
                    "--no-reload",
                    "--worker-id",
                    f"{self.name}-{self.generation}",
                ],
                cwd=h.ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        h.log(f"worker {self.name} pid {self.proc.pid}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class BalancedAuditor(la.Auditor):
    """An auditor behind a load balancer: requests alternate between nodes; one that got no answer
    (or a 502/503/504) goes to the next node as it was, a few times."""

    def __init__(self, ref: h.AuditorRef, *, nodes: list[h.Gunicorn], **kwargs):
        super().__init__(ref, base="", **kwargs)
        self.nodes = nodes
        self.turn = ref.user_id

    def call(
        self, kind: str, method: str, path: str, session: requests.Session | None = None, **kwargs
    ) -> int:
        session = session or self.session
        self.turn += 1
        started = time.perf_counter()
        status = la.NETWORK_ERROR
        for attempt in range(8):
            base = self.nodes[(self.turn + attempt) % len(self.nodes)].base
            try:
                status = session.request(method, base + path, timeout=30, **kwargs).status_code
            except requests.RequestException:
                status = la.NETWORK_ERROR
            if status not in RETRYABLE:
                break
            self.tally.add("failovers")
            time.sleep(0.2)
        self.tally.sample(kind, time.perf_counter() - started)
        self.ledger.count(kind, status)
        return status


def seed_webhook(org_id: int, url: str) -> None:
    from accounts.models import User
    from webhooks.models import Webhook

    Webhook.objects.create(
        organization_id=org_id, url=url, events=["visit.submitted", "photo.added"], secret="whsec_many_nodes"
    )
    # Admins hear of failed mystery visits: give them an address, so every notification is an email.
    User.objects.filter(organization_id=org_id, role="admin").update(email="admin@bench.example")


def outstanding(org_id: int) -> tuple[int, int]:
    """(deliveries not succeeded, notification emails not sent). Not the task rows: the one a killed
    worker was running stays RUNNING for ever; the sweeps queue its work again."""
    from notifications.models import Notification
    from webhooks.models import Delivery

    deliveries = Delivery.objects.filter(event__organization_id=org_id).exclude(status="succeeded").count()
    emails = Notification.objects.filter(organization_id=org_id).exclude(email_status="sent").count()
    return deliveries, emails


def stuck(org_id: int) -> list[str]:
    """What the work left undone looks like, and the sweep chains' task rows: for the log."""
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Notification
    from webhooks.models import Delivery

    lines = [
        f"unsent email {row}"
        for row in Notification.objects.filter(organization_id=org_id)
        .exclude(email_status="sent")
        .values("pk", "email_status", "attempt_count", "next_attempt_at", "locked_until", "swept_at")
    ]
    lines += [
        f"undelivered {row}"
        for row in Delivery.objects.filter(event__organization_id=org_id)
        .exclude(status="succeeded")
        .values("pk", "status", "attempt_count", "next_attempt_at")
    ]
    chains = Counter(
        DBTaskResult.objects.exclude(
            task_path__in=["notifications.tasks.send_email", "webhooks.tasks.deliver"]
        ).values_list("task_path", "status")
    )
    lines.append(f"sweep chain task rows {dict(chains)}")
    return lines


def count_outbox(org_id: int, ledger: la.Ledger, receiver: Receiver, s3: h.MotoS3) -> dict:
    """Events, deliveries, notifications and S3 objects against the visits and photos stored."""
    import boto3

    from audits.models import Visit
    from notifications.models import Notification
    from photos.models import Photo
    from webhooks.models import Delivery, Event

    visits = {str(pk) for pk in Visit.objects.filter(organization_id=org_id).values_list("pk", flat=True)}
    photos = dict(Photo.objects.filter(organization_id=org_id).values_list("pk", "image"))
    events = Counter(
        (kind, data.get("id"))
        for kind, data in Event.objects.filter(organization_id=org_id).values_list("type", "data")
    )
    submitted = Counter(
        vid for (kind, vid), n in events.items() if kind == "visit.submitted" for _ in range(n)
    )
    added = Counter(pid for (kind, pid), n in events.items() if kind == "photo.added" for _ in range(n))
    event_ids = {str(pk) for pk in Event.objects.filter(organization_id=org_id).values_list("pk", flat=True)}
    received = Counter(receiver.counts)
    failed_visits = {
        str(pk)
        for pk, passed, critical in Visit.objects.filter(organization_id=org_id).values_list(
            "pk", "passed", "critical_failures"
        )
        if critical or passed is False
    }
    keys = list(Notification.objects.filter(organization_id=org_id).values_list("key", flat=True))
    notified = Counter(vid for vid in failed_visits for key in keys if vid in key)
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        region_name="us-east-1",
        aws_access_key_id=s3.ACCESS_KEY,
        aws_secret_access_key=s3.SECRET_KEY,
    )
    objects: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=s3.bucket, Prefix=f"photos/{org_id}/"
    ):
        objects.update(item["Key"] for item in page.get("Contents", []))
    return {
        "events_visit_submitted": sum(submitted.values()),
        "events_photo_added": sum(added.values()),
        "events_lost": len(visits - set(submitted)) + len({str(p) for p in photos} - set(added)),
        "events_duplicated": sum(n - 1 for n in (submitted + added).values() if n > 1),
        "deliveries": Delivery.objects.filter(event__organization_id=org_id).count(),
        "deliveries_not_received": len(event_ids - set(received)),
        "deliveries_received_twice": sum(n - 1 for n in received.values() if n > 1),
        "notifications": len(keys),
        "failed_visits": len(failed_visits),
        "notifications_lost": sum(1 for vid in failed_visits if notified[vid] == 0),
        "notifications_duplicated": sum(n - 1 for n in notified.values() if n > 1),
        "emails_not_sent": Notification.objects.filter(organization_id=org_id)
        .exclude(email_status="sent")
        .count(),
        "photo_objects_missing": sum(1 for image in photos.values() if image not in objects),
    }


def chaos(nodes: list[h.Gunicorn], workers: list[Worker], *, at: float, log: list[str]) -> None:
    """At ``at`` (monotonic): SIGKILL node 2 (its whole process group) and worker 1; restart both 3 s later."""
    time.sleep(max(0.0, at - time.monotonic()))
    node, worker = nodes[1], workers[0]
    os.killpg(node.proc.pid, signal.SIGKILL)
    node.proc.wait(timeout=10)
    worker.kill()
    log.append(f"killed node 2 (pid {node.proc.pid}) and worker {worker.name} with SIGKILL")
    h.log(log[-1])
    time.sleep(3)
    worker.start()
    node.start()
    log.append("restarted node 2 and the worker")
    h.log(log[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--auditors", type=int, default=50)
    parser.add_argument(
        "--drain-seconds", type=float, default=45, help="time the workers get to empty the queue"
    )
    parser.add_argument("--assignments-per-auditor", type=int, default=100)
    parser.add_argument("--database", default="bench_many_nodes")
    parser.add_argument(
        "--template", help="copy this migrated database instead of migrating (CI: the test database)"
    )
    args = parser.parse_args()
    # SIGTERM (a caller's timeout) unwinds through the ``finally`` below: nothing is left running.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"stopped by signal {signum}"))
    # What load_auditors.Auditor reads from its arguments.
    args.dup_rate, args.concurrent_dup_rate, args.photos_per_visit, args.sync_every = (
        0.15,
        0.05,
        [0, 1, 1, 2],
        10.0,
    )

    media = tempfile.TemporaryDirectory(prefix="bench-many-nodes-")
    logdir = Path(media.name)
    s3 = h.MotoS3(bucket="many-nodes")
    receiver = Receiver()
    nodes: list[h.Gunicorn] = []
    workers: list[Worker] = []
    try:
        s3.start()
        s3.create_bucket()
        with h.bench_database(args.database, template=args.template) as database_url:
            env = h.server_env(
                database_url=database_url,
                media_root=media.name,
                extra={
                    **s3.env(),
                    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                    "DB_CONN_MAX_AGE": "60",
                    "EMAIL_URL": "consolemail://",
                    # A task whose worker was killed is recovered by the sweeps, and retried: seconds, not minutes.
                    "WEBHOOK_LEASE_SECONDS": "5",
                    "WEBHOOK_SWEEP_INTERVAL_SECONDS": "2",
                    "NOTIFICATION_LEASE_SECONDS": "5",
                    "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "2",
                    "NOTIFICATION_RETRY_DELAYS": "1,1,1,1,1,1,1",
                    # A sweep chain whose running link died with its worker is restarted this soon.
                    "TASK_WORKER_HOUSEKEEPING_SECONDS": "2",
                },
            )
            h.django_setup(env)
            if not args.template:
                h.migrate(env)
            from django.core.management import call_command

            seed = h.seed(auditors=args.auditors, assignments_per_auditor=args.assignments_per_auditor)
            seed_webhook(seed.organization_id, receiver.url)
            for command in ("webhooks_sweep", "notifications_sweep"):  # once per deploy
                call_command(command, "--schedule", verbosity=0)
            nodes = [h.Gunicorn(env, workers=2, threads=4) for _ in range(2)]
            starting = [threading.Thread(target=node.start) for node in nodes]
            for thread in starting:
                thread.start()
            for thread in starting:
                thread.join()
            if not all(node.proc and node.proc.poll() is None for node in nodes):
                raise RuntimeError("a node did not start")
            workers = [Worker(f"worker{n}", env, logdir) for n in (1, 2)]
            for worker in workers:
                worker.start()

            ledger, tally = la.Ledger(), h.Tally()
            started = time.monotonic()
            deadline = started + args.seconds
            auditors = [
                BalancedAuditor(
                    ref, nodes=nodes, deadline=deadline, args=args, ledger=ledger, tally=tally, me_ok=True
                )
                for ref in seed.auditors
            ]
            chaos_log: list[str] = []
            killer = threading.Thread(
                target=chaos,
                args=(nodes, workers),
                kwargs={"at": started + args.seconds / 3, "log": chaos_log},
                daemon=True,
            )
            h.log(f"{len(auditors)} auditors on 2 nodes for {args.seconds:.0f}s")
            for thread in [killer, *auditors]:
                thread.start()
            for thread in [killer, *auditors]:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started

            drain_until = time.monotonic() + args.drain_seconds
            left = outstanding(seed.organization_id)
            while any(left) and time.monotonic() < drain_until:
                time.sleep(0.5)
                left = outstanding(seed.organization_id)
            h.log(f"drained in {time.monotonic() - deadline:.1f}s; left (deliveries, emails): {left}")
            if any(left):
                for line in stuck(seed.organization_id):
                    h.log(line)
            time.sleep(1)  # a late duplicate delivery gets its chance to show up
            stopping = [threading.Thread(target=p.stop) for p in [*nodes, *workers]]
            for thread in stopping:
                thread.start()
            for thread in stopping:
                thread.join()
            errors = sum(sum(node.server_error_summary().values()) for node in nodes)
            counts = {
                **la.count_in_database(seed.organization_id, ledger),
                **count_outbox(seed.organization_id, ledger, receiver, s3),
            }
            return report(args, ledger, tally, counts, errors, elapsed, chaos_log)
    finally:
        for node in nodes:
            node.cleanup()
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.stop()
        receiver.server.shutdown()
        s3.stop()
        media.cleanup()


def report(
    args, ledger: la.Ledger, tally: h.Tally, counts: dict, errors: int, elapsed: float, chaos_log
) -> int:
    statuses: Counter = Counter()
    for (_kind, status), n in ledger.statuses.items():
        statuses[status] += n
    total = sum(statuses.values())
    print()
    print(
        f"requests: {total} in {elapsed:.1f}s ({total / elapsed:.1f}/s) by {args.auditors} auditors; "
        f"statuses {dict(sorted(statuses.items()))}; failovers to the other node {tally.counts['failovers']}"
    )
    for line in chaos_log:
        print(f"  {line}")
    for key, value in counts.items():
        print(f"  {key}: {value}")
    lost = {
        "visits": counts["visits_lost"],
        "photos": counts["photos_lost"] + counts["photo_objects_missing"],
        "events": counts["events_lost"],
        "deliveries": counts["deliveries_not_received"],
        "notifications": counts["notifications_lost"] + counts["emails_not_sent"],
    }
    duplicated = {
        "visits": counts["assignments_with_2_visits"] + counts["visits_wrong_answers"],
        "photos": counts["photo_duplicates"],
        "events": counts["events_duplicated"],
        "notifications": counts["notifications_duplicated"],
    }
    failures = [f"lost {k}" for k, v in lost.items() if v] + [
        f"duplicated {k}" for k, v in duplicated.items() if v
    ]
    if statuses.get(la.NETWORK_ERROR) or any(s >= 500 for s in statuses) or errors:
        failures.append("requests without an answer or 5xx")
    if counts["visits_unknown"] or counts["photos_unknown"]:
        failures.append("rows nobody sent")
    if len(chaos_log) < 2:
        failures.append("the kill and restart did not happen")
    print()
    print(
        "RESULT lost "
        + " ".join(f"{k}={v}" for k, v in lost.items())
        + "; duplicated "
        + " ".join(f"{k}={v}" for k, v in duplicated.items())
        + f"; visits acked={counts['visits_acked']} photos acked={counts['photos_acked']}"
        + f" events={counts['events_visit_submitted'] + counts['events_photo_added']}"
        + f" notifications={counts['notifications']}"
        + f"; redelivered (same X-Webhook-Id twice, allowed) {counts['deliveries_received_twice']}"
    )
    print("RESULT " + ("FAIL: " + ", ".join(failures) if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
