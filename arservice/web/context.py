"""What the routes share, held by the app (never by a module): settings, the blob store, the
artifact builder, the metrics; and the readiness checks ``/readyz`` runs.

Routes take the context as a typed dependency::

    def handler(context: ContextDep) -> ...:
        context.blobs.get(...)

Readiness hook: ``app.state.readiness_checks`` is a list of :class:`ReadinessCheck`; the app
starts with the blob store's; whoever adds a dependency the service needs (the database)
appends its check::

    app.state.readiness_checks.append(ReadinessCheck("database", lambda: db.ping(engine)))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import SecretStr
from starlette.requests import HTTPConnection

from arservice.services.artifacts import ArtifactBuilder
from arservice.settings import Settings
from arservice.store.blobs import BlobStore
from arservice.web.metrics import Metrics


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    blobs: BlobStore
    artifacts: ArtifactBuilder
    metrics: Metrics
    secret_key: SecretStr


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


def get_context(connection: HTTPConnection) -> AppContext:
    """The dependency behind :data:`ContextDep`."""
    return app_context(connection.app)


def readiness_checks(app: FastAPI) -> list[ReadinessCheck]:
    checks = app.state.readiness_checks
    assert isinstance(checks, list)
    return checks


ContextDep = Annotated[AppContext, Depends(get_context)]
