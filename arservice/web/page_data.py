"""What the public pages show of an idea, in one language: texts with the language they are in,
the budget as money, the on-site directions, the model's text alternative, absolute URLs.

Built from the public JSON shape of an idea (:class:`~arservice.web.routes.ideas.IdeaOut`), so
a page shows exactly what ``GET /api/v1/ideas/{slug}`` gives, and nothing a draft has.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.numbers import format_currency
from markupsafe import Markup
from sqlalchemy.orm import Session

from arservice.errors import ArServiceError
from arservice.i18n import LANGUAGES
from arservice.parametric import resolve_params
from arservice.parametric.scene import Value
from arservice.parametric.texts import render_texts
from arservice.services.templates import template_info
from arservice.settings import Settings
from arservice.store.models import IdeaStage
from arservice.web.page_texts import Translator
from arservice.web.routes.ideas import IdeaOut

logger = logging.getLogger(__name__)

BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
"""Money and Open Graph locales: Helsinki's Finnish, Finland's Swedish, British English."""
COMPASS = (
    "north",
    "north_east",
    "east",
    "south_east",
    "south",
    "south_west",
    "west",
    "north_west",
)


@dataclass(frozen=True)
class Text:
    """A per-language text as shown: the text and the language it is really in."""

    text: str
    lang: str

    def html(self, page_lang: str) -> Markup:
        """The text, wrapped in ``<span lang>`` when it is not in the page's language."""
        if self.lang == page_lang:
            return Markup("{}").format(self.text)
        return Markup('<span lang="{}">{}</span>').format(self.lang, self.text)


def pick(texts: Mapping[str, str], lang: str) -> Text | None:
    """The text in ``lang``, else Finnish, Swedish, English, else the first given (the order of
    :func:`arservice.i18n.pick_text`), with the language it was found in."""
    for candidate in (lang, *LANGUAGES):
        if texts.get(candidate):
            return Text(texts[candidate], candidate)
    for candidate, text in texts.items():
        if text:
            return Text(text, candidate)
    return None


def format_budget(euros: float, lang: str) -> str:
    """``150 000 €`` in Finnish and Swedish (no-break spaces), ``€150,000`` in English; cents
    only when there are some."""
    locale = Locale.parse(BABEL_LOCALES.get(lang, "fi_FI"))
    pattern = locale.currency_formats["standard"].pattern
    if float(euros).is_integer():
        pattern = pattern.replace(".00", "")
        euros = int(euros)
    return format_currency(euros, "EUR", format=pattern, locale=locale, currency_digits=False)


def compass_point(degrees: float) -> str:
    """The nearest of the eight compass points: ``135`` -> ``south_east``."""
    return COMPASS[round((degrees % 360) / 45) % 8]


@dataclass(frozen=True)
class OnSite:
    """Where to stand: on the side the model's front faces, looking back at it, so that the
    model placed in AR (its front towards the phone) stands as it will be built. ``stand`` is
    the key of the sentence that says so (``stand_south_east``), ``facing_degrees`` the way to
    look, clockwise from north."""

    latitude: float
    longitude: float
    stand: str
    facing_degrees: int
    map_url: str


def on_site(latitude: float, longitude: float, heading: float) -> OnSite:
    facing = round(heading + 180) % 360
    map_url = (
        f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
        f"#map=19/{latitude:.6f}/{longitude:.6f}"
    )
    return OnSite(latitude, longitude, f"stand_{compass_point(heading)}", facing, map_url)


def absolute(settings: Settings, url: str | None) -> str | None:
    """A URL as a phone's other apps need it: ``/a/x.glb`` -> ``<base_url>/a/x.glb``."""
    if url is None or "://" in url:
        return url
    return f"{settings.base_url}{url}"


def model_descriptions(session: Session, idea: IdeaOut) -> dict[str, str]:
    """The template's description per language with the idea's values filled in ("An outdoor
    gym with 4 pull-up stations on a 9,6 m wide rubber pad"); empty for an uploaded model or
    when the template has none."""
    if idea.template is None:
        return {}
    try:
        template = template_info(session, idea.template.id, idea.template.version).template
        values: dict[str, Value] = resolve_params(template.params, idea.template.params)
        for name, raw in template.schema.let.items():
            values[name] = _let_value(template.expressions, raw, values)
    except ArServiceError:
        logger.exception("the description of idea %s cannot be made", idea.slug)
        return {}
    return render_texts(template.schema.description or {}, values, template.schema.option_labels())


def _let_value(expressions: Mapping[str, Any], raw: Any, values: Mapping[str, Value]) -> Value:
    if isinstance(raw, str) and raw.startswith("="):
        value: Value = expressions[raw[1:]].evaluate(values)
        return value
    return raw  # type: ignore[no-any-return]


def status_key(idea: IdeaOut) -> str:
    """The words of the idea's public status: being built, built, else a winning idea (or just
    an idea, when it did not win the vote)."""
    if idea.stage is IdeaStage.BUILDING:
        return "stage_building"
    if idea.stage is IdeaStage.BUILT:
        return "stage_built"
    return "status_selected" if idea.pb.selected else "status_proposal"


@dataclass(frozen=True)
class IdeaView:
    """One idea as a page shows it in ``lang``."""

    slug: str
    lang: str
    title: Text
    summary: Text | None
    description: Text | None
    status_key: str
    district: Text | None
    budget: str | None
    project_url: str | None
    glb: str | None
    usdz: str | None
    png: str | None
    alt: Text
    site: OnSite | None
    page_url: str
    kind: str | None


def idea_view(
    idea: IdeaOut, lang: str, settings: Settings, descriptions: Mapping[str, str]
) -> IdeaView:
    t = Translator(lang)
    title = pick(idea.title, lang) or Text(idea.slug, lang)
    alt = pick(descriptions, lang) or Text(t("fallback_alt", title=title.text), lang)
    budget = idea.pb.budget_eur
    site = idea.site
    return IdeaView(
        slug=idea.slug,
        lang=lang,
        title=title,
        summary=pick(idea.summary, lang),
        description=pick(idea.description, lang),
        status_key=status_key(idea),
        district=pick(idea.district, lang),
        budget=None if budget is None else format_budget(budget, lang),
        project_url=idea.pb.url,
        glb=absolute(settings, idea.artifacts.glb),
        usdz=absolute(settings, idea.artifacts.usdz),
        png=absolute(settings, idea.artifacts.png),
        alt=alt,
        site=None if site is None else on_site(site.latitude, site.longitude, site.heading),
        page_url=f"{settings.base_url}/i/{idea.slug}",
        kind=None if idea.template is None else idea.template.id,
    )
