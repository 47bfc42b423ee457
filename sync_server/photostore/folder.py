"""Photos as files in a local folder: the embedded default for one machine."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sync_server.photostore.base import PhotoStoreUnavailable, object_key

_SHA_NAME = re.compile(r"^[0-9a-f]{64}$")


class FolderPhotoStore:
    kind = "folder"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, sha256: str) -> Path:
        return self.folder / object_key(sha256)

    def put(self, sha256: str, data: bytes, content_type: str) -> None:
        path = self.path(sha256)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary file and rename: a reader never sees half a
            # photo, and two servers storing the same photo end with one whole file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as exc:
            raise PhotoStoreUnavailable(exc) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise PhotoStoreUnavailable(exc) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PhotoStoreUnavailable(exc) from exc

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        try:
            self.path(sha256).unlink(missing_ok=True)
        except OSError as exc:
            raise PhotoStoreUnavailable(exc) from exc

    def keys(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name for p in self.folder.glob("??/*") if p.is_file() and _SHA_NAME.match(p.name)
        )

    def check(self) -> None:
        """Writable, or creatable on the first upload; nothing is made here."""
        existing = self.folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not (existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)):
            raise PhotoStoreUnavailable(PermissionError(str(existing)))
