"""Ideas: create, edit, publish, archive, unpublish, give one an uploaded model; all audited.

Used by the API (``/api/v1/ideas``) and the demo seeding alike, so both follow the same rules:

- texts are per-language maps of ``fi``, ``sv`` and ``en``; a title needs one language at least;
  the district is such a map too (its name in each language), and may be empty;
- the stage (winner, building, built) says how far the idea has got in the world; it is the
  public status line, and is independent of the status (draft, published, archived), which says
  who may see the idea;
- the slug is made once, from the title (fi, else sv, else en), and kept when the title changes;
- the model is a stored template version with checked parameter values (kept with defaults filled
  in), *or* an uploaded GLB; the site is kept as OGC GeoPose (see :mod:`.geopose`);
- publishing builds the model's GLB, USDZ and PNG preview from one scene (once: built ones are
  found by their hash) and records them; an edit of a published idea that changes its model
  builds the new ones in the same transaction, as does uploading a whole model. The caller runs
  each function in one transaction, so a failed build changes nothing. When the machine cannot
  render previews the idea is published without its PNG (``png_sha256`` None), and publishing it
  again later fills it in.

Functions take the caller's Session and never commit; they return :class:`Outcome` when they may
have built artifacts, so the caller can count builds and cache hits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
)
from arservice.i18n import LANGUAGES, N_
from arservice.services.artifacts import ArtifactBuilder, ModelArtifacts
from arservice.services.idea_artifacts import (
    UPLOAD_ASSET,
    build_idea_artifacts,
    ensure_idea_files,
    ensure_uploaded_model,
    name_artifacts,
    upload_key,
)
from arservice.services.idea_input import (
    MAX_DESCRIPTION_CHARS,
    MAX_SUMMARY_CHARS,
    MSG_SLUG_TAKEN,
    MSG_STAGE,
    IdeaCreate,
    IdeaUpdate,
    PbIn,
    check_district,
    check_pb,
    check_site_columns,
    check_slug,
    check_stage,
    check_texts,
    check_title,
    template_columns,
)
from arservice.services.uploads import MODEL_MAX_BYTES, check_glb
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.models import Idea, IdeaStage, IdeaStatus, utcnow

MSG_NO_IDEA = N_("there is no idea '{slug}'")
MSG_TEMPLATE_REQUIRED = N_(
    "the model cannot be removed; choose another template, or upload a model instead"
)


@dataclass(frozen=True)
class Outcome:
    """An idea after a change, and the model files it was built or found with (None: none
    needed)."""

    idea: Idea
    artifacts: ModelArtifacts | None = None


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


# --- changes -----------------------------------------------------------------------------------


def create_idea(
    session: Session, blobs: BlobStore, data: IdeaCreate, *, actor_id: int | None
) -> Idea:
    """A new draft idea; InputError, ParameterError or ConflictError (a taken slug) when not."""
    problems: list[ErrorItem] = []
    title = check_title(data.title, problems)
    summary = check_texts(data.summary, "summary", MAX_SUMMARY_CHARS, problems)
    description = check_texts(data.description, "description", MAX_DESCRIPTION_CHARS, problems)
    stage = check_stage(data.stage, problems) or IdeaStage.WINNER
    district = check_district(data.district, problems)
    columns = {**check_pb(data.pb or PbIn(), problems), **check_site_columns(data.site, problems)}
    if problems:
        raise InputError(problems)
    if data.template is not None:
        columns.update(template_columns(session, blobs, data.template, data.template.version))
    if data.slug is not None:
        check_slug(session, data.slug)
        slug = data.slug
    else:
        slug = repo.new_idea_slug(session, next(title[lang] for lang in LANGUAGES if lang in title))
    idea = Idea(
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        stage=stage,
        district=district,
        **columns,
    )
    try:
        with session.begin_nested():
            repo.add_idea(session, idea)
    except IntegrityError:  # another request took the slug a moment ago
        raise ConflictError([ErrorItem("slug", MSG_SLUG_TAKEN, {"slug": slug})]) from None
    details = {
        "slug": slug,
        "title": title,
        "stage": stage.value,
        "district": district,
        "template": _template_ref(idea),
    }
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
    columns = _edited_columns(data)
    if data.template is not None:
        version = data.template.version
        if version is None and data.template.id == idea.template_id:
            version = idea.template_version
        columns.update(template_columns(session, blobs, data.template, version))
    changes = _apply(idea, columns)
    model_changed = bool(
        {"template_id", "template_version", "params", "uploaded_glb_key"} & set(changes)
    )
    built = None
    if model_changed:
        idea.glb_sha256 = idea.usdz_sha256 = idea.png_sha256 = None
        if idea.status is IdeaStatus.PUBLISHED:
            built = build_idea_artifacts(session, blobs, builder, idea)  # raises: rolled back
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
    return Outcome(idea, built)


def _edited_columns(data: IdeaUpdate) -> dict[str, Any]:
    """The checked column values of the fields ``data`` gives (the template aside: it needs
    the database); InputError naming every problem."""
    given = data.model_fields_set
    problems: list[ErrorItem] = []
    columns: dict[str, Any] = {}
    if "title" in given:
        columns["title"] = check_title(data.title, problems)
    if "summary" in given:
        columns["summary"] = check_texts(data.summary or {}, "summary", MAX_SUMMARY_CHARS, problems)
    if "description" in given:
        description = data.description or {}
        columns["description"] = check_texts(
            description, "description", MAX_DESCRIPTION_CHARS, problems
        )
    if "stage" in given:
        _check_stage_change(data.stage, columns, problems)
    if "district" in given:
        columns["district"] = check_district(data.district, problems)
    if "pb" in given:
        columns.update(check_pb(data.pb or PbIn(), problems))
    if "site" in given:
        columns.update(check_site_columns(data.site, problems))
    if "template" in given and data.template is None:
        problems.append(ErrorItem("template", MSG_TEMPLATE_REQUIRED))
    if problems:
        raise InputError(problems)
    return columns


def _check_stage_change(
    value: str | None, columns: dict[str, Any], problems: list[ErrorItem]
) -> None:
    """A stage given in an edit: a known one replaces the idea's; null is refused (an idea always
    has a stage), as is an unknown name."""
    if value is None:
        problems.append(ErrorItem("stage", MSG_STAGE, {"value": "null"}))
        return
    stage = check_stage(value, problems)
    if stage is not None:
        columns["stage"] = stage


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


def build_model_files(
    session: Session, blobs: BlobStore, builder: ArtifactBuilder, slug: str
) -> ModelArtifacts:
    """Make the idea's GLB, USDZ and PNG (those missing) without changing the idea: the slow
    part of publishing (a preview render takes 0.1–0.3 s), for callers to run in a read-only
    session before :func:`publish_idea`, so no other writer waits for a render behind SQLite's
    write lock. Raises what publishing would: ConflictError, the build's ArServiceError."""
    built, _source = ensure_idea_files(session, blobs, builder, get_idea(session, slug, staff=True))
    return built


def publish_idea(
    session: Session,
    blobs: BlobStore,
    builder: ArtifactBuilder,
    slug: str,
    *,
    actor_id: int | None,
    prepared: ModelArtifacts | None = None,
) -> Outcome:
    """Build the idea's GLB, USDZ and PNG (or find them built) and make the idea public;
    publishing a published idea again changes nothing, unless a file had to be made (a PNG the
    renderer could not make before). ``prepared``: what :func:`build_model_files` made just
    before, so the outcome and the audit entry name those files as built by this publish."""
    idea = get_idea(session, slug, staff=True)
    previous = _artifact_columns(idea)
    built = build_idea_artifacts(session, blobs, builder, idea).also_built_by(prepared)
    if idea.status is IdeaStatus.PUBLISHED and previous == _artifact_columns(idea):
        return Outcome(idea, built)
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
        {**_artifact_details(idea, built), "from": was.value},
    )
    return Outcome(idea, built)


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


def unpublish_idea(session: Session, slug: str, *, actor_id: int | None) -> Idea:
    """Back to a draft: off the public pages at once (its public page answers 404, as for an
    idea that does not exist), editable and publishable again. A published or archived idea
    becomes a draft; a draft stays one and nothing is recorded. Its built files stay: their
    URLs are immutable, and publishing again finds them by their hash."""
    idea = get_idea(session, slug, staff=True)
    if idea.status is IdeaStatus.DRAFT:
        return idea
    was = idea.status
    idea.status = IdeaStatus.DRAFT
    idea.published_at = None
    session.flush()
    _audit(session, "idea.unpublish", actor_id, idea.slug, {"from": was.value})
    return idea


def upload_model(
    session: Session,
    blobs: BlobStore,
    builder: ArtifactBuilder,
    slug: str,
    data: bytes,
    *,
    actor_id: int | None,
) -> Outcome:
    """Give the idea a whole-model GLB in place of its template: checked (size, budgets, scale:
    :func:`~arservice.services.uploads.check_glb`), kept as uploaded, and rebuilt to the model
    contract at once, with its USDZ and PNG; AssetError or BuildError, at ``file``, when
    refused."""
    idea = get_idea(session, slug, staff=True)
    checked = check_glb(data, UPLOAD_ASSET, max_bytes=MODEL_MAX_BYTES, whole_model=True, loc="file")
    upload_sha = checked.sha256
    try:
        built = ensure_uploaded_model(builder, blobs, upload_sha, lambda: data)
    except (AssetError, BuildError) as error:
        raise type(error)([item.at("file") for item in error.items]) from None
    key = upload_key(upload_sha)
    if blobs.size(key) is None:
        blobs.put(key, data)
    before = _template_ref(idea)
    idea.template_id = idea.template_version = None
    idea.params = {}
    idea.uploaded_glb_key = key
    name_artifacts(session, idea, built, {"generator": __version__, "upload": upload_sha})
    session.flush()
    _audit(
        session,
        "idea.model_upload",
        actor_id,
        idea.slug,
        {
            "sha256": upload_sha,
            "size": len(data),
            **_artifact_details(idea, built),
            "replaced": before,
        },
    )
    return Outcome(idea, built)


def _audit(
    session: Session, action: str, actor_id: int | None, slug: str, details: dict[str, Any]
) -> None:
    repo.append_audit(
        session, action, actor_id=actor_id, target_type="idea", target_id=slug, details=details
    )


def _artifact_columns(idea: Idea) -> tuple[str | None, str | None, str | None]:
    return idea.glb_sha256, idea.usdz_sha256, idea.png_sha256


def _artifact_details(idea: Idea, built: ModelArtifacts) -> dict[str, Any]:
    """For the audit log: the files the idea names now, and which of them this change built."""
    return {
        "glb": idea.glb_sha256,
        "usdz": idea.usdz_sha256,
        "png": idea.png_sha256,
        "built": [ref.kind for ref in built.refs if ref.built],
    }


def _template_ref(idea: Idea) -> dict[str, Any] | None:
    if idea.template_id is None:
        return {"uploaded": idea.uploaded_glb_key} if idea.uploaded_glb_key else None
    return {"id": idea.template_id, "version": idea.template_version, "params": dict(idea.params)}
