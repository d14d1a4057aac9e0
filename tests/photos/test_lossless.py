"""An upright JPEG that already fits the display size is stored as it is: same pixels, no metadata.

Re-encoding it would only lose quality and cost a decode and an encode; instead its metadata
segments (EXIF with GPS and maker notes, XMP, comments, JFIF) are cut out of the byte stream and the
thumbnail and hash come from a reduced decode. Anything else (sideways, larger than the display
size, a colour profile to convert) is re-encoded as before.
"""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from photos import imaging

from . import images


def process(data: bytes) -> imaging.ProcessedImage:
    return imaging.process_image(io.BytesIO(data), display_size=1600, thumb_size=400)


def pixels(data: bytes) -> tuple[tuple[int, int], str, bytes]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.size, image.mode, image.tobytes()


def with_segments(data: bytes, *segments: bytes) -> bytes:
    """``data`` with extra marker segments right after SOI (XMP, a comment...)."""
    return data[:2] + b"".join(segments) + data[2:]


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


XMP = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>SECRET-XMP-LOCATION</x:xmpmeta>")
COMMENT = segment(0xFE, b"SECRET-COMMENT")


def test_an_upright_phone_jpeg_of_display_size_keeps_its_pixels_and_loses_its_metadata():
    original = with_segments(
        images.jpeg(
            images.scene((1600, 1200)),
            orientation=1,
            gps=True,
            maker_note=True,
            taken="2026:11:20 10:05:00",
            offset="+01:00",
        ),
        XMP,
        COMMENT,
    )
    result = process(original)
    assert pixels(result.display) == pixels(original)
    assert (result.width, result.height) == (1600, 1200)
    assert result.taken_at is not None  # read before stripping
    for secret in (b"Exif", b"SECRET-MAKER-NOTE", b"PhoneCo", b"SECRET-XMP", b"SECRET-COMMENT", b"JFIF"):
        assert secret not in result.display
    with Image.open(io.BytesIO(result.display)) as stored:
        assert len(stored.getexif()) == 0
        assert stored.getexif().get_ifd(images.TAG_GPS_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment", "jfif"} & set(stored.info)
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert thumb.size == (400, 300)
        assert "exif" not in thumb.info


def test_a_sideways_jpeg_is_still_turned_upright_by_re_encoding():
    original = images.jpeg(images.marked((600, 400)), orientation=6, gps=True)
    result = process(original)
    assert (result.width, result.height) == (400, 600)
    assert pixels(result.display)[0] == (400, 600)
    assert b"Exif" not in result.display


def test_larger_pictures_and_colour_profiles_are_re_encoded_as_before():
    larger = process(images.jpeg(images.scene((2000, 1500)), orientation=1))
    assert (larger.width, larger.height) == (1600, 1200)
    with Image.open(io.BytesIO(larger.display)) as display:
        assert "progressive" not in display.info  # re-encoded (baseline), not the upload's bytes

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with_profile = images.encode(images.scene(), "JPEG", icc_profile=profile)
    stored = process(with_profile).display
    assert pixels(stored) != pixels(with_profile)  # re-encoded (converted), profile dropped
    with Image.open(io.BytesIO(stored)) as display:
        assert "icc_profile" not in display.info


def test_a_kept_photo_and_a_re_encoded_copy_are_still_found_as_reuse():
    kept = process(images.jpeg(images.scene((1600, 1200), seed=7), orientation=1))
    bigger_copy = process(images.encode(images.scene((1600, 1200), seed=7).resize((3200, 2400)), "JPEG"))
    other = process(images.jpeg(images.scene((1600, 1200), seed=8), orientation=1))
    assert imaging.hamming(kept.dhash, bigger_copy.dhash) <= 4
    assert imaging.hamming(kept.dhash, other.dhash) > 10


def test_anything_after_the_end_of_the_picture_is_dropped():
    original = images.jpeg(images.scene()) + b"\xff\xd8MOTION-PHOTO-VIDEO" + images.zip_bytes()
    stored = imaging.jpeg_without_metadata(original)
    assert stored.endswith(b"\xff\xd9") and b"MOTION-PHOTO" not in stored and b"PK\x03\x04" not in stored
    assert pixels(stored) == pixels(original)


@pytest.mark.parametrize(
    "broken",
    [b"\xff\xd8", b"\xff\xd8\xff\xe1\xff\xff", b"\xff\xd8\x00\x00", b"\x89PNG\r\n"],
    ids=["no-end", "overrun", "no-marker", "not-jpeg"],
)
def test_structures_it_cannot_follow_are_refused(broken):
    with pytest.raises(ValueError):
        imaging.jpeg_without_metadata(broken)


@settings(max_examples=25, deadline=None)
@given(
    size=st.tuples(st.integers(8, 300), st.integers(8, 300)),
    progressive=st.booleans(),
    subsampling=st.sampled_from([0, 1, 2]),
    restart=st.sampled_from([0, 1, 4]),
    grey=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_stripping_never_changes_a_pixel(size, progressive, subsampling, restart, grey, seed):
    picture = images.scene(size, seed=seed)
    params = {"progressive": progressive, "subsampling": subsampling, "quality": 85}
    if restart:
        params["restart_marker_blocks"] = restart
    original = with_segments(
        images.encode(
            picture.convert("L") if grey else picture, "JPEG", exif=images.exif_bytes(gps=True), **params
        ),
        XMP,
        COMMENT,
    )
    stored = imaging.jpeg_without_metadata(original)
    assert pixels(stored) == pixels(original)
    assert b"Exif" not in stored and b"SECRET" not in stored
