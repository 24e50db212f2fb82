"""Drawing a poster's layout onto a reportlab canvas (points, origin at the bottom left)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from arservice.printables.fonts import FontNames, text_width
from arservice.printables.poster_layout import Box, PosterLayout, image_heights, split_body
from arservice.printables.qr import K100, PreparedQr, draw_qr
from arservice.printables.textfit import (
    LEADING,
    Laid,
    Paragraph,
    Style,
    fit,
    fit_scaled,
    total_height,
)
from arservice.printables.texts import CALL_TO_ACTION, SCAN_HINT

MM = 72 / 25.4
PREVIEW_DPI = 200
"""The preview render is stored at most at this resolution (JPEG, quality 90)."""
LOGO_DPI = 300
"""The city logo is stored at most at this resolution (lossless)."""
BASELINE = 0.93
"""A line's baseline below its top, × the font size (room for Å and Ä)."""
GREY = (0.0, 0.0, 0.0, 0.72)
NO_PREVIEW_GROWTH = 1.5
"""How much larger the text may be on a poster without a preview render."""
COMFORT = 0.8
"""The text may shrink to this share of its largest size before the preview gives up height."""


@dataclass(frozen=True)
class PosterParts:
    """What the page shows, checked and decoded."""

    title: Mapping[str, str]
    text: Mapping[str, str]
    campaign: str
    accent: tuple[float, float, float]
    languages: Sequence[str]
    code: PreparedQr
    address: str
    preview: Image.Image | None
    logo: Image.Image | None


def draw_poster(canvas: Canvas, layout: PosterLayout, fonts: FontNames, parts: PosterParts) -> None:
    page = Page(canvas, layout)
    s = layout.scale
    logo_width = page.draw_logo(parts.logo, layout.header) if parts.logo is not None else 0.0
    if parts.campaign:
        header = layout.header
        box = Box(
            header.x,
            header.y,
            header.width - logo_width - (6 * s if logo_width else 0),
            header.height,
        )
        style = Style(fonts.bold, 13 * s, 8 * s, color=rgb_as_cmyk(parts.accent))
        page.draw_block([Paragraph(parts.campaign, style)], box, centre=True)
    canvas.setFillColorRGB(*parts.accent)
    page.fill(layout.rule)
    if parts.preview is None:  # the text takes the picture's place, larger, centred
        page.draw_block(idea_paragraphs(parts, fonts, s * NO_PREVIEW_GROWTH), layout.body, True)
    else:
        paragraphs = idea_paragraphs(parts, fonts, s)
        image, text = body_split(layout, paragraphs)
        page.draw_preview(parts.preview, image)
        page.draw_block(paragraphs, text)
    quiet = layout.quiet_zone
    qr = layout.qr
    x, y = page.point(qr.x - quiet, qr.bottom + quiet)
    draw_qr(canvas, parts.code, x, y, (qr.width + 2 * quiet) * MM)
    page.draw_block(
        action_paragraphs(parts.languages, fonts, s), layout.call_to_action, centre=True
    )
    page.draw_line(parts.address, fonts.bold, 15 * s, layout.url)


def body_split(layout: PosterLayout, paragraphs: Sequence[Paragraph]) -> tuple[Box, Box]:
    """The tallest preview that leaves the text room at COMFORT of its largest sizes, or the
    lowest preview."""
    heights = image_heights(layout)
    for height in heights:
        image, text = split_body(layout, height)
        _, shrink = fit_scaled(paragraphs, text.width * MM, text.height * MM, least=COMFORT)
        if shrink >= COMFORT:
            return image, text
    return split_body(layout, heights[-1])


def idea_paragraphs(parts: PosterParts, fonts: FontNames, s: float) -> list[Paragraph]:
    """Each language's title (bold) and short text; a title equal to an earlier one is left out."""
    title = Style(fonts.bold, 30 * s, 14 * s, space_after=0.25, keep=True)
    body = Style(fonts.regular, 14 * s, 10 * s, space_after=0.3)
    paragraphs: list[Paragraph] = []
    shown: set[str] = set()
    for lang in parts.languages:
        name = parts.title[lang].strip()
        if name not in shown:
            paragraphs.append(Paragraph(name, title))
            shown.add(name)
        text = parts.text.get(lang, "").strip()
        if text:
            paragraphs.append(Paragraph(text, body))
        if paragraphs:
            last = paragraphs[-1]
            paragraphs[-1] = Paragraph(last.text, spaced(last.style, 1.0))
    return paragraphs


def action_paragraphs(languages: Sequence[str], fonts: FontNames, s: float) -> list[Paragraph]:
    """The call to action (bold) and how to scan, in each language."""
    action = Style(fonts.bold, 17 * s, 9 * s, space_after=0.2, keep=True)
    hint = Style(fonts.regular, 11 * s, 7 * s, space_after=1.1, color=GREY)
    paragraphs: list[Paragraph] = []
    for lang in languages:
        paragraphs.append(Paragraph(CALL_TO_ACTION[lang], action))
        paragraphs.append(Paragraph(SCAN_HINT[lang], hint))
    return paragraphs


def spaced(style: Style, space_after: float) -> Style:
    return Style(style.font, style.max_size, style.min_size, space_after, style.color, style.keep)


def rgb_as_cmyk(rgb: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """A naive RGB -> CMYK for the accent colour's text (no ICC profile)."""
    k = 1 - max(rgb)
    if k >= 1:
        return (0.0, 0.0, 0.0, 1.0)
    c, m, y = ((1 - v - k) / (1 - k) for v in rgb)
    return (c, m, y, k)


class Page:
    """The canvas with the layout's millimetre boxes (from the top left) turned into points."""

    def __init__(self, canvas: Canvas, layout: PosterLayout) -> None:
        self.canvas = canvas
        self.layout = layout

    def point(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        return x_mm * MM, (self.layout.page_height - y_mm) * MM

    def fill(self, box: Box) -> None:
        x, y = self.point(box.x, box.bottom)
        self.canvas.rect(x, y, box.width * MM, box.height * MM, stroke=0, fill=1)

    def draw_block(self, paragraphs: Sequence[Paragraph], box: Box, centre: bool = False) -> None:
        """Paragraphs fitted into ``box``, from its top (or centred in it)."""
        width, height = box.width * MM, box.height * MM
        laid = fit(paragraphs, width, height)
        x, top = self.point(box.x, box.y)
        if centre:
            top -= (height - total_height(laid)) / 2
        for item in laid:
            top = self.draw_laid(item, x, top)

    def draw_laid(self, item: Laid, x: float, top: float) -> float:
        self.canvas.setFillColorCMYK(*item.color)
        self.canvas.setFont(item.font, item.size)
        for line in item.lines:
            self.canvas.drawString(x, top - item.size * BASELINE, line)
            top -= item.size * LEADING
        return top - item.space_after

    def draw_line(self, text: str, font: str, size: float, box: Box) -> None:
        """One line centred in ``box``, shrunk to its width."""
        width = box.width * MM
        size = min(
            size, size * width / max(text_width(text, font, size), 1e-6), box.height * MM / LEADING
        )
        x, top = self.point(box.x, box.y)
        self.canvas.setFillColorCMYK(*K100)
        self.canvas.setFont(font, size)
        self.canvas.drawCentredString(x + width / 2, top - size * BASELINE, text)

    def draw_preview(self, image: Image.Image, box: Box) -> None:
        """The render contained in ``box``, the rest of the box in the render's corner colour."""
        width, height = fitted(image, box)
        corner = image.getpixel((0, 0))
        assert isinstance(corner, tuple)
        self.canvas.setFillColorRGB(*(value / 255 for value in corner[:3]))
        self.fill(box)
        x = box.x + (box.width - width) / 2
        y = box.y + (box.height - height) / 2
        jpeg = io.BytesIO()
        scaled(image, width, PREVIEW_DPI).save(jpeg, format="JPEG", quality=90)
        jpeg.seek(0)
        px, py = self.point(x, y + height)
        self.canvas.drawImage(ImageReader(jpeg), px, py, width * MM, height * MM)

    def draw_logo(self, image: Image.Image, header: Box) -> float:
        """The city logo at the header's right end, as high as the header; its width in mm."""
        box = Box(header.x + header.width * 0.6, header.y, header.width * 0.4, header.height)
        width, height = fitted(image, box)
        px, py = self.point(box.right - width, box.y + (box.height - height) / 2 + height)
        self.canvas.drawImage(
            ImageReader(scaled(image, width, LOGO_DPI)), px, py, width * MM, height * MM
        )
        return width


def fitted(image: Image.Image, box: Box) -> tuple[float, float]:
    """The size in mm of ``image`` contained in ``box``, keeping its shape."""
    scale = min(box.width / image.width, box.height / image.height)
    return image.width * scale, image.height * scale


def scaled(image: Image.Image, width_mm: float, dpi: int) -> Image.Image:
    """``image`` with no more pixels than ``dpi`` needs at ``width_mm`` wide."""
    target = max(1, round(width_mm / 25.4 * dpi))
    if image.width <= target:
        return image
    height = max(1, round(image.height * target / image.width))
    return image.resize((target, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
