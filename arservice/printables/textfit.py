"""Text that fits its box: wrapped at spaces (a word wider than the box is broken), shrunk step by
step to a smallest size, and past that shortened with an ellipsis, so nothing leaves its box."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from arservice.printables.fonts import text_width

ELLIPSIS = "…"
NBSP = "\u00a0"
NO_BREAK = re.compile(r"(?<=\d) (?=\d{3}(?!\d))|(?<=\d) (?=(?:€|%|e|kr|m²|m|km|kpl|st)(?!\w))")
"""Spaces that stay: inside ``45 000``, before the unit in ``45 000 €`` or ``3 m``."""
BREAKS = re.compile(r"[ \t]+")
LEADING = 1.2
"""Line height / font size."""
SHRINK_STEP = 0.96


@dataclass(frozen=True)
class Style:
    """A paragraph's font, its largest and smallest size, and the space after it (× size)."""

    font: str
    max_size: float
    min_size: float
    space_after: float = 0.0
    color: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)  # CMYK
    keep: bool = False  # shortened last, when nothing else can be


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Style


@dataclass(frozen=True)
class Laid:
    """A paragraph laid out: its lines at one size."""

    lines: tuple[str, ...]
    font: str
    size: float
    space_after: float  # points
    color: tuple[float, float, float, float]

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING + self.space_after


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` points; explicit newlines are kept.

    Lines break at spaces, but not inside a number written with spaces (``45 000``) nor
    between a number and its unit (``45 000 €``, ``20 %``); a no-break space never breaks.
    """
    lines: list[str] = []
    for block in text.splitlines() or [""]:
        line = ""
        for word in BREAKS.split(NO_BREAK.sub(NBSP, block.strip())):
            for piece in break_word(word, font, size, width):
                candidate = f"{line} {piece}" if line else piece
                if line and text_width(candidate, font, size) > width:
                    lines.append(line)
                    line = piece
                else:
                    line = candidate
        lines.append(line)
    return lines


def break_word(word: str, font: str, size: float, width: float) -> list[str]:
    """A word wider than ``width`` in pieces that fit (at least one character each)."""
    if text_width(word, font, size) <= width:
        return [word]
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char, font, size) > width:
            pieces.append(piece)
            piece = char
        else:
            piece += char
    return [*pieces, piece]


def fit(paragraphs: Sequence[Paragraph], width: float, height: float) -> list[Laid]:
    """Lay ``paragraphs`` out in ``width`` x ``height`` points.

    Every size is scaled by one factor, from each style's largest down to its smallest in 4 %
    steps; the first that fits wins. If even the smallest does not fit, lines are taken from
    the end of the longest paragraph (paragraphs marked ``keep`` last) and it ends in "…".
    """
    return fit_scaled(paragraphs, width, height)[0]


def fit_scaled(
    paragraphs: Sequence[Paragraph], width: float, height: float, least: float = 0.0
) -> tuple[list[Laid], float]:
    """:func:`fit`, and the factor the sizes were scaled by; stops below ``least`` (0, none)
    and gives the factor as 0 when that is what it would take."""
    shrink = 1.0
    while True:
        laid = [lay(p, width, shrink) for p in paragraphs]
        if total_height(laid) <= height:
            return laid, shrink
        if shrink * SHRINK_STEP < least:
            return laid, 0.0
        if all(p.style.max_size * shrink <= p.style.min_size for p in paragraphs):
            return shorten(laid, width, height, paragraphs), 0.0
        shrink *= SHRINK_STEP


def lay(paragraph: Paragraph, width: float, shrink: float) -> Laid:
    style = paragraph.style
    size = max(style.min_size, style.max_size * shrink)
    lines = wrap(paragraph.text, style.font, size, width)
    return Laid(tuple(lines), style.font, size, style.space_after * size, style.color)


def total_height(laid: Sequence[Laid]) -> float:
    """The block's height: the last paragraph's space after does not count."""
    if not laid:
        return 0.0
    return sum(item.height for item in laid) - laid[-1].space_after


def shorten(
    laid: list[Laid], width: float, height: float, paragraphs: Sequence[Paragraph]
) -> list[Laid]:
    """Drop lines until the block fits; a shortened paragraph ends in an ellipsis."""
    while total_height(laid) > height:
        candidates = [k for k, item in enumerate(laid) if len(item.lines) > 1]
        if not candidates:  # one line each and still too high: drop whole paragraphs
            laid = laid[:-1]
            continue
        free = [k for k in candidates if not paragraphs[k].style.keep] or candidates
        k = max(free, key=lambda index: (len(laid[index].lines), index))
        item = laid[k]
        last = with_ellipsis(item.lines[-2], item.font, item.size, width)
        laid[k] = replace(item, lines=(*item.lines[:-2], last))
    return laid


def with_ellipsis(line: str, font: str, size: float, width: float) -> str:
    """``line`` + "…", shortened (at a space where it can) so that it fits ``width``."""
    text = line.rstrip()
    while text and text_width(text + ELLIPSIS, font, size) > width:
        cut = text.rfind(" ")
        text = text[:cut].rstrip() if cut > len(text) // 2 else text[:-1]
    return text.rstrip(" ,.;:–-") + ELLIPSIS
