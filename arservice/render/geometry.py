"""A scene as draw batches: one vertex array per material, every instance placed in model space.

Each instance's matrix is baked into its positions; normals go through the cofactor matrix (the
inverse-transpose up to scale) and are renormalised, and a mirroring matrix flips the winding so
front faces stay front faces. The batches keep the scene's first-use order of materials, so the
same scene always gives the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from arservice.errors import BuildError
from arservice.i18n import N_
from arservice.parametric.scene import Material, Scene

MSG_NO_GEOMETRY = N_("the model has no geometry: every part is switched off")
MSG_NOT_A_NUMBER = N_("the part {part} has a vertex that is not a number")
MSG_UNKNOWN_MATERIAL = N_("the part {part} uses the material {material}, which is not defined")
MSG_NO_AREA = N_("the model has nothing to draw: its parts have no area")


@dataclass(frozen=True)
class Batch:
    """One material's triangles, placed: float32 vertex data and uint32 triangle indices."""

    material: Material
    positions: NDArray[np.float32]  # (n, 3)
    normals: NDArray[np.float32]  # (n, 3), unit length
    uvs: NDArray[np.float32]  # (n, 2), zeros where the material has no texture
    indices: NDArray[np.uint32]  # (m, 3)

    @property
    def textured(self) -> bool:
        return self.material.texture is not None

    def interleaved(self) -> bytes:
        """Position, normal and texture coordinate per vertex: 8 float32 values."""
        data = np.hstack([self.positions, self.normals, self.uvs]).astype("<f4")
        return data.tobytes()


def scene_batches(scene: Scene) -> list[Batch]:
    """The scene's triangles per material; raises :class:`BuildError` when nothing can be drawn.

    That is: no triangles at all, a part that names a material the scene does not define, a
    placed vertex that is not a finite number, or triangles that all have no area.
    """
    grouped: dict[
        str,
        list[
            tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float32], NDArray[np.int64]]
        ],
    ] = {}
    for number, instance in enumerate(scene.instances):
        mesh = instance.mesh
        if mesh.triangle_count == 0:
            continue
        if instance.material not in scene.materials:
            raise BuildError.single(
                f"instances[{number}]",
                MSG_UNKNOWN_MATERIAL,
                part=instance.name,
                material=instance.material,
            )
        matrix = np.asarray(instance.matrix, dtype=np.float64)
        linear = matrix[:3, :3]
        positions = mesh.positions.astype(np.float64) @ linear.T + matrix[:3, 3]
        if not np.isfinite(positions).all():
            raise BuildError.single(f"instances[{number}]", MSG_NOT_A_NUMBER, part=instance.name)
        determinant = float(np.linalg.det(linear)) if np.isfinite(linear).all() else 0.0
        cofactor = _cofactor(linear)
        normals = mesh.normals.astype(np.float64) @ (
            cofactor.T if determinant >= 0 else -cofactor.T
        )
        indices = mesh.indices.astype(np.int64)
        if determinant < 0:
            indices = indices[:, ::-1]
        uvs = (
            mesh.uvs.astype(np.float32)
            if mesh.uvs is not None and mesh.uvs.shape == (mesh.vertex_count, 2)
            else np.zeros((mesh.vertex_count, 2), np.float32)
        )
        grouped.setdefault(instance.material, []).append((positions, normals, uvs, indices))
    if not grouped:
        raise BuildError.single("", MSG_NO_GEOMETRY)
    batches = [_join(scene.materials[name], parts) for name, parts in grouped.items()]
    if not any(_has_area(batch) for batch in batches):
        raise BuildError.single("", MSG_NO_AREA)
    return batches


def _join(
    material: Material,
    parts: list[
        tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float32], NDArray[np.int64]]
    ],
) -> Batch:
    offsets = np.cumsum([0] + [positions.shape[0] for positions, _, _, _ in parts[:-1]])
    indices = np.concatenate(
        [triangles + offset for (_, _, _, triangles), offset in zip(parts, offsets, strict=True)]
    )
    normals = np.concatenate([normals for _, normals, _, _ in parts])
    return Batch(
        material=material,
        positions=np.concatenate([positions for positions, _, _, _ in parts]).astype(np.float32),
        normals=_unit_rows(normals),
        uvs=np.concatenate([uvs for _, _, uvs, _ in parts]).astype(np.float32),
        indices=indices.astype(np.uint32),
    )


def _has_area(batch: Batch) -> bool:
    corners = batch.positions.astype(np.float64)[batch.indices.astype(np.int64)]
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    return bool(np.any(np.linalg.norm(cross, axis=1) > 1e-12))


def _cofactor(linear: NDArray[np.float64]) -> NDArray[np.float64]:
    """The cofactor matrix of a 3x3 matrix: the inverse-transpose times the determinant."""
    return np.stack(
        [
            np.cross(linear[:, 1], linear[:, 2]),
            np.cross(linear[:, 2], linear[:, 0]),
            np.cross(linear[:, 0], linear[:, 1]),
        ],
        axis=1,
    )


def _unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float32]:
    """Unit-length rows; a row with no length (a flattened part) points up."""
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    good = (lengths[:, 0] > 1e-12) & np.isfinite(lengths[:, 0])
    unit = np.zeros_like(vectors)
    unit[:, 1] = 1.0
    unit[good] = vectors[good] / lengths[good]
    return unit.astype(np.float32)


def all_positions(batches: list[Batch]) -> NDArray[np.float64]:
    """Every placed vertex of every batch, as float64: what the camera must frame."""
    return np.concatenate([batch.positions for batch in batches]).astype(np.float64)
