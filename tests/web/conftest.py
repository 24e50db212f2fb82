"""A fresh app per test, on its own data directory, called through httpx like a real client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.web import create_app

TEST_SECRET = SecretStr("test-secret-key-" + "k" * 32)


@pytest.fixture(autouse=True)
def _no_arservice_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own ARSERVICE_* variables do not leak into a test's settings."""
    for name in list(os.environ):
        if name.startswith("ARSERVICE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs"))


def client_for(app: FastAPI) -> httpx.AsyncClient:
    """A client that sends requests straight into ``app`` (no socket)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


def metric(text: str, name: str) -> float:
    """One sample's value in Prometheus text (``name`` with its labels), 0 when absent."""
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return 0.0
