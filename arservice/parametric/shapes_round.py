"""Box and the round shapes, built as numpy arrays: pure geometry, arguments already checked.

Every shape here is built about +Y, centred on the origin by its bounding box, and then turned so
its main axis lies along x, y or z (:func:`finish`); see :mod:`arservice.parametric.shapes` for
the conventions and the checked, public entry points.

Round shapes are surfaces of revolution (:func:`lathe`): a profile of rings from the bottom up, each
ring :data:`SEGMENTS` vertices at angles ``phi = 2πj/SEGMENTS`` with ``x = ρ·sin(phi)``,
``z = ρ·cos(phi)``; the first vertex of a ring lies on +Z. Since SEGMENTS is a multiple of 4, a ring
reaches its full radius on ±X and ±Z, so bounding boxes are exact, not shrunk by the faceting.
There is no seam vertex: no shape carries texture coordinates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from arservice.parametric.scene import MeshData

SEGMENTS: int = 32
"""Segments around every round shape (the template format asks for at least 32)."""

Floats = NDArray[np.float64]
Indices = NDArray[np.int64]
Part = tuple[Floats, Floats, Indices]
"""Positions (n, 3), normals (n, 3), triangles (m, 3) of one piece of a mesh."""

_PHI = 2.0 * np.pi * np.arange(SEGMENTS) / SEGMENTS
RING_SIN = np.sin(_PHI)
RING_COS = np.cos(_PHI)
# sin and cos are exact at the quarter turns, so the rings reach ±radius exactly on the axes.
RING_SIN[np.abs(RING_SIN) < 1e-15] = 0.0
RING_COS[np.abs(RING_COS) < 1e-15] = 0.0
_J = np.arange(SEGMENTS)
_J_NEXT = (_J + 1) % SEGMENTS

# A cyclic permutation of the columns is a rotation (never a mirror), so winding is kept.
_AXIS_COLUMNS = {"x": [1, 2, 0], "z": [2, 0, 1]}


def _unit_box() -> Part:
    # Each face: its normal n and two tangents a, b with a x b = n; corners go counter-clockwise.
    faces = [
        ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
        ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
        ((0, 1, 0), (0, 0, 1), (1, 0, 0)),
        ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
        ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
        ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
    ]
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=np.float64)
    positions, normals, triangles = [], [], []
    for face, (n, a, b) in enumerate(faces):
        n_, a_, b_ = (np.array(v, dtype=np.float64) for v in (n, a, b))
        positions.append(n_ + corners[:, :1] * a_ + corners[:, 1:] * b_)
        normals.append(np.tile(n_, (4, 1)))
        base = 4 * face
        triangles += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    return np.vstack(positions), np.vstack(normals), np.array(triangles, dtype=np.int64)


_BOX = _unit_box()


def finish(parts: list[Part], axis: str = "y") -> MeshData:
    """Join pieces into one read-only :class:`MeshData`, turning +Y onto ``axis``."""
    positions = np.concatenate([p for p, _, _ in parts])
    normals = np.concatenate([n for _, n, _ in parts])
    offsets = np.cumsum([0] + [len(p) for p, _, _ in parts[:-1]])
    indices = np.concatenate([t + o for (_, _, t), o in zip(parts, offsets, strict=True)])
    if axis != "y":
        positions = positions[:, _AXIS_COLUMNS[axis]]
        normals = normals[:, _AXIS_COLUMNS[axis]]
    normals = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    mesh = MeshData(
        positions=np.ascontiguousarray(positions, dtype=np.float32),
        normals=np.ascontiguousarray(normals, dtype=np.float32),
        indices=np.ascontiguousarray(indices, dtype=np.uint32),
    )
    for array in (mesh.positions, mesh.normals, mesh.indices):
        array.flags.writeable = False  # meshes are cached and shared: never edit one in place
    return mesh


def ring_quads(lower: Indices, upper: Indices) -> Indices:
    """Two triangles per segment between rings whose first vertices are ``lower`` and ``upper``.

    Both are arrays of ring start indices (one pair per band); the surface faces away from the
    axis when ``upper`` lies further along it than ``lower``.
    """
    a = lower[:, None] + _J
    a_next = lower[:, None] + _J_NEXT
    b = upper[:, None] + _J
    b_next = upper[:, None] + _J_NEXT
    first = np.stack([a, a_next, b_next], axis=-1)
    second = np.stack([a, b_next, b], axis=-1)
    return np.concatenate([first, second], axis=1).reshape(-1, 3)


def fan(centre: int, ring: int, *, facing_up: bool) -> Indices:
    """Triangles from a centre vertex to a ring starting at ``ring``, facing +axis or -axis."""
    c = np.full(SEGMENTS, centre)
    if facing_up:
        return np.stack([c, ring + _J, ring + _J_NEXT], axis=-1)
    return np.stack([c, ring + _J_NEXT, ring + _J], axis=-1)


def _rings(rho: Floats, y: Floats) -> Floats:
    out = np.empty((len(rho), SEGMENTS, 3))
    out[..., 0] = rho[:, None] * RING_SIN
    out[..., 1] = y[:, None]
    out[..., 2] = rho[:, None] * RING_COS
    return out.reshape(-1, 3)


def lathe(
    rho: Floats,
    y: Floats,
    n_rho: Floats,
    n_y: Floats,
    *,
    poles: tuple[float, float] | None = None,
    closed: bool = False,
) -> Part:
    """A smooth surface of revolution about +Y from a profile of rings, bottom to top.

    ``rho``, ``y`` place each ring and ``n_rho``, ``n_y`` give its outward normal in the profile
    plane. ``poles`` adds single vertices on the axis below and above (their y values, normals
    -Y and +Y); ``closed`` joins the last ring to the first (a torus). The profile must run
    counter-clockwise in the (ρ, y) plane, so that its outside is on the right.
    """
    positions = _rings(rho, y)
    normals = _rings(n_rho, n_y)
    count = len(rho)
    starts = np.arange(count) * SEGMENTS
    if closed:
        triangles = [ring_quads(starts, np.roll(starts, -1))]
    else:
        triangles = [ring_quads(starts[:-1], starts[1:])]
    if poles is not None:
        bottom, top = count * SEGMENTS, count * SEGMENTS + 1
        positions = np.vstack([positions, [(0.0, poles[0], 0.0), (0.0, poles[1], 0.0)]])
        normals = np.vstack([normals, [(0.0, -1.0, 0.0), (0.0, 1.0, 0.0)]])
        triangles += [fan(bottom, 0, facing_up=False), fan(top, int(starts[-1]), facing_up=True)]
    return positions, normals, np.concatenate(triangles)


def disc(radius: float, y: float, *, facing_up: bool) -> Part:
    """A flat cap: a centre vertex and a ring, all with the normal ±Y."""
    positions = np.vstack([[(0.0, y, 0.0)], _rings(np.array([radius]), np.array([y]))])
    normals = np.zeros_like(positions)
    normals[:, 1] = 1.0 if facing_up else -1.0
    return positions, normals, fan(0, 1, facing_up=facing_up)


def box_mesh(size: tuple[float, float, float]) -> MeshData:
    positions, normals, triangles = _BOX
    return finish([(positions * (np.array(size) / 2.0), normals, triangles)])


def cylinder_mesh(radius: float, height: float, axis: str) -> MeshData:
    half = height / 2.0
    side = lathe(np.full(2, radius), np.array([-half, half]), np.ones(2), np.zeros(2))
    bottom = disc(radius, -half, facing_up=False)
    top = disc(radius, half, facing_up=True)
    return finish([side, bottom, top], axis)


def cone_mesh(radius: float, height: float, axis: str) -> MeshData:
    """A cone whose base lies half its height below the origin and its tip half above."""
    half = height / 2.0
    slant = np.hypot(height, radius)
    n_rho, n_y = height / slant, radius / slant
    base = _rings(np.array([radius]), np.array([-half]))
    base_normals = _rings(np.array([n_rho]), np.array([n_y]))
    # One tip vertex per segment, its normal at the segment's middle: correct shading at the tip.
    mid = _PHI + np.pi / SEGMENTS
    tip = np.zeros((SEGMENTS, 3))
    tip[:, 1] = half
    tip_normals = np.stack([n_rho * np.sin(mid), np.full(SEGMENTS, n_y), n_rho * np.cos(mid)], -1)
    side_triangles = np.stack([_J, _J_NEXT, SEGMENTS + _J], axis=-1)
    side = (np.vstack([base, tip]), np.vstack([base_normals, tip_normals]), side_triangles)
    return finish([side, disc(radius, -half, facing_up=False)], axis)


def sphere_mesh(radius: float) -> MeshData:
    bands = SEGMENTS // 2
    theta = np.pi * np.arange(1, bands) / bands  # polar angle from the bottom pole
    sin, cos = np.sin(theta), -np.cos(theta)
    sin[np.abs(sin) < 1e-15] = 0.0
    cos[np.abs(cos) < 1e-15] = 0.0
    return finish([lathe(radius * sin, radius * cos, sin, cos, poles=(-radius, radius))])


def capsule_has_band(radius: float, length: float) -> bool:
    """Whether a capsule has a cylinder between its caps (else it is a sphere: no flat band)."""
    return length / 2.0 - radius > 1e-6 * radius


def capsule_mesh(radius: float, length: float, axis: str) -> MeshData:
    quarter = SEGMENTS // 4
    theta = np.pi * np.arange(1, 2 * quarter) / (2 * quarter)  # polar angle from the bottom
    sin, cos = np.sin(theta), -np.cos(theta)
    cos[quarter - 1] = 0.0  # the equator
    if capsule_has_band(radius, length):  # the equator ring once for each cap
        keep = np.r_[np.arange(quarter), np.arange(quarter - 1, len(theta))]
        sin, cos = sin[keep], cos[keep]
        centre = length / 2.0 - radius
        shift = np.repeat([-centre, centre], quarter)
        end = length / 2.0
    else:  # a sphere: length is twice the radius
        shift = np.zeros(len(theta))
        end = radius
    profile = lathe(radius * sin, radius * cos + shift, sin, cos, poles=(-end, end))
    return finish([profile], axis)


def torus_mesh(radius: float, tube: float, axis: str) -> MeshData:
    psi = 2.0 * np.pi * np.arange(SEGMENTS) / SEGMENTS  # around the tube, from the outside up
    sin, cos = np.sin(psi), np.cos(psi)
    sin[np.abs(sin) < 1e-15] = 0.0
    cos[np.abs(cos) < 1e-15] = 0.0
    return finish([lathe(radius + tube * cos, tube * sin, cos, sin, closed=True)], axis)
