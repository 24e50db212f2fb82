"""The language of a request: ``?lang=``, else the best match in Accept-Language, else the
configured default (Finnish unless set otherwise)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from arservice.i18n import LANGUAGES


def _base(tag: str) -> str:
    """``sv-FI`` -> ``sv``; ``FI_fi`` -> ``fi``."""
    return tag.strip().split("-")[0].split("_")[0].lower()


def negotiate_language(header: str | None) -> str | None:
    """The supported language the Accept-Language ``header`` prefers most, or None.

    Highest ``q`` wins, ties go to the one listed first; ``q=0`` means "not this one";
    a wildcard or an unreadable entry is skipped.
    """
    best: tuple[float, str] | None = None
    for entry in (header or "").split(","):
        tag, *options = entry.split(";")
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = _base(tag)
        if lang in LANGUAGES and quality > 0 and (best is None or quality > best[0]):
            best = (quality, lang)
    return None if best is None else best[1]


def request_language(connection: HTTPConnection, default: str) -> str:
    """The language to answer ``connection`` in: one of :data:`arservice.i18n.LANGUAGES`."""
    asked = _base(connection.query_params.get("lang", ""))
    if asked in LANGUAGES:
        return asked
    return negotiate_language(connection.headers.get("accept-language")) or default
