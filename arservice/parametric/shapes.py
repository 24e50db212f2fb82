"""The primitive shapes a template draws: checked arguments in, a :class:`MeshData` out.

Conventions (the template format's shapes table, and glTF's):

- Metres, +Y up, right-handed. ``axis`` (x, y or z; default y) is where a shape's main axis
  points: a cylinder's length, a cone's tip, a capsule's length, the axis a torus turns about.
- ``box``, ``cylinder``, ``cone``, ``sphere``, ``capsule`` and ``torus`` are centred on the origin
  by their bounding box (a cone's base lies half its height below, its tip half above).
  ``extrude`` (``[x, z]`` points raised from y = 0 to ``height``) and ``tube`` (a bar along
  ``[x, y, z]`` points) are not centred: their points are in the part's own frame.
- Round shapes use :data:`SEGMENTS` segments around, and their rings reach the full radius on
  the axes, so bounding boxes are exact.
- One unit normal per vertex, pointing out. Hard edges are split (a box has 24 vertices; caps and
  the walls of an extrusion have their own), curved surfaces share smooth vertices. Triangles wind
  counter-clockwise seen from outside. Arrays are float32 (n, 3) and uint32 (m, 3), read-only,
  because one mesh is shared by every copy of a part.

Arguments are checked first, all of them, and every problem is a :class:`BuildError` item placed
at its key (``radius``, ``size[1]``, ``polygon[2]``, ``path``); the caller prefixes the part
(``parts[3].``). :func:`estimate_triangles` counts triangles without building, so a template can
be refused before any geometry work.

The geometry lives in :mod:`.shapes_round` (box and round shapes) and :mod:`.shapes_swept`
(extrude and tube).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from types import MappingProxyType
from typing import Any, TypeGuard

import numpy as np

from arservice.errors import BuildError, ErrorItem
from arservice.i18n import N_
from arservice.parametric.scene import MeshData
from arservice.parametric.shapes_round import (
    SEGMENTS,
    Floats,
    box_mesh,
    capsule_has_band,
    capsule_mesh,
    cone_mesh,
    cylinder_mesh,
    sphere_mesh,
    torus_mesh,
)
from arservice.parametric.shapes_swept import (
    MAX_BEND_DEGREES,
    SMOOTH_BEND_DEGREES,
    extrude_mesh,
    tube_mesh,
)

__all__ = [
    "MAX_BEND_DEGREES",
    "REQUIRED",
    "SEGMENTS",
    "SHAPES",
    "SMOOTH_BEND_DEGREES",
    "box",
    "build_shape",
    "capsule",
    "cone",
    "cylinder",
    "estimate_triangles",
    "extrude",
    "sphere",
    "torus",
    "tube",
]

AXES = ("x", "y", "z")

SHAPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "box": frozenset({"size"}),
        "cylinder": frozenset({"radius", "height", "axis"}),
        "cone": frozenset({"radius", "height", "axis"}),
        "sphere": frozenset({"radius"}),
        "capsule": frozenset({"radius", "length", "axis"}),
        "torus": frozenset({"radius", "tube", "axis"}),
        "extrude": frozenset({"polygon", "height"}),
        "tube": frozenset({"path", "radius"}),
    }
)
"""Each shape's keys, required and optional."""

REQUIRED: Mapping[str, frozenset[str]] = MappingProxyType(
    {name: keys - {"axis"} for name, keys in SHAPES.items()}
)
"""Each shape's required keys: all but ``axis`` (default ``y``)."""


class _Checks:
    """Collects every problem with one shape's arguments, then raises them together."""

    def __init__(self) -> None:
        self.items: list[ErrorItem] = []

    def fail(self, loc: str, msgid: str, **params: Any) -> float:
        self.items.append(ErrorItem(loc, msgid, params))
        return math.nan

    def number(self, loc: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, Real):
            return self.fail(loc, N_("must be a number (got {value})"), value=_shown(value))
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            return self.fail(loc, N_("must be a finite number (got {value})"), value=_shown(value))
        return number

    def length(self, loc: str, value: object) -> float:
        number = self.number(loc, value)
        if number <= 0:
            return self.fail(
                loc,
                N_("must be greater than 0 (got {value}); lengths are in metres"),
                value=_shown(value),
            )
        return number

    def axis(self, value: object) -> str:
        if value not in AXES:
            self.fail("axis", N_("must be one of x, y, z (got {value})"), value=_shown(value))
            return "y"
        return str(value)

    def points(self, key: str, value: object, dims: int) -> Floats:
        """A list of points of ``dims`` numbers; at least 3 for a polygon, 2 for a path."""
        least = 3 if dims == 2 else 2
        if not _is_list(value) or len(value) < least:
            whole = (
                N_("must be a list of at least 3 points [x, z] (got {value})")
                if dims == 2
                else N_("must be a list of at least 2 points [x, y, z] (got {value})")
            )
            self.fail(key, whole, value=_shown(value))
            return np.zeros((0, dims))
        fast = _plain_points(value, dims)
        if fast is not None:
            return fast
        point = (
            N_("must be a point [x, z] of 2 finite numbers (got {value})")
            if dims == 2
            else N_("must be a point [x, y, z] of 3 finite numbers (got {value})")
        )
        out = np.zeros((len(value), dims))
        for i, item in enumerate(value):
            if not (_is_list(item) and len(item) == dims and all(_is_finite(c) for c in item)):
                self.fail(f"{key}[{i}]", point, value=_shown(item))
            else:
                out[i] = [float(c) for c in item]
        return out

    def done(self) -> None:
        if self.items:
            raise BuildError(self.items)


def _is_list(value: object) -> TypeGuard[Sequence[Any]]:
    return isinstance(value, Sequence | np.ndarray) and not isinstance(value, str | bytes)


def _plain_points(value: Sequence[Any], dims: int) -> Floats | None:
    """The common case, checked in bulk: lists or tuples of finite ints and floats."""
    if not all(type(item) in (list, tuple) and len(item) == dims for item in value):
        return None
    if not {type(c) for item in value for c in item} <= {int, float}:
        return None
    try:
        points = np.array(value, dtype=np.float64)
    except OverflowError:
        return None
    return points if np.isfinite(points).all() else None


def _is_finite(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _shown(value: object) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def box(size: tuple[float, float, float]) -> MeshData:
    """A box of ``size`` [x, y, z], centred: 24 vertices, 12 triangles."""
    checks = _Checks()
    if not _is_list(size) or len(size) != 3:
        checks.fail(
            "size", N_("must be a list of 3 numbers [x, y, z] (got {value})"), value=_shown(size)
        )
        checks.done()
    x, y, z = (checks.length(f"size[{i}]", size[i]) for i in range(3))
    checks.done()
    return box_mesh((x, y, z))


def cylinder(radius: float, height: float, axis: str = "y") -> MeshData:
    """A cylinder with flat caps, its length along ``axis``, centred."""
    checks = _Checks()
    r, h, a = checks.length("radius", radius), checks.length("height", height), checks.axis(axis)
    checks.done()
    return cylinder_mesh(r, h, a)


def cone(radius: float, height: float, axis: str = "y") -> MeshData:
    """A cone with a flat base, its tip towards +``axis``; the base half its height below."""
    checks = _Checks()
    r, h, a = checks.length("radius", radius), checks.length("height", height), checks.axis(axis)
    checks.done()
    return cone_mesh(r, h, a)


def sphere(radius: float) -> MeshData:
    """A UV sphere, centred."""
    checks = _Checks()
    r = checks.length("radius", radius)
    checks.done()
    return sphere_mesh(r)


def capsule(radius: float, length: float, axis: str = "y") -> MeshData:
    """A cylinder with round ends; ``length`` is end to end, caps included (>= 2·radius)."""
    checks = _Checks()
    r, n, a = checks.length("radius", radius), checks.length("length", length), checks.axis(axis)
    if n < 2 * r * (1 - 1e-9):
        checks.fail(
            "length",
            N_(
                "must be at least twice the radius, {minimum} m (got {value}); "
                "the length is measured end to end, round ends included"
            ),
            minimum=2 * r,
            value=_shown(length),
        )
    checks.done()
    return capsule_mesh(r, max(n, 2 * r), a)


def torus(radius: float, tube: float, axis: str = "y") -> MeshData:
    """A ring: ``radius`` to the tube's centre, turning about ``axis`` (y: lying flat)."""
    checks = _Checks()
    r, t, a = checks.length("radius", radius), checks.length("tube", tube), checks.axis(axis)
    if t >= r:
        checks.fail(
            "tube",
            N_(
                "must be smaller than the radius, {radius} m (got {value}), "
                "or the ring would have no hole"
            ),
            radius=r,
            value=_shown(tube),
        )
    checks.done()
    return torus_mesh(r, t, a)


def extrude(polygon: Sequence[tuple[float, float]], height: float) -> MeshData:
    """A prism: ``polygon`` ([x, z] points, any winding) raised from y = 0 to ``height``."""
    checks = _Checks()
    points, h = checks.points("polygon", polygon, 2), checks.length("height", height)
    checks.done()
    return extrude_mesh(points, h)


def tube(path: Sequence[tuple[float, float, float]], radius: float) -> MeshData:
    """A round bar of ``radius`` along ``path``, mitred at bends, flat ends square to the path."""
    checks = _Checks()
    points, r = checks.points("path", path, 3), checks.length("radius", radius)
    checks.done()
    return tube_mesh(points, r)


_BUILDERS: Mapping[str, Callable[..., MeshData]] = {
    "box": box,
    "cylinder": cylinder,
    "cone": cone,
    "sphere": sphere,
    "capsule": capsule,
    "torus": torus,
    "extrude": extrude,
    "tube": tube,
}


def _check_keys(shape: str, args: Mapping[str, Any]) -> None:
    if shape not in SHAPES:
        raise BuildError.single(
            "shape",
            N_("is not a known shape (got {value}); the shapes are: {shapes}"),
            value=_shown(shape),
            shapes=", ".join(SHAPES),
        )
    missing = sorted(REQUIRED[shape] - args.keys())
    if missing:
        msgid = N_("is required for a {shape}")
        raise BuildError([ErrorItem(key, msgid, {"shape": shape}) for key in missing])


def build_shape(shape: str, args: Mapping[str, Any]) -> MeshData:
    """Build ``shape`` from a part's keys; keys that are not the shape's (``at``…) are ignored."""
    _check_keys(shape, args)
    return _BUILDERS[shape](**{key: args[key] for key in SHAPES[shape] if key in args})


def estimate_triangles(shape: str, args: Mapping[str, Any]) -> int:
    """The triangles ``build_shape(shape, args)`` makes, or a close upper bound, without building.

    Exact, except that repeated points (and corners on a straight edge of a polygon) dropped
    while building make it an upper bound.
    """
    _check_keys(shape, args)
    s = SEGMENTS
    if shape == "extrude":
        polygon = args["polygon"]
        return 4 * max(len(polygon) if _is_list(polygon) else 3, 3) - 4
    if shape == "tube":
        path = args["path"]
        return 2 * s * max(len(path) if _is_list(path) else 2, 2)
    if shape == "capsule":
        radius, length = args["radius"], args["length"]
        if _is_finite(radius) and _is_finite(length) and not capsule_has_band(radius, length):
            return s * s - 2 * s
        return s * s
    fixed = {"box": 12, "cylinder": 4 * s, "cone": 2 * s, "sphere": s * s - 2 * s}
    return fixed.get(shape, 2 * s * s)  # a torus: s rings of s quads
