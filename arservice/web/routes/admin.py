"""The staff UI under ``/admin`` (pages, not API): the routers of :mod:`arservice.web.admin`,
and the home page with the menu of what the user's role may do.

    GET /admin                          any staff member: the home page
    GET, POST /admin/login, POST /admin/logout          (arservice/web/admin/login.py)
    GET /admin/ideas, /admin/ideas/new, /admin/ideas/{slug}, /admin/templates,
        /admin/templates/{id}           planner (arservice/web/admin/ideas.py)
    GET /admin/users, /admin/audit      admin (arservice/web/admin/users.py)
    GET /admin/static/{hash}/{name}     the staff UI's scripts and styles (public)

Every page checks the login and the role on the server (:mod:`arservice.web.admin.guard`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arservice.store.models import Role
from arservice.web.admin import assets, catalog, ideas, login, users
from arservice.web.admin import campaigns as comms_campaigns
from arservice.web.admin import codes as comms_codes
from arservice.web.admin import imports as pb_imports
from arservice.web.admin import logo as comms_logo
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import AdminPage
from arservice.web.context import ContextDep

router = APIRouter(include_in_schema=False)
for part in (assets.router, login.router, ideas.router, catalog.router, users.router):
    router.include_router(part)
router.include_router(comms_campaigns.router)
router.include_router(comms_codes.router)
router.include_router(comms_logo.router)
router.include_router(pb_imports.router)


@router.get("/admin", response_class=HTMLResponse)
def home(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context)
    if not isinstance(page, AdminPage):
        return page
    return page.render("home.html", current="/admin", roles=Role)
