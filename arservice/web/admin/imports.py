"""The import page (planner or admin; comms get the 403 page): issue 8's staff UI.

    GET /admin/import    a Decidim import and a CSV import, each a dry run first and then the
                         import (import.js: POST /api/v1/imports/decidim, /csv?dry_run=), the
                         report (created, updated, unchanged, skipped with reasons; the ideas
                         without a model), each imported idea's plain link and iframe snippet
                         ready to copy; and the mapping rules as YAML text (PUT
                         /api/v1/imports/rules; every problem named by its rule)

The page renders the rules in force; the rest is the script's calls, so the checks and messages
stay the API's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arservice.services.pb_import_rules import load_rules
from arservice.web.admin.guard import staff_page
from arservice.web.admin.page import PLANNER_PAGES, AdminPage
from arservice.web.context import ContextDep

router = APIRouter(include_in_schema=False)


@router.get("/admin/import", response_class=HTMLResponse)
def import_page(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    with context.reading() as session:
        rules = load_rules(session, context.blobs)
    return page.render(
        "import.html",
        current="/admin/import",
        rules_source=rules.source,
        rules_default=rules.default,
    )
