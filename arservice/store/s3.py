"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …), through boto3.

    store = S3BlobStore(S3Config(bucket="arservice", endpoint_url="https://s3.example.org"))
    store.put("artifacts/3f…a9.glb", data)        # one PUT: visible only when complete

The promises of :class:`~arservice.store.blobs.BlobStore`, kept with plain S3 calls that every
S3-compatible server implements (PutObject, GetObject, HeadObject, HeadBucket):

- Atomic: an object is one ``PutObject``; S3 makes it visible only once the whole body has
  arrived, and a failed or interrupted upload leaves the old object (or none). The blobs are a few
  MB (a model is at most 3 MB, an upload at most the upload limit), far below the 5 GB a single
  PUT takes, so multipart upload (and its half-finished parts) is never needed.
- Intact: each PUT carries ``Content-MD5``, so the server refuses a body damaged on the way.
- Immutable: every key names its content's sha256, so an object never changes once written.
  That makes the read cache below safe on any number of replicas, and lets a CDN or nginx serve
  the bucket directly: each object is stored with its ``Content-Type`` and
  ``Cache-Control: public, max-age=31536000, immutable``.

Failing fast: connect and read timeouts and botocore's "standard" retry mode (a few attempts with
backoff, on throttling and 5xx) come from :class:`S3Config`; after them, any failure other than
"no such object" is a :class:`BlobStoreError` (503 on the web), never a hang or a traceback.

Read cache: blobs read or written are kept in memory, up to ``cache_bytes`` in all (least
recently used dropped first), so the artifacts residents ask for most are served without a round
trip, and still served while the object store is away.

Nothing here is specific to one server: path-style or virtual-host addressing is a setting, and
the SDK's newer default checksums (CRC headers that some S3-compatible servers refuse) are sent
only when an operation requires them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from arservice.store.blobs import (
    MSG_STORE_FAILED,
    MSG_STORE_UNREACHABLE,
    BlobNotFoundError,
    BlobStoreError,
    check_key,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
"""Every key names its content's hash: caches may keep an object for a year."""
CONTENT_TYPES = {
    ".glb": "model/gltf-binary",
    ".usdz": "model/vnd.usdz+zip",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".yaml": "application/yaml",
}
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
"""How S3 servers say "no such object" (HeadObject has no body, so only its status: 404)."""
UNREACHABLE_CODES = frozenset(
    {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown"}
)


@dataclass(frozen=True)
class S3Config:
    """Where the bucket is and how to reach it; plain values (the app builds it from settings).

    ``access_key_id`` and ``secret_access_key`` both None: boto3's own chain (``AWS_*``
    variables, a profile, an instance or pod role). ``prefix``: a folder in a shared bucket
    (``arservice/``), put before every key.
    """

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = ""
    addressing_style: Literal["auto", "path", "virtual"] = "auto"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3
    cache_bytes: int = 64 * 1024 * 1024


class S3BlobStore:
    """Blobs as objects ``<prefix><key>`` in one bucket (which must exist: the store never
    creates or configures buckets; that is the operator's, with versioning on)."""

    remote = True

    def __init__(self, config: S3Config) -> None:
        self.config = config
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            config=Config(
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                retries={"mode": "standard", "max_attempts": config.max_attempts},
                s3={"addressing_style": config.addressing_style},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self._cache = _ByteCache(config.cache_bytes)

    def _object(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        name = self._object(key)
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self._client.put_object(
                Bucket=self.config.bucket,
                Key=name,
                Body=data,
                ContentMD5=md5,
                ContentType=content_type(key),
                CacheControl=IMMUTABLE,
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._failure("put", name, exc) from exc
        self._cache.put(key, bytes(data))

    def get(self, key: str) -> bytes:
        cached = self._cache.get(check_key(key))
        if cached is not None:
            return cached
        name = self._object(key)
        try:
            answer = self._client.get_object(Bucket=self.config.bucket, Key=name)
            data = answer["Body"].read()
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND_CODES:
                raise BlobNotFoundError(key) from None
            raise self._failure("get", name, exc) from exc
        except BotoCoreError as exc:
            raise self._failure("get", name, exc) from exc
        self._cache.put(key, data)
        return data

    def size(self, key: str) -> int | None:
        cached = self._cache.get(check_key(key))
        if cached is not None:
            return len(cached)
        name = self._object(key)
        try:
            answer = self._client.head_object(Bucket=self.config.bucket, Key=name)
        except ClientError as exc:
            if _error_code(exc) in NOT_FOUND_CODES:
                return None
            raise self._failure("head", name, exc) from exc
        except BotoCoreError as exc:
            raise self._failure("head", name, exc) from exc
        return answer["ContentLength"]

    def local_path(self, key: str) -> Path | None:
        return None

    def ping(self) -> None:
        """The bucket answers with these credentials (HeadBucket: one cheap request, no write,
        so a readiness probe every few seconds costs nothing and leaves nothing behind)."""
        try:
            self._client.head_bucket(Bucket=self.config.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._failure("head bucket", "", exc) from exc

    def _failure(self, operation: str, name: str, exc: Exception) -> BlobStoreError:
        """The error for people (unreachable, or refused), with the server's words for the log."""
        code = _error_code(exc) if isinstance(exc, ClientError) else ""
        unreachable = isinstance(exc, BotoCoreError) or code in UNREACHABLE_CODES
        where = f"s3://{self.config.bucket}/{name}"
        reason = f"{operation} {where} at {self.config.endpoint_url or 'AWS'}: {exc}"
        logger.warning("object store: %s", reason)
        return BlobStoreError(MSG_STORE_UNREACHABLE if unreachable else MSG_STORE_FAILED, reason)


def content_type(key: str) -> str:
    """The media type a CDN or browser needs for the object, by its name's extension."""
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _ByteCache:
    """A least-recently-used map of blob bytes, bounded by their total size; thread-safe.

    Only sound because blobs never change under their key (content-addressed)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.limit // 4:  # one large blob must not flush the cache
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._total += len(data) - (0 if old is None else len(old))
            self._items[key] = data
            while self._total > self.limit:
                _, dropped = self._items.popitem(last=False)
                self._total -= len(dropped)
