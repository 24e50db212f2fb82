"""An idea's artifacts: its model built (once) from its template version and values, or from its
uploaded GLB, as a GLB, a USDZ and a PNG preview made from one scene, stored content-addressed
under one hash, recorded, and named on the idea.

An uploaded whole model is rebuilt through the generator as a one-part template, so it meets the
model contract like any template's model (centred on its footprint, standing on y = 0, one
primitive per material). Its artifact hash is of ``{generator, upload}``, a document no template
build hashes, so the two kinds never share a name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from arservice import __version__
from arservice.errors import ConflictError, ErrorItem
from arservice.i18n import N_
from arservice.parametric import Template, load_template
from arservice.services.artifacts import ArtifactBuilder, ModelArtifacts, canonical_params
from arservice.services.models import model_scene
from arservice.services.templates import stored_template
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import material_library
from arservice.store.models import ArtifactKind, Idea

UPLOAD_PREFIX = "uploads"
UPLOAD_ASSET = "model.glb"
UPLOAD_TEMPLATE = f"""format: arservice/template@1
id: uploaded-model
version: 1
title: {{fi: Ladattu malli, sv: Uppladdad modell, en: Uploaded model}}
parts:
  - {{asset: {UPLOAD_ASSET}}}
"""


MSG_NO_MODEL = N_(
    "the idea has no model yet: give it a template with parameter values, or upload a model, "
    "then publish it"
)


# --- building ----------------------------------------------------------------------------------


def build_idea_artifacts(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, idea: Idea
) -> ModelArtifacts:
    """The idea's GLB, USDZ and PNG, those missing built from one scene, recorded, and named on
    the idea (all three by the same hash; ``png_sha256`` None while the renderer is unavailable).
    ConflictError when the idea has no model; the ArServiceError of a failed build (then the idea
    is unchanged and nothing is stored)."""
    built, source = ensure_idea_files(session, blobs, builder, idea)
    name_artifacts(session, idea, built, source)
    return built


def ensure_idea_files(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, idea: Idea
) -> tuple[ModelArtifacts, dict[str, Any]]:
    """The idea's files in the blob store, those missing built, and what they are built from;
    reads the database only, so it may run outside a write transaction."""
    if idea.template_id is not None and idea.template_version is not None:
        stored = stored_template(session, blobs, idea.template_id, idea.template_version)
        built = builder.ensure_model(
            stored.template,
            dict(idea.params),
            library=material_library(),
            blobs=blobs,
            asset_files=stored.asset_files,
        )
        source: dict[str, Any] = {
            "generator": __version__,
            "template": idea.template_id,
            "version": idea.template_version,
            "params": canonical_params(stored.template, dict(idea.params)),
        }
        return built, source
    if idea.uploaded_glb_key is not None:
        key = idea.uploaded_glb_key
        upload_sha = key.removeprefix(f"{UPLOAD_PREFIX}/").removesuffix(".glb")
        built = ensure_uploaded_model(builder, blobs, upload_sha, lambda: blobs.get(key))
        return built, {"generator": __version__, "upload": upload_sha}
    raise ConflictError([ErrorItem("", MSG_NO_MODEL)])


def name_artifacts(
    session: Session, idea: Idea, built: ModelArtifacts, source: dict[str, Any]
) -> None:
    """Record the model's files and name them on the idea."""
    record_artifacts(session, built, source)
    idea.glb_sha256 = built.glb.sha256
    idea.usdz_sha256 = built.usdz.sha256
    idea.png_sha256 = None if built.png is None else built.png.sha256


def upload_key(upload_sha: str) -> str:
    """The blob key of an uploaded model's original bytes: ``uploads/<sha256>.glb``."""
    return f"{UPLOAD_PREFIX}/{upload_sha}.glb"


def upload_artifact_hash(upload_sha: str) -> str:
    """The artifact hash of an uploaded model: of ``{generator, upload}``, a document no template
    build hashes (those have ``template``, ``version`` and ``params``), so the two never meet."""
    document = {"generator": __version__, "upload": upload_sha}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _upload_template() -> Template:
    return load_template(UPLOAD_TEMPLATE, material_library())


def ensure_uploaded_model(
    builder: ArtifactBuilder, blobs: BlobStore, upload_sha: str, read: Callable[[], bytes]
) -> ModelArtifacts:
    """The uploaded model rebuilt to the model contract (centred, on the ground, one primitive per
    material) through the generator, as a one-part template, and its USDZ and PNG from the same
    scene; built once, then found."""
    return builder.ensure_artifacts(
        upload_artifact_hash(upload_sha),
        lambda: model_scene(
            _upload_template(), {}, library=material_library(), asset_files={UPLOAD_ASSET: read()}
        ),
        blobs=blobs,
    )


def record_artifacts(session: Session, built: ModelArtifacts, source: dict[str, Any]) -> None:
    """An Artifact row for each of the model's files (kept when there is one already)."""
    plain = json.loads(json.dumps(source))
    for ref in built.refs:
        repo.record_artifact(
            session,
            sha256=ref.sha256,
            kind=ArtifactKind(ref.kind),
            blob_key=ref.key,
            size=ref.size,
            source=plain,
        )
