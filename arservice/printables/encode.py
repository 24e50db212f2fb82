"""Payload -> QR module matrix (segno), from the optimal segments of :mod:`.payload`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import segno
from segno import consts

from arservice.printables.payload import MAX_PAYLOAD_LENGTH, Mode, segment_payload
from arservice.printables.spec import Level

SEGNO_MODES: dict[Mode, int] = {
    "numeric": consts.MODE_NUMERIC,
    "alphanumeric": consts.MODE_ALPHANUMERIC,
    "byte": consts.MODE_BYTE,
}
VERSION_CLASSES = ((1, 9), (10, 26), (27, 40))


@dataclass(frozen=True)
class QrMatrix:
    """An encoded symbol: ``rows[y][x]`` is True for a dark module; no quiet zone."""

    payload: str
    level: Level  # the level reached: at least the one asked for (raised when it costs nothing)
    version: int
    rows: tuple[tuple[bool, ...], ...]

    @property
    def modules(self) -> int:
        return len(self.rows)


@lru_cache(maxsize=512)
def encode_qr(payload: str, level: Level) -> QrMatrix:
    """The smallest symbol for ``payload`` at error correction ``level`` or better.

    Raises InputError (place ``payload``) for an empty, over-long or non-ASCII payload.
    Cached (the result is immutable): a campaign's zip asks for each code's symbol six times
    (its size, SVG, PDF, PNG, the poster), and segno's mask search is most of a code's time.
    """
    for version_class, (_, last) in enumerate(VERSION_CLASSES):
        segments = segment_payload(payload, version_class)
        # segno takes a list of (text, mode) segments; its stubs name only a single value
        content: Any = [(s.text, SEGNO_MODES[s.mode]) for s in segments]
        try:
            code = segno.make(content, error=level, micro=False, boost_error=True)
        except segno.DataOverflowError:
            continue
        version = int(code.version)  # a str only for Micro QR symbols, which are not made
        if version <= last:
            rows = tuple(tuple(bool(bit) for bit in row) for row in code.matrix)
            return QrMatrix(payload, cast(Level, code.error), version, rows)
    # MAX_PAYLOAD_LENGTH ASCII characters fit version 40 at every level
    raise AssertionError(f"{len(payload)} characters (at most {MAX_PAYLOAD_LENGTH}) did not fit")
