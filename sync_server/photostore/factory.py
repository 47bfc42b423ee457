"""One photo store per configuration, shared by all requests of a process."""

from __future__ import annotations

import threading

from sync_server.config import Settings
from sync_server.photostore.base import PhotoStore
from sync_server.photostore.folder import FolderPhotoStore
from sync_server.photostore.s3 import S3PhotoStore

_stores: dict[int, tuple[Settings, PhotoStore]] = {}
_lock = threading.Lock()


def _make(settings: Settings) -> PhotoStore:
    if settings.photo_store == "s3":
        if settings.s3 is None:
            raise ValueError("photo_store 's3' needs Settings.s3")
        s3 = settings.s3
        return S3PhotoStore(
            endpoint=s3.endpoint,
            bucket=s3.bucket,
            access_key=s3.access_key,
            secret_key=s3.secret_key,
            secure=s3.secure,
            region=s3.region,
        )
    return FolderPhotoStore(settings.blob_dir)


def open_photo_store(settings: Settings) -> PhotoStore:
    """The store named by the settings. The S3 client (a connection pool) is made
    once per Settings object and reused, not per request."""
    with _lock:
        held = _stores.get(id(settings))
        if held is None or held[0] is not settings:
            held = (settings, _make(settings))
            _stores[id(settings)] = held
        return held[1]
