"""What the routes share, held by the app (never by a module): settings, the database, the blob
store, the artifact builder, the metrics, the scan counter; and the readiness checks ``/readyz``
runs.

Routes take the context as a typed dependency and open one transaction for their work::

    def handler(context: ContextDep) -> ...:
        with context.transaction() as session:     # commits on success, rolls back on error
            idea = ideas.publish(session, ...)
        with context.reading() as session:         # read-only: never waits for a writer
            ...

Readiness hook: ``app.state.readiness_checks`` is a list of :class:`ReadinessCheck`; the app
starts with the blob store's; whoever adds a dependency the service needs (the database)
appends its check::

    app.state.readiness_checks.append(ReadinessCheck("database", lambda: db.ping(engine)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from arservice.services.artifacts import ArtifactBuilder
from arservice.services.scan_targets import RedirectLookup
from arservice.services.scans import ScanCounter
from arservice.settings import Settings
from arservice.store.blobs import BlobStore
from arservice.web.metrics import Metrics
from arservice.web.throttle import LoginThrottle


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    blobs: BlobStore
    artifacts: ArtifactBuilder
    metrics: Metrics
    secret_key: SecretStr
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    scans: ScanCounter = field(default_factory=ScanCounter)
    """Scans of ``/q/`` codes counted in memory; the app's lifespan flushes them to the
    database every ``settings.scan_flush_seconds`` and at shutdown (a test without the lifespan
    calls ``context.flush_scans()``)."""

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction that may write: committed when the block ends, rolled
        back when it raises, so a failed request leaves the database as it was. On SQLite it
        waits its turn behind another writer."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading only (one consistent snapshot; never waits for writers)."""
        with self.readers.begin() as session:
            yield session

    @cached_property
    def redirects(self) -> RedirectLookup:
        """The short links' targets, kept in memory while the database does not change."""
        return RedirectLookup(self.engine, self.reading)

    def flush_scans(self) -> int:
        """Store the buffered scan counts now; how many scans were stored."""
        return self.scans.flush(self.transaction)


@dataclass(frozen=True)
class ReadinessCheck:
    """One thing the service needs to answer requests: ``check()`` returns when it is
    reachable and raises (any exception) when it is not."""

    name: str
    check: Callable[[], None]

    def __call__(self) -> None:
        self.check()


def app_context(app: FastAPI) -> AppContext:
    context = app.state.context
    assert isinstance(context, AppContext), "the app was not made by create_app"
    return context


async def get_context(connection: HTTPConnection) -> AppContext:
    """The dependency behind :data:`ContextDep`. ``async`` although it awaits nothing: FastAPI
    runs a plain ``def`` dependency in a worker thread, a hop that cost every request about
    0.1 ms under load for reading one attribute."""
    return app_context(connection.app)


def readiness_checks(app: FastAPI) -> list[ReadinessCheck]:
    checks = app.state.readiness_checks
    assert isinstance(checks, list)
    return checks


ContextDep = Annotated[AppContext, Depends(get_context)]
