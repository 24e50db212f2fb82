"""The residents' pages: HTML in fi / sv / en, no login, no cookie, published ideas only.

    GET /                 the gallery of published ideas; ?campaign=, ?district= and ?kind= filter
    GET /i/{slug}         one idea: the model in <model-viewer> with AR, the facts, the on-site card
    GET /embed/{slug}     the viewer alone, for an iframe on a Decidim page (may be framed by the
                          sites of the embed_origins setting; the other pages by none at all)

The language is ``?lang=``, else Accept-Language, else the configured default (Finnish); the
pages say so with ``Vary: Accept-Language`` and are cached for a minute (they show only
published data). An unknown slug or a draft is a friendly 404 page in the same language, never
the API's JSON; a malformed gallery filter is a 400 page that says which. Security headers:
:mod:`arservice.web.security`; the words: :mod:`arservice.web.page_texts`; the files:
:mod:`arservice.web.static`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from arservice.errors import ErrorItem, InputError, NotFoundError
from arservice.i18n import LANGUAGES
from arservice.services import ideas
from arservice.services.gallery import GalleryFilter, check_filter, published_gallery
from arservice.web.context import AppContext, ContextDep
from arservice.web.gallery_view import filter_fields
from arservice.web.language import request_language
from arservice.web.page_data import (
    BABEL_LOCALES,
    IdeaView,
    Text,
    idea_view,
    model_descriptions,
)
from arservice.web.page_texts import Translator
from arservice.web.routes.ideas import idea_out
from arservice.web.security import page_headers
from arservice.web.static import accepts_gzip, static_assets

router = APIRouter(include_in_schema=False)

PAGE_CACHE = "public, max-age=60"
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
"""Each language named in itself, as a language switch shows it."""
A11Y_KEYS = ("front", "right", "back", "left")
GZIP_MIN_BYTES = 1024


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("arservice.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


class Page:
    """What every page template gets: the language, the words, links and asset URLs."""

    def __init__(self, request: Request, context: AppContext) -> None:
        self.request = request
        self.context = context
        self.lang = request_language(request, context.settings.default_language)
        self.lang_asked = request.query_params.get("lang") == self.lang
        self.root = request.scope.get("root_path", "")

    def values(self, **extra: Any) -> dict[str, Any]:
        assets = static_assets(self.request)
        return {
            "lang": self.lang,
            "lang_asked": self.lang_asked,
            "t": Translator(self.lang),
            "asset": lambda name: self.root + assets.url(name),
            "switch": self.switch(),
            "home_url": self.link("/"),
            "og_locale": BABEL_LOCALES[self.lang],
            "og_alternates": [BABEL_LOCALES[code] for code in LANGUAGES if code != self.lang],
            "coordinate": lambda value: f"{value:.5f}",  # as map apps write it, in any language
            **extra,
        }

    def link(self, path: str) -> str:
        """A link to another page of ours, keeping the language when it was asked for."""
        query = f"?{urlencode({'lang': self.lang})}" if self.lang_asked else ""
        return f"{self.root}{path}{query}"

    def switch(self) -> list[LanguageLink]:
        """The same page in each language: the path and the other query parameters kept."""
        kept = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        return [
            LanguageLink(
                code,
                LANGUAGE_NAMES[code],
                "?" + urlencode([*kept, ("lang", code)]),
                code == self.lang,
            )
            for code in LANGUAGES
        ]

    def render(
        self, template: str, status: int = 200, *, embed: bool = False, **extra: Any
    ) -> HTMLResponse:
        body = environment().get_template(template).render(self.values(**extra)).encode("utf-8")
        headers = {
            **page_headers(
                self.context.settings, static_assets(self.request).style_hashes, embed=embed
            ),
            "Cache-Control": PAGE_CACHE if status == 200 else "no-store",
            "Vary": "Accept-Language, Accept-Encoding",
            "Content-Language": self.lang,
        }
        if len(body) >= GZIP_MIN_BYTES and accepts_gzip(self.request):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return HTMLResponse(body, status_code=status, headers=headers)


def a11y_labels(t: Translator) -> str:
    """model-viewer's ``a11y`` attribute: where the camera looks from, and how to move it."""
    labels = {"interaction-prompt": t("interaction_prompt")}
    for key in A11Y_KEYS:
        labels[key] = t(f"view_{key}")
        labels[f"upper-{key}"] = t(f"view_upper_{key}")
        labels[f"lower-{key}"] = t(f"view_lower_{key}")
    return json.dumps(labels, ensure_ascii=False)


def _idea_view(session: Session, page: Page, slug: str) -> IdeaView:
    idea = idea_out(ideas.get_idea(session, slug, staff=False), page.context.settings)
    return idea_view(idea, page.lang, page.context.settings, model_descriptions(session, idea))


def _viewer_page(request: Request, context: AppContext, slug: str, *, embed: bool) -> HTMLResponse:
    page = Page(request, context)
    try:
        with context.reading() as session:
            view = _idea_view(session, page, slug)
    except NotFoundError:
        return page.render("not_found.html", 404, embed=embed)
    if view.glb is None:  # published ideas always have one; be safe all the same
        return page.render("not_found.html", 404, embed=embed)
    return page.render(
        "embed.html" if embed else "idea.html",
        embed=embed,
        idea=view,
        a11y=a11y_labels(Translator(page.lang)),
        full_url=f"{view.page_url}?{urlencode({'lang': page.lang})}",
    )


@router.api_route("/i/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def idea_page(slug: str, request: Request, context: ContextDep) -> HTMLResponse:
    return _viewer_page(request, context, slug, embed=False)


@router.api_route("/embed/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def embed_page(slug: str, request: Request, context: ContextDep) -> HTMLResponse:
    return _viewer_page(request, context, slug, embed=True)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def gallery(request: Request, context: ContextDep) -> HTMLResponse:
    """Published ideas, filtered by ``?campaign=``, ``?district=`` and ``?kind=`` (see
    :mod:`arservice.services.gallery`); a malformed filter is a 400 page that says so."""
    page = Page(request, context)
    try:
        chosen = check_filter(request.query_params)
    except InputError as error:
        return _gallery_page(page, GalleryFilter(), problems=error.items)
    return _gallery_page(page, chosen)


def _gallery_page(
    page: Page, chosen: GalleryFilter, problems: Sequence[ErrorItem] = ()
) -> HTMLResponse:
    settings = page.context.settings
    with page.context.reading() as session:
        found = published_gallery(session, chosen)
        views = [
            idea_view(idea_out(idea, settings), page.lang, settings, {}) for idea in found.ideas
        ]
        fields = filter_fields(session, found, chosen, page.lang)
    return page.render(
        "gallery.html",
        400 if problems else 200,
        ideas=[] if problems else views,
        total=found.total,
        fields=fields,
        filtered=chosen.active,
        problems=[(item.loc, _message(item, page.lang)) for item in problems],
        page_url=f"{settings.base_url}/",
        idea_href=lambda slug: page.link(f"/i/{slug}"),
    )


def _message(item: ErrorItem, lang: str) -> Text:
    """An error's message in ``lang``, or in English (and marked so) while it has no
    translation."""
    text = item.message(lang)
    return Text(text, "en" if lang != "en" and text == item.message("en") else lang)
