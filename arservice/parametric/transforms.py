"""4x4 matrices for parts: ``T(at) · Ry(turn) · R · S`` with ``R = Rz · Ry · Rx``.

Right-handed, column vectors, degrees in the template; a positive ``ry`` turns +Z towards +X.
``turn`` (radians) is the extra turn about y a ring repeat gives each copy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from arservice.parametric.scene import Matrix


def translation(offset: Sequence[float]) -> Matrix:
    matrix = np.identity(4)
    matrix[:3, 3] = offset
    return matrix


def rotation(degrees_xyz: Sequence[float]) -> Matrix:
    """``Rz · Ry · Rx`` about the parent's fixed axes, as a 3x3 matrix."""
    rx, ry, rz = (math.radians(angle) for angle in degrees_xyz)
    return _rz(rz) @ _ry(ry) @ _rx(rx)


def local_matrix(
    at: Sequence[float], rotate: Sequence[float], scale: Sequence[float], turn: float = 0.0
) -> Matrix:
    """A part's matrix in its parent's frame."""
    matrix = np.identity(4)
    linear = np.diag(np.asarray(scale, dtype=np.float64))
    if any(rotate):
        linear = rotation(rotate) @ linear
    if turn:
        linear = _ry(turn) @ linear
    matrix[:3, :3] = linear
    matrix[:3, 3] = at
    return matrix


def _rx(a: float) -> Matrix:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(a: float) -> Matrix:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(a: float) -> Matrix:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
