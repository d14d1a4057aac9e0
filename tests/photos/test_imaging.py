"""The pure pipeline: type sniffing, orientation, metadata stripping, derivatives, hashes."""

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageOps

from photos import imaging

from . import images


def process(data: bytes, **kwargs) -> imaging.ProcessedImage:
    return imaging.process_image(io.BytesIO(data), **kwargs)


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colour_at(image: Image.Image, x: float, y: float) -> tuple:
    width, height = image.size
    return image.convert("RGB").getpixel((int(x * (width - 1)), int(y * (height - 1))))


def is_close(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def test_orientation_6_comes_out_upright_with_width_and_height_swapped():
    result = process(images.jpeg(images.marked((600, 400)), orientation=6))
    assert (result.width, result.height) == (400, 600)
    display = reopen(result.display)
    assert display.size == (400, 600)
    # Stored rotated 90 degrees clockwise to view: the green top band is now on the right,
    # the red left half on top.
    assert is_close(colour_at(display, 0.97, 0.5), GREEN)
    assert is_close(colour_at(display, 0.4, 0.2), RED)
    assert is_close(colour_at(display, 0.4, 0.8), BLUE)


def test_orientation_8_comes_out_upright_with_width_and_height_swapped():
    result = process(images.jpeg(images.marked((600, 400)), orientation=8))
    assert (result.width, result.height) == (400, 600)
    display = reopen(result.display)
    # Rotated counter-clockwise to view: green band on the left, red half at the bottom.
    assert is_close(colour_at(display, 0.03, 0.5), GREEN)
    assert is_close(colour_at(display, 0.6, 0.8), RED)
    assert is_close(colour_at(display, 0.6, 0.2), BLUE)


def test_upright_photo_keeps_its_orientation():
    result = process(images.jpeg(images.marked((600, 400)), orientation=1))
    display = reopen(result.display)
    assert display.size == (600, 400)
    assert is_close(colour_at(display, 0.2, 0.5), RED)
    assert is_close(colour_at(display, 0.5, 0.02), GREEN)


def test_gps_maker_notes_and_every_other_metadata_are_gone():
    original = images.jpeg(
        images.scene(), orientation=6, gps=True, maker_note=True, taken="2026:11:20 10:05:00"
    )
    assert b"SECRET-MAKER-NOTE" in original
    result = process(original)
    for data in (result.display, result.thumbnail):
        stored = reopen(data)
        exif = stored.getexif()
        assert len(exif) == 0
        assert exif.get_ifd(images.TAG_GPS_IFD) == {}
        assert "exif" not in stored.info and "icc_profile" not in stored.info and "xmp" not in stored.info
        assert b"SECRET-MAKER-NOTE" not in data and b"PhoneCo" not in data and b"Exif" not in data


def test_taken_at_is_read_from_exif_before_stripping_with_its_offset():
    result = process(images.jpeg(images.scene(), taken="2026:11:20 10:05:00", offset="+01:00"))
    assert result.taken_at == dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)


def test_taken_at_without_offset_is_read_in_the_visit_locations_time_zone():
    result = process(images.jpeg(images.scene(), taken="2026:07:01 12:00:00"), default_tz="Europe/Amsterdam")
    assert result.taken_at == dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "garbage", "", None, 12, b"2026:13:40 99:00:00"])
def test_unusable_exif_dates_mean_unknown_not_an_error(value):
    assert imaging.parse_exif_datetime(value, None, "UTC") is None


def test_photos_without_exif_have_no_taken_at():
    assert process(images.encode(images.scene(), "PNG")).taken_at is None


def test_derivatives_are_baseline_jpegs_of_the_display_and_thumbnail_sizes():
    result = process(images.jpeg(images.scene((3200, 2400))))
    display, thumb = reopen(result.display), reopen(result.thumbnail)
    assert display.format == thumb.format == "JPEG"
    assert display.size == (1600, 1200) and thumb.size == (400, 300)
    assert "progressive" not in display.info and "progressive" not in thumb.info
    assert (result.width, result.height) == (1600, 1200)


@pytest.mark.parametrize(
    ("size", "display"),
    [
        # 12 MP phones: decoded at 3/8 straight from the DCT, that is the display image.
        ((4000, 3000), (1500, 1125)),
        ((4032, 3024), (1512, 1134)),
        ((4000, 2250), (1500, 844)),
        # 8 MP: 3/8 would be 1224 px (under 7/8 of 1600), so 1/2 (1632) resized to 1600.
        ((3264, 2448), (1600, 1200)),
        # 48 MP: 1/4 is 2016 px, resized to 1600.
        ((8064, 6048), (1600, 1200)),
    ],
)
def test_a_large_jpeg_is_decoded_at_the_dct_scale_that_fits_the_display_size(size, display):
    result = process(images.jpeg(images.scene(size), orientation=1))
    assert reopen(result.display).size == (result.width, result.height) == display
    assert max(display) <= 1600 and max(display) >= 1400
    thumb = reopen(result.thumbnail)
    assert max(thumb.size) == 400


def test_a_sideways_12_mp_jpeg_decoded_at_3_8_is_upright_and_sharp():
    picture = images.marked((4000, 3000))
    result = process(images.jpeg(picture, orientation=6, gps=True))
    display = reopen(result.display)
    assert display.size == (result.width, result.height) == (1125, 1500)
    assert is_close(colour_at(display, 0.97, 0.5), GREEN)
    assert is_close(colour_at(display, 0.4, 0.2), RED)
    assert is_close(colour_at(display, 0.4, 0.8), BLUE)
    assert b"Exif" not in result.display and b"PhoneCo" not in result.display


def _reference_dhash(data: bytes) -> int:
    """The hash the pipeline used to compute: full decode, ``exif_transpose``, LANCZOS to 400 px."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((400, 400), Image.Resampling.LANCZOS)
    return imaging.dhash(upright)


@pytest.mark.parametrize("orientation", [1, 6, 8, 3])
@pytest.mark.parametrize("seed", [3, 11])
def test_the_fast_path_hashes_a_12_mp_photo_like_a_full_decode_does(orientation, seed):
    data = images.jpeg(images.scene((4000, 3000), seed=seed), orientation=orientation)
    fast = process(data)
    assert (fast.width, fast.height) == ((1500, 1125) if orientation in (1, 3) else (1125, 1500))
    assert imaging.hamming(fast.dhash, _reference_dhash(data)) <= 2


def test_the_same_photo_sideways_at_12_mp_and_upright_at_1600_px_is_found_as_reuse():
    picture = images.scene((4000, 3000), seed=5)
    sideways = process(images.jpeg(picture.transpose(Image.Transpose.ROTATE_90), orientation=6))
    small = process(images.jpeg(picture.resize((1600, 1200)), orientation=1))  # kept as it is
    other = process(images.jpeg(images.scene((4000, 3000), seed=6), orientation=1))
    assert imaging.hamming(sideways.dhash, small.dhash) <= 2
    assert imaging.hamming(sideways.dhash, other.dhash) > 10


def test_small_photos_are_not_upscaled():
    result = process(images.jpeg(images.scene((300, 200))))
    assert (result.width, result.height) == (300, 200)
    assert reopen(result.thumbnail).size == (300, 200)


def test_heic_round_trip_is_upright_and_stripped():
    data = images.heic(
        images.marked((600, 400)), orientation=6, gps=True, taken="2026:11:20 10:05:00", offset="+01:00"
    )
    assert imaging.sniff(data[:32]) == "HEIF"
    result = process(data)
    assert result.source_format == "HEIF"
    assert (result.width, result.height) == (400, 600)
    display = reopen(result.display)
    assert display.format == "JPEG" and len(display.getexif()) == 0
    assert is_close(colour_at(display, 0.4, 0.2), RED, tolerance=60)
    assert result.taken_at == dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    result = process(images.encode(images.scene(), fmt))
    assert result.source_format == fmt
    assert reopen(result.display).format == "JPEG"


def test_transparent_png_is_flattened_onto_white():
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    result = process(images.encode(image, "PNG"))
    assert is_close(colour_at(reopen(result.display), 0.5, 0.5), (255, 255, 255), tolerance=3)


@pytest.mark.parametrize(
    "data",
    [
        b"hello, I am a text file named photo.jpg\n" * 20,
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        images.zip_bytes(),
        b"%PDF-1.7\n" + b"0" * 100,
        b"GIF89a" + b"\x00" * 100,
        b"",
    ],
    ids=["text", "html", "zip", "pdf", "gif", "empty"],
)
def test_anything_but_jpeg_png_webp_heif_is_an_unsupported_type(data):
    with pytest.raises(imaging.UnsupportedImageType):
        process(data)


def test_html_behind_a_jpeg_header_is_a_corrupt_image():
    with pytest.raises(imaging.InvalidImage):
        process(b"\xff\xd8\xff\xe0" + b"<html><body><script>alert(1)</script></body></html>" * 10)


def test_zip_behind_a_jpeg_header_is_a_corrupt_image():
    with pytest.raises(imaging.InvalidImage):
        process(b"\xff\xd8\xff\xe0" + images.zip_bytes())


def test_a_real_jpeg_with_a_zip_appended_is_stored_without_the_zip():
    result = process(images.jpeg(images.scene()) + images.zip_bytes())
    assert b"PK\x03\x04" not in result.display and b"payload.html" not in result.display


def test_png_declaring_100000_by_100000_pixels_is_rejected_as_a_bomb():
    with pytest.raises(imaging.InvalidImage) as caught:
        process(images.png_declaring(100_000, 100_000))
    assert caught.value.code == "too_many_pixels"


def test_just_over_the_pixel_cap_is_rejected_before_decoding():
    with pytest.raises(imaging.InvalidImage) as caught:
        process(images.png_declaring(8000, 8000), max_pixels=60_000_000)
    assert caught.value.code == "too_many_pixels"


def test_absurd_dimensions_are_rejected():
    with pytest.raises(imaging.InvalidImage) as caught:
        process(images.png_declaring(30_000, 10))
    assert caught.value.code == "invalid_dimensions"


def test_truncated_jpeg_is_a_corrupt_image():
    data = images.jpeg(images.scene((800, 600)))
    with pytest.raises(imaging.InvalidImage) as caught:
        process(data[: len(data) // 2])
    assert caught.value.code == "corrupt_image"


def test_png_with_a_broken_crc_is_a_corrupt_image():
    data = bytearray(images.encode(images.scene((64, 64)), "PNG"))
    data[40] ^= 0xFF  # inside the first IDAT chunk
    with pytest.raises(imaging.InvalidImage):
        process(bytes(data))


def test_header_only_files_are_corrupt_images():
    for header in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBPVP8 "):
        with pytest.raises(imaging.InvalidImage):
            process(header)


def test_resized_and_reencoded_copy_has_a_near_hash_and_a_different_photo_does_not():
    original = process(images.jpeg(images.scene((1200, 900), seed=7)))
    smaller = images.encode(images.scene((1200, 900), seed=7).resize((500, 375)), "JPEG", quality=60)
    copy = process(smaller)
    other = process(images.jpeg(images.scene((1200, 900), seed=8)))
    assert imaging.hamming(original.dhash, copy.dhash) <= 10
    assert imaging.hamming(original.dhash, other.dhash) > 10


def test_signed_storage_of_the_hash_round_trips():
    for value in (0, 1, 2**63 - 1, 2**63, 2**64 - 1):
        stored = imaging.to_signed64(value)
        assert -(2**63) <= stored < 2**63
        assert imaging.to_unsigned64(stored) == value


def test_band_neighbours_within_radius_2_are_all_137_values():
    neighbours = imaging.band_neighbours(0xA5A5, 2)
    assert len(neighbours) == len(set(neighbours)) == 1 + 16 + 120
    assert all(imaging.hamming(value, 0xA5A5) <= 2 for value in neighbours)


@given(st.integers(0, 2**64 - 1), st.lists(st.integers(0, 63), max_size=10, unique=True))
def test_every_hash_within_distance_10_shares_a_band_within_radius_2(value, flipped_bits):
    """The multi-index guarantee the reuse lookup relies on (pigeonhole over 4 bands)."""
    other = value
    for bit in flipped_bits:
        other ^= 1 << bit
    assert imaging.hamming(value, other) <= 10
    assert any(
        b_other in imaging.band_neighbours(b_value, 10 // 4)
        for b_value, b_other in zip(imaging.bands(value), imaging.bands(other), strict=True)
    )


def test_an_icc_profile_is_applied_then_dropped():

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = images.encode(images.scene(), "JPEG", icc_profile=profile)
    assert "icc_profile" in reopen(data).info
    assert "icc_profile" not in reopen(process(data).display).info


_SEEDS = {
    "JPEG": images.jpeg(images.scene((64, 48)), orientation=6, gps=True),
    "PNG": images.encode(images.scene((64, 48)), "PNG"),
    "WEBP": images.encode(images.scene((64, 48)), "WEBP"),
}


@given(
    st.sampled_from(sorted(_SEEDS)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10_000),
)
def test_damaged_photos_are_rejected_cleanly_or_processed_never_anything_else(fmt, edits, cut):
    """Whatever bytes arrive behind a valid header, the pipeline answers a photo or an ImageRejected."""
    data = bytearray(_SEEDS[fmt])
    for position, value in edits:
        data[8 + position % (len(data) - 8)] = value  # keep the magic bytes
    data = bytes(data[: max(12, len(data) - cut)])
    try:
        result = process(data)
    except imaging.ImageRejected:
        return
    assert reopen(result.display).format == "JPEG"


@given(
    st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP"]),
    st.binary(max_size=3000),
)
def test_random_bytes_behind_a_photo_header_are_rejected_cleanly(header, tail):
    with pytest.raises(imaging.ImageRejected):
        process(header + tail)
