"""Photos as objects in an S3-compatible bucket (MinIO's client library).

Every server process reads and writes the same bucket, so a photo uploaded to one
machine can be shown by another, and the nightly retention deletes it for all.
The client retries a failed call once and waits at most a few seconds to
connect: a bucket that is down gives the phone a quick 503, not a hung upload.
"""

from __future__ import annotations

import io
import re

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from sync_server.photostore.base import PhotoStoreUnavailable, object_key

_SHA_KEY = re.compile(r"^[0-9a-f]{2}/([0-9a-f]{64})$")
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound"}
# What the client library raises when the server cannot be reached or answers
# nonsense; each becomes PhotoStoreUnavailable.
_UNREACHABLE = (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError)


class S3PhotoStore:
    kind = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        secure: bool = True,
        region: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.bucket = bucket
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=urllib3.Retry(
                total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)
            ),
            maxsize=16,
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )

    def put(self, sha256: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                self.bucket,
                object_key(sha256),
                io.BytesIO(data),
                len(data),
                content_type=content_type,
            )
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc

    def get(self, sha256: str) -> bytes | None:
        try:
            response = self.client.get_object(self.bucket, object_key(sha256))
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise PhotoStoreUnavailable(exc) from exc
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc
        try:
            return response.read()
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc
        finally:
            response.close()
            response.release_conn()

    def exists(self, sha256: str) -> bool:
        try:
            self.client.stat_object(self.bucket, object_key(sha256))
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise PhotoStoreUnavailable(exc) from exc
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc
        return True

    def delete(self, sha256: str) -> None:
        try:
            self.client.remove_object(self.bucket, object_key(sha256))
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc

    def keys(self) -> list[str]:
        try:
            names = [
                o.object_name or "" for o in self.client.list_objects(self.bucket, recursive=True)
            ]
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc
        return sorted(m.group(1) for n in names if (m := _SHA_KEY.match(n)))

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (for tests and a first start)."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc

    def check(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                raise PhotoStoreUnavailable()
        except _UNREACHABLE as exc:
            raise PhotoStoreUnavailable(exc) from exc
