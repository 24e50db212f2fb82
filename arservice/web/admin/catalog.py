"""The planners' template pages: the list, one template's page, and uploading a template or a
new version.

    GET /admin/templates                      every template at its newest version (planner)
    GET /admin/templates/upload?id=           the upload form: a file or pasted text, component
                                              GLBs; ``id`` starts from that template's newest
                                              source with the next version number (planner)
    GET /admin/templates/{id}?version=        its versions (author, time, files, ideas), the
                                              source of one version with colours, the ideas
                                              using it with a move to the newest version, and
                                              the parameters with the live preview at the
                                              defaults (planner); 404 page

The pages read on the server; their scripts (``template-page.js``, ``template-upload.js``,
``template-try.js``) change data only through the API: ``POST /api/v1/templates`` for an upload
(its every problem shown at its line, :mod:`source-view.js`), ``PATCH /api/v1/ideas/{slug}``
with a template version to move an idea.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from arservice.errors import NotFoundError
from arservice.parametric.limits import TEMPLATE_BYTES
from arservice.services import ideas
from arservice.services import templates as stored
from arservice.services.uploads import COMPONENT_MAX_BYTES
from arservice.store import repositories as repo
from arservice.web.admin.guard import staff_page
from arservice.web.admin.ideas import BUDGETS, json_attr
from arservice.web.admin.labels import option_labels
from arservice.web.admin.page import PLANNER_PAGES, AdminPage
from arservice.web.context import ContextDep
from arservice.web.page_data import Text, pick

router = APIRouter(include_in_schema=False)

VERSION_LINE = re.compile(r"^(version\s*:\s*)(\d+)", re.MULTILINE)
JSON_VERSION = re.compile(r'("version"\s*:\s*)(\d+)')


@dataclass(frozen=True)
class VersionRow:
    version: int
    author: str | None
    created: str
    assets: tuple[str, ...]
    ideas: int


@dataclass(frozen=True)
class IdeaUse:
    slug: str
    title: Text | None
    status: str
    version: int
    params_json: str


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


def next_version_source(source: str, newest: int) -> str:
    """The newest source with its version number raised by one, a starting point for the next
    version (the planner may change anything; the server checks the number)."""
    pattern = JSON_VERSION if source.lstrip().startswith("{") else VERSION_LINE
    return pattern.sub(lambda m: f"{m.group(1)}{newest + 1}", source, count=1)


@router.get("/admin/templates/upload", response_class=HTMLResponse)
def template_upload(
    request: Request, context: ContextDep, id: str = Query(default="", max_length=100)
) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    start, title = "", None
    if id:
        try:
            with context.reading() as session:
                info = stored.template_info(session, id)
                newest = info.template.version
                start = next_version_source(stored.template_source(session, id, newest), newest)
        except NotFoundError:
            return page.render("not_found.html", status=404, current="/admin/templates")
        title = pick(dict(info.template.schema.title), page.lang) or Text(id, "en")
    return page.render(
        "template_upload.html",
        current="/admin/templates",
        template_id=id,
        template_title=title,
        start_source=start,
        max_kb=TEMPLATE_BYTES // 1024,
        max_component_mb=COMPONENT_MAX_BYTES // 1024 // 1024,
        budgets_json=json_attr(BUDGETS),
    )


@router.get("/admin/templates/{template_id}", response_class=HTMLResponse)
def template_page(
    template_id: str,
    request: Request,
    context: ContextDep,
    version: int | None = Query(default=None, ge=1, le=stored.MAX_VERSION),
) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    try:
        with context.reading() as session:
            info = stored.template_info(session, template_id, version)
            newest = stored.template_info(session, template_id).template.version
            source = stored.template_source(session, template_id, info.template.version)
            versions = stored.template_versions(session, template_id)
            users = {user.id: user.display_name for user in repo.list_users(session)}
            using = [
                idea
                for idea in ideas.list_ideas(session, staff=True, status=None)
                if idea.template_id == template_id
            ]
            uses = [
                IdeaUse(
                    idea.slug,
                    pick(dict(idea.title), page.lang),
                    idea.status.value,
                    idea.template_version or 0,
                    json_attr(dict(idea.params)),
                )
                for idea in using
            ]
    except NotFoundError:
        return page.render("not_found.html", status=404, current="/admin/templates")
    rows = [
        VersionRow(
            v.version,
            users.get(v.author_id) if v.author_id is not None else None,
            v.created_at.strftime("%Y-%m-%d %H:%M"),
            v.asset_names,
            sum(1 for use in uses if use.version == v.version),
        )
        for v in reversed(versions)
    ]
    schema = info.template.schema
    return page.render(
        "template_page.html",
        current="/admin/templates",
        template_id=info.template.id,
        version=info.template.version,
        newest=newest,
        builtin=info.builtin,
        title=pick(dict(schema.title), page.lang) or Text(template_id, "en"),
        versions=rows,
        source=source,
        source_format="json" if source.lstrip().startswith("{") else "yaml",
        uses=uses,
        budgets_json=json_attr(BUDGETS),
        option_labels_json=json_attr(option_labels(info)),
    )
