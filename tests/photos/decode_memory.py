"""Run as a script: build a hostile picture, or measure what decoding one costs a fresh process.

``python -m tests.photos.decode_memory build KIND WIDTH HEIGHT PATH`` writes a small file that
decodes big (built here, in a process of its own, so the test process never holds the big image).
``python -m tests.photos.decode_memory measure PATH...`` runs the photo pipeline on each file, one
after the other in this process, and prints one JSON line per file: the outcome (``ok`` or the
rejection code) and the peak memory growth in MiB (the peak RSS, reset before each file, minus the
RSS before it).
"""

import io
import json
import struct
import sys
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_of_zeros(width: int, height: int, *, bit_depth: int, colour_type: int) -> bytes:
    """A PNG of ``width`` x ``height`` black pixels, compressed row by row (never whole in memory)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" + bytes(width * channels * bit_depth // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def build(kind: str, width: int, height: int) -> bytes:
    from PIL import Image

    if kind == "png16":  # 16-bit greyscale
        return png_of_zeros(width, height, bit_depth=16, colour_type=0)
    if kind == "png16rgba":
        return png_of_zeros(width, height, bit_depth=16, colour_type=6)
    if kind == "pngrgba":
        return png_of_zeros(width, height, bit_depth=8, colour_type=6)
    out = io.BytesIO()
    if kind == "webp":  # lossless, with alpha
        Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(out, "WEBP", lossless=True, quality=0, method=0)
    elif kind == "jpeg-progressive":
        Image.new("RGB", (width, height)).save(out, "JPEG", progressive=True, quality=10, subsampling=0)
    elif kind == "jpeg":
        Image.new("RGB", (width, height)).save(out, "JPEG", quality=10)
    elif kind == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        Image.new("RGB", (width, height)).save(out, "HEIF", quality=10)
    else:
        raise SystemExit(f"unknown kind {kind}")
    return out.getvalue()


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise LookupError(field)


def _reset_peak() -> None:
    """Start the peak RSS (VmHWM) afresh from the current RSS (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def measure(paths: list[str]) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from photos import imaging

    # Warm up: libraries loaded and initialised before anything is measured.
    warm = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64)).save(warm, "JPEG")
    imaging.process_image(warm)
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        _reset_peak()
        before = _status_mib("VmRSS")
        try:
            imaging.process_image(io.BytesIO(data))
            outcome = "ok"
        except imaging.ImageRejected as exc:
            outcome = exc.code
        print(
            json.dumps(
                {"path": path, "outcome": outcome, "growth_mib": round(_status_mib("VmHWM") - before, 1)}
            )
        )
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "build":
        kind, width, height, path = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        with open(path, "wb") as handle:
            handle.write(build(kind, width, height))
    else:
        measure(sys.argv[2:])
