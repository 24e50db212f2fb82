"""The poster fonts shipped in ``assets/fonts/``, read once into :class:`PosterFonts`.

The printables take font files as bytes and never read the disk (a core package does no I/O);
this is the one place that reads them. Noto Sans covers å ä ö and the rest of Latin (Sámi
letters included), under the SIL Open Font License (``assets/fonts/OFL.txt``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from arservice.printables import PosterFonts
from arservice.store.builtin import assets_dir

REGULAR_FILE = "NotoSans-Regular.ttf"
BOLD_FILE = "NotoSans-Bold.ttf"


def fonts_dir() -> Path:
    return assets_dir() / "fonts"


@cache
def poster_fonts() -> PosterFonts:
    """The regular and bold poster fonts (read on the first call, kept for the process)."""
    folder = fonts_dir()
    return PosterFonts(
        regular=(folder / REGULAR_FILE).read_bytes(),
        bold=(folder / BOLD_FILE).read_bytes(),
    )
