"""Shared pieces of the load and fault scripts: servers they start, data they seed, sums they print.

Everything listens on 127.0.0.1 only and everything a script starts is stopped in its ``finally``:
gunicorn (its own process group), a throwaway PostgreSQL cluster, a moto S3 server, a bench
database on the shared PostgreSQL server.

A script calls ``django_setup(env)`` once, *after* it knows its database URL: the script itself
talks to the database through the ORM (to seed and to count) with the same settings and secret
key as the gunicorn it starts, so the JWTs it mints are accepted by the server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SHARED_PG = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


# --- environment shared by the script and its gunicorn -----------------------------------------


def server_env(*, database_url: str, media_root: str, extra: dict | None = None) -> dict:
    """Production settings on loopback: no DEBUG, no TLS redirect, throttles out of the way.

    Throttles are raised because a load test measures capacity; the per-role rates are tested in
    the suite. Request logs go to WARNING so the log itself is not what gets measured.
    """
    env = {
        **os.environ,
        # BENCH_SETTINGS_MODULE tries a variant (e.g. a module that imports production and changes one thing)
        "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS_MODULE", "config.settings.production"),
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-7f1c9b2a4e6d8c0f",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": media_root,
        # Production refuses a per-process cache; a run's own key prefix keeps runs apart.
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
        "REQUEST_LOG_LEVEL": "WARNING",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "WEBHOOK_ALLOW_PRIVATE_HOSTS": "1",
        "THROTTLE_AUDITOR": "1000000/min",
        "THROTTLE_ADMIN": "1000000/min",
        "THROTTLE_MANAGER": "1000000/min",
        "THROTTLE_STAFF": "1000000/min",
        "THROTTLE_API_KEY": "1000000/min",
        "THROTTLE_ANON": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        env.pop(name, None)  # only a script that means S3 sets these
    env.update(extra or {})
    return env


def django_setup(env: dict) -> None:
    for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT"):
        os.environ[key] = env[key]
    for key, value in env.items():
        if key.startswith(("S3_", "THROTTLE_", "DJANGO_", "AWS_", "CACHE_")) or key in (
            "ALLOWED_HOSTS",
            "TASKS_BACKEND",
        ):
            os.environ[key] = value
    import django

    django.setup()


def migrate(env: dict) -> None:
    """``manage.py migrate`` in a child process (its output is kept out of the figures)."""
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")
    log(f"migrated in {time.monotonic() - started:.1f}s")


# --- PostgreSQL --------------------------------------------------------------------------------


def _admin_connect(server_url: str, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{server_url.rstrip('/')}/{dbname}", autocommit=True)


@contextlib.contextmanager
def bench_database(name: str, server_url: str = SHARED_PG, template: str | None = None):
    """A database of its own on the shared server, dropped afterwards (and before, if left over);
    a copy of ``template`` (an already migrated database nobody is connected to) when given."""
    with _admin_connect(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    log(f"created database {name}")
    try:
        yield f"{server_url.rstrip('/')}/{name}"
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with _admin_connect(server_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own (initdb in a temp dir, as the ``postgres`` user, on a free
    loopback port) so that stopping it disturbs nobody else."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not bins:
            raise RuntimeError("no /usr/lib/postgresql/*/bin/pg_ctl found")
        self.bin = bins[-1].parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        shutil.chown(self.dir, user="postgres", group="postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, check=check
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8"
        )
        log(f"initdb done in {self.data}")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "start",
        )
        log(f"throwaway PostgreSQL up on 127.0.0.1:{self.port}")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False
        )
        log("throwaway PostgreSQL stopped")

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *(int(pid) for pid in children)]

    def freeze(self) -> None:
        """SIGSTOP the whole cluster: connections are accepted by the kernel, nothing answers
        (a hung host or a network partition, as clients see it)."""
        for pid in reversed(self._pids()):
            os.kill(pid, signal.SIGSTOP)
        log("throwaway PostgreSQL frozen (SIGSTOP)")

    def thaw(self) -> None:
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        log("throwaway PostgreSQL thawed (SIGCONT)")

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.thaw()

        if (self.data / "postmaster.pid").exists():
            self._as_postgres(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False
            )
        shutil.rmtree(self.dir, ignore_errors=True)


# --- gunicorn ----------------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn config.wsgi`` with the project's gunicorn.conf.py, bound to 127.0.0.1:<free port>."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 1, timeout: int | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logdir = Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
        self.logfile = self.logdir / "gunicorn.log"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": str(timeout or env.get("GUNICORN_TIMEOUT") or 60),  # as gunicorn.conf.py
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        with open(self.logfile, "ab") as out:
            self.proc = subprocess.Popen(
                [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we can stop all of it, only it
            )
        try:
            wait_for(self._healthy, timeout=60, what="gunicorn /healthz")
        except TimeoutError:
            print(self.log_tail(), file=sys.stderr)
            raise
        log(f"gunicorn pid {self.proc.pid} on {self.base} ({self.env['GUNICORN_WORKERS']} workers)")
        return self

    def _healthy(self) -> bool:
        if self.proc and self.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
        return requests.get(f"{self.base}/healthz", timeout=2).status_code == 200

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        log("gunicorn stopped")

    def log_tail(self, lines: int = 40) -> str:
        if not self.logfile.exists():
            return ""
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])

    def server_error_summary(self) -> Counter:
        """Unhandled exceptions in the log, as ``"<path> -> <final exception line>": count``.

        503s are left out: drf-standardized-errors logs the cause of every 5xx it renders, and a
        503 for an unreachable database or store is the intended answer, not a failure.
        """
        import json
        import re

        found: Counter = Counter()
        if not self.logfile.exists():
            return found
        for line in self.logfile.read_text(errors="replace").splitlines():
            if "Traceback (most recent call last)" not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                found[line[-200:]] += 1
                continue
            if record.get("status_code") == 503:
                continue
            lines = (record.get("exc") or "").strip().splitlines() or [""]
            where = re.sub(r"[0-9a-f-]{36}|\d+", "<id>", str(record.get("message", "")))
            found[f"{where} -> {lines[-1]}"] += 1
        return found

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.logdir, ignore_errors=True)


# --- moto S3 -----------------------------------------------------------------------------------


class MotoS3:
    """moto's S3 server in this process on 127.0.0.1; ``stop`` and ``start`` again keep the port
    (and moto's in-memory buckets), like a store that went away and came back."""

    ACCESS_KEY = "bench-access-key"
    SECRET_KEY = "bench-secret-key"

    def __init__(self, bucket: str = "bench-photos"):
        self.port = free_port()
        self.bucket = bucket
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per S3 call otherwise
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        wait_for(lambda: requests.get(self.endpoint, timeout=1).status_code < 500, timeout=15, what="moto")
        log(f"moto S3 up on {self.endpoint}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            # stop() leaves the listening socket open: a "down" store would then hang every
            # client until its read timeout instead of refusing the connection at once.
            with contextlib.suppress(Exception):
                self.server._server.server_close()
            self.server = None
            log("moto S3 stopped")

    def create_bucket(self) -> None:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        ).create_bucket(Bucket=self.bucket)

    def env(self) -> dict:
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": self.ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }


# --- seed data ---------------------------------------------------------------------------------

BENCH_SECTIONS = [
    {
        "key": "greeting",
        "title": "Greeting",
        "weight": 2,
        "items": [
            {
                "key": "greeted_within_30s",
                "prompt": "Greeted within 30 seconds?",
                "type": "yes_no",
                "weight": 1,
            },
            {
                "key": "warmth",
                "prompt": "How warm was the welcome?",
                "type": "scale",
                "scale_min": 1,
                "scale_max": 5,
                "weight": 1,
            },
        ],
    },
    {
        "key": "service",
        "title": "Service",
        "weight": 1,
        "items": [
            {
                "key": "problem_solved",
                "prompt": "Was the problem solved on first contact?",
                "type": "yes_no",
                "weight": 1,
                "critical": True,
            },
            {
                "key": "wait_minutes",
                "prompt": "Minutes waited at the counter",
                "type": "number",
                "pass_max": 5,
                "weight": 1,
                "allow_na": True,
            },
            {"key": "remarks", "prompt": "Anything else?", "type": "text", "weight": 1},
            {
                "key": "storefront",
                "prompt": "Photo of the storefront",
                "type": "photo",
                "weight": 1,
                "photo": {"min": 0, "max": 3},
            },
        ],
    },
]


@dataclass
class AssignmentRef:
    id: int
    location_id: int
    checklist_id: int
    version_number: int
    latitude: float
    longitude: float


@dataclass
class AuditorRef:
    user_id: int
    username: str
    token: str
    assignments: list[AssignmentRef] = field(default_factory=list)


@dataclass
class Seed:
    organization_id: int
    auditors: list[AuditorRef]
    admin_token: str


def seed(*, auditors: int, assignments_per_auditor: int, locations: int = 10) -> Seed:
    """One organization, ``locations`` stores, a checklist, and ``auditors`` auditors each with
    ``assignments_per_auditor`` open assignments; returns their ids and fresh access tokens."""
    from django.db import transaction
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Location, Organization, Region, Role, User
    from audits.models import Assignment
    from checklists.models import Checklist, ChecklistVersion

    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        org = Organization.objects.create(name=f"Bench {uuid.uuid4().hex[:8]}")
        region = Region.objects.create(organization=org, code="BENCH", name="Bench region")
        stores = [
            Location.objects.create(
                organization=org,
                region=region,
                code=f"S{n:03d}",
                name=f"Store {n}",
                latitude=52.37 + n * 0.01,
                longitude=4.89,
                timezone=random.choice(["Europe/Amsterdam", "America/New_York", "Asia/Tokyo"]),
            )
            for n in range(locations)
        ]
        checklist = Checklist.objects.create(
            organization=org, name="Bench store visit", channel="in_person", current_version=1
        )
        version = ChecklistVersion.objects.create(
            checklist=checklist, number=1, pass_threshold=80, sections=BENCH_SECTIONS, etag="bench-v1"
        )
        admin = User(organization=org, role=Role.ADMIN, username=f"bench-admin-{org.pk}")
        admin.set_unusable_password()
        admin.save()
        people = []
        for n in range(auditors):
            user = User(
                organization=org,
                role=Role.AUDITOR,
                username=f"bench-{org.pk}-auditor-{n}",
                display_name=f"Auditor {n}",
            )
            user.set_unusable_password()  # tokens are minted here; no password hashing to pay for
            people.append(user)
        User.objects.bulk_create(people)
        people = list(User.objects.filter(organization=org, role=Role.AUDITOR).order_by("pk"))
        rows = [
            Assignment(
                organization=org,
                location=stores[(i + n) % len(stores)],
                checklist=checklist,
                checklist_version=version,
                auditor=user,
                due_from=now - dt.timedelta(days=1),
                due_until=now + dt.timedelta(days=6),
                instructions="Ask about the loyalty card.",
            )
            for i, user in enumerate(people)
            for n in range(assignments_per_auditor)
        ]
        Assignment.objects.bulk_create(rows, batch_size=2000)
    by_location = {store.pk: store for store in stores}
    refs = {user.pk: AuditorRef(user.pk, user.username, str(AccessToken.for_user(user))) for user in people}
    for pk, auditor_id, location_id in Assignment.objects.filter(organization=org).values_list(
        "pk", "auditor_id", "location_id"
    ):
        store = by_location[location_id]
        refs[auditor_id].assignments.append(
            AssignmentRef(pk, location_id, checklist.pk, version.number, store.latitude, store.longitude)
        )
    log(
        f"seeded {auditors} auditors x {assignments_per_auditor} assignments in "
        f"{time.monotonic() - started:.1f}s"
    )
    return Seed(org.pk, list(refs.values()), str(AccessToken.for_user(admin)))


def visit_body(
    assignment: AssignmentRef, *, visit_id: str | None = None, rng: random.Random | None = None
) -> dict:
    """A complete, valid submission as a phone makes it (its own UUID, every item answered)."""
    rng = rng or random.Random()
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=rng.randint(1, 120))
    started = ended - dt.timedelta(minutes=rng.randint(5, 40))
    return {
        "id": visit_id or str(uuid.uuid4()),
        "assignment": assignment.id,
        "location": assignment.location_id,
        "checklist": assignment.checklist_id,
        "checklist_version": assignment.version_number,
        "kind": "mystery",
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "position": {
            "latitude": assignment.latitude + rng.uniform(-0.001, 0.001),
            "longitude": assignment.longitude + rng.uniform(-0.001, 0.001),
            "accuracy_m": rng.randint(5, 30),
        },
        "answers": [
            {"item": "greeted_within_30s", "value": rng.random() < 0.8, "na": False, "comment": ""},
            {"item": "warmth", "value": rng.randint(1, 5), "na": False, "comment": ""},
            {"item": "problem_solved", "value": rng.random() < 0.9, "na": False, "comment": ""},
            {"item": "wait_minutes", "value": rng.randint(0, 12), "na": False, "comment": ""},
            {"item": "remarks", "value": "Clean tables, friendly staff.", "na": False, "comment": ""},
            {"item": "storefront", "na": False, "comment": ""},
        ],
        "notes": "bench",
    }


ANSWERS_PER_VISIT = 6


def jpeg_bytes(seed_value: int, size: tuple[int, int] = (160, 120)) -> bytes:
    """A small JPEG whose content differs by seed (so perceptual hashes differ too)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed_value)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle(
            [x0, y0, x0 + rng.randrange(10, 60), y0 + rng.randrange(10, 40)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


# --- HTTP client side --------------------------------------------------------------------------


def session_for(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=4, max_retries=0)
    session.mount("http://", adapter)
    return session


def error_shape_ok(response: requests.Response) -> bool:
    """True when a body has the contract's error shape ``{type, errors: [{code, detail, attr}]}``."""
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and body.get("type") in {"validation_error", "client_error", "server_error"}
        and isinstance(body.get("errors"), list)
        and bool(body["errors"])
        and all({"code", "detail", "attr"} <= set(error) for error in body["errors"])
    )


class Tally:
    """Thread-safe counters and latency samples."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.samples: dict[str, list[float]] = {}

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n

    def sample(self, key: str, seconds: float) -> None:
        with self.lock:
            self.samples.setdefault(key, []).append(seconds)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
