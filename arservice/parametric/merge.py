"""Placing a scene's instances in model space and merging them into one mesh per material.

Both writers (GLB and USDZ) draw each material once: every instance wearing it is transformed
into model space and appended to that material's mesh. Normals go through the inverse-transpose
(its sign only: they are unitized after), a mirroring transform flips the winding, and triangles
that collapse to no area in float32 are dropped.

    batch = MaterialBatch()
    placed = batch.add(instance, textured=False)    # the instance's placed positions
    mesh = batch.join()                             # MergedMesh: float32 arrays, int64 indices
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from arservice.parametric.scene import Instance


@dataclass
class MaterialBatch:
    """One material's instances, placed in model space, before they become one mesh."""

    positions: list[NDArray[np.float64]] = field(default_factory=list)
    normals: list[NDArray[np.float64]] = field(default_factory=list)
    uvs: list[NDArray[np.float32]] = field(default_factory=list)
    indices: list[NDArray[np.int64]] = field(default_factory=list)
    vertex_count: int = 0

    def add(self, instance: Instance, textured: bool) -> NDArray[np.float64]:
        """Place one instance (positions, normals, winding); returns its placed positions."""
        mesh = instance.mesh
        matrix = np.asarray(instance.matrix, dtype=np.float64)
        cofactors, determinant = cofactor(matrix[:3, :3])
        placed = mesh.positions @ matrix[:3, :3].T + matrix[:3, 3]
        self.positions.append(placed)
        # the inverse-transpose is cofactor / determinant; only the sign matters before unitizing
        self.normals.append(mesh.normals @ (cofactors.T if determinant >= 0 else -cofactors.T))
        if textured and mesh.uvs is not None:
            self.uvs.append(mesh.uvs)
        triangles = mesh.indices if determinant >= 0 else mesh.indices[:, ::-1]  # mirrored
        self.indices.append(triangles.astype(np.int64) + self.vertex_count)
        self.vertex_count += mesh.vertex_count
        return placed

    def join(self) -> MergedMesh:
        """The instances as one mesh: float32 data, unit normals, no degenerate triangles."""
        positions = np.concatenate(self.positions).astype(np.float32)
        indices = np.concatenate(self.indices)
        indices = indices[solid_triangles(positions, indices)]
        return MergedMesh(
            positions=positions,
            normals=unit_rows(np.concatenate(self.normals)),
            uvs=np.concatenate(self.uvs).astype(np.float32) if self.uvs else None,
            indices=indices,
        )


@dataclass(frozen=True)
class MergedMesh:
    positions: NDArray[np.float32]
    normals: NDArray[np.float32]
    uvs: NDArray[np.float32] | None
    indices: NDArray[np.int64]


def cofactor(linear: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """The cofactor matrix and the determinant of a 3x3 matrix (no inverse: it may be flat)."""
    (a, b, c), (d, e, f), (g, h, i) = linear.tolist()
    cofactor = [
        [e * i - f * h, f * g - d * i, d * h - e * g],
        [c * h - b * i, a * i - c * g, b * g - a * h],
        [b * f - c * e, c * d - a * f, a * e - b * d],
    ]
    determinant = a * cofactor[0][0] + b * cofactor[0][1] + c * cofactor[0][2]
    return np.array(cofactor), determinant


def unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float32]:
    """Each row scaled to unit length, in float32; a crushed (zero) normal becomes +Y."""
    length = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    usable = length > 1e-12
    result = np.empty_like(vectors)
    result[usable] = vectors[usable] / length[usable, None]
    result[~usable] = (0.0, 1.0, 0.0)  # only on triangles that flattened away; any unit will do
    return result.astype(np.float32)


def solid_triangles(positions: NDArray[np.float32], indices: NDArray[np.int64]) -> Any:
    """A mask of the triangles with three distinct corners and a non-zero area in float32."""
    a, b, c = indices[:, 0], indices[:, 1], indices[:, 2]
    p, q, r = positions[a], positions[b], positions[c]
    u, v = q - p, r - p
    cross_x = u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1]
    cross_y = u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2]
    cross_z = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    solid = (cross_x != 0) | (cross_y != 0) | (cross_z != 0)
    return solid & (a != b) & (b != c) & (a != c)
