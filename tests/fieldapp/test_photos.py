"""The phone's photo pipeline: orientation, size, JPEG, and no metadata left behind.

Test pictures are drawn here with Pillow, EXIF included, so every case is exact:
a 12 MP camera picture with GPS, camera make/model/serial, a MakerNote, XMP, a
comment and an ICC profile; transparent PNGs; garbage; decompression bombs. The
output is checked three ways: Pillow's view of it (getexif/info), a walk over the
JPEG's own markers, and the very check the server runs before it stores a photo.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import subprocess
import sys
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

from fieldapp import photos
from fieldapp.photos import (
    FilePhotoSource,
    GeoPoint,
    PhotoError,
    PhotoSource,
    ProcessedPhoto,
    process_photo,
)
from sync_protocol import ErrorCode
from sync_server.config import Limits
from sync_server.errors import ServiceError
from sync_server.services.blobs import _inspect

RED = (255, 0, 0)
HAARLEM = GeoPoint(lat=52.3812, lon=4.6368)
TAKEN = datetime(2024, 5, 17, 14, 32, 5)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,22.872N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


# --- building test pictures -----------------------------------------------------------


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10_000), 10_000)


def _dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    """Decimal degrees as EXIF's (degrees, minutes, seconds) rationals."""
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = (degrees - whole - minutes / 60) * 3600
    return _rational(whole), _rational(minutes), _rational(seconds)


def camera_exif(
    *,
    orientation: int | None = 6,
    gps: tuple[float, str, float, str] | None = (HAARLEM.lat, "N", HAARLEM.lon, "E"),
    taken: str | None = "2024:05:17 14:32:05",
    offset: str | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it, including what must never reach the server."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Fairphone"
    exif[ExifTags.Base.Model] = "FP5"
    exif[ExifTags.Base.Software] = "FP5.UT2M.B.083"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.BodySerialNumber] = "FP5-0123456789"
    details[ExifTags.Base.MakerNote] = b"VENDOR\x00" + bytes(range(64))
    if taken is not None:
        details[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps is not None:
        lat, lat_ref, lon, lon_ref = gps
        location = exif.get_ifd(ExifTags.IFD.GPSInfo)
        location[ExifTags.GPS.GPSVersionID] = b"\x02\x02\x00\x00"
        location[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        location[ExifTags.GPS.GPSLatitude] = _dms(lat)
        location[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        location[ExifTags.GPS.GPSLongitude] = _dms(lon)
    return exif


def noisy_photo(width: int, height: int, *, seed: int = 20240517) -> Image.Image:
    """Gradients plus fine and coarse noise: compresses like a real photo, not like a flat one.

    At 4000×3000 and JPEG quality 92 this is about 4 MB, the size of a real 12 MP
    phone picture. A red block marks the stored top-left corner.
    """
    rng = random.Random(seed)
    gradients = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ],
    )
    fine = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    small = (max(1, width // 16), max(1, height // 16))
    coarse = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    picture = Image.blend(gradients, coarse.resize((width, height), Image.Resampling.BICUBIC), 0.3)
    picture = Image.blend(picture, fine, 0.1)
    block = max(8, width // 7)
    picture.paste(RED, (0, 0, block, block))
    return picture


def jpeg(picture: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=92, **params)
    return buffer.getvalue()


def png(picture: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", **params)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that only declares its size: Pillow's open() reads no more than this."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="module")
def camera_jpeg() -> bytes:
    """A 12 MP phone picture held sideways (Orientation 6), with all the usual metadata."""
    return jpeg(
        noisy_photo(4000, 3000),
        exif=camera_exif(),
        xmp=XMP,
        comment=b"Fairphone FP5 camera",
        icc_profile=srgb_icc(),
    )


@pytest.fixture(scope="module")
def processed(camera_jpeg: bytes) -> ProcessedPhoto:
    return process_photo(camera_jpeg)


# --- checking output --------------------------------------------------------------------


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG, in order, up to the start of the image data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, pos = [0xD8], 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    raise AssertionError("JPEG ends before its image data")


def assert_clean_jpeg(data: bytes) -> Image.Image:
    markers = jpeg_markers(data)
    assert 0xC0 in markers, "not a baseline JPEG (SOF0)"
    assert not {0xC1, 0xC2, 0xC3} & set(markers), "progressive or other non-baseline JPEG"
    app = [m for m in markers if 0xE0 <= m <= 0xEF]
    assert app == [0xE0], f"APPn segments besides JFIF: {[hex(m) for m in app]}"
    assert 0xFE not in markers, "JPEG comment (COM) present"
    jfif = data.index(b"JFIF\x00")
    assert data[jfif + 12 : jfif + 14] == b"\x00\x00", "JFIF thumbnail present"

    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert not image.getexif()
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop"):
        assert key not in image.info, key
    return image


def is_red(pixel: tuple[int, ...]) -> bool:
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60


def corner_pixels(image: Image.Image, inset: int) -> dict[str, tuple[int, ...]]:
    w, h = image.size
    spots = {
        "top-left": (inset, inset),
        "top-right": (w - 1 - inset, inset),
        "bottom-left": (inset, h - 1 - inset),
        "bottom-right": (w - 1 - inset, h - 1 - inset),
    }
    result = {}
    for name, xy in spots.items():
        pixel = image.getpixel(xy)
        assert isinstance(pixel, tuple)
        result[name] = pixel
    return result


@pytest.fixture
def restore_pillow_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's _inspect sets Image.MAX_IMAGE_PIXELS for the whole process."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)


# --- the 12 MP camera picture ----------------------------------------------------------


def test_camera_input_really_carries_metadata(camera_jpeg: bytes) -> None:
    """Guards the other tests against passing because the input was already clean."""
    image = Image.open(io.BytesIO(camera_jpeg))
    assert image.size == (4000, 3000)
    exif = image.getexif()
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif[ExifTags.Base.Model] == "FP5"
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == "FP5-0123456789"
    assert {"exif", "xmp", "comment", "icc_profile"} <= image.info.keys()
    assert 3_000_000 < len(camera_jpeg) < 6_000_000  # like a real 12 MP phone picture


def test_camera_photo_is_scaled_and_rotated(processed: ProcessedPhoto) -> None:
    assert (processed.width, processed.height) == (1200, 1600)
    image = Image.open(io.BytesIO(processed.data))
    assert image.size == (1200, 1600)
    # Orientation 6: the stored picture must be turned 90° clockwise to be seen
    # right, so the block in the stored top-left corner ends up top-right.
    corners = corner_pixels(image.convert("RGB"), inset=60)
    assert is_red(corners["top-right"]), corners
    assert not any(is_red(corners[name]) for name in ("top-left", "bottom-left", "bottom-right"))


def test_camera_photo_has_no_metadata(processed: ProcessedPhoto) -> None:
    assert_clean_jpeg(processed.data)
    assert_clean_jpeg(processed.thumbnail)
    for secret in (b"Fairphone", b"FP5", b"0123456789", b"VENDOR", b"xmpmeta", b"Exif"):
        assert secret not in processed.data
        assert secret not in processed.thumbnail


def test_camera_photo_location_and_time_are_returned_as_data(processed: ProcessedPhoto) -> None:
    assert processed.gps is not None
    assert processed.gps.lat == pytest.approx(HAARLEM.lat, abs=1e-6)
    assert processed.gps.lon == pytest.approx(HAARLEM.lon, abs=1e-6)
    assert processed.taken_at == TAKEN
    assert processed.taken_at.tzinfo is None  # no OffsetTimeOriginal: the phone's local time


def test_camera_photo_hashes_size_and_thumbnail(processed: ProcessedPhoto) -> None:
    assert processed.sha256 == hashlib.sha256(processed.data).hexdigest()
    assert processed.thumbnail_sha256 == hashlib.sha256(processed.thumbnail).hexdigest()
    assert len(processed.sha256) == 64 and processed.sha256 == processed.sha256.lower()
    assert len(processed.data) < 400 * 1024
    thumb = Image.open(io.BytesIO(processed.thumbnail))
    assert thumb.size == (240, 320)
    assert is_red(corner_pixels(thumb.convert("RGB"), inset=12)["top-right"])
    assert len(processed.thumbnail) < len(processed.data)


def test_processing_is_deterministic(camera_jpeg: bytes, processed: ProcessedPhoto) -> None:
    again = process_photo(camera_jpeg)
    assert again.sha256 == processed.sha256
    assert again.thumbnail_sha256 == processed.thumbnail_sha256
    assert again == processed


def test_server_accepts_the_output_and_refuses_the_input(
    camera_jpeg: bytes, processed: ProcessedPhoto, restore_pillow_limit: None
) -> None:
    limits = Limits()
    assert len(processed.data) <= limits.max_photo_bytes
    assert _inspect(processed.data, limits) == ("image/jpeg", 1200, 1600)
    assert _inspect(processed.thumbnail, limits) == ("image/jpeg", 240, 320)
    with pytest.raises(ServiceError) as refused:
        _inspect(camera_jpeg, limits)
    assert refused.value.code is ErrorCode.BLOB_HAS_METADATA


def test_small_photo_metadata_is_removed_too() -> None:
    """No resizing, no rotation, no ICC: the picture could otherwise pass straight through."""
    raw = jpeg(
        noisy_photo(400, 300), exif=camera_exif(orientation=None), xmp=XMP, comment=b"FP5 camera"
    )
    result = process_photo(raw)
    assert (result.width, result.height) == (400, 300)
    assert_clean_jpeg(result.data)
    assert b"FP5" not in result.data


def test_self_check_refuses_a_jpeg_with_metadata(camera_jpeg: bytes) -> None:
    """The last line of defence inside process_photo, should the encoder ever carry data."""
    with pytest.raises(PhotoError, match="verborgen gegevens"):
        photos._check_clean(camera_jpeg)
    photos._check_clean(jpeg(noisy_photo(40, 30)))


# --- orientation, size, colour -----------------------------------------------------------

# Where the stored top-left corner is seen once each EXIF orientation is applied.
ORIENTATIONS = {
    1: "top-left",
    2: "top-right",
    3: "bottom-right",
    4: "bottom-left",
    5: "top-left",
    6: "top-right",
    7: "bottom-right",
    8: "bottom-left",
}


@pytest.mark.parametrize(("orientation", "corner"), ORIENTATIONS.items())
def test_every_exif_orientation(orientation: int, corner: str) -> None:
    raw = jpeg(noisy_photo(400, 300), exif=camera_exif(orientation=orientation))
    result = process_photo(raw)
    image = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert image.size == ((300, 400) if orientation >= 5 else (400, 300))
    corners = corner_pixels(image, inset=20)
    assert [name for name, pixel in corners.items() if is_red(pixel)] == [corner]


def test_small_photo_is_not_upscaled() -> None:
    result = process_photo(jpeg(noisy_photo(800, 600)))
    assert (result.width, result.height) == (800, 600)
    assert Image.open(io.BytesIO(result.data)).size == (800, 600)
    assert Image.open(io.BytesIO(result.thumbnail)).size == (320, 240)
    tiny = process_photo(png(Image.new("RGB", (40, 30), RED)))
    assert (tiny.width, tiny.height) == (40, 30)
    assert Image.open(io.BytesIO(tiny.thumbnail)).size == (40, 30)


def test_custom_sizes_and_extreme_aspect_ratio() -> None:
    result = process_photo(png(Image.new("RGB", (5000, 50), RED)), max_side=1000, thumb_side=100)
    assert (result.width, result.height) == (1000, 10)
    assert Image.open(io.BytesIO(result.thumbnail)).size == (100, 1)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparency_is_flattened_on_white(mode: str) -> None:
    picture = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent black
    picture.paste((255, 0, 0, 255), (0, 0, 100, 100))  # opaque red left half
    if mode == "LA":
        picture = picture.convert("LA")
    elif mode == "P":
        picture = picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
        picture.info["transparency"] = picture.getpixel((150, 50))
    result = process_photo(png(picture, transparency=picture.info.get("transparency")))
    image = assert_clean_jpeg(result.data)
    left, right = image.getpixel((50, 50)), image.getpixel((150, 50))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert all(channel > 245 for channel in right), right  # white, not black
    if mode != "LA":
        assert is_red(left), left


@pytest.mark.parametrize(
    ("mode", "fill"),
    [("L", 128), ("1", 1), ("CMYK", (0, 255, 255, 0)), ("I;16", 128 * 256)],
)
def test_other_colour_modes_become_rgb(mode: str, fill: int | tuple[int, ...]) -> None:
    picture = Image.new(mode, (64, 48), fill)
    raw = jpeg(picture) if mode in ("L", "CMYK") else png(picture)
    image = assert_clean_jpeg(process_photo(raw).data)
    pixel = image.getpixel((32, 24))
    assert isinstance(pixel, tuple)
    if mode == "CMYK":
        assert is_red(pixel), pixel
    elif mode in ("L", "I;16"):  # mid grey, not clipped to white
        assert all(abs(channel - 128) < 8 for channel in pixel), pixel


def test_broken_icc_profile_is_ignored() -> None:
    raw = jpeg(noisy_photo(80, 60), icc_profile=b"not a colour profile")
    image = assert_clean_jpeg(process_photo(raw).data)
    assert is_red(corner_pixels(image, inset=2)["top-left"])


def test_other_image_formats() -> None:
    picture = noisy_photo(120, 90)
    for fmt in ("WEBP", "GIF", "BMP", "TIFF"):
        buffer = io.BytesIO()
        picture.save(buffer, format=fmt)
        result = process_photo(buffer.getvalue())
        assert (result.width, result.height) == (120, 90), fmt
        assert_clean_jpeg(result.data)


def test_multi_picture_jpeg_keeps_only_the_main_picture() -> None:
    """Many phones write MPO: a JPEG with a second picture (and an MPF block) appended."""
    picture = noisy_photo(2000, 1500)
    buffer = io.BytesIO()
    picture.save(
        buffer,
        format="MPO",
        save_all=True,
        append_images=[picture.resize((200, 150))],
        exif=camera_exif(orientation=8),
    )
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    result = process_photo(buffer.getvalue())
    assert (result.width, result.height) == (1200, 1600)
    assert result.gps is not None
    image = assert_clean_jpeg(result.data)
    assert is_red(corner_pixels(image, inset=60)["bottom-left"])
    assert b"MPF" not in result.data


# --- location and time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        ((52.3812, "N", 4.6368, "E"), GeoPoint(52.3812, 4.6368)),
        ((33.8688, "S", 151.2093, "E"), GeoPoint(-33.8688, 151.2093)),
        ((40.7128, "N", 74.0060, "W"), GeoPoint(40.7128, -74.0060)),
        ((22.9068, "S", 43.1729, "W"), GeoPoint(-22.9068, -43.1729)),
    ],
)
def test_gps_sign_follows_refs(gps: tuple[float, str, float, str], expected: GeoPoint) -> None:
    result = process_photo(jpeg(noisy_photo(40, 30), exif=camera_exif(gps=gps)))
    assert result.gps is not None
    assert result.gps.lat == pytest.approx(expected.lat, abs=1e-6)
    assert result.gps.lon == pytest.approx(expected.lon, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [
        None,  # no GPS block
        (0.0, "N", 0.0, "E"),  # "no fix" as some cameras write it
        (52.3812, "X", 4.6368, "E"),  # unknown ref
        (95.0, "N", 4.6368, "E"),  # impossible latitude
    ],
)
def test_missing_or_implausible_gps_gives_none(
    gps: tuple[float, str, float, str] | None,
) -> None:
    assert process_photo(jpeg(noisy_photo(40, 30), exif=camera_exif(gps=gps))).gps is None


def test_taken_at_with_offset_and_without_exif() -> None:
    raw = jpeg(noisy_photo(40, 30), exif=camera_exif(offset="+02:00"))
    taken_at = process_photo(raw).taken_at
    assert taken_at == TAKEN.replace(tzinfo=timezone(timedelta(hours=2)))
    assert taken_at is not None and taken_at.utcoffset() == timedelta(hours=2)

    blank = jpeg(noisy_photo(40, 30), exif=camera_exif(taken="    :  :     :  :  "))
    assert process_photo(blank).taken_at is None
    bare = process_photo(jpeg(noisy_photo(40, 30)))
    assert bare.gps is None and bare.taken_at is None


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"this is not a picture at all",
        bytes(random.Random(7).randbytes(4096)),
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # EPS: never run Ghostscript
    ],
    ids=["empty", "text", "random", "eps"],
)
def test_garbage_is_refused_in_dutch(raw: bytes) -> None:
    with pytest.raises(PhotoError) as refused:
        process_photo(raw)
    assert str(refused.value) == "Dit bestand is geen foto die de app kan lezen."


def test_truncated_jpeg_is_refused() -> None:
    raw = jpeg(noisy_photo(400, 300))
    with pytest.raises(PhotoError, match="geen foto die de app kan lezen"):
        process_photo(raw[: len(raw) // 2])


@pytest.mark.parametrize("pillow_limit", ["default", "off"])
@pytest.mark.parametrize("size", [(30000, 30000), (9000, 9000)], ids=["900MP", "81MP"])
def test_decompression_bomb_is_refused(
    size: tuple[int, int], pillow_limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused from the header alone, with or without Pillow's own global guard."""
    monkeypatch.setattr(
        Image, "MAX_IMAGE_PIXELS", 89_478_485 if pillow_limit == "default" else None
    )
    with pytest.raises(PhotoError) as refused:
        process_photo(png_header(*size))
    assert str(refused.value) == "Deze foto is te groot om te verwerken."


def test_oversized_input_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(PhotoError, match="te groot"):
        process_photo(jpeg(noisy_photo(400, 300)))


def test_invalid_arguments_are_programming_errors() -> None:
    raw = png(Image.new("RGB", (10, 10)))
    for kwargs in ({"max_side": 0}, {"thumb_side": 0}, {"quality": 0}, {"quality": 100}):
        with pytest.raises(ValueError):
            process_photo(raw, **kwargs)


# --- where photos come from -----------------------------------------------------------------


def test_file_photo_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "IMG_20240517_143205.jpg"
    raw = jpeg(noisy_photo(400, 300), exif=camera_exif())
    path.write_bytes(raw)
    source: PhotoSource = FilePhotoSource(path)
    assert source.take() == raw
    assert process_photo(FilePhotoSource(str(path)).take()).gps is not None

    with pytest.raises(PhotoError, match="kon niet worden geopend"):
        FilePhotoSource(tmp_path / "missing.jpg").take()
    with pytest.raises(PhotoError, match="kon niet worden geopend"):
        FilePhotoSource(tmp_path).take()  # a directory
    monkeypatch.setattr(photos, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(PhotoError, match="te groot"):
        FilePhotoSource(path).take()


def test_module_does_not_import_flet() -> None:
    code = "import sys, fieldapp.photos; sys.exit('flet' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- HEIC, as an iPhone's camera writes it -----------------------------------------------


def heic(picture: Image.Image, exif: Image.Exif) -> bytes:
    """A real HEIC file (HEVC in a HEIF container), written by pillow-heif."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    picture.save(buffer, format="HEIF", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_heic_photo_becomes_an_upright_clean_jpeg(restore_pillow_limit: None) -> None:
    raw = heic(noisy_photo(800, 600), camera_exif(orientation=6))
    assert raw[4:12] == b"ftypheic"  # really HEIC, not a JPEG under another name
    photo = process_photo(raw)
    image = assert_clean_jpeg(photo.data)
    # Held sideways (orientation 6): stored 800×600, shown upright 600×800, the
    # red block of the stored top-left corner now at the top right.
    assert image.size == (photo.width, photo.height) == (600, 800)
    corners = corner_pixels(image.convert("RGB"), 20)
    assert is_red(corners["top-right"]) and not is_red(corners["top-left"])
    assert photo.gps is not None  # kept as data for the record, gone from the picture
    assert photo.gps.lat == pytest.approx(HAARLEM.lat, abs=1e-4)
    assert photo.gps.lon == pytest.approx(HAARLEM.lon, abs=1e-4)
    assert photo.taken_at == TAKEN
    assert b"Fairphone" not in photo.data and b"FP5" not in photo.data
    assert_clean_jpeg(photo.thumbnail)
    # What the phone sends, the server takes; the HEIC itself it refuses clearly.
    limits = Limits()
    assert _inspect(photo.data, limits) == ("image/jpeg", 600, 800)
    with pytest.raises(ServiceError) as refused:
        _inspect(raw, limits)
    assert refused.value.code is ErrorCode.BLOB_NOT_AN_IMAGE


def test_a_broken_heic_is_refused_in_dutch() -> None:
    raw = heic(noisy_photo(64, 48), camera_exif(orientation=None))
    with pytest.raises(PhotoError) as refused:
        process_photo(raw[: len(raw) // 2])
    assert str(refused.value) == photos.MSG_NOT_A_PHOTO
