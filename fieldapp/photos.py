"""Photos an officer attaches to an observation, made safe on the phone itself.

Why this exists: a camera picture carries far more than pixels. Its EXIF block
holds the GPS position where the officer stood, the time, the phone's make,
model and often its serial number, a MakerNote full of vendor data and a small
embedded thumbnail (which can show a face that was cropped out of the picture
itself). XMP, ICC profiles and comments can carry more. None of that may reach
the server or the people a record is later shown to. The location is useful
evidence, so it is read out here and returned as data: the app puts it in the
record's structured location fields, where it is visible, validated and can be
corrected, instead of hidden inside a picture.

Every photo is therefore decoded and written out again as a fresh baseline JPEG:
orientation applied to the pixels, at most 1600 px a side, sRGB, no metadata at
all. The result is checked by opening it again before it is returned. The server
(sync_server/services/blobs.py) refuses any picture that still carries metadata,
so a mistake here shows up as a refused upload, never as a leaked position.

Everything runs on the phone with Pillow only; this module must not import flet
so it can be tested (and reused) without the UI.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

from PIL import ExifTags, Image, ImageOps

__all__ = [
    "FilePhotoSource",
    "GeoPoint",
    "PhotoError",
    "PhotoSource",
    "ProcessedPhoto",
    "process_photo",
]

#: A camera picture with more pixels than this is refused before it is decoded
#: (a 50 MP phone photo fits; a crafted "decompression bomb" does not).
MAX_INPUT_PIXELS = 80_000_000
#: Input files larger than this are refused before they are read or parsed.
MAX_INPUT_BYTES = 64 * 1024 * 1024

#: Raster formats a camera or the file picker can plausibly give us. Others that
#: Pillow knows (EPS runs Ghostscript, PSD, ICO, …) are refused: less code exposed
#: to untrusted files.
_WANTED_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "GIF", "BMP", "TIFF", "HEIF")

#: Metadata that must never be in a stored picture (as Pillow names it in `info`).
_METADATA_KEYS = (
    "exif",
    "xmp",
    "XML:com.adobe.xmp",
    "comment",
    "icc_profile",
    "photoshop",
    "Raw profile type exif",
)

MSG_NOT_A_PHOTO = "Dit bestand is geen foto die de app kan lezen."
MSG_TOO_LARGE = "Deze foto is te groot om te verwerken."
MSG_UNREADABLE_FILE = "Het bestand met de foto kon niet worden geopend."
MSG_NOT_CLEAN = (
    "De app kon de verborgen gegevens niet uit deze foto halen. Probeer een andere foto."
)


class PhotoError(Exception):
    """A photo that cannot be used; str(error) is a Dutch message for the officer."""


@dataclass(frozen=True)
class GeoPoint:
    """A position in WGS84 decimal degrees (south and west negative)."""

    lat: float
    lon: float


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store and upload: clean JPEG, thumbnail, and what EXIF told us.

    `taken_at` is DateTimeOriginal. It is timezone-aware when the camera also wrote
    OffsetTimeOriginal; otherwise it is naive and means the phone's local clock time.
    """

    data: bytes
    sha256: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_sha256: str
    gps: GeoPoint | None
    taken_at: datetime | None


class PhotoSource(Protocol):
    """Where a picture comes from: the camera on a phone, a file, a test fixture."""

    def take(self) -> bytes:
        """Return the raw bytes of one picture, or raise PhotoError."""


class FilePhotoSource:
    """A picture chosen in the file picker (or any file on disk)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def take(self) -> bytes:
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise PhotoError(MSG_UNREADABLE_FILE) from exc
        if len(data) > MAX_INPUT_BYTES:
            raise PhotoError(MSG_TOO_LARGE)
        return data


def process_photo(
    raw: bytes, *, max_side: int = 1600, quality: int = 80, thumb_side: int = 320
) -> ProcessedPhoto:
    """Turn a camera picture into a stored JPEG and thumbnail without any metadata.

    Raises PhotoError (with a Dutch message) for anything that is not a usable picture.
    """
    if max_side < 1 or thumb_side < 1 or not 1 <= quality <= 95:
        raise ValueError("max_side and thumb_side must be positive, quality 1–95")
    if len(raw) > MAX_INPUT_BYTES:
        raise PhotoError(MSG_TOO_LARGE)
    try:
        with Image.open(io.BytesIO(raw), formats=_allowed_formats()) as source:
            width, height = source.size
            if width < 1 or height < 1:
                raise PhotoError(MSG_NOT_A_PHOTO)
            if width * height > MAX_INPUT_PIXELS:
                raise PhotoError(MSG_TOO_LARGE)
            exif = source.getexif()
            gps, taken_at = _read_gps(exif), _read_taken_at(exif)
            # For a JPEG, let libjpeg decode at 1/2, 1/4 or 1/8 scale straight away
            # (never below the final size): a quarter of the memory, half the time.
            if source.format in ("JPEG", "MPO"):
                source.draft(None, _fit((width, height), max_side))
            ImageOps.exif_transpose(source, in_place=True)
            picture = _shrink(_to_srgb(source), max_side)
            data = _encode(picture, quality)
            thumbnail = _encode(_shrink(picture, thumb_side), quality)
            out_width, out_height = picture.size
    except PhotoError:
        raise
    except (Image.DecompressionBombError, MemoryError) as exc:
        raise PhotoError(MSG_TOO_LARGE) from exc
    except Exception as exc:  # Pillow raises many types for broken or odd files
        raise PhotoError(MSG_NOT_A_PHOTO) from exc
    return ProcessedPhoto(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=out_width,
        height=out_height,
        thumbnail=thumbnail,
        thumbnail_sha256=hashlib.sha256(thumbnail).hexdigest(),
        gps=gps,
        taken_at=taken_at,
    )


# --- pixels -----------------------------------------------------------------------------


@functools.cache
def _allowed_formats() -> tuple[str, ...]:
    _register_heif()
    Image.init()  # Image.open fails on a format name whose plugin is missing
    return tuple(name for name in _WANTED_FORMATS if name in Image.OPEN)


def _register_heif() -> None:
    """Teach Pillow HEIC/HEIF, what an iPhone's camera writes (pillow-heif).

    Decoding applies the container's rotation and mirroring and sets the EXIF
    orientation to 1, so the picture comes out upright and is not turned twice.
    A build without pillow-heif still runs: a HEIC photo is then refused with
    the usual Dutch message instead of crashing the app."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled down (never up) so its longest side is at most `max_side`."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, max_side: int) -> Image.Image:
    size = _fit(image.size, max_side)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_srgb(image: Image.Image) -> Image.Image:
    """An RGB image in sRGB: transparency flattened on white, 16-bit scaled, ICC applied."""
    icc = image.info.get("icc_profile")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit greyscale: scale to 8 bits instead of clipping everything to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    if isinstance(icc, bytes) and icc:
        converted = _apply_icc(image, icc)
        if converted is not None:
            return converted
    return image if image.mode == "RGB" else image.convert("RGB")


def _apply_icc(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert from the embedded colour profile to sRGB; None if that is not possible.

    Without this a wide-gamut (Display P3, Adobe RGB) or CMYK picture would look
    washed out once its profile is dropped. ImageCms needs LittleCMS, which a phone
    build of Pillow may lack: then the plain conversion is used.
    """
    if image.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        from PIL import ImageCms

        converted = ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    except Exception:  # no LittleCMS, a broken profile, or one for another mode
        return None
    return converted if isinstance(converted, Image.Image) else None


def _encode(image: Image.Image, quality: int) -> bytes:
    """A baseline JPEG of `image`'s pixels, and nothing else.

    The pixels are copied into a new image so no `info` (comment, EXIF, XMP, ICC)
    can travel along: Pillow's JPEG writer copies a comment from `info` by itself.
    """
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(
        buffer,
        format="JPEG",
        quality=quality,
        optimize=True,
        progressive=False,
        subsampling="4:2:0",
    )
    data = buffer.getvalue()
    _check_clean(data)
    return data


def _check_clean(data: bytes) -> None:
    with Image.open(io.BytesIO(data), formats=("JPEG",)) as image:
        if (
            image.format != "JPEG"
            or image.getexif()
            or any(key in image.info for key in _METADATA_KEYS)
        ):
            raise PhotoError(MSG_NOT_CLEAN)


# --- metadata we keep as data -------------------------------------------------------------

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _read_gps(exif: Image.Exif) -> GeoPoint | None:
    """The EXIF GPS position as WGS84 decimal degrees, or None if absent or implausible."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
        lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    except Exception:  # a damaged GPS block is no reason to refuse the photo
        return None
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    if lat == 0 and lon == 0:  # what some cameras write when they have no fix
        return None
    return GeoPoint(lat=lat, lon=lon)


def _degrees(value: object, ref: object) -> float | None:
    """(degrees, minutes, seconds) rationals and an N/S/E/W ref as signed degrees."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes) or not value:
        return None
    parts = [float(part) for part in value[:3]]
    if not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = ref.strip("\x00 ").upper() if isinstance(ref, str) else ""
    if ref not in ("N", "S", "E", "W"):
        return None
    return -degrees if ref in ("S", "W") else degrees


def _read_taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal (with OffsetTimeOriginal and sub-seconds when present)."""
    try:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        text = _ascii(details.get(ExifTags.Base.DateTimeOriginal))
        if text is None:
            return None
        taken = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except Exception:  # absent, blank ("    :  :  ") or zero ("0000:00:00 …")
        return None
    subsec = _ascii(details.get(ExifTags.Base.SubsecTimeOriginal))
    if subsec and subsec.isdigit():
        taken = taken.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    offset = _ascii(details.get(ExifTags.Base.OffsetTimeOriginal))
    match = _OFFSET_RE.match(offset or "")
    if match:
        sign = -1 if match[1] == "-" else 1
        delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
        if delta < timedelta(hours=24):
            taken = taken.replace(tzinfo=timezone(sign * delta))
    return taken


def _ascii(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None
