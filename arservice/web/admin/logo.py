"""The city logo's page (admin only; comms and planners get the 403 page).

    GET /admin/logo      the logo in use (a preview from GET /api/v1/site/logo) and its
                         figures; upload a new one (logo.js: PUT /api/v1/site/logo, multipart
                         field ``file``), remove it after a confirmation (DELETE)

The checks (PNG or JPEG read from the bytes, size, pixels) are the API's; its message is shown
beside the file field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arservice.services import site_assets
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import ADMIN_PAGES, AdminPage
from arservice.web.context import ContextDep

router = APIRouter(include_in_schema=False)


@router.get("/admin/logo", response_class=HTMLResponse)
def logo_page(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *ADMIN_PAGES)
    if not isinstance(page, AdminPage):
        return page
    with context.reading() as session:
        asset = site_assets.logo_asset(session)
        logo = None
        if asset is not None:
            logo = {
                # the hash in the address: a new logo is a new picture, never a cached old one
                "src": f"{page.root}/api/v1/site/logo?v={asset.sha256[:16]}",
                "type": asset.content_type.removeprefix("image/").upper(),
                "kb": max(1, round(asset.size / 1024)),
                "when": asset.updated_at.strftime("%Y-%m-%d %H:%M"),
            }
    limit = site_assets.logo_limit(context.settings.max_logo_bytes)
    return page.render(
        "logo.html",
        current="/admin/logo",
        logo=logo,
        max_mb=f"{limit / 1024 / 1024:g}",
    )
