"""Fault: the S3 photo store goes away and comes back; uploads answer 503, then a retry succeeds.

    .venv/bin/python bench/fault_s3.py

A moto S3 server in this process on 127.0.0.1:<free port> is the photo store (``S3_BUCKET``,
``S3_ENDPOINT_URL`` and keys in the environment), with its own database (``bench_s3`` on the
shared PostgreSQL) and gunicorn (2 workers). Then:

1. all is well: ``/readyz`` 200, a visit (201) and a photo upload (201) whose link downloads;
2. the S3 endpoint stops: photo uploads answer 503 in the error shape (never 500, and soon),
   ``/readyz`` 503 naming the storage, while ``/healthz`` and visit submissions (which need no
   store) keep working;
2b. the endpoint hangs (accepts connections, never answers): uploads still end in a 503, after
   the S3 client's timeouts (``S3_READ_TIMEOUT`` is set to 2 s here to keep the run short);
3. the endpoint comes back on the same port: ``/readyz`` 200, the refused upload resent as is is
   stored (201), once (a second resend answers 200), and its objects are in the bucket.

Last lines: the statuses per phase and PASS/FAIL (exit status 1 on a failure).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402


def attempt(
    session: requests.Session, method: str, url: str, **kwargs
) -> tuple[int, requests.Response | None, float]:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=60, **kwargs)
        return response.status_code, response, time.perf_counter() - started
    except requests.RequestException:
        return 0, None, time.perf_counter() - started


def upload(session: requests.Session, base: str, visit_id: str, photo_id: str, image: bytes):
    return attempt(
        session,
        "POST",
        f"{base}/api/v1/visits/{visit_id}/photos/",
        data={"id": photo_id, "item": ""},
        files={"image": ("photo.jpg", image, "image/jpeg")},
    )


def bucket_objects(moto: h.MotoS3) -> list[str]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.ACCESS_KEY,
        aws_secret_access_key=moto.SECRET_KEY,
    )
    return [item["Key"] for item in client.list_objects_v2(Bucket=moto.bucket).get("Contents", [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bench_s3")
    parser.add_argument(
        "--s3-read-timeout",
        type=float,
        default=2,
        help="S3_READ_TIMEOUT for the server (default 2 s; production 10)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="probes per endpoint while the store is down")
    args = parser.parse_args()

    moto = h.MotoS3()
    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    server = None
    lines, failures = [], []
    try:
        moto.start()
        moto.create_bucket()
        with h.bench_database(args.database) as database_url:
            env = h.server_env(
                database_url=database_url,
                media_root=media.name,
                extra={**moto.env(), "S3_READ_TIMEOUT": str(args.s3_read_timeout)},
            )
            h.django_setup(env)
            h.migrate(env)
            seed = h.seed(auditors=1, assignments_per_auditor=20, locations=2)
            auditor = seed.auditors[0]
            server = h.Gunicorn(env, workers=2, threads=1).start()
            base = server.base
            session = h.session_for(auditor.token)
            anon = requests.Session()

            # 1. healthy
            visit = h.visit_body(auditor.assignments.pop())
            ready = anon.get(f"{base}/readyz", timeout=10).status_code
            submitted = session.post(f"{base}/api/v1/visits/", json=visit, timeout=30).status_code
            status, response, _ = upload(session, base, visit["id"], str(uuid.uuid4()), h.jpeg_bytes(1))
            fetched = None
            if status == 201:
                fetched = requests.get(response.json()["url"], timeout=10).status_code
            lines.append(f"up: readyz {ready}, submit {submitted}, upload {status}, its url {fetched}")
            if (ready, submitted, status, fetched) != (200, 201, 201, 200):
                failures.append("not healthy before the fault")

            # 2. the store is down
            moto.stop()
            pending_id, pending_image = str(uuid.uuid4()), h.jpeg_bytes(2)
            down: dict[str, Counter] = {
                name: Counter() for name in ("healthz", "readyz", "upload", "submit", "photo-list")
            }
            slowest_upload = 0.0
            for _ in range(args.rounds):
                status, response, seconds = upload(session, base, visit["id"], pending_id, pending_image)
                slowest_upload = max(slowest_upload, seconds)
                down["upload"][status] += 1
                if status != 503:
                    failures.append(f"upload answered {status} with the store down")
                elif not h.error_shape_ok(response) or "Retry-After" not in response.headers:
                    failures.append("upload 503 is not in the error shape or lacks Retry-After")
                status, response, _ = attempt(anon, "GET", f"{base}/readyz")
                down["readyz"][status] += 1
                if status != 503 or response.json().get("storage") != "unavailable":
                    failures.append(f"readyz answered {status} {response.text[:100] if response else ''}")
                down["healthz"][attempt(anon, "GET", f"{base}/healthz")[0]] += 1
                down["photo-list"][
                    attempt(session, "GET", f"{base}/api/v1/visits/{visit['id']}/photos/")[0]
                ] += 1
            another = h.visit_body(auditor.assignments.pop())
            down["submit"][attempt(session, "POST", f"{base}/api/v1/visits/", json=another)[0]] += 1
            sample = upload(session, base, visit["id"], pending_id, pending_image)[1]
            lines.append(
                "down: "
                + ", ".join(f"{name} {dict(counts)}" for name, counts in down.items())
                + f"; slowest upload answer {h.ms(slowest_upload)}"
            )
            if sample is not None:
                lines.append(f"down: upload body {sample.text[:200]}")
            if down["healthz"] != Counter({200: args.rounds}):
                failures.append(f"healthz {dict(down['healthz'])} with the store down")
            if down["submit"] != Counter({201: 1}):
                failures.append(
                    f"visit submission {dict(down['submit'])} with the store down (needs no store)"
                )
            if any(code >= 500 and code != 503 for counts in down.values() for code in counts):
                failures.append("a non-503 server error with the store down")

            # 2b. a hung store: the port accepts connections but nothing ever answers (a listener
            # that never accepts); uploads must still end in a 503, after the client timeouts.
            blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            blackhole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            blackhole.bind(("127.0.0.1", moto.port))
            blackhole.listen(128)
            hung: Counter = Counter()
            hung_slowest = 0.0
            try:
                for _ in range(2):
                    status, response, seconds = upload(session, base, visit["id"], pending_id, pending_image)
                    hung_slowest = max(hung_slowest, seconds)
                    hung[f"upload {status}"] += 1
                    if status != 503 or not h.error_shape_ok(response):
                        failures.append(f"upload answered {status} with the store hung")
                status, _, readyz_seconds = attempt(anon, "GET", f"{base}/readyz")
                hung[f"readyz {status}"] += 1
                if status != 503:
                    failures.append(f"readyz answered {status} with the store hung")
            finally:
                blackhole.close()
            lines.append(
                f"hung (S3_READ_TIMEOUT={env['S3_READ_TIMEOUT']}s): {dict(hung)}; slowest upload answer {h.ms(hung_slowest)}, "
                f"readyz answer {h.ms(readyz_seconds)}"
            )

            # 3. the store is back, on the same port
            moto.start()
            h.wait_for(
                lambda: anon.get(f"{base}/readyz", timeout=10).status_code == 200, timeout=30, what="readyz"
            )
            retried, _, _ = upload(session, base, visit["id"], pending_id, pending_image)
            again, _, _ = upload(session, base, visit["id"], pending_id, pending_image)
            from photos.models import Photo

            rows = Photo.objects.filter(pk=pending_id).count()
            photo = Photo.objects.filter(pk=pending_id).first()
            objects = bucket_objects(moto)
            in_bucket = photo is not None and {photo.image, photo.thumbnail} <= set(objects)
            lines.append(
                f"back: readyz 200; resent upload {retried}, resent again {again}; rows {rows}; "
                f"objects in the bucket {in_bucket} ({len(objects)} objects in all)"
            )
            if retried != 201 or again != 200 or rows != 1 or not in_bucket:
                failures.append("the resent upload was not stored exactly once after the store came back")
            server.stop()
            for summary, n in server.server_error_summary().most_common(5):
                lines.append(f"server error x{n}: {summary}")
                failures.append(f"unhandled exception logged ({summary[:80]})")
    finally:
        if server:
            server.cleanup()
        moto.stop()
        media.cleanup()

    print()
    for line in lines:
        print(line)
    for failure in failures:
        print(f"FAILED: {failure}")
    print(
        "RESULT "
        + ("FAIL" if failures else "PASS: uploads 503 while the store is down, a retry succeeds after")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
