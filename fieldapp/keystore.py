"""Where the phone keeps the key that encrypts personal fields at rest.

The key never lives in the SQLite file: a copy of the database (a backup, a
forensic image of a lost phone) is then useless without the platform's secure
storage. On Android and iOS the key is in the Keystore/Keychain
(fieldapp/components/secure_storage.py, the only place that imports flet for
it); where a platform has none (web mode on a workstation, the headless sync
command, tests) `FileKeyStore` keeps it in a file of its own, readable only by
the app's user, next to (never inside) the database.

A remote wipe (a revoked phone) deletes the key along with the data.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

KEY_BYTES = 32  # AES-256
KEY_FILE = "veldsleutel.key"


@runtime_checkable
class KeyStore(Protocol):
    def get_or_create_key(self) -> bytes:
        """The 32-byte key; a new random one the first time (and after `delete_key`)."""

    def delete_key(self) -> None:
        """Forget the key for good (remote wipe): what it encrypted is unreadable."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return key.hex()


def decode_key(text: str) -> bytes:
    key = bytes.fromhex(text.strip())
    if len(key) != KEY_BYTES:
        raise ValueError("de sleutel heeft niet de juiste lengte")
    return key


class FileKeyStore:
    """Fallback for platforms without secure storage: a 0600 file outside the database."""

    # Read from the file every time (no copy kept): several browser sessions of
    # one data folder must all see a wipe, and the key a new enrolment made.

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_or_create_key(self) -> bytes:
        try:
            return decode_key(self.path.read_text())
        except FileNotFoundError:
            return self._create_key()

    def _create_key(self) -> bytes:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = new_key()
        # Written whole under another name, then linked into place: a second
        # process never reads a half-written key, and the first link wins.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".key-")
        try:
            with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
                handle.write(encode_key(key))
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, self.path)
        except FileExistsError:
            return decode_key(self.path.read_text())
        finally:
            os.unlink(tmp)
        return key

    def delete_key(self) -> None:
        try:
            handle = open(self.path, "r+b")
        except FileNotFoundError:
            return
        with handle:  # unlinked first (no reader sees zeros), then overwritten
            size = os.fstat(handle.fileno()).st_size
            self.path.unlink(missing_ok=True)
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())


def default_keystore(folder: Path) -> FileKeyStore:
    """The fallback key file of the app's data folder."""
    return FileKeyStore(folder / KEY_FILE)
