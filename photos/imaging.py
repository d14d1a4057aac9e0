"""The photo pipeline, pure: bytes in, upright metadata-free JPEG derivatives and facts out.

No database, no storage, no HTTP. ``process_image`` takes an uploaded file and returns the display
image (long side ``display_size``), the thumbnail (``thumb_size``), the upright display size, the
moment the photo was taken (from EXIF, read before anything is stripped) and a 64-bit difference
hash of the upright picture. Every way an upload can be wrong maps to one of two errors:

* ``UnsupportedImageType`` (415): the magic bytes are not JPEG, PNG, WebP or HEIC/HEIF.
* ``InvalidImage`` (400): the type is right but the content is not a sane picture (truncated,
  corrupt, a decompression bomb, absurd dimensions).

A third, ``DecoderBusy`` (503), says that no decode slot came free in time (see below).

Decompression bombs under the pixel cap: a 40-byte lossless WebP of 16383x3662 or a 100 KB 16-bit
PNG of 7745x7745 stays under ``max_pixels`` yet decodes into hundreds of MiB. So, after the header
is read and before a single pixel is decoded, ``decode_cost`` adds up what decoding will hold in
memory (pixels x bytes per pixel of the decoded mode, the decoder's own copies per format, a
full-size conversion for modes that cannot be shrunk as they are, a multi-scan JPEG's coefficient
buffer) and anything over ``max_decode_bytes`` is refused (400 ``image_too_large``). At most
``max_concurrent_decodes`` pictures are decoded at once per process; a caller waits up to
``decode_wait`` seconds for a slot, then gets ``DecoderBusy``.

Speed matters (12 MP phone photos on a 2-core box): a JPEG is decoded straight from its DCT
coefficients at the scale (n/8) that makes its display image when one lands within 7/8 of the
display size (a 12 MP photo at 3/8: 1500x1125, no resampling), else at the smallest of 1/2, 1/4, 1/8
that covers it, then resized (BICUBIC after ``reducing_gap``); orientation is applied to the
already-small image, the derivatives are baseline JPEGs, and the thumbnail and hash are made from the
display image (one decode for all).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import struct
import threading
import warnings
import zoneinfo
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError, features

try:  # HEIC/HEIF (iPhones) decode through pillow-heif's Pillow plugin.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    HEIF_AVAILABLE = False

logger = logging.getLogger(__name__)

# Never accept half an image: a truncated file is an error, not a grey bottom half.
ImageFile.LOAD_TRUNCATED_IMAGES = False

DEFAULT_MAX_PIXELS = 60_000_000  # 48 MP iPhones and 50 MP Android sensors fit; bombs do not.
DEFAULT_MAX_SIDE = 20_000
# What decoding one picture may hold in memory: any baseline phone JPEG (decoded at a reduced DCT
# scale), a 12 MP HEIC, a 16 MP PNG or a 6 MP WebP fit; the bombs above do not.
DEFAULT_MAX_DECODE_BYTES = 96 * 1024 * 1024
DEFAULT_MAX_CONCURRENT_DECODES = 2
DEFAULT_DECODE_WAIT_SECONDS = 10.0
DISPLAY_SIZE = 1600
THUMB_SIZE = 400
JPEG_QUALITY = 82
HEADER_BYTES = 32

# Pillow's own bomb guard (warning above, error at twice the limit) backs up our explicit check.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS

# EXIF tags (numbers, to avoid depending on the naming of ExifTags across Pillow versions).
TAG_ORIENTATION = 0x0112
TAG_EXIF_IFD = 0x8769
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011

# The transposition that makes a picture with a given EXIF orientation upright
# (the same table as ``ImageOps.exif_transpose``).
_UPRIGHT = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_EXIF_DATETIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(Exception):
    """Base of the pipeline's errors; ``code`` is the machine-readable reason."""

    code = "invalid_image"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class UnsupportedImageType(ImageRejected):
    code = "unsupported_media_type"


class InvalidImage(ImageRejected):
    code = "invalid_image"


class DecoderBusy(Exception):
    """Every decode slot of this process stayed taken for the whole wait (a 503 with Retry-After)."""


# --- Decode cost and slots ------------------------------------------------------------------------

# Bytes one decoded pixel takes in Pillow's memory: one for 1/L/P, two for 16-bit greyscale, four
# for everything else (Pillow keeps RGB, LA, YCbCr... in 32-bit pixels).
_ONE_BYTE_MODES = {"1", "L", "P"}
# Peak memory of a format's decoder in multiples of Pillow's decoded image (measured as the peak RSS
# growth of a fresh process): libwebp decodes into its own canvas and hands Pillow a bytes copy;
# libheif keeps its own planes; zlib and the row buffers add a little to PNG.
_DECODER_COPIES = {"JPEG": 1.0, "PNG": 1.3, "WEBP": 3.0, "HEIF": 1.4}


def _pixel_bytes(mode: str) -> int:
    if mode in _ONE_BYTE_MODES:
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _jpeg_scans(stream: IO[bytes]) -> int:
    """How many SOS (start of scan) markers the JPEG has: 1 for a baseline one-scan photo.

    Walks the marker segments up to the first scan (so an EXIF thumbnail's own markers are skipped),
    then counts further SOS markers in the entropy-coded data, where byte stuffing guarantees that
    ``FF DA`` is a marker and nothing else.
    """
    stream.seek(2)
    while True:
        marker = stream.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return 1
        if marker[1] == 0xFF:  # fill byte
            stream.seek(-1, io.SEEK_CUR)
            continue
        if marker[1] == 0xDA:
            break
        if marker[1] in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            continue
        length = stream.read(2)
        if len(length) < 2:
            return 1
        stream.seek(int.from_bytes(length, "big") - 2, io.SEEK_CUR)
    scans, tail = 1, b""
    while chunk := stream.read(1024 * 1024):
        data = tail + chunk
        scans += data.count(b"\xff\xda")
        tail = data[-1:] if not data.endswith(b"\xff\xda") else b""
    return scans


# Bytes per pixel of the (already reduced) picture that ``_to_rgb`` allocates while flattening it.
_FLATTEN_BYTES = {"RGB": 0, "RGBA": 9, "LA": 9, "PA": 9, "La": 9, "RGBa": 9, "I": 13, "F": 13}


def _reduction(width: int, height: int, target: tuple[int, int]) -> int:
    """The whole factor a picture is box-reduced by before anything else (1: not reduced)."""
    return max(1, min(width // max(target[0], 1), height // max(target[1], 1)))


def _working_mode(mode: str, info: dict) -> str:
    """The mode the picture is reduced in: modes ``Image.reduce`` cannot handle are converted first."""
    if mode.startswith("I;16"):
        return "I"
    if mode == "1":
        return "L"
    if mode == "P":
        return "RGBA" if "transparency" in info else "RGB"
    return mode


def decode_cost(
    source: Image.Image,
    kind: str,
    stream: IO[bytes],
    full_size: tuple[int, int],
    target: tuple[int, int],
    limit: int | None = None,
) -> int:
    """Bytes that decoding and shrinking ``source`` (opened, JPEG draft chosen, not loaded) will hold.

    ``full_size`` is the picture's declared size (``source.size`` is the draft size for a JPEG) and
    ``target`` the display size. Mirrors ``_shrink``: decode, convert if needed, reduce, flatten.
    With ``limit``, a JPEG whose worst case (every scan's coefficients kept) stays within it is not
    searched for further scans: the worst case is returned (a 12 MP photo is never read twice).
    """
    width, height = source.size
    pixels = width * height
    cost = pixels * _pixel_bytes(source.mode) * _DECODER_COPIES.get(kind, 3.0)
    mode = _working_mode(source.mode, source.info)
    if mode != source.mode:
        cost += pixels * 4
    factor = _reduction(width, height, target)
    reduced = -(-width // factor) * -(-height // factor)
    if factor > 1:
        cost += reduced * 4
    cost += reduced * _FLATTEN_BYTES.get(mode, 4)
    cost += target[0] * target[1] * 4 * 2  # the display image and its sRGB conversion
    if kind == "JPEG":
        # A progressive or otherwise multi-scan JPEG makes libjpeg keep every DCT coefficient of the
        # full-size picture (2 bytes each) until the last scan, whatever the draft scale.
        full_w, full_h = full_size
        layers = getattr(source, "layer", None) or [("Y", 1, 1, 0)] * len(source.getbands())
        h_max = max(layer[1] for layer in layers) or 1
        v_max = max(layer[2] for layer in layers) or 1
        coefficients = sum(
            -(-full_w * h_samp // h_max) * -(-full_h * v_samp // v_max) * 2 for _, h_samp, v_samp, _ in layers
        )
        if limit is not None and cost + coefficients <= limit:
            return int(cost + coefficients)
        position = stream.tell()
        try:
            multi_scan = _jpeg_scans(stream) > 1
        finally:
            stream.seek(position)
        if multi_scan:
            cost += coefficients
    return int(cost)


_slots_guard = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


@contextmanager
def decode_slot(limit: int, wait: float):
    """Hold one of this process's ``limit`` decode slots, waiting at most ``wait`` seconds for it."""
    with _slots_guard:
        slots = _slots.setdefault(limit, threading.BoundedSemaphore(limit))
    if not slots.acquire(timeout=wait):
        raise DecoderBusy(f"{limit} pictures are being decoded already; retry shortly.")
    try:
        yield
    finally:
        slots.release()


@dataclass(frozen=True)
class ProcessedImage:
    display: bytes
    thumbnail: bytes
    width: int
    height: int
    taken_at: dt.datetime | None
    dhash: int
    content_hash: str
    size_bytes: int
    source_format: str


# --- Sniffing -------------------------------------------------------------------------------------


def sniff(header: bytes) -> str | None:
    """The Pillow format name for these leading bytes, or None when it is not a photo we take."""
    if header[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if header[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WEBP"
    if header[4:8] == b"ftyp" and HEIF_AVAILABLE:
        box_size = int.from_bytes(header[:4], "big")
        brands = {header[8:12]}
        # Compatible brands follow the major brand and the minor version.
        end = min(max(box_size, 16), len(header))
        brands.update(header[i : i + 4] for i in range(16, end - 3, 4))
        if brands & _HEIF_BRANDS:
            return "HEIF"
    return None


# --- EXIF -----------------------------------------------------------------------------------------


def parse_exif_datetime(value: object, offset: object, default_tz: str | None) -> dt.datetime | None:
    """``DateTimeOriginal`` (+ ``OffsetTimeOriginal``) as an aware datetime, or None when unusable.

    Without an offset the camera's wall-clock time is read in ``default_tz`` (the visit's location:
    the photo was taken there); without that either, the time is unknown rather than guessed.
    """
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    match = _EXIF_DATETIME.match(value.strip().strip("\x00"))
    if not match:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        naive = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # "0000:00:00 00:00:00" and other impossible dates
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    if isinstance(offset, str):
        off = _EXIF_OFFSET.match(offset.strip().strip("\x00"))
        if off:
            sign = -1 if off.group(1) == "-" else 1
            delta = dt.timedelta(hours=int(off.group(2)), minutes=int(off.group(3)))
            if delta <= dt.timedelta(hours=14):
                return naive.replace(tzinfo=dt.timezone(sign * delta))
    if default_tz:
        try:
            return naive.replace(tzinfo=zoneinfo.ZoneInfo(default_tz))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None
    return None


def _exif_facts(image: Image.Image, default_tz: str | None) -> tuple[int, dt.datetime | None]:
    """(orientation, taken_at) from the picture's EXIF; broken EXIF counts as absent, never fatal."""
    try:
        exif = image.getexif()
        orientation = exif.get(TAG_ORIENTATION, 1)
        sub = exif.get_ifd(TAG_EXIF_IFD)
        taken_at = parse_exif_datetime(
            sub.get(TAG_DATETIME_ORIGINAL), sub.get(TAG_OFFSET_TIME_ORIGINAL), default_tz
        )
    except Exception:  # noqa: BLE001 - a malformed EXIF block must not sink the photo
        return 1, None
    if not isinstance(orientation, int) or orientation not in range(1, 9):
        orientation = 1
    return orientation, taken_at


# --- Hashing --------------------------------------------------------------------------------------


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: each bit says whether a pixel is brighter than its right neighbour.

    Computed on a 9x8 greyscale reduction, so it survives resizing, re-encoding and mild edits.
    """
    small = image.convert("L").resize((9, 8), Image.Resampling.BOX, reducing_gap=2.0)
    pixels = small.tobytes()
    value = 0
    for row in range(8):
        for col in range(8):
            left = pixels[row * 9 + col]
            right = pixels[row * 9 + col + 1]
            value = (value << 1) | (1 if left > right else 0)
    return value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def to_signed64(value: int) -> int:
    """Store an unsigned 64-bit hash in a signed BIGINT column."""
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned64(value: int) -> int:
    return value & 0xFFFFFFFFFFFFFFFF


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit hash, most significant first."""
    value = to_unsigned64(value)
    return tuple((value >> shift) & 0xFFFF for shift in (48, 32, 16, 0))  # type: ignore[return-value]


def band_neighbours(band: int, radius: int) -> list[int]:
    """Every 16-bit value within Hamming distance ``radius`` of ``band`` (137 values for radius 2)."""
    found = [band]
    frontier = [(band, -1)]
    for _ in range(radius):
        nxt = []
        for value, last_bit in frontier:
            for bit in range(last_bit + 1, 16):
                flipped = value ^ (1 << bit)
                found.append(flipped)
                nxt.append((flipped, bit))
        frontier = nxt
    return found


# --- JPEG scaled decoding -------------------------------------------------------------------------

# libjpeg decodes a DCT JPEG at n/8 of its size straight from the coefficients (the inverse DCT of
# each 8x8 block's lowest n x n frequencies: a downscale in the frequency domain). Pillow's ``draft``
# asks for 1/1, 1/2, 1/4 or 1/8; libjpeg-turbo turns a request for 1/d into the smallest n/8 >= 1/d,
# so asking for 1/3 gives 3/8: what takes a 12 MP photo (4000x3000, 4032x3024, 4080x3060) to a
# display image of 1500-1530 px with no resampling at all.
_DENOMINATOR = {8: 1, 4: 2, 3: 3, 2: 4, 1: 8}  # eighths decoded -> the 1/d to ask libjpeg for
# IJG libjpeg 6b (which Pillow may be built against) only has 1/1, 1/2, 1/4, 1/8: asked for 1/3 it
# would write 1/2-scale rows into 3/8-scale buffers. Pillow's wheels ship libjpeg-turbo.
_EIGHTHS_DECODING = bool(features.check_feature("libjpeg_turbo"))
#: A scale at which the long side fits the display size and is at least this part of it makes the
#: display image as it is (1500 of 1600 px); below that (1224 of 1600: an 8 MP 3264x2448) the
#: picture is decoded at the next scale up and resized to the display size.
DCT_FIT = 7 / 8
# SOF markers of the DCT frames libjpeg scales: Huffman or arithmetic, sequential or progressive.
# A lossless JPEG (SOF3, SOF11) is always decoded at full size, whatever is asked.
_DCT_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC9, 0xCA})
_FRAME_MARKERS = frozenset({*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC})  # SOF0-15 (not DHT, JPG, DAC)
THUMB_REDUCING_GAP = 1.5
MAX_READ_BLOCK = 32 * 1024 * 1024


def _is_dct(stream: IO[bytes]) -> bool:
    """Whether the JPEG's frame (its first SOFn marker) is one that libjpeg can decode scaled."""
    position = stream.tell()
    try:
        stream.seek(2)
        while True:
            marker = stream.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return False
            if marker[1] == 0xFF:  # fill byte
                stream.seek(-1, io.SEEK_CUR)
                continue
            if marker[1] in _FRAME_MARKERS:
                return marker[1] in _DCT_FRAMES
            if marker[1] == 0xDA:  # a scan before any frame: not a JPEG libjpeg decodes
                return False
            if marker[1] in (0x01, *range(0xD0, 0xD8)):  # markers without a length
                continue
            length = stream.read(2)
            if len(length) < 2:
                return False
            stream.seek(int.from_bytes(length, "big") - 2, io.SEEK_CUR)
    finally:
        stream.seek(position)


def _eighths_size(size: tuple[int, int], eighths: int) -> tuple[int, int]:
    """libjpeg's output size at ``eighths``/8 (``jpeg_core_output_dimensions``: rounded up)."""
    return -(-size[0] * eighths // 8), -(-size[1] * eighths // 8)


def _display_eighths(source: Image.Image, display_size: int) -> int | None:
    """The scale (in eighths) at which this JPEG decodes straight into its display image, or None.

    That is the largest scale libjpeg offers whose long side fits ``display_size``, provided it
    makes at least ``DCT_FIT`` of it and is not the full size (which fits as it is anyway).
    """
    if (
        not _EIGHTHS_DECODING
        or not isinstance(source, ImageFile.ImageFile)
        or source.mode not in ("L", "RGB")
    ):
        return None
    if len(source.tile) != 1 or source.decoderconfig or max(source.size) <= display_size:
        return None
    for eighths in (4, 3, 2, 1):
        long_side = max(_eighths_size(source.size, eighths))
        if long_side <= display_size:
            return eighths if long_side >= DCT_FIT * display_size else None
    return None


def _draft_eighths(source: Image.Image, eighths: int) -> None:
    """``Image.draft`` for any scale ``_DENOMINATOR`` offers: the tile, size and decoder
    configuration Pillow's own draft sets (Pillow 13), for ``eighths``/8 instead of 1/2^k."""
    assert isinstance(source, ImageFile.ImageFile)
    size = _eighths_size(source.size, eighths)
    tile = source.tile[0]
    source.tile = [tile._replace(extents=(0, 0, *size))]
    source._size = size
    source.decoderconfig = (_DENOMINATOR[eighths], 0)


def _draft_jpeg(
    source: Image.Image,
    stream: IO[bytes],
    *,
    thumb: tuple[int, int] | None,
    display: tuple[int, int],
    display_size: int,
) -> tuple[int, int]:
    """Choose the scale a JPEG is decoded at (nothing is decoded yet); returns the display size.

    Only the ``thumb`` is decoded from a JPEG that is kept as it is; else the display image is.
    A lossless JPEG is decoded at full size, whatever is asked.
    """
    if not _is_dct(stream):
        return display
    if thumb:
        source.draft("RGB", thumb)  # 1/2, 1/4 or 1/8 straight from the DCT
    elif eighths := _display_eighths(source, display_size):
        _draft_eighths(source, eighths)  # a 12 MP photo: at 3/8 it is its own display image
        return source.size
    else:
        source.draft("RGB", display)  # the smallest of 1/8, 1/4, 1/2 that covers the display size
    return display


# --- Pipeline -------------------------------------------------------------------------------------


def _target_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    if max(width, height) <= long_side:
        return width, height
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Box-reduce by the whole factor that still covers ``size``, in the decoded mode when possible
    (LANCZOS does the rest): conversions then work on a picture about the display size."""
    factor = _reduction(image.width, image.height, size)
    mode = _working_mode(image.mode, image.info)
    if mode != image.mode:
        image = image.convert(mode)
    return image.reduce(factor) if factor > 1 else image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten whatever mode the source has into 8-bit RGB (transparency onto white)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert wide-gamut pictures (Display P3 from iPhones) to sRGB before the profile is dropped."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB") or image
    except Exception:  # noqa: BLE001 - a broken profile is dropped, the pixels are kept as they are
        return image


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    # A fresh info dict: nothing of the source (EXIF, XMP, ICC, comments) can ride along.
    image.info = {}
    out = io.BytesIO()
    # Baseline with the standard Huffman tables: a progressive encode costs 5x as much (a quarter
    # of a 12 MP decode) and optimized tables 2x, for files about 15% smaller (README).
    image.save(out, "JPEG", quality=quality, progressive=False, optimize=False, subsampling="4:2:0")
    return out.getvalue()


def _hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


# Marker bytes after 0xFF that end a scan's entropy-coded data: anything but stuffing (00), a
# restart marker (D0-D7) or a fill byte (FF, followed by the real marker).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# Segments kept by ``jpeg_without_metadata``: what decoding needs (frame, tables, scans, restart
# interval, DNL). APP0-APP15 (JFIF, EXIF, XMP, ICC, MPF, Adobe...) and COM go.
_KEPT_MARKERS = frozenset({*range(0xC0, 0xD0), 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF})


def jpeg_without_metadata(data: bytes) -> bytes:
    """The same JPEG, byte for byte the same pixels, without any metadata segment and without
    anything after its end (an appended archive, a motion photo's video, MPF's second picture).

    Walks the marker segments without decoding: frame, tables and scans are copied as they are;
    APPn and COM segments are dropped. ``ValueError`` when the structure is not one it can follow.
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out, pos, end = [b"\xff\xd8"], 2, len(data)
    while pos + 2 <= end:
        if data[pos] != 0xFF:
            raise ValueError(f"no marker at {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            out.append(data[pos : pos + 2])
            pos += 2
            continue
        segment_end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if segment_end > end or segment_end < pos + 4:
            raise ValueError(f"segment {marker:#x} overruns the file")
        if marker in _KEPT_MARKERS:
            out.append(data[pos:segment_end])
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            raise ValueError(f"unexpected marker {marker:#x}")
        pos = segment_end
        if marker == 0xDA:  # entropy-coded data up to the next real marker
            found = _SCAN_END.search(data, pos)
            if found is None:
                raise ValueError("scan without an end")
            out.append(data[pos : found.start()])
            pos = found.start()
    raise ValueError("no end of image")


def _keeps_original(source: Image.Image, orientation: int, display: tuple[int, int]) -> bool:
    """Whether this JPEG can be stored as it is (metadata stripped): already upright and no larger
    than the display image, plain 8-bit greyscale or YCbCr, no colour profile to convert, and none
    of the markers (Adobe's, component ids R, G, B) that tell a decoder how to read its colours."""
    ids = {layer[0] for layer in getattr(source, "layer", [])}
    return (
        orientation == 1
        and source.size == display
        and source.mode in ("L", "RGB")
        and not source.info.get("icc_profile")
        and "adobe" not in source.info
        and not ids & {"R", "G", "B", b"R", b"G", b"B"}
    )


def process_image(
    stream: IO[bytes],
    *,
    default_tz: str | None = None,
    display_size: int = DISPLAY_SIZE,
    thumb_size: int = THUMB_SIZE,
    quality: int = JPEG_QUALITY,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
    max_concurrent_decodes: int = DEFAULT_MAX_CONCURRENT_DECODES,
    decode_wait: float = DEFAULT_DECODE_WAIT_SECONDS,
    keep_upright_jpeg: bool = True,
) -> ProcessedImage:
    """Judge, decode, orient, strip and re-encode one uploaded picture (see the module docstring)."""
    stream.seek(0)
    header = stream.read(HEADER_BYTES)
    stream.seek(0)
    kind = sniff(header)
    if kind is None:
        raise UnsupportedImageType("Only JPEG, PNG, WebP and HEIC/HEIF photos are accepted.")
    content_hash, size_bytes = _hash_stream(stream)
    if max_pixels > (Image.MAX_IMAGE_PIXELS or 0):
        Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's guard must not be stricter than ours

    try:
        with warnings.catch_warnings():
            # A decompression-bomb *warning* is an error here, not a log line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Damaged EXIF is skipped tag by tag (it only costs us taken_at/orientation): not news.
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL.TiffImagePlugin")
            return _decode_and_derive(
                stream,
                kind=kind,
                default_tz=default_tz,
                display_size=display_size,
                thumb_size=thumb_size,
                quality=quality,
                max_pixels=max_pixels,
                max_side=max_side,
                max_decode_bytes=max_decode_bytes,
                slot=lambda: decode_slot(max_concurrent_decodes, decode_wait),
                content_hash=content_hash,
                size_bytes=size_bytes,
                keep_upright_jpeg=keep_upright_jpeg,
            )
    except (ImageRejected, DecoderBusy):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage("The image declares more pixels than a photo may have.", "too_many_pixels")
    except (UnidentifiedImageError, SyntaxError, OSError, ValueError, EOFError, IndexError, struct.error):
        raise InvalidImage("The image is truncated or corrupt.", "corrupt_image")
    except MemoryError:
        raise InvalidImage("The image is too large to process.", "too_many_pixels")
    except Exception as exc:  # noqa: BLE001 - decoders raise a zoo of types; no upload may become a 500
        logger.warning("unexpected %s while decoding a %s upload", type(exc).__name__, kind, exc_info=True)
        raise InvalidImage("The image is truncated or corrupt.", "corrupt_image")


def _decode_and_derive(
    stream: IO[bytes],
    *,
    kind: str,
    default_tz: str | None,
    display_size: int,
    thumb_size: int,
    quality: int,
    max_pixels: int,
    max_side: int,
    max_decode_bytes: int,
    slot,
    content_hash: str,
    size_bytes: int,
    keep_upright_jpeg: bool,
) -> ProcessedImage:
    # ``formats`` pins the decoder to what the magic bytes said: no format confusion.
    with Image.open(stream, formats=[kind]) as source:
        width, height = source.size
        if width < 1 or height < 1 or width > max_side or height > max_side:
            raise InvalidImage(
                f"Image dimensions {width}x{height} are out of range (1..{max_side} px a side).",
                "invalid_dimensions",
            )
        if width * height > max_pixels:
            raise InvalidImage(
                f"The image has {width * height} pixels; at most {max_pixels} are accepted.",
                "too_many_pixels",
            )
        display_w, display_h = _target_size(width, height, display_size)
        original = b""
        if kind == "JPEG":
            # EXIF is read from the header without decoding: decide first whether the picture is
            # kept as it is, in which case only the thumbnail is decoded.
            orientation, taken_at = _exif_facts(source, default_tz)
            if keep_upright_jpeg and _keeps_original(source, orientation, (display_w, display_h)):
                original = _stripped(stream)
            display_w, display_h = _draft_jpeg(
                source,
                stream,
                thumb=_target_size(width, height, thumb_size) if original else None,
                display=(display_w, display_h),
                display_size=display_size,
            )
        if getattr(source, "n_frames", 1) > 1:
            source.seek(0)  # animated WebP/PNG: the first frame is the photo
        cost = decode_cost(source, kind, stream, (width, height), (display_w, display_h), max_decode_bytes)
        if cost > max_decode_bytes:
            raise InvalidImage(
                f"Decoding this {width}x{height} {kind} would take {cost // 2**20} MiB of memory; "
                f"at most {max_decode_bytes // 2**20} MiB are allowed.",
                "image_too_large",
            )
        with slot():
            if kind != "JPEG":
                # After the cost check: PNG's getexif() decodes the whole picture to find eXIf chunks.
                orientation, taken_at = _exif_facts(source, default_tz)
            icc_profile = source.info.get("icc_profile")
            if isinstance(source, ImageFile.ImageFile):
                # The whole file to the decoder at once (at most the upload cap): libjpeg does not stop
                # and restart mid-row every 64 KiB, about 4% of a 12 MP decode.
                source.decodermaxblock = min(max(size_bytes, ImageFile.MAXBLOCK), MAX_READ_BLOCK)
            source.load()
            if original:
                # Lossless: the stored display image is the upload's own bytes; the thumbnail and
                # the hash come from the reduced decode.
                thumb = _to_rgb(source).resize(
                    _target_size(width, height, thumb_size), Image.Resampling.LANCZOS, reducing_gap=2.0
                )
                return _derived(
                    display=original,
                    thumb=thumb,
                    size=(width, height),
                    taken_at=taken_at,
                    quality=quality,
                    facts=(content_hash, size_bytes, kind),
                )
            # Shrink in the decoded mode first: conversions and resampling then work on a picture
            # not much bigger than the display size, never on a second full-size copy.
            frame = _to_rgb(_shrink(source, (display_w, display_h)))
            display = _resized(frame, (display_w, display_h))
            del frame
        for step in _UPRIGHT.get(orientation, ()):
            display = display.transpose(step)
        if display is source:  # decoded at the display size, already upright: the file's own image
            display = source.copy()

    display = _to_srgb(display, icc_profile)

    up_w, up_h = display.size
    thumb = _thumbnail(display, _target_size(up_w, up_h, thumb_size))
    return _derived(
        display=_encode_jpeg(display, quality),
        thumb=thumb,
        size=(up_w, up_h),
        taken_at=taken_at,
        quality=quality,
        facts=(content_hash, size_bytes, kind),
    )


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` at ``size`` (itself when it has that size already): BICUBIC after a box reduction
    by the whole factor that keeps at least 3x the target (see README, "Photo evidence")."""
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def _thumbnail(display: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The thumbnail of the display image: a box average when the sizes divide exactly (1600 px to
    400 px), else a box reduction to under twice the size, then BICUBIC (1500 px: 750, then 400)."""
    factor = display.width // size[0]
    if factor > 1 and display.size == (size[0] * factor, size[1] * factor):
        return display.reduce(factor)
    return display.resize(size, Image.Resampling.BICUBIC, reducing_gap=THUMB_REDUCING_GAP)


def _stripped(stream: IO[bytes]) -> bytes:
    """The upload without its metadata, or ``b""`` when its structure is not one we can follow
    (then it is re-encoded like any other picture)."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    try:
        return jpeg_without_metadata(data)
    except ValueError:
        return b""


def _derived(
    *,
    display: bytes,
    thumb: Image.Image,
    size: tuple[int, int],
    taken_at: dt.datetime | None,
    quality: int,
    facts: tuple[str, int, str],
) -> ProcessedImage:
    content_hash, size_bytes, kind = facts
    return ProcessedImage(
        display=display,
        thumbnail=_encode_jpeg(thumb, quality),
        width=size[0],
        height=size[1],
        taken_at=taken_at,
        dhash=dhash(thumb),
        content_hash=content_hash,
        size_bytes=size_bytes,
        source_format=kind,
    )
