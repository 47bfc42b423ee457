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
import re
import warnings
from pathlib import Path

from PIL import Image
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sync_protocol import ErrorCode
from sync_server.config import Limits
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Blob, BlobUpload
from sync_server.photostore import PhotoStore, object_key

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def check_hash(sha256: str) -> str:
    if not SHA256_RE.fullmatch(sha256):
        raise ServiceError(
            ErrorCode.BLOB_HASH_INVALID, "Een foto wordt genoemd bij zijn SHA-256 (64 hex-tekens)."
        )
    return sha256


def blob_path(blob_dir: Path, sha256: str) -> Path:
    """Where the folder store keeps a photo."""
    return blob_dir / object_key(sha256)


def exists(session: Session, sha256: str, uploader_id: int) -> bool:
    """Has this user uploaded this photo? Another user's photo is "not there":
    HEAD must not tell anyone which photos exist."""
    return session.get(BlobUpload, (check_hash(sha256), uploader_id)) is not None


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


def store(
    session: Session,
    *,
    sha256: str,
    data: bytes,
    photos: PhotoStore,
    limits: Limits,
    uploader_id: int,
) -> bool:
    """Verify and store a photo, and note who uploaded it. Returns False if it
    was already stored.

    The bytes go to the store before the database row is written: a store that
    is down raises PhotoStoreUnavailable with nothing recorded, so HEAD keeps
    answering 404 and the phone keeps the photo as not sent. An uploader whose
    photo is already stored proves having it by sending the bytes, and becomes
    one of its uploaders (so HEAD answers for them from then on).
    """
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
    known = session.get(Blob, sha256)
    if known is not None:
        if not photos.exists(sha256):
            # The row outlived its bytes (a store restored from an older copy):
            # the verified upload puts them back.
            photos.put(sha256, data, known.content_type)
        _add_uploader(session, sha256, uploader_id)
        return False
    content_type, width, height = _inspect(data, limits)
    photos.put(sha256, data, content_type)
    created = True
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
        # first; its bytes are the same, so this upload is simply done.
        created = False
    _add_uploader(session, sha256, uploader_id)
    return created


def _add_uploader(session: Session, sha256: str, user_id: int) -> None:
    if session.get(BlobUpload, (sha256, user_id)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(BlobUpload(sha256=sha256, user_id=user_id, uploaded_at=utcnow()))
    except IntegrityError:
        return  # the same user's overlapping retry recorded it first
