"""No request body past ARSERVICE_MAX_UPLOAD_BYTES is read: 413 in the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from arservice.settings import Settings
from arservice.store.blobs import LocalBlobStore
from arservice.store.models import Role
from arservice.web import create_app
from arservice.web.limits import human_size
from tests.web.conftest import Staff, add_staff, client_for

pytestmark = pytest.mark.anyio

LIMIT = 4096
USER = {"email": "x@example.org", "display_name": "X", "role": "comms", "password": "p" * 20}


@pytest.fixture
def small_limit_app(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    limited = settings.model_copy(update={"max_upload_bytes": LIMIT})
    return create_app(limited, blobs=LocalBlobStore(tmp_path / "blobs"))


async def users(client: httpx.AsyncClient, admin: Staff) -> list[str]:
    response = await client.get("/api/v1/users", headers=admin.headers)
    return [user["email"] for user in response.json()["users"]]


async def test_a_declared_length_past_the_limit_is_refused_before_reading(
    small_limit_app,  # type: ignore[no-untyped-def]
) -> None:
    admin = add_staff(small_limit_app, Role.ADMIN)
    body = b'{"padding": "' + b"x" * LIMIT + b'"}'
    async with client_for(small_limit_app) as client:
        response = await client.post(
            "/api/v1/users",
            content=body,
            headers={**admin.headers, "Content-Type": "application/json"},
            params={"lang": "en"},
        )
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "payload_too_large"
        assert error["message"] == (
            "the request body is larger than the upload limit of 4 KB; send a smaller file"
        )
        assert response.headers["cache-control"] == "no-store"
        assert await users(client, admin) == [admin.email]


async def test_a_streamed_body_is_cut_off_at_the_limit(
    small_limit_app,  # type: ignore[no-untyped-def]
) -> None:
    admin = add_staff(small_limit_app, Role.ADMIN)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1024
            yield b" " * 1024

    async with client_for(small_limit_app) as client:
        response = await client.post(
            "/api/v1/users",
            content=chunks(),
            headers={**admin.headers, "Content-Type": "application/json"},
            params={"lang": "fi"},
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert await users(client, admin) == [admin.email]


async def test_a_body_within_the_limit_is_read(
    small_limit_app,  # type: ignore[no-untyped-def]
) -> None:
    admin = add_staff(small_limit_app, Role.ADMIN)
    async with client_for(small_limit_app) as client:
        response = await client.post("/api/v1/users", json=USER, headers=admin.headers)
        assert response.status_code == 201


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (1536, "1.5 KB"), (10 * 1024 * 1024, "10 MB"), (3 * 1024**3, "3072 MB")],
)
def test_sizes_are_told_in_units_people_read(size: int, text: str) -> None:
    assert human_size(size) == text
