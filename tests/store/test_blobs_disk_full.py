"""The local blob store on a disk that is really full (a 1 MB tmpfs): a clear error, the old
blob intact, no temporary file left, and writes work again once there is space."""

from __future__ import annotations

from pathlib import Path

import pytest

from arservice.store.blobs import MSG_STORE_FULL, BlobStoreError, LocalBlobStore
from tests.support.small_disk import fill, small_disk


def test_a_full_disk_refuses_the_blob_clearly_and_leaves_nothing_behind(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        store = LocalBlobStore(disk / "blobs")
        store.put("artifacts/old.glb", b"old model")
        filler = fill(disk, leave=50_000)
        new = bytes(range(256)) * 1000  # 256 kB: more than is left
        with pytest.raises(BlobStoreError) as raised:
            store.put("artifacts/new.glb", new)
        assert raised.value.items[0].msgid == MSG_STORE_FULL
        assert "No space left on device" in raised.value.reason
        with pytest.raises(BlobStoreError):
            store.put("artifacts/old.glb", new)  # a replacement fails whole, too
        assert store.get("artifacts/old.glb") == b"old model"
        assert store.size("artifacts/new.glb") is None
        assert sorted(p.name for p in (disk / "blobs" / "artifacts").iterdir()) == ["old.glb"]

        filler.unlink()
        store.put("artifacts/new.glb", new)
        assert store.get("artifacts/new.glb") == new
