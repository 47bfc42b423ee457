"""Personal fields encrypted at rest on the phone (AES-256-GCM).

Which fields: a youth's name and date of birth (yellow card, until the server
has accepted the card), and every free-text or address field that may name or
describe a person: `note` (all kinds), `description` (incident, signaal
ondermijning), `address` (adrescontrole). Codes, times, places and counts stay
readable, so the app can sort, count and show its queue without the key.

A sealed value is the text "enc1:" + base64(nonce ‖ ciphertext ‖ tag). The
entry's id and the field's name are the associated data: a sealed value copied
into another row or field does not decrypt. Values are opened only to build the
push request and to show the entry to its own officer; they never go to a log.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fieldapp.keystore import KeyStore

PREFIX = "enc1:"
NONCE_BYTES = 12
UNREADABLE = "[onleesbaar op deze telefoon]"

# Payload fields that may hold personal data, for every kind of entry.
PERSONAL_PAYLOAD_FIELDS: tuple[str, ...] = ("note", "description", "address")
IDENTITY_FIELDS: tuple[str, ...] = ("naam", "geboortedatum")


class Unreadable(ValueError):
    """A sealed value that this key cannot open (wrong key, or altered)."""


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class FieldCipher:
    """Seals and opens single text values; the key is fetched from the key store
    when first needed (and again after `forget_key`)."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._aead: tuple[bytes, AESGCM] | None = None

    def _cipher(self) -> AESGCM:
        key = self.keystore.get_or_create_key()
        if self._aead is None or self._aead[0] != key:
            self._aead = (key, AESGCM(key))
        return self._aead[1]

    def seal(self, value: str, *, context: str) -> str:
        if is_sealed(value):
            return value
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher().encrypt(nonce, value.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str, *, context: str) -> str:
        """The plain text; a value that was never sealed (an old row) is returned as is."""
        if not is_sealed(value):
            return value
        try:
            raw = base64.b64decode(value[len(PREFIX) :], validate=True)
            plain = self._cipher().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise Unreadable("versleutelde waarde kan niet worden gelezen") from exc
        return plain.decode()

    def forget_key(self) -> None:
        """Remote wipe: the key is deleted from its store and from memory."""
        self._aead = None
        self.keystore.delete_key()

    # ------------------------------------------------------------ whole rows

    def seal_payload(self, entry_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            name: self.seal(value, context=f"{entry_id}/{name}")
            if name in PERSONAL_PAYLOAD_FIELDS and isinstance(value, str) and value
            else value
            for name, value in payload.items()
        }

    def open_payload(self, entry_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """For the officer's own screens: an unreadable value shows as such."""
        out = dict(payload)
        for name in PERSONAL_PAYLOAD_FIELDS:
            value = out.get(name)
            if isinstance(value, str) and is_sealed(value):
                try:
                    out[name] = self.open(value, context=f"{entry_id}/{name}")
                except Unreadable:
                    out[name] = UNREADABLE
        return out

    def open_payload_strict(self, entry_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """For the push request: an unreadable value raises rather than being sent."""
        out = dict(payload)
        for name in PERSONAL_PAYLOAD_FIELDS:
            value = out.get(name)
            if isinstance(value, str) and is_sealed(value):
                out[name] = self.open(value, context=f"{entry_id}/{name}")
        return out

    def seal_identity(self, entry_id: str, fields: dict[str, str]) -> dict[str, str]:
        return {
            name: self.seal(str(fields[name]), context=f"{entry_id}/jongere/{name}")
            for name in IDENTITY_FIELDS
        }

    def open_identity(self, entry_id: str, fields: dict[str, str]) -> dict[str, str]:
        return {
            name: self.open(str(fields[name]), context=f"{entry_id}/jongere/{name}")
            for name in IDENTITY_FIELDS
        }


def needs_sealing(payload: dict[str, Any], names: Iterable[str] = PERSONAL_PAYLOAD_FIELDS) -> bool:
    return any(
        isinstance(payload.get(name), str) and payload[name] and not is_sealed(payload[name])
        for name in names
    )
