"""Fixtures shared by every test package, and the choice of database the suite runs on.

The suite runs on SQLite (the default) or on a real PostgreSQL server::

    pytest tests/store                          # SQLite files under each test's tmp_path
    pytest --database=postgresql tests/store    # or ARSERVICE_TEST_DATABASE=postgresql

On PostgreSQL a throwaway server (tests/support/postgres.py) is started once for the session,
with a template database migrated to the newest revision, and every test gets a fresh copy of
it. The copy's URL is the ``database_url`` fixture and, for code that reads its settings from
the environment as the service does (``Settings(data_dir=tmp_path)``, the CLI), the variable
``ARSERVICE_DATABASE_URL`` while the test runs. Module- and session-scoped fixtures, and apps a
test module makes while it is collected, get a database of their own module or of the session
the same way. On SQLite the variable is removed, so a developer's own setting never leaks in.

Markers: ``sqlite_only("why")`` for a test about SQLite itself (WAL, PRAGMAs, its locking),
skipped on PostgreSQL; ``postgresql_only("why")`` for the reverse.
"""

from __future__ import annotations

import atexit
import os
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from arservice.store.db import make_engine, migrate
from tests.support.gltf_validator import GltfValidator
from tests.support.postgres import PostgresServer, PostgresUnavailableError, TemplateCopies

DATABASE_OPTION = "--database"
DATABASE_ENV = "ARSERVICE_TEST_DATABASE"
DATABASE_URL_ENV = "ARSERVICE_DATABASE_URL"
TEMPLATE = "arservice_template"
"""The migrated database every test database is a copy of."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        DATABASE_OPTION,
        choices=("sqlite", "postgresql"),
        default=os.environ.get(DATABASE_ENV, "sqlite"),
        help=f"the database the tests run on (default: ${DATABASE_ENV}, else sqlite)",
    )


class TestDatabases:
    """The PostgreSQL server of a test session and the copies of its template database."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.copies = TemplateCopies(server, TEMPLATE)

    @classmethod
    def start(cls) -> TestDatabases:
        server = PostgresServer.start()
        try:
            engine = make_engine(server.create_database(TEMPLATE))
            try:
                migrate(engine)
            finally:
                engine.dispose()  # a template may have no connection while it is copied
        except BaseException:
            server.stop()
            raise
        return cls(server)

    def create(self) -> tuple[str, str]:
        """A fresh migrated database: its name and SQLAlchemy URL."""
        return self.copies.take()

    def drop(self, name: str) -> None:
        self.copies.give_back(name)

    def stop(self) -> None:
        self.copies.stop()
        self.server.stop()


_DATABASES: TestDatabases | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a test about SQLite itself; skipped on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "postgresql_only(reason): a test about PostgreSQL itself; skipped on SQLite"
    )
    global _DATABASES
    if config.getoption(DATABASE_OPTION) != "postgresql" or _DATABASES is not None:
        os.environ.pop(DATABASE_URL_ENV, None)
        return
    try:
        _DATABASES = TestDatabases.start()
    except PostgresUnavailableError as missing:
        raise pytest.UsageError(str(missing)) from missing
    atexit.register(_stop_databases)  # also when pytest_unconfigure is never reached
    _, os.environ[DATABASE_URL_ENV] = _DATABASES.create()


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_databases()


def _stop_databases() -> None:
    global _DATABASES
    if _DATABASES is not None:
        _DATABASES.stop()
        _DATABASES = None
        os.environ.pop(DATABASE_URL_ENV, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on = config.getoption(DATABASE_OPTION)
    other = {"sqlite": "postgresql_only", "postgresql": "sqlite_only"}[on]
    for item in items:
        marker = item.get_closest_marker(other)
        if marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"not on {on}: {why}"))


def on_postgresql(config: pytest.Config) -> bool:
    return bool(config.getoption(DATABASE_OPTION) == "postgresql")


@pytest.fixture(scope="session")
def test_databases() -> TestDatabases | None:
    """The session's PostgreSQL server and databases; None on SQLite."""
    return _DATABASES


_OPEN_CONNECTIONS: weakref.WeakSet[Any] = weakref.WeakSet()
"""Every PostgreSQL connection the tests' engines opened: many tests make an app and never
dispose of its engine, which SQLite forgives; psycopg warns (an error here) when an open
connection is garbage-collected, so each test's connections are closed when it ends."""


@event.listens_for(Pool, "connect")
def _track_connection(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, psycopg.Connection):
        _OPEN_CONNECTIONS.add(dbapi_connection)


def _close_connections(database: str) -> None:
    for connection in list(_OPEN_CONNECTIONS):
        if not connection.closed and connection.info.dbname == database:
            connection.close()


def _fresh_database(
    databases: TestDatabases | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """On PostgreSQL, a fresh database exported as ARSERVICE_DATABASE_URL until the end."""
    if databases is None:
        monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
        yield None
        return
    name, url = databases.create()
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    try:
        yield url
    finally:
        monkeypatch.undo()
        _close_connections(name)
        databases.drop(name)


@pytest.fixture(scope="module", autouse=True)
def _module_database(test_databases: TestDatabases | None) -> Iterator[str | None]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _fresh_database(test_databases, monkeypatch)


@pytest.fixture(autouse=True)
def _test_database(
    test_databases: TestDatabases | None, _module_database: str | None
) -> Iterator[str | None]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _fresh_database(test_databases, monkeypatch)


@pytest.fixture
def database_url(_test_database: str | None, tmp_path: Path) -> str:
    """The test's own migrated database: a PostgreSQL copy of the template, or a SQLite file
    under ``tmp_path`` (made by the first ``migrate``)."""
    return _test_database or f"sqlite:///{tmp_path / 'arservice.db'}"


@pytest.fixture
def empty_database_url(test_databases: TestDatabases | None, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the schema (for migration tests): a new
    PostgreSQL database, or a SQLite file under ``tmp_path`` that does not exist yet."""
    if test_databases is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"empty_{uuid.uuid4().hex[:12]}"
    url = test_databases.server.create_database(name)
    try:
        yield url
    finally:
        test_databases.drop(name)


@pytest.fixture(scope="session")
def gltf_validator() -> GltfValidator:
    """The Khronos glTF Validator: ``validate(blobs)`` once per batch, ``assert_valid(report)``."""
    return GltfValidator()
