"""A logo in the middle of a code: checked, flattened onto white, fitted to a module-aligned pad.

The pad is a white rectangle on whole modules, centred (a symbol is an odd number of modules
wide, so the pad is too), shaped like the logo, and with the logo it covers at most
``LOGO_MAX_AREA`` of the symbol. Modules under the pad are not drawn; level H restores them.

Area alone does not decide whether the code still reads: Reed-Solomon corrects per block, and a
pad of 15 % can take more than a whole block's capacity in some versions (measured: version 3
square, 13 and 18 wide, all unreadable when new). So the pad is also priced per block
(:mod:`.codewords`) and kept within ``MAX_BLOCK_LOAD`` of each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image

from arservice.printables.codewords import worst_block_load
from arservice.printables.images import load_image
from arservice.printables.spec import LOGO_MAX_AREA, Level

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_SIDE_PX = 4096
MIN_LOGO_SIDE_PX = 16
MAX_ASPECT = 4.0
FINDER_CLEARANCE = 9
"""Modules kept clear at each side of the symbol: a finder pattern, its separator, one more."""
PAD_MARGIN = 0.5
"""White margin in modules between the pad's edge and the logo."""
MAX_BLOCK_LOAD = 0.75
"""The share of an error-correction block's capacity the logo may take; the rest (and the
codewords the pad happens not to change) is left for wear, dirt and glare."""


@dataclass(frozen=True)
class Logo:
    """A checked logo, flattened onto white (RGB)."""

    image: Image.Image

    @property
    def aspect(self) -> float:
        return self.image.width / self.image.height


@dataclass(frozen=True)
class LogoPlace:
    """Where a logo goes, in modules from the symbol's top-left corner (no quiet zone)."""

    pad_x: int
    pad_y: int
    pad_width: int
    pad_height: int
    logo_x: float
    logo_y: float
    logo_width: float
    logo_height: float

    def covers(self, x: int, y: int) -> bool:
        return (
            self.pad_x <= x < self.pad_x + self.pad_width
            and self.pad_y <= y < self.pad_y + self.pad_height
        )

    def area_share(self, modules: int) -> float:
        """The share of the symbol the pad (and so the logo) covers."""
        return self.pad_width * self.pad_height / modules**2


def load_logo(data: bytes) -> Logo:
    """Check ``data`` (place ``logo``): a PNG or JPEG of at most ``MAX_LOGO_BYTES`` bytes and
    ``MIN_LOGO_SIDE_PX``..``MAX_LOGO_SIDE_PX`` on a side; flattened onto white."""
    image = load_image(
        data,
        "logo",
        max_bytes=MAX_LOGO_BYTES,
        min_side=MIN_LOGO_SIDE_PX,
        max_side=MAX_LOGO_SIDE_PX,
    )
    return Logo(image)


def place_logo(version: int, level: Level, aspect: float) -> LogoPlace:
    """The pad and the logo in a ``version`` symbol at ``level``, for a logo ``aspect`` wide
    (width / height).

    Of the odd-sized pads that stay clear of the finder patterns, cover at most
    ``LOGO_MAX_AREA`` of the symbol and use at most ``MAX_BLOCK_LOAD`` of any error-correction
    block's capacity (every codeword the pad touches counted as lost), the one that shows the
    logo largest.
    """
    modules = 17 + 4 * version
    aspect = min(max(aspect, 1 / MAX_ASPECT), MAX_ASPECT)
    limit = LOGO_MAX_AREA * modules**2
    widest = modules - 2 * FINDER_CLEARANCE
    candidates: list[tuple[float, int, int]] = []
    for width in range(1, widest + 1, 2):
        for height in range(1, widest + 1, 2):
            if width * height > limit:
                break
            logo_w, logo_h = fit_logo(width, height, aspect)
            candidates.append((logo_w * logo_h, width, height))
    candidates.sort(reverse=True)
    for _, width, height in candidates:
        pad_x, pad_y = (modules - width) // 2, (modules - height) // 2
        covered = (
            (y, x) for y in range(pad_y, pad_y + height) for x in range(pad_x, pad_x + width)
        )
        if worst_block_load(version, level, covered) <= MAX_BLOCK_LOAD:
            break
    else:
        raise AssertionError(f"no pad fits version {version}")  # a 1 x 1 pad always does
    logo_w, logo_h = fit_logo(width, height, aspect)
    return LogoPlace(
        pad_x=pad_x,
        pad_y=pad_y,
        pad_width=width,
        pad_height=height,
        logo_x=pad_x + (width - logo_w) / 2,
        logo_y=pad_y + (height - logo_h) / 2,
        logo_width=logo_w,
        logo_height=logo_h,
    )


def fit_logo(width: int, height: int, aspect: float) -> tuple[float, float]:
    """The logo's size in modules inside a ``width`` x ``height`` pad, keeping its shape."""
    box_w, box_h = width - 2 * PAD_MARGIN, height - 2 * PAD_MARGIN
    return min(box_w, box_h * aspect), min(box_h, box_w / aspect)


def logo_pixels(logo: Logo, width_px: int, height_px: int) -> Image.Image:
    """The logo resized to ``width_px`` x ``height_px`` (at least 1 each), high quality."""
    size = (max(1, width_px), max(1, height_px))
    return logo.image.resize(size, Image.Resampling.LANCZOS)


def embedded_logo(logo: Logo, width_mm: float, dpi: int = 600) -> Image.Image:
    """The logo for a vector file: no more pixels than ``dpi`` needs at ``width_mm`` wide."""
    target = max(1, math.ceil(width_mm / 25.4 * dpi))
    if logo.image.width <= target:
        return logo.image
    height = max(1, round(logo.image.height * target / logo.image.width))
    return logo_pixels(logo, target, height)
