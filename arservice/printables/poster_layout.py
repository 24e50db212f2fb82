"""Where everything goes on a poster, in millimetres from the page's top-left corner.

One layout, drawn for A4 and scaled by sqrt(2) for A3, so an A3 poster is an enlarged A4 one:

    +--------------------------------------------+
    | campaign name                   city logo  |  header
    |============================================|  accent rule
    |                                            |
    |              preview render                |
    |                                            |
    | Title (fi)                                 |
    | short text (fi)                            |  titles and texts, shrunk to fit
    | Title (sv) ...                             |
    |   +----------+                             |
    |   |  QR      |   call to action (fi)       |
    |   |  code    |   call to action (sv) ...   |
    |   +----------+                             |
    |  ar.hel.fi/q/7K3M9QX                       |  the short address, under the code
    +--------------------------------------------+

The code is sized by the 10:1 rule for the poster's design distance: read from 0.8 m on A4 (a
notice board in a library or a school) and 1.1 m on A3 (a sign at the site), for any symbol up
to version 3 (29 modules: a short link on a host of up to about 20 characters). A smaller symbol
fills the same square with bigger modules and reads from further (version 2: 0.95 m on A4,
1.3 m on A3). The quiet zone (4 modules) is kept clear on every side, the address below it
included. Margins are 12 mm on A4 (17 mm on A3), inside what office printers can print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from arservice.printables.spec import choose_qr

PageSize = Literal["a4", "a3"]

PAGE_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
DESIGN_DISTANCE_M: dict[str, float] = {"a4": 0.8, "a3": 1.1}
"""How far away the poster's code scans by the 10:1 rule, for symbols up to version 3."""
DESIGN_MODULES = 29
"""The densest symbol (version 3) the code's square is sized for at the design distance."""

# The A4 layout, in mm; A3 multiplies every length by sqrt(2).
MARGIN = 12.0
HEADER_HEIGHT = 12.0
RULE_GAP = 2.0
RULE_WIDTH = 0.8
IMAGE_GAP = 4.0
IMAGE_MAX_HEIGHT = 80.0
IMAGE_MIN_HEIGHT = 48.0
IMAGE_STEP = 4.0
TEXT_GAP = 6.0
URL_HEIGHT = 7.0


@dataclass(frozen=True)
class Box:
    """A rectangle in mm from the page's top-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class PosterLayout:
    size: PageSize
    page_width: float
    page_height: float
    scale: float  # 1 for A4, sqrt(2) for A3
    design_distance_m: float
    header: Box
    rule: Box
    body: Box  # the preview render above, the titles and texts below
    qr: Box  # the symbol, quiet zone not included
    quiet_zone: float  # mm on each side of the symbol
    call_to_action: Box
    url: Box


def symbol_side_mm(size: PageSize) -> float:
    """The side of the code's square: a version 3 symbol at the design distance's module."""
    return choose_qr(DESIGN_DISTANCE_M[size]).min_symbol_mm(DESIGN_MODULES)


def poster_layout(size: PageSize, modules: int) -> PosterLayout:
    """The boxes of a ``size`` poster whose code is ``modules`` wide."""
    width, height = PAGE_MM[size]
    s = width / PAGE_MM["a4"][0]
    margin = MARGIN * s
    content = width - 2 * margin
    side = symbol_side_mm(size)
    quiet = 4 * side / modules
    url = Box(margin, height - margin - URL_HEIGHT * s, content, URL_HEIGHT * s)
    symbol_x = max(margin, quiet)
    qr = Box(symbol_x, url.y - quiet - side, side, side)
    header = Box(margin, margin, content, HEADER_HEIGHT * s)
    rule = Box(margin, header.bottom + RULE_GAP * s, content, RULE_WIDTH * s)
    body_top = rule.bottom + IMAGE_GAP * s
    body = Box(margin, body_top, content, qr.y - quiet - body_top)
    cta_x = qr.right + quiet
    call_to_action = Box(cta_x, qr.y, width - margin - cta_x, side)
    url = Box(qr.x - quiet, url.y, qr.width + 2 * quiet, url.height)
    return PosterLayout(
        size=size,
        page_width=width,
        page_height=height,
        scale=s,
        design_distance_m=DESIGN_DISTANCE_M[size],
        header=header,
        rule=rule,
        body=body,
        qr=qr,
        quiet_zone=quiet,
        call_to_action=call_to_action,
        url=url,
    )


def image_heights(layout: PosterLayout) -> list[float]:
    """The preview's heights to try, in mm, tallest first: the text takes what is left."""
    s = layout.scale
    count = round((IMAGE_MAX_HEIGHT - IMAGE_MIN_HEIGHT) / IMAGE_STEP)
    return [(IMAGE_MAX_HEIGHT - k * IMAGE_STEP) * s for k in range(count + 1)]


def split_body(layout: PosterLayout, image_height: float) -> tuple[Box, Box]:
    """The body cut into the preview's box (``image_height`` mm) and the text's box below it."""
    body = layout.body
    image = Box(body.x, body.y, body.width, image_height)
    text_top = image.bottom + TEXT_GAP * layout.scale
    return image, Box(body.x, text_top, body.width, body.bottom - text_top)


def preview_pixels(size: PageSize, dpi: int = 200) -> tuple[int, int]:
    """The render size (width, height in pixels) that fills the poster's picture box at ``dpi``.

    With much text the box is lower; the render is then shown whole, narrower, and the box's
    sides take the colour of its corner (a render's background is one colour).
    """
    layout = poster_layout(size, DESIGN_MODULES)
    return (
        math.ceil(layout.body.width / 25.4 * dpi),
        math.ceil(IMAGE_MAX_HEIGHT * layout.scale / 25.4 * dpi),
    )
