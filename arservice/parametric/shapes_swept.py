"""Extrusions and tubes: shapes swept from a polygon or along a path, not centred.

The points have been parsed already (finite numbers, the right count per point); this module
checks what only geometry can tell (a polygon that crosses itself, a path bent too sharply) and
raises :class:`BuildError` placed at the key (``polygon``, ``path[3]``).

- :func:`extrude_mesh`: a polygon of ``[x, z]`` points raised from y = 0 to ``height``; flat
  caps triangulated by earcut, one flat wall per edge, each with its own vertices.
- :func:`tube_mesh`: a round bar along a polyline. At each inner point the ring lies on the plane
  that bisects the bend, stretched so the bar keeps its radius on both sides (a mitre); the frame
  is carried from segment to segment by reflection in that plane, so the rings do not twist. A
  bend up to :data:`SMOOTH_BEND_DEGREES` is shaded smooth (a polyline drawing a curve), a sharper
  one keeps a crease; bends above :data:`MAX_BEND_DEGREES` are refused.
"""

from __future__ import annotations

import re
from typing import Any

import mapbox_earcut
import numpy as np
import shapely
from numpy.typing import NDArray

from arservice.errors import BuildError
from arservice.i18n import N_
from arservice.parametric.scene import MeshData
from arservice.parametric.shapes_round import (
    RING_COS,
    RING_SIN,
    SEGMENTS,
    Floats,
    Indices,
    Part,
    fan,
    finish,
    ring_quads,
)

MAX_BEND_DEGREES = 160.0
"""The sharpest turn a tube may take at one point (an A-frame's apex is about 140°).

The mitre's tip lies radius / cos(turn / 2) from the point: 5.8 radii at 160°, more beyond.
"""

SMOOTH_BEND_DEGREES = 30.0
"""Tube bends up to this are shaded smooth across the joint; sharper ones keep a hard crease."""

_RELATIVE_TOLERANCE = 1e-9
_SAME_POINT = 1e-6  # metres
_WHERE = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


def _distinct(points: Floats, *, closed: bool) -> NDArray[np.intp]:
    """Indices of the points left when each repeat of the point before it is dropped.

    Points closer than a micrometre (more, far from the origin, where float32 output cannot tell
    them apart) are the same point.
    """
    same = _SAME_POINT * max(1.0, float(np.abs(points).max(initial=0.0)))
    following = _next(points) if closed else points[1:]
    step = np.linalg.norm(following - points[: len(following)], axis=1)
    if closed:
        return np.flatnonzero(step > same)
    return np.flatnonzero(np.r_[True, step > same])


def _next(array: NDArray[Any]) -> NDArray[Any]:
    """The array shifted by one row: row i holds row i + 1, the last row the first."""
    return np.concatenate((array[1:], array[:1]))


def _signed_area(u: Floats, v: Floats) -> float:
    return 0.5 * float(np.dot(u, _next(v)) - np.dot(_next(u), v))


def _check_polygon(kept: Floats) -> None:
    """Refuse fewer than 3 distinct points, points on one line, and outlines crossing themselves."""
    if len(kept) < 3:
        raise BuildError.single(
            "polygon",
            N_("needs at least 3 distinct points [x, z] (got {count})"),
            count=len(kept),
        )
    offsets = kept - kept[0]
    far = offsets[int(np.argmax(np.einsum("ij,ij->i", offsets, offsets)))]
    off_line = offsets[:, 0] * far[1] - offsets[:, 1] * far[0]
    if np.abs(off_line).max() <= _RELATIVE_TOLERANCE * float(np.dot(far, far)):
        raise BuildError.single("polygon", N_("encloses no area: all its points lie on one line"))
    polygon = shapely.Polygon(kept)
    if not shapely.is_valid(polygon):
        found = _WHERE.search(str(shapely.is_valid_reason(polygon)))
        x, z = (float(found[1]), float(found[2])) if found else (float("nan"),) * 2
        raise BuildError.single(
            "polygon",
            N_("must not cross or touch itself (it does near x = {x}, z = {z})"),
            x=round(x, 4),
            z=round(z, 4),
        )


def _outline(points: Floats) -> Floats:
    """The polygon's corners as (u, v) = (x, -z), counter-clockwise: seen from +Y, as drawn."""
    kept = points[_distinct(points, closed=True)]
    _check_polygon(kept)
    outline = np.stack([kept[:, 0], -kept[:, 1]], axis=-1)
    area = _signed_area(outline[:, 0], outline[:, 1])
    if area < 0:
        outline = outline[::-1]
    # Drop corners where the outline runs straight on: caps and walls then share every edge.
    after = _next(outline) - outline
    before = np.concatenate((after[-1:], after[:-1]))
    cross = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
    lengths = np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1)
    straight = (np.abs(cross) <= _RELATIVE_TOLERANCE * lengths) & (
        np.einsum("ij,ij->i", before, after) > 0
    )
    return np.ascontiguousarray(outline[~straight])


def _upright(outline: Floats, triangles: Indices) -> Indices | None:
    """The triangles turned counter-clockwise in (u, v), or None unless they tile the outline.

    A tiling has n - 2 triangles (every corner used, no T-junction), none of them a sliver, and
    covers the outline's area.
    """
    if len(triangles) != len(outline) - 2:
        return None
    corners = outline[triangles]
    edge1, edge2 = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    doubled = edge1[:, 0] * edge2[:, 1] - edge1[:, 1] * edge2[:, 0]
    total = 2.0 * _signed_area(outline[:, 0], outline[:, 1])
    sliver = _RELATIVE_TOLERANCE * float(np.ptp(outline, axis=0).max()) ** 2
    if np.abs(doubled).min() <= sliver or abs(np.abs(doubled).sum() - total) > 1e-9 * total:
        return None
    upright = triangles.copy()
    upright[doubled < 0] = triangles[doubled < 0][:, ::-1]
    return upright


def _delaunay(outline: Floats) -> Indices:
    """A constrained Delaunay triangulation (shapely), as indices into the outline."""
    parts = shapely.get_parts(shapely.constrained_delaunay_triangles(shapely.Polygon(outline)))
    corners = shapely.get_coordinates(parts).reshape(-1, 4, 2)[:, :3]
    index = {point: i for i, point in enumerate(map(tuple, outline.tolist()))}
    found = [index.get(point, -1) for point in map(tuple, corners.reshape(-1, 2).tolist())]
    return np.array(found, dtype=np.int64).reshape(-1, 3)


def _cap_triangles(outline: Floats) -> Indices:
    """The cap's triangles, counter-clockwise in (u, v): by earcut, else by Delaunay."""
    rings = np.array([len(outline)], dtype=np.uint32)
    earcut = mapbox_earcut.triangulate_float64(outline, rings).astype(np.int64).reshape(-1, 3)
    triangles = _upright(outline, earcut)
    if triangles is None:
        fallback = _delaunay(outline)
        triangles = _upright(outline, fallback) if (fallback >= 0).all() else None
    if triangles is None:  # a corner lies on (or within a hair of) another edge
        raise BuildError.single(
            "polygon",
            N_("touches itself or is too thin to split into triangles; move its points apart"),
        )
    return triangles


def extrude_mesh(points: Floats, height: float) -> MeshData:
    """``points`` (n, 2) as ``[x, z]``; any winding; raised from y = 0 to ``height``."""
    outline = _outline(points)
    count = len(outline)
    triangles = _cap_triangles(outline)
    flat = np.zeros((count, 3))
    flat[:, 0], flat[:, 2] = outline[:, 0], -outline[:, 1]
    top = flat + np.array([0.0, height, 0.0])
    up = np.tile((0.0, 1.0, 0.0), (count, 1))
    caps: list[Part] = [(flat, -up, triangles[:, ::-1]), (top, up, triangles)]
    # Walls: bottom i, bottom i+1, top i+1, top i; the outward normal of edge (dx, dz) is (-dz, dx).
    following = _next(np.arange(count))
    edge = flat[following] - flat
    wall_normal = np.stack([-edge[:, 2], np.zeros(count), edge[:, 0]], axis=-1)
    wall_positions = np.stack([flat, flat[following], top[following], top], axis=1)
    base = 4 * np.arange(count)[:, None]
    wall_triangles = np.concatenate([base + np.array([0, 1, 2]), base + np.array([0, 2, 3])])
    walls = (wall_positions.reshape(-1, 3), np.repeat(wall_normal, 4, axis=0), wall_triangles)
    return finish([*caps, walls])


def _start_frame(direction: Floats) -> Floats:
    """A unit vector square to ``direction``, from the world axis least along it."""
    helper = np.zeros(3)
    helper[int(np.argmin(np.abs(direction)))] = 1.0
    u: Floats = helper - np.dot(helper, direction) * direction
    unit: Floats = u / np.linalg.norm(u)
    return unit


def _check_bends(
    points: Floats, original: NDArray[np.intp], radius: float
) -> tuple[Floats, Floats, Floats]:
    """Unit directions (k, 3), bisecting-plane normals (k-1, 3), and bend angles (k-1,)."""
    steps = np.diff(points, axis=0)
    lengths = np.linalg.norm(steps, axis=1)
    directions = steps / lengths[:, None]
    cosines = np.clip(np.einsum("ij,ij->i", directions[:-1], directions[1:]), -1.0, 1.0)
    bends = np.degrees(np.arccos(cosines))
    sharp = np.flatnonzero(bends > MAX_BEND_DEGREES)
    if sharp.size:
        joint = int(sharp[0])
        raise BuildError.single(
            f"path[{original[joint + 1]}]",
            N_(
                "turns by {angle}°, but a tube can turn by at most {limit}° at one point; "
                "add points to round the corner"
            ),
            angle=round(float(bends[joint]), 1),
            limit=round(MAX_BEND_DEGREES),
        )
    # The mitre reaches radius·tan(bend/2) along each segment from its joint.
    reach = np.r_[0.0, radius * np.tan(np.radians(bends) / 2.0), 0.0]
    needed = reach[:-1] + reach[1:]
    short = np.flatnonzero(needed > lengths * (1.0 + 1e-9))
    if short.size:
        segment = int(short[0])
        raise BuildError.single(
            f"path[{original[segment + 1]}]",
            N_(
                "is only {length} m from the point before it, too close for a tube of radius "
                "{radius} m bending there: the mitred joints need at least {needed} m"
            ),
            length=round(float(lengths[segment]), 4),
            radius=radius,
            needed=round(float(needed[segment]), 4),
        )
    bisectors = directions[:-1] + directions[1:]
    bisectors /= np.linalg.norm(bisectors, axis=1, keepdims=True)
    return directions, bisectors, bends


def _frames(directions: Floats, bisectors: Floats) -> Floats:
    """The ring's first direction for each segment, carried by reflection across each joint."""
    ux, uy, uz = _start_frame(directions[0]).tolist()
    rows = [(ux, uy, uz)]
    for tx, ty, tz in bisectors.tolist():  # one step per joint, in plain floats: fast
        twice = 2.0 * (ux * tx + uy * ty + uz * tz)
        ux, uy, uz = ux - twice * tx, uy - twice * ty, uz - twice * tz
        rows.append((ux, uy, uz))
    frames = np.array(rows)
    frames -= np.einsum("ij,ij->i", frames, directions)[:, None] * directions
    unit: Floats = frames / np.linalg.norm(frames, axis=1, keepdims=True)
    return unit


def _joints(
    path: Floats, radius: float, around: Floats, directions: Floats, bisectors: Floats
) -> tuple[Floats, Floats]:
    """Each inner point's ring on its bisecting plane, and the ring's smooth normals."""
    # The circle of the segment before, moved along that segment onto the bisecting plane.
    before = around[:-1]
    tilt = np.einsum("ksi,ki->ks", before, bisectors)
    cos_half = np.einsum("ki,ki->k", directions[:-1], bisectors)
    along = (tilt / cos_half[:, None])[..., None] * directions[:-1, None, :]
    rings: Floats = path[1:-1, None, :] + radius * (before - along)
    # The mean of both segments' normals: the circle's direction projected onto the plane.
    smooth = before - tilt[..., None] * bisectors[:, None, :]
    smooth /= np.linalg.norm(smooth, axis=-1, keepdims=True)
    return rings, smooth


def _side(
    path: Floats,
    radius: float,
    around: Floats,
    directions: Floats,
    bisectors: Floats,
    bends: Floats,
) -> Part:
    """The round side: one ring per point, two (same place, own normals) at a creased bend."""
    inner, smooth = _joints(path, radius, around, directions, bisectors)
    positions, normals = [path[0] + radius * around[0]], [around[0]]
    ring_in, ring_out = [0], [0]  # the ring each segment ends on / starts from, per point
    for k, crease in enumerate((bends > SMOOTH_BEND_DEGREES).tolist()):
        index = len(positions)
        if crease:
            positions += [inner[k], inner[k]]
            normals += [around[k], around[k + 1]]
        else:
            positions.append(inner[k])
            normals.append(smooth[k])
        ring_in.append(index)
        ring_out.append(index + 1 if crease else index)
    ring_in.append(len(positions))
    positions.append(path[-1] + radius * around[-1])
    normals.append(around[-1])
    lower = np.array(ring_out) * SEGMENTS
    upper = np.array(ring_in[1:]) * SEGMENTS
    return np.concatenate(positions), np.concatenate(normals), ring_quads(lower, upper)


def _cap(centre: Floats, ring: Floats, normal: Floats, *, facing_up: bool) -> Part:
    positions = np.vstack([centre[None], ring])
    normals = np.tile(normal, (len(positions), 1))
    return positions, normals, fan(0, 1, facing_up=facing_up)


def tube_mesh(points: Floats, radius: float) -> MeshData:
    """``points`` (n, 3), the path; a bar of ``radius`` along it with flat ends square to it."""
    original = _distinct(points, closed=False)
    if len(original) < 2:
        raise BuildError.single(
            "path",
            N_("has zero length: all its {count} points are in the same place"),
            count=len(points),
        )
    path = points[original]
    directions, bisectors, bends = _check_bends(path, original, radius)
    u = _frames(directions, bisectors)
    v = np.cross(directions, u)
    # around[k, j]: the unit direction of ring vertex j, square to segment k.
    around = RING_COS[None, :, None] * u[:, None, :] + RING_SIN[None, :, None] * v[:, None, :]
    caps = [
        _cap(path[0], path[0] + radius * around[0], -directions[0], facing_up=False),
        _cap(path[-1], path[-1] + radius * around[-1], directions[-1], facing_up=True),
    ]
    return finish([_side(path, radius, around, directions, bisectors, bends), *caps])
