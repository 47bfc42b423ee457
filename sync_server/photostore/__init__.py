"""Where photo bytes live: one small interface, a folder and an S3 bucket behind it.

The database says which photos exist (table `blob`); the store holds their bytes
under their SHA-256. With a folder each server machine has its own disk, so a
city running two machines configures a bucket (`HV_PHOTO_STORE=s3`), which every
process reads and writes alike. Services receive a `PhotoStore` and never ask
which kind it is.
"""

from __future__ import annotations

from sync_server.photostore.base import PhotoStore, PhotoStoreUnavailable, object_key
from sync_server.photostore.factory import open_photo_store

__all__ = ["PhotoStore", "PhotoStoreUnavailable", "object_key", "open_photo_store"]
