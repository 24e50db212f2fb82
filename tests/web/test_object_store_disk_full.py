"""Publishing while the blob disk is full (a real 1 MB tmpfs): a clear, localized 503, the idea
stays a draft with no Artifact row, and the same request works once space is freed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from arservice.i18n import translate
from arservice.settings import Settings
from arservice.store.blobs import MSG_STORE_FULL, LocalBlobStore
from arservice.store.models import IdeaStatus, Role
from arservice.web import create_app
from tests.support.small_disk import fill, small_disk
from tests.web.conftest import add_staff, client_for
from tests.web.test_ideas import IDEA, create, publish
from tests.web.test_object_store import assert_store_error, counts

pytestmark = pytest.mark.anyio


async def test_a_publish_on_a_full_disk_fails_clearly_and_records_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        app: FastAPI = create_app(settings, blobs=LocalBlobStore(disk / "blobs"))
        planner = add_staff(app, Role.PLANNER)
        async with client_for(app) as client:
            created = await create(client, planner, IDEA)
            filler = fill(disk, leave=20_000)  # a model's GLB, USDZ and PNG take far more
            failed = await client.post(
                f"/api/v1/ideas/{created['slug']}/publish?lang=sv", headers=planner.headers
            )
            assert_store_error(failed, translate("sv", MSG_STORE_FULL))
            assert counts(app, created["slug"]) == (IdeaStatus.DRAFT, 0)
            leftovers = [p.name for p in disk.rglob("*") if p.is_file() and p != filler]
            assert leftovers == []

            filler.unlink()
            assert (await publish(client, planner, created["slug"])).status_code == 200
            assert counts(app, created["slug"]) == (IdeaStatus.PUBLISHED, 3)
        app.state.context.engine.dispose()
