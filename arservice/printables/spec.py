"""How big a printed code must be, and how much damage it survives.

The rule of thumb for scanning is about 10:1: a code read from 1 m needs a side of about 10 cm.
It holds for the small symbols a short link makes, so it is applied per module: a module is at
least ``distance / 10 / 25`` (a version 2 symbol, 25 modules, is what ``https://host/q/CODE``
takes at level M). A longer address makes a denser symbol, and the same distance then needs a
bigger print; :meth:`QrSpec.min_size_mm` says how big.

Error correction: level M (about 15 % of the symbol may be lost) for plain codes, the usual
choice for print; a logo forces level H (about 30 %), and the logo with its white pad may cover
at most 15 % of the symbol, so half the correction is left for wear, dirt and glare.
The quiet zone, white on every side, is always 4 modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from arservice.errors import InputError
from arservice.i18n import N_

Level = Literal["L", "M", "Q", "H"]

DISTANCE_RATIO = 10.0
"""Scanning distance / side of the symbol."""
REFERENCE_MODULES = 25
"""The symbol the 10:1 rule is taken for: version 2, a short link at level M."""
QUIET_ZONE = 4
MIN_DISTANCE_M = 0.2
MAX_DISTANCE_M = 50.0
LOGO_MAX_AREA = 0.15
"""The share of the symbol (quiet zone not counted) a logo and its white pad may cover."""

MSG_DISTANCE = N_("the scanning distance must be between {min} and {max} metres; it is {value}")


@dataclass(frozen=True)
class QrSpec:
    """Error correction and the smallest module for a code read from ``distance_m``."""

    level: Level
    distance_m: float
    min_module_mm: float
    logo: bool
    quiet_zone: int = QUIET_ZONE

    def min_size_mm(self, modules: int) -> float:
        """The smallest printed side, quiet zone included, of a symbol ``modules`` wide."""
        return (modules + 2 * self.quiet_zone) * self.min_module_mm

    def min_symbol_mm(self, modules: int) -> float:
        """The smallest side of the symbol itself (quiet zone not counted)."""
        return modules * self.min_module_mm


def choose_qr(distance_m: float, logo: bool = False) -> QrSpec:
    """The spec for a code read from ``distance_m`` metres, with or without a logo in it."""
    if not (
        isinstance(distance_m, int | float)
        and math.isfinite(distance_m)
        and MIN_DISTANCE_M <= distance_m <= MAX_DISTANCE_M
    ):
        raise InputError.single(
            "distance_m", MSG_DISTANCE, min=MIN_DISTANCE_M, max=MAX_DISTANCE_M, value=distance_m
        )
    module = distance_m * 1000 / DISTANCE_RATIO / REFERENCE_MODULES
    return QrSpec(
        level="H" if logo else "M", distance_m=distance_m, min_module_mm=module, logo=logo
    )


def distance_for(symbol_mm: float, modules: int) -> float:
    """The scanning distance in metres that a printed symbol serves by the same rule."""
    return symbol_mm / modules * REFERENCE_MODULES * DISTANCE_RATIO / 1000
