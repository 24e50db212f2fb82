"""A fresh app per test, on its own data directory, called through httpx like a real client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from arservice.services import accounts
from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Role, User
from arservice.store.passwords import hash_password
from arservice.web import create_app

TEST_SECRET = SecretStr("test-secret-key-" + "k" * 32)


@pytest.fixture(autouse=True)
def _no_arservice_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own ARSERVICE_* variables do not leak into a test's settings.

    ``ARSERVICE_DATABASE_URL`` is kept: tests/conftest.py sets it to the test's own database on
    a PostgreSQL run (and removes it on SQLite), so apps made here use that database."""
    for name in list(os.environ):
        if name.startswith("ARSERVICE_") and name != "ARSERVICE_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, demo_ideas=False
    )


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


# --- staff -------------------------------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery staple"


@cache
def staff_password_hash() -> str:
    """Argon2 takes a tenth of a second on purpose: hash the test password once."""
    return hash_password(STAFF_PASSWORD)


@dataclass(frozen=True)
class Staff:
    """A staff member made for a test: log in with ``email`` / :data:`STAFF_PASSWORD`, or send
    ``headers`` (an API token)."""

    user_id: int
    email: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_staff(app: FastAPI, role: Role, email: str | None = None) -> Staff:
    """A user with ``role`` and an API token, written straight to the app's database."""
    context = app.state.context
    with context.transaction() as session:
        user = User(
            email=email or f"{role.value}@example.org",
            display_name=f"Test {role.value}",
            role=role,
            password_hash=staff_password_hash(),
        )
        session.add(user)
        session.flush()
        issued = accounts.create_token(session, user, "tests")
        return Staff(user.id, user.email, role, issued.secret)


@pytest.fixture
def staff(app: FastAPI) -> dict[Role, Staff]:
    """One admin, one planner and one comms user of ``app``, by role."""
    return {role: add_staff(app, role) for role in Role}


@pytest.fixture
def admin(staff: dict[Role, Staff]) -> Staff:
    return staff[Role.ADMIN]


@pytest.fixture
def planner(staff: dict[Role, Staff]) -> Staff:
    return staff[Role.PLANNER]


@pytest.fixture
def comms(staff: dict[Role, Staff]) -> Staff:
    return staff[Role.COMMS]


async def log_in(client: httpx.AsyncClient, who: Staff) -> dict[str, str]:
    """Log ``client`` in as ``who`` (the cookie stays in the client); the CSRF header to send
    with changes."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": who.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}
