"""Decompression bombs under the pixel cap: what a decode will hold in memory is judged from the header,
before any pixel is decoded, and a process decodes a bounded number of pictures at once.

The hostile files are made at test time (small on disk: 34 bytes to 700 KB) in a process of their
own; their cost is measured in a fresh process as the growth of its peak RSS.
"""

import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from PIL import Image

from photos import imaging

from . import images

ROOT = Path(__file__).resolve().parents[2]
BUDGET_MIB = 100

# (name, builder kind, width, height): each under the 60 MP pixel cap, each hundreds of MiB decoded.
BOMBS = [
    ("lossless WebP 16383x3662", "webp", 16383, 3662),
    ("16-bit PNG 7745x7745", "png16", 7745, 7745),
    ("RGBA PNG 7745x7745", "pngrgba", 7745, 7745),
    ("progressive JPEG 20000x3000", "jpeg-progressive", 20000, 3000),
]


def _run(*args, timeout=300) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tests.photos.decode_memory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {}
    for name, kind, width, height in BOMBS:
        path = folder / f"{kind}-{width}x{height}"
        _run("build", kind, str(width), str(height), str(path))
        files[name] = path
    truncated = folder / "png16-truncated"
    truncated.write_bytes(files["16-bit PNG 7745x7745"].read_bytes()[:60_000])
    files["truncated 16-bit PNG 7745x7745"] = truncated
    return files


@pytest.mark.slow
def test_each_hostile_upload_costs_a_worker_under_100_mib_and_is_refused(hostile_files, tmp_path):
    # A photo well inside the cap is decoded in the same process, to show the measure sees decodes.
    fine = tmp_path / "fine-rgb-png-3000x3000"
    fine.write_bytes(images.encode(images.scene((3000, 3000)), "PNG"))
    paths = [*hostile_files.values(), fine]
    # All of them one after another in one fresh process: three at once used to cost 2.26 GiB.
    measured = [json.loads(line) for line in _run("measure", *map(str, paths)).splitlines()]
    by_path = {entry["path"]: entry for entry in measured}

    for name, path in hostile_files.items():
        entry = by_path[str(path)]
        assert entry["outcome"] == "image_too_large", (name, entry)
        assert entry["growth_mib"] < BUDGET_MIB, (name, entry)
    assert by_path[str(fine)]["outcome"] == "ok"
    assert by_path[str(fine)]["growth_mib"] < BUDGET_MIB
    assert max(entry["growth_mib"] for entry in measured) < BUDGET_MIB


@pytest.mark.django_db
def test_a_40_byte_webp_bomb_upload_is_a_400_image_too_large(client_for, auditor, visit, upload, tmp_path):
    path = tmp_path / "bomb.webp"
    _run("build", "webp", "16383", "3662", str(path))
    data = path.read_bytes()
    assert len(data) < 100

    response = upload(client_for(auditor), visit, data, name="bomb.webp", content_type="image/webp")

    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert (error["code"], error["attr"]) == ("image_too_large", "image")
    assert "MiB" in error["detail"]


def test_the_decode_cost_counts_a_progressive_jpegs_coefficients_at_full_size():

    picture = images.scene((1200, 900))
    baseline = images.encode(picture, "JPEG", quality=80)
    progressive = images.encode(picture, "JPEG", quality=80, progressive=True, subsampling=0)

    def cost(data):
        stream = io.BytesIO(data)
        with Image.open(stream) as source:
            full = source.size
            source.draft("RGB", (300, 225))
            return imaging.decode_cost(source, "JPEG", stream, full, (300, 225))

    assert imaging._jpeg_scans(io.BytesIO(baseline)) == 1
    assert imaging._jpeg_scans(io.BytesIO(progressive)) > 1
    # 1200 x 900 x 3 components x 2 bytes of coefficients on top of the (small) draft decode.
    assert cost(progressive) - cost(baseline) >= 1200 * 900 * 3 * 2


@pytest.mark.django_db
def test_when_every_decode_slot_stays_busy_an_upload_is_a_503_with_retry_after(
    client_for, auditor, visit, upload
):
    data = images.jpeg()
    client = client_for(auditor)
    client.raise_request_exception = False  # a 5xx is reported through Django's signal; read the response
    with override_settings(PHOTO_MAX_CONCURRENT_DECODES=1, PHOTO_DECODE_WAIT_SECONDS=0.2):
        with imaging.decode_slot(1, 0):  # another request of this process is decoding
            busy = upload(client, visit, data)
        free = upload(client, visit, data, photo_id=uuid.uuid4())

    assert busy.status_code == 503, busy.content
    assert busy.json()["errors"][0]["code"] == "decoder_busy"
    assert int(busy["Retry-After"]) > 0
    assert free.status_code == 201, free.content
