"""A print-ready poster for one idea: A4 or A3 PDF, and a PNG preview of the same page.

The poster shows the preview render, the idea's title and short text in each chosen language, the
call to action beside the QR code, the short address under the code for typing, the city logo and
the campaign name. Text and the code are K100 black; fonts are embedded (subsets). The layout
and its design distance are in :mod:`.poster_layout`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from PIL import Image

from arservice.errors import ErrorItem, InputError
from arservice.i18n import N_
from arservice.printables.fonts import PosterFonts, register_fonts
from arservice.printables.images import load_image
from arservice.printables.payload import printed_address
from arservice.printables.pdf import build_pdf, render_page
from arservice.printables.poster_draw import PosterParts, draw_poster
from arservice.printables.poster_layout import (
    DESIGN_DISTANCE_M,
    PAGE_MM,
    PageSize,
    poster_layout,
)
from arservice.printables.qr import PreparedQr, prepare_qr
from arservice.printables.spec import choose_qr
from arservice.printables.texts import POSTER_LANGUAGES

DEFAULT_LANGUAGES = ("fi", "sv")
DEFAULT_ACCENT = "#0000bf"
MAX_PREVIEW_BYTES = 20 * 1024 * 1024
MAX_PREVIEW_SIDE_PX = 8192
MAX_CITY_LOGO_BYTES = 2 * 1024 * 1024
MAX_CITY_LOGO_SIDE_PX = 4096
MIN_IMAGE_SIDE_PX = 16
MIN_PREVIEW_DPI = 36
MAX_PREVIEW_DPI = 300
MAX_TITLE_CHARS = 500
MAX_TEXT_CHARS = 2000
MAX_CAMPAIGN_CHARS = 200
MM = 72 / 25.4

MSG_SIZE = N_("the poster size must be a4 or a3; it is {value}")
MSG_LANGS_EMPTY = N_("choose at least one language for the poster")
MSG_LANG = N_("the poster language must be one of {choices}; it is {value}")
MSG_LANG_TWICE = N_("the language {value} is chosen twice")
MSG_TITLE_MISSING = N_("the poster needs the title in this language")
MSG_TOO_LONG = N_("the text may be at most {max} characters; it has {length}")
MSG_ACCENT = N_("the accent colour must be written #rrggbb; it is {value}")
MSG_TOO_DENSE = N_(
    "the address is too long for the poster's code to scan from {distance} m: use a shorter"
    " base address"
)
MSG_DPI = N_("the preview resolution must be between {min} and {max} dpi; it is {value}")


@dataclass(frozen=True)
class PosterContent:
    """What one poster says. Texts are per language (``{"fi": ..., "sv": ...}``).

    ``payload`` is what the code says (from :func:`~arservice.printables.qr_payload`); the
    address under the code is the same without its ``https://``. ``preview`` is the idea's
    render (PNG or JPEG bytes; :func:`~arservice.printables.preview_pixels` gives a size that
    fills the picture box), ``city_logo`` a PNG or JPEG.
    """

    title: Mapping[str, str]
    payload: str
    text: Mapping[str, str] = field(default_factory=dict)
    campaign: str = ""
    preview: bytes | None = None
    city_logo: bytes | None = None
    accent: str = DEFAULT_ACCENT


def poster_pdf(
    content: PosterContent,
    size: str = "a4",
    langs: Sequence[str] = DEFAULT_LANGUAGES,
    *,
    fonts: PosterFonts,
) -> bytes:
    """The poster as a one-page PDF, A4 (210 x 297 mm) or A3 (297 x 420 mm)."""
    page = check_size(size)
    languages = check_languages(langs)
    check_content(content, languages)
    code = poster_code(content.payload, page)
    layout = poster_layout(page, code.matrix.modules)
    names = register_fonts(fonts)
    parts = PosterParts(
        title=content.title,
        text=content.text,
        campaign=content.campaign.strip(),
        accent=hex_rgb(content.accent),
        languages=languages,
        code=code,
        address=printed_address(content.payload),
        preview=load_optional(content.preview, "preview", MAX_PREVIEW_BYTES, MAX_PREVIEW_SIDE_PX),
        logo=load_optional(
            content.city_logo, "city_logo", MAX_CITY_LOGO_BYTES, MAX_CITY_LOGO_SIDE_PX
        ),
    )
    width, height = PAGE_MM[page]
    title = content.title[languages[0]].strip()
    return build_pdf(
        width * MM, height * MM, title, lambda canvas: draw_poster(canvas, layout, names, parts)
    )


def poster_png(
    content: PosterContent,
    size: str = "a4",
    langs: Sequence[str] = DEFAULT_LANGUAGES,
    *,
    fonts: PosterFonts,
    dpi: int = 96,
) -> bytes:
    """A PNG preview of :func:`poster_pdf`'s page (the PDF rendered by pdfium), at ``dpi``."""
    if not (isinstance(dpi, int) and MIN_PREVIEW_DPI <= dpi <= MAX_PREVIEW_DPI):
        raise InputError.single("dpi", MSG_DPI, min=MIN_PREVIEW_DPI, max=MAX_PREVIEW_DPI, value=dpi)
    image = render_page(poster_pdf(content, size, langs, fonts=fonts), dpi)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def check_size(size: str) -> PageSize:
    if size in PAGE_MM:
        return cast(PageSize, size)
    raise InputError.single("size", MSG_SIZE, value=size)


def check_languages(langs: Sequence[str]) -> tuple[str, ...]:
    """The chosen languages in order; each error names its place (``langs[2]``)."""
    if isinstance(langs, str):
        langs = [part.strip() for part in langs.split(",") if part.strip()]
    if not langs:
        raise InputError.single("langs", MSG_LANGS_EMPTY)
    items: list[ErrorItem] = []
    seen: set[str] = set()
    choices = ", ".join(POSTER_LANGUAGES)
    for k, lang in enumerate(langs):
        if lang not in POSTER_LANGUAGES:
            items.append(ErrorItem(f"langs[{k}]", MSG_LANG, {"choices": choices, "value": lang}))
        elif lang in seen:
            items.append(ErrorItem(f"langs[{k}]", MSG_LANG_TWICE, {"value": lang}))
        seen.add(lang)
    if items:
        raise InputError(items)
    return tuple(langs)


def check_content(content: PosterContent, languages: Sequence[str]) -> None:
    items: list[ErrorItem] = []
    for lang in languages:
        if not content.title.get(lang, "").strip():
            items.append(ErrorItem(f"title.{lang}", MSG_TITLE_MISSING))
    texts = [
        *((f"title.{k}", v, MAX_TITLE_CHARS) for k, v in content.title.items()),
        *((f"text.{k}", v, MAX_TEXT_CHARS) for k, v in content.text.items()),
        ("campaign", content.campaign, MAX_CAMPAIGN_CHARS),
    ]
    for loc, value, limit in texts:
        if len(value) > limit:
            items.append(ErrorItem(loc, MSG_TOO_LONG, {"max": limit, "length": len(value)}))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", content.accent):
        items.append(ErrorItem("accent", MSG_ACCENT, {"value": content.accent}))
    if items:
        raise InputError(items)


def poster_code(payload: str, size: PageSize) -> PreparedQr:
    """The poster's code (level M, no logo: the city logo is on the poster already)."""
    spec = choose_qr(DESIGN_DISTANCE_M[size])
    code = prepare_qr(payload, spec)
    layout = poster_layout(size, code.matrix.modules)
    if layout.qr.width / code.matrix.modules < spec.min_module_mm - 1e-9:
        raise InputError.single("payload", MSG_TOO_DENSE, distance=spec.distance_m)
    return code


def hex_rgb(value: str) -> tuple[float, float, float]:
    return (int(value[1:3], 16) / 255, int(value[3:5], 16) / 255, int(value[5:7], 16) / 255)


def load_optional(
    data: bytes | None, loc: str, max_bytes: int, max_side: int
) -> Image.Image | None:
    if data is None:
        return None
    return load_image(data, loc, max_bytes=max_bytes, min_side=MIN_IMAGE_SIDE_PX, max_side=max_side)
