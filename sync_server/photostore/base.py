"""The photo store's interface and its one error."""

from __future__ import annotations

import logging
from typing import Protocol

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError

log = logging.getLogger(__name__)


def object_key(sha256: str) -> str:
    """Photos are spread over 256 prefixes by their hash's first two characters,
    in a folder (sub-folders) and in a bucket alike."""
    return f"{sha256[:2]}/{sha256}"


class PhotoStoreUnavailable(ServiceError):
    """The store did not answer (bucket down, disk gone). A 503 with a stable
    code: the phone keeps the photo as not sent and tries again later."""

    def __init__(self, cause: BaseException | None = None) -> None:
        if cause is not None:
            # The class and S3 code only: enough to tell "refused" from "down".
            log.warning(
                "photo store unavailable: %s %s",
                type(cause).__name__,
                getattr(cause, "code", ""),
            )
        super().__init__(
            ErrorCode.PHOTO_STORE_UNAVAILABLE,
            "De fotoopslag is nu niet bereikbaar. Probeer het later opnieuw.",
            retry_after=30,
        )


class PhotoStore(Protocol):
    """Bytes by SHA-256. Every method raises PhotoStoreUnavailable when the
    store cannot be reached, never a library's own exception."""

    kind: str

    def put(self, sha256: str, data: bytes, content_type: str) -> None:
        """Store the bytes whole (a reader never sees half a photo); storing the
        same photo twice leaves the same bytes."""

    def get(self, sha256: str) -> bytes | None:
        """The photo's bytes, or None when the store does not hold it."""

    def exists(self, sha256: str) -> bool:
        """Does the store hold this photo?"""

    def delete(self, sha256: str) -> None:
        """Remove the photo; removing a photo that is not there is not an error."""

    def keys(self) -> list[str]:
        """The hashes of every stored photo (for migration and checks)."""

    def check(self) -> None:
        """Raise PhotoStoreUnavailable unless the store can be read and written."""
