"""Rendering a staff page: the layout, the role-based menu, the language switch, the headers.

The staff pages share the residents' Jinja environment (:func:`arservice.web.pages.environment`,
templates under ``templates/admin/``), the language negotiation (``?lang=``, else
Accept-Language, else the default) and the Content-Security-Policy of
:mod:`arservice.web.security` (no inline script: the pages' data reach their scripts as
``data-`` attributes and one ``<script type="application/json">``, which is never run). They
differ from public pages in three ways: they are never cached (``no-store``: they show drafts
and a CSRF token), they tell other sites nothing of their address (``Referrer-Policy:
same-origin``), and they may carry the session cookie (set by the login form).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from arservice.i18n import LANGUAGES
from arservice.store.models import Role
from arservice.web.admin.assets import admin_assets
from arservice.web.admin.texts import SCRIPT_TEXTS, AdminTranslator
from arservice.web.auth import Principal
from arservice.web.context import AppContext
from arservice.web.language import request_language
from arservice.web.pages import LANGUAGE_NAMES, LanguageLink, environment
from arservice.web.security import page_headers
from arservice.web.static import static_assets


@dataclass(frozen=True)
class MenuItem:
    """One entry of the staff menu: shown to the roles that may open its page (an admin sees
    every entry); the page itself checks the same roles (:mod:`arservice.web.admin.guard`)."""

    key: str
    path: str
    roles: tuple[Role, ...]


MENU: tuple[MenuItem, ...] = (
    MenuItem("menu_home", "/admin", ()),
    MenuItem("menu_ideas", "/admin/ideas", (Role.PLANNER,)),
    MenuItem("menu_templates", "/admin/templates", (Role.PLANNER,)),
    MenuItem("menu_import", "/admin/import", (Role.PLANNER,)),
    MenuItem("menu_campaigns", "/admin/campaigns", (Role.COMMS,)),
    MenuItem("menu_codes", "/admin/codes", (Role.COMMS,)),
    MenuItem("menu_logo", "/admin/logo", (Role.ADMIN,)),
    MenuItem("menu_users", "/admin/users", (Role.ADMIN,)),
    MenuItem("menu_audit", "/admin/audit", (Role.ADMIN,)),
)
PLANNER_PAGES = (Role.PLANNER,)
COMMS_PAGES = (Role.COMMS,)
ADMIN_PAGES = (Role.ADMIN,)
STAFF_CACHE = "no-store"


@dataclass(frozen=True)
class MenuLink:
    label: str
    href: str
    current: bool


class AdminPage:
    """What every staff template gets: the language, the words, the user, the menu, links."""

    def __init__(
        self, request: Request, context: AppContext, principal: Principal | None = None
    ) -> None:
        self.request = request
        self.context = context
        self.principal = principal
        self.lang = request_language(request, context.settings.default_language)
        self.lang_asked = request.query_params.get("lang") == self.lang
        self.root = request.scope.get("root_path", "")
        self.t = AdminTranslator(self.lang)

    def link(self, path: str, **query: str) -> str:
        """A link to a page of ours (``path`` from the site root), keeping an asked language."""
        params = {key: value for key, value in query.items() if value}
        if self.lang_asked:
            params["lang"] = self.lang
        return f"{self.root}{path}" + (f"?{urlencode(params)}" if params else "")

    def menu(self, current: str) -> list[MenuLink]:
        if self.principal is None:
            return []
        return [
            MenuLink(self.t(item.key), self.link(item.path), item.path == current)
            for item in MENU
            if not item.roles or self.principal.has_role(*item.roles)
        ]

    def switch(self) -> list[LanguageLink]:
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

    def script_texts(self) -> Markup:
        """The words the scripts show, as JSON for ``<script type="application/json">`` (``<``
        escaped, so no text can close the element)."""
        texts = {key: self.t.pattern(key) for key in SCRIPT_TEXTS}
        text = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
        return Markup(text)

    def values(self, current: str, **extra: Any) -> dict[str, Any]:
        assets = static_assets(self.request)
        own = admin_assets(self.request)
        return {
            "lang": self.lang,
            "t": self.t,
            "user": self.principal,
            "menu": self.menu(current),
            "switch": self.switch(),
            "link": self.link,
            "asset": lambda name: self.root + assets.url(name),
            "admin_asset": lambda name: self.root + own.url(name),
            "csrf": self.principal.csrf_token if self.principal else None,
            "script_texts": self.script_texts(),
            "api_root": self.root,
            **extra,
        }

    def render(
        self, template: str, *, current: str = "", status: int = 200, **extra: Any
    ) -> HTMLResponse:
        body = environment().get_template(f"admin/{template}").render(self.values(current, **extra))
        headers = {
            **page_headers(self.context.settings, static_assets(self.request).style_hashes),
            "Referrer-Policy": "same-origin",
            "Cache-Control": STAFF_CACHE,
            "Vary": "Accept-Language, Cookie",
            "Content-Language": self.lang,
        }
        return HTMLResponse(body, status_code=status, headers=headers)
