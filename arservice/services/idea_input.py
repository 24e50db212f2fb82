"""What a request may say about an idea, and the checks that turn it into column values.

The request models (:class:`IdeaCreate`, :class:`IdeaUpdate`) only fix the shape (unknown fields
and wrong types are refused by pydantic); the rules — languages, lengths, URLs, budgets, the site,
template and parameter values, slugs — are checked here, so every problem gets a place and a
translatable message, and the demo seeding follows the same rules as the API.

Each ``check_*`` function appends what it finds to ``problems`` and returns the values it could
make, so one request reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from sqlalchemy.orm import Session

from arservice.errors import ConflictError, ErrorItem, InputError, NotFoundError, ParameterError
from arservice.i18n import LANGUAGES, N_
from arservice.services.artifacts import canonical_params
from arservice.services.geopose import SiteIn, check_site, footprint_geojson, site_geopose
from arservice.services.templates import stored_template
from arservice.store import repositories as repo
from arservice.store.blobs import BlobStore
from arservice.store.models import IdeaStage

MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 1000
MAX_DESCRIPTION_CHARS = 10_000
MAX_URL_CHARS = 500
MAX_PROJECT_ID_CHARS = 100
MAX_SLUG_CHARS = 100
MAX_DISTRICT_CHARS = 100
"""A district is a name (Itäinen, Östra), not a text: a hundred characters is plenty."""
MAX_BUDGET_EUR = 20_000_000
"""Budgets are stored as integer cents; this keeps them inside a 32-bit integer."""
SLUG_RE = re.compile(r"[a-z0-9-]+")
PLATFORM_RE = re.compile(r"[a-z0-9-]{1,32}")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters; a tab and a line break are allowed."""

MSG_LANGUAGE = N_("'{code}' is not a language of the service; use fi, sv or en")
MSG_TITLE_NEEDED = N_("an idea needs a title in at least one language: fi, sv or en")
MSG_TEXT_EMPTY = N_("must not be empty; leave it out instead")
MSG_TEXT_LONG = N_("must have at most {max} characters (it has {length})")
MSG_TEXT_CONTROL = N_("must not contain control characters")
MSG_PLATFORM = N_("must be a short name of lowercase letters, digits and hyphens, such as decidim")
MSG_URL = N_("must be an http:// or https:// address of at most {max} characters")
MSG_BUDGET = N_(
    "must be an amount of euros from 0 to {max} with at most two decimals (got {value})"
)
MSG_SLUG = N_(
    "must be lowercase letters a-z, digits and hyphens, at most {max} characters (got '{value}')"
)
MSG_STAGE = N_(
    "'{value}' is not a stage of an idea; use winner (won the vote), building (being built) or "
    "built"
)
MSG_SLUG_TAKEN = N_(
    "the slug '{slug}' is taken by another idea; choose another, or leave it out to have one "
    "made from the title"
)
LangMap = dict[StrictStr, StrictStr]
STAGE_DESCRIPTION = (
    "How far the idea has got in the world: winner (won the vote, not started), building "
    "(being built) or built."
)
DISTRICT_DESCRIPTION = (
    "The district's name per language (fi, sv, en), such as "
    '{"fi": "Itäinen", "sv": "Östra", "en": "Eastern"}; empty: none. The public gallery '
    "filters by it."
)


class PbIn(BaseModel):
    """Where the idea won: the participatory-budgeting project it comes from."""

    model_config = ConfigDict(extra="forbid")

    platform: StrictStr | None = Field(default=None, description="Such as decidim.")
    url: StrictStr | None = Field(default=None, description="The project's page, http(s).")
    project_id: StrictStr | None = Field(default=None, max_length=MAX_PROJECT_ID_CHARS)
    budget_eur: StrictFloat | None = Field(
        default=None, description=f"Euros, 0..{MAX_BUDGET_EUR}, at most two decimals."
    )
    selected: StrictBool = Field(default=False, description="Won the vote.")


class TemplateIn(BaseModel):
    """A stored template version and parameter values for it."""

    model_config = ConfigDict(extra="forbid")

    id: StrictStr
    version: StrictInt | None = Field(
        default=None,
        description="Default: the newest version (when editing, the idea's current version if "
        "the id stays the same).",
    )
    params: dict[StrictStr, Any] = Field(
        default_factory=dict, description="Values by parameter name; the rest take defaults."
    )


class IdeaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: StrictStr | None = Field(
        default=None, description="Optional, [a-z0-9-]+; default: made from the title."
    )
    title: LangMap = Field(
        description="Per language (fi, sv, en); at least one.",
        json_schema_extra={"minProperties": 1},  # checked by check_title, with our message
    )
    summary: LangMap = Field(default_factory=dict)
    description: LangMap = Field(default_factory=dict)
    stage: StrictStr | None = Field(
        default=None,
        description=STAGE_DESCRIPTION + " Default: winner.",
        json_schema_extra={"enum": [stage.value for stage in IdeaStage]},
    )
    district: LangMap = Field(default_factory=dict, description=DISTRICT_DESCRIPTION)
    pb: PbIn | None = None
    site: SiteIn | None = None
    template: TemplateIn | None = None


class IdeaUpdate(BaseModel):
    """Fields left out stay as they are; a field given replaces the whole field."""

    model_config = ConfigDict(extra="forbid")

    title: LangMap | None = None
    summary: LangMap | None = None
    description: LangMap | None = None
    stage: StrictStr | None = Field(
        default=None,
        description=STAGE_DESCRIPTION,
        json_schema_extra={"enum": [stage.value for stage in IdeaStage]},
    )
    district: LangMap | None = Field(default=None, description=DISTRICT_DESCRIPTION)
    pb: PbIn | None = None
    site: SiteIn | None = None
    template: TemplateIn | None = None


# --- checks ----------------------------------------------------------------------------


def check_texts(
    values: Mapping[str, str], loc: str, limit: int, problems: list[ErrorItem]
) -> dict[str, str]:
    texts = {}
    for lang, raw in values.items():
        text = raw.strip()
        if lang not in LANGUAGES:
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_LANGUAGE, {"code": lang}))
        elif not text:
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_TEXT_EMPTY))
        elif len(text) > limit:
            problems.append(
                ErrorItem(f"{loc}.{lang}", MSG_TEXT_LONG, {"max": limit, "length": len(text)})
            )
        elif CONTROL_RE.search(text):
            problems.append(ErrorItem(f"{loc}.{lang}", MSG_TEXT_CONTROL))
        else:
            texts[lang] = text
    return texts


def check_title(values: Mapping[str, str] | None, problems: list[ErrorItem]) -> dict[str, str]:
    before = len(problems)
    title = check_texts(values or {}, "title", MAX_TITLE_CHARS, problems)
    if not title and len(problems) == before:
        problems.append(ErrorItem("title", MSG_TITLE_NEEDED))
    return title


def check_stage(value: str | None, problems: list[ErrorItem]) -> IdeaStage | None:
    """The stage named by ``value`` (None: not given); an unknown name is a problem at
    ``stage``. The request keeps it a plain string so the message is ours, in the reader's
    language, rather than pydantic's English."""
    if value is None:
        return None
    try:
        return IdeaStage(value)
    except ValueError:
        problems.append(ErrorItem("stage", MSG_STAGE, {"value": value[:40]}))
        return None


def check_district(values: Mapping[str, str] | None, problems: list[ErrorItem]) -> dict[str, str]:
    """The district's names, checked like every per-language text (may be empty: no district)."""
    return check_texts(values or {}, "district", MAX_DISTRICT_CHARS, problems)


def check_pb(pb: PbIn, problems: list[ErrorItem]) -> dict[str, Any]:
    """The idea's ``pb_*`` column values of ``pb``."""
    if pb.platform is not None and not PLATFORM_RE.fullmatch(pb.platform):
        problems.append(ErrorItem("pb.platform", MSG_PLATFORM))
    if pb.url is not None:
        parts = urlsplit(pb.url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or len(pb.url) > MAX_URL_CHARS:
            problems.append(ErrorItem("pb.url", MSG_URL, {"max": MAX_URL_CHARS}))
    project_id = None
    if pb.project_id is not None:
        project_id = pb.project_id.strip()
        if not project_id:
            problems.append(ErrorItem("pb.project_id", MSG_TEXT_EMPTY))
        elif CONTROL_RE.search(project_id):
            problems.append(ErrorItem("pb.project_id", MSG_TEXT_CONTROL))
    cents = None
    if pb.budget_eur is not None:
        amount = Decimal(repr(float(pb.budget_eur))) if _finite(pb.budget_eur) else None
        if amount is None or not 0 <= amount <= MAX_BUDGET_EUR or (amount * 100) % 1 != 0:
            problems.append(
                ErrorItem(
                    "pb.budget_eur", MSG_BUDGET, {"max": MAX_BUDGET_EUR, "value": pb.budget_eur}
                )
            )
        else:
            cents = int(amount * 100)
    return {
        "pb_platform": pb.platform,
        "pb_url": pb.url,
        "pb_project_id": project_id,
        "pb_budget_cents": cents,
        "pb_selected": pb.selected,
    }


def _finite(value: float) -> bool:
    return value == value and value not in (float("inf"), float("-inf"))


def check_site_columns(site: SiteIn | None, problems: list[ErrorItem]) -> dict[str, Any]:
    """The idea's ``site`` and ``footprint`` column values."""
    if site is None:
        return {"site": None, "footprint": None}
    try:
        checked = check_site(site)
    except InputError as error:
        problems.extend(error.items)
        return {}
    return {"site": site_geopose(checked), "footprint": footprint_geojson(checked)}


def template_columns(
    session: Session, blobs: BlobStore, choice: TemplateIn, version: int | None
) -> dict[str, Any]:
    """The idea's template columns for ``choice`` at ``version``; InputError for an unknown
    template or version, ParameterError (at ``template.params.<name>``) for bad values."""
    try:
        stored = stored_template(session, blobs, choice.id, version)
    except NotFoundError as error:
        raise InputError(
            ErrorItem(f"template.{item.loc or 'id'}", item.msgid, item.params)
            for item in error.items
        ) from None
    try:
        params = canonical_params(stored.template, choice.params)
    except ParameterError as error:
        raise ParameterError(item.at("template.params") for item in error.items) from None
    return {
        "template_id": stored.template.id,
        "template_version": stored.template.version,
        "params": dict(params),
        "uploaded_glb_key": None,
    }


def check_slug(session: Session, slug: str) -> None:
    if not SLUG_RE.fullmatch(slug) or len(slug) > MAX_SLUG_CHARS:
        raise InputError([ErrorItem("slug", MSG_SLUG, {"max": MAX_SLUG_CHARS, "value": slug})])
    if repo.idea_slug_exists(session, slug):
        raise ConflictError([ErrorItem("slug", MSG_SLUG_TAKEN, {"slug": slug})])
