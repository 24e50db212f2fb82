"""Artifacts are named by what they are built from, and built once: a model's GLB, USDZ and PNG
from one scene, under one hash."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

import arservice
from arservice.errors import BuildError, ErrorItem, ParameterError
from arservice.parametric import Template
from arservice.parametric.scene import Scene
from arservice.render import RendererUnavailableError, render_preview
from arservice.services import artifacts, models
from arservice.services.artifacts import (
    ArtifactBuilder,
    ArtifactRef,
    ModelArtifacts,
    artifact_hash,
    canonical_params,
)
from arservice.store.blobs import BlobStore, LocalBlobStore, MemoryBlobStore
from arservice.store.builtin import builtin_template, material_library

BUILDER = ArtifactBuilder()
"""One builder for the tests that need no lock registry of their own."""


@pytest.fixture
def gym() -> Template:
    return builtin_template("outdoor-gym")


@pytest.fixture(params=["local", "memory"])
def blobs(request: pytest.FixtureRequest, tmp_path: Any) -> BlobStore:
    return LocalBlobStore(tmp_path / "blobs") if request.param == "local" else MemoryBlobStore()


class BuildSpy:
    """Counts the model builds of both ways in, the GLB alone (``build_model``) and the files
    from one scene (``model_scene``), calling the real ones; ``delay`` widens the race window."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self._lock = threading.Lock()

    def wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
            time.sleep(self.delay)
            return real(*args, **kwargs)

        return counted


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> BuildSpy:
    spy = BuildSpy(delay=0.2)
    monkeypatch.setattr(artifacts, "build_model", spy.wrap(artifacts.build_model))
    monkeypatch.setattr(artifacts, "model_scene", spy.wrap(artifacts.model_scene))
    return spy


@pytest.fixture
def no_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without Mesa's EGL: the renderer raises as it would there."""

    def unavailable(scene: Scene, **kwargs: Any) -> bytes:
        raise RendererUnavailableError("no EGL here (a test)")

    monkeypatch.setattr(models, "render_preview", unavailable)
    monkeypatch.setattr(models, "_warned", threading.Event())


def built_kinds(model: ModelArtifacts) -> list[str]:
    return [ref.kind for ref in model.refs if ref.built]


def test_the_hash_is_64_hex_digits_and_repeatable() -> None:
    one = artifact_hash("outdoor-gym", 1, {"stations": 4, "spacing": 3.5})
    assert len(one) == 64
    assert set(one) <= set("0123456789abcdef")
    assert artifact_hash("outdoor-gym", 1, {"spacing": 3.5, "stations": 4}) == one


@pytest.mark.parametrize(
    ("template_id", "version", "params"),
    [
        ("outdoor-gym", 2, {"stations": 4, "spacing": 3.5}),
        ("playground", 1, {"stations": 4, "spacing": 3.5}),
        ("outdoor-gym", 1, {"stations": 5, "spacing": 3.5}),
        ("outdoor-gym", 1, {"stations": 4, "spacing": 3.5000000000000004}),
        ("outdoor-gym", 1, {"stations": "4", "spacing": 3.5}),
    ],
)
def test_any_other_input_is_another_hash(
    template_id: str, version: int, params: dict[str, Any]
) -> None:
    assert artifact_hash(template_id, version, params) != artifact_hash(
        "outdoor-gym", 1, {"stations": 4, "spacing": 3.5}
    )


def test_a_new_generator_version_is_another_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    before = artifact_hash("outdoor-gym", 1, {"stations": 4})
    monkeypatch.setattr(artifacts, "__version__", arservice.__version__ + ".post1")
    assert artifact_hash("outdoor-gym", 1, {"stations": 4}) != before


def test_the_canonical_json_is_documented() -> None:
    text = (
        '{"generator":"' + arservice.__version__ + '","params":{"a":2.5,"b":true,"c":"#ffffff"},'
        '"template":"t","version":3}'
    )
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert artifact_hash("t", 3, {"c": "#ffffff", "b": True, "a": 2.5}) == expected


def test_defaults_and_number_spellings_are_one_artifact(gym: Template) -> None:
    defaults = canonical_params(gym, {})
    assert canonical_params(gym, {"stations": 4, "spacing": 3.5}) == defaults
    assert canonical_params(gym, {"spacing": 3}) == canonical_params(gym, {"spacing": 3.0})
    assert isinstance(canonical_params(gym, {"spacing": 3})["spacing"], float)
    assert isinstance(canonical_params(gym, {"stations": 5.0})["stations"], int)


def test_a_model_is_built_once_and_found_after(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    spy.delay = 0
    first = BUILDER.ensure_glb(gym, {"stations": 5}, library=material_library(), blobs=blobs)
    again = BUILDER.ensure_glb(gym, {"stations": 5}, library=material_library(), blobs=blobs)
    assert (first.built, again.built) == (True, False)
    assert first.sha256 == again.sha256
    assert first.key == again.key == f"artifacts/{first.sha256}.glb"
    assert blobs.get(first.key).startswith(b"glTF")
    assert first.size == again.size == blobs.size(first.key)
    assert spy.calls == 1


def test_bad_values_are_refused_before_any_build(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    with pytest.raises(ParameterError) as caught:
        BUILDER.ensure_glb(gym, {"stations": 99}, library=material_library(), blobs=blobs)
    assert [item.loc for item in caught.value.items] == ["stations"]
    assert spy.calls == 0


def ask_at_once(count: int, ask: Callable[[int], Any]) -> list[Any]:
    """``ask(i)`` from ``count`` threads released together; their results (errors re-raised)."""
    start = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            results.append(ask(i))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == count
    return results


RING = {"stations": 9, "layout": "ring"}


def test_eight_threads_asking_for_one_new_glb_build_it_once(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    builder = ArtifactBuilder()
    results = ask_at_once(
        8, lambda i: builder.ensure_glb(gym, RING, library=material_library(), blobs=blobs)
    )
    assert spy.calls == 1
    assert sorted(ref.built for ref in results) == [False] * 7 + [True]
    assert len({ref.sha256 for ref in results}) == 1
    assert builder.busy_keys() == frozenset()  # no lock is kept once nobody waits


def test_eight_threads_asking_for_one_new_model_build_its_three_files_once(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    builder = ArtifactBuilder()
    results: list[ModelArtifacts] = ask_at_once(
        8, lambda i: builder.ensure_model(gym, RING, library=material_library(), blobs=blobs)
    )
    assert spy.calls == 1  # one scene
    assert sorted(built_kinds(model) for model in results) == [[]] * 7 + [["glb", "usdz", "png"]]
    assert len({model.sha256 for model in results}) == 1
    assert builder.busy_keys() == frozenset()


def test_a_preview_and_publishes_at_once_build_the_model_once(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    """The staff preview (GLB alone) and publishing (three files) share the model's lock: the
    GLB is made once whichever comes first, and the scene at most once more for the rest."""
    builder = ArtifactBuilder()

    def ask(i: int) -> ArtifactRef | ModelArtifacts:
        if i % 2:
            return builder.ensure_glb(gym, RING, library=material_library(), blobs=blobs)
        return builder.ensure_model(gym, RING, library=material_library(), blobs=blobs)

    results = ask_at_once(6, ask)
    refs = [ref for r in results for ref in (r.refs if isinstance(r, ModelArtifacts) else [r])]
    built = sorted(ref.kind for ref in refs if ref.built)
    assert built == ["glb", "png", "usdz"]
    assert spy.calls <= 2
    assert builder.busy_keys() == frozenset()


def test_a_build_in_progress_does_not_hold_up_another_model(
    gym: Template, blobs: BlobStore
) -> None:
    builder = ArtifactBuilder()
    busy_key = artifacts.artifact_key(artifact_hash(gym.id, gym.version, {}), "glb")
    refs = []
    with builder._exclusive(busy_key):  # as if another model were being built
        other = threading.Thread(
            target=lambda: refs.append(
                builder.ensure_glb(gym, {"stations": 3}, library=material_library(), blobs=blobs)
            )
        )
        other.start()
        other.join(timeout=60)
    assert [ref.built for ref in refs] == [True]


def test_a_failed_build_stores_nothing(
    gym: Template, blobs: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(artifacts, "build_model", fail)
    builder = ArtifactBuilder()
    with pytest.raises(RuntimeError):
        builder.ensure_glb(gym, {}, library=material_library(), blobs=blobs)
    sha256 = artifact_hash(gym.id, gym.version, canonical_params(gym, {}))
    assert blobs.size(f"artifacts/{sha256}.glb") is None
    assert builder.busy_keys() == frozenset()


# --- the GLB, the USDZ and the PNG from one scene ----------------------------------------------


def test_a_model_is_three_files_under_one_hash_built_once(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    spy.delay = 0
    first = BUILDER.ensure_model(gym, {"stations": 5}, library=material_library(), blobs=blobs)
    again = BUILDER.ensure_model(gym, {"stations": 5.0}, library=material_library(), blobs=blobs)
    sha256 = artifact_hash(gym.id, gym.version, canonical_params(gym, {"stations": 5}))
    assert first.sha256 == again.sha256 == sha256
    assert first.png is not None
    assert again.png is not None
    assert [ref.key for ref in first.refs] == [
        f"artifacts/{sha256}.glb",
        f"artifacts/{sha256}.usdz",
        f"artifacts/{sha256}.png",
    ]
    assert [ref.key for ref in again.refs] == [ref.key for ref in first.refs]
    assert (built_kinds(first), built_kinds(again)) == (["glb", "usdz", "png"], [])
    assert (first.built, again.built) == (True, False)
    assert spy.calls == 1
    assert blobs.get(first.glb.key).startswith(b"glTF")
    assert blobs.get(first.usdz.key).startswith(b"PK")
    with Image.open(io.BytesIO(blobs.get(first.png.key))) as image:
        assert (image.format, image.size) == ("PNG", (1024, 1024))
    assert [ref.size for ref in first.refs] == [blobs.size(ref.key) for ref in first.refs]
    assert (
        BUILDER.ensure_glb(gym, {"stations": 5}, library=material_library(), blobs=blobs)
        == again.glb
    )


def test_the_glb_of_a_preview_is_kept_and_only_the_rest_is_made(
    gym: Template, blobs: BlobStore, spy: BuildSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy.delay = 0
    glb = BUILDER.ensure_glb(gym, {"stations": 8}, library=material_library(), blobs=blobs)
    asked: list[list[str]] = []
    real_files = artifacts.model_files

    def files(scene: Scene, kinds: list[str]) -> dict[str, bytes]:
        asked.append(list(kinds))
        return real_files(scene, kinds)

    monkeypatch.setattr(artifacts, "model_files", files)
    model = BUILDER.ensure_model(gym, {"stations": 8}, library=material_library(), blobs=blobs)
    assert asked == [["usdz", "png"]]  # the GLB is not made again
    assert (model.glb.key, model.glb.size, model.glb.built) == (glb.key, glb.size, False)
    assert built_kinds(model) == ["usdz", "png"]
    assert spy.calls == 2


def test_a_model_built_before_previews_gets_just_its_png(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    spy.delay = 0
    first = BUILDER.ensure_model(gym, {"stations": 3}, library=material_library(), blobs=blobs)
    assert first.png is not None
    keep = {ref.kind: blobs.get(ref.key) for ref in first.refs}
    blobs_without_png = MemoryBlobStore()
    for kind in ("glb", "usdz"):
        blobs_without_png.put(artifacts.artifact_key(first.sha256, kind), keep[kind])
    later = BUILDER.ensure_model(
        gym, {"stations": 3}, library=material_library(), blobs=blobs_without_png
    )
    assert built_kinds(later) == ["png"]
    assert later.png is not None
    assert blobs_without_png.get(later.png.key) == keep["png"]  # the same bytes every time
    assert spy.calls == 2


@pytest.mark.usefixtures("no_renderer")
def test_without_a_renderer_the_model_is_made_without_its_png_and_filled_in_later(
    gym: Template,
    blobs: BlobStore,
    spy: BuildSpy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spy.delay = 0
    with caplog.at_level(logging.WARNING, logger="arservice.services.models"):
        one = BUILDER.ensure_model(gym, {"stations": 4}, library=material_library(), blobs=blobs)
        two = BUILDER.ensure_model(gym, {"stations": 6}, library=material_library(), blobs=blobs)
        again = BUILDER.ensure_model(gym, {"stations": 4}, library=material_library(), blobs=blobs)
    assert (one.png, two.png, again.png) == (None, None, None)
    assert built_kinds(one) == built_kinds(two) == ["glb", "usdz"]
    assert built_kinds(again) == []
    assert blobs.size(artifacts.artifact_key(one.sha256, "png")) is None
    warnings = [r for r in caplog.records if r.name == "arservice.services.models"]
    assert len(warnings) == 1  # once, not once a model
    assert "EGL" in warnings[0].getMessage()

    monkeypatch.setattr(models, "render_preview", render_preview)  # EGL installed since
    filled = BUILDER.ensure_model(gym, {"stations": 4}, library=material_library(), blobs=blobs)
    assert built_kinds(filled) == ["png"]
    assert filled.png is not None
    assert (filled.glb, filled.usdz) == (again.glb, again.usdz)


@pytest.mark.parametrize("failing", ["export_usdz", "model_glb"])
def test_a_failed_usdz_or_glb_stores_none_of_the_files(
    gym: Template, blobs: BlobStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def fail(scene: Scene) -> bytes:
        raise BuildError([ErrorItem("", "cannot (a test)")])

    monkeypatch.setattr(models, failing, fail)
    builder = ArtifactBuilder()
    with pytest.raises(BuildError):
        builder.ensure_model(gym, {"stations": 7}, library=material_library(), blobs=blobs)
    sha256 = artifact_hash(gym.id, gym.version, canonical_params(gym, {"stations": 7}))
    for kind in ("glb", "usdz", "png"):
        assert blobs.size(artifacts.artifact_key(sha256, kind)) is None
    assert builder.busy_keys() == frozenset()
