"""Message catalogs: English message ids, translated through gettext ``.po`` catalogs (Babel).

Catalogs live in ``arservice/i18n/locale/<lang>/LC_MESSAGES/arservice.po``; a new language is a new
catalog. They are read once, lazily, from the package itself (package data, not user input).

Mark a message for extraction with :func:`N_` where it is defined and translate it with
:func:`translate` where it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
DOMAIN = "arservice"


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``msgid`` for extraction into the catalogs; returns it unchanged."""
    return msgid


@cache
def _catalog(lang: str) -> dict[str, str]:
    path = resources.files(__package__).joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def normalize_language(lang: str | None) -> str:
    """``fi-FI`` -> ``fi``; anything unknown -> English (the language of the message ids)."""
    base = (lang or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else "en"


def pick_text(texts: Mapping[str, str], lang: str | None) -> str:
    """A per-language text in ``lang``, else Finnish, Swedish, English, else the first given."""
    requested = (lang or "").split("-")[0].split("_")[0].lower()
    for candidate in (requested, *LANGUAGES):
        if texts.get(candidate):
            return texts[candidate]
    return next(iter(texts.values()), "")


def translate(lang: str, msgid: str, **params: Any) -> str:
    """The message in ``lang`` (English when there is no translation), placeholders filled."""
    text = _catalog(normalize_language(lang)).get(msgid, msgid)
    for candidate in (text, msgid):
        try:
            return candidate.format(**params)
        except (KeyError, IndexError, ValueError):
            continue
    return msgid
