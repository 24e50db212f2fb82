"""QR code files: SVG and PDF as vector, PNG at a size and dpi; each optionally with a logo.

Every file has the 4-module quiet zone painted white, so the code keeps it when it is placed on
a coloured layout. The dark modules are one filled path (no seams between neighbours when a
viewer anti-aliases). In the PDF they are pure K100 black (CMYK 0/0/0/1, the ``k`` operator),
which a print shop prints with black ink alone, never a four-colour "rich" black that smears when
the plates are a hair out of register.

Every file says the same bytes for the same arguments: no dates, no random ids.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import cast

from PIL import Image
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from arservice.errors import InputError
from arservice.i18n import N_
from arservice.printables.encode import QrMatrix, encode_qr
from arservice.printables.logo import (
    Logo,
    LogoPlace,
    embedded_logo,
    load_logo,
    logo_pixels,
    place_logo,
)
from arservice.printables.pdf import build_pdf
from arservice.printables.spec import QrSpec

MIN_SIZE_MM = 10.0
MAX_SIZE_MM = 2000.0
MIN_DPI = 72
MAX_DPI = 1200
MAX_PNG_PX = 12_000
MIN_MODULE_PX = 3
K100 = (0.0, 0.0, 0.0, 1.0)
PAPER = (0.0, 0.0, 0.0, 0.0)

MSG_SIZE = N_("the code's size must be between {min} and {max} mm; it is {value}")
MSG_TOO_SMALL = N_(
    "read from {distance} m, a code with this address needs at least {min} mm with its quiet"
    " zone; {size} mm is too small: print it larger or use a shorter address"
)
MSG_DPI = N_("the resolution must be between {min} and {max} dpi; it is {value}")
MSG_PIXELS = N_(
    "at {dpi} dpi a {size} mm code is {px} pixels wide; at most {max}: lower the resolution"
)
MSG_MODULE_PIXELS = N_(
    "at {dpi} dpi a module of this code is under {min} pixels wide: raise the resolution"
)


@dataclass(frozen=True)
class PreparedQr:
    """A symbol ready to draw: the matrix, the quiet zone, and the logo with its place."""

    matrix: QrMatrix
    quiet_zone: int
    logo: Logo | None
    place: LogoPlace | None

    @property
    def total_modules(self) -> int:
        """Modules across, quiet zone included."""
        return self.matrix.modules + 2 * self.quiet_zone

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """``(x, y, length)`` of each horizontal run of dark modules, the logo's pad left out."""
        runs: list[tuple[int, int, int]] = []
        place = self.place
        for y, row in enumerate(self.matrix.rows):
            x = 0
            while x < len(row):
                if row[x] and not (place and place.covers(x, y)):
                    start = x
                    while x < len(row) and row[x] and not (place and place.covers(x, y)):
                        x += 1
                    runs.append((start, y, x - start))
                else:
                    x += 1
        return runs


def prepare_qr(payload: str, spec: QrSpec, logo: bytes | None = None) -> PreparedQr:
    """Encode ``payload`` for ``spec``; a logo (checked here) forces level H."""
    checked = None if logo is None else load_logo(logo)
    level = "H" if checked is not None else spec.level
    matrix = encode_qr(payload, level)
    place = None if checked is None else place_logo(matrix.version, "H", checked.aspect)
    return PreparedQr(matrix, spec.quiet_zone, checked, place)


def check_size(code: PreparedQr, spec: QrSpec, size_mm: float) -> None:
    """Refuse a size out of range, or too small for the spec's distance (place ``size_mm``)."""
    if not (isinstance(size_mm, int | float) and MIN_SIZE_MM <= size_mm <= MAX_SIZE_MM):
        raise InputError.single(
            "size_mm", MSG_SIZE, min=MIN_SIZE_MM, max=MAX_SIZE_MM, value=size_mm
        )
    needed = spec.min_size_mm(code.matrix.modules)
    if size_mm < needed - 1e-9:
        raise InputError.single(
            "size_mm",
            MSG_TOO_SMALL,
            distance=spec.distance_m,
            min=math.ceil(needed),
            size=size_mm,
        )


def qr_svg(
    payload: str, spec: QrSpec, *, size_mm: float | None = None, logo: bytes | None = None
) -> bytes:
    """The code as SVG, ``size_mm`` wide (default: the smallest the spec allows), UTF-8 bytes."""
    code = prepare_qr(payload, spec, logo)
    if size_mm is None:
        size_mm = max(MIN_SIZE_MM, math.ceil(spec.min_size_mm(code.matrix.modules)))
    check_size(code, spec, size_mm)
    total, q = code.total_modules, code.quiet_zone
    path = "".join(f"M{x + q} {y + q}h{n}v1h-{n}z" for x, y, n in code.dark_runs())
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"',
        f' width="{size_mm:g}mm" height="{size_mm:g}mm" viewBox="0 0 {total} {total}"',
        ' shape-rendering="crispEdges">\n',
        f"<title>{escape_xml(payload)}</title>\n",
        f'<rect width="{total}" height="{total}" fill="#ffffff"/>\n',
        f'<path fill="#000000" d="{path}"/>\n',
    ]
    if code.logo is not None and code.place is not None:
        parts.append(svg_logo(code, size_mm))
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")


def svg_logo(code: PreparedQr, size_mm: float) -> str:
    place, q = cast(LogoPlace, code.place), code.quiet_zone
    module_mm = size_mm / code.total_modules
    image = embedded_logo(cast(Logo, code.logo), place.logo_width * module_mm)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<rect x="{place.pad_x + q}" y="{place.pad_y + q}" width="{place.pad_width}"'
        f' height="{place.pad_height}" fill="#ffffff"/>\n'
        f'<image x="{place.logo_x + q:g}" y="{place.logo_y + q:g}"'
        f' width="{place.logo_width:g}" height="{place.logo_height:g}"'
        f' preserveAspectRatio="xMidYMid meet" href="data:image/png;base64,{data}"/>\n'
    )


def escape_xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def qr_pdf(payload: str, spec: QrSpec, size_mm: float, *, logo: bytes | None = None) -> bytes:
    """The code as a one-page PDF exactly ``size_mm`` square, vector, modules in K100 black."""
    code = prepare_qr(payload, spec, logo)
    check_size(code, spec, size_mm)
    side = size_mm * mm
    return build_pdf(side, side, payload, lambda canvas: draw_qr(canvas, code, 0.0, 0.0, side))


def draw_qr(canvas: Canvas, code: PreparedQr, x: float, y: float, side: float) -> None:
    """Draw ``code`` with its quiet zone into the square at ``x``, ``y`` (bottom left), points."""
    total, q = code.total_modules, code.quiet_zone
    module = side / total
    canvas.saveState()
    canvas.setFillColorCMYK(*PAPER)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillColorCMYK(*K100)
    path = canvas.beginPath()
    for mx, my, n in code.dark_runs():
        path.rect(x + (mx + q) * module, y + side - (my + q + 1) * module, n * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    place = code.place
    if code.logo is not None and place is not None:
        image = embedded_logo(code.logo, place.logo_width * module / mm)
        canvas.drawImage(
            ImageReader(image),
            x + (place.logo_x + q) * module,
            y + side - (place.logo_y + q + place.logo_height) * module,
            place.logo_width * module,
            place.logo_height * module,
        )
    canvas.restoreState()


LOGO_COLOURS = 254
"""Palette entries for a logo's pixels in a PNG; the last two are the modules' black and white."""
DARK_INDEX, LIGHT_INDEX = 254, 255


def qr_png(
    payload: str, spec: QrSpec, size_mm: float, dpi: int = 300, *, logo: bytes | None = None
) -> bytes:
    """The code as PNG, ``size_mm`` wide at ``dpi`` (stored in the file, so it prints true)."""
    code = prepare_qr(payload, spec, logo)
    check_size(code, spec, size_mm)
    if not (isinstance(dpi, int) and MIN_DPI <= dpi <= MAX_DPI):
        raise InputError.single("dpi", MSG_DPI, min=MIN_DPI, max=MAX_DPI, value=dpi)
    px = round(size_mm / 25.4 * dpi)
    if px > MAX_PNG_PX:
        raise InputError.single("dpi", MSG_PIXELS, dpi=dpi, size=size_mm, px=px, max=MAX_PNG_PX)
    if px < MIN_MODULE_PX * code.total_modules:
        raise InputError.single("dpi", MSG_MODULE_PIXELS, dpi=dpi, min=MIN_MODULE_PX)
    image = qr_image(code, px)
    buffer = io.BytesIO()
    # optimize pays off for 1-bit codes (2x smaller); with a logo it costs twice the time
    image.save(buffer, format="PNG", optimize=image.mode == "1", dpi=(dpi, dpi))
    return buffer.getvalue()


def qr_image(code: PreparedQr, px: int) -> Image.Image:
    """The code as a Pillow image ``px`` square: 1-bit, or a palette image with a logo.

    With a logo, the modules take two palette entries and the logo's pixels, quantized on
    their own, the other 254: the PNG holds one byte a pixel instead of three (0.4x the time
    to write, measured on a 164 mm code at 300 dpi) and the logo patch, small, is the only
    part that is quantized.
    """
    total, q = code.total_modules, code.quiet_zone
    small = Image.new("1", (total, total), 1)
    pixels = small.load()
    assert pixels is not None
    for mx, my, n in code.dark_runs():
        for k in range(n):
            pixels[mx + q + k, my + q] = 0
    image = small.resize((px, px), Image.Resampling.NEAREST)
    place = code.place
    if code.logo is None or place is None:
        return image
    scale = px / total
    left, top = round((place.logo_x + q) * scale), round((place.logo_y + q) * scale)
    right = round((place.logo_x + q + place.logo_width) * scale)
    bottom = round((place.logo_y + q + place.logo_height) * scale)
    patch = logo_pixels(code.logo, right - left, bottom - top).convert("RGB")
    patch = patch.quantize(colors=LOGO_COLOURS, method=Image.Quantize.MEDIANCUT)
    palette = (patch.getpalette() or [])[: 3 * LOGO_COLOURS]
    palette += [0, 0, 0] * (LOGO_COLOURS - len(palette) // 3)
    indexed = image.convert("L").point([DARK_INDEX] * 128 + [LIGHT_INDEX] * 128)
    indexed.putpalette([*palette, 0, 0, 0, 255, 255, 255])  # L -> P: 254 dark, 255 light
    indexed.paste(patch, (left, top))
    return indexed
