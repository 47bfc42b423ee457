"""The key of the personal fields in the platform's secure storage (flet-secure-storage).

Android keeps it in the Keystore-backed encrypted preferences, iOS in the
Keychain (this device only, readable after the first unlock so a background
sync works). Elsewhere (web mode, desktop, the headless sync command) there is
no secure storage the Python side can rely on: the browser's storage lives in
the browser, not next to the database the server process writes. There the
key file of fieldapp.keystore is used.

flet-secure-storage is asynchronous; the store asks for the key synchronously.
So the key is loaded (or made and saved) once, awaited, before the app starts;
later writes and the delete of a remote wipe are sent off as tasks.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import flet as ft

from fieldapp.keystore import KeyStore, decode_key, default_keystore, encode_key, new_key

log = logging.getLogger(__name__)

STORAGE_KEY = "handhaving.veldapp.sleutel"
SECURE_PLATFORMS = (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS)


class SecureStorageKeyStore:
    """KeyStore on flet-secure-storage; `load()` must have been awaited first."""

    def __init__(self, page: ft.Page, storage: Any) -> None:
        self.page = page
        self.storage = storage
        self._key: bytes | None = None

    async def load(self) -> None:
        text = await self.storage.get(STORAGE_KEY)
        if text:
            self._key = decode_key(text)
            return
        key = new_key()
        await self.storage.set(STORAGE_KEY, encode_key(key))
        self._key = key

    def get_or_create_key(self) -> bytes:
        if self._key is None:  # after a wipe and a new enrolment in the same run
            self._key = new_key()
            self.page.run_task(self.storage.set, STORAGE_KEY, encode_key(self._key))
        return self._key

    def delete_key(self) -> None:
        self._key = None
        self.page.run_task(self.storage.remove, STORAGE_KEY)


async def open_keystore(page: ft.Page, folder: Path) -> KeyStore:
    """Secure storage on a phone; the key file of the data folder elsewhere."""
    if page.web or page.platform not in SECURE_PLATFORMS:
        return default_keystore(folder)
    import flet_secure_storage as fss

    storage = fss.SecureStorage(
        ios_options=fss.IOSOptions(
            accessibility=fss.KeychainAccessibility.FIRST_UNLOCK_THIS_DEVICE
        ),
    )
    keystore = SecureStorageKeyStore(page, storage)
    # No silent fallback on a phone: a key file beside the database would undo
    # the point of encrypting, and a second key would strand what the first sealed.
    await keystore.load()
    return keystore
