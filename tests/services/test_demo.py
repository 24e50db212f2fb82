"""Demo ideas: seeded and published once, on a new database only, with valid models: each a GLB,
a USDZ and a PNG preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete

from arservice.i18n import LANGUAGES
from arservice.services.demo import SEED_ACTION, load_demo_ideas, seed_demo_ideas
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.blobs import LocalBlobStore
from arservice.store.builtin import builtin_template_paths
from arservice.store.models import Idea
from arservice.web import create_app
from arservice.web.context import app_context
from tests.services.test_idea_artifacts import assert_model_files
from tests.support.gltf_validator import GltfValidator
from tests.web.conftest import TEST_SECRET, client_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def demo_settings(data: Path) -> Settings:
    return Settings(data_dir=data, secret_key=TEST_SECRET, demo_ideas=True)


def test_demo_ideas_are_complete_in_three_languages() -> None:
    entries = load_demo_ideas()
    assert 3 <= len(entries) <= 4
    for entry in entries:
        for texts in (entry.title, entry.summary, entry.description):
            assert set(texts) == set(LANGUAGES)
        assert entry.template is not None
        assert entry.template.id in builtin_template_paths()
        assert entry.site is not None
        assert 60.1 < entry.site.latitude < 60.3  # Helsinki
        assert 24.8 < entry.site.longitude < 25.2
        assert entry.pb is not None
        assert entry.pb.platform == "decidim"
        assert (entry.pb.url or "").startswith("https://omastadi.hel.fi/")


async def test_a_new_app_shows_the_demo_ideas_once(
    tmp_path: Path, gltf_validator: GltfValidator
) -> None:
    app = create_app(demo_settings(tmp_path), blobs=LocalBlobStore(tmp_path / "blobs"))
    async with client_for(app) as client:
        listed = (await client.get("/api/v1/ideas")).json()["ideas"]
        assert sorted(idea["slug"] for idea in listed) == sorted(
            entry.slug or "" for entry in load_demo_ideas()
        )
        assert all(idea["status"] == "published" for idea in listed)
        for idea in listed:
            assert idea["title"]["sv"]
            files = []
            for kind in ("glb", "usdz", "png"):
                url = idea["artifacts"][kind]
                assert url == idea["artifacts"]["glb"].replace(".glb", f".{kind}")
                response = await client.get(url)
                assert response.status_code == 200
                files.append(response.content)
            assert_model_files(*files, tmp_path, gltf_validator)
    with app_context(app).transaction() as session:
        [entry] = repo.list_audit(session, action=SEED_ACTION)
        assert entry.actor_id is None
        assert len(repo.list_audit(session, action="idea.publish")) == len(listed)

    again = create_app(demo_settings(tmp_path), blobs=LocalBlobStore(tmp_path / "blobs"))
    with app_context(again).transaction() as session:
        assert len(repo.list_ideas(session)) == len(listed)
        assert len(repo.list_audit(session, action=SEED_ACTION)) == 1


def test_deleted_demo_ideas_do_not_come_back(tmp_path: Path) -> None:
    app = create_app(demo_settings(tmp_path), blobs=LocalBlobStore(tmp_path / "blobs"))
    context = app_context(app)
    with context.transaction() as session:
        session.execute(delete(Idea))
    with context.transaction() as session:
        assert seed_demo_ideas(session, context.blobs, context.artifacts) == []
        assert repo.list_ideas(session) == []


def test_a_database_with_ideas_is_not_seeded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=TEST_SECRET, demo_ideas=False)
    context = app_context(create_app(settings, blobs=LocalBlobStore(tmp_path / "blobs")))
    with context.transaction() as session:
        session.add(Idea(slug="oma", title={"fi": "Oma"}))
    with context.transaction() as session:
        assert seed_demo_ideas(session, context.blobs, context.artifacts) == []
        assert [idea.slug for idea in repo.list_ideas(session)] == ["oma"]
        assert repo.list_audit(session, action=SEED_ACTION) == []
