"""Fixtures for the service tests: a fresh migrated database per test (SQLite, or PostgreSQL with
``--database=postgresql``: see tests/conftest.py) with the built-in
templates stored, a blob store in memory, and an artifact builder of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from arservice.services.artifacts import ArtifactBuilder
from arservice.services.templates import sync_builtin_templates
from arservice.store.blobs import MemoryBlobStore
from arservice.store.db import make_engine, migrate, session_factory


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with session_factory(engine).begin() as session:
        sync_builtin_templates(session)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def blobs() -> MemoryBlobStore:
    return MemoryBlobStore()


@pytest.fixture
def builder() -> ArtifactBuilder:
    return ArtifactBuilder()
