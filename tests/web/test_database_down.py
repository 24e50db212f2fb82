"""PostgreSQL stops while the app runs, then comes back: JSON 503s meanwhile, no traceback, and
everything works again without restarting the app.

The database is a real PostgreSQL server of this module's own (tests/support/postgres.py),
stopped with a fast shutdown (what a crash or a failover looks like to clients: every
connection is cut) and started again on the same port. The app is the real one, called through
httpx; its pool holds connections that die with the server, which ``pool_pre_ping`` notices.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Platform, Role
from arservice.web import create_app
from tests.support.postgres import PostgresServer
from tests.web.conftest import TEST_SECRET, add_staff, client_for

pytestmark = pytest.mark.postgresql_only("stops and starts a PostgreSQL server of its own")

GYM = "kapylan-ulkokuntosali"  # a published demo idea
LEAKS = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "127.0.0.1", "SELECT")


@pytest.fixture(scope="module")
def database_server() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_server_up(database_server: PostgresServer) -> Iterator[PostgresServer]:
    """The module's server, running when the test starts and when it ends."""
    if database_server.process is None:
        database_server.run()
    yield database_server
    if database_server.process is None:
        database_server.run()


@pytest.fixture
def app(database_server_up: PostgresServer, tmp_path: Path) -> Iterator[FastAPI]:
    url = database_server_up.create_database(f"down_{tmp_path.name[-20:]}".lower())
    settings = Settings(
        data_dir=tmp_path, database_url=url, secret_key=TEST_SECRET, demo_ideas=True
    )
    app = create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))
    yield app
    app.state.context.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


def assert_database_unavailable(response: httpx.Response) -> None:
    """A 503 in the one error shape that tells nothing about the database behind it."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"]["code"] == "not_ready"
    assert response.json()["error"]["message"]
    for leak in LEAKS:
        assert leak not in response.text


@pytest.mark.anyio
async def test_the_api_answers_503_while_the_database_is_down_and_recovers_by_itself(
    app: FastAPI, client: httpx.AsyncClient, database_server_up: PostgresServer
) -> None:
    planner = add_staff(app, Role.PLANNER)
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.get(f"/api/v1/ideas/{GYM}")).status_code == 200
    assert (await client.get("/api/v1/ideas", headers=planner.headers)).status_code == 200

    database_server_up.halt()
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "not_ready"
    assert [item["loc"] for item in ready.json()["error"]["items"]] == ["database"]
    assert (await client.get("/healthz")).status_code == 200  # the process itself is fine
    assert_database_unavailable(await client.get(f"/api/v1/ideas/{GYM}"))
    assert_database_unavailable(await client.get("/api/v1/ideas", headers=planner.headers))
    created = await client.post(
        "/api/v1/ideas", json={"title": {"en": "A bench"}}, headers=planner.headers
    )
    assert_database_unavailable(created)
    assert created.headers["retry-after"] == "5"
    assert_database_unavailable(await client.get(f"/i/{GYM}?lang=en"))

    database_server_up.run()  # the same app: no restart, no new engine
    assert (await client.get("/readyz")).status_code == 200
    assert (await client.get("/api/v1/ideas", headers=planner.headers)).status_code == 200
    created = await client.post(
        "/api/v1/ideas", json={"title": {"en": "A bench"}}, headers=planner.headers
    )
    assert created.status_code == 201, created.text
    assert (await client.get(f"/i/{GYM}?lang=en")).status_code == 200


@pytest.mark.anyio
async def test_scans_counted_before_an_outage_are_stored_after_it(
    app: FastAPI, client: httpx.AsyncClient, database_server_up: PostgresServer
) -> None:
    """The counts wait in memory while the database is down and none is lost or doubled."""
    context = app.state.context
    with context.transaction() as session:
        idea = repo.get_idea_by_slug(session, GYM)
        assert idea is not None
        code = repo.create_qr_code(session, target_idea_id=idea.id)
    for _ in range(3):
        assert (await client.get(f"/q/{code.code}")).status_code == 302

    database_server_up.halt()
    assert context.flush_scans() == 0  # refused: kept for the next flush
    assert context.flush_scans() == 0
    assert_database_unavailable(await client.get(f"/q/{code.code}"))  # cannot look it up

    database_server_up.run()
    assert (await client.get(f"/q/{code.code}")).status_code == 302
    assert context.flush_scans() == 4
    with context.reading() as session:
        rows = repo.scan_counts(session, [code.id])
    assert [(row.platform, row.count) for row in rows] == [(Platform.BOT, 4)]  # httpx's agent
