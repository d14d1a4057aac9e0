"""Pictures made with Pillow for the photo tests: photo-like content, EXIF, and hostile files."""

import io
import random
import struct
import zipfile
import zlib

import pillow_heif
from PIL import Image, ImageDraw, ImageFilter

TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_EXIF_IFD = 0x8769
TAG_GPS_IFD = 0x8825
TAG_MAKER_NOTE = 0x927C
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011


def scene(size=(640, 480), seed=1) -> Image.Image:
    """A photo-like picture: a gradient sky, shapes and soft edges (stable under resizing)."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randrange(width // 8, width // 2), y0 + rng.randrange(height // 8, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
    return image.filter(ImageFilter.GaussianBlur(2))


def marked(size=(600, 400)) -> Image.Image:
    """Left half red, right half blue, a green band on top: orientation is easy to check."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    image.paste((0, 255, 0), (0, 0, size[0], size[1] // 10))
    return image


def exif_bytes(
    *, orientation=None, gps=False, maker_note=False, taken=None, offset=None, make="PhoneCo"
) -> bytes:
    exif = Image.Exif()
    exif[TAG_MAKE] = make
    exif[TAG_MODEL] = "Phone 15 Pro"
    if orientation:
        exif[TAG_ORIENTATION] = orientation
    sub = exif.get_ifd(TAG_EXIF_IFD)
    if taken:
        sub[TAG_DATETIME_ORIGINAL] = taken
    if offset:
        sub[TAG_OFFSET_TIME_ORIGINAL] = offset
    if maker_note:
        sub[TAG_MAKER_NOTE] = b"SECRET-MAKER-NOTE-serial-123456"
    if gps:
        gps_ifd = exif.get_ifd(TAG_GPS_IFD)
        gps_ifd[1] = "N"
        gps_ifd[2] = (52.0, 22.0, 3.36)
        gps_ifd[3] = "E"
        gps_ifd[4] = (4.0, 54.0, 14.76)
    return exif.tobytes()


def encode(image: Image.Image, fmt="JPEG", **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(image=None, **exif) -> bytes:
    image = image or scene()
    return encode(image, "JPEG", quality=90, exif=exif_bytes(**exif)) if exif else encode(image, "JPEG")


def heic(image=None, **exif) -> bytes:

    pillow_heif.register_heif_opener()
    image = image or scene()
    params = {"quality": 80}
    if exif:
        params["exif"] = exif_bytes(**exif)
    return encode(image, "HEIF", **params)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_declaring(width: int, height: int) -> bytes:
    """A 1x1 PNG whose IHDR (valid CRC) claims ``width`` x ``height``: a decompression bomb header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def zip_bytes() -> bytes:

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()
