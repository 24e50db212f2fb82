"""Blob stores: atomic, content where the key says, keys that cannot escape the store.

The contract runs on each implementation: files (LocalBlobStore), memory, and an S3 bucket on a
real S3 server (SeaweedFS, started for the session by tests/support/seaweed.py)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from arservice.store.blobs import (
    BlobNotFoundError,
    BlobStore,
    BlobStoreError,
    LocalBlobStore,
    MemoryBlobStore,
)
from arservice.store.s3 import S3BlobStore
from tests.support.seaweed import SeaweedServer, fresh_prefix, seaweed  # noqa: F401


@pytest.fixture(params=["local", "memory", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    if request.param == "memory":
        return MemoryBlobStore()
    server: SeaweedServer = request.getfixturevalue("seaweed")
    return S3BlobStore(server.config(prefix=fresh_prefix(), cache_bytes=0))


def test_a_blob_reads_back_as_written(store: BlobStore) -> None:
    store.put("artifacts/abc.glb", b"glTF...")
    assert store.get("artifacts/abc.glb") == b"glTF..."
    assert store.size("artifacts/abc.glb") == 7


def test_a_blob_of_several_megabytes_reads_back_byte_for_byte(store: BlobStore) -> None:
    data = bytes(range(256)) * (12 * 4096 + 7)  # 12.6 MB: past the upload limit, odd length
    store.put("uploads/big.glb", data)
    assert store.size("uploads/big.glb") == len(data)
    assert store.get("uploads/big.glb") == data


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    store.put("site/empty.yaml", b"")
    assert store.size("site/empty.yaml") == 0
    assert store.get("site/empty.yaml") == b""


def test_putting_again_replaces_the_blob(store: BlobStore) -> None:
    store.put("artifacts/abc.png", b"first")
    store.put("artifacts/abc.png", b"second, longer")
    assert store.get("artifacts/abc.png") == b"second, longer"
    assert store.size("artifacts/abc.png") == len(b"second, longer")


def test_a_missing_blob_is_reported(store: BlobStore) -> None:
    assert store.size("artifacts/none.glb") is None
    with pytest.raises(BlobNotFoundError):
        store.get("artifacts/none.glb")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/path", "a/../../b", "A/B", "a//b", "a/.hidden", "", "a" * 201]
)
def test_keys_that_could_escape_the_store_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        store.put(key, b"x")
    with pytest.raises(ValueError, match="not a blob key"):
        store.get(key)
    with pytest.raises(ValueError, match="not a blob key"):
        store.size(key)


def test_a_reachable_store_is_ready(store: BlobStore) -> None:
    store.ping()


def test_a_failed_write_leaves_neither_the_blob_nor_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("artifacts/old.glb", b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("arservice.store.blobs.os.replace", broken_replace)
    with pytest.raises(BlobStoreError, match="no space left") as raised:
        store.put("artifacts/new.glb", b"new")
    assert raised.value.code == "storage_unavailable"
    assert "No space left on device" in raised.value.reason
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == ["old.glb"]


def test_local_store_offers_the_file_for_direct_sending(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("artifacts/a.png", b"png")
    path = store.local_path("artifacts/a.png")
    assert path is not None
    assert path.read_bytes() == b"png"
    assert store.local_path("artifacts/b.png") is None
    store.ping()


def test_a_local_store_that_cannot_be_written_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    store = LocalBlobStore(tmp_path / "file" / "blobs")  # a file where a directory must be
    with pytest.raises(BlobStoreError):
        store.ping()
    with pytest.raises(BlobStoreError):
        store.put("artifacts/a.glb", b"x")
