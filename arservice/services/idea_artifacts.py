"""An idea's artifacts: its model built (once) from its template version and values, or from its
uploaded GLB, stored content-addressed and recorded.

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
from arservice.services.artifacts import (
    ArtifactBuilder,
    ArtifactRef,
    artifact_key,
    canonical_params,
)
from arservice.services.models import build_model
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


def build_idea_glb(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, idea: Idea
) -> ArtifactRef:
    """The idea's GLB, built unless it is there already, recorded, named on the idea."""
    if idea.template_id is not None and idea.template_version is not None:
        stored = stored_template(session, blobs, idea.template_id, idea.template_version)
        ref = builder.ensure_glb(
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
    elif idea.uploaded_glb_key is not None:
        key = idea.uploaded_glb_key
        upload_sha = key.removeprefix(f"{UPLOAD_PREFIX}/").removesuffix(".glb")
        ref = ensure_uploaded_glb(blobs, upload_sha, lambda: blobs.get(key))
        source = {"generator": __version__, "upload": upload_sha}
    else:
        raise ConflictError([ErrorItem("", MSG_NO_MODEL)])
    record_glb(session, ref, source)
    idea.glb_sha256 = ref.sha256
    return ref


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


def ensure_uploaded_glb(
    blobs: BlobStore, upload_sha: str, read: Callable[[], bytes]
) -> ArtifactRef:
    """The uploaded model rebuilt to the model contract (centred, on the ground, one primitive per
    material) through the generator, as a one-part template; built once, then found."""
    sha256 = upload_artifact_hash(upload_sha)
    key = artifact_key(sha256, "glb")
    size = blobs.size(key)
    if size is not None:
        return ArtifactRef(sha256, key, size, built=False)
    model = build_model(
        _upload_template(), {}, library=material_library(), asset_files={UPLOAD_ASSET: read()}
    )
    blobs.put(key, model.glb)
    return ArtifactRef(sha256, key, len(model.glb), built=True)


def record_glb(session: Session, ref: ArtifactRef, source: dict[str, Any]) -> None:
    repo.record_artifact(
        session,
        sha256=ref.sha256,
        kind=ArtifactKind.GLB,
        blob_key=ref.key,
        size=ref.size,
        source=json.loads(json.dumps(source)),
    )
