"""``/q/{code}`` on PostgreSQL: the redirect cache follows LISTEN/NOTIFY (migration 0003).

Two apps on one database, each with its engine, its cache and its listener thread, stand for two
server processes. A change committed through one reaches the other as a notification; the tests
wait for it by watching the cache (a bounded poll), never by sleeping and hoping, because the
only promise is "once the notification has arrived" (arservice/services/scan_targets.py).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio
import httpx
import psycopg
import pytest
from fastapi import FastAPI
from psycopg import sql
from sqlalchemy import make_url, update

from arservice.services.scan_targets import APPLICATION_NAME, MISS, Miss
from arservice.services.scans import Unavailable, scan_target
from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import IdeaStatus, QrCode
from arservice.web import create_app
from tests.web.conftest import TEST_SECRET, client_for
from tests.web.test_shortlinks import BASE, GYM, context_of, make_code, set_idea_status

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.postgresql_only("LISTEN/NOTIFY; SQLite's cache is tested in test_scans.py"),
]

LISTENER = "redirect-listener"
"""The listener thread's name."""
PHOTOS = "https://photos.example.org/built"
ATTEMPTS = 3000
"""Polls of 10 ms at most (30 s: far more than a notification or a reconnection needs, so a
slow machine does not fail the test, and a broken listener still does)."""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=TEST_SECRET,
        demo_ideas=True,
        base_url=BASE,
    )


def _app(settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    app = _app(settings, tmp_path)
    yield app
    context_of(app).redirects.close()  # what the lifespan does (the test client runs none)
    context_of(app).engine.dispose()


@pytest.fixture
def other(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    """The second "process"."""
    app = _app(settings, tmp_path)
    yield app
    context_of(app).redirects.close()
    context_of(app).engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest.fixture
def admin(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A plain connection to the test database, outside the apps (as psql would be)."""
    with psycopg.connect(_conninfo(database_url), autocommit=True) as conn:
        yield conn


def _conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _allow_connections(admin: psycopg.Connection[tuple[object, ...]], allow: bool) -> None:
    """ALTER DATABASE ... ALLOW_CONNECTIONS, from another database (PostgreSQL refuses it on
    the current one)."""
    name = str(admin.info.dbname)
    info = admin.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as elsewhere:
        statement = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}")
        elsewhere.execute(statement.format(sql.Identifier(name), sql.Literal(allow)))


async def _until(done: Callable[[], bool]) -> None:
    for _ in range(ATTEMPTS):
        if done():
            return
        await anyio.sleep(0.01)
    assert done()


async def _location(client: httpx.AsyncClient, code: str) -> str:
    response = await client.get(f"/q/{code}")
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def _warm(app: FastAPI, client: httpx.AsyncClient, code: str) -> str:
    """Scan until the app serves ``code`` from memory; the location it redirects to."""
    redirects = context_of(app).redirects
    await _until(lambda: redirects.caching)
    location = await _location(client, code)
    await _until(lambda: redirects.cached(code) is not MISS)
    assert await _location(client, code) == location
    return location


def _listener_pids(admin: psycopg.Connection[tuple[object, ...]]) -> list[object]:
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
        " AND datname = current_database()",
        [APPLICATION_NAME],
    ).fetchall()
    return [row[0] for row in rows]


async def test_a_retarget_committed_by_another_process_reaches_a_warm_cache(
    app: FastAPI, other: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM)
    assert await _warm(app, client, code) == f"{BASE}/i/{GYM}"
    with context_of(other).transaction() as session:
        session.execute(
            update(QrCode).where(QrCode.code == code).values(target_idea_id=None, target_url=PHOTOS)
        )
    await _until(lambda: context_of(app).redirects.cached(code) is MISS)
    assert await _location(client, code) == PHOTOS
    assert await _warm(app, client, code) == PHOTOS, "cached again after the change"
    with context_of(other).transaction() as session:
        session.execute(update(QrCode).where(QrCode.code == code).values(active=False))
    await _until(lambda: context_of(app).redirects.cached(code) is MISS)
    assert (await client.get(f"/q/{code}")).status_code == 404


async def test_unpublishing_and_publishing_an_idea_elsewhere_changes_the_redirect(
    app: FastAPI, other: FastAPI, client: httpx.AsyncClient
) -> None:
    code = make_code(app, slug=GYM, lang="fi")
    assert await _warm(app, client, code) == f"{BASE}/i/{GYM}?lang=fi"
    set_idea_status(other, GYM, IdeaStatus.DRAFT)
    await _until(lambda: context_of(app).redirects.cached(code) is MISS)
    response = await client.get(f"/q/{code}")
    assert response.status_code == 404
    assert GYM not in response.text, "a draft's slug is never named"
    found = context_of(app).redirects.cached(code)
    assert not isinstance(found, Miss), "the unpublished answer is cached too"
    assert found is not None
    assert scan_target(found, BASE) == Unavailable.NOT_PUBLISHED
    set_idea_status(other, GYM, IdeaStatus.PUBLISHED)
    await _until(lambda: context_of(app).redirects.cached(code) is MISS)
    assert await _location(client, code) == f"{BASE}/i/{GYM}?lang=fi"


async def test_a_lost_listener_turns_caching_off_until_it_is_back(
    app: FastAPI, client: httpx.AsyncClient, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    """The listener's connection is cut (pg_terminate_backend) while new connections to the
    database are refused, so it cannot come back at once: scans must read the database, and
    see a change nobody was told about; once connections are allowed, caching resumes."""
    code = make_code(app, slug=GYM)
    redirects = context_of(app).redirects
    assert await _warm(app, client, code) == f"{BASE}/i/{GYM}"
    [pid] = _listener_pids(admin)
    _allow_connections(admin, False)
    try:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        await _until(lambda: not redirects.caching)
        assert redirects.cached(code) is MISS
        admin.execute("ALTER TABLE qr_codes DISABLE TRIGGER USER")  # nobody is notified
        admin.execute(
            "UPDATE qr_codes SET target_idea_id = NULL, target_url = %s WHERE code = %s",
            [PHOTOS, code],
        )
        admin.execute("ALTER TABLE qr_codes ENABLE TRIGGER USER")
        for _ in range(3):
            assert await _location(client, code) == PHOTOS, "read from the database"
        assert redirects.cached(code) is MISS, "nothing is kept while not listening"
    finally:
        _allow_connections(admin, True)
    await _until(lambda: redirects.caching)
    assert _listener_pids(admin) != [pid]
    assert await _warm(app, client, code) == PHOTOS
    admin.execute("UPDATE qr_codes SET active = false WHERE code = %s", [code])
    await _until(lambda: redirects.cached(code) is MISS)
    assert (await client.get(f"/q/{code}")).status_code == 404


async def test_closing_ends_the_listener_thread_and_its_connection(
    settings: Settings, tmp_path: Path, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    before = set(threading.enumerate())
    app = _app(settings, tmp_path)
    code = make_code(app, slug=GYM)
    async with client_for(app) as client:
        assert await _warm(app, client, code) == f"{BASE}/i/{GYM}"
        assert len(_listener_pids(admin)) == 1
        started = [t for t in threading.enumerate() if t not in before and t.name == LISTENER]
        assert len(started) == 1
        context_of(app).redirects.close()
        assert not any(thread.is_alive() for thread in started)
        assert not context_of(app).redirects.caching
        assert await _location(client, code) == f"{BASE}/i/{GYM}", "scans still answer"
        assert context_of(app).redirects.cached(code) is MISS
    context_of(app).engine.dispose()
    await _until(lambda: _listener_pids(admin) == [])
