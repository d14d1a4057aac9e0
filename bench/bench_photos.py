"""Photo pipeline figures: cost against Pillow's bare decode, peak memory, upload throughput.

    .venv/bin/python bench/bench_photos.py [--rounds 7] [--uploads 40] [--seconds 60] [--skip-http]

Three JPEGs "from a phone" (gradients plus sensor-like noise so they do not compress to nothing,
EXIF with GPS and DateTimeOriginal) are made in memory: 12 MP sideways (orientation 6), 12 MP
upright, and 1600x1200 upright (what an app that resizes on the phone sends; kept as it is). Then:

1. time, each photo: the whole pipeline (``photos.imaging.process_image``), and the pipeline with
   ``keep_upright_jpeg=False`` (everything re-encoded, as before), against Pillow's bare full decode
   of the same bytes, interleaved, medians; the ratios are the figures (wall-clock, and the
   pipeline's CPU time against the decode's, which other jobs on the box move less);
2. memory (12 MP sideways): each of the two in a fresh child process; the growth of the peak
   resident memory (VmHWM) over the process after imports and with the file already in memory, and
   tracemalloc's peak for the Python-side allocations;
3. throughput: gunicorn with 2 workers on 127.0.0.1 (own database ``bench_photos`` on the shared
   PostgreSQL, own temporary ``media/``), 4 client threads uploading the 12 MP sideways photo, then
   the 1600x1200 upright one, each with ``PHOTO_KEEP_UPRIGHT_JPEG`` 0 (before) and 1 (after),
   bounded by ``--uploads`` and ``--seconds``; uploads per second.

Prints its figures in the last lines. Only 127.0.0.1; stops everything it starts.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def phone_photo(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it (default: 12 MP, sideways pixels + orientation 6), GPS, a capture time."""
    from PIL import Image, ImageChops, ImageDraw

    def channel(sigma: float, gradient: Image.Image) -> Image.Image:
        base = ImageChops.multiply(gradient.resize((width, height)), Image.new("L", (width, height), 210))
        return ImageChops.add(base, Image.effect_noise((width, height), sigma), scale=1.3, offset=-40)

    linear, radial = Image.linear_gradient("L"), Image.radial_gradient("L")
    image = Image.merge("RGB", (channel(22, linear), channel(18, radial), channel(26, linear.rotate(90))))
    draw = ImageDraw.Draw(image)
    for n in range(24):  # some structure: shelves, signs, a door
        x, y = (n * 397) % width, (n * 211) % height
        draw.rectangle([x, y, x + 300 + n * 7, y + 180 + n * 5], outline=(n * 10 % 256, 40, 200), width=9)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "PhoneCo", "Phone 15 Pro", orientation
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0x9011] = "2026:11:20 10:05:00", "+01:00"
    sub[0x927C] = b"maker-note " * 200
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 22.0, 3.36), "E", (4.0, 54.0, 14.76)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def full_decode(data: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()


def pipeline(data: bytes, keep_upright_jpeg: bool = True):
    from photos.imaging import process_image

    return process_image(io.BytesIO(data), default_tz="Europe/Amsterdam", keep_upright_jpeg=keep_upright_jpeg)


# --- 1. time ------------------------------------------------------------------------------------


def time_pipeline(data: bytes, rounds: int) -> dict:
    """Bare full decode, the pipeline, and the pipeline re-encoding everything (the old way), interleaved."""
    full_decode(data)  # warm every path (plugin imports, ICC profile)
    pipeline(data)
    pipeline(data, keep_upright_jpeg=False)
    decode_s, pipeline_s, reencode_s = [], [], []
    decode_cpu, pipeline_cpu = [], []
    for _ in range(rounds):
        for runs, cpu, call in (
            (decode_s, decode_cpu, lambda: full_decode(data)),
            (pipeline_s, pipeline_cpu, lambda: pipeline(data)),
            (reencode_s, None, lambda: pipeline(data, keep_upright_jpeg=False)),
        ):
            started, started_cpu = time.perf_counter(), time.thread_time()
            call()
            runs.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.thread_time() - started_cpu)
    decode, whole, reencode = (statistics.median(x) for x in (decode_s, pipeline_s, reencode_s))
    return {
        "decode_s": decode,
        "pipeline_s": whole,
        "ratio": whole / decode,
        "reencode_ratio": reencode / decode,
        # CPU time of this thread: less moved by other processes on the box than wall-clock.
        "cpu_ratio": statistics.median(pipeline_cpu) / statistics.median(decode_cpu),
    }


# --- 2. memory (child process) ------------------------------------------------------------------


def peak_rss_kb() -> int:
    """Peak resident memory of this process image: VmHWM (ru_maxrss would include the parent's
    peak, inherited across fork/exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_probe(path: str, mode: str) -> None:
    """Child: peak memory of one ``mode`` run over a process that already holds the file."""
    import PIL.Image  # noqa: F401 - imports are not what we measure

    import photos.imaging  # noqa: F401

    data = Path(path).read_bytes()
    before_kb = peak_rss_kb()
    tracemalloc.start()
    (pipeline if mode == "pipeline" else full_decode)(data)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_kb = peak_rss_kb()
    print(json.dumps({"rss_growth_mb": (after_kb - before_kb) / 1024, "traced_peak_mb": traced_peak / 2**20}))


def measure_memory(data: bytes) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".jpg") as handle:
        handle.write(data)
        handle.flush()
        found = {}
        for mode in ("decode", "pipeline"):
            out = subprocess.run(
                [sys.executable, __file__, "--memory-probe", handle.name, mode],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            found[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


# --- 3. throughput over HTTP --------------------------------------------------------------------


def seed_visits(count: int):
    """Submitted visits (written directly) of one auditor; returns (token, [visit ids])."""
    import datetime as dt

    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import Location, Organization, Region, Role, User
    from checklists.models import Checklist, ChecklistVersion
    from tests.factories import VisitFactory  # the one way tests and benches build visits

    org = Organization.objects.create(name=f"Photo bench {uuid.uuid4().hex[:6]}")
    region = Region.objects.create(organization=org, code="PB", name="Photo bench")
    location = Location.objects.create(
        organization=org, region=region, code="PB-1", name="Store", timezone="Europe/Amsterdam"
    )
    checklist = Checklist.objects.create(
        organization=org, name="Photos", channel="in_person", current_version=1
    )
    version = ChecklistVersion.objects.create(
        checklist=checklist,
        number=1,
        pass_threshold=80,
        etag="pb-v1",
        sections=[{"key": "s", "title": "S", "weight": 1, "items": [{"key": "storefront", "type": "photo"}]}],
    )
    auditor = User(organization=org, role=Role.AUDITOR, username=f"photo-bench-{org.pk}")
    auditor.set_unusable_password()
    auditor.save()
    started = timezone.now() - dt.timedelta(hours=1)
    visits = VisitFactory.create_batch(
        count,
        location=location,
        checklist=checklist,
        checklist_version=version,
        auditor=auditor,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=15),
    )
    return str(AccessToken.for_user(auditor)), [str(v.pk) for v in visits]


def measure_http(data: bytes, *, uploads: int, seconds: float, clients: int = 4, keep: bool = True) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    import _harness as h
    import requests

    media = tempfile.TemporaryDirectory(prefix="bench-photos-media-")
    server = None
    try:
        with h.bench_database("bench_photos") as database_url:
            env = h.server_env(
                database_url=database_url,
                media_root=media.name,
                extra={"PHOTO_KEEP_UPRIGHT_JPEG": "1" if keep else "0"},
            )
            h.django_setup(env)
            h.migrate(env)
            per_visit = 20  # PHOTO_MAX_UNATTACHED
            token, visit_ids = seed_visits(uploads // per_visit + 1)
            server = h.Gunicorn(env, workers=2, threads=1, timeout=60).start()
            url = f"{server.base}/api/v1/visits/{{}}/photos/"
            statuses: Counter = Counter()
            latencies: list[float] = []
            lock = threading.Lock()
            counter = iter(range(uploads))
            deadline = time.monotonic() + seconds

            def client() -> None:
                session = h.session_for(token)
                while time.monotonic() < deadline:
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    started = time.perf_counter()
                    try:
                        response = session.post(
                            url.format(visit_ids[n // per_visit]),
                            data={"id": str(uuid.uuid4()), "item": ""},
                            files={"image": ("IMG_0001.JPG", data, "image/jpeg")},
                            timeout=60,
                        )
                        status = response.status_code
                    except requests.RequestException:
                        status = 0
                    with lock:
                        statuses[status] += 1
                        latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            server.stop()
            done = statuses.get(201, 0)
            return {
                "statuses": dict(statuses),
                "elapsed_s": elapsed,
                "per_s": done / elapsed if elapsed else 0.0,
                "p50_s": statistics.median(latencies) if latencies else float("nan"),
                "p95_s": h.percentile(latencies, 95),
                "errors": server.server_error_summary(),
            }
    finally:
        if server:
            server.cleanup()
        media.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each path (medians)")
    parser.add_argument("--uploads", type=int, default=40, help="uploads over HTTP at most")
    parser.add_argument("--seconds", type=float, default=60, help="HTTP phase time limit")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process figures")
    parser.add_argument("--memory-probe", nargs=2, metavar=("FILE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return 0

    photos = {
        "12 MP sideways": phone_photo(),  # the old figure's photo: orientation 6, re-encoded
        "12 MP upright": phone_photo(orientation=1),  # larger than the display: re-encoded
        # What a phone app that resizes before uploading sends: kept as it is (metadata cut out).
        "1600x1200 upright": phone_photo(1600, 1200, orientation=1),
    }
    ok = True
    for name, data in photos.items():
        result = pipeline(data)
        timing = time_pipeline(data, args.rounds)
        print(
            f"{name}: {len(data) / 2**20:.1f} MiB -> {result.width}x{result.height} display "
            f"({len(result.display) // 1024} KiB) + thumbnail ({len(result.thumbnail) // 1024} KiB); "
            f"bare full decode {timing['decode_s'] * 1000:.0f} ms, pipeline {timing['pipeline_s'] * 1000:.0f} ms "
            f"-> ratio {timing['ratio']:.2f}x (re-encoding it: {timing['reencode_ratio']:.2f}x; "
            f"CPU-time ratio {timing['cpu_ratio']:.2f}x)",
            flush=True,
        )
        ok = ok and timing["ratio"] <= 2.5
    data = photos["12 MP sideways"]
    memory = measure_memory(data)
    print(
        f"memory per 12 MP upload: pipeline peak RSS +{memory['pipeline']['rss_growth_mb']:.0f} MiB "
        f"(Python-side peak {memory['pipeline']['traced_peak_mb']:.1f} MiB) vs bare full decode "
        f"+{memory['decode']['rss_growth_mb']:.0f} MiB"
    )
    if not args.skip_http:
        for name in ("12 MP sideways", "1600x1200 upright"):
            for keep in (False, True):
                http = measure_http(photos[name], uploads=args.uploads, seconds=args.seconds, keep=keep)
                print(
                    f"throughput {name}, PHOTO_KEEP_UPRIGHT_JPEG={int(keep)}: 2 gunicorn workers, 4 clients, "
                    f"{sum(http['statuses'].values())} uploads in {http['elapsed_s']:.1f}s: "
                    f"{http['per_s']:.2f} uploads/s (p50 {http['p50_s'] * 1000:.0f} ms, "
                    f"p95 {http['p95_s'] * 1000:.0f} ms); statuses {http['statuses']}",
                    flush=True,
                )
                for summary, n in http["errors"].most_common(3):
                    print(f"server error x{n}: {summary}")
                ok = ok and set(http["statuses"]) == {201}
    print(f"RESULT {'PASS' if ok else 'CHECK'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
