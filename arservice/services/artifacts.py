"""Artifacts: built models, named by what they were built from, built once, kept in a blob store.

    builder = ArtifactBuilder()
    model = builder.ensure_model(template, {"stations": 5}, library=library, blobs=blobs)
    model.glb.key      # "artifacts/<sha256>.glb", served as /a/<sha256>.glb
    model.usdz.key     # "artifacts/<sha256>.usdz" (AR Quick Look on iPhones)
    model.png          # "artifacts/<sha256>.png", 1024 px square; None when no renderer
    model.glb.built    # True only for the call that built it

    ref = builder.ensure_glb(template, {"stations": 5}, library=library, blobs=blobs)  # GLB only

Content addressing (the model contract): an artifact's name is
``sha256(canonical JSON of {generator, template, version, params})`` where

- ``generator`` is ``arservice.__version__``: a new release may build different bytes;
- ``template`` and ``version`` name one immutable template version (its component GLBs
  included: a changed template or component is a new version);
- ``params`` is every parameter's value after checking, defaults filled in, so ``{}`` and the
  defaults spelled out are one artifact. Numbers of a ``number``/``length``/``angle`` parameter
  are floats (``2`` and ``2.0`` are the same value), and floats are written in Python's ``repr``
  form (the shortest text that reads back to the same float), which is what ``json.dumps``
  writes. Keys are sorted, separators are fixed, text is UTF-8.

The GLB, the USDZ and the PNG preview of one model share the hash and differ in extension.
:meth:`ArtifactBuilder.ensure_model` builds the scene once and makes every file that is missing
from it (all three for new inputs; only the USDZ and PNG of a model whose GLB a template preview
built; only the PNG of one built before previews existed, or while the renderer was missing).
All the files are made before any is stored, so a failed GLB or USDZ stores nothing; the PNG
alone may be left out: when the machine cannot render (no Mesa EGL), the model is still whole
for AR and a later call fills the PNG in.

Building once: an artifact already in the store is never built again. Within one process,
:class:`ArtifactBuilder` keeps one lock per model hash, so concurrent requests for the same new
model build it once and the others wait for it. Across processes (several workers or hosts)
nothing is shared: two processes may build the same model at the same moment; the blob store's
atomic ``put`` makes that harmless (both write the same bytes, readers see one whole file).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from arservice import __version__
from arservice.parametric import Template, resolve_params
from arservice.parametric.scene import Scene, Value
from arservice.parametric.schema import MaterialSchema
from arservice.services.models import FILE_KINDS, build_model, model_files, model_scene
from arservice.store.blobs import BlobStore

FLOAT_TYPES = frozenset({"number", "length", "angle"})
"""Parameter types whose values are hashed as floats."""
ARTIFACT_PREFIX = "artifacts"
"""Blob keys of artifacts: ``artifacts/<sha256>.<ext>``."""


@dataclass(frozen=True)
class ArtifactRef:
    """An artifact in the blob store: its hash, its blob key, its size, and whether this call
    built it (False: it was there already)."""

    sha256: str
    key: str
    size: int
    built: bool

    @property
    def kind(self) -> str:
        """``glb``, ``usdz`` or ``png``: the key's extension."""
        return self.key.rsplit(".", 1)[1]


@dataclass(frozen=True)
class ModelArtifacts:
    """One model's files under one hash: the GLB and the USDZ always, the PNG preview unless
    the renderer is unavailable on this machine (None: a later call makes it)."""

    sha256: str
    glb: ArtifactRef
    usdz: ArtifactRef
    png: ArtifactRef | None

    @property
    def refs(self) -> tuple[ArtifactRef, ...]:
        """The files there are, GLB first."""
        return tuple(ref for ref in (self.glb, self.usdz, self.png) if ref is not None)

    @property
    def built(self) -> bool:
        """Whether this call built any of them."""
        return any(ref.built for ref in self.refs)

    def also_built_by(self, earlier: ModelArtifacts | None) -> ModelArtifacts:
        """These files, marked built where ``earlier`` (a call for the same model just before,
        such as one made outside a transaction) built them."""
        if earlier is None or earlier.sha256 != self.sha256:
            return self
        made = {ref.kind for ref in earlier.refs if ref.built}

        def mark(ref: ArtifactRef) -> ArtifactRef:
            if ref.kind not in made:
                return ref
            return ArtifactRef(ref.sha256, ref.key, ref.size, built=True)

        png = None if self.png is None else mark(self.png)
        return ModelArtifacts(self.sha256, mark(self.glb), mark(self.usdz), png)


def artifact_key(sha256: str, ext: str) -> str:
    """The blob key of an artifact: ``artifacts/<sha256>.<ext>``."""
    return f"{ARTIFACT_PREFIX}/{sha256}.{ext}"


def canonical_params(template: Template, values: Mapping[str, Any]) -> dict[str, Value]:
    """Every parameter's checked value, defaults filled in, numbers as floats where the
    parameter is a number; raises ParameterError."""
    resolved = resolve_params(template.params, values)
    for name, param in template.params.items():
        value = resolved[name]
        if param.type in FLOAT_TYPES and isinstance(value, int | float):
            resolved[name] = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0
    return resolved


def artifact_hash(template_id: str, version: int, params: Mapping[str, Value]) -> str:
    """The sha256 (64 lowercase hex digits) naming the model built from these inputs."""
    document = {
        "generator": __version__,
        "template": template_id,
        "version": version,
        "params": dict(sorted(params.items())),
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ArtifactBuilder:
    """Builds artifacts at most once per process: one lock per blob key while it is built.

    Locks exist only while someone holds or waits for them, so the registry does not grow with
    the number of artifacts ever built.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def busy_keys(self) -> frozenset[str]:
        """The models (``artifacts/<sha256>``) being built or waited for right now."""
        with self._guard:
            return frozenset(self._locks)

    @contextmanager
    def _exclusive(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def ensure_model(
        self,
        template: Template,
        values: Mapping[str, Any],
        *,
        library: Mapping[str, MaterialSchema],
        blobs: BlobStore,
        asset_files: Mapping[str, bytes] | None = None,
    ) -> ModelArtifacts:
        """The GLB, USDZ and PNG of ``template`` with ``values``: those not stored yet are made
        from one scene and stored.

        Raises ParameterError for bad values and the ArServiceError of a failed build; a failed
        build stores nothing.
        """
        params = canonical_params(template, values)
        sha256 = artifact_hash(template.id, template.version, params)
        return self.ensure_artifacts(
            sha256,
            lambda: model_scene(template, params, library=library, asset_files=asset_files),
            blobs=blobs,
        )

    def ensure_artifacts(
        self, sha256: str, scene: Callable[[], Scene], *, blobs: BlobStore
    ) -> ModelArtifacts:
        """The files of the model named ``sha256``: any missing are made from ``scene()`` (called
        at most once, and only when something is missing) and stored, under this model's lock."""
        sizes = _stored(blobs, sha256)
        built: set[str] = set()
        if len(sizes) < len(FILE_KINDS):
            with self._exclusive(_lock_key(sha256)):
                sizes = _stored(blobs, sha256)  # built while this call waited for the lock
                missing = [kind for kind in FILE_KINDS if kind not in sizes]
                if missing:
                    files = model_files(scene(), missing)
                    for kind, data in files.items():
                        blobs.put(artifact_key(sha256, kind), data)
                        sizes[kind] = len(data)
                    built = set(files)
        refs = {
            kind: ArtifactRef(sha256, artifact_key(sha256, kind), size, built=kind in built)
            for kind, size in sizes.items()
        }
        return ModelArtifacts(sha256, refs["glb"], refs["usdz"], refs.get("png"))

    def ensure_glb(
        self,
        template: Template,
        values: Mapping[str, Any],
        *,
        library: Mapping[str, MaterialSchema],
        blobs: BlobStore,
        asset_files: Mapping[str, bytes] | None = None,
    ) -> ArtifactRef:
        """The GLB alone of ``template`` with ``values``, built and stored unless it is there
        already (a quick preview: its USDZ and PNG are made when an idea is published with it).

        Raises ParameterError for bad values and the ArServiceError of a failed build; a failed
        build stores nothing.
        """
        params = canonical_params(template, values)
        sha256 = artifact_hash(template.id, template.version, params)
        key = artifact_key(sha256, "glb")
        size = blobs.size(key)
        if size is not None:
            return ArtifactRef(sha256, key, size, built=False)
        with self._exclusive(_lock_key(sha256)):
            size = blobs.size(key)  # built while this call waited for the lock
            if size is not None:
                return ArtifactRef(sha256, key, size, built=False)
            model = build_model(template, params, library=library, asset_files=asset_files)
            blobs.put(key, model.glb)
            return ArtifactRef(sha256, key, len(model.glb), built=True)


def _lock_key(sha256: str) -> str:
    return f"{ARTIFACT_PREFIX}/{sha256}"


def _stored(blobs: BlobStore, sha256: str) -> dict[str, int]:
    """The sizes of the model's files in the store, by kind."""
    sizes = {kind: blobs.size(artifact_key(sha256, kind)) for kind in FILE_KINDS}
    return {kind: size for kind, size in sizes.items() if size is not None}
