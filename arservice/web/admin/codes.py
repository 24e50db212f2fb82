"""The short codes' pages (comms or admin; others get the 403 page).

    GET /admin/codes                            every code (campaign codes and codes of their
                                                own); a new code of its own (code.js: POST
                                                /api/v1/codes)
    GET /admin/codes/{code}?from=&to=           one code: its scans chart by day, retarget it
                                                to an idea or an address, its language and
                                                label (PATCH /api/v1/codes/{code}), switch it
                                                off and on after a confirmation, its files

A printed code cannot change its letters, only where it leads: the page says so by showing the
short address as printed and the target as now set.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from arservice.errors import NotFoundError
from arservice.services import campaign_codes, campaigns
from arservice.web.admin.campaigns import idea_choices, languages, scans_chart
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import COMMS_PAGES, AdminPage
from arservice.web.context import ContextDep
from arservice.web.page_data import pick
from arservice.web.routes.campaigns import code_public

router = APIRouter(include_in_schema=False)

DateQuery = Annotated[str | None, Query(alias="from", max_length=40)]
ToQuery = Annotated[str | None, Query(alias="to", max_length=40)]


@router.get("/admin/codes", response_class=HTMLResponse)
def code_list(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *COMMS_PAGES)
    if not isinstance(page, AdminPage):
        return page
    base = context.settings.base_url
    with context.reading() as session:
        rows = [
            code_public(row, base, campaign_codes.campaign_of(session, row))
            for row in campaign_codes.list_codes(session)
        ]
        choices = idea_choices(session, page.lang)
        names = {
            c.slug: name.text if (name := pick(dict(c.name), page.lang)) else c.slug
            for c in campaigns.list_campaigns(session)
        }
    return page.render(
        "codes.html",
        current="/admin/codes",
        codes=rows,
        choices=choices,
        campaign_names=names,
        languages=languages(),
    )


@router.get("/admin/codes/{code}", response_class=HTMLResponse)
def code_page(
    code: str,
    request: Request,
    context: ContextDep,
    start: DateQuery = None,
    end: ToQuery = None,
) -> Response:
    page = staff_page(request, context, *COMMS_PAGES)
    if not isinstance(page, AdminPage):
        return page
    try:
        with context.reading() as session:
            found = campaign_codes.get_code(session, code)
            campaign = campaign_codes.campaign_of(session, found)
            row = code_public(found, context.settings.base_url, campaign)
            campaign_name = None
            if campaign is not None:
                name = dict(campaigns.get_campaign(session, campaign).name)
                campaign_name = pick(name, page.lang)
            choices = idea_choices(session, page.lang)
    except NotFoundError:
        return page.render("not_found.html", status=404, current="/admin/codes")
    return page.render(
        "code.html",
        current="/admin/codes",
        code=row,
        campaign_name=campaign_name.text if campaign_name else campaign,
        choices=choices,
        languages=languages(),
        chart=scans_chart(page, context, "code", row.code, start, end),
        files=[
            (fmt, f"{page.root}/api/v1/codes/{row.code}/qr.{fmt}") for fmt in ("svg", "pdf", "png")
        ],
    )
