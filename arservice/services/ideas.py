"""Ideas: create, edit, publish, archive, and give one an uploaded model; every change audited.

Used by the API (``/api/v1/ideas``) and the demo seeding alike, so both follow the same rules:

- texts are per-language maps of ``fi``, ``sv`` and ``en``; a title needs one language at least;
- the slug is made once, from the title (fi, else sv, else en), and kept when the title changes;
- the model is a stored template version with checked parameter values (kept with defaults filled
  in), *or* an uploaded GLB; the site is kept as OGC GeoPose (see :mod:`.geopose`);
- publishing builds the model's GLB (once: a built one is found by its hash) and records it; an
  edit of a published idea that changes its model builds the new one in the same transaction.
  The caller runs each function in one transaction, so a failed build changes nothing.

Functions take the caller's Session and never commit; they return :class:`Outcome` when they may
have built an artifact, so the caller can count builds and cache hits.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arservice import __version__
from arservice.errors import (
    AssetError,
    BuildError,
    ConflictError,
    ErrorItem,
    InputError,
    NotFoundError,
    ParameterError,
)
from arservice.i18n import LANGUAGES, N_
from arservice.parametric import Template, load_template
from arservice.services.artifacts import (
    ArtifactBuilder,
    ArtifactRef,
    artifact_key,
    canonical_params,
)
from arservice.services.geopose import SiteIn, check_site, footprint_geojson, site_geopose
from arservice.services.models import build_model
from arservice.services.templates import stored_template
from arservice.services.uploads import MODEL_MAX_BYTES, check_glb
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.builtin import material_library
from arservice.store.models import ArtifactKind, Idea, IdeaStatus, utcnow

MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 1000
MAX_DESCRIPTION_CHARS = 10_000
MAX_URL_CHARS = 500
MAX_PROJECT_ID_CHARS = 100
MAX_SLUG_CHARS = 100
MAX_BUDGET_EUR = 20_000_000
"""Budgets are stored as integer cents; this keeps them inside a 32-bit integer."""
SLUG_RE = re.compile(r"[a-z0-9-]+")
PLATFORM_RE = re.compile(r"[a-z0-9-]{1,32}")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters; a tab and a line break are allowed."""
UPLOAD_PREFIX = "uploads"
UPLOAD_ASSET = "model.glb"
UPLOAD_TEMPLATE = f"""format: arservice/template@1
id: uploaded-model
version: 1
title: {{fi: Ladattu malli, sv: Uppladdad modell, en: Uploaded model}}
parts:
  - {{asset: {UPLOAD_ASSET}}}
"""

MSG_NO_IDEA = N_("there is no idea '{slug}'")
MSG_LANGUAGE = N_("'{code}' is not a language of the service; use fi, sv or en")
MSG_TITLE_NEEDED = N_("an idea needs a title in at least one language: fi, sv or en")
MSG_TEXT_EMPTY = N_("must not be empty; leave it out instead")
MSG_TEXT_LONG = N_("must have at most {max} characters (it has {length})")
MSG_TEXT_CONTROL = N_("must not contain control characters")
MSG_PLATFORM = N_("must be a short name of lowercase letters, digits and hyphens, such as decidim")
MSG_URL = N_("must be an http:// or https:// address of at most {max} characters")
MSG_BUDGET = N_(
    "must be an amount of euros from 0 to {max} with at most two decimals (got {value})"
)
MSG_SLUG = N_(
    "must be lowercase letters a-z, digits and hyphens, at most {max} characters (got '{value}')"
)
MSG_SLUG_TAKEN = N_(
    "the slug '{slug}' is taken by another idea; choose another, or leave it out to have one "
    "made from the title"
)
MSG_TEMPLATE_REQUIRED = N_(
    "the model cannot be removed; choose another template, or upload a model instead"
)
MSG_NO_MODEL = N_(
    "the idea has no model yet: give it a template with parameter values, or upload a model, "
    "then publish it"
)

LangMap = dict[StrictStr, StrictStr]


class PbIn(BaseModel):
    """Where the idea won: the participatory-budgeting project it comes from."""

    model_config = ConfigDict(extra="forbid")

    platform: StrictStr | None = Field(default=None, description="Such as decidim.")
    url: StrictStr | None = Field(default=None, description="The project's page, http(s).")
    project_id: StrictStr | None = Field(default=None, max_length=MAX_PROJECT_ID_CHARS)
    budget_eur: StrictFloat | None = Field(
        default=None, description=f"Euros, 0..{MAX_BUDGET_EUR}, at most two decimals."
    )
    selected: StrictBool = Field(default=False, description="Won the vote.")


class TemplateIn(BaseModel):
    """A stored template version and parameter values for it."""

    model_config = ConfigDict(extra="forbid")

    id: StrictStr
    version: StrictInt | None = Field(
        default=None,
        description="Default: the newest version (when editing, the idea's current version if "
        "the id stays the same).",
    )
    params: dict[StrictStr, Any] = Field(
        default_factory=dict, description="Values by parameter name; the rest take defaults."
    )


class IdeaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: StrictStr | None = Field(
        default=None, description="Optional, [a-z0-9-]+; default: made from the title."
    )
    title: LangMap = Field(description="Per language (fi, sv, en); at least one.")
    summary: LangMap = Field(default_factory=dict)
    description: LangMap = Field(default_factory=dict)
    pb: PbIn | None = None
    site: SiteIn | None = None
    template: TemplateIn | None = None


class IdeaUpdate(BaseModel):
    """Fields left out stay as they are; a field given replaces the whole field."""

    model_config = ConfigDict(extra="forbid")

    title: LangMap | None = None
    summary: LangMap | None = None
    description: LangMap | None = None
    pb: PbIn | None = None
    site: SiteIn | None = None
    template: TemplateIn | None = None


@dataclass(frozen=True)
class Outcome:
    """An idea after a change, and the GLB it was built or found with (None: none needed)."""

    idea: Idea
    artifact: ArtifactRef | None = None


# --- reading -----------------------------------------------------------------------------------


def get_idea(session: Session, slug: str, *, staff: bool) -> Idea:
    """The idea ``slug``; for the public only a published one (a draft is simply not there)."""
    idea = repo.get_idea_by_slug(session, slug)
    if idea is None or (not staff and idea.status is not IdeaStatus.PUBLISHED):
        raise NotFoundError([ErrorItem("", MSG_NO_IDEA, {"slug": slug})])
    return idea


def list_ideas(session: Session, *, staff: bool, status: IdeaStatus | None) -> Sequence[Idea]:
    """Staff: every idea (or those with ``status``); the public: published ideas only."""
    if staff:
        return repo.list_ideas(session, status)
    if status not in (None, IdeaStatus.PUBLISHED):
        return []
    return repo.list_published_ideas(session)


# --- checking input ----------------------------------------------------------------------------


def _texts(
    values: Mapping[str, str], loc: str, limit: int, problems: list[ErrorItem]
) -> dict[str, str]:
    texts = {}
    for lang, raw in values.items():
        text = raw.strip()
        if lang not in LANGUAGES:
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_LANGUAGE, {"code": lang}))
        elif not text:
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_TEXT_EMPTY))
        elif len(text) > limit:
            problems.append(
                ErrorItem(f"{loc}.{lang}", MSG_TEXT_LONG, {"max": limit, "length": len(text)})
            )
        elif CONTROL_RE.search(text):
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_TEXT_CONTROL))
        else:
            texts[lang] = text
    return texts


def _title(values: Mapping[str, str] | None, problems: list[ErrorItem]) -> dict[str, str]:
    before = len(problems)
    title = _texts(values or {}, "title", MAX_TITLE_CHARS, problems)
    if not title and len(problems) == before:
        problems.append(ErrorItem("title", MSG_TITLE_NEEDED))
    return title


def _pb(pb: PbIn, problems: list[ErrorItem]) -> dict[str, Any]:
    """The idea's ``pb_*`` column values of ``pb``."""
    if pb.platform is not None and not PLATFORM_RE.fullmatch(pb.platform):
        problems.append(ErrorItem("pb.platform", MSG_PLATFORM))
    if pb.url is not None:
        parts = urlsplit(pb.url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or len(pb.url) > MAX_URL_CHARS:
            problems.append(ErrorItem("pb.url", MSG_URL, {"max": MAX_URL_CHARS}))
    project_id = None
    if pb.project_id is not None:
        project_id = pb.project_id.strip()
        if not project_id:
            problems.append(ErrorItem("pb.project_id", MSG_TEXT_EMPTY))
        elif CONTROL_RE.search(project_id):
            problems.append(ErrorItem("pb.project_id", MSG_TEXT_CONTROL))
    cents = None
    if pb.budget_eur is not None:
        amount = Decimal(repr(float(pb.budget_eur))) if _finite(pb.budget_eur) else None
        if amount is None or not 0 <= amount <= MAX_BUDGET_EUR or (amount * 100) % 1 != 0:
            problems.append(
                ErrorItem(
                    "pb.budget_eur", MSG_BUDGET, {"max": MAX_BUDGET_EUR, "value": pb.budget_eur}
                )
            )
        else:
            cents = int(amount * 100)
    return {
        "pb_platform": pb.platform,
        "pb_url": pb.url,
        "pb_project_id": project_id,
        "pb_budget_cents": cents,
        "pb_selected": pb.selected,
    }


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def _site(site: SiteIn | None, problems: list[ErrorItem]) -> dict[str, Any]:
    """The idea's ``site`` and ``footprint`` column values."""
    if site is None:
        return {"site": None, "footprint": None}
    try:
        checked = check_site(site)
    except InputError as error:
        problems.extend(error.items)
        return {}
    return {"site": site_geopose(checked), "footprint": footprint_geojson(checked)}


def _template(
    session: Session, blobs: BlobStore, choice: TemplateIn, version: int | None
) -> dict[str, Any]:
    """The idea's template columns for ``choice`` at ``version``; InputError for an unknown
    template or version, ParameterError (at ``template.params.<name>``) for bad values."""
    try:
        stored = stored_template(session, blobs, choice.id, version)
    except NotFoundError as error:
        raise InputError(
            ErrorItem(f"template.{item.loc or 'id'}", item.msgid, item.params)
            for item in error.items
        ) from None
    try:
        params = canonical_params(stored.template, choice.params)
    except ParameterError as error:
        raise ParameterError(item.at("template.params") for item in error.items) from None
    return {
        "template_id": stored.template.id,
        "template_version": stored.template.version,
        "params": dict(params),
        "uploaded_glb_key": None,
    }


def _check_slug(session: Session, slug: str) -> None:
    if not SLUG_RE.fullmatch(slug) or len(slug) > MAX_SLUG_CHARS:
        raise InputError([ErrorItem("slug", MSG_SLUG, {"max": MAX_SLUG_CHARS, "value": slug})])
    if repo.idea_slug_exists(session, slug):
        raise ConflictError([ErrorItem("slug", MSG_SLUG_TAKEN, {"slug": slug})])


# --- changes -----------------------------------------------------------------------------------


def create_idea(
    session: Session, blobs: BlobStore, data: IdeaCreate, *, actor_id: int | None
) -> Idea:
    """A new draft idea; InputError, ParameterError or ConflictError (a taken slug) when not."""
    problems: list[ErrorItem] = []
    title = _title(data.title, problems)
    summary = _texts(data.summary, "summary", MAX_SUMMARY_CHARS, problems)
    description = _texts(data.description, "description", MAX_DESCRIPTION_CHARS, problems)
    columns = {**_pb(data.pb or PbIn(), problems), **_site(data.site, problems)}
    if problems:
        raise InputError(problems)
    if data.template is not None:
        columns.update(_template(session, blobs, data.template, data.template.version))
    if data.slug is not None:
        _check_slug(session, data.slug)
        slug = data.slug
    else:
        slug = repo.new_idea_slug(session, next(title[lang] for lang in LANGUAGES if lang in title))
    idea = Idea(slug=slug, title=title, summary=summary, description=description, **columns)
    try:
        with session.begin_nested():
            repo.add_idea(session, idea)
    except IntegrityError:  # another request took the slug a moment ago
        raise ConflictError([ErrorItem("slug", MSG_SLUG_TAKEN, {"slug": slug})]) from None
    details = {"slug": slug, "title": title, "template": _template_ref(idea)}
    _audit(session, "idea.create", actor_id, slug, details)
    return idea


def update_idea(
    session: Session,
    blobs: BlobStore,
    builder: ArtifactBuilder,
    slug: str,
    data: IdeaUpdate,
    *,
    actor_id: int | None,
) -> Outcome:
    """Change the fields ``data`` gives. A published idea whose model changes is rebuilt now."""
    idea = get_idea(session, slug, staff=True)
    given = data.model_fields_set
    problems: list[ErrorItem] = []
    columns: dict[str, Any] = {}
    if "title" in given:
        columns["title"] = _title(data.title, problems)
    if "summary" in given:
        columns["summary"] = _texts(data.summary or {}, "summary", MAX_SUMMARY_CHARS, problems)
    if "description" in given:
        description = data.description or {}
        columns["description"] = _texts(description, "description", MAX_DESCRIPTION_CHARS, problems)
    if "pb" in given:
        columns.update(_pb(data.pb or PbIn(), problems))
    if "site" in given:
        columns.update(_site(data.site, problems))
    if "template" in given and data.template is None:
        problems.append(ErrorItem("template", MSG_TEMPLATE_REQUIRED))
    if problems:
        raise InputError(problems)
    if data.template is not None:
        version = data.template.version
        if version is None and data.template.id == idea.template_id:
            version = idea.template_version
        columns.update(_template(session, blobs, data.template, version))
    changes = _apply(idea, columns)
    model_changed = bool(
        {"template_id", "template_version", "params", "uploaded_glb_key"} & set(changes)
    )
    ref = None
    if model_changed:
        idea.glb_sha256 = idea.usdz_sha256 = idea.png_sha256 = None
        if idea.status is IdeaStatus.PUBLISHED:
            ref = _build(session, blobs, builder, idea)  # raises: the transaction rolls back
    if changes:
        session.flush()
        repo.append_audit(
            session,
            "idea.update",
            actor_id=actor_id,
            target_type="idea",
            target_id=idea.slug,
            details={"changes": changes},
        )
    return Outcome(idea, ref)


def _apply(idea: Idea, columns: Mapping[str, Any]) -> dict[str, Any]:
    """Set the columns that differ; what changed, for the audit log (long texts named only)."""
    changes: dict[str, Any] = {}
    for name, value in columns.items():
        old = getattr(idea, name)
        old_plain = dict(old) if isinstance(old, Mapping) else old
        if old_plain == value:
            continue
        setattr(idea, name, value)
        if name == "description":
            changes[name] = {"languages": sorted(value)}
        else:
            changes[name] = {"from": old_plain, "to": value}
    return changes


def publish_idea(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, slug: str, *, actor_id: int | None
) -> Outcome:
    """Build the idea's GLB (or find it built) and make the idea public; publishing a published
    idea again changes nothing (unless its GLB had to be rebuilt)."""
    idea = get_idea(session, slug, staff=True)
    previous = idea.glb_sha256
    ref = _build(session, blobs, builder, idea)
    if idea.status is IdeaStatus.PUBLISHED and previous == ref.sha256:
        return Outcome(idea, ref)
    was = idea.status
    if was is not IdeaStatus.PUBLISHED:
        idea.status = IdeaStatus.PUBLISHED
        idea.published_at = utcnow()
    session.flush()
    _audit(
        session,
        "idea.publish",
        actor_id,
        idea.slug,
        {"from": was.value, "glb": ref.sha256, "built": ref.built},
    )
    return Outcome(idea, ref)


def archive_idea(session: Session, slug: str, *, actor_id: int | None) -> Idea:
    """Take the idea out of public view (its artifacts stay: their URLs are immutable)."""
    idea = get_idea(session, slug, staff=True)
    if idea.status is IdeaStatus.ARCHIVED:
        return idea
    was = idea.status
    idea.status = IdeaStatus.ARCHIVED
    session.flush()
    _audit(session, "idea.archive", actor_id, idea.slug, {"from": was.value})
    return idea


def upload_model(
    session: Session, blobs: BlobStore, slug: str, data: bytes, *, actor_id: int | None
) -> Outcome:
    """Give the idea a whole-model GLB in place of its template: checked (size, budgets, scale:
    :func:`~arservice.services.uploads.check_glb`), kept as uploaded, and rebuilt to the model
    contract at once; AssetError or BuildError, at ``file``, when refused."""
    idea = get_idea(session, slug, staff=True)
    checked = check_glb(data, UPLOAD_ASSET, max_bytes=MODEL_MAX_BYTES, whole_model=True, loc="file")
    upload_sha = checked.sha256
    try:
        ref = _ensure_uploaded_glb(blobs, upload_sha, lambda: data)
    except (AssetError, BuildError) as error:
        raise type(error)([item.at("file") for item in error.items]) from None
    key = upload_key(upload_sha)
    if blobs.size(key) is None:
        blobs.put(key, data)
    before = _template_ref(idea)
    idea.template_id = idea.template_version = None
    idea.params = {}
    idea.uploaded_glb_key = key
    idea.usdz_sha256 = idea.png_sha256 = None
    idea.glb_sha256 = ref.sha256
    _record(session, ref, {"generator": __version__, "upload": upload_sha})
    session.flush()
    _audit(
        session,
        "idea.model_upload",
        actor_id,
        idea.slug,
        {"sha256": upload_sha, "size": len(data), "glb": ref.sha256, "replaced": before},
    )
    return Outcome(idea, ref)


# --- building ----------------------------------------------------------------------------------


def _build(session: Session, blobs: BlobStore, builder: ArtifactBuilder, idea: Idea) -> ArtifactRef:
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
        ref = _ensure_uploaded_glb(blobs, upload_sha, lambda: blobs.get(key))
        source = {"generator": __version__, "upload": upload_sha}
    else:
        raise ConflictError([ErrorItem("", MSG_NO_MODEL)])
    _record(session, ref, source)
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


def _ensure_uploaded_glb(
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


def _record(session: Session, ref: ArtifactRef, source: dict[str, Any]) -> None:
    repo.record_artifact(
        session,
        sha256=ref.sha256,
        kind=ArtifactKind.GLB,
        blob_key=ref.key,
        size=ref.size,
        source=json.loads(json.dumps(source)),
    )


def _audit(
    session: Session, action: str, actor_id: int | None, slug: str, details: dict[str, Any]
) -> None:
    repo.append_audit(
        session, action, actor_id=actor_id, target_type="idea", target_id=slug, details=details
    )


def _template_ref(idea: Idea) -> dict[str, Any] | None:
    if idea.template_id is None:
        return {"uploaded": idea.uploaded_glb_key} if idea.uploaded_glb_key else None
    return {"id": idea.template_id, "version": idea.template_version, "params": dict(idea.params)}
