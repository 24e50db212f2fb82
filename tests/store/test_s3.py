"""The S3 blob store against a real S3 server: what a CDN needs on each object, the key prefix,
the read cache, and faults (a store stopped, hung, or refusing the credentials) that fail fast
with BlobStoreError and heal by themselves when the store is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from arservice.store.blobs import MSG_STORE_FAILED, MSG_STORE_UNREACHABLE, BlobStoreError
from arservice.store.s3 import IMMUTABLE, S3BlobStore
from tests.support.seaweed import BUCKET, SeaweedServer, fresh_prefix, seaweed  # noqa: F401


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[SeaweedServer]:
    """A server of this test's own, which it may stop, freeze and start again."""
    with SeaweedServer(tmp_path) as server:
        yield server


def raw_client(server: SeaweedServer) -> object:
    config = server.config()
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
    )


def test_objects_carry_their_type_and_immutable_caching_under_the_prefix(
    seaweed: SeaweedServer,  # noqa: F811
) -> None:
    prefix = fresh_prefix()
    store = S3BlobStore(seaweed.config(prefix=prefix))
    store.put("artifacts/abc.glb", b"glTF")
    store.put("artifacts/abc.usdz", b"PK")
    client = raw_client(seaweed)
    glb = client.head_object(Bucket=BUCKET, Key=f"{prefix}artifacts/abc.glb")  # type: ignore[attr-defined]
    usdz = client.head_object(Bucket=BUCKET, Key=f"{prefix}artifacts/abc.usdz")  # type: ignore[attr-defined]
    assert glb["ContentType"] == "model/gltf-binary"
    assert usdz["ContentType"] == "model/vnd.usdz+zip"
    assert glb["CacheControl"] == IMMUTABLE
    assert glb["ContentLength"] == 4


def test_two_prefixes_in_one_bucket_do_not_see_each_other(
    seaweed: SeaweedServer,  # noqa: F811
) -> None:
    first = S3BlobStore(seaweed.config(prefix=fresh_prefix(), cache_bytes=0))
    second = S3BlobStore(seaweed.config(prefix=fresh_prefix(), cache_bytes=0))
    first.put("artifacts/a.glb", b"one")
    assert second.size("artifacts/a.glb") is None


def test_a_stopped_store_fails_fast_with_a_clear_error_and_heals_when_back(
    own_server: SeaweedServer,
) -> None:
    store = S3BlobStore(own_server.config(cache_bytes=0))
    store.put("artifacts/kept.glb", b"kept")
    own_server.stop()
    for attempt in (
        store.ping,
        lambda: store.size("artifacts/kept.glb"),
        lambda: store.get("artifacts/kept.glb"),
        lambda: store.put("artifacts/new.glb", b"new"),
    ):
        with pytest.raises(BlobStoreError) as raised:
            attempt()
        assert raised.value.items[0].msgid == MSG_STORE_UNREACHABLE
        assert raised.value.code == "storage_unavailable"
    own_server.start()
    store.ping()  # the same store object: no restart, no reconnect by hand
    assert store.get("artifacts/kept.glb") == b"kept"
    assert store.size("artifacts/new.glb") is None  # the failed put left nothing


def test_a_hung_store_times_out_instead_of_hanging_the_caller(own_server: SeaweedServer) -> None:
    store = S3BlobStore(own_server.config(read_timeout=1.0, max_attempts=1, cache_bytes=0))
    store.put("artifacts/a.glb", b"a")
    own_server.pause()
    try:
        with pytest.raises(BlobStoreError) as raised:
            store.get("artifacts/a.glb")
        assert raised.value.items[0].msgid == MSG_STORE_UNREACHABLE
        assert "timeout" in raised.value.reason.lower()
    finally:
        own_server.resume()
    assert store.get("artifacts/a.glb") == b"a"


def test_cached_blobs_still_serve_while_the_store_is_away(own_server: SeaweedServer) -> None:
    store = S3BlobStore(own_server.config(cache_bytes=1024 * 1024))
    store.put("artifacts/written.glb", b"written here")
    other = S3BlobStore(own_server.config(cache_bytes=0))
    other.put("artifacts/read.png", b"read once")
    assert store.get("artifacts/read.png") == b"read once"
    own_server.stop()
    assert store.get("artifacts/written.glb") == b"written here"
    assert store.size("artifacts/read.png") == len(b"read once")
    with pytest.raises(BlobStoreError):
        store.get("artifacts/never-read.glb")


def test_the_cache_keeps_within_its_size(seaweed: SeaweedServer) -> None:  # noqa: F811
    store = S3BlobStore(seaweed.config(prefix=fresh_prefix(), cache_bytes=4000))
    for n in range(10):
        store.put(f"artifacts/{n}.png", bytes([n]) * 900)  # 9 000 bytes in all
    cached = store._cache  # the bound itself is the point of this test
    assert cached._total <= 4000
    assert sum(len(data) for data in cached._items.values()) == cached._total
    assert store.get("artifacts/0.png") == bytes([0]) * 900  # dropped from memory, read again


def test_wrong_credentials_are_refused_not_unreachable(seaweed: SeaweedServer) -> None:  # noqa: F811
    store = S3BlobStore(seaweed.config(secret_access_key="not-the-secret", cache_bytes=0))
    with pytest.raises(BlobStoreError) as raised:
        store.ping()
    assert raised.value.items[0].msgid == MSG_STORE_FAILED
    assert "not-the-secret" not in str(raised.value)
    with pytest.raises(BlobStoreError):
        store.put("artifacts/a.glb", b"a")


def test_a_missing_bucket_is_not_ready(seaweed: SeaweedServer) -> None:  # noqa: F811
    store = S3BlobStore(seaweed.config(bucket="no-such-bucket", cache_bytes=0))
    with pytest.raises(BlobStoreError, match="no-such-bucket"):
        store.ping()
