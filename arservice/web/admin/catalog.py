"""The planners' template pages: the list, and trying a template's parameters with the live
preview (no idea needed: the same form and preview as the idea editor).

    GET /admin/templates          every template at its newest version (planner)
    GET /admin/templates/{id}     its parameters and the live preview (planner); 404 page
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arservice.errors import NotFoundError
from arservice.services import templates as stored
from arservice.web.admin.guard import staff_page
from arservice.web.admin.ideas import BUDGETS, json_attr
from arservice.web.admin.page import PLANNER_PAGES, AdminPage
from arservice.web.context import ContextDep
from arservice.web.page_data import Text, pick

router = APIRouter(include_in_schema=False)


@router.get("/admin/templates", response_class=HTMLResponse)
def template_list(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    with context.reading() as session:
        infos = stored.list_template_infos(session)
    rows = [
        {
            "id": info.template.id,
            "title": pick(dict(info.template.schema.title), page.lang)
            or Text(info.template.id, "en"),
            "versions": ", ".join(str(version) for version in info.versions),
            "builtin": info.builtin,
        }
        for info in infos
    ]
    return page.render("templates.html", current="/admin/templates", rows=rows)


@router.get("/admin/templates/{template_id}", response_class=HTMLResponse)
def template_try(template_id: str, request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    try:
        with context.reading() as session:
            info = stored.template_info(session, template_id)
    except NotFoundError:
        return page.render("not_found.html", status=404, current="/admin/templates")
    title = pick(dict(info.template.schema.title), page.lang) or Text(template_id, "en")
    return page.render(
        "template_try.html",
        current="/admin/templates",
        template_id=info.template.id,
        version=info.template.version,
        title=title,
        budgets_json=json_attr(BUDGETS),
    )
