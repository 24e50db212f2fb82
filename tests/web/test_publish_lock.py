"""Publishing renders the preview outside SQLite's write transaction: other staff's changes do
not wait for a render (0.1-0.3 s each, longer on a busy machine)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from arservice.services import models
from tests.web.conftest import Staff
from tests.web.test_ideas import create, idea, publish

pytestmark = pytest.mark.anyio


async def test_a_change_goes_through_while_a_publish_is_rendering(
    client: httpx.AsyncClient, planner: Staff, admin: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendering, release = threading.Event(), threading.Event()
    render = models.model_png

    def slow_render(scene):  # type: ignore[no-untyped-def]
        rendering.set()
        assert release.wait(timeout=30), "the test never released the render"
        return render(scene)

    monkeypatch.setattr(models, "model_png", slow_render)
    slug = (await create(client, planner, idea()))["slug"]
    publishing = asyncio.ensure_future(publish(client, planner, slug))
    assert await asyncio.to_thread(rendering.wait, 30), "the publish never started rendering"
    # With the render inside the write transaction this would wait out the busy timeout and fail.
    change = await client.post(
        "/api/v1/auth/tokens", json={"name": "during a render"}, headers=admin.headers
    )
    assert change.status_code == 201
    assert not publishing.done(), "the publish should still be rendering"
    release.set()
    response = await publishing
    assert response.status_code == 200
    assert response.json()["artifacts"]["png"] is not None
