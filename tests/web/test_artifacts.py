"""Artifacts over HTTP: a model built from a template's values, served once built, cached by
clients for a year, revalidated by ETag."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store.blobs import MemoryBlobStore
from arservice.store.models import Role
from arservice.web import create_app
from tests.support.gltf_validator import assert_valid_glb
from tests.web.conftest import add_staff, client_for, metric
from tests.web.test_error_shape import assert_error_shape

pytestmark = pytest.mark.anyio

GYM = "/api/v1/templates/outdoor-gym/model.glb"
ARTIFACT_URL = re.compile(r"^/a/([0-9a-f]{64})\.glb$")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A staff member's client: the preview endpoint that builds a model is for staff only (the
    artifacts it redirects to are public)."""
    async with staff_client(app) as client:
        yield client


def staff_client(app: FastAPI) -> httpx.AsyncClient:
    client = client_for(app)
    client.headers.update(add_staff(app, Role.COMMS).headers)
    return client


async def build(client: httpx.AsyncClient, query: str = "") -> str:
    """Ask for a model; returns its artifact path from the 303 answer."""
    response = await client.get(f"{GYM}?{query}")
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert ARTIFACT_URL.match(location), location
    return location


async def artifact_counts(client: httpx.AsyncClient) -> tuple[float, float]:
    text = (await client.get("/metrics")).text
    builds = metric(text, 'arservice_artifact_builds_total{kind="glb"}')
    hits = metric(text, 'arservice_artifact_cache_hits_total{kind="glb"}')
    return builds, hits


async def test_a_model_redirects_to_its_immutable_artifact(client: httpx.AsyncClient) -> None:
    location = await build(client, "stations=5&bench=false")
    response = await client.get(location)
    assert response.status_code == 200
    assert response.content.startswith(b"glTF")
    sha256 = ARTIFACT_URL.match(location).group(1)  # type: ignore[union-attr]
    assert response.headers["content-type"] == "model/gltf-binary"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["etag"] == f'"{sha256}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert int(response.headers["content-length"]) == len(response.content)


async def test_the_same_values_build_once(client: httpx.AsyncClient) -> None:
    first = await build(client, "stations=6")
    second = await build(client, "stations=6")
    spelled_out = await build(client, "stations=6&bench=true&spacing=3.5")  # the defaults
    assert first == second == spelled_out
    assert await artifact_counts(client) == (1, 2)
    other = await build(client, "stations=7")
    assert other != first
    assert await artifact_counts(client) == (2, 2)


async def test_concurrent_requests_for_a_new_model_build_it_once(
    client: httpx.AsyncClient,
) -> None:
    # The token's first use writes last_used_at; eight first uses at once collide in SQLite
    # ("database is locked", a store issue of its own), so the token is used once before.
    assert (await client.get("/api/v1/templates/outdoor-gym")).status_code == 200
    locations = await asyncio.gather(*(build(client, "stations=8&layout=ring") for _ in range(8)))
    assert len(set(locations)) == 1
    assert await artifact_counts(client) == (1, 7)


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"0000", {etag}', "*", '  "x" ,W/{etag} '],
)
async def test_a_current_copy_gets_304(client: httpx.AsyncClient, if_none_match: str) -> None:
    location = await build(client)
    etag = (await client.get(location)).headers["etag"]
    response = await client.get(
        location, headers={"If-None-Match": if_none_match.format(etag=etag)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == IMMUTABLE


async def test_another_etag_gets_the_file(client: httpx.AsyncClient) -> None:
    location = await build(client)
    response = await client.get(location, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert response.status_code == 200
    assert response.content.startswith(b"glTF")


async def test_head_gives_the_headers_without_the_body(client: httpx.AsyncClient) -> None:
    location = await build(client)
    full = await client.get(location)
    response = await client.head(location)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(full.content))
    for name in ("content-type", "etag", "cache-control", "x-content-type-options"):
        assert response.headers[name] == full.headers[name]


async def test_a_store_without_files_serves_bytes(settings: Settings) -> None:
    app = create_app(settings, blobs=MemoryBlobStore())
    async with staff_client(app) as client:
        location = await build(client)
        full = await client.get(location)
        head = await client.head(location)
        not_modified = await client.get(location, headers={"If-None-Match": full.headers["etag"]})
    assert full.content.startswith(b"glTF")
    assert full.headers["content-type"] == "model/gltf-binary"
    assert full.headers["cache-control"] == IMMUTABLE
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))
    assert not_modified.status_code == 304


async def test_usdz_and_png_have_their_types(app: FastAPI, tmp_path: Path) -> None:
    sha256 = "c" * 64
    blobs = app.state.context.blobs
    blobs.put(f"artifacts/{sha256}.usdz", b"PK\x03\x04usdz")
    blobs.put(f"artifacts/{sha256}.png", b"\x89PNG\r\n\x1a\n")
    async with client_for(app) as client:
        usdz = await client.get(f"/a/{sha256}.usdz")
        png = await client.get(f"/a/{sha256}.png")
        glb = await client.get(f"/a/{sha256}.glb")
    assert usdz.headers["content-type"] == "model/vnd.usdz+zip"
    assert png.headers["content-type"] == "image/png"
    assert glb.status_code == 404


async def test_a_public_artifact_base_moves_the_redirect(settings: Settings) -> None:
    cdn = settings.model_copy(update={"public_artifact_base_url": "https://cdn.example.org/a"})
    async with staff_client(create_app(cdn, blobs=MemoryBlobStore())) as client:
        response = await client.get(GYM)
    assert response.status_code == 303
    assert re.fullmatch(
        r"https://cdn\.example\.org/a/[0-9a-f]{64}\.glb", response.headers["location"]
    )


async def test_a_model_from_the_api_passes_the_khronos_validator(
    client: httpx.AsyncClient, gltf_validator: Any
) -> None:
    blobs = []
    for query in ("", "stations=10&layout=ring&surface=sand&bench=false&frame_color=%23ff8800"):
        response = await client.get(f"{GYM}?{query}", follow_redirects=True)
        assert response.status_code == 200
        blobs.append(response.content)
    for report in gltf_validator.validate(blobs):
        assert_valid_glb(report)


async def test_a_byte_range_gets_part_of_the_file(client: httpx.AsyncClient) -> None:
    location = await build(client)
    full = (await client.get(location)).content
    response = await client.get(location, headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.content == b"glTF"
    assert response.headers["content-range"] == f"bytes 0-3/{len(full)}"
    tail = await client.get(location, headers={"Range": "bytes=-4"})
    assert tail.content == full[-4:]


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=5-2", "lines=0-3", "bytes=1_0-20", "="])
async def test_a_malformed_range_is_ignored(client: httpx.AsyncClient, header: str) -> None:
    location = await build(client)
    response = await client.get(location, headers={"Range": header})
    assert response.status_code == 200
    assert response.content.startswith(b"glTF")
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=-0", "bytes=0-3, 99999999-"])
async def test_a_range_past_the_end_is_refused_in_the_error_shape(
    client: httpx.AsyncClient, header: str
) -> None:
    location = await build(client)
    size = len((await client.get(location)).content)
    response = await client.get(location, headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert assert_error_shape(response)["code"] == "range_not_satisfiable"
