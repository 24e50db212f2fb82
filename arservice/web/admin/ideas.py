"""The planners' idea pages: the list with its filters, a new idea, and the editor.

    GET /admin/ideas?q=&status=&template=&stage=&district=   the list (planner)
    GET /admin/ideas/new                                     a new idea from a template (planner)
    GET /admin/ideas/{slug}                                  the editor (planner); 404 page when
                                                             there is no such idea

The list is filtered on the server (plain GET forms: a filtered list is a link one can share);
the new-idea and editor pages are shells whose scripts (``idea-new.js``, ``idea-edit.js``,
``params.js``, ``preview.js``) create and change the idea through the JSON API.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from arservice.errors import NotFoundError
from arservice.i18n import LANGUAGES
from arservice.parametric.generator import MAX_MATERIALS, MAX_TRIANGLES_CONTRACT
from arservice.services import ideas
from arservice.services import templates as stored
from arservice.services.models import MAX_GLB_BYTES
from arservice.services.uploads import MODEL_MAX_BYTES
from arservice.store.models import Idea, IdeaStage, IdeaStatus
from arservice.web.admin.guard import staff_page
from arservice.web.admin.labels import option_labels
from arservice.web.admin.page import PLANNER_PAGES, AdminPage
from arservice.web.context import ContextDep
from arservice.web.page_data import Text, pick
from arservice.web.pages import LANGUAGE_NAMES
from arservice.web.routes.ideas import idea_out

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("title", "summary", "description")
MAX_QUERY_CHARS = 200
BUDGETS = {
    "triangles": MAX_TRIANGLES_CONTRACT,
    "trianglesAim": 50_000,
    "materials": MAX_MATERIALS,
    "bytes": MAX_GLB_BYTES,
}
"""The model contract's budgets (docs: DESIGN.md), shown beside the preview's figures."""


@dataclass(frozen=True)
class TemplateChoice:
    id: str
    version: int
    title: Text


@dataclass(frozen=True)
class IdeaRow:
    slug: str
    title: Text | None
    status: IdeaStatus
    template: str | None
    model: str | None
    stage: IdeaStage
    district: Text | None
    updated_at: datetime


def template_choices(request_lang: str, context: ContextDep) -> list[TemplateChoice]:
    with context.reading() as session:
        infos = stored.list_template_infos(session)
    return [
        TemplateChoice(
            info.template.id,
            info.template.version,
            pick(dict(info.template.schema.title), request_lang) or Text(info.template.id, "en"),
        )
        for info in infos
    ]


def _matches(idea: Idea, query: str) -> bool:
    """Search: every word of ``query`` in the slug or in a title of any language."""
    haystack = " ".join([idea.slug, *idea.title.values()]).casefold()
    return all(word in haystack for word in query.casefold().split())


def filter_ideas(
    found: Sequence[Idea], *, query: str, template: str, stage: str, district: str
) -> list[Idea]:
    return [
        idea
        for idea in found
        if (not query or _matches(idea, query))
        and (not template or idea.template_id == template)
        and (not stage or idea.stage.value == stage)
        and (not district or district in idea.district.values())
    ]


def _row(idea: Idea, lang: str) -> IdeaRow:
    model = "template" if idea.template_id else "uploaded" if idea.uploaded_glb_key else None
    return IdeaRow(
        slug=idea.slug,
        title=pick(dict(idea.title), lang),
        status=idea.status,
        template=idea.template_id,
        model=model,
        stage=idea.stage,
        district=pick(dict(idea.district), lang),
        updated_at=idea.updated_at,
    )


def _districts(found: Sequence[Idea], lang: str) -> list[str]:
    names = {text.text for idea in found if (text := pick(dict(idea.district), lang))}
    return sorted(names, key=str.casefold)


@router.get("/admin/ideas", response_class=HTMLResponse)
def idea_list(
    request: Request,
    context: ContextDep,
    q: str = "",
    status: str = "",
    template: str = "",
    stage: str = "",
    district: str = "",
) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    wanted = IdeaStatus(status) if status in IdeaStatus.__members__.values() else None
    with context.reading() as session:
        found = list(ideas.list_ideas(session, staff=True, status=wanted))
        shown = filter_ideas(
            found,
            query=q[:MAX_QUERY_CHARS],
            template=template,
            stage=stage,
            district=district,
        )
        rows = [_row(idea, page.lang) for idea in shown]
        districts = _districts(found, page.lang)
    choices = template_choices(page.lang, context)
    return page.render(
        "ideas.html",
        current="/admin/ideas",
        rows=rows,
        filters={
            "q": q[:MAX_QUERY_CHARS],
            "status": status if wanted else "",
            "template": template,
            "stage": stage,
            "district": district,
        },
        statuses=list(IdeaStatus),
        stages=list(IdeaStage),
        districts=districts,
        templates=choices,
        template_titles={choice.id: choice.title for choice in choices},
        date=lambda value: value.strftime("%Y-%m-%d %H:%M"),
    )


@router.get("/admin/ideas/new", response_class=HTMLResponse)
def idea_new(request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    return page.render(
        "idea_new.html",
        current="/admin/ideas",
        templates=template_choices(page.lang, context),
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )


def json_attr(value: object) -> str:
    """A value for a ``data-`` attribute (Jinja escapes the quotes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@router.get("/admin/ideas/{slug}", response_class=HTMLResponse)
def idea_edit(slug: str, request: Request, context: ContextDep) -> Response:
    page = staff_page(request, context, *PLANNER_PAGES)
    if not isinstance(page, AdminPage):
        return page
    try:
        with context.reading() as session:
            idea = idea_out(ideas.get_idea(session, slug, staff=True), context.settings)
    except NotFoundError:
        return page.render("not_found.html", status=404, current="/admin/ideas")
    return page.render(
        "idea_edit.html",
        current="/admin/ideas",
        idea=idea,
        heading_title=pick(idea.title, page.lang) or Text(idea.slug, "en"),
        text_fields=TEXT_FIELDS,
        languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        templates=template_choices(page.lang, context),
        public_url=f"{page.root}/i/{idea.slug}?lang={page.lang}",
        params_json=json_attr(idea.template.params if idea.template else {}),
        budgets_json=json_attr(BUDGETS),
        number=_plain_number,
        stages=list(IdeaStage),
        option_labels_json=json_attr(_all_option_labels(context)),
        model_max_mb=MODEL_MAX_BYTES // 1024 // 1024,
    )


def _all_option_labels(context: ContextDep) -> dict[str, dict[str, str]]:
    """The material names of every template's choice options (the editor switches templates
    without a new page); see :func:`arservice.web.admin.labels.option_labels`."""
    with context.reading() as session:
        infos = stored.list_template_infos(session)
    labels: dict[str, dict[str, str]] = {}
    for info in infos:
        labels.update(option_labels(info))
    return labels


def _plain_number(value: float | int | None) -> str:
    """A number for an input's value (``repr`` keeps every digit; no exponent for these)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)
