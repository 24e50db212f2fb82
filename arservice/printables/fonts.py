"""The poster's fonts: TrueType files passed in as bytes, registered once with reportlab.

The core reads no files: the caller gives the font bytes (the store layer reads the shipped
``assets/fonts/NotoSans-*.ttf``; a city with a licence for its own typeface can pass that).
reportlab embeds a subset of each font (the glyphs a poster uses) as a ``FontFile2`` stream.

reportlab keeps registered fonts in a process-wide table; each font is registered under a name
made from a hash of its bytes, once, under a lock, so threads and repeated posters share it.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from arservice.errors import InputError
from arservice.i18n import N_

MSG_FONT = N_("the font {name} is not a TrueType font that may be embedded")

_LOCK = threading.Lock()
_REGISTERED: dict[str, str] = {}


@dataclass(frozen=True)
class PosterFonts:
    """TrueType (glyf) font files for the poster's regular and bold text."""

    regular: bytes
    bold: bytes


@dataclass(frozen=True)
class FontNames:
    """The reportlab names the fonts are registered under."""

    regular: str
    bold: str


def register_fonts(fonts: PosterFonts) -> FontNames:
    """Register both fonts (once per distinct file) and return their names."""
    return FontNames(
        regular=register_font(fonts.regular, "fonts.regular"),
        bold=register_font(fonts.bold, "fonts.bold"),
    )


def register_font(data: bytes, loc: str) -> str:
    digest = hashlib.sha256(data).hexdigest()[:16]
    with _LOCK:
        name = _REGISTERED.get(digest)
        if name is not None:
            return name
        name = f"ArFont-{digest}"
        try:
            font = TTFont(name, io.BytesIO(data))
        except (TTFError, ValueError, KeyError, IndexError, OSError, TypeError) as exc:
            raise InputError.single(loc, MSG_FONT, name=loc) from exc
        pdfmetrics.registerFont(font)
        _REGISTERED[digest] = name
        return name


def text_width(text: str, font: str, size: float) -> float:
    """The width of ``text`` in points."""
    return float(pdfmetrics.stringWidth(text, font, size))
