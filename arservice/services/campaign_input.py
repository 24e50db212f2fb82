"""What a request may say about a campaign or a short code, and the checks behind it.

The request schemas only fix the shape (pydantic refuses unknown fields and wrong types); the
rules are checked here so that every problem gets a place and a translatable message, and the
API and the command line (``arservice campaign build``) follow the same rules:

- a campaign's name is per language (fi, sv, en), at most :data:`MAX_NAME_CHARS` characters,
  and no other campaign has the same name (``arservice campaign build --name`` finds a campaign
  by it, so two alike would be ambiguous);
- its poster languages are a non-empty list of fi, sv, en in print order, each once;
- its poster size is a4 or a3;
- a code's target URL is http or https with a host, no user name or password (a printed code
  must never carry credentials, and ``https://city.fi@evil.example`` is a classic disguise), no
  spaces or control characters, at most :data:`MAX_TARGET_URL_CHARS` characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from arservice.errors import ErrorItem
from arservice.i18n import LANGUAGES, N_
from arservice.store.models import PosterSize

MAX_NAME_CHARS = 200
"""The poster prints the campaign's name in its header; longer does not fit."""
MAX_IDEAS = 500
MAX_LABEL_CHARS = 200
MAX_TARGET_URL_CHARS = 2000
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
LangMap = dict[StrictStr, StrictStr]

MSG_LANGUAGE = N_("'{code}' is not a language of the service; use fi, sv or en")
MSG_LANGUAGES_EMPTY = N_("choose at least one poster language: fi, sv or en")
MSG_LANGUAGE_TWICE = N_("the language {code} is chosen twice")
MSG_NAME_NEEDED = N_("a campaign needs a name in at least one language: fi, sv or en")
MSG_TEXT_EMPTY = N_("must not be empty; leave it out instead")
MSG_TEXT_LONG = N_("must have at most {max} characters (it has {length})")
MSG_TEXT_CONTROL = N_("must not contain control characters")
MSG_SIZE = N_("the poster size must be a4 or a3 (got '{value}')")
MSG_URL = N_(
    "must be an http:// or https:// address with a host, without spaces, a user name or a "
    "password, of at most {max} characters"
)


class CampaignCreate(BaseModel):
    """A new campaign: its name, poster languages and size, and its ideas (each gets a code)."""

    model_config = ConfigDict(extra="forbid")

    name: LangMap = Field(description="Per language (fi, sv, en); printed on every poster.")
    languages: list[StrictStr] = Field(
        default_factory=lambda: ["fi", "sv"],
        description="The posters' languages in print order: fi, sv, en.",
    )
    poster_size: StrictStr = Field(default="a4", description="a4 or a3.")
    ideas: list[StrictStr] = Field(
        description="Slugs of published ideas with a preview picture; at least one.",
        max_length=MAX_IDEAS,
    )


class CampaignUpdate(BaseModel):
    """Fields left out stay as they are; the ideas are changed by their own calls."""

    model_config = ConfigDict(extra="forbid")

    name: LangMap | None = None
    languages: list[StrictStr] | None = None
    poster_size: StrictStr | None = None


class CampaignIdeas(BaseModel):
    """Ideas to add to a campaign, after those already in it; each gets a new code."""

    model_config = ConfigDict(extra="forbid")

    ideas: list[StrictStr] = Field(max_length=MAX_IDEAS)


class CodeCreate(BaseModel):
    """A code of its own, outside any campaign: for an idea, or for any http(s) address."""

    model_config = ConfigDict(extra="forbid")

    target_idea: StrictStr | None = Field(default=None, description="A published idea's slug.")
    target_url: StrictStr | None = Field(default=None, description="An http(s) address.")
    lang: StrictStr | None = Field(
        default=None, description="fi, sv or en: the idea's page opens in it."
    )
    label: StrictStr = Field(default="", description="A note for staff (where it is posted).")


class CodeUpdate(BaseModel):
    """Retarget a code (to an idea *or* a URL), or change its language, label or state."""

    model_config = ConfigDict(extra="forbid")

    target_idea: StrictStr | None = None
    target_url: StrictStr | None = None
    lang: StrictStr | None = None
    label: StrictStr | None = None
    active: StrictBool | None = None


def check_name(values: Mapping[str, str], problems: list[ErrorItem]) -> dict[str, str]:
    """The campaign's name per language, stripped; problems at ``name.<lang>``."""
    before = len(problems)
    name: dict[str, str] = {}
    for lang, raw in values.items():
        text, loc = raw.strip(), f"name.{lang}"
        if lang not in LANGUAGES:
            problems.append(ErrorItem(loc, MSG_LANGUAGE, {"code": lang}))
        elif not text:
            problems.append(ErrorItem(loc, MSG_TEXT_EMPTY))
        elif len(text) > MAX_NAME_CHARS:
            problems.append(
                ErrorItem(loc, MSG_TEXT_LONG, {"max": MAX_NAME_CHARS, "length": len(text)})
            )
        elif CONTROL_RE.search(text):
            problems.append(ErrorItem(loc, MSG_TEXT_CONTROL))
        else:
            name[lang] = text
    if not name and len(problems) == before:
        problems.append(ErrorItem("name", MSG_NAME_NEEDED))
    return name


def check_languages(values: Sequence[str], problems: list[ErrorItem]) -> list[str]:
    """Poster languages in print order; problems at ``languages[k]``."""
    if not values:
        problems.append(ErrorItem("languages", MSG_LANGUAGES_EMPTY))
    chosen: list[str] = []
    for k, lang in enumerate(values):
        if lang not in LANGUAGES:
            problems.append(ErrorItem(f"languages[{k}]", MSG_LANGUAGE, {"code": lang}))
        elif lang in chosen:
            problems.append(ErrorItem(f"languages[{k}]", MSG_LANGUAGE_TWICE, {"code": lang}))
        else:
            chosen.append(lang)
    return chosen


def check_poster_size(value: str, problems: list[ErrorItem]) -> PosterSize:
    try:
        return PosterSize(value)
    except ValueError:
        problems.append(ErrorItem("poster_size", MSG_SIZE, {"value": value}))
        return PosterSize.A4


def check_lang(value: str | None, problems: list[ErrorItem]) -> str | None:
    """A code's language: None (the reader's own), or fi, sv, en."""
    if value is not None and value not in LANGUAGES:
        problems.append(ErrorItem("lang", MSG_LANGUAGE, {"code": value}))
    return value


def check_label(value: str, problems: list[ErrorItem]) -> str:
    text = value.strip()
    if len(text) > MAX_LABEL_CHARS:
        problems.append(
            ErrorItem("label", MSG_TEXT_LONG, {"max": MAX_LABEL_CHARS, "length": len(text)})
        )
    elif CONTROL_RE.search(text):
        problems.append(ErrorItem("label", MSG_TEXT_CONTROL))
    return text


def check_target_url(value: str, problems: list[ErrorItem], loc: str = "target_url") -> str:
    """An address a scan may be sent to (see the module's rules)."""
    url = value.strip()
    problem = ErrorItem(loc, MSG_URL, {"max": MAX_TARGET_URL_CHARS})
    if len(url) > MAX_TARGET_URL_CHARS or CONTROL_RE.search(url) or " " in url:
        problems.append(problem)
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        problems.append(problem)
        return url
    credentials = parts.username is not None or parts.password is not None or "@" in parts.netloc
    if parts.scheme.lower() not in ("http", "https") or not host or credentials:
        problems.append(problem)
    return url
