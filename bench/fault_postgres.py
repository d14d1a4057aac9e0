"""Fault: PostgreSQL goes away and comes back; the API answers 503 meanwhile, then recovers.

    .venv/bin/python bench/fault_postgres.py [--conn-max-age 0,60]

The shared PostgreSQL on 5432 is never touched: the script initdb's a throwaway cluster in a temp
dir (as the ``postgres`` user) on a free loopback port, migrates it, seeds a few assignments and
starts gunicorn (2 workers) against it. For each ``DB_CONN_MAX_AGE`` given (0: a connection per
request; 60: persistent connections, which go stale when the server restarts):

1. all is well: ``/readyz`` 200, a visit is submitted (201);
2. ``pg_ctl stop -m fast``: ``/healthz`` still 200; ``/readyz`` 503; submitting a visit, uploading a
   photo, listing visits, reading ``/api/v1/me/`` and logging in all answer 503 in the error shape
   (``{"type": "server_error", "errors": [{"code": "database_unavailable", ...}]}``, ``Retry-After``),
   never 500, and quickly;
3. ``pg_ctl start``: ``/readyz`` 200 again and the refused visit, resent as is, is stored (201),
   once (a second resend answers 200).

Last lines: the status counts per phase and PASS/FAIL (exit status 1 on a failure).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402


def attempt(
    session: requests.Session, method: str, url: str, timeout: float = 30, **kwargs
) -> tuple[int, requests.Response | None, float]:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
        return response.status_code, response, time.perf_counter() - started
    except requests.RequestException:
        return 0, None, time.perf_counter() - started


def scenario(
    pg: h.ThrowawayPostgres, env: dict, seed: h.Seed, conn_max_age: int
) -> tuple[list[str], list[str]]:
    """Runs the three phases against one gunicorn; returns (lines to print, failures)."""
    from django.db import connections

    from audits.models import Visit

    lines, failures = [], []
    auditor = seed.auditors[0]
    server = h.Gunicorn({**env, "DB_CONN_MAX_AGE": str(conn_max_age)}, workers=2, threads=1).start()
    try:
        base = server.base
        session = h.session_for(auditor.token)
        anon = requests.Session()

        # 1. healthy
        ready = anon.get(f"{base}/readyz", timeout=10).status_code
        first = h.visit_body(auditor.assignments.pop())
        created = session.post(f"{base}/api/v1/visits/", json=first, timeout=30).status_code
        for _ in range(6):  # warm both workers (and, with persistence, their connections)
            session.get(f"{base}/api/v1/visits/", timeout=10)
        lines.append(f"[max_age={conn_max_age}] up: readyz {ready}, submit {created}")
        if ready != 200 or created != 201:
            failures.append(
                f"max_age={conn_max_age}: not healthy before the fault (readyz {ready}, submit {created})"
            )

        # 2. PostgreSQL down
        connections.close_all()
        pg.stop()
        pending = h.visit_body(auditor.assignments.pop())
        image = h.jpeg_bytes(1)
        probes = {
            "healthz": lambda: attempt(anon, "GET", f"{base}/healthz"),
            "readyz": lambda: attempt(anon, "GET", f"{base}/readyz"),
            "submit": lambda: attempt(session, "POST", f"{base}/api/v1/visits/", json=pending),
            "photo": lambda: attempt(
                session,
                "POST",
                f"{base}/api/v1/visits/{first['id']}/photos/",
                data={"id": "0b7f4c1e-3d7a-4d2e-9a51-5a8f0e6b1c22", "item": ""},
                files={"image": ("p.jpg", image, "image/jpeg")},
            ),
            "list": lambda: attempt(session, "GET", f"{base}/api/v1/visits/"),
            "me": lambda: attempt(session, "GET", f"{base}/api/v1/me/"),
            "login": lambda: attempt(
                anon,
                "POST",
                f"{base}/api/v1/auth/token/",
                json={"username": auditor.username, "password": "x" * 12},
            ),
        }
        down: dict[str, Counter] = {name: Counter() for name in probes}
        slowest = 0.0
        for _ in range(4):  # several rounds so that both workers answer each probe
            for name, probe in probes.items():
                status, response, seconds = probe()
                slowest = max(slowest, seconds)
                down[name][status] += 1
                if name == "healthz":
                    continue
                if status != 503:
                    failures.append(
                        f"max_age={conn_max_age}: {name} answered {status} with the database down"
                    )
                elif not h.error_shape_ok(response):
                    failures.append(f"max_age={conn_max_age}: {name} 503 body is not in the error shape")
                elif "Retry-After" not in response.headers:
                    failures.append(f"max_age={conn_max_age}: {name} 503 without Retry-After")
                elif name != "readyz" and response.json()["errors"][0]["code"] != "database_unavailable":
                    failures.append(
                        f"max_age={conn_max_age}: {name} 503 code {response.json()['errors'][0]['code']}"
                    )
        if down["healthz"] != Counter({200: 4}):
            failures.append(
                f"max_age={conn_max_age}: /healthz {dict(down['healthz'])} with the database down"
            )
        sample = probes["submit"]()[1]
        lines.append(
            f"[max_age={conn_max_age}] down: "
            + ", ".join(f"{name} {dict(counts)}" for name, counts in down.items())
            + f"; slowest answer {h.ms(slowest)}"
        )
        if sample is not None:
            lines.append(f"[max_age={conn_max_age}] down: submit body {sample.text[:200]}")

        # 3. PostgreSQL back
        pg.start()
        back = time.monotonic()
        h.wait_for(
            lambda: anon.get(f"{base}/readyz", timeout=5).status_code == 200,
            timeout=30,
            what="readyz 200 again",
        )
        ready_after = time.monotonic() - back
        after: Counter = Counter()
        status = 0
        for _ in range(10):  # the phone resends the refused visit, as is, until it is taken
            status, _, _ = attempt(session, "POST", f"{base}/api/v1/visits/", json=pending)
            after[status] += 1
            if status in (200, 201):
                break
            time.sleep(0.2)
        again, _, _ = attempt(session, "POST", f"{base}/api/v1/visits/", json=pending)
        listing = Counter(attempt(session, "GET", f"{base}/api/v1/visits/")[0] for _ in range(6))
        connections.close_all()
        stored = Visit.objects.filter(pk=pending["id"]).count()
        lines.append(
            f"[max_age={conn_max_age}] back: readyz 200 after {ready_after:.1f}s; resent visit {dict(after)}, "
            f"resent again {again}; list {dict(listing)}; stored {stored}"
        )
        if after.get(201) != 1 or again != 200 or stored != 1:
            failures.append(
                f"max_age={conn_max_age}: the resent visit was not stored exactly once after recovery"
            )
        if set(listing) != {200}:
            failures.append(f"max_age={conn_max_age}: reads after recovery {dict(listing)}")
        if any(code >= 500 and code != 503 for code in after):
            failures.append(f"max_age={conn_max_age}: a non-503 server error after recovery")

        # 4. a restart nobody noticed: no request while it was down, so persistent connections
        # (if any) are stale when the next requests come.
        for _ in range(6):
            session.get(f"{base}/api/v1/visits/", timeout=10)
        connections.close_all()
        pg.stop()
        pg.start()
        blip = [attempt(session, "GET", f"{base}/api/v1/visits/")[0] for _ in range(8)]
        lines.append(f"[max_age={conn_max_age}] unnoticed restart: next 8 reads {blip}")
        if any(code >= 500 and code != 503 for code in blip):
            failures.append(f"max_age={conn_max_age}: a stale connection gave {blip}")
        if blip[-2:] != [200, 200]:
            failures.append(
                f"max_age={conn_max_age}: reads did not recover after an unnoticed restart: {blip}"
            )
        server.stop()
        for summary, n in server.server_error_summary().most_common(5):
            lines.append(f"[max_age={conn_max_age}] server error x{n}: {summary}")
            failures.append(f"max_age={conn_max_age}: unhandled exception logged ({summary[:80]})")
    finally:
        server.cleanup()
    return lines, failures


def frozen(pg: h.ThrowawayPostgres, env: dict, seed: h.Seed) -> tuple[list[str], list[str]]:
    """PostgreSQL hangs instead of refusing: how long until /readyz and a submit answer, and what?"""
    import threading

    lines, failures = [], []
    auditor = seed.auditors[0]
    server = h.Gunicorn({**env, "DB_CONN_MAX_AGE": "0"}, workers=2, threads=1).start()
    results: dict[str, tuple[int, float]] = {}
    try:
        base = server.base
        session = h.session_for(auditor.token)
        body = h.visit_body(auditor.assignments.pop())
        pg.freeze()
        try:
            probes = {
                # Longer than gunicorn's worker timeout (60 s), to see what the server itself does.
                "readyz": lambda: attempt(requests.Session(), "GET", f"{base}/readyz", timeout=75),
                "submit": lambda: attempt(session, "POST", f"{base}/api/v1/visits/", timeout=75, json=body),
            }
            threads = [
                threading.Thread(target=lambda n=name, p=probe: results.__setitem__(n, p()[::2]))
                for name, probe in probes.items()
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        finally:
            pg.thaw()
        h.wait_for(
            lambda: requests.get(f"{base}/readyz", timeout=5).status_code == 200, timeout=90, what="readyz"
        )
        resent = attempt(session, "POST", f"{base}/api/v1/visits/", json=body)[0]
        lines.append(
            "[frozen] "
            + ", ".join(
                f"{name} {status or 'no answer'} after {seconds:.1f}s"
                for name, (status, seconds) in results.items()
            )
            + f"; after thawing the resent visit answered {resent}"
        )
        for name, (status, seconds) in results.items():
            if status != 503 or seconds > 15:
                failures.append(
                    f"frozen database: {name} answered {status or 'nothing'} after {seconds:.0f}s"
                )
        if resent not in (200, 201):
            failures.append(f"frozen database: the resent visit answered {resent} after thawing")
    finally:
        server.cleanup()
    return lines, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conn-max-age", default="0,60", help="DB_CONN_MAX_AGE values to try, comma-separated"
    )
    parser.add_argument(
        "--frozen",
        action="store_true",
        help="also freeze PostgreSQL (SIGSTOP: connections hang instead of being refused); adds ~1 min",
    )
    args = parser.parse_args()

    pg = h.ThrowawayPostgres()
    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    lines, failures = [], []
    try:
        pg.init()
        pg.start()
        env = h.server_env(database_url=f"{pg.url}/postgres", media_root=media.name)
        h.django_setup(env)
        h.migrate(env)
        seed = h.seed(auditors=1, assignments_per_auditor=20, locations=2)
        for max_age in (int(value) for value in args.conn_max_age.split(",")):
            more_lines, more_failures = scenario(pg, env, seed, max_age)
            lines += more_lines
            failures += more_failures
        if args.frozen:
            more_lines, more_failures = frozen(pg, env, seed)
            lines += more_lines
            failures += more_failures
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        pg.destroy()
        media.cleanup()
        h.log("throwaway cluster removed")

    print()
    for line in lines:
        print(line)
    for failure in failures:
        print(f"FAILED: {failure}")
    print(
        "RESULT " + ("FAIL" if failures else "PASS: 503 in the error shape while down, back to normal after")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
