"""Which error-correction block each module of a QR symbol belongs to, to price a logo.

A logo hides every codeword it touches, even by one module. Reed-Solomon corrects per block, at
most half of the block's error-correction codewords, so what decides whether a code with a logo
reads is the worst block, not the share of area. This module follows ISO/IEC 18004's placement
(the two-module columns zig-zagging from the right, around the function patterns) and
interleaving, with the function patterns and block table of segno.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from segno import consts, encoder

from arservice.printables.spec import Level

LEVELS = {"L": consts.ERROR_LEVEL_L, "M": consts.ERROR_LEVEL_M, "Q": consts.ERROR_LEVEL_Q}
LEVELS["H"] = consts.ERROR_LEVEL_H


@cache
def module_codewords(version: int) -> tuple[tuple[int, ...], ...]:
    """``[y][x]``: the index of the codeword at that module in the symbol's order, or -1 for a
    function pattern or a remainder bit."""
    size = 17 + 4 * version
    matrix = function_patterns(size)
    words = sum(count * total for count, total, _ in ecc_blocks(version, "L"))
    grid = [[-1] * size for _ in range(size)]
    for bit, (y, x) in enumerate(data_modules(matrix)):
        if bit // 8 < words:
            grid[y][x] = bit // 8
    return tuple(tuple(row) for row in grid)


def ecc_blocks(version: int, level: Level) -> list[tuple[int, int, int]]:
    """ISO/IEC 18004 table 9 (from segno): (blocks, codewords each, data codewords each)."""
    table: Any = consts.ECC
    return [
        (int(i.num_blocks), int(i.num_total), int(i.num_data))
        for i in table[version][LEVELS[level]]
    ]


def function_patterns(size: int) -> tuple[bytearray, ...]:
    """A symbol's matrix with its function patterns drawn; data modules are 0x2 (segno's)."""
    make: Any = encoder.make_matrix
    matrix: tuple[bytearray, ...] = make(size, size)
    add_finders: Any = encoder.add_finder_patterns
    add_alignment: Any = encoder.add_alignment_patterns
    add_finders(matrix, size, size)
    add_alignment(matrix, size, size)
    return matrix


@cache
def block_capacity(version: int, level: Level) -> tuple[int, ...]:
    """Per block, how many wrong codewords Reed-Solomon corrects: half its correction words."""
    return tuple(
        (total - data) // 2
        for count, total, data in ecc_blocks(version, level)
        for _ in range(count)
    )


@cache
def codeword_blocks(version: int, level: Level) -> tuple[int, ...]:
    """The block of each codeword in the interleaved order the symbol holds them."""
    sizes = [
        (data, total - data)
        for count, total, data in ecc_blocks(version, level)
        for _ in range(count)
    ]
    order: list[int] = []
    for part in (0, 1):  # the data codewords of every block first, then the correction ones
        for index in range(max(size[part] for size in sizes)):
            order.extend(block for block, size in enumerate(sizes) if index < size[part])
    return tuple(order)


def data_modules(matrix: tuple[bytearray, ...]) -> Iterator[tuple[int, int]]:
    """The data modules ``(y, x)`` in placement order (ISO/IEC 18004:2015, 7.7.3), as segno's
    ``add_codewords`` fills them."""
    size = len(matrix)
    for column in range(size - 1, 0, -2):
        right = column - 1 if column <= 6 else column  # the vertical timing pattern is skipped
        for vertical in range(size):
            for x in (right, right - 1):
                upwards = ((right & 2) == 0) ^ (x < 6)
                y = size - 1 - vertical if upwards else vertical
                if matrix[y][x] == 0x2:
                    yield y, x


def worst_block_load(version: int, level: Level, covered: Iterable[tuple[int, int]]) -> float:
    """The largest share of a block's correction capacity used up when the ``covered`` modules
    (``(y, x)`` pairs) are hidden: 1.0 or more and the code does not read, even when new."""
    codewords = module_codewords(version)
    blocks = codeword_blocks(version, level)
    hidden: dict[int, set[int]] = {}
    for y, x in covered:
        word = codewords[y][x]
        if word >= 0:
            hidden.setdefault(blocks[word], set()).add(word)
    capacity = block_capacity(version, level)
    return max((len(words) / capacity[b] for b, words in hidden.items()), default=0.0)
