"""Moving photos from a folder into the configured store (`migrate-photos`).

A city that started with photos on one machine's disk moves them into the
bucket before it adds a second machine. Every file is checked against the hash
in its name before it is copied, and read back from the store and checked again
after: a photo that arrives damaged is reported, never silently kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sync_server.photostore.base import PhotoStore
from sync_server.photostore.folder import FolderPhotoStore


@dataclass
class CopyReport:
    copied: int = 0
    already_there: int = 0
    # Hashes whose file or copy did not match its name (not copied, or copied wrong).
    damaged: list[str] = field(default_factory=list)


def _content_type(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def copy_photos(source: FolderPhotoStore, target: PhotoStore) -> CopyReport:
    """Copy every photo in `source` that `target` lacks, verifying each hash.
    Running it again copies nothing more."""
    report = CopyReport()
    for sha in source.keys():
        if target.exists(sha):
            report.already_there += 1
            continue
        data = source.get(sha)
        if data is None or hashlib.sha256(data).hexdigest() != sha:
            report.damaged.append(sha)
            continue
        target.put(sha, data, _content_type(data))
        back = target.get(sha)
        if back is None or hashlib.sha256(back).hexdigest() != sha:
            target.delete(sha)
            report.damaged.append(sha)
            continue
        report.copied += 1
    return report
