"""The generator's output: a model as plain values, ready for any writer (GLB, USDZ, PNG).

A :class:`Scene` is a flat list of :class:`Instance` objects: a mesh in its own frame, a
material name and the 4x4 matrix that places it in the model (metres, +Y up, front +Z). Repeated
parts share one :class:`MeshData` object, so a writer can tell copies apart from distinct shapes.
The generator has already placed the whole model by the model contract: the centre of its bounding
box at x = z = 0 and its lowest vertex at y = 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Value = int | float | bool | str
"""A parameter or expression value."""

Matrix = NDArray[np.float64]
"""A 4x4 affine matrix acting on column vectors: ``p' = M @ [x, y, z, 1]``."""


@dataclass(frozen=True, eq=False)
class MeshData:
    """Triangles in their own frame, with one normal per vertex.

    Hard edges are split (each face has its own vertices there); curved surfaces share smoothed
    vertices. Triangles wind counter-clockwise seen from outside, as glTF expects.
    """

    positions: NDArray[np.float32]  # (n, 3)
    normals: NDArray[np.float32]  # (n, 3), unit length
    indices: NDArray[np.uint32]  # (m, 3)
    uvs: NDArray[np.float32] | None = None  # (n, 2), only where a material has a texture

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0])

    @property
    def vertex_count(self) -> int:
        return int(self.positions.shape[0])


@dataclass(frozen=True)
class Material:
    """A glTF metallic-roughness material. Colours are linear, as glTF's factors are."""

    name: str
    base_color: tuple[float, float, float, float] = (0.5, 0.5, 0.5, 1.0)
    metallic: float = 0.0
    roughness: float = 0.8
    texture: bytes | None = None  # base colour image, PNG or JPEG, sRGB
    texture_mime: str | None = None  # "image/png" or "image/jpeg"
    double_sided: bool = False

    @property
    def is_transparent(self) -> bool:
        return self.base_color[3] < 1.0


@dataclass(frozen=True, eq=False)
class Instance:
    """One placed copy of a mesh. ``name`` is its path in the part tree: ``bench/leg_1``."""

    name: str
    mesh: MeshData
    material: str
    matrix: Matrix


@dataclass(frozen=True)
class SceneInfo:
    """What the model is: the template, the values it was built with, its texts per language."""

    template_id: str
    template_version: int
    params: Mapping[str, Value]
    title: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    instances: tuple[Instance, ...]
    materials: Mapping[str, Material]
    info: SceneInfo

    @property
    def triangle_count(self) -> int:
        return sum(instance.mesh.triangle_count for instance in self.instances)

    def bounds(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The axis-aligned bounding box of every vertex, placed: ``(min xyz, max xyz)``."""
        if not self.instances:
            zero = np.zeros(3)
            return zero, zero.copy()
        lows, highs = [], []
        for instance in self.instances:
            placed = transform_points(instance.matrix, instance.mesh.positions)
            lows.append(placed.min(axis=0))
            highs.append(placed.max(axis=0))
        return np.min(lows, axis=0), np.max(highs, axis=0)


def transform_points(matrix: Matrix, points: NDArray[np.floating]) -> NDArray[np.float64]:
    """Apply a 4x4 affine matrix to an (n, 3) array of points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:3, :3].T + matrix[:3, 3]


def srgb_to_linear(channel: float) -> float:
    """One sRGB channel (0..1) to linear light, as glTF's ``baseColorFactor`` wants it."""
    if channel <= 0.04045:
        return channel / 12.92
    return float(((channel + 0.055) / 1.055) ** 2.4)
