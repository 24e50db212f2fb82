"""Operations endpoints: liveness, readiness with its hook, and Prometheus metrics per app."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore, MemoryBlobStore
from arservice.web import create_app
from arservice.web.context import ReadinessCheck
from tests.web.conftest import client_for, metric

pytestmark = pytest.mark.anyio

HEALTHZ_COUNT = 'arservice_http_requests_total{method="GET",route="/healthz",status="200"}'


async def test_healthz_answers_while_the_process_runs(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_checks_the_database_and_the_blob_store(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "blobs": "ok"}}


async def test_readyz_runs_every_check_added_to_the_app(app: FastAPI) -> None:
    calls = []
    app.state.readiness_checks.append(ReadinessCheck("search", lambda: calls.append(1)))
    async with client_for(app) as client:
        response = await client.get("/readyz")
    assert response.json()["checks"] == {"database": "ok", "blobs": "ok", "search": "ok"}
    assert calls == [1]


@pytest.mark.sqlite_only("replaces the SQLite file; on PostgreSQL: test_database_down.py")
async def test_readyz_fails_when_the_database_is_gone(app: FastAPI) -> None:
    database = app.state.context.engine.url.database
    app.state.context.engine.dispose()
    Path(database).unlink()
    Path(database).mkdir()  # a directory where the file was: SQLite cannot open it
    async with client_for(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert [item["loc"] for item in response.json()["error"]["items"]] == ["database"]


async def test_readyz_fails_when_the_blob_store_cannot_be_written(
    settings: Settings,
) -> None:
    blocked = settings.data_dir / "not-a-directory"
    blocked.write_bytes(b"")
    async with client_for(create_app(settings, blobs=LocalBlobStore(blocked))) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["items"][0]["loc"] == "blobs"


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    before = metric((await client.get("/metrics")).text, HEALTHZ_COUNT)
    await client.get("/healthz")
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert metric(response.text, HEALTHZ_COUNT) == before + 2
    assert 'arservice_http_request_duration_seconds_count{method="GET",route="/healthz"} 2.0' in (
        response.text
    )


async def test_metrics_name_route_templates_not_paths(client: httpx.AsyncClient) -> None:
    await client.get("/a/" + "0" * 64 + ".glb")
    await client.get("/no/such/path/12345")
    text = (await client.get("/metrics")).text
    assert 'route="/a/{sha256}.{ext}",status="404"' in text
    assert 'route="unmatched",status="404"' in text
    assert "12345" not in text
    assert "0" * 64 not in text


async def test_each_app_counts_for_itself(settings: Settings) -> None:
    one = create_app(settings, blobs=MemoryBlobStore())
    two = create_app(settings, blobs=MemoryBlobStore())
    async with client_for(one) as client:
        await client.get("/healthz")
    async with client_for(two) as client:
        text = (await client.get("/metrics")).text
    assert metric(text, HEALTHZ_COUNT) == 0
