"""The app on an S3 bucket (a real SeaweedFS): an idea is published into the bucket and served
from it; when the store is down or hung, /readyz says so, publishing fails with a clear,
localized 503 and records nothing, artifacts already in memory still serve, and everything
works again when the store is back, without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store.blobs import MSG_STORE_UNREACHABLE
from arservice.store.models import Artifact, Idea, IdeaStatus, Role
from arservice.store.s3 import S3BlobStore
from arservice.web import create_app
from tests.support.seaweed import BUCKET, SeaweedServer, fresh_prefix, seaweed  # noqa: F401
from tests.web.conftest import add_staff, client_for
from tests.web.test_ideas import IDEA, KINDS, create, fetch_artifacts, idea, publish

pytestmark = pytest.mark.anyio


def s3_settings(settings: Settings, server: SeaweedServer, **changes: Any) -> Settings:
    """``settings`` with the blobs in ``server``'s bucket, as ARSERVICE_S3_* would set them."""
    config = server.config(prefix=fresh_prefix())
    values = {
        "s3_bucket": config.bucket,
        "s3_endpoint_url": config.endpoint_url,
        "s3_region": config.region,
        "s3_access_key_id": config.access_key_id,
        "s3_secret_access_key": config.secret_access_key,
        "s3_prefix": config.prefix,
        "s3_addressing_style": "path",
        "s3_connect_timeout": 1.0,
        "s3_read_timeout": 2.0,
        "s3_max_attempts": 2,
        **changes,
    }
    return Settings(**{**settings.model_dump(), **values})


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[SeaweedServer]:
    """A server this test may stop and freeze."""
    with SeaweedServer(tmp_path / "s3") as server:
        yield server


def bucket_object(server: SeaweedServer, name: str) -> bytes:
    config = server.config()
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        region_name=config.region,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
    )
    return bytes(client.get_object(Bucket=BUCKET, Key=name)["Body"].read())


def counts(app: FastAPI, slug: str) -> tuple[IdeaStatus, int]:
    """The idea's status, and how many Artifact rows the database holds."""
    with app.state.context.reading() as session:
        status = session.scalars(select(Idea.status).where(Idea.slug == slug)).one()
        return status, session.scalar(select(func.count()).select_from(Artifact)) or 0


async def test_an_idea_is_published_into_the_bucket_and_served_from_it(
    settings: Settings,
    seaweed: SeaweedServer,  # noqa: F811
) -> None:
    configured = s3_settings(settings, seaweed)
    app = create_app(configured)  # the store comes from the settings, as in production
    assert isinstance(app.state.context.blobs, S3BlobStore)
    planner = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        assert (await client.get("/readyz")).json()["checks"]["blobs"] == "ok"
        created = await create(client, planner, IDEA)
        published = (await publish(client, planner, created["slug"])).json()
        files = await fetch_artifacts(client, published["artifacts"])
    for kind, data in zip(KINDS, files, strict=True):
        name = configured.s3_prefix + "artifacts/" + published["artifacts"][kind][3:]
        assert bucket_object(seaweed, name) == data
    # another replica on the same bucket, with nothing in memory, serves the same bytes
    replica = create_app(
        s3_settings(settings, seaweed, s3_prefix=configured.s3_prefix, s3_cache_bytes=0)
    )
    async with client_for(replica) as client:
        assert await fetch_artifacts(client, published["artifacts"]) == files
        assert (await client.get(f"/api/v1/ideas/{created['slug']}")).status_code == 200


async def test_a_store_that_is_down_fails_clearly_records_nothing_and_heals(
    settings: Settings, own_server: SeaweedServer
) -> None:
    app = create_app(s3_settings(settings, own_server))
    planner = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        first = await create(client, planner, IDEA)
        served = (await publish(client, planner, first["slug"])).json()["artifacts"]
        files = await fetch_artifacts(client, served)
        second = await create(client, planner, idea(slug="toinen", template=_stations(6)))
        rows_before = counts(app, first["slug"])[1]

        own_server.stop()
        ready = await client.get("/readyz?lang=fi")
        assert ready.status_code == 503
        assert ready.json()["error"]["code"] == "not_ready"
        assert [item["loc"] for item in ready.json()["error"]["items"]] == ["blobs"]

        failed = await client.post(
            f"/api/v1/ideas/{second['slug']}/publish?lang=fi", headers=planner.headers
        )
        assert_store_error(failed, translate("fi", MSG_STORE_UNREACHABLE))
        assert counts(app, second["slug"]) == (IdeaStatus.DRAFT, rows_before)

        assert await fetch_artifacts(client, served) == files  # kept in memory: still served

        own_server.start()
        assert (await client.get("/readyz")).status_code == 200
        assert (await publish(client, planner, second["slug"])).status_code == 200
        assert counts(app, second["slug"]) == (IdeaStatus.PUBLISHED, rows_before + 3)


async def test_a_hung_store_answers_503_in_bounded_time_and_heals(
    settings: Settings, own_server: SeaweedServer
) -> None:
    app = create_app(s3_settings(settings, own_server, s3_read_timeout=1.0, s3_max_attempts=1))
    planner = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        created = await create(client, planner, IDEA)
        own_server.pause()
        try:
            assert (await client.get("/readyz")).status_code == 503
            failed = await client.post(
                f"/api/v1/ideas/{created['slug']}/publish?lang=en", headers=planner.headers
            )
            assert_store_error(failed, translate("en", MSG_STORE_UNREACHABLE))
            assert counts(app, created["slug"]) == (IdeaStatus.DRAFT, 0)
        finally:
            own_server.resume()
        assert (await client.get("/readyz")).status_code == 200
        assert (await publish(client, planner, created["slug"])).status_code == 200


async def test_an_artifact_not_in_memory_while_the_store_is_down_is_503_not_500(
    settings: Settings, own_server: SeaweedServer
) -> None:
    app = create_app(s3_settings(settings, own_server))
    planner = add_staff(app, Role.PLANNER)
    async with client_for(app) as client:
        created = await create(client, planner, IDEA)
        served = (await publish(client, planner, created["slug"])).json()["artifacts"]
    cold = create_app(s3_settings(settings, own_server, s3_cache_bytes=0))
    own_server.stop()
    async with client_for(cold) as client:
        response = await client.get(served["glb"], headers={"Accept-Language": "sv"})
    assert_store_error(response, translate("sv", MSG_STORE_UNREACHABLE))


def assert_store_error(response: httpx.Response, message: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "30"
    error = response.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert error["message"] == message
    assert "Traceback" not in response.text
    assert "127.0.0.1" not in response.text  # no host, path or key in what people see


def _stations(count: int) -> dict[str, Any]:
    return {"id": "outdoor-gym", "version": 1, "params": {"stations": count}}
