"""Blob stores: atomic, content where the key says, keys that cannot escape the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from arservice.store.blobs import BlobNotFoundError, BlobStore, LocalBlobStore, MemoryBlobStore


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return LocalBlobStore(tmp_path / "blobs") if request.param == "local" else MemoryBlobStore()


def test_a_blob_reads_back_as_written(store: BlobStore) -> None:
    store.put("artifacts/abc.glb", b"glTF...")
    assert store.get("artifacts/abc.glb") == b"glTF..."
    assert store.size("artifacts/abc.glb") == 7


def test_a_missing_blob_is_reported(store: BlobStore) -> None:
    assert store.size("artifacts/none.glb") is None
    with pytest.raises(BlobNotFoundError):
        store.get("artifacts/none.glb")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs/path", "a/../../b", "A/B", "a//b", "a/.hidden", ""]
)
def test_keys_that_could_escape_the_store_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        store.put(key, b"x")


def test_a_failed_write_leaves_neither_the_blob_nor_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("artifacts/old.glb", b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("arservice.store.blobs.os.replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        store.put("artifacts/new.glb", b"new")
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == ["old.glb"]


def test_local_store_offers_the_file_for_direct_sending(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("artifacts/a.png", b"png")
    path = store.local_path("artifacts/a.png")
    assert path is not None
    assert path.read_bytes() == b"png"
    assert store.local_path("artifacts/b.png") is None
    store.ping()
