"""Blob stores: named bytes, written atomically, for content-addressed artifacts and uploads.

    BlobStore (protocol)
     ├── LocalBlobStore    files under a directory: temporary file, fsync, rename
     ├── MemoryBlobStore   a dict, for tests and tools (a real implementation, not a mock)
     └── S3BlobStore       an S3-compatible bucket (store/s3.py: AWS S3, MinIO, Ceph, …)

A blob appears under its key only when complete: a reader never sees half a file, and a failed
write leaves nothing behind. Keys are relative, slash-separated names of safe characters
(``artifacts/3f…a9.glb``); anything else is refused before it reaches the file system. Every key
the service writes names its content's sha256, so a blob, once there, never changes.

Errors: a missing blob is :class:`BlobNotFoundError` (a KeyError: the caller decides what
"missing" means); a store that cannot be reached or cannot take the bytes (a full disk, an object
store down or too slow) is :class:`BlobStoreError`, an ArServiceError with a message for people
that the web layer answers as 503, so a failed publish says what happened instead of "internal
error". A bad key is a ValueError: a bug of the caller, never input from outside.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from threading import Lock
from typing import Protocol

from arservice.errors import ArServiceError, ErrorItem
from arservice.i18n import N_

MSG_STORE_UNREACHABLE = N_(
    "the file store cannot be reached or did not answer in time; try again in a moment"
)
MSG_STORE_FULL = N_(
    "the file store has no space left; nothing was saved: ask the administrator to free space"
)
MSG_STORE_FAILED = N_("the file store refused to save or read a file; nothing was saved")

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class BlobNotFoundError(KeyError):
    """No blob under that key."""


class BlobStoreError(ArServiceError):
    """The store cannot be reached, or cannot read or keep a blob (code: storage_unavailable).

    ``reason`` is for the log (the operating system's or the object store's words); the message
    for people names no host, path or credential.
    """

    code = "storage_unavailable"

    def __init__(self, msgid: str, reason: str) -> None:
        super().__init__([ErrorItem("", msgid)])
        self.reason = reason
        self.headers = {"Retry-After": "30"}

    def __str__(self) -> str:
        return f"{self.describe('en')} ({self.reason})"

    @classmethod
    def from_os_error(cls, exc: OSError) -> BlobStoreError:
        full = exc.errno in {errno.ENOSPC, errno.EDQUOT}
        return cls(MSG_STORE_FULL if full else MSG_STORE_FAILED, str(exc))


class BlobStore(Protocol):
    remote: bool
    """True when a read may wait on the network (an object store): the web layer then reads in a
    worker thread instead of on the event loop."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically; replaces an existing blob. Raises
        BlobStoreError when it cannot, and then nothing new is visible under ``key``."""

    def get(self, key: str) -> bytes:
        """The blob's bytes; raises BlobNotFoundError, or BlobStoreError."""

    def size(self, key: str) -> int | None:
        """The blob's size in bytes, or None when there is none; raises BlobStoreError."""

    def local_path(self, key: str) -> Path | None:
        """A file the web server may send directly, when the store has one."""

    def ping(self) -> None:
        """Raise BlobStoreError unless the store can be reached (readiness)."""


def check_key(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key or len(key) > 200:
        raise ValueError(f"not a blob key: {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under ``root`` (created on first use)."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            self._write(path, data)
        except OSError as exc:
            raise BlobStoreError.from_os_error(exc) from exc

    def _write(self, path: Path, data: bytes) -> None:
        """Temporary file, fsync, rename: a full disk fails before the rename, so the old blob
        (or none) stays, and the temporary file is removed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(key) from None
        except OSError as exc:
            raise BlobStoreError.from_os_error(exc) from exc

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BlobStoreError.from_os_error(exc) from exc

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".ping-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise BlobStoreError.from_os_error(exc) from exc


class MemoryBlobStore:
    """Blobs in a dict: the same behaviour as LocalBlobStore, without a disk."""

    remote = False

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = Lock()

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self._blobs[check_key(key)] = bytes(data)

    def get(self, key: str) -> bytes:
        try:
            return self._blobs[check_key(key)]
        except KeyError:
            raise BlobNotFoundError(key) from None

    def size(self, key: str) -> int | None:
        blob = self._blobs.get(check_key(key))
        return None if blob is None else len(blob)

    def local_path(self, key: str) -> Path | None:
        return None

    def ping(self) -> None:
        return None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
