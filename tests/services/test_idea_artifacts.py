"""An idea's model as three files from one scene: the GLB (valid glTF), the USDZ (metres, Y up, the
GLB's bounds) and the 1024 px PNG preview, under one hash, recorded and named on the idea; made
once; the PNG left for later when the machine cannot render; nothing changed when a file fails.

:func:`assert_model_files` checks the three with the real tools (the Khronos validator, usd-core,
Pillow); the web tests use it too.
"""

from __future__ import annotations

import io
import itertools
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pxr import Usd, UsdGeom
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arservice.errors import BuildError, ErrorItem
from arservice.gltf import inspect_glb
from arservice.parametric.scene import Scene
from arservice.render import RendererUnavailableError
from arservice.services import ideas, models
from arservice.services.artifacts import ArtifactBuilder, artifact_key
from arservice.services.demo import load_demo_ideas
from arservice.services.idea_input import IdeaCreate, IdeaUpdate
from arservice.store import repositories as repo
from arservice.store.blobs import MemoryBlobStore
from arservice.store.models import Artifact, ArtifactKind, Idea, IdeaStatus
from tests.services.test_ideas import off_centre_glb
from tests.support.gltf_validator import GltfValidator

_files = itertools.count()


def assert_model_files(
    glb: bytes, usdz: bytes, png: bytes, directory: Path, validator: GltfValidator
) -> None:
    """The GLB passes the Khronos validator; the USDZ opens in usd-core in metres, Y up, with the
    GLB's bounds; the PNG is a 1024 x 1024 picture with something drawn on it."""
    validator.check([glb])
    path = directory / f"model-{next(_files)}.usdz"  # usd-core caches layers by path
    path.write_bytes(usdz)
    stage = Usd.Stage.Open(str(path))
    assert stage, "usd-core opens the USDZ"
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_])
    box = cache.ComputeWorldBound(stage.GetPseudoRoot()).ComputeAlignedRange()
    stats = inspect_glb(glb)
    np.testing.assert_allclose(np.array(box.GetMin()), stats.bounds_min, atol=1e-4)
    np.testing.assert_allclose(np.array(box.GetMax()), stats.bounds_max, atol=1e-4)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (1024, 1024))
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    background = pixels[0, 0]
    differs = np.abs(pixels - background).max(axis=2) > 24
    assert differs.mean() > 0.02, "the model shows on the preview (not a blank picture)"


# --- fixtures ----------------------------------------------------------------------------------


class Renderer:
    """The preview renderer, switched off and on as Mesa's EGL missing or installed would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.available = True
        self.calls = 0
        self._real = models.render_preview
        monkeypatch.setattr(models, "render_preview", self)
        monkeypatch.setattr(models, "_warned", threading.Event())

    def __call__(self, scene: Scene, **kwargs: Any) -> bytes:
        self.calls += 1
        if not self.available:
            raise RendererUnavailableError("no EGL on this machine (a test)")
        return self._real(scene, **kwargs)


@pytest.fixture
def renderer(monkeypatch: pytest.MonkeyPatch) -> Renderer:
    return Renderer(monkeypatch)


def demo_like(session: Session, blobs: MemoryBlobStore, slug: str) -> Idea:
    """A draft made from the first demo idea (its template and values), under ``slug``."""
    entry = load_demo_ideas()[0].model_copy(update={"slug": slug})
    return ideas.create_idea(session, blobs, entry, actor_id=None)


def files_of(blobs: MemoryBlobStore, idea: Idea) -> tuple[bytes, bytes, bytes]:
    assert idea.glb_sha256 is not None
    assert idea.usdz_sha256 is not None
    assert idea.png_sha256 is not None
    return (
        blobs.get(artifact_key(idea.glb_sha256, "glb")),
        blobs.get(artifact_key(idea.usdz_sha256, "usdz")),
        blobs.get(artifact_key(idea.png_sha256, "png")),
    )


def keys(blobs: MemoryBlobStore) -> list[str]:
    return sorted(blobs._blobs)


def artifact_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Artifact)) or 0


# --- publishing --------------------------------------------------------------------------------


def test_publishing_makes_three_valid_files_under_one_hash(
    session: Session,
    blobs: MemoryBlobStore,
    builder: ArtifactBuilder,
    tmp_path: Path,
    gltf_validator: GltfValidator,
) -> None:
    idea = demo_like(session, blobs, "kapyla")
    outcome = ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert outcome.artifacts is not None
    sha256 = outcome.artifacts.sha256
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == sha256
    assert keys(blobs) == sorted(f"artifacts/{sha256}.{kind.value}" for kind in ArtifactKind)
    assert_model_files(*files_of(blobs, idea), tmp_path, gltf_validator)
    for kind in ArtifactKind:
        row = repo.get_artifact(session, sha256, kind)
        assert row is not None
        assert (row.blob_key, row.size) == (
            f"artifacts/{sha256}.{kind.value}",
            blobs.size(row.blob_key),
        )


def test_an_uploaded_model_gets_all_three_files(
    session: Session,
    blobs: MemoryBlobStore,
    builder: ArtifactBuilder,
    tmp_path: Path,
    gltf_validator: GltfValidator,
) -> None:
    idea = demo_like(session, blobs, "kioski")
    ideas.upload_model(session, blobs, builder, idea.slug, off_centre_glb(), actor_id=None)
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 is not None
    glb, usdz, png = files_of(blobs, idea)
    assert_model_files(glb, usdz, png, tmp_path, gltf_validator)
    assert inspect_glb(glb).bounds_min[1] == pytest.approx(0.0, abs=1e-5)  # on the ground


def test_an_idea_built_before_usdz_and_png_gets_just_those_on_its_next_publish(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder, renderer: Renderer
) -> None:
    idea = demo_like(session, blobs, "vanha")
    ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    sha256 = idea.glb_sha256
    assert sha256 is not None
    glb = blobs.get(artifact_key(sha256, "glb"))
    old = MemoryBlobStore()  # the store as it was: the GLB only, the idea naming it alone
    old.put(artifact_key(sha256, "glb"), glb)
    for key in keys(blobs):
        if not key.startswith("artifacts/"):
            old.put(key, blobs.get(key))
    idea.usdz_sha256 = idea.png_sha256 = None
    again = ideas.publish_idea(session, old, builder, idea.slug, actor_id=None)
    assert again.artifacts is not None
    assert [ref.kind for ref in again.artifacts.refs if ref.built] == ["usdz", "png"]
    assert idea.glb_sha256 == idea.usdz_sha256 == idea.png_sha256 == sha256
    assert old.get(artifact_key(sha256, "glb")) == glb
    entries = repo.list_audit(session, action="idea.publish", target_id=idea.slug)
    assert entries[0].details["built"] == ["usdz", "png"]
    assert entries[0].details["from"] == "published"


def test_without_a_renderer_an_idea_is_published_without_its_png_and_it_comes_later(
    session: Session,
    blobs: MemoryBlobStore,
    builder: ArtifactBuilder,
    renderer: Renderer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    renderer.available = False
    one = demo_like(session, blobs, "yksi")
    two = ideas.create_idea(
        session,
        blobs,
        IdeaCreate.model_validate(
            {"title": {"fi": "Kaksi"}, "template": {"id": "rest-area", "params": {}}}
        ),
        actor_id=None,
    )
    with caplog.at_level(logging.WARNING):
        first = ideas.publish_idea(session, blobs, builder, one.slug, actor_id=None)
        ideas.publish_idea(session, blobs, builder, two.slug, actor_id=None)
        same = ideas.publish_idea(session, blobs, builder, one.slug, actor_id=None)
    assert first.artifacts is not None
    assert first.artifacts.png is None
    for idea in (one, two):
        assert idea.status is IdeaStatus.PUBLISHED
        assert idea.glb_sha256 == idea.usdz_sha256 is not None
        assert idea.png_sha256 is None
        assert repo.get_artifact(session, idea.glb_sha256, ArtifactKind.PNG) is None
        assert blobs.size(artifact_key(idea.glb_sha256, "png")) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "preview" in warnings[0].getMessage()
    assert same.artifacts is not None
    assert not same.artifacts.built
    assert len(repo.list_audit(session, action="idea.publish", target_id=one.slug)) == 1

    renderer.available = True
    filled = ideas.publish_idea(session, blobs, builder, one.slug, actor_id=None)
    assert filled.artifacts is not None
    assert [ref.kind for ref in filled.artifacts.refs if ref.built] == ["png"]
    assert one.png_sha256 == one.glb_sha256
    assert repo.get_artifact(session, one.glb_sha256, ArtifactKind.PNG) is not None
    entries = repo.list_audit(session, action="idea.publish", target_id=one.slug)
    assert [entry.details["built"] for entry in entries] == [["png"], ["glb", "usdz"]]
    assert entries[1].details["png"] is None
    assert entries[0].details["png"] == one.glb_sha256


def test_an_edit_while_the_renderer_is_missing_clears_the_old_png(
    session: Session, blobs: MemoryBlobStore, builder: ArtifactBuilder, renderer: Renderer
) -> None:
    idea = demo_like(session, blobs, "muokattu")
    ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    old = idea.png_sha256
    renderer.available = False
    change = IdeaUpdate.model_validate(
        {"template": {"id": "outdoor-gym", "params": {"stations": 7}}}
    )
    outcome = ideas.update_idea(session, blobs, builder, idea.slug, change, actor_id=None)
    assert outcome.artifacts is not None
    assert idea.glb_sha256 == idea.usdz_sha256 == outcome.artifacts.sha256 != old
    assert idea.png_sha256 is None  # never the old model's picture


@pytest.mark.parametrize("failing", ["export_usdz", "model_glb"])
def test_a_file_that_cannot_be_made_changes_nothing(
    session: Session,
    blobs: MemoryBlobStore,
    builder: ArtifactBuilder,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    idea = demo_like(session, blobs, "rikki")
    before = keys(blobs)

    def fail(scene: Scene) -> bytes:
        raise BuildError([ErrorItem("", "cannot (a test)")])

    monkeypatch.setattr(models, failing, fail)
    with pytest.raises(BuildError):
        ideas.publish_idea(session, blobs, builder, idea.slug, actor_id=None)
    assert idea.status is IdeaStatus.DRAFT
    assert (idea.glb_sha256, idea.usdz_sha256, idea.png_sha256) == (None, None, None)
    assert keys(blobs) == before
    assert artifact_rows(session) == 0
    assert not repo.list_audit(session, action="idea.publish")
