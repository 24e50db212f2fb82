"""One-page PDFs with reportlab, and PDF pages to pictures with pdfium.

reportlab reads a few process-wide settings when it writes; a document is built under a lock
with images stored as binary streams (``useA85 = 0``: JPEG passed through as it is, not spelled
out in ASCII85, which costs 5x the time for a photo) and the setting put back afterwards.
pdfium is not thread-safe, so pages are rendered under a lock too.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from types import SimpleNamespace

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed
from PIL import Image
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

_BUILD_LOCK = threading.Lock()
_RENDER_LOCK = threading.Lock()
NO_FONT = "ArNoInitialFont"


class _NoInitialFont:
    """A canvas's initial font that writes nothing.

    A reportlab page starts by selecting its initial font (Helvetica by default), which puts a
    font that is not embedded into every page's resources, and print shops' preflight checks
    flag that even when no text uses it. For a "dynamic" font the canvas selects nothing, so a
    page that draws no text (a QR code) has no font at all, and a poster only its embedded ones.
    """

    fontName = NO_FONT  # noqa: N815 - reportlab's names
    face = SimpleNamespace(name=NO_FONT)
    _dynamicFont = 1  # noqa: N815
    _multiByte = 0  # noqa: N815


pdfmetrics.registerFont(_NoInitialFont())


def build_pdf(width: float, height: float, title: str, draw: Callable[[Canvas], None]) -> bytes:
    """A one-page PDF ``width`` x ``height`` points drawn by ``draw``; the same bytes each time."""
    buffer = io.BytesIO()
    with _BUILD_LOCK:
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            canvas = Canvas(
                buffer,
                pagesize=(width, height),
                invariant=1,
                pageCompression=1,
                initialFontName=NO_FONT,  # type: ignore[arg-type]  # stubs say float
            )
            canvas.setTitle(title)
            canvas.setCreator("arservice")
            canvas.setProducer("arservice")
            draw(canvas)
            canvas.showPage()
            canvas.save()
        finally:
            rl_config.useA85 = saved
    return buffer.getvalue()


def render_page(pdf: bytes, dpi: float) -> Image.Image:
    """The first page of ``pdf`` as an RGB picture at ``dpi``."""
    with _RENDER_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[0]
            bitmap = page.render(scale=dpi / 72, draw_annots=False)
            image: Image.Image = bitmap.to_pil().convert("RGB")
            bitmap.close()
            page.close()
        finally:
            document.close()
    return image
