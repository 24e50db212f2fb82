"""Ideas: the public list and pages' data, and the planners' create / edit / publish / archive.

    GET   /api/v1/ideas                   published ideas; staff: every idea, ?status= to filter
    GET   /api/v1/ideas/{slug}            one published idea (a draft is 404 to the public)
    POST  /api/v1/ideas                   planner: a new draft (201)
    PATCH /api/v1/ideas/{slug}            planner: change the fields given
    PUT   /api/v1/ideas/{slug}/model      planner: a whole-model GLB instead of a template
    POST  /api/v1/ideas/{slug}/publish    planner: build the model, make the idea public
    POST  /api/v1/ideas/{slug}/archive    planner: take it out of public view
    POST  /api/v1/ideas/{slug}/unpublish  planner: back to a draft (off the public pages)

The rules live in :mod:`arservice.services.ideas`; here requests become calls, and ideas become
answers. Public answers set no cookie and show only published ideas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, Field

from arservice.services import ideas
from arservice.services.geopose import SiteIn, stored_site
from arservice.services.idea_input import IdeaCreate, IdeaUpdate
from arservice.settings import Settings
from arservice.store.models import Idea, IdeaStage, IdeaStatus
from arservice.web.auth import OptionalPrincipalDep, PlannerDep
from arservice.web.context import AppContext, ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented
from arservice.web.routes.artifacts import artifact_url

router = APIRouter(prefix="/api/v1/ideas", tags=["ideas"], responses=ERROR_RESPONSES)

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: documented("No such idea (or, for the public, not published).")}
INVALID: Responses = {422: documented("A field is not acceptable; each item names its place.")}


class PbOut(BaseModel):
    platform: str | None
    url: str | None
    project_id: str | None
    budget_eur: int | float | None = Field(description="Euros.")
    selected: bool


class SiteOut(SiteIn):
    """The site as given: latitude, longitude, heading (clockwise from north), footprint."""


class GeoPosePosition(BaseModel):
    lat: float
    lon: float
    h: float


class GeoPoseAngles(BaseModel):
    yaw: float = Field(description="Degrees, counter-clockwise from east (90 - heading).")
    pitch: float
    roll: float


class GeoPoseOut(BaseModel):
    """OGC GeoPose 1.0 Basic-YPR."""

    position: GeoPosePosition
    angles: GeoPoseAngles


class TemplateOut(BaseModel):
    id: str
    version: int
    params: dict[str, Any]


class ArtifactsOut(BaseModel):
    """The model's immutable files, one hash in three extensions; null until built."""

    glb: str | None = Field(description="The model, glTF binary; null until it is built.")
    usdz: str | None = Field(description="The model for iPhone AR Quick Look (USDZ).")
    png: str | None = Field(
        description="A 1024 x 1024 px preview picture (a poster); null until built, and while "
        "the server cannot render previews."
    )


class IdeaOut(BaseModel):
    slug: str
    status: IdeaStatus
    title: dict[str, str]
    summary: dict[str, str]
    description: dict[str, str]
    stage: IdeaStage = Field(
        description="How far the idea has got in the world: winner (won the vote), building "
        "(being built) or built. Shown to residents as the idea's status."
    )
    district: dict[str, str] = Field(
        description="The district's name per language; empty when the idea has none."
    )
    pb: PbOut
    site: SiteOut | None
    geopose: GeoPoseOut | None
    template: TemplateOut | None
    model: Literal["template", "uploaded"] | None
    artifacts: ArtifactsOut
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class IdeaList(BaseModel):
    ideas: list[IdeaOut]


def _url(settings: Settings, sha256: str | None, ext: str) -> str | None:
    return artifact_url(settings, sha256, ext) if sha256 else None


def idea_out(idea: Idea, settings: Settings) -> IdeaOut:
    cents = idea.pb_budget_cents
    site = stored_site(idea.site, idea.footprint)
    template = None
    if idea.template_id is not None and idea.template_version is not None:
        template = TemplateOut(
            id=idea.template_id, version=idea.template_version, params=dict(idea.params)
        )
    return IdeaOut(
        slug=idea.slug,
        status=idea.status,
        title=dict(idea.title),
        summary=dict(idea.summary),
        description=dict(idea.description),
        stage=idea.stage,
        district=dict(idea.district or {}),
        pb=PbOut(
            platform=idea.pb_platform,
            url=idea.pb_url,
            project_id=idea.pb_project_id,
            budget_eur=None
            if cents is None
            else (cents // 100 if cents % 100 == 0 else cents / 100),
            selected=idea.pb_selected,
        ),
        site=None if site is None else SiteOut.model_validate(site.model_dump()),
        geopose=None if idea.site is None else GeoPoseOut.model_validate(idea.site),
        template=template,
        model="template" if template else "uploaded" if idea.uploaded_glb_key else None,
        artifacts=ArtifactsOut(
            glb=_url(settings, idea.glb_sha256, "glb"),
            usdz=_url(settings, idea.usdz_sha256, "usdz"),
            png=_url(settings, idea.png_sha256, "png"),
        ),
        created_at=idea.created_at,
        updated_at=idea.updated_at,
        published_at=idea.published_at,
    )


def _count(context: AppContext, outcome: ideas.Outcome) -> None:
    """A build or a cache hit for each file the change asked for (a PNG the renderer could not
    make counts as neither)."""
    if outcome.artifacts is not None:
        for ref in outcome.artifacts.refs:
            context.metrics.count_artifact(ref.kind, built=ref.built)


@router.get("")
def list_ideas(
    principal: OptionalPrincipalDep, context: ContextDep, status: IdeaStatus | None = None
) -> IdeaList:
    """Published ideas, most recently published first. Staff see every idea, newest first,
    and may filter by ``status``."""
    with context.reading() as session:
        found = ideas.list_ideas(session, staff=principal is not None, status=status)
        return IdeaList(ideas=[idea_out(idea, context.settings) for idea in found])


@router.get("/{slug}", responses=NOT_FOUND)
def get_idea(slug: str, principal: OptionalPrincipalDep, context: ContextDep) -> IdeaOut:
    """One idea: published for the public, any for staff."""
    with context.reading() as session:
        idea = ideas.get_idea(session, slug, staff=principal is not None)
        return idea_out(idea, context.settings)


@router.post(
    "",
    status_code=201,
    responses={**INVALID, 409: documented("The slug asked for is taken.")},
)
def create_idea(body: IdeaCreate, principal: PlannerDep, context: ContextDep) -> IdeaOut:
    """A new draft idea. The slug is made from the title (fi, else sv, else en) unless one is
    given, and stays when the title changes; the site is kept as an OGC GeoPose."""
    with context.transaction() as session:
        idea = ideas.create_idea(session, context.blobs, body, actor_id=principal.user_id)
        return idea_out(idea, context.settings)


@router.patch("/{slug}", responses={**NOT_FOUND, **INVALID})
def update_idea(slug: str, body: IdeaUpdate, principal: PlannerDep, context: ContextDep) -> IdeaOut:
    """Change the fields given (each replaces the whole field). A published idea stays
    published; when its model changes it is rebuilt now, and a failed build changes nothing."""
    with context.transaction() as session:
        outcome = ideas.update_idea(
            session, context.blobs, context.artifacts, slug, body, actor_id=principal.user_id
        )
        _count(context, outcome)
        return idea_out(outcome.idea, context.settings)


@router.put("/{slug}/model", responses={**NOT_FOUND, **INVALID})
def upload_model(
    slug: str,
    principal: PlannerDep,
    context: ContextDep,
    file: Annotated[UploadFile, File(description="The whole model as a GLB (glTF binary).")],
) -> IdeaOut:
    """Replace the idea's template with a whole-model GLB: checked, placed by the model contract
    (centred, standing on the ground) and built at once, with its USDZ and preview PNG."""
    data = file.file.read()  # a sync route runs in a worker thread: reading here blocks no one
    with context.transaction() as session:
        outcome = ideas.upload_model(
            session, context.blobs, context.artifacts, slug, data, actor_id=principal.user_id
        )
        _count(context, outcome)
        return idea_out(outcome.idea, context.settings)


@router.post(
    "/{slug}/publish",
    responses={
        **NOT_FOUND,
        409: documented("The idea has no model yet."),
        422: documented("The model cannot be built; the idea is left as it was."),
    },
)
def publish_idea(slug: str, principal: PlannerDep, context: ContextDep) -> IdeaOut:
    """Build the idea's model (once: a built one is reused) as a GLB, a USDZ and a 1024 px preview
    PNG, and make the idea public. Publishing a published idea again changes nothing, except
    that a preview the server could not render before (``artifacts.png`` null) is made now."""
    with context.reading() as session:  # build outside the write transaction: see build_model_files
        prepared = ideas.build_model_files(session, context.blobs, context.artifacts, slug)
    with context.transaction() as session:
        outcome = ideas.publish_idea(
            session,
            context.blobs,
            context.artifacts,
            slug,
            actor_id=principal.user_id,
            prepared=prepared,
        )
        _count(context, outcome)
        return idea_out(outcome.idea, context.settings)


@router.post("/{slug}/archive", responses=NOT_FOUND)
def archive_idea(slug: str, principal: PlannerDep, context: ContextDep) -> IdeaOut:
    """Take the idea out of public view; publish it again to bring it back."""
    with context.transaction() as session:
        idea = ideas.archive_idea(session, slug, actor_id=principal.user_id)
        return idea_out(idea, context.settings)


@router.post("/{slug}/unpublish", responses=NOT_FOUND)
def unpublish_idea(slug: str, principal: PlannerDep, context: ContextDep) -> IdeaOut:
    """Back to a draft: a published or archived idea leaves the public pages at once (its page
    and its API answer 404, as for a missing idea) and may be edited and published again. A
    draft stays a draft."""
    with context.transaction() as session:
        idea = ideas.unpublish_idea(session, slug, actor_id=principal.user_id)
        return idea_out(idea, context.settings)
