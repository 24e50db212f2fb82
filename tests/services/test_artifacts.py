"""Artifacts are named by what they are built from, and built once."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

import arservice
from arservice.errors import ParameterError
from arservice.parametric import Template
from arservice.services import artifacts
from arservice.services.artifacts import (
    ArtifactBuilder,
    artifact_hash,
    canonical_params,
    ensure_glb,
)
from arservice.services.models import BuiltModel
from arservice.store.blobs import BlobStore, LocalBlobStore, MemoryBlobStore
from arservice.store.builtin import builtin_template, material_library


@pytest.fixture
def gym() -> Template:
    return builtin_template("outdoor-gym")


@pytest.fixture(params=["local", "memory"])
def blobs(request: pytest.FixtureRequest, tmp_path: Any) -> BlobStore:
    return LocalBlobStore(tmp_path / "blobs") if request.param == "local" else MemoryBlobStore()


class BuildSpy:
    """Calls the real ``build_model``, counting the calls; ``delay`` widens the race window."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self._real = artifacts.build_model
        self._lock = threading.Lock()

    def __call__(self, template: Template, values: Mapping[str, Any], **kwargs: Any) -> BuiltModel:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return self._real(template, values, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> BuildSpy:
    spy = BuildSpy(delay=0.2)
    monkeypatch.setattr(artifacts, "build_model", spy)
    return spy


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
    first = ensure_glb(gym, {"stations": 5}, library=material_library(), blobs=blobs)
    again = ensure_glb(gym, {"stations": 5}, library=material_library(), blobs=blobs)
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
        ensure_glb(gym, {"stations": 99}, library=material_library(), blobs=blobs)
    assert [item.loc for item in caught.value.items] == ["stations"]
    assert spy.calls == 0


def test_eight_threads_asking_for_one_new_model_build_it_once(
    gym: Template, blobs: BlobStore, spy: BuildSpy
) -> None:
    builder = ArtifactBuilder()
    start = threading.Barrier(8)
    results = []
    errors = []

    def ask() -> None:
        start.wait()
        try:
            ref = builder.ensure_glb(
                gym, {"stations": 9, "layout": "ring"}, library=material_library(), blobs=blobs
            )
            results.append(ref)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert spy.calls == 1
    assert sorted(ref.built for ref in results) == [False] * 7 + [True]
    assert len({ref.sha256 for ref in results}) == 1
    assert builder.busy_keys() == frozenset()  # no lock is kept once nobody waits


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
    def fail(*args: Any, **kwargs: Any) -> BuiltModel:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(artifacts, "build_model", fail)
    builder = ArtifactBuilder()
    with pytest.raises(RuntimeError):
        builder.ensure_glb(gym, {}, library=material_library(), blobs=blobs)
    sha256 = artifact_hash(gym.id, gym.version, canonical_params(gym, {}))
    assert blobs.size(f"artifacts/{sha256}.glb") is None
    assert builder.busy_keys() == frozenset()
