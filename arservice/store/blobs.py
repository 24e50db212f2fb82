"""Blob stores: named bytes, written atomically, for content-addressed artifacts and uploads.

    BlobStore (protocol)
     ├── LocalBlobStore    files under a directory: temporary file, fsync, rename
     └── MemoryBlobStore   a dict, for tests and tools (a real implementation, not a mock)

A blob appears under its key only when complete: a reader never sees half a file, and a failed
write leaves nothing behind. Keys are relative, slash-separated names of safe characters
(``artifacts/3f…a9.glb``); anything else is refused before it reaches the file system.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from threading import Lock
from typing import Protocol

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class BlobNotFoundError(KeyError):
    """No blob under that key."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically; replaces an existing blob."""

    def get(self, key: str) -> bytes:
        """The blob's bytes; raises BlobNotFoundError."""

    def size(self, key: str) -> int | None:
        """The blob's size in bytes, or None when there is none."""

    def local_path(self, key: str) -> Path | None:
        """A file the web server may send directly, when the store has one."""

    def ping(self) -> None:
        """Raise OSError unless the store can be read and written (readiness)."""


def check_key(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key or len(key) > 200:
        raise ValueError(f"not a blob key: {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under ``root`` (created on first use)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
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

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def ping(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / ".ping"
        probe.write_bytes(b"ok")
        probe.unlink()


class MemoryBlobStore:
    """Blobs in a dict: the same behaviour as LocalBlobStore, without a disk."""

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
