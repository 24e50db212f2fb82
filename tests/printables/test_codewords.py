"""The module -> codeword -> block map that prices a logo follows segno's own placement."""

from __future__ import annotations

import pytest
from segno import consts, encoder

from arservice.printables.codewords import (
    block_capacity,
    codeword_blocks,
    module_codewords,
    worst_block_load,
)

OFFSET = 1000  # bit numbers written into the matrix, clear of its 0/1/2 markers


@pytest.mark.parametrize("version", [1, 2, 6, 7, 13, 22, 40])
def test_codeword_of_each_module_matches_segnos_placement(version: int) -> None:
    size = 17 + 4 * version
    matrix = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(matrix, size, size)
    encoder.add_alignment_patterns(matrix, size, size)
    rows = tuple(list(row) for row in matrix)
    free = sum(cell == 0x2 for row in rows for cell in row)
    encoder.add_codewords(rows, [OFFSET + bit for bit in range(free)], version)
    words = sum(i.num_blocks * i.num_total for i in consts.ECC[version][consts.ERROR_LEVEL_L])
    ours = module_codewords(version)
    for y in range(size):
        for x in range(size):
            bit = rows[y][x] - OFFSET
            expected = bit // 8 if bit >= 0 and bit // 8 < words else -1
            assert ours[y][x] == expected, (y, x)


@pytest.mark.parametrize(("version", "level"), [(1, "H"), (4, "H"), (5, "Q"), (40, "M")])
def test_blocks_take_turns_data_first_then_correction(version: int, level: str) -> None:
    blocks = codeword_blocks(version, level)  # type: ignore[arg-type]
    capacity = block_capacity(version, level)  # type: ignore[arg-type]
    assert len(set(blocks)) == len(capacity)
    assert blocks[: len(capacity)] == tuple(range(len(capacity)))


def test_hiding_a_whole_block_uses_all_of_its_capacity_and_more() -> None:
    grid = module_codewords(4)
    blocks = codeword_blocks(4, "H")
    block0 = [
        (y, x) for y, row in enumerate(grid) for x, w in enumerate(row) if w >= 0 and blocks[w] == 0
    ]
    assert worst_block_load(4, "H", block0) == pytest.approx(25 / 8)
    assert worst_block_load(4, "H", []) == 0.0
