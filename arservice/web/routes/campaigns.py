"""Campaigns, short codes and the city logo, for communications staff.

    GET    /api/v1/campaigns                          comms: every campaign, newest first
    POST   /api/v1/campaigns                          comms: a new one, a code per idea (201)
    GET    /api/v1/campaigns/{slug}                   comms
    PATCH  /api/v1/campaigns/{slug}                   comms: name, languages, poster size
    POST   /api/v1/campaigns/{slug}/ideas             comms: add ideas (each a new code)
    DELETE /api/v1/campaigns/{slug}/ideas/{idea}      comms: take one out (its code keeps working)
    GET    /api/v1/campaigns/{slug}/bundle.zip        comms: every code and poster, and an index
    GET    /api/v1/codes                              comms: every code
    POST   /api/v1/codes                              comms: a code of its own (201)
    GET    /api/v1/codes/{code}                       comms
    PATCH  /api/v1/codes/{code}                       comms: retarget, lang, label, active
    GET    /api/v1/codes/{code}/qr.{svg,pdf,png}      comms: ?distance= &size= &dpi= &logo=
    PUT    /api/v1/site/logo                          admin: upload the city logo (PNG, JPEG)
    GET    /api/v1/site/logo                          any staff
    DELETE /api/v1/site/logo                          admin

"comms" means the comms role or an admin. Planners do not see campaigns: what is printed and
where is communications' business, and a planner's work ends at a published idea. Scan counts
(``/api/v1/codes/{code}/scans``, ``/api/v1/campaigns/{slug}/scans``) are in ``stats.py``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from arservice.errors import ErrorItem, InputError, NotFoundError
from arservice.i18n import N_
from arservice.printables import qr_payload
from arservice.services import campaign_bundle, campaign_codes, campaigns, site_assets
from arservice.services.campaign_files import (
    DEFAULT_DISTANCE_M,
    DEFAULT_DPI,
    MEDIA_TYPES,
    code_file,
)
from arservice.services.campaign_input import (
    CampaignCreate,
    CampaignIdeas,
    CampaignUpdate,
    CodeCreate,
    CodeUpdate,
)
from arservice.store.fonts import poster_fonts
from arservice.store.models import Campaign, QrCode
from arservice.web.auth import AdminDep, CommsDep, StaffDep
from arservice.web.context import ContextDep
from arservice.web.errors import ERROR_RESPONSES, documented

router = APIRouter(tags=["campaigns"], responses=ERROR_RESPONSES)

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: documented("No such campaign, code or idea.")}
INVALID: Responses = {422: documented("A field is not acceptable; each item names its place.")}
NO_STORE = {"Cache-Control": "no-store"}

MSG_NO_LOGO = N_("no city logo has been uploaded: an admin uploads one at /api/v1/site/logo")


class CampaignIdeaPublic(BaseModel):
    idea: str
    title: dict[str, str]
    code: str
    short_url: str
    active: bool


class CampaignPublic(BaseModel):
    slug: str
    name: dict[str, str]
    languages: list[str]
    poster_size: str
    ideas: list[CampaignIdeaPublic]
    bundle_url: str
    created_at: datetime


class CampaignList(BaseModel):
    campaigns: list[CampaignPublic]


class CodePublic(BaseModel):
    code: str
    short_url: str
    target: dict[str, str]
    lang: str | None
    label: str
    active: bool
    campaign: str | None
    created_at: datetime
    updated_at: datetime


class CodeList(BaseModel):
    codes: list[CodePublic]


class LogoPublic(BaseModel):
    sha256: str
    content_type: str
    size: int
    updated_at: datetime


def campaign_public(campaign: Campaign, base_url: str) -> CampaignPublic:
    return CampaignPublic(
        slug=campaign.slug,
        name=dict(campaign.name),
        languages=list(campaign.languages),
        poster_size=str(campaign.poster_size),
        ideas=[
            CampaignIdeaPublic(
                idea=entry.idea.slug,
                title=dict(entry.idea.title),
                code=entry.code.code,
                short_url=qr_payload(base_url, entry.code.code),
                active=entry.code.active,
            )
            for entry in campaign.entries
        ],
        bundle_url=f"/api/v1/campaigns/{campaign.slug}/bundle.zip",
        created_at=campaign.created_at,
    )


def code_public(row: QrCode, base_url: str, campaign: str | None) -> CodePublic:
    return CodePublic(
        code=row.code,
        short_url=qr_payload(base_url, row.code),
        target=campaign_codes.describe_target(row),
        lang=row.lang,
        label=row.label,
        active=row.active,
        campaign=campaign,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# --- campaigns ---------------------------------------------------------------------------------


@router.get("/api/v1/campaigns")
def list_campaigns(principal: CommsDep, context: ContextDep) -> CampaignList:
    """Every campaign, newest first, with its ideas and their codes."""
    with context.reading() as session:
        found = campaigns.list_campaigns(session)
        return CampaignList(
            campaigns=[campaign_public(c, context.settings.base_url) for c in found]
        )


@router.post(
    "/api/v1/campaigns",
    status_code=201,
    responses={**INVALID, 409: documented("The name is taken.")},
)
def create_campaign(
    body: CampaignCreate, principal: CommsDep, context: ContextDep
) -> CampaignPublic:
    """A new campaign: each idea (published, with its preview) gets a new code."""
    with context.transaction() as session:
        campaign = campaigns.create_campaign(session, body, actor_id=principal.user_id)
        return campaign_public(campaign, context.settings.base_url)


@router.get("/api/v1/campaigns/{slug}", responses=NOT_FOUND)
def get_campaign(slug: str, principal: CommsDep, context: ContextDep) -> CampaignPublic:
    with context.reading() as session:
        return campaign_public(campaigns.get_campaign(session, slug), context.settings.base_url)


@router.patch("/api/v1/campaigns/{slug}", responses={**NOT_FOUND, **INVALID})
def update_campaign(
    slug: str, body: CampaignUpdate, principal: CommsDep, context: ContextDep
) -> CampaignPublic:
    """Change the name, the poster languages or the size; the codes stay as printed."""
    with context.transaction() as session:
        campaign = campaigns.update_campaign(session, slug, body, actor_id=principal.user_id)
        return campaign_public(campaign, context.settings.base_url)


@router.post("/api/v1/campaigns/{slug}/ideas", responses={**NOT_FOUND, **INVALID})
def add_ideas(
    slug: str, body: CampaignIdeas, principal: CommsDep, context: ContextDep
) -> CampaignPublic:
    """Add ideas after those already in the campaign, each with a new code."""
    with context.transaction() as session:
        campaign = campaigns.add_ideas(session, slug, body.ideas, actor_id=principal.user_id)
        return campaign_public(campaign, context.settings.base_url)


@router.delete("/api/v1/campaigns/{slug}/ideas/{idea}", responses=NOT_FOUND)
def remove_idea(slug: str, idea: str, principal: CommsDep, context: ContextDep) -> CampaignPublic:
    """Take an idea out of the campaign; its code keeps working where it is printed."""
    with context.transaction() as session:
        campaign = campaigns.remove_idea(session, slug, idea, actor_id=principal.user_id)
        return campaign_public(campaign, context.settings.base_url)


@router.get(
    "/api/v1/campaigns/{slug}/bundle.zip",
    response_class=FileResponse,
    responses={**NOT_FOUND, **INVALID, 200: {"content": {"application/zip": {}}}},
)
def campaign_bundle_zip(slug: str, principal: CommsDep, context: ContextDep) -> FileResponse:
    """Every code (SVG, PDF, PNG) and poster (PDF and a PNG preview) of the campaign, with an
    index.csv; about 0.1 s per idea."""
    with context.reading() as session:
        plan = campaign_bundle.plan_bundle(session, context.blobs, slug)
    folder = Path(tempfile.mkdtemp(prefix="arservice-zip-"))
    try:
        out = campaign_bundle.write_bundle(
            plan,
            context.blobs,
            folder / plan.file_name,
            base_url=context.settings.base_url,
            fonts=poster_fonts(),
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        out,
        media_type="application/zip",
        filename=plan.file_name,
        headers=NO_STORE,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


# --- codes -------------------------------------------------------------------------------------


@router.get("/api/v1/codes")
def list_codes(principal: CommsDep, context: ContextDep) -> CodeList:
    with context.reading() as session:
        rows = campaign_codes.list_codes(session)
        base = context.settings.base_url
        return CodeList(
            codes=[code_public(r, base, campaign_codes.campaign_of(session, r)) for r in rows]
        )


@router.post("/api/v1/codes", status_code=201, responses=INVALID)
def create_code(body: CodeCreate, principal: CommsDep, context: ContextDep) -> CodePublic:
    """A code of its own: for a published idea or any http(s) address."""
    with context.transaction() as session:
        row = campaign_codes.create_code(session, body, actor_id=principal.user_id)
        return code_public(row, context.settings.base_url, None)


@router.get("/api/v1/codes/{code}", responses=NOT_FOUND)
def get_code(code: str, principal: CommsDep, context: ContextDep) -> CodePublic:
    with context.reading() as session:
        row = campaign_codes.get_code(session, code)
        return code_public(row, context.settings.base_url, campaign_codes.campaign_of(session, row))


@router.patch("/api/v1/codes/{code}", responses={**NOT_FOUND, **INVALID})
def update_code(
    code: str, body: CodeUpdate, principal: CommsDep, context: ContextDep
) -> CodePublic:
    """Retarget the code (``target_idea`` or ``target_url``), set its ``lang`` or ``label``, or
    switch it off and on (``active``): every printed copy follows at the next scan."""
    with context.transaction() as session:
        row = campaign_codes.update_code(session, code, body, actor_id=principal.user_id)
        return code_public(row, context.settings.base_url, campaign_codes.campaign_of(session, row))


@router.get(
    "/api/v1/codes/{code}/qr.{fmt}",
    response_class=Response,
    responses={**NOT_FOUND, **INVALID, 200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def code_qr(
    code: str,
    fmt: Literal["svg", "pdf", "png"],
    principal: CommsDep,
    context: ContextDep,
    distance: Annotated[
        float, Query(description="Scanning distance in metres.")
    ] = DEFAULT_DISTANCE_M,
    size: Annotated[float | None, Query(description="Side in mm; default the smallest.")] = None,
    dpi: Annotated[int, Query(description="PNG resolution.")] = DEFAULT_DPI,
    logo: Annotated[bool, Query(description="The city logo in the middle (level H).")] = False,
) -> Response:
    """The code as a file, sized to scan from ``distance`` metres (10:1 rule), or ``size`` mm."""
    with context.reading() as session:
        row = campaign_codes.get_code(session, code)
        logo_data = site_assets.logo_bytes(session, context.blobs) if logo else None
    if logo and logo_data is None:
        raise InputError([ErrorItem("logo", MSG_NO_LOGO)])
    payload = qr_payload(context.settings.base_url, row.code)
    data = code_file(payload, fmt, distance_m=distance, size_mm=size, dpi=dpi, logo=logo_data)
    disposition = f'inline; filename="{row.code}.{fmt}"'
    headers = {**NO_STORE, "Content-Disposition": disposition}
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


# --- the city logo -----------------------------------------------------------------------------


@router.put("/api/v1/site/logo", responses=INVALID)
def upload_logo(
    principal: AdminDep,
    context: ContextDep,
    file: Annotated[UploadFile, File(description="The city logo, PNG or JPEG.")],
) -> LogoPublic:
    """Upload the city logo for posters and codes; it replaces the one there."""
    limit = site_assets.logo_limit(context.settings.max_logo_bytes)
    data = file.file.read(limit + 1)  # a byte past the limit is enough to refuse it
    with context.transaction() as session:
        asset = site_assets.upload_logo(
            session, context.blobs, data, max_bytes=limit, actor_id=principal.user_id
        )
        return LogoPublic(
            sha256=asset.sha256,
            content_type=asset.content_type,
            size=asset.size,
            updated_at=asset.updated_at,
        )


@router.get("/api/v1/site/logo", response_class=Response, responses=NOT_FOUND)
def get_logo(principal: StaffDep, context: ContextDep) -> Response:
    with context.reading() as session:
        asset = site_assets.logo_asset(session)
        data = site_assets.logo_bytes(session, context.blobs)
    if asset is None or data is None:
        raise NotFoundError([ErrorItem("", MSG_NO_LOGO)])
    return Response(data, media_type=asset.content_type, headers=NO_STORE)


@router.delete("/api/v1/site/logo", status_code=204, response_class=Response)
def delete_logo(principal: AdminDep, context: ContextDep) -> Response:
    """Remove the city logo; posters and codes are made without one from now on."""
    with context.transaction() as session:
        site_assets.delete_logo(session, actor_id=principal.user_id)
    return Response(status_code=204)
