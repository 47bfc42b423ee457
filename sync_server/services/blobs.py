"""Photos, stored once by SHA-256 however many records name them.

The phone has already fixed orientation, scaled, re-encoded and stripped every
EXIF tag (fieldapp/photos.py). The server does not trust that: it checks the
hash against the bytes, opens the image with Pillow's decompression-bomb guard,
limits its dimensions, and refuses a picture that still carries metadata, so no
GPS position or camera serial ever lands in storage.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path

from PIL import Image
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sync_protocol import ErrorCode
from sync_server.config import Limits
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Blob

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def check_hash(sha256: str) -> str:
    if not SHA256_RE.fullmatch(sha256):
        raise ServiceError(
            ErrorCode.BLOB_HASH_INVALID, "Een foto wordt genoemd bij zijn SHA-256 (64 hex-tekens)."
        )
    return sha256


def blob_path(blob_dir: Path, sha256: str) -> Path:
    return blob_dir / sha256[:2] / sha256


def exists(session: Session, sha256: str) -> bool:
    return session.get(Blob, check_hash(sha256)) is not None


# What a clean JPEG or PNG may still say about itself: encoding details only.
# Anything else (EXIF, XMP, comments, PNG text chunks) can hold a position, a
# camera serial or a name, and is refused.
_HARMLESS_INFO = frozenset(
    {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "progressive",
        "progression",
        "adobe",
        "adobe_transform",
        "icc_profile",
        "gamma",
        "srgb",
        "chromaticity",
        "transparency",
        "aspect",
        "interlace",
    }
)


def _too_many_pixels() -> ServiceError:
    return ServiceError(
        ErrorCode.BLOB_IMAGE_TOO_LARGE, "Foto heeft te veel pixels en is geweigerd."
    )


def _inspect(data: bytes, limits: Limits) -> tuple[str, int, int]:
    """Check what the bytes are, then decode them whole.

    Pillow's verify() does not read a JPEG's image data, so a photo cut short in
    transit (and sent with the hash of what arrived) would pass it; only decoding
    every pixel proves the file is complete. The size checks come first, so that
    nothing big is ever decoded. The pixel limit is checked here rather than by
    changing Pillow's process-wide Image.MAX_IMAGE_PIXELS, which other code in the
    process (and other threads) share; Pillow's own guard still stops a bomb whose
    header claims far more than that before anything is allocated.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt, (width, height) = image.format, image.size
                if fmt not in _FORMATS:
                    raise ServiceError(ErrorCode.BLOB_NOT_AN_IMAGE, "Alleen JPEG- en PNG-foto's.")
                if width > limits.max_photo_side or height > limits.max_photo_side:
                    raise ServiceError(
                        ErrorCode.BLOB_IMAGE_TOO_LARGE,
                        f"Foto is {width}×{height} pixels; maximaal {limits.max_photo_side} "
                        "per zijde.",
                    )
                if width * height > limits.max_photo_pixels:
                    raise _too_many_pixels()
                image.verify()  # checksums of PNG chunks; must come straight after open
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # raises on a file cut inside the image data
                # libjpeg fills in a scan that lacks only its last bytes without
                # complaint; a whole JPEG (as the app writes it) ends in EOI.
                if fmt == "JPEG" and not data.endswith(b"\xff\xd9"):
                    raise ServiceError(
                        ErrorCode.BLOB_NOT_AN_IMAGE,
                        "De foto is niet volledig aangekomen. Verstuur hem opnieuw.",
                    )
                # After load(): PNG text chunks behind the image data only show up then.
                has_metadata = bool(image.getexif()) or bool(set(image.info) - _HARMLESS_INFO)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except ServiceError:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise ServiceError(
            ErrorCode.BLOB_NOT_AN_IMAGE, "Dit bestand is geen leesbare JPEG- of PNG-foto."
        ) from exc
    if has_metadata:
        raise ServiceError(
            ErrorCode.BLOB_HAS_METADATA,
            "Foto bevat nog metadata (EXIF); de app hoort die te verwijderen. Werk de app bij.",
        )
    return _FORMATS[fmt], width, height


def store(session: Session, *, sha256: str, data: bytes, blob_dir: Path, limits: Limits) -> bool:
    """Verify and store a photo. Returns False if it was already stored."""
    check_hash(sha256)
    if len(data) > limits.max_photo_bytes:
        raise ServiceError(
            ErrorCode.BLOB_TOO_LARGE,
            f"Foto is te groot ({len(data)} bytes); maximaal {limits.max_photo_bytes}.",
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ServiceError(
            ErrorCode.BLOB_HASH_MISMATCH,
            "De foto kwam niet heel aan (controlegetal klopt niet). Verstuur hem opnieuw.",
        )
    if session.get(Blob, sha256) is not None:
        return False
    content_type, width, height = _inspect(data, limits)
    path = blob_path(blob_dir, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename: a reader never sees half a photo,
    # and two servers storing the same photo both end with the same whole file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        with session.begin_nested():
            session.add(
                Blob(
                    sha256=sha256,
                    size=len(data),
                    content_type=content_type,
                    width=width,
                    height=height,
                    stored_at=utcnow(),
                )
            )
    except IntegrityError:
        # The same photo, uploaded at the same moment by another request (two
        # records naming it, or a retry overlapping the first try), was recorded
        # first; its file is the same bytes, so this upload is simply done.
        return False
    return True
